package campaign_test

// Tests of what each Store must do atomically, run on the file and on
// Redis: presses racing for the last places, redelivered callbacks,
// unsubscribing during a broadcast, schedule and discard racing each other
// and the broadcaster, and a broadcast taken over by another process.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
)

// counted returns how many events of kind the statistics store counted.
func counted(t *testing.T, st stats.Store, kind stats.Kind) int64 {
	t.Helper()
	rep, err := st.Query(context.Background(), stats.Query{From: time.Now().Add(-48 * time.Hour), To: time.Now().Add(48 * time.Hour), By: stats.ByTotal})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Total.Events(kind)
}

// TestSignupRace has 40 residents press the sign-up button of an event
// with 10 places all at once, each twice with different callbacks: exactly
// 10 are signed up, stored and counted, and each of them is told so once.
func TestSignupRace(t *testing.T) {
	forEachStore(t, testSignupRace)
}

func testSignupRace(t *testing.T, open opener) {
	const (
		capacity  = 10
		residents = 40
	)
	svc, s, st := newService(t, open)
	ctx := context.Background()
	c := quizCampaign(t, svc, capacity)
	type press struct {
		user int64
		cb   string
		data string
	}
	var presses []press
	for u := int64(1000); u < 1000+residents; u++ {
		m, err := svc.Compose(c, u)
		if err != nil {
			t.Fatal(err)
		}
		data := button(t, m, "我要报名")
		for i := range 2 {
			presses = append(presses, press{u, fmt.Sprintf("cb-%d-%d", u, i), data})
		}
	}
	replies := make([]string, len(presses))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range presses {
		wg.Go(func() {
			<-start
			r, err := svc.Press(ctx, private(p.user), p.cb, p.data)
			if err != nil {
				t.Errorf("press by %d: %v", p.user, err)
			}
			replies[i] = r.Notice
		})
	}
	close(start)
	wg.Wait()

	notices := map[string]int{}
	winners := map[int64][]string{}
	for i, p := range presses {
		notices[replies[i]]++
		if replies[i] == "报名成功" {
			winners[p.user] = append(winners[p.user], p.cb)
		}
	}
	want := map[string]int{"报名成功": capacity, "您已报名。": capacity, "名额已满，感谢关注。": 2*residents - 2*capacity}
	for n, w := range want {
		if notices[n] != w {
			t.Errorf("%d replies %q, want %d (all: %v)", notices[n], n, w, notices)
		}
	}
	if len(winners) != capacity {
		t.Errorf("%d residents told they signed up, want %d: %v", len(winners), capacity, winners)
	}
	for u, cbs := range winners {
		if len(cbs) != 1 {
			t.Errorf("resident %d told twice that they signed up: %v", u, cbs)
		}
	}
	if n := signups(t, s, c.ID); n != capacity {
		t.Errorf("stored sign-ups = %d, want %d", n, capacity)
	}
	if n := counted(t, st, stats.KindSignup); n != capacity {
		t.Errorf("counted sign-ups = %d, want %d", n, capacity)
	}
	list, err := svc.List(ctx, private(volunteer), 10)
	if want := fmt.Sprintf("活动报名 %d/%d）", capacity, capacity); err != nil || !strings.Contains(list.Text, want) {
		t.Errorf("List = %q, %v; want %q", list.Text, err, want)
	}
}

// TestPressRedelivered delivers the same callbacks several times, some at
// once: each is acted on and counted once, and every delivery gets the
// first one's reply.
func TestPressRedelivered(t *testing.T) {
	forEachStore(t, testPressRedelivered)
}

