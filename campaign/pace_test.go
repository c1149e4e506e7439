package campaign_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
)

// call is one Send.
type call struct {
	chat int64
	at   time.Time
	err  error
}

// recordingSender wraps a Sender (or answers itself) and keeps every call.
type recordingSender struct {
	next campaign.Sender
	fail func(n int, chat int64) error // n counts calls from 0

	mu    sync.Mutex
	calls []call
}

func (r *recordingSender) Send(ctx context.Context, chat int64, msg campaign.Message) error {
	r.mu.Lock()
	n := len(r.calls)
	r.calls = append(r.calls, call{chat: chat})
	r.mu.Unlock()
	at := time.Now()
	var err error
	if r.fail != nil {
		err = r.fail(n, chat)
	}
	if err == nil && r.next != nil {
		err = r.next.Send(ctx, chat, msg)
	}
	r.mu.Lock()
	r.calls[n].at, r.calls[n].err = at, err
	r.mu.Unlock()
	return err
}

func (r *recordingSender) Calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// checkPace fails if more than rate calls start in any second, or a chat
// is sent to twice within perChat.
func checkPace(t *testing.T, calls []call, rate int, perChat time.Duration) {
	t.Helper()
	for i := range calls {
		j := i
		for j < len(calls) && calls[j].at.Sub(calls[i].at) < time.Second {
			j++
		}
		if n := j - i; n > rate {
			t.Errorf("%d sends in the second from %v, want <= %d", n, calls[i].at, rate)
			return
		}
	}
	last := map[int64]time.Time{}
	for _, c := range calls {
		if l, ok := last[c.chat]; ok && c.at.Sub(l) < perChat {
			t.Errorf("chat %d sent to %v apart, want >= %v", c.chat, c.at.Sub(l), perChat)
		}
		last[c.chat] = c.at
	}
}

// TestBroadcastPaceAndRetryAfter runs a broadcast on the fake clock: it keeps
// to 25 messages a second and 1 per chat per second, and a 429 with
// retry_after=3 stops every send for 3 s.
func TestBroadcastPaceAndRetryAfter(t *testing.T) {
	forEachStore(t, testBroadcastPaceAndRetryAfter)
}

func testBroadcastPaceAndRetryAfter(t *testing.T, open opener) {
	s := open(t) // outside the bubble: a miniredis in it would stop its clock
	synctest.Test(t, func(t *testing.T) {
		c := seed(t, s, 300)
		var limited time.Time
		snd := &recordingSender{fail: func(n int, chat int64) error {
			if n == 100 {
				limited = time.Now()
				return &campaign.RetryAfterError{After: 3 * time.Second}
			}
			return nil
		}}
		start := time.Now()
		b := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{})
		p, err := b.Run(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Sent != 300 || p.State != campaign.BroadcastDone {
			t.Errorf("progress = %+v, want 300 sent", p)
		}
		calls := snd.Calls()
		checkPace(t, calls, 25, time.Second)
		for _, cl := range calls {
			if cl.at.After(limited) && cl.at.Before(limited.Add(3*time.Second)) {
				t.Errorf("send to %d at +%v, inside the 3s pause from +%v", cl.chat, cl.at.Sub(start), limited.Sub(start))
			}
		}
		// 301 sends at 25/s plus the pause.
		if took, want := time.Since(start), 3*time.Second+300*time.Second/25; took < want-time.Second || took > want+2*time.Second {
			t.Errorf("broadcast took %v, want about %v", took, want)
		}
		if !p.PausedUntil.Equal(limited.Add(3 * time.Second)) {
			t.Errorf("PausedUntil = %v, want %v", p.PausedUntil, limited.Add(3*time.Second))
		}
	})
}

// TestBroadcastFakeBotAPI runs broadcasts against the fake Bot API: a 429
// with retry_after=3 pauses all sending at least 3 s; a 403 (blocked) and a
// 400 "chat not found" unsubscribe; a message Telegram cannot parse halts
// the broadcast after at most one window, until the volunteer resumes it.
func TestBroadcastFakeBotAPI(t *testing.T) {
	forEachStore(t, testBroadcastFakeBotAPI)
}

