package state_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/redis/go-redis/v9"
)

// store is what every backend offers.
type store interface {
	bot.Sessions
	bot.Mediations
	Claim(ctx context.Context, id int64) (state.Claim, error)
	Done(ctx context.Context, id int64) error
	Release(ctx context.Context, id int64) error
	Close() error
}

// inbox is what the backends for long polling add.
type inbox interface {
	store
	Receive(ctx context.Context, updates map[int64][]byte) error
	Pending(ctx context.Context) (map[int64][]byte, error)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// opener opens an empty store with the clock; advance moves time on for
// the backend (Redis expires keys on its own clock).
type opener func(t *testing.T, clk *clock) (s store, advance func(time.Duration))

func backends() map[string]opener {
	return map[string]opener{
		"Memory": func(t *testing.T, clk *clock) (store, func(time.Duration)) {
			return state.NewMemory(state.Options{Now: clk.Now}), clk.Add
		},
		"Bolt": func(t *testing.T, clk *clock) (store, func(time.Duration)) {
			b, err := state.OpenBolt(t.TempDir(), state.Options{Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b, clk.Add
		},
		"Redis": func(t *testing.T, clk *clock) (store, func(time.Duration)) {
			rdb, advance := testRedis(t)
			prefix := fmt.Sprintf("lawbot-test-%d", time.Now().UnixNano())
			t.Cleanup(func() {
				keys, _ := rdb.Keys(context.Background(), "{"+prefix+"}:*").Result()
				if len(keys) > 0 {
					rdb.Del(context.Background(), keys...)
				}
			})
			r, err := state.NewRedis(rdb, prefix, state.Options{Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			return r, func(d time.Duration) {
				if advance == nil {
					t.Skip("expiry is not simulated on a real Redis")
				}
				clk.Add(d)
				advance(d)
			}
		},
	}
}

// testRedis returns a client of the Redis in LAWBOT_TEST_REDIS_URL, or of a
// miniredis for this test, and a function moving the server's clock.
func testRedis(t testing.TB) (redis.UniversalClient, func(time.Duration)) {
	if url := os.Getenv("LAWBOT_TEST_REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		t.Cleanup(func() { rdb.Close() })
		return rdb, nil
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return rdb, mr.FastForward
}

func TestConformance(t *testing.T) {
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
			t.Run("Mediations", func(t *testing.T) { testMediations(t, open) })
			t.Run("Journal", func(t *testing.T) { testJournal(t, open) })
		})
	}
}

func testSessions(t *testing.T, open opener) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)}
	s, advance := open(t, clk)
	got, err := s.Session(ctx, "tg:1")
	if err != nil || got.Community != "" || got.Form != nil {
		t.Fatalf("Session of a new resident = %+v, %v, want zero", got, err)
	}
	want := bot.Session{
		Community: "幸福社区", LastEntry: "rental-deposit-refund", LastAt: clk.Now().Truncate(time.Second),
		Rated: []string{"11", "12"}, Nudged: true,
		Form: &bot.Form{Step: "phone", Kind: "neighbor", Description: "楼上漏水", Updated: clk.Now().Truncate(time.Second)},
	}
	if err := s.SaveSession(ctx, "tg:1", want); err != nil {
		t.Fatal(err)
	}
	got, err = s.Session(ctx, "tg:1")
	if err != nil || got.Community != want.Community || got.LastEntry != want.LastEntry || !got.LastAt.Equal(want.LastAt) ||
		len(got.Rated) != 2 || got.Form == nil || got.Form.Description != "楼上漏水" || !got.Nudged {
		t.Fatalf("Session = %+v, %v, want %+v", got, err, want)
	}
	if other, _ := s.Session(ctx, "tg:2"); other.Community != "" {
		t.Errorf("another resident sees %+v", other)
	}
	advance(state.DefaultSessionTTL + time.Hour)
	if got, _ := s.Session(ctx, "tg:1"); got.Community != "" {
		t.Errorf("Session after its TTL = %+v, want zero", got)
	}
}

