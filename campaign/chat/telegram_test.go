package chat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/bot/telegram"
	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
)

// tgEnv is an env behind a Telegram bot polling a fake Bot API.
type tgEnv struct {
	*env
	api *telegramtest.Server
}

func newTelegramEnv(t *testing.T, kind string) *tgEnv {
	t.Helper()
	e := &tgEnv{env: newEnv(t, kind), api: telegramtest.NewServer()}
	t.Cleanup(e.api.Close)
	b, err := telegram.New(context.Background(), telegramtest.Token, e.core,
		telegram.WithServerURL(e.api.URL()), telegram.WithInbox(state.NewMemory(state.Options{})),
		telegram.WithPollTimeout(time.Second), telegram.WithGrace(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Poll: %v", err)
		}
	})
	return e
}

// message is an update with text typed by user in a chat of type ct.
func message(user int64, ct chatType, text string) models.Update {
	switch ct {
	case group:
		u := telegramtest.GroupText(-4001, user, text)
		u.Message.Chat.Type = models.ChatTypeGroup
		return u
	case supergroup:
		return telegramtest.GroupText(-1004002, user, text)
	}
	return telegramtest.Text(user, text)
}

// send pushes u and returns the messages the bot sent in reply.
func (e *tgEnv) send(u models.Update, want int) []telegramtest.Sent {
	e.t.Helper()
	chat := u.Message.Chat.ID
	before := len(e.api.SentTo(chat))
	e.api.Push(u)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !e.api.Wait(ctx, func() bool { return len(e.api.SentTo(chat)) >= before+want }) {
		e.t.Fatalf("no reply to %q in chat %d", u.Message.Text, chat)
	}
	return e.api.SentTo(chat)[before:]
}

// pressTG presses data on message msgID as user and returns the
// callback's answer.
func (e *tgEnv) pressTG(chat, user int64, msgID int, data string) string {
	e.t.Helper()
	u := telegramtest.Press(chat, user, msgID, data)
	e.api.Push(u)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var text string
	ok := e.api.Wait(ctx, func() bool {
		for _, cb := range e.api.Callbacks() {
			if cb.ID == u.CallbackQuery.ID {
				text = cb.Text
				return true
			}
		}
		return false
	})
	if !ok {
		e.t.Fatalf("callback %s not answered", u.CallbackQuery.ID)
	}
	return text
}

func keyboardData(t *testing.T, s telegramtest.Sent, label string) string {
	t.Helper()
	for _, row := range s.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.Text, label) {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q in %+v", label, s.Keyboard)
	return ""
}

// TestTelegramEndToEnd runs a subset of the matrix through the Telegram
// adapter and the fake Bot API: every role in private chats, groups and
// supergroups; a volunteer's form driven by buttons; a resident pressing
// the volunteer's button; the poster sent as documents.
func TestTelegramEndToEnd(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newTelegramEnv(t, store)
		cmds := []struct {
			text string
			act  campaign.Action
			want string
		}{
			{"/log 传单 300", campaign.ActActivity, "已登记：传单"},
			{"/activities", campaign.ActCorrect, "最近登记的线下活动"},
			{"/grant 9 volunteer", campaign.ActGrant, "已将用户 9 设为志愿者"},
			{"/campaigns", campaign.ActStatus, "宪法宣传周"},
		}
		for user, role := range roleOf {
			for _, ct := range chatTypes {
				for _, c := range cmds {
					before := e.snapshot()
					sent := e.send(message(user, ct, c.text), 1)
					got := sent[0].Text
					allowed := ct == private && campaign.Allowed(role, c.act)
					switch {
					case ct != private && !strings.Contains(got, textPrivate):
						t.Errorf("%s by %s in a %s = %q, want the private-only refusal", c.text, role, ct, got)
					case ct == private && !allowed && !strings.Contains(got, textForbidden):
						t.Errorf("%s by %s = %q, want the refusal", c.text, role, got)
					case allowed && !strings.Contains(got, c.want):
						t.Errorf("%s by %s = %q, want %q", c.text, role, got, c.want)
					}
					if !allowed && e.snapshot() != before {
						t.Errorf("%s by %s in a %s changed the state", c.text, role, ct)
					}
					if ct != private && sent[0].ReplyTo == 0 {
						t.Errorf("%s in a %s: not a reply to the message", c.text, ct)
					}
				}
			}
		}

		// The volunteer's form, by buttons; the resident cannot use them.
		first := e.send(message(volunteer, private, "/new"), 1)[0]
		none := keyboardData(t, first, "不选主题")
		if got := e.pressTG(resident, resident, first.MessageID, none); !strings.Contains(got, textForgedBtn) {
			t.Errorf("resident presses the volunteer's button: %q", got)
		}
		before := len(e.api.SentTo(volunteer))
		e.pressTG(volunteer, volunteer, first.MessageID, none)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.api.Wait(ctx, func() bool { return len(e.api.SentTo(volunteer)) > before })
		if got := e.api.SentTo(volunteer)[before].Text; !strings.Contains(got, "第 2/5 步") {
			t.Errorf("after the theme button: %q", got)
		}
		e.send(message(volunteer, private, "网购退货指南"), 1)
		e.send(message(volunteer, private, "七日无理由退货。"), 1)
		quiz := e.send(message(volunteer, private, "题：网购几日可无理由退货？\nA. 3日\nB. 7日 *"), 1)[0]
		if !strings.Contains(quiz.Text, "第 5/5 步") {
			t.Fatalf("after the quiz: %q", quiz.Text)
		}
		before = len(e.api.SentTo(volunteer))
		e.pressTG(volunteer, volunteer, quiz.MessageID, keyboardData(t, quiz, "跳过活动"))
		e.api.Wait(ctx, func() bool { return len(e.api.SentTo(volunteer)) >= before+2 })
		preview := e.api.SentTo(volunteer)[before+1]
		if !strings.Contains(preview.Text, "【预览 · 推送 2") || !strings.Contains(preview.Text, "网购几日可无理由退货") {
			t.Errorf("preview = %q", preview.Text)
		}
		if got := e.pressTG(volunteer, volunteer, preview.MessageID, keyboardData(t, preview, "✅")); got != "已安排" {
			t.Errorf("send button answered %q", got)
		}
		if c := e.get("2"); c.Status != campaign.StatusScheduled {
			t.Errorf("campaign 2 is %s", c.Status)
		}

		// The poster: two documents. The send button may still be replying in
		// the chat, so the documents are picked out of what arrives.
		before = len(e.api.SentTo(volunteer))
		e.api.Push(message(volunteer, private, "/poster 1"))
		var docs []telegramtest.Sent
		e.api.Wait(ctx, func() bool {
			docs = docs[:0]
			for _, m := range e.api.SentTo(volunteer)[before:] {
				if m.Document != nil {
					docs = append(docs, m)
				}
			}
			return len(docs) >= 2
		})
		if len(docs) < 2 {
			t.Fatalf("poster: %d documents sent, want 2", len(docs))
		}
		if docs[0].Document == nil || docs[0].Document.Name != "poster-ev1.png" || docs[1].Document == nil || docs[1].Document.Name != "poster-ev1.html" {
			t.Errorf("poster sent %+v", docs)
		}
		if !strings.Contains(docs[0].Text, fmt.Sprintf("https://t.me/%s?start=ev_1", username)) {
			t.Errorf("poster caption = %q", docs[0].Text)
		}
	})
}