func testPressRedelivered(t *testing.T, open opener) {
	svc, s, st := newService(t, open)
	ctx := context.Background()
	c := quizCampaign(t, svc, 5)
	m, err := svc.Compose(c, resident)
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(cb, label string, times int) []campaign.Reply {
		out := make([]campaign.Reply, times)
		var wg sync.WaitGroup
		for i := range times {
			wg.Go(func() {
				r, err := svc.Press(ctx, private(resident), cb, button(t, m, label))
				if err != nil {
					t.Errorf("press %s: %v", cb, err)
				}
				out[i] = r
			})
		}
		wg.Wait()
		return out
	}
	for _, tt := range []struct {
		cb, label string
		times     int
		notice    string
	}{
		{"cb-a1", "1B", 8, "回答正确"},
		{"cb-a1", "1B", 1, "回答正确"},      // redelivered later
		{"cb-a2", "1A", 3, "您已作答过这道题。"}, // another option, another press
		{"cb-a3", "2A", 4, "回答错误"},
		{"cb-s1", "我要报名", 6, "报名成功"},
		{"cb-s2", "我要报名", 2, "您已报名。"},
		{"cb-r1", "已阅", 5, "感谢阅读！"},
		{"cb-r2", "已阅", 1, "感谢阅读！"},
	} {
		for i, r := range deliver(tt.cb, tt.label, tt.times) {
			if r.Notice != tt.notice {
				t.Errorf("%s delivery %d: notice %q, want %q", tt.cb, i, r.Notice, tt.notice)
			}
		}
	}
	rep, err := st.Query(ctx, stats.Query{From: time.Now().Add(-48 * time.Hour), To: time.Now().Add(48 * time.Hour), By: stats.ByTotal})
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Total
	for _, ck := range []struct {
		name      string
		got, want int64
	}{
		{"quiz answers", got.Events(stats.KindQuizAnswer), 2},
		{"correct answers", got.EventsBy(stats.KindQuizAnswer, stats.DimResult)["correct"], 1},
		{"sign-ups", got.Events(stats.KindSignup), 1},
		{"stored sign-ups", int64(signups(t, s, c.ID)), 1},
		{"reads", got.Events(stats.KindCampaignRead), 2}, // two presses
		{"residents", got.Residents, 1},
	} {
		if ck.got != ck.want {
			t.Errorf("%s = %d, want %d", ck.name, ck.got, ck.want)
		}
	}
}

// TestUnsubscribeDuringBroadcast unsubscribes recipients of a broadcast not
// finished, pending and in flight: they leave its recipients and its
// total, and are not sent to when it resumes.
func TestUnsubscribeDuringBroadcast(t *testing.T) {
	forEachStore(t, testUnsubscribeDuringBroadcast)
}