func testBroadcastFakeBotAPI(t *testing.T, open opener) {
	ctx := context.Background()
	srv := telegramtest.NewServer()
	defer srv.Close()
	cnt := count(srv)
	s := open(t)
	c := seed(t, s, 60)
	snd := &recordingSender{next: newTelegram(t, srv.URL())}
	var broken atomic.Bool
	compose := func(c *campaign.Campaign, chat int64) (campaign.Message, error) {
		m, err := campaign.PlainMessage(c, chat)
		if broken.Load() {
			m.Text = "<b>未闭合的标签"
		}
		return m, err
	}
	var alerted atomic.Int32
	b := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 50, Backoff: time.Millisecond, Compose: compose,
		OnHalt: func(p campaign.Progress) { alerted.Add(1) }})

	srv.Fail("sendMessage", telegramtest.Fault{Code: 403, ChatID: 1005})
	srv.Fail("sendMessage", telegramtest.Fault{Code: 429, RetryAfter: 3, ChatID: 1020})
	srv.Fail("sendMessage", telegramtest.Fault{Code: 400, ChatID: 1040})

	p, err := b.Run(ctx, c.ID)
	if err != nil || p.State != campaign.BroadcastDone || p.Total != 60 || p.Sent != 58 || p.Gone != 2 || p.Pending != 0 {
		t.Fatalf("Run = %+v, %v; want done, 58 of 60 sent, 2 gone", p, err)
	}
	if a, b, n := subscribed(t, s, 1005), subscribed(t, s, 1040), subscribers(t, s); a || b || n != 58 {
		t.Errorf("after 403 and 400 chat not found: subscribed(1005) = %v, subscribed(1040) = %v, subscribers = %d; want false, false, 58", a, b, n)
	}
	var limited time.Time
	for _, cl := range snd.Calls() {
		var ra *campaign.RetryAfterError
		if errors.As(cl.err, &ra) {
			limited = cl.at
		}
	}
	if limited.IsZero() {
		t.Fatal("no 429 seen")
	}
	for _, cl := range snd.Calls() {
		if d := cl.at.Sub(limited); d > 0 && d < 3*time.Second {
			t.Errorf("send to %d %v after the 429, want none within 3s", cl.chat, d)
		}
	}
	checkPace(t, snd.Calls(), 52, time.Second) // real clock: scheduling jitter; the exact check runs in synctest
	cnt.mu.Lock()
	for chat := int64(1001); chat <= 1060; chat++ {
		want := 1
		if chat == 1005 || chat == 1040 {
			want = 0
		}
		if got := cnt.per[chat]; got != want {
			t.Errorf("chat %d got %d messages, want %d", chat, got, want)
		}
	}
	cnt.mu.Unlock()

	// A message Telegram cannot parse halts the next campaign.
	c2 := &campaign.Campaign{Title: "第二期", Message: "正文", Community: "hq"}
	if err := s.Put(ctx, c2); err != nil {
		t.Fatal(err)
	}
	broken.Store(true)
	before := len(snd.Calls())
	p, err = b.Run(ctx, c2.ID)
	if !errors.Is(err, campaign.ErrHalted) || p.State != campaign.BroadcastHalted || p.Halt == "" {
		t.Fatalf("Run with bad HTML = %+v, %v; want halted", p, err)
	}
	if alerted.Load() != 1 {
		t.Errorf("OnHalt called %d times, want 1", alerted.Load())
	}
	if n := len(snd.Calls()) - before; n > 25 {
		t.Errorf("%d sends before halting, want <= window 25", n)
	}
	if _, err := b.Run(ctx, c2.ID); !errors.Is(err, campaign.ErrHalted) {
		t.Errorf("Run while halted = %v, want ErrHalted", err)
	}
	if got := getCampaign(t, s, c2.ID); got.Status != campaign.StatusHalted {
		t.Errorf("campaign status = %q, want halted", got.Status)
	}
	if got := progress(t, s, c2.ID); got.State != campaign.BroadcastHalted || got.Halt != p.Halt || got.Total != 58 {
		t.Errorf("stored progress = %+v, want halted like %+v", got, p)
	}
	broken.Store(false)
	if err := s.Resume(ctx, c2.ID); err != nil {
		t.Fatal(err)
	}
	if got := getCampaign(t, s, c2.ID); got.Status != campaign.StatusSending {
		t.Errorf("campaign status after Resume = %q, want sending", got.Status)
	}
	p, err = b.Run(ctx, c2.ID)
	if err != nil || p.State != campaign.BroadcastDone || p.Sent != 58 {
		t.Fatalf("Run after Resume = %+v, %v; want done, 58 sent", p, err)
	}
	if got := b.Status(); got.Sent != 58 || got.Campaign != c2.ID {
		t.Errorf("Status() = %+v", got)
	}
	if got := getCampaign(t, s, c2.ID); got.Status != campaign.StatusSent {
		t.Errorf("campaign status when done = %q, want sent", got.Status)
	}
	if err := s.Resume(ctx, "9999"); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("Resume(no broadcast) = %v, want ErrNotFound", err)
	}
}