func testMediations(t *testing.T, open opener) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)}
	s, advance := open(t, clk)
	for i := range 5 {
		r := bot.MediationRequest{
			ID: fmt.Sprint("tg:cb:", i), Number: fmt.Sprint("M", i), Time: clk.Now().Add(time.Duration(i) * time.Minute),
			Community: "和平社区", Kind: "neighbor", Description: "楼上漏水", Phone: "13812345678",
		}
		for range 2 { // added twice: kept once
			if err := s.AddMediation(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.Mediations(ctx, 3)
	if err != nil || len(got) != 3 || got[0].Number != "M4" || got[2].Number != "M2" {
		t.Fatalf("Mediations(3) = %+v, %v, want M4, M3, M2", got, err)
	}
	if all, _ := s.Mediations(ctx, 0); len(all) != 5 {
		t.Errorf("Mediations(0) = %d requests, want 5", len(all))
	}
	advance(state.DefaultMediationRetention + time.Hour)
	if got, _ := s.Mediations(ctx, 10); len(got) != 0 {
		t.Errorf("Mediations after retention = %+v, want none", got)
	}
}

func testJournal(t *testing.T, open opener) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)}
	s, advance := open(t, clk)
	steps := []struct {
		do   string
		want state.Claim
	}{
		{"claim", state.Claimed},
		{"claim", state.Busy},
		{"release", 0},
		{"claim", state.Claimed},
		{"done", 0},
		{"claim", state.Handled},
		{"release", 0}, // releasing a done update changes nothing
		{"claim", state.Handled},
	}
	for i, st := range steps {
		switch st.do {
		case "claim":
			got, err := s.Claim(ctx, 81523)
			if err != nil || got != st.want {
				t.Fatalf("step %d: Claim = %v, %v, want %v", i, got, err, st.want)
			}
		case "release":
			if err := s.Release(ctx, 81523); err != nil {
				t.Fatal(err)
			}
		case "done":
			if err := s.Done(ctx, 81523); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, _ := s.Claim(ctx, 81524); got != state.Claimed {
		t.Errorf("Claim of another update = %v", got)
	}
	// Concurrent claims of one update: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := s.Claim(ctx, 90000); err == nil && c == state.Claimed {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent claims won, want 1", wins)
	}
	if b, ok := s.(*state.Bolt); ok {
		advance(state.DefaultUpdateTTL + time.Hour)
		if _, err := b.Purge(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Claim(ctx, 81523); got != state.Claimed {
			t.Errorf("Claim after the update TTL = %v, want Claimed", got)
		}
	}
}

func TestInbox(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(t *testing.T) inbox{
		"Memory": func(t *testing.T) inbox { return state.NewMemory(state.Options{}) },
		"Bolt": func(t *testing.T) inbox {
			b, err := state.OpenBolt(t.TempDir(), state.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			in := open(t)
			if err := in.Receive(ctx, map[int64][]byte{1: []byte(`{"update_id":1}`), 2: []byte(`{"update_id":2}`)}); err != nil {
				t.Fatal(err)
			}
			if _, err := in.Claim(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if err := in.Done(ctx, 1); err != nil {
				t.Fatal(err)
			}
			// A done update received again is not kept again.
			if err := in.Receive(ctx, map[int64][]byte{1: []byte(`{"update_id":1}`), 3: []byte(`{"update_id":3}`)}); err != nil {
				t.Fatal(err)
			}
			got, err := in.Pending(ctx)
			if err != nil || len(got) != 2 || string(got[2]) != `{"update_id":2}` || got[3] == nil {
				t.Errorf("Pending = %d updates, %v, want updates 2 and 3", len(got), err)
			}
		})
	}
}

func TestBoltSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := state.OpenBolt(dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Receive(ctx, map[int64][]byte{7: []byte(`{"update_id":7}`), 8: []byte(`{"update_id":8}`)})
	_, _ = b.Claim(ctx, 7)
	_ = b.Done(ctx, 7)
	_ = b.SaveSession(ctx, "tg:1", bot.Session{Community: "光明社区"})

	if _, err := state.OpenBolt(dir, state.Options{}); !errors.Is(err, state.ErrLocked) {
		t.Errorf("second OpenBolt = %v, want ErrLocked", err)
	}
	b.Close()

	b, err = state.OpenBolt(dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, _ := b.Pending(ctx); len(got) != 1 || got[8] == nil {
		t.Errorf("Pending after restart = %d updates, want update 8", len(got))
	}
	if got, _ := b.Claim(ctx, 7); got != state.Handled {
		t.Errorf("Claim(7) after restart = %v, want Handled", got)
	}
	if s, _ := b.Session(ctx, "tg:1"); s.Community != "光明社区" {
		t.Errorf("Session after restart = %+v", s)
	}
}

// Sessions are written behind, but a session read while it waits to be
// written, or while it is being written, is the newest one, and every
// session saved before Close is on disk after it.
func TestBoltSessionsWrittenBehind(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := state.OpenBolt(dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const residents = 200
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // flushes at random moments, as the timer would
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				if err := b.FlushSessions(); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	for round := range 5 {
		for r := range residents {
			res := fmt.Sprintf("tg:%d", r)
			want := fmt.Sprintf("社区%d", round)
			if err := b.SaveSession(ctx, res, bot.Session{Community: want}); err != nil {
				t.Fatal(err)
			}
			if s, err := b.Session(ctx, res); err != nil || s.Community != want {
				t.Fatalf("round %d: Session(%s) = %+v, %v; want %s", round, res, s, err, want)
			}
		}
	}
	close(stop)
	wg.Wait()
	if err := b.SaveSession(ctx, "tg:last", bot.Session{Community: "最后"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b, err = state.OpenBolt(dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for r := range residents {
		if s, _ := b.Session(ctx, fmt.Sprintf("tg:%d", r)); s.Community != "社区4" {
			t.Fatalf("after restart: tg:%d = %+v, want 社区4", r, s)
		}
	}
	if s, _ := b.Session(ctx, "tg:last"); s.Community != "最后" {
		t.Errorf("session saved just before Close lost: %+v", s)
	}
}

// DoneMany marks every update handled and out of the inbox in one write.
func TestBoltDoneMany(t *testing.T) {
	ctx := context.Background()
	b, err := state.OpenBolt(t.TempDir(), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	in := map[int64][]byte{}
	for id := int64(1); id <= 5; id++ {
		in[id] = []byte(fmt.Sprintf(`{"update_id":%d}`, id))
	}
	if err := b.Receive(ctx, in); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 5; id++ {
		if c, _ := b.Claim(ctx, id); c != state.Claimed {
			t.Fatalf("Claim(%d) = %v", id, c)
		}
	}
	if err := b.DoneMany(ctx, []int64{1, 2, 4}); err != nil {
		t.Fatal(err)
	}
	pending, _ := b.Pending(ctx)
	if len(pending) != 2 || pending[3] == nil || pending[5] == nil {
		t.Errorf("Pending = %v, want updates 3 and 5", pending)
	}
	for id, want := range map[int64]state.Claim{1: state.Handled, 2: state.Handled, 4: state.Handled, 3: state.Busy} {
		if got, _ := b.Claim(ctx, id); got != want {
			t.Errorf("Claim(%d) = %v, want %v", id, got, want)
		}
	}
}