func testUnsubscribeDuringBroadcast(t *testing.T, open opener) {
	ctx := context.Background()
	t.Run("after a crash", func(t *testing.T) {
		s := open(t)
		c := seed(t, s, 10)
		if p := campaign.StartBroadcast(s, c.ID, time.Now()); p.Total != 10 || p.Pending != 10 {
			t.Fatalf("started = %+v, want 10 pending", p)
		}
		// The run dies with 1001-1003 in flight.
		if got := campaign.Claim(s, c.ID, 3); !slices.Equal(got, []int64{1001, 1002, 1003}) {
			t.Fatalf("claimed %v, want 1001-1003", got)
		}
		steps := []struct {
			chat              int64
			was               bool
			total, held, subs int
		}{
			{1002, true, 9, 9, 9},  // in flight
			{1005, true, 8, 8, 8},  // pending
			{1005, false, 8, 8, 8}, // again
			{77, false, 8, 8, 8},   // never subscribed
		}
		for _, st := range steps {
			if was := unsubscribe(t, s, st.chat); was != st.was {
				t.Errorf("Unsubscribe(%d) = %v, want %v", st.chat, was, st.was)
			}
			p := progress(t, s, c.ID)
			if p.Total != st.total || p.Pending != st.total || p.Sent != 0 || p.State != campaign.BroadcastSending {
				t.Errorf("after Unsubscribe(%d): progress %+v, want %d total and pending", st.chat, p, st.total)
			}
			if held := campaign.RecipientsHeld(s, c.ID); len(held) != st.held || slices.Contains(held, st.chat) {
				t.Errorf("after Unsubscribe(%d): recipients %v, want %d without it", st.chat, held, st.held)
			}
			if n := subscribers(t, s); n != st.subs {
				t.Errorf("after Unsubscribe(%d): %d subscribers, want %d", st.chat, n, st.subs)
			}
		}
		snd := &recordingSender{}
		p, err := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 1000, PerChat: 10 * time.Millisecond}).Run(ctx, c.ID)
		if err != nil || p.State != campaign.BroadcastDone || p.Total != 8 || p.Sent != 8 || p.Pending != 0 || p.Crashes != 1 || p.Uncertain != 2 {
			t.Fatalf("Run = %+v, %v; want done, 8 of 8 sent, 2 uncertain in 1 crash", p, err)
		}
		var sent []int64
		for _, cl := range snd.Calls() {
			sent = append(sent, cl.chat)
		}
		slices.Sort(sent)
		if want := []int64{1001, 1003, 1004, 1006, 1007, 1008, 1009, 1010}; !slices.Equal(sent, want) {
			t.Errorf("sent to %v, want %v", sent, want)
		}
		if held := campaign.RecipientsHeld(s, c.ID); len(held) != 0 {
			t.Errorf("recipients held when done: %v", held)
		}
		if n := campaign.RecipientsKept(s, c.ID); n != 0 {
			t.Errorf("recipients kept when done: %d", n)
		}
	})
	t.Run("while sending", func(t *testing.T) {
		s := open(t)
		c := seed(t, s, 10)
		// 1003 leaves while its message is in flight, 1008 while pending.
		snd := &recordingSender{fail: func(_ int, chat int64) error {
			if leave := map[int64]int64{1001: 1008, 1003: 1003}[chat]; leave != 0 {
				if was, err := s.Unsubscribe(ctx, leave); !was || err != nil {
					t.Errorf("Unsubscribe(%d) = %v, %v; want true", leave, was, err)
				}
			}
			return nil
		}}
		p, err := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 1000, Window: 2}).Run(ctx, c.ID)
		if err != nil || p.State != campaign.BroadcastDone || p.Total != 8 || p.Sent != 8 || p.Pending != 0 || p.Gone != 0 {
			t.Fatalf("Run = %+v, %v; want done, 8 of 8 sent", p, err)
		}
		var sent []int64
		for _, cl := range snd.Calls() {
			sent = append(sent, cl.chat)
		}
		slices.Sort(sent)
		if want := []int64{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1009, 1010}; !slices.Equal(sent, want) {
			t.Errorf("sent to %v, want %v", sent, want)
		}
		if n := subscribers(t, s); n != 8 {
			t.Errorf("%d subscribers, want 8", n)
		}
	})
}

// textSender counts the messages sent, by text.
type textSender struct {
	mu  sync.Mutex
	per map[string]int
}

func (s *textSender) Send(_ context.Context, _ int64, m campaign.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.per == nil {
		s.per = map[string]int{}
	}
	s.per[m.Text]++
	return nil
}

func (s *textSender) sent(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.per[text]
}

// TestScheduleDiscardRace schedules and discards campaigns at the same
// moment, and discards campaigns as the broadcaster picks them up: each
// ends either discarded and never sent, or sent to everyone with the
// discard refused, never both.
func TestScheduleDiscardRace(t *testing.T) {
	forEachStore(t, testScheduleDiscardRace)
}