// TestBroadcastLease shows that with a lease only one replica sends, and a
// sender that loses its lease stops.
func TestBroadcastLease(t *testing.T) {
	forEachStore(t, testBroadcastLease)
}

func testBroadcastLease(t *testing.T, open opener) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	other := campaign.NewLease(rdb, "lawbot:campaign:lease", time.Minute)
	if ok, err := other.Acquire(ctx); !ok || err != nil {
		t.Fatalf("Acquire = %v, %v", ok, err)
	}
	s := open(t)
	c := seed(t, s, 40)
	snd := &recordingSender{}
	lease := campaign.NewLease(rdb, "lawbot:campaign:lease", 300*time.Millisecond)
	b := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 20, Lease: lease})
	if _, err := b.Run(ctx, c.ID); !errors.Is(err, campaign.ErrLeaseHeld) {
		t.Fatalf("Run while another holds the lease = %v, want ErrLeaseHeld", err)
	}
	if n := len(snd.Calls()); n != 0 {
		t.Fatalf("%d sends without the lease", n)
	}
	if err := other.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// Take the lease away while sending: the run stops.
	snd.fail = func(n int, _ int64) error {
		if n == 5 {
			mr.Set("lawbot:campaign:lease", "someone-else")
		}
		return nil
	}
	_, err := b.Run(ctx, c.ID)
	if !errors.Is(err, campaign.ErrLeaseLost) {
		t.Fatalf("Run after losing the lease = %v, want ErrLeaseLost", err)
	}
	if n := len(snd.Calls()); n >= 40 {
		t.Errorf("%d sends after losing the lease", n)
	}
	// Once the lease is free again, the run completes with no one missed.
	mr.Del("lawbot:campaign:lease")
	snd.fail = nil
	p, err := b.Run(ctx, c.ID)
	if err != nil || p.State != campaign.BroadcastDone || p.Sent != 40 {
		t.Fatalf("Run = %+v, %v; want 40 sent", p, err)
	}
	per := map[int64]int{}
	for _, cl := range snd.Calls() {
		per[cl.chat]++
	}
	for chat := int64(1001); chat <= 1040; chat++ {
		if per[chat] < 1 {
			t.Errorf("chat %d not sent to", chat)
		}
	}
	if v, _ := rdb.Exists(ctx, "lawbot:campaign:lease").Result(); v != 0 {
		t.Error("lease not released after the run")
	}
}

// TestRunDue sends due campaigns only.
func TestRunDue(t *testing.T) {
	forEachStore(t, testRunDue)
}

