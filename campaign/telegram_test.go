package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
)

// TestTelegramErrors maps Bot API failures to the errors the Broadcaster
// acts on.
func TestTelegramErrors(t *testing.T) {
	tests := []struct {
		code  int
		desc  string
		extra string
		check func(error) bool
	}{
		{200, "", "", func(err error) bool { return err == nil }},
		{429, "Too Many Requests: retry after 3", `,"parameters":{"retry_after":3}`, func(err error) bool {
			var ra *campaign.RetryAfterError
			return errors.As(err, &ra) && ra.After == 3*time.Second
		}},
		{403, "Forbidden: bot was blocked by the user", "", func(err error) bool { return errors.Is(err, campaign.ErrBlocked) }},
		{403, "Forbidden: user is deactivated", "", func(err error) bool { return errors.Is(err, campaign.ErrBlocked) }},
		{400, "Bad Request: chat not found", "", func(err error) bool { return errors.Is(err, campaign.ErrChatGone) }},
		{400, "Bad Request: PEER_ID_INVALID", "", func(err error) bool { return errors.Is(err, campaign.ErrChatGone) }},
		{400, "Bad Request: can't parse entities: unclosed tag", "", func(err error) bool {
			var bad *campaign.BadRequestError
			return errors.As(err, &bad)
		}},
		{502, "Bad Gateway", "", func(err error) bool {
			var bad *campaign.BadRequestError
			var ra *campaign.RetryAfterError
			return err != nil && !errors.As(err, &bad) && !errors.As(err, &ra) && !errors.Is(err, campaign.ErrBlocked) && !errors.Is(err, campaign.ErrChatGone)
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code, " ", tt.desc), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if tt.code == 200 {
					fmt.Fprint(w, `{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}`)
					return
				}
				w.WriteHeader(tt.code)
				fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":%q%s}`, tt.code, tt.desc, tt.extra)
			}))
			defer srv.Close()
			err := newTelegram(t, srv.URL).Send(context.Background(), 1, campaign.Message{Text: "x", Buttons: [][]campaign.Button{{{Text: "A", Data: "a"}}}})
			if !tt.check(err) {
				t.Errorf("Send() = %v (%T)", err, err)
			}
		})
	}
}

// TestTelegramButtons checks buttons reach a Bot API that refuses an empty
// copy_text, as the real one does.
func TestTelegramButtons(t *testing.T) {
	api := telegramtest.NewServer()
	defer api.Close()
	msg := campaign.Message{Text: "<b>标题</b>", Buttons: [][]campaign.Button{{{Text: "1A", Data: "q:1:0:0.sig"}, {Text: "1B", Data: "q:1:0:1.sig"}}, {{Text: "已阅", Data: "r:1.sig"}}}}
	if err := newTelegram(t, api.URL()).Send(context.Background(), 5, msg); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	sent := api.SentTo(5)
	if len(sent) != 1 || len(sent[0].Keyboard) != 2 || sent[0].Keyboard[0][1].Data != "q:1:0:1.sig" || sent[0].Keyboard[1][0].Text != "已阅" {
		t.Errorf("sent %+v, want the message with its 2 rows of buttons", sent)
	}
}

// TestTelegramUsername asks getMe once and keeps the token out of errors.
func TestTelegramUsername(t *testing.T) {
	api := telegramtest.NewServer()
	tg := newTelegram(t, api.URL())
	for range 3 {
		name, err := tg.Username(context.Background())
		if err != nil || name != telegramtest.Username {
			t.Fatalf("Username() = %q, %v, want %q", name, err, telegramtest.Username)
		}
	}
	if n := api.Calls("getMe"); n != 1 {
		t.Errorf("getMe called %d times, want 1", n)
	}
	api.Close()
	_, err := newTelegram(t, api.URL()).Username(context.Background())
	if err == nil || strings.Contains(err.Error(), telegramtest.Token) {
		t.Errorf("Username() with the API down = %v, want an error without the token", err)
	}
}
