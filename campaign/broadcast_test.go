package campaign_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/redis/go-redis/v9"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
)

// newTelegram returns a Sender talking to the fake Bot API.
func newTelegram(t testing.TB, url string) *campaign.Telegram {
	t.Helper()
	b, err := tg.New(telegramtest.Token, tg.WithServerURL(url), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	return campaign.NewTelegram(b)
}

// seed subscribes n chats (1001 ...) and stores a campaign.
func seed(tb testing.TB, s campaign.Store, n int) *campaign.Campaign {
	tb.Helper()
	ctx := context.Background()
	chats := make([]int64, n)
	for i := range chats {
		chats[i] = int64(1001 + i)
	}
	if err := s.AddSubscribers(ctx, chats); err != nil {
		tb.Fatal(err)
	}
	c := &campaign.Campaign{Title: "宪法宣传周", Message: "12月4日是国家宪法日。<学习宪法>", Community: "hq", Status: campaign.StatusScheduled}
	if err := s.Put(ctx, c); err != nil {
		tb.Fatal(err)
	}
	return c
}

// counter counts the messages the fake server accepted, per chat.
type counter struct {
	mu    sync.Mutex
	n     atomic.Int64
	per   map[int64]int
	times map[int64][]time.Time
	all   []time.Time
}

func count(srv *telegramtest.Server) *counter {
	c := &counter{per: map[int64]int{}, times: map[int64][]time.Time{}}
	srv.OnSend(func(m telegramtest.Sent) {
		c.mu.Lock()
		c.per[m.ChatID]++
		c.times[m.ChatID] = append(c.times[m.ChatID], m.At)
		c.all = append(c.all, m.At)
		c.mu.Unlock()
		c.n.Add(1)
	})
	return c
}

// The child process of TestBroadcastCrashResume learns from these which
// store to open, where the fake Bot API is and which campaign to send.
const (
	crashChild  = "LAWBOT_CAMPAIGN_CRASH_CHILD" // store kind
	crashDir    = "LAWBOT_CAMPAIGN_CRASH_DIR"
	crashRedis  = "LAWBOT_CAMPAIGN_CRASH_REDIS"
	crashPrefix = "LAWBOT_CAMPAIGN_CRASH_PREFIX"
	crashURL    = "LAWBOT_CAMPAIGN_CRASH_URL"
	crashID     = "LAWBOT_CAMPAIGN_CRASH_ID"
)

// TestBroadcastCrashResume broadcasts to 10,000 subscribers in a child
// process, SIGKILLs it at 5 random points and restarts it each time: every
// subscriber gets the message, no chat gets two messages within a second,
// and no more residents get it twice than sends were in flight at the
// kills. On Redis the restarted child is a new client, as another replica
// taking over would be.
func TestBroadcastCrashResume(t *testing.T) {
	if kind := os.Getenv(crashChild); kind != "" {
		crashChildMain(t, kind)
		return
	}
	if testing.Short() {
		t.Skip("subprocess test")
	}
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { testBroadcastCrashResume(t, kind) })
	}
}

func testBroadcastCrashResume(t *testing.T, kind string) {
	const (
		subscribers = 10_000
		kills       = 5
		window      = 25
	)
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.SetSendDelay(time.Millisecond) // keep sends in flight
	cnt := count(srv)

	ts := newTestStore(t, kind)
	s := ts.open(t)
	c := seed(t, s, subscribers)
	if err := s.Close(); err != nil { // the file is the child's now
		t.Fatal(err)
	}

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	points := make([]int64, kills)
	for i := range points {
		points[i] = int64(300 + rng.IntN(subscribers-600))
	}
	slices.Sort(points)
	t.Logf("seed %d, kill after %v messages", seed, points)

	env := append(os.Environ(), crashChild+"="+kind, crashDir+"="+ts.dir, crashRedis+"="+ts.url, crashPrefix+"="+ts.prefix,
		crashURL+"="+srv.URL(), crashID+"="+c.ID)
	start := time.Now()
	for run := 0; run <= kills; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBroadcastCrashResume$", "-test.v")
		cmd.Env = env
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if run == kills {
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("last run: %v\n%s", err, out.String())
				}
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("last run did not finish\n%s", out.String())
			}
			break
		}
		deadline := time.After(30 * time.Second)
	wait:
		for cnt.n.Load() < points[run] {
			select {
			case err := <-exited:
				t.Fatalf("run %d exited before the kill at %d: %v\n%s", run, points[run], err, out.String())
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("run %d: no progress to %d (at %d)\n%s", run, points[run], cnt.n.Load(), out.String())
			case <-time.After(200 * time.Microsecond):
				continue wait
			}
		}
		if err := cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		<-exited
		t.Logf("run %d killed at %d messages", run, cnt.n.Load())
	}
	elapsed := time.Since(start)

	cnt.mu.Lock()
	defer cnt.mu.Unlock()
	var missed, dups int
	for i := range subscribers {
		switch n := cnt.per[int64(1001+i)]; {
		case n == 0:
			missed++
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("%s: %d messages to %d subscribers in %s: %d missed, %d duplicates", kind, cnt.n.Load(), subscribers, elapsed.Round(time.Millisecond), missed, dups)
	for chat, times := range cnt.times {
		for i := 1; i < len(times); i++ {
			if d := times[i].Sub(times[i-1]); d < time.Second {
				t.Errorf("chat %d messaged twice %v apart, want >= 1s even across a crash", chat, d)
			}
		}
	}
	if missed != 0 {
		t.Errorf("missed = %d, want 0", missed)
	}
	if dups > kills*window {
		t.Errorf("duplicates = %d, want <= %d (%d kills x window %d)", dups, kills*window, kills, window)
	}
	if n := int64(len(cnt.all)); n != int64(subscribers+dups) {
		t.Errorf("%d messages, want %d subscribers + %d duplicates", n, subscribers, dups)
	}

	p := progress(t, ts.open(t), c.ID)
	t.Logf("progress %+v", p)
	if p.State != campaign.BroadcastDone || p.Total != subscribers || p.Sent != subscribers || p.Pending != 0 || p.Gone != 0 {
		t.Errorf("progress = %+v, want done with %d of %d sent", p, subscribers, subscribers)
	}
	if p.Uncertain < dups || p.Crashes > kills || p.Uncertain > kills*window {
		t.Errorf("progress accounts %d uncertain sends in %d crashes, want >= %d duplicates, <= %d in <= %d", p.Uncertain, p.Crashes, dups, kills*window, kills)
	}
}

// crashChildMain is the child process of TestBroadcastCrashResume.
func crashChildMain(t *testing.T, kind string) {
	var s campaign.Store
	switch kind {
	case "bolt":
		bs, err := campaign.Open(os.Getenv(crashDir), campaign.StoreOptions{LockTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s = bs
	case "redis":
		o, err := redis.ParseURL(os.Getenv(crashRedis))
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(o)
		defer rdb.Close()
		if s, err = campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: os.Getenv(crashPrefix)}); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("child: unknown store %q", kind)
	}
	defer s.Close()
	b := campaign.NewBroadcaster(s, newTelegram(t, os.Getenv(crashURL)), campaign.BroadcastOptions{
		Rate: 5000, Window: 25, Backoff: 10 * time.Millisecond,
	})
	p, err := b.Run(context.Background(), os.Getenv(crashID))
	if err != nil {
		t.Fatalf("child: %v (%+v)", err, p)
	}
	fmt.Printf("child: %+v\n", p)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
