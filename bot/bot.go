// Package bot is lawbot's conversation with residents, whatever the channel:
// a message in (typed text, a command, a pressed button), replies out. It
// keeps each resident's small state (chosen community, last answer for
// follow-up questions, a mediation form in progress), limits how fast a
// resident may send, signs button data and rejects forged data, and counts
// consultations, ratings, legal-aid referrals and mediation requests.
//
// Answers are composed by the answer package; channels (the Telegram
// adapter in bot/telegram, the web chat in web) only format them.
package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// Limits on what a resident sends.
const (
	// MaxText is how much of any message lawbot reads, in characters.
	MaxText = 4096
	// MaxQuestion is how much of a question is searched, in characters.
	MaxQuestion = 500
	// maxFormText is the longest description in the mediation form.
	maxFormText = 300
)

// Timing defaults.
const (
	DefaultStatsTimeout  = 300 * time.Millisecond
	DefaultAnswerTimeout = 10 * time.Second
	followUpWindow       = 30 * time.Minute
	formIdle             = 30 * time.Minute
	// hookFormIdle is longer: a volunteer may take a while to write a
	// campaign's message.
	hookFormIdle = 2 * time.Hour
)

// NoCommunity is the community recorded for residents who have not chosen
// one. Statistics stores configured with a list of communities must accept
// it too.
const NoCommunity = "未选择社区"

// Community is one community of the subdistrict.
type Community struct {
	// Name is what residents see and the key statistics are kept under.
	Name string
	// Adviser is how to reach the community's legal adviser, e.g.
	// "王律师，每周三下午在居委会二楼，电话 010-12345678". Empty means the
	// general advice of the "adviser" next step.
	Adviser string
}

// Entries names the knowledge-base entries commands answer with. An entry
// that is missing from the base is skipped (and reported by New's logger).
type Entries struct {
	Aid     []string // /aid: who qualifies; what to bring and where to go
	Adviser string   // /adviser: what the legal adviser does
}

// DefaultEntries are the shipped knowledge base's entries for commands.
var DefaultEntries = Entries{
	Aid:     []string{"services-legal-aid-eligibility", "services-legal-aid-apply"},
	Adviser: "services-community-legal-adviser",
}

