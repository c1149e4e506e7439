package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/stats"
)

const txtTextOnly = "目前我只能看懂文字消息，请用文字描述您遇到的问题。"

// errBusy is returned by handle for an update being handled elsewhere.
var errBusy = errors.New("telegram: update is being handled")

// handle claims, handles and marks done one update. An update handled
// before is skipped (nil); one being handled elsewhere returns errBusy.
// On failure the claim is released so that a redelivery is handled again.
func (b *Bot) handle(ctx context.Context, id int64, raw []byte) error {
	return b.handleThen(ctx, id, raw, func(ctx context.Context, id int64) error {
		return b.journal.Done(ctx, id)
	})
}

// handleThen is handle with the marking done left to done, which long
// polling does in the background.
func (b *Bot) handleThen(ctx context.Context, id int64, raw []byte, done func(context.Context, int64) error) error {
	claim, err := b.journal.Claim(ctx, id)
	switch {
	case err != nil:
		b.metrics.TelegramUpdate("failed")
		return err
	case claim == state.Handled:
		b.metrics.TelegramUpdate("duplicate")
		return nil
	case claim == state.Busy:
		b.metrics.TelegramUpdate("duplicate")
		return errBusy
	}
	start := time.Now()
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		b.log.Warn("telegram: undecodable update", "update_id", id, "err", err)
		b.metrics.TelegramUpdate("ignored")
		return done(context.WithoutCancel(ctx), id)
	}
	handled, err := b.process(ctx, id, &u)
	if err != nil && permanent(err) {
		// Sending again would fail again (the resident blocked the bot, the
		// chat is gone): the update is done.
		b.log.Warn("telegram: reply refused", "update_id", id, "err", err)
		b.metrics.TelegramUpdate("refused")
		return done(context.WithoutCancel(ctx), id)
	}
	if err != nil {
		b.metrics.TelegramUpdate("failed")
		if rerr := b.journal.Release(context.WithoutCancel(ctx), id); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return err
	}
	if handled {
		b.metrics.TelegramUpdate("handled")
	} else {
		b.metrics.TelegramUpdate("ignored")
	}
	b.log.Debug("telegram: update handled", "update_id", id, "dur", time.Since(start))
	return done(context.WithoutCancel(ctx), id)
}

// process answers an update; handled is false for updates lawbot ignores
// (edits, other bots, group messages not addressed to it).
func (b *Bot) process(ctx context.Context, id int64, u *models.Update) (handled bool, err error) {
	switch {
	case u.Message != nil:
		return b.onMessage(ctx, id, u.Message)
	case u.CallbackQuery != nil:
		return true, b.onCallback(ctx, u.CallbackQuery)
	}
	return false, nil
}

func isGroup(t models.ChatType) bool {
	return t == models.ChatTypeGroup || t == models.ChatTypeSupergroup
}

func (b *Bot) onMessage(ctx context.Context, id int64, msg *models.Message) (bool, error) {
	if msg.From == nil || msg.From.IsBot {
		return false, nil
	}
	group := isGroup(msg.Chat.Type)
	if msg.Chat.Type != models.ChatTypePrivate && !group {
		return false, nil
	}
	to := target{chatID: msg.Chat.ID}
	text := msg.Text
	if group {
		var ok bool
		if text, ok = b.addressed(msg); !ok {
			return false, nil
		}
		to.replyTo = msg.ID
	}
	if strings.TrimSpace(text) == "" {
		if group {
			return false, nil
		}
		return true, b.send(ctx, to, []bot.Reply{{Text: txtTextOnly}})
	}
	m := bot.Message{
		ID:       "tg:update:" + strconv.FormatInt(id, 10),
		Channel:  stats.ChannelTelegram,
		Resident: "tg:" + strconv.FormatInt(msg.From.ID, 10),
		Chat:     "tg:" + strconv.FormatInt(msg.Chat.ID, 10),
		Group:    group,
		Text:     text,
	}
	// "typing…" is shown when composing the answer takes noticeable time,
	// as the Bot API recommends; it is never sent after the answer.
	ready, typed := make(chan struct{}), make(chan struct{})
	if strings.HasPrefix(text, "/") {
		close(typed)
	} else {
		go func() {
			defer close(typed)
			if b.typingDelay > 0 {
				t := time.NewTimer(b.typingDelay)
				defer t.Stop()
				select {
				case <-ready:
					return
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
			b.typing(ctx, msg.Chat.ID)
		}()
	}
	res, err := b.core.Handle(ctx, m)
	close(ready)
	if err != nil {
		// The resident gets the polite reply in res; the log gets why.
		b.log.Warn("telegram: handling message", "update_id", id, "chat_id", msg.Chat.ID, "err", err)
	}
	<-typed
	return true, b.send(ctx, to, res.Replies)
}

func (b *Bot) onCallback(ctx context.Context, cq *models.CallbackQuery) error {
	var chat models.Chat
	var msgID int
	switch {
	case cq.Message.Message != nil:
		chat, msgID = cq.Message.Message.Chat, cq.Message.Message.ID
	case cq.Message.InaccessibleMessage != nil:
		chat, msgID = cq.Message.InaccessibleMessage.Chat, cq.Message.InaccessibleMessage.MessageID
	default:
		return b.answerCallback(ctx, cq.ID, "")
	}
	m := bot.Message{
		ID:       "tg:cb:" + cq.ID,
		Channel:  stats.ChannelTelegram,
		Resident: "tg:" + strconv.FormatInt(cq.From.ID, 10),
		Chat:     "tg:" + strconv.FormatInt(chat.ID, 10),
		Group:    isGroup(chat.Type),
		Data:     cq.Data,
		Ref:      strconv.Itoa(msgID),
	}
	res, herr := b.core.Handle(ctx, m)
	if herr != nil {
		b.log.Warn("telegram: handling button", "chat_id", chat.ID, "err", herr)
	}
	// Always answer the query, first, so that the button stops spinning.
	if err := b.answerCallback(ctx, cq.ID, res.Notice); err != nil {
		b.log.Warn("telegram: answering button", "chat_id", chat.ID, "err", err)
	}
	return b.send(ctx, target{chatID: chat.ID}, res.Replies)
}

// addressed reports whether a group message is meant for lawbot, and its
// text without the mention: a command (for any bot or for lawbot by name),
// a reply to lawbot's message, or a message mentioning @lawbot.
func (b *Bot) addressed(msg *models.Message) (string, bool) {
	text := msg.Text
	if strings.HasPrefix(text, "/") {
		head, rest, _ := strings.Cut(text, " ")
		name, at, found := strings.Cut(head, "@")
		if found && !strings.EqualFold(at, b.username) {
			return "", false
		}
		return strings.TrimSpace(name + " " + rest), true
	}
	if r := msg.ReplyToMessage; r != nil && r.From != nil && r.From.ID == b.id {
		return text, true
	}
	if b.username == "" {
		return "", false
	}
	mention := "@" + b.username
	for i := 0; i+len(mention) <= len(text); i++ {
		if text[i] == '@' && strings.EqualFold(text[i:i+len(mention)], mention) {
			end := i + len(mention)
			if end < len(text) && isNameByte(text[end]) {
				continue // @lawbot_bot_fan is someone else
			}
			return strings.TrimSpace(text[:i] + " " + text[end:]), true
		}
	}
	return "", false
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
