package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Telegram is a Sender through the Telegram Bot API.
type Telegram struct {
	b *tg.Bot

	mu       sync.Mutex
	username string // from getMe, once known
}

var _ Sender = (*Telegram)(nil)

// NewTelegram returns a Sender using b.
func NewTelegram(b *tg.Bot) *Telegram { return &Telegram{b: b} }

// Send sends msg as HTML to chatID and maps the Bot API's errors to the
// package's: 429 to *RetryAfterError, 403 to ErrBlocked, "chat not found"
// and its kin to ErrChatGone, other 400s to *BadRequestError.
func (t *Telegram) Send(ctx context.Context, chatID int64, msg Message) error {
	p := &tg.SendMessageParams{ChatID: chatID, Text: msg.Text, ParseMode: models.ParseModeHTML}
	if len(msg.Buttons) > 0 {
		kb := inlineKeyboard{InlineKeyboard: make([][]inlineButton, 0, len(msg.Buttons))}
		for _, row := range msg.Buttons {
			var r []inlineButton
			for _, b := range row {
				r = append(r, inlineButton{Text: b.Text, CallbackData: b.Data})
			}
			kb.InlineKeyboard = append(kb.InlineKeyboard, r)
		}
		p.ReplyMarkup = kb
	}
	_, err := t.b.SendMessage(ctx, p)
	return telegramError(err)
}

// inlineKeyboard is the reply_markup of an inline keyboard with callback
// buttons only. The library's InlineKeyboardButton always sends an empty
// copy_text, which the Bot API refuses (BUTTON_COPY_TEXT_INVALID).
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// Username returns the bot's username, asking the Bot API (getMe) the
// first time; pass it as Config.Username for posters. Errors never carry
// the token.
func (t *Telegram) Username(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.username != "" {
		return t.username, nil
	}
	me, err := t.b.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("campaign: getMe: %s", strings.ReplaceAll(err.Error(), t.b.Token(), "<token>"))
	}
	t.username = me.Username
	return t.username, nil
}

// chatGone lists the descriptions of 400s that mean the recipient is gone,
// not that the message is wrong.
var chatGone = []string{"chat not found", "user not found", "peer_id_invalid", "user is deactivated", "bot was kicked", "group chat was upgraded"}

func telegramError(err error) error {
	if err == nil {
		return nil
	}
	var tmr *tg.TooManyRequestsError
	if errors.As(err, &tmr) {
		after := time.Duration(tmr.RetryAfter) * time.Second
		if after <= 0 {
			after = time.Second
		}
		return &RetryAfterError{After: after}
	}
	if errors.Is(err, tg.ErrorForbidden) {
		return errors.Join(ErrBlocked, err)
	}
	if errors.Is(err, tg.ErrorBadRequest) || tg.IsMigrateError(err) {
		low := strings.ToLower(err.Error())
		for _, s := range chatGone {
			if strings.Contains(low, s) {
				return errors.Join(ErrChatGone, err)
			}
		}
		// The library writes "bad request, " before Telegram's own
		// "Bad Request: ...": keep Telegram's words for the people told.
		return &BadRequestError{Description: strings.TrimPrefix(err.Error(), "bad request, ")}
	}
	return err
}