func testScheduleDiscardRace(t *testing.T, open opener) {
	const campaigns = 30
	svc, s, _ := newService(t, open)
	ctx := context.Background()
	chats := []int64{2001, 2002, 2003}
	if err := s.AddSubscribers(ctx, chats); err != nil {
		t.Fatal(err)
	}
	create := func(title string) *campaign.Campaign {
		c, err := svc.Create(ctx, private(volunteer), campaign.Campaign{Title: title, Message: "正文"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// race runs a and b at once for every campaign.
	race := func(cs []*campaign.Campaign, a, b func(c *campaign.Campaign) (string, error)) (ra, rb []string) {
		ra, rb = make([]string, len(cs)), make([]string, len(cs))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range cs {
			for _, f := range []struct {
				run func(c *campaign.Campaign) (string, error)
				out []string
			}{{a, ra}, {b, rb}} {
				wg.Go(func() {
					<-start
					r, err := f.run(c)
					if err != nil {
						r = "error: " + err.Error()
					}
					f.out[i] = r
				})
			}
		}
		close(start)
		wg.Wait()
		return ra, rb
	}
	discard := func(c *campaign.Campaign) (string, error) {
		r, err := svc.Discard(ctx, private(volunteer), c.ID)
		return r.Text, err
	}

	t.Run("schedule", func(t *testing.T) {
		var cs []*campaign.Campaign
		for i := range campaigns {
			cs = append(cs, create(fmt.Sprintf("草稿 %d", i)))
		}
		scheduled, discarded := race(cs, func(c *campaign.Campaign) (string, error) {
			r, err := svc.Schedule(ctx, private(volunteer), c.ID, time.Time{})
			return r.Text, err
		}, discard)
		// Either order discards the campaign: the discard comes after the
		// schedule, or refuses the schedule.
		first := 0
		for i, c := range cs {
			if want := "已放弃推送 " + c.ID + "，不会发送。"; discarded[i] != want {
				t.Errorf("campaign %s: discard = %q, want %q", c.ID, discarded[i], want)
			}
			switch {
			case strings.Contains(scheduled[i], "已安排"):
				first++
			case scheduled[i] != "该推送已放弃，不会发送。":
				t.Errorf("campaign %s: schedule = %q", c.ID, scheduled[i])
			}
			if got := getCampaign(t, s, c.ID); got.Status != campaign.StatusDiscarded {
				t.Errorf("campaign %s: status %s after schedule %q and discard %q, want discarded", c.ID, got.Status, scheduled[i], discarded[i])
			}
		}
		t.Logf("scheduled before the discard: %d of %d", first, campaigns)
		snd := &textSender{}
		if err := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 1000}).RunDue(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if m, _ := campaign.PlainMessage(c, 0); snd.sent(m.Text) != 0 {
				t.Errorf("discarded campaign %s sent %d times", c.ID, snd.sent(m.Text))
			}
		}
	})

	t.Run("broadcast", func(t *testing.T) {
		var cs []*campaign.Campaign
		for i := range campaigns {
			c := create(fmt.Sprintf("待发 %d", i))
			if _, err := svc.Schedule(ctx, private(volunteer), c.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		snd := &textSender{}
		ran, discarded := race(cs, func(c *campaign.Campaign) (string, error) {
			p, err := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 1000}).Run(ctx, c.ID)
			if errors.Is(err, campaign.ErrInvalid) {
				return "discarded", nil
			}
			return p.State, err
		}, discard)
		won := 0
		for i, c := range cs {
			m, _ := campaign.PlainMessage(c, 0)
			got := getCampaign(t, s, c.ID)
			outcome := fmt.Sprintf("run %q, discard %q, status %s, %d sent", ran[i], discarded[i], got.Status, snd.sent(m.Text))
			switch {
			case ran[i] == "discarded" && discarded[i] == "已放弃推送 "+c.ID+"，不会发送。" &&
				got.Status == campaign.StatusDiscarded && snd.sent(m.Text) == 0:
				won++
			case ran[i] == campaign.BroadcastDone && discarded[i] == "推送 "+c.ID+" 已在发送或已发送，无法放弃。" &&
				got.Status == campaign.StatusSent && snd.sent(m.Text) == len(chats):
			default:
				t.Errorf("campaign %s: %s; want discarded and none sent, or all sent and the discard refused", c.ID, outcome)
			}
		}
		t.Logf("discarded before the broadcast: %d of %d", won, campaigns)
	})
}

// TestResumeElsewhere starts a broadcast on one handle of a store, kills
// it with a batch in flight (claimed, not settled), and finishes it on
// another: a restarted process for the file, another replica (a client of
// its own) for Redis. Every recipient gets the message once, but for those
// in flight at the kill, and those are sent again no sooner than PerChat.
func TestResumeElsewhere(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { testResumeElsewhere(t, kind) })
	}
}