// Config configures a Core. Answerer, Base, Sessions, Mediations and Key
// are required.
type Config struct {
	Answerer    Answerer
	Base        *knowledge.Base
	Communities []Community
	Sessions    Sessions
	Mediations  Mediations
	// Recorder counts events; nil records nothing.
	Recorder Recorder
	// Campaigns is the campaigns hook; nil means no campaign is running.
	Campaigns Campaigns
	// Roles tells staff from residents; nil means everyone is a resident.
	Roles Roles
	// Exporter makes the statistics export of the staff command /export;
	// nil turns the command off.
	Exporter Exporter
	// Entries the commands answer with; zero means DefaultEntries.
	Entries *Entries
	// Key signs button data; at least 16 bytes, the same for every replica.
	Key []byte
	// Rate and Burst limit each resident's messages: Rate a second on
	// average, Burst in a row. Zero means 1 and 5.
	Rate  float64
	Burst int
	// Limits, when set, keeps that limit where every replica sees it; while
	// it fails, each server limits on its own.
	Limits Limits
	// StatsTimeout bounds how long an answer waits for the statistics
	// store; zero means DefaultStatsTimeout.
	StatsTimeout time.Duration
	// AnswerTimeout bounds composing one answer; zero means
	// DefaultAnswerTimeout.
	AnswerTimeout time.Duration
	// Metrics may be nil.
	Metrics *Metrics
	// Logger receives configuration warnings and errors of statistics
	// recorded in the background; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Core is the conversation. It is safe for concurrent use; messages of one
// resident are handled one at a time, in the order Handle is called.
type Core struct {
	answerer    Answerer
	base        *knowledge.Base
	communities []Community
	commByRef   map[string]int
	sessions    Sessions
	mediations  Mediations
	rec         Recorder
	campaigns   Campaigns
	roles       Roles
	exporter    Exporter
	entries     Entries
	entryByRef  map[string]string
	byCategory  map[string][]knowledge.Entry
	sign        signer
	limiter     *Limiter
	limits      Limits
	limitsWarn  atomic.Int64 // unix ns of the last warning that Limits failed
	statsWait   time.Duration
	answerWait  time.Duration
	metrics     *Metrics
	now         func() time.Time
	log         *slog.Logger
	locks       [256]sync.Mutex
	recording   sync.WaitGroup // events being recorded
}

// New checks cfg and returns a Core.
func New(cfg Config) (*Core, error) {
	switch {
	case cfg.Answerer == nil || cfg.Base == nil:
		return nil, errors.New("bot: config: no answerer or knowledge base")
	case cfg.Sessions == nil || cfg.Mediations == nil:
		return nil, errors.New("bot: config: no session or mediation store")
	case len(cfg.Key) < 16:
		return nil, errors.New("bot: config: button signing key shorter than 16 bytes")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Core{
		answerer: cfg.Answerer, base: cfg.Base, sessions: cfg.Sessions, mediations: cfg.Mediations,
		rec: cfg.Recorder, campaigns: cfg.Campaigns, roles: cfg.Roles, exporter: cfg.Exporter,
		sign:       signer{key: append([]byte(nil), cfg.Key...)},
		limiter:    NewLimiter(orDefault(cfg.Rate, 1), int(orDefault(float64(cfg.Burst), 5))),
		limits:     cfg.Limits,
		statsWait:  orDefault(cfg.StatsTimeout, DefaultStatsTimeout),
		answerWait: orDefault(cfg.AnswerTimeout, DefaultAnswerTimeout),
		metrics:    cfg.Metrics,
		now:        cfg.Now,
		log:        log,
		commByRef:  map[string]int{},
		entryByRef: map[string]string{},
		byCategory: map[string][]knowledge.Entry{},
	}
	if c.now == nil {
		c.now = time.Now
	}
	for i, com := range cfg.Communities {
		com.Name = strings.TrimSpace(com.Name)
		if com.Name == "" || com.Name == NoCommunity {
			return nil, fmt.Errorf("bot: config: community %d: bad name %q", i+1, com.Name)
		}
		ref := shortRef(com.Name)
		if _, dup := c.commByRef[ref]; dup {
			return nil, fmt.Errorf("bot: config: community %q listed twice", com.Name)
		}
		c.commByRef[ref] = len(c.communities)
		c.communities = append(c.communities, com)
	}
	for _, e := range cfg.Base.Entries {
		ref := shortRef(e.ID)
		if other, dup := c.entryByRef[ref]; dup {
			return nil, fmt.Errorf("bot: entries %q and %q share button reference %q; rename one", other, e.ID, ref)
		}
		c.entryByRef[ref] = e.ID
		c.byCategory[e.Category] = append(c.byCategory[e.Category], e)
	}
	want := DefaultEntries
	if cfg.Entries != nil {
		want = *cfg.Entries
	}
	for _, id := range want.Aid {
		if _, ok := cfg.Base.ByID(id); ok {
			c.entries.Aid = append(c.entries.Aid, id)
		} else {
			log.Warn("legal-aid entry not in knowledge base; /aid answers without it", "entry", id)
		}
	}
	if _, ok := cfg.Base.ByID(want.Adviser); ok {
		c.entries.Adviser = want.Adviser
	} else if want.Adviser != "" {
		log.Warn("adviser entry not in knowledge base; /adviser answers without it", "entry", want.Adviser)
	}
	return c, nil
}

func orDefault[T int | float64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Communities returns the configured communities.
func (c *Core) Communities() []Community { return c.communities }

// state is a session being worked on by one message.
type state struct {
	Session
	changed bool
	pending []func() error // statistics being recorded
}

func (s *state) touch() { s.changed = true }

// limitsWait bounds the shared rate limit's answer: past it, the server
// limits on its own.
const limitsWait = 250 * time.Millisecond

// allow applies the rate limit to resident: the shared one when there is
// one and it answers, else this server's.
func (c *Core) allow(ctx context.Context, resident string, now time.Time) (ok, warn bool) {
	if c.limits != nil {
		lctx, cancel := context.WithTimeout(ctx, limitsWait)
		ok, warn, err := c.limits.Allow(lctx, resident, c.limiter.Limit(), now)
		cancel()
		if err == nil {
			return ok, warn
		}
		if last := c.limitsWarn.Load(); now.UnixNano()-last >= int64(time.Minute) && c.limitsWarn.CompareAndSwap(last, now.UnixNano()) {
			c.log.Warn("bot: shared rate limit failed; limiting on this server", "err", err)
		}
	}
	return c.limiter.Allow(resident, now)
}

// Handle answers one message. It always returns a Result to show the
// resident, also when it returns an error: the error is for the log (a
// store that failed, an answer that could not be composed) and the Result
// then holds a polite reply.
func (c *Core) Handle(ctx context.Context, m Message) (Result, error) {
	now := c.now()
	if m.Time.IsZero() {
		m.Time = now
	}
	m.Text = cleanText(m.Text)
	if ok, warn := c.allow(ctx, m.Resident, now); !ok {
		c.metrics.rateLimited(m.Channel)
		res := Result{Notice: txtSlowDown}
		if warn && m.Data == "" {
			res.Replies = []Reply{{Text: txtSlowDown}}
		}
		return res, nil
	}

	mu := &c.locks[lockIndex(m.Resident)]
	mu.Lock()
	defer mu.Unlock()

	var errs []error
	sess, err := c.sessions.Session(ctx, m.Resident)
	loaded := err == nil
	if err != nil {
		errs = append(errs, fmt.Errorf("bot: load session: %w", err))
	}
	st := &state{Session: sess}
	if st.Form != nil && now.Sub(st.Form.Updated) > formIdle {
		st.Form = nil
		st.touch()
	}
	if st.Hook.State != "" && now.Sub(st.Hook.Updated) > hookFormIdle {
		st.Hook.State = ""
		st.touch()
	}

	var res Result
	switch {
	case m.Data != "":
		res, err = c.press(ctx, m, st)
	case isCommand(m.Text):
		res, err = c.command(ctx, m, st)
	case st.Form != nil:
		res, err = c.formInput(ctx, m, st)
	case c.hookInputs(m, st):
		res, err = c.hookInput(ctx, m, st)
	default:
		res, err = c.ask(ctx, m, st)
	}
	if err != nil {
		errs = append(errs, err)
	}
	if st.changed && loaded {
		if err := c.sessions.SaveSession(ctx, m.Resident, st.Session); err != nil {
			errs = append(errs, fmt.Errorf("bot: save session: %w", err))
		}
	}
	for _, wait := range st.pending {
		if err := wait(); err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

func lockIndex(resident string) uint8 {
	h := fnv.New32a()
	h.Write([]byte(resident))
	return uint8(h.Sum32())
}

// cleanText makes untrusted text safe to work with: valid UTF-8, no control
// characters but newlines and tabs, trimmed, at most MaxText characters.
func cleanText(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s, _ = truncate(strings.TrimSpace(s), MaxText)
	return s
}

// truncate cuts s to at most n characters and reports whether it did.
func truncate(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	return string([]rune(s)[:n]), true
}

// ErrStatsSlow is returned by Handle when the statistics store did not
// record an event within the stats deadline: the answer was given without
// waiting longer, and the event goes on being recorded in the background.
var ErrStatsSlow = errors.New("statistics store slow; event still being recorded")

// backgroundStats bounds how long an event goes on being recorded after
// the answer stopped waiting for it.
const backgroundStats = time.Minute

// record starts counting e. Handle waits for it after saving the session,
// so that the two writes overlap, but at most the stats deadline from now:
// a slow store delays no answer. The write itself is not abandoned at the
// deadline; Wait waits for it.
func (c *Core) record(ctx context.Context, st *state, e stats.Event) {
	if c.rec == nil {
		return
	}
	deadline := time.NewTimer(c.statsWait)
	done := make(chan error, 1)
	var abandoned atomic.Bool // the answer stopped waiting
	c.recording.Add(1)
	go func() {
		defer c.recording.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundStats)
		defer cancel()
		err := c.rec.Record(ctx, e)
		if err != nil {
			c.metrics.statsError()
			err = fmt.Errorf("bot: record %s %s: %w", e.Kind, e.ID, err)
		}
		done <- err
		if err != nil && abandoned.Load() {
			c.log.Error("statistics not recorded", "kind", e.Kind, "id", e.ID, "err", err)
		}
	}()
	st.pending = append(st.pending, func() error {
		defer deadline.Stop()
		select {
		case err := <-done:
			return err
		case <-deadline.C:
			abandoned.Store(true)
			select {
			case err := <-done:
				return err
			default:
				return fmt.Errorf("bot: record %s %s: %w", e.Kind, e.ID, ErrStatsSlow)
			}
		}
	})
}

// Wait blocks until the events still being recorded in the background are
// recorded or given up; call it before closing the statistics store.
func (c *Core) Wait() { c.recording.Wait() }

// event returns an event of kind k for m with the resident's community.
func (c *Core) event(m Message, st *state, k stats.Kind, id string) stats.Event {
	com := st.Community
	if com == "" || !c.knownCommunity(com) {
		com = NoCommunity
	}
	return stats.Event{ID: id, Kind: k, Time: c.now(), Community: com, Channel: m.Channel, Resident: m.Resident}
}

func (c *Core) knownCommunity(name string) bool {
	_, ok := c.commByRef[shortRef(name)]
	return ok
}

// button makes a signed button for m's chat. Data is built from fixed-size
// references, so it always fits; an error here is a programming error and
// the button is left out.
func (c *Core) button(m Message, label, op string, args ...string) (Button, bool) {
	data, err := c.sign.sign(m.Chat, op, args...)
	if err != nil {
		return Button{}, false
	}
	return Button{Text: label, Data: data}, true
}

// row makes a row of buttons, leaving out any that could not be made.
func row(bs ...Button) []Button {
	out := make([]Button, 0, len(bs))
	for _, b := range bs {
		if b.Data != "" {
			out = append(out, b)
		}
	}
	return out
}

func (c *Core) btn(m Message, label, op string, args ...string) Button {
	b, _ := c.button(m, label, op, args...)
	return b
}

// CampaignButton makes a button whose press is handed to the campaigns
// hook's Press with data. data must not contain '|' or '~', and the whole
// signed data must fit MaxDataLen: keep data under 45 bytes.
func (c *Core) CampaignButton(m Message, label, data string) (Button, error) {
	d, err := c.sign.sign(m.Chat, "x", data)
	if err != nil {
		return Button{}, err
	}
	return Button{Text: label, Data: d}, nil
}

// communityButtons lists the communities, two to a row.
func (c *Core) communityButtons(m Message) [][]Button {
	var rows [][]Button
	for i := 0; i < len(c.communities); i += 2 {
		var r []Button
		for _, com := range c.communities[i:min(i+2, len(c.communities))] {
			r = append(r, c.btn(m, com.Name, "c", shortRef(com.Name)))
		}
		rows = append(rows, row(r...))
	}
	return rows
}
