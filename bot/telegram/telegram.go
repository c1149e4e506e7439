// Package telegram connects the conversation (package bot) to Telegram
// through github.com/go-telegram/bot: long polling on one machine, or a
// webhook for several replicas behind a load balancer.
//
// Updates are never lost and never answered twice. Every update is claimed
// in a Journal before it is handled and marked done after its replies were
// sent; an update Telegram delivers again (a webhook retry, a poll after a
// restart) finds its claim and is skipped. In long polling, the library's
// own loop confirms updates to Telegram before its handlers run, so this
// package polls itself: each batch is written to a durable Inbox first and
// only then confirmed (by asking for the next offset); what is in the inbox
// when lawbot stops is handled when it starts again. In webhook mode,
// Telegram keeps an update until lawbot answers 200, which it does only
// after handling it.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/state"

	tgbot "github.com/go-telegram/bot"
)

// Journal remembers which updates were claimed and handled.
type Journal interface {
	Claim(ctx context.Context, id int64) (state.Claim, error)
	Done(ctx context.Context, id int64) error
	Release(ctx context.Context, id int64) error
}

// Inbox is a Journal that also keeps received updates until they are done,
// for long polling.
type Inbox interface {
	Journal
	Receive(ctx context.Context, updates map[int64][]byte) error
	Pending(ctx context.Context) (map[int64][]byte, error)
}

// Bot is lawbot on Telegram.
type Bot struct {
	api     *tgbot.Bot
	core    *bot.Core
	token   string
	server  string
	client  *http.Client
	journal Journal
	inbox   Inbox
	secret  string
	log     *slog.Logger
	metrics *bot.Metrics

	workers      int
	pollTimeout  time.Duration
	grace        time.Duration
	maxRetryWait time.Duration
	typingDelay  time.Duration

	id       int64
	username string
}

// Option configures a Bot.
type Option func(*Bot)

// WithServerURL sets the Bot API server, e.g. a local Bot API server or a
// test server; the default is Telegram's.
func WithServerURL(url string) Option {
	return func(b *Bot) { b.server = strings.TrimRight(url, "/") }
}

// WithJournal sets where handled updates are remembered (webhook mode).
func WithJournal(j Journal) Option { return func(b *Bot) { b.journal = j } }

// WithInbox sets the durable inbox for long polling; it is the journal too.
func WithInbox(in Inbox) Option {
	return func(b *Bot) { b.inbox, b.journal = in, in }
}

// WithWebhookSecret sets the secret_token Telegram sends with every webhook
// request; requests without it are refused with 401.
func WithWebhookSecret(secret string) Option { return func(b *Bot) { b.secret = secret } }

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(b *Bot) { b.log = l } }

// WithMetrics sets the metrics Telegram errors and updates are counted in.
func WithMetrics(m *bot.Metrics) Option { return func(b *Bot) { b.metrics = m } }

// WithWorkers sets how many updates are handled at once in long polling;
// updates of one chat are handled in order. The default is 64.
func WithWorkers(n int) Option { return func(b *Bot) { b.workers = n } }

// WithPollTimeout sets the long-polling timeout; the default is 50s.
func WithPollTimeout(d time.Duration) Option { return func(b *Bot) { b.pollTimeout = d } }

// WithGrace sets how long handling may go on after shutdown begins; the
// default is 20s. Updates not handled by then stay in the inbox.
func WithGrace(d time.Duration) Option { return func(b *Bot) { b.grace = d } }

// WithMaxRetryWait bounds how long one Bot API call is retried after 429
// and 5xx responses; the default is 60s.
func WithMaxRetryWait(d time.Duration) Option { return func(b *Bot) { b.maxRetryWait = d } }

// DefaultTypingDelay is how long composing an answer may take before the
// resident is shown "typing…". The Bot API advises the chat action only
// when a reply takes noticeable time: a quick answer arrives before the
// indicator would be seen, and the call would cost a request for nothing.
const DefaultTypingDelay = 250 * time.Millisecond

// WithTypingDelay sets how long an answer may take before "typing…" is
// shown; 0 shows it at once for every question. The default is
// DefaultTypingDelay.
func WithTypingDelay(d time.Duration) Option { return func(b *Bot) { b.typingDelay = max(d, 0) } }

// New connects to the Bot API with token and asks who the bot is (getMe).
func New(ctx context.Context, token string, core *bot.Core, opts ...Option) (*Bot, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("telegram: empty token")
	}
	b := &Bot{
		core: core, token: token, server: "https://api.telegram.org",
		log: slog.New(slog.DiscardHandler), workers: 64, pollTimeout: 50 * time.Second,
		grace: 20 * time.Second, maxRetryWait: 60 * time.Second, typingDelay: DefaultTypingDelay,
	}
	for _, o := range opts {
		o(b)
	}
	if b.journal == nil {
		return nil, errors.New("telegram: no journal")
	}
	b.workers = max(b.workers, 1)
	// Every worker may be sending at once: keep a connection for each.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = b.workers + 2
	b.client = &http.Client{Timeout: b.pollTimeout + 15*time.Second, Transport: transport}
	api, err := tgbot.New(token,
		tgbot.WithSkipGetMe(),
		tgbot.WithServerURL(b.server),
		tgbot.WithHTTPClient(30*time.Second, &http.Client{Timeout: 30 * time.Second, Transport: wholeBody{transport}}),
		tgbot.WithErrorsHandler(func(err error) {
			b.log.Error("telegram library", "err", b.redact(err))
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", b.redact(err))
	}
	b.api = api
	var me *models.User
	err = b.call(ctx, "getMe", func(ctx context.Context) (err error) {
		me, err = api.GetMe(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	b.id, b.username = me.ID, me.Username
	return b, nil
}

// Username returns the bot's username, as getMe reported it.
func (b *Bot) Username() string { return b.username }

// SetCommands sets the command menu residents see (setMyCommands).
func (b *Bot) SetCommands(ctx context.Context) error {
	var cmds []models.BotCommand
	for _, c := range bot.Commands() {
		cmds = append(cmds, models.BotCommand{Command: c.Name, Description: c.Description})
	}
	return b.call(ctx, "setMyCommands", func(ctx context.Context) error {
		_, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds})
		return err
	})
}

// SetWebhook tells Telegram to post updates to url with the webhook secret.
func (b *Bot) SetWebhook(ctx context.Context, url string) error {
	if b.secret == "" {
		return errors.New("telegram: webhook needs a secret token")
	}
	return b.call(ctx, "setWebhook", func(ctx context.Context) error {
		_, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL: url, SecretToken: b.secret, MaxConnections: 40,
			AllowedUpdates: allowedUpdates,
		})
		return err
	})
}

var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}

// redact removes the token from an error's text: Bot API URLs contain it.
func (b *Bot) redact(err error) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), b.token, "<token>")
}

// apiError is a failed Bot API call: its text has no token, and it wraps
// the library's error for errors.Is and errors.As.
type apiError struct {
	msg string
	err error
}

func (e *apiError) Error() string { return e.msg }
func (e *apiError) Unwrap() error { return e.err }