func testResumeElsewhere(t *testing.T, kind string) {
	const (
		total   = 200
		halt    = 1101 // a bad request for it halts the first run
		window  = 25
		reached = 12 // of the batch in flight at the kill
		perChat = 300 * time.Millisecond
	)
	ctx := context.Background()
	ts := newTestStore(t, kind)
	a := ts.open(t)
	c := seed(t, a, total)

	// delivered counts the messages that reached each chat, on either side.
	var mu sync.Mutex
	delivered := map[int64]int{}
	deliver := func(chat int64) {
		mu.Lock()
		delivered[chat]++
		mu.Unlock()
	}
	// The first process sends to 1001-1100 one by one, then halts.
	first := &recordingSender{fail: func(_ int, chat int64) error {
		if chat == halt {
			return &campaign.BadRequestError{Description: "can't parse entities"}
		}
		deliver(chat)
		return nil
	}}
	p, err := campaign.NewBroadcaster(a, first, campaign.BroadcastOptions{Rate: 1e4, Window: 1}).Run(ctx, c.ID)
	if !errors.Is(err, campaign.ErrHalted) || p.Sent != halt-1001 || p.Pending != total-(halt-1001) {
		t.Fatalf("first run = %+v, %v; want halted with %d sent", p, err, halt-1001)
	}
	// Resumed, it claims the next window and dies having reached some.
	if err := a.Resume(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	campaign.StartBroadcast(a, c.ID, time.Now())
	inflight := campaign.Claim(a, c.ID, window)
	if len(inflight) != window || inflight[0] != halt || inflight[window-1] != halt+window-1 {
		t.Fatalf("claimed %v, want %d-%d", inflight, halt, halt+window-1)
	}
	for _, chat := range inflight[:reached] {
		deliver(chat)
	}
	if kind == "bolt" {
		a.Close() // the process died: the file is free
	}

	b := ts.open(t)
	if got := getCampaign(t, b, c.ID); got.Status != campaign.StatusSending {
		t.Errorf("status seen by the second handle = %s, want sending", got.Status)
	}
	second := &recordingSender{fail: func(_ int, chat int64) error { deliver(chat); return nil }}
	start := time.Now()
	p, err = campaign.NewBroadcaster(b, second, campaign.BroadcastOptions{Rate: 1e4, Window: window, PerChat: perChat}).Run(ctx, c.ID)
	if err != nil || p.State != campaign.BroadcastDone || p.Total != total || p.Sent != total || p.Pending != 0 ||
		p.Crashes != 1 || p.Uncertain != window {
		t.Fatalf("second run = %+v, %v; want done, %d of %d sent, %d uncertain in 1 crash", p, err, total, total, window)
	}
	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for chat := int64(1001); chat < 1001+total; chat++ {
		want := 1
		if chat >= halt && chat < halt+reached {
			want = 2
		}
		if delivered[chat] != want {
			t.Errorf("chat %d got %d messages, want %d", chat, delivered[chat], want)
		}
		dups += delivered[chat] - 1
	}
	if len(delivered) != total || dups != reached {
		t.Errorf("%d chats got messages, %d twice; want %d, %d", len(delivered), dups, total, reached)
	}
	for _, cl := range second.Calls() {
		if cl.chat < halt {
			t.Errorf("chat %d sent to again after the takeover", cl.chat)
		}
		// The stores keep attempt times in milliseconds.
		if slices.Contains(inflight, cl.chat) && cl.at.Sub(start) < perChat-time.Millisecond {
			t.Errorf("chat %d, in flight at the kill, sent again %v after the takeover, want >= %v", cl.chat, cl.at.Sub(start), perChat)
		}
	}
	if n := len(second.Calls()); n != total-(halt-1001) {
		t.Errorf("second run sent %d messages, want %d", n, total-(halt-1001))
	}
	if held := campaign.RecipientsHeld(b, c.ID); len(held) != 0 {
		t.Errorf("recipients held when done: %v", held)
	}
}
