package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/lawbot/lawbot/bot"

	tgbot "github.com/go-telegram/bot"
)

// call runs one Bot API call, retrying after 429 (waiting retry_after) and
// after server and network errors (backing off), for at most maxRetryWait
// in all. Errors are counted by method and reason and returned without the
// token in their text.
func (b *Bot) call(ctx context.Context, method string, f func(context.Context) error) error {
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		reason, retry, wait := classify(err, attempt)
		b.metrics.TelegramError(method, reason)
		if !retry || waited+wait > b.maxRetryWait || ctx.Err() != nil {
			return &apiError{msg: fmt.Sprintf("telegram: %s: %s", method, b.redact(err)), err: err}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return &apiError{msg: fmt.Sprintf("telegram: %s: %s", method, b.redact(err)), err: err}
		case <-t.C:
		}
		waited += wait
	}
}

// classify says why a call failed, whether to retry and after how long.
func classify(err error, attempt int) (reason string, retry bool, wait time.Duration) {
	var tooMany *tgbot.TooManyRequestsError
	backoff := 250 * time.Millisecond << min(attempt-1, 5)
	switch {
	case errors.As(err, &tooMany):
		return "429", true, time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
	case errors.Is(err, tgbot.ErrorForbidden):
		return "403", false, 0
	case errors.Is(err, tgbot.ErrorBadRequest):
		return "400", false, 0
	case errors.Is(err, tgbot.ErrorUnauthorized):
		return "401", false, 0
	case errors.Is(err, tgbot.ErrorNotFound):
		return "404", false, 0
	case errors.Is(err, tgbot.ErrorConflict):
		return "409", false, 0
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "timeout", false, 0
	case strings.Contains(err.Error(), "error response from telegram"):
		return "5xx", attempt < 5, backoff
	}
	return "network", attempt < 5, backoff
}

// permanent reports whether a failed call would fail again if retried.
func permanent(err error) bool {
	return errors.Is(err, tgbot.ErrorForbidden) || errors.Is(err, tgbot.ErrorBadRequest) ||
		errors.Is(err, tgbot.ErrorNotFound) || errors.Is(err, tgbot.ErrorUnauthorized)
}

// target is where replies go: a chat, and in groups the message answered.
type target struct {
	chatID  int64
	replyTo int
}

// send sends replies in order. It stops at the first failure: a resident
// who blocked the bot (403) gets nothing more, and sending the rest of an
// answer after a lost part would confuse.
func (b *Bot) send(ctx context.Context, to target, replies []bot.Reply) error {
	first := true
	for _, r := range replies {
		if r.File != nil {
			if err := b.sendDocument(ctx, to, r); err != nil {
				return err
			}
			first = false
			continue
		}
		pieces := formatReply(r)
		for i, p := range pieces {
			params := &tgbot.SendMessageParams{
				ChatID: to.chatID, Text: p.html, ParseMode: models.ParseModeHTML,
				LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
			}
			if i == len(pieces)-1 && len(r.Buttons) > 0 {
				params.ReplyMarkup = keyboard(r.Buttons)
			}
			if first && to.replyTo != 0 {
				params.ReplyParameters = &models.ReplyParameters{MessageID: to.replyTo, AllowSendingWithoutReply: true}
			}
			first = false
			err := b.sendMessage(ctx, params)
			if err != nil && errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "entities") {
				// The HTML did not parse: send the text as it is.
				params.Text, params.ParseMode = p.plain, ""
				err = b.sendMessage(ctx, params)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *Bot) sendMessage(ctx context.Context, params *tgbot.SendMessageParams) error {
	return b.call(ctx, "sendMessage", func(ctx context.Context) error {
		_, err := b.api.SendMessage(ctx, params)
		return err
	})
}

// sendDocument sends r's file with its text as the caption (plain text,
// cut to the Bot API's 1024 characters) and its buttons.
func (b *Bot) sendDocument(ctx context.Context, to target, r bot.Reply) error {
	if len(r.File.Data) > bot.MaxFileSize {
		return fmt.Errorf("telegram: file %q too large (%d bytes)", r.File.Name, len(r.File.Data))
	}
	caption, _ := truncateRunes(r.Text, 1024)
	params := &tgbot.SendDocumentParams{
		ChatID:   to.chatID,
		Document: &models.InputFileUpload{Filename: r.File.Name, Data: bytes.NewReader(r.File.Data)},
		Caption:  caption,
	}
	if len(r.Buttons) > 0 {
		params.ReplyMarkup = keyboard(r.Buttons)
	}
	if to.replyTo != 0 {
		params.ReplyParameters = &models.ReplyParameters{MessageID: to.replyTo, AllowSendingWithoutReply: true}
	}
	return b.call(ctx, "sendDocument", func(ctx context.Context) error {
		// A retry sends the file again from its start.
		params.Document = &models.InputFileUpload{Filename: r.File.Name, Data: bytes.NewReader(r.File.Data)}
		_, err := b.api.SendDocument(ctx, params)
		return err
	})
}

// typing shows "typing…" while an answer is composed. It is best effort:
// it waits at most two seconds and is not retried.
func (b *Bot) typing(ctx context.Context, chatID int64) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := b.api.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: chatID, Action: models.ChatActionTyping}); err != nil {
		reason, _, _ := classify(err, 1)
		b.metrics.TelegramError("sendChatAction", reason)
	}
}

// answerCallback stops the spinner on a pressed button, with a notice.
func (b *Bot) answerCallback(ctx context.Context, id, notice string) error {
	notice, _ = truncateRunes(notice, 200)
	return b.call(ctx, "answerCallbackQuery", func(ctx context.Context) error {
		_, err := b.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: notice})
		return err
	})
}

// inlineKeyboard is the reply_markup of an inline keyboard with callback
// buttons only. The library's InlineKeyboardButton always sends an empty
// copy_text, which the Bot API may refuse.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

func keyboard(rows [][]bot.Button) inlineKeyboard {
	k := inlineKeyboard{InlineKeyboard: make([][]inlineButton, 0, len(rows))}
	for _, r := range rows {
		var out []inlineButton
		for _, btn := range r {
			if btn.Data != "" && len(btn.Data) <= bot.MaxDataLen {
				out = append(out, inlineButton{Text: btn.Text, CallbackData: btn.Data})
			}
		}
		if len(out) > 0 {
			k.InlineKeyboard = append(k.InlineKeyboard, out)
		}
	}
	return k
}
