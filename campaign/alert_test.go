package campaign_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/lawbot/lawbot/campaign"
)

// haltingSender refuses every message to a resident (chats from 1001) as
// Telegram refuses a badly formatted one, and keeps the others.
type haltingSender struct {
	mu   sync.Mutex
	sent map[int64][]string
}

func (h *haltingSender) Send(_ context.Context, chat int64, m campaign.Message) error {
	if chat >= 1001 {
		return &campaign.BadRequestError{Description: "Bad Request: can't parse entities: <b> unclosed"}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sent[chat] = append(h.sent[chat], m.Text)
	return nil
}

// TestAlertHalt: a broadcast Telegram refuses halts, and its author and
// the admins are told in their chats which campaign, why, how far it got
// and what to send to go on; once each, with the reason escaped.
func TestAlertHalt(t *testing.T) {
	forEachStore(t, func(t *testing.T, open opener) {
		s := open(t)
		ctx := context.Background()
		if err := s.AddSubscribers(ctx, []int64{1001, 1002, 1003}); err != nil {
			t.Fatal(err)
		}
		c := &campaign.Campaign{Title: "宪法 & 我", Message: "m", Community: "hq", Status: campaign.StatusScheduled, By: volunteer}
		if err := s.Put(ctx, c); err != nil {
			t.Fatal(err)
		}
		snd := &haltingSender{sent: map[int64][]string{}}
		b := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 1000,
			OnHalt: campaign.AlertHalt(s, snd, []int64{admin, volunteer}, nil)})
		if _, err := b.Run(ctx, c.ID); !errors.Is(err, campaign.ErrHalted) {
			t.Fatalf("Run = %v, want ErrHalted", err)
		}
		for _, chat := range []int64{admin, volunteer} {
			got := snd.sent[chat]
			if len(got) != 1 {
				t.Fatalf("chat %d got %d alerts, want 1: %q", chat, len(got), got)
			}
			for _, want := range []string{"推送 " + c.ID + "《宪法 &amp; 我》已暂停", "can&#39;t parse entities: &lt;b&gt; unclosed",
				"已送达 0 人，待发送 3 人", "/resume " + c.ID} {
				if !strings.Contains(got[0], want) {
					t.Errorf("alert to %d = %q, want %q in it", chat, got[0], want)
				}
			}
		}
		if len(snd.sent) != 2 {
			t.Errorf("alerts went to %d chats, want the author and the admin", len(snd.sent))
		}
	})
}
