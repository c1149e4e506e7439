package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/stats"
)

// TestRateLimit floods the chat as one resident: the burst is answered,
// then one warning, then silence until a token refills.
func TestRateLimit(t *testing.T) {
	clk := &clock{t: time.Now()}
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec, func(cfg *bot.Config) { cfg.Now, cfg.Rate, cfg.Burst = clk.Now, 1, 5 })
	c := newChat(t, core, "web:resident-flood-01")
	for i := range 5 {
		if res := c.say("/help"); strings.Contains(allText(res), "太快") {
			t.Fatalf("message %d refused within the burst", i+1)
		}
	}
	res := c.say("公司拖欠工资怎么办")
	if !strings.Contains(allText(res), "稍等") {
		t.Fatalf("6th message: %q, want the slow-down message", allText(res))
	}
	if res := c.say("公司拖欠工资怎么办"); len(res.Replies) != 0 {
		t.Errorf("7th message answered again with %q; want silence until the warning interval", allText(res))
	}
	if n := rec.Count(stats.KindConsultation); n != 0 {
		t.Errorf("refused questions counted: %d", n)
	}
	// Another resident is not affected.
	if res := newChat(t, core, "web:resident-calm-001").say("/help"); strings.Contains(allText(res), "稍等") {
		t.Error("another resident was limited")
	}
	clk.Add(1100 * time.Millisecond)
	if res := c.say("公司拖欠工资怎么办"); findAnswer(res) == nil {
		t.Errorf("after a second: %q, want an answer", allText(res))
	}
}

// sharedLimits is bot.Limits in memory, as Redis would be for replicas; it
// fails while failing is set.
type sharedLimits struct {
	l       *bot.Limiter
	failing atomic.Bool
	calls   atomic.Int64
}

func (s *sharedLimits) Allow(_ context.Context, key string, _ bot.RateLimit, now time.Time) (bool, bool, error) {
	s.calls.Add(1)
	if s.failing.Load() {
		return false, false, errors.New("limits unreachable")
	}
	ok, warn := s.l.Allow(key, now)
	return ok, warn, nil
}

// TestSharedRateLimit sends one resident's messages to two Cores sharing
// their limits, as two replicas behind one webhook: the burst is shared.
// When the shared limits fail, each Core limits on its own.
func TestSharedRateLimit(t *testing.T) {
	clk := &clock{t: time.Now()}
	shared := &sharedLimits{l: bot.NewLimiter(1, 5)}
	var chats [2]*chat
	for i := range chats {
		core, _ := bottest.NewCore(t, nil, func(cfg *bot.Config) { cfg.Now, cfg.Rate, cfg.Burst, cfg.Limits = clk.Now, 1, 5, shared })
		chats[i] = newChat(t, core, "web:resident-replicas")
	}
	for i := range 5 {
		if res := chats[i%2].say("/help"); strings.Contains(allText(res), "稍等") {
			t.Fatalf("message %d refused within the burst", i+1)
		}
	}
	for i := range chats {
		if res := chats[i].say("/help"); !strings.Contains(allText(res), "稍等") && res.Notice == "" {
			t.Errorf("replica %d answered the 6th message: %q, want it refused", i, allText(res))
		}
	}
	if n := shared.calls.Load(); n != 7 {
		t.Errorf("shared limits asked %d times, want 7", n)
	}
	// Shared limits down: each replica has its own burst of 5.
	shared.failing.Store(true)
	for i := range chats {
		for j := range 5 {
			if res := chats[i].say("/help"); strings.Contains(allText(res), "稍等") {
				t.Fatalf("replica %d, message %d refused with the shared limits down", i, j+1)
			}
		}
		if res := chats[i].say("/help"); !strings.Contains(allText(res), "稍等") {
			t.Errorf("replica %d: 6th message with the shared limits down = %q, want the slow-down message", i, allText(res))
		}
	}
}
