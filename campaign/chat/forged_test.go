package chat_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/campaign"
)

// TestForgedButtons presses volunteers' buttons as residents and in the
// wrong chats, with data signed for someone else, tampered with, or from
// another role's keyboard, and redelivered: nothing is done that the
// presser's role does not allow, and nothing twice.
func TestForgedButtons(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		prev := e.say(volunteer, private, "/preview 1")
		send, at, drop := findButton(t, prev, "✅"), findButton(t, prev, "🕒"), findButton(t, prev, "🗑")
		theme := findButton(t, e.say(volunteer, private, "/new"), "不选主题")
		e.say(volunteer, private, "/cancel")
		kind := findButton(t, e.say(volunteer, private, "/log"), "讲座")
		e.say(volunteer, private, "/cancel")
		volunteerKeys := map[string]string{"send": send, "schedule": at, "discard": drop, "theme": theme, "kind": kind}

		// signed makes button data exactly as the bot would for chat.
		signed := func(chat int64, payload string) string {
			b, err := e.svc.Button(chat, "x", payload)
			if err != nil {
				t.Fatal(err)
			}
			return b.Data
		}
		later := time.Now().Add(24*time.Hour).Unix() / 60
		volunteerPayloads := []string{"send:1", fmt.Sprintf("at:1:%d", later), "del:1", "pv:1", "f:th:-", "f:k:lecture", "f:d:0", "f:x", "f:nq", "f:zz"}

		var tests []pressCase
		for name, data := range volunteerKeys {
			tests = append(tests,
				pressCase{"resident presses the volunteer's " + name, resident, private, data, []string{textForgedBtn}},
				pressCase{"volunteer's " + name + " in a group", volunteer, supergroup, data, []string{textForgedBtn}},
				pressCase{"tampered " + name, volunteer, private, tamper(data), []string{textForgedBtn}},
			)
		}
		for _, p := range volunteerPayloads {
			tests = append(tests,
				pressCase{"resident's own signed " + p, resident, private, signed(resident, p), []string{textForbidden, textFormStale}},
				pressCase{"group-signed " + p, volunteer, group, signed(-4001, p), []string{textPrivate, textFormStale}},
			)
			// Signed by the bot but not by the campaign service.
			b, err := e.core.CampaignButton(bot.Message{Chat: "tg:4"}, "x", p)
			if err != nil {
				t.Fatal(err)
			}
			tests = append(tests, pressCase{"unsigned campaign data " + p, resident, private, b.Data, []string{textBadButton}})
		}
		for _, tt := range tests {
			before := e.snapshot()
			got := all(e.press(tt.user, tt.ct, tt.data))
			ok := false
			for _, w := range tt.wants {
				ok = ok || strings.Contains(got, w)
			}
			if !ok {
				t.Errorf("%s: %q, want one of %q", tt.name, got, tt.wants)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("%s changed the state:\n%s\nto\n%s", tt.name, before, after)
			}
		}

		// A volunteer's keyboard is dead once the role is revoked.
		e.say(admin, private, "/revoke 3")
		before := e.snapshot()
		for name, data := range volunteerKeys {
			if got := all(e.press(volunteer, private, data)); !strings.Contains(got, textForbidden) {
				t.Errorf("revoked volunteer presses %s: %q, want the refusal", name, got)
			}
		}
		if after := e.snapshot(); after != before {
			t.Errorf("revoked volunteer's buttons changed the state:\n%s\nto\n%s", before, after)
		}
		if c := e.get("1"); c.Status != campaign.StatusDraft {
			t.Errorf("campaign 1 is %s, want still a draft", c.Status)
		}
	})
}

// pressCase is a button pressed by user in a chat of type ct, and the
// replies it may get.
type pressCase struct {
	name  string
	user  int64
	ct    chatType
	data  string
	wants []string // any of them
}

// tamper changes one character of button data.
func tamper(data string) string {
	b := []byte(data)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestRedeliveredButtons presses form and preview buttons twice with the
// same callback: the second press is answered as the first, and acts once.
func TestRedeliveredButtons(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		theme := findButton(t, e.say(volunteer, private, "/new"), "不选主题")
		m := bot.Message{ID: "tg:cb:777", Data: theme, Ref: "1"}
		first := all(e.handle(m, volunteer, private))
		state := e.hookState(volunteer)
		if again := all(e.handle(m, volunteer, private)); again != first || e.hookState(volunteer) != state {
			t.Errorf("redelivered theme button = %q (form %s), want %q (form %s)", again, e.hookState(volunteer), first, state)
		}
		if !strings.Contains(first, "第 2/5 步") {
			t.Errorf("theme button = %q", first)
		}
		// A schedule pressed twice schedules once, at the same time.
		prev := e.say(volunteer, private, "/preview 1")
		at := bot.Message{ID: "tg:cb:778", Data: findButton(t, prev, "🕒"), Ref: "2"}
		first = all(e.handle(at, volunteer, private))
		c1 := e.get("1")
		again := all(e.handle(at, volunteer, private))
		c2 := e.get("1")
		if c1.Status != campaign.StatusScheduled || !c1.At.Equal(c2.At) || !strings.Contains(again, "已安排") {
			t.Errorf("schedule pressed twice: %q then %q, %s at %v then %v", first, again, c1.Status, c1.At, c2.At)
		}
	})
}