func testRunDue(t *testing.T, open opener) {
	s := open(t)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		due := seed(t, s, 5)
		later := &campaign.Campaign{Title: "下月", Message: "正文", Community: "hq", Status: campaign.StatusScheduled, At: time.Now().Add(time.Hour)}
		draft := &campaign.Campaign{Title: "草稿", Message: "正文", Community: "hq", Status: campaign.StatusDraft}
		for _, c := range []*campaign.Campaign{later, draft} {
			if err := s.Put(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		snd := &recordingSender{}
		b := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{})
		if err := b.RunDue(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := len(snd.Calls()); n != 5 {
			t.Errorf("%d sends, want 5 (only the due campaign)", n)
		}
		for _, c := range []struct {
			id   string
			want campaign.Status
		}{{due.ID, campaign.StatusSent}, {later.ID, campaign.StatusScheduled}, {draft.ID, campaign.StatusDraft}} {
			if got := getCampaign(t, s, c.id); got.Status != c.want {
				t.Errorf("campaign %s status = %s, want %s", c.id, got.Status, c.want)
			}
		}
	})
}

// TestUnsubscribeForgets shows a resident who unsubscribes during a
// broadcast is not messaged, and that no chat id is kept once a broadcast
// is done or a resident has left.
func TestUnsubscribeForgets(t *testing.T) {
	forEachStore(t, testUnsubscribeForgets)
}

func testUnsubscribeForgets(t *testing.T, open opener) {
	s := open(t)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := seed(t, s, 10)
		snd := &recordingSender{fail: func(n int, _ int64) error {
			if n == 4 {
				return &campaign.BadRequestError{Description: "can't parse entities"}
			}
			return nil
		}}
		b := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Window: 1})
		if _, err := b.Run(ctx, c.ID); !errors.Is(err, campaign.ErrHalted) {
			t.Fatalf("Run = %v, want halted", err)
		}
		if p := progress(t, s, c.ID); p.Total != 10 || p.Sent != 4 || p.Pending != 6 {
			t.Fatalf("halted progress = %+v, want 4 of 10 sent, 6 pending", p)
		}
		// 1001 was reached, 1009 not yet: both leave.
		for _, chat := range []int64{1001, 1009} {
			if !unsubscribe(t, s, chat) {
				t.Errorf("Unsubscribe(%d) = false, want true", chat)
			}
		}
		if unsubscribe(t, s, 1009) {
			t.Error("second Unsubscribe(1009) = true, want false")
		}
		// Only the one not reached counted in the broadcast.
		if p := progress(t, s, c.ID); p.Total != 9 || p.Sent != 4 || p.Pending != 5 {
			t.Errorf("progress after unsubscribing = %+v, want 4 of 9 sent, 5 pending", p)
		}
		// The file keeps every recipient's state until the broadcast is
		// done, Redis only the recipients not reached; neither keeps
		// those who left.
		want := []int64{1002, 1003, 1004, 1005, 1006, 1007, 1008, 1010}
		if kind := storeKind(s); kind == "redis" {
			want = want[3:]
		}
		if got := campaign.RecipientsHeld(s, c.ID); !slices.Equal(got, want) {
			t.Errorf("recipients held = %v, want %v", got, want)
		}
		if n := campaign.RecipientsKept(s, c.ID); n < len(want) {
			t.Errorf("recipients kept = %d, want at least the %d held", n, len(want))
		}
		snd.fail = nil
		if err := s.Resume(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		p, err := b.Run(ctx, c.ID)
		if err != nil || p.State != campaign.BroadcastDone || p.Total != 9 || p.Sent != 9 || p.Pending != 0 {
			t.Fatalf("Run = %+v, %v; want done, 9 of 9 sent", p, err)
		}
		per := map[int64]int{}
		for _, cl := range snd.Calls() {
			per[cl.chat]++
		}
		for chat := int64(1001); chat <= 1010; chat++ {
			want := 1
			switch chat {
			case 1005: // refused, then sent after the resume
				want = 2
			case 1009: // left before being reached
				want = 0
			}
			if per[chat] != want {
				t.Errorf("chat %d sent to %d times, want %d", chat, per[chat], want)
			}
		}
		if got := campaign.RecipientsHeld(s, c.ID); len(got) != 0 {
			t.Errorf("recipients held after done = %v, want none", got)
		}
		if n := campaign.RecipientsKept(s, c.ID); n != 0 {
			t.Errorf("recipients kept after done = %d, want 0", n)
		}
	})
}
