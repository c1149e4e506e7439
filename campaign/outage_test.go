package campaign_test

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/internal/redistest"
)

// outage is a broadcast whose Redis the test kills and restarts.
type outage struct {
	t       *testing.T
	port    int
	persist []string
	server  *exec.Cmd
	s       campaign.Store
	c       *campaign.Campaign
	cnt     *counter
	b       *campaign.Broadcaster
}

const outageSubscribers, outageWindow = 2000, 25

// newOutage starts a Redis keeping every write in its append-only file,
// subscribes residents and makes a broadcaster with settleWait.
func newOutage(t *testing.T, settleWait time.Duration) *outage {
	redistest.Need(t)
	o := &outage{t: t, port: redistest.FreePort(t)}
	o.persist = []string{"--dir", t.TempDir(), "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no"}
	o.server = redistest.Run(t, o.port, o.persist...)
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", o.port),
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	var err error
	if o.s, err = campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: "outage"}); err != nil {
		t.Fatal(err)
	}
	o.c = seed(t, o.s, outageSubscribers)
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetSendDelay(time.Millisecond) // keep sends in flight
	o.cnt = count(srv)
	o.b = campaign.NewBroadcaster(o.s, newTelegram(t, srv.URL()), campaign.BroadcastOptions{
		Rate: 2000, Window: outageWindow, Backoff: 10 * time.Millisecond, SettleWait: settleWait})
	return o
}

// killAt is when Redis is killed: in the middle of a batch (batches are
// outageWindow long), so that its outcomes cannot be recorded.
const killAt = 20*outageWindow + outageWindow/2

// run starts the broadcast and kills Redis at killAt messages.
func (o *outage) run() <-chan error {
	done := make(chan error, 1)
	go func() { _, err := o.b.Run(context.Background(), o.c.ID); done <- err }()
	for deadline := time.Now().Add(30 * time.Second); o.cnt.n.Load() < killAt; time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			o.t.Fatalf("no progress to %d messages (at %d)", killAt, o.cnt.n.Load())
		}
	}
	o.server.Process.Kill()
	o.server.Wait()
	o.t.Logf("Redis killed at %d messages", o.cnt.n.Load())
	return done
}

func (o *outage) restart() { o.server = redistest.Run(o.t, o.port, o.persist...) }

// finish runs the broadcast to its end and returns its duplicates, having
// checked that no one was missed.
func (o *outage) finish() (campaign.Progress, int) {
	p, err := o.b.Run(context.Background(), o.c.ID)
	if err != nil {
		o.t.Fatalf("last run: %v (%+v)", err, p)
	}
	o.cnt.mu.Lock()
	defer o.cnt.mu.Unlock()
	var missed, dups int
	for i := range outageSubscribers {
		switch n := o.cnt.per[int64(1001+i)]; {
		case n == 0:
			missed++
		case n > 1:
			dups += n - 1
		}
	}
	o.t.Logf("%d messages to %d subscribers: %d missed, %d duplicates; %d crashes, %d uncertain", o.cnt.n.Load(), outageSubscribers, missed, dups, p.Crashes, p.Uncertain)
	if missed != 0 {
		o.t.Errorf("missed %d subscribers", missed)
	}
	if p.State != campaign.BroadcastDone || p.Sent != outageSubscribers || p.Pending != 0 {
		o.t.Errorf("progress = %+v; want done with %d sent", p, outageSubscribers)
	}
	if got := getCampaign(o.t, o.s, o.c.ID).Status; got != campaign.StatusSent {
		o.t.Errorf("campaign status %s, want sent", got)
	}
	return p, dups
}

// TestBroadcastRedisOutage kills the Redis a broadcast keeps its progress
// in while messages go out, and restarts it from its append-only file.
func TestBroadcastRedisOutage(t *testing.T) {
	// Back within the settle wait: the batch sent meanwhile is recorded
	// once Redis answers, and no one gets the message twice.
	t.Run("brief", func(t *testing.T) {
		o := newOutage(t, 0)
		done := o.run()
		time.Sleep(300 * time.Millisecond)
		if _, err := o.s.Subscribe(context.Background(), 99_999); err == nil {
			t.Error("Subscribe succeeded with Redis gone")
		}
		o.restart()
		if err := <-done; err != nil {
			// Redis died between batches: the run stopped at the next
			// claim, with nothing in flight; lawbot serve's next tick
			// runs it again.
			t.Logf("first run: %v", err)
		}
		if ok, err := o.s.Subscribed(context.Background(), 99_999); ok || err != nil {
			t.Errorf("Subscribed(99999) = %v, %v after the refused /subscribe; want false", ok, err)
		}
		// A claim whose reply was lost with the connection counts as a
		// crash; what it claimed was not sent, so is sent once.
		if p, dups := o.finish(); dups != 0 || p.Crashes > 1 || p.Uncertain > outageWindow*p.Crashes {
			t.Errorf("%d duplicates, progress %+v; want none, in at most 1 crash", dups, p)
		}
	})
	// Down for longer: the run stops and sends nothing more; the next run
	// resends at most the batch that was in flight.
	t.Run("long", func(t *testing.T) {
		o := newOutage(t, 100*time.Millisecond)
		select {
		case err := <-o.run():
			if err == nil {
				t.Fatal("the broadcast finished with its Redis gone")
			}
			t.Logf("the run stopped: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("the broadcast did not stop with its Redis gone")
		}
		stopped := o.cnt.n.Load()
		time.Sleep(100 * time.Millisecond)
		if n := o.cnt.n.Load(); n != stopped {
			t.Errorf("%d messages sent after the run stopped", n-stopped)
		}
		o.restart()
		p, dups := o.finish()
		// Redis died with a batch claimed (one crash, its sends
		// uncertain) or between batches (nothing in flight).
		if dups > outageWindow || p.Crashes > 1 || p.Uncertain < dups || p.Uncertain > outageWindow*p.Crashes {
			t.Errorf("%d duplicates, progress %+v; want at most %d, in at most 1 crash", dups, p, outageWindow)
		}
	})
}
