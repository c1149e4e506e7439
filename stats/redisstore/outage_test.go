package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/lawbot/lawbot/internal/redistest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/redisstore"
	"github.com/lawbot/lawbot/stats/statstest"
)

func lecture(i int) stats.Event {
	return stats.Event{ID: fmt.Sprintf("lec:%d", i), Kind: stats.KindLecture, Time: statstest.Now(), Community: "east", Count: 1}
}

func consultation(i int) stats.Event {
	return stats.Event{ID: fmt.Sprintf("tg:%d", i), Kind: stats.KindConsultation, Time: statstest.Now().Add(-time.Duration(i) * time.Second),
		Community: statstest.Communities()[i%3], Channel: stats.ChannelTelegram, Resident: fmt.Sprintf("tg:%d", i%97),
		Category: "labor", Confidence: 0.9}
}

var june = statstest.Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal)

func waitHealthy(t *testing.T, s *redisstore.Store, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if h := s.Health(); !h.Degraded && h.Pending == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("Health() = %v after %v, want recovered", s.Health(), within)
}

func total(t *testing.T, s stats.Store) stats.Counts {
	t.Helper()
	r, err := s.Query(context.Background(), june)
	if err != nil {
		t.Fatalf("Query() = %v", err)
	}
	return r.Total
}

func openOutage(t *testing.T, url, dir string, outboxMax int) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), url, redisstore.Options{
		Config:    statstest.Config(statstest.NewClock(statstest.Now())),
		OutboxDir: dir, OutboxMax: outboxMax,
		WriteTimeout: 150 * time.Millisecond, RetryInterval: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestOutageMiniredis takes an in-process Redis down and up again.
func TestOutageMiniredis(t *testing.T) {
	mr := miniredis.RunT(t)
	s := openOutage(t, "redis://"+mr.Addr(), t.TempDir(), 1000)
	ctx := context.Background()
	for i := range 10 {
		if err := s.Record(ctx, lecture(i)); err != nil {
			t.Fatalf("Record() = %v", err)
		}
	}
	mr.Close()
	for i := 10; i < 30; i++ {
		start := time.Now()
		if err := s.Record(ctx, lecture(i)); err != nil {
			t.Fatalf("Record() while Redis is down = %v, want the outbox to take it", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Record() while Redis is down took %v, want about the write timeout", d)
		}
	}
	h := s.Health()
	if !h.Degraded || h.Pending != 20 || !strings.Contains(h.String(), "degraded since") || !strings.Contains(h.String(), "20 events pending") {
		t.Errorf("Health() = %q, want degraded with 20 pending", h)
	}
	if err := mr.Restart(); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	waitHealthy(t, s, 10*time.Second)
	for i := range 30 { // redelivered: nothing counts twice
		if err := s.Record(ctx, lecture(i)); err != nil {
			t.Fatalf("Record(again) = %v", err)
		}
	}
	if got := total(t, s).Quantity(stats.KindLecture); got != 30 {
		t.Errorf("attendees = %d, want 30", got)
	}
	// The lectures that waited in the outbox are listed once each too.
	acts, err := s.Activities(ctx, 100)
	if err != nil {
		t.Fatalf("Activities() = %v", err)
	}
	ids := map[string]bool{}
	for _, a := range acts {
		ids[a.ID] = true
	}
	if len(acts) != 30 || len(ids) != 30 {
		t.Errorf("Activities() lists %d (%d distinct), want the 30 lectures once each", len(acts), len(ids))
	}
}

func TestOutboxFull(t *testing.T) {
	mr := miniredis.RunT(t)
	url := "redis://" + mr.Addr()
	mr.Close()
	s := openOutage(t, url, t.TempDir(), 5)
	ctx := context.Background()
	if h := s.Health(); !h.Degraded {
		t.Errorf("Health() with Redis down at Open = %v, want degraded", h)
	}
	for i := range 5 {
		if err := s.Record(ctx, lecture(i)); err != nil {
			t.Fatalf("Record(%d) = %v", i, err)
		}
	}
	if err := s.Record(ctx, lecture(5)); !errors.Is(err, stats.ErrOutboxFull) {
		t.Fatalf("Record() into a full outbox = %v, want ErrOutboxFull", err)
	}
	if h := s.Health(); !h.Full || !strings.Contains(h.String(), "OUTBOX FULL") {
		t.Errorf("Health() = %q, want the full outbox said loudly", h)
	}
	if err := mr.Restart(); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	waitHealthy(t, s, 10*time.Second)
	if err := s.Record(ctx, lecture(5)); err != nil {
		t.Fatalf("Record() after recovery = %v", err)
	}
	if got := total(t, s).Quantity(stats.KindLecture); got != 6 {
		t.Errorf("attendees = %d, want 6", got)
	}
}

// TestOutboxSurvivesRestart: events in the outbox when lawbot stops are
// replayed by the next process.
func TestOutboxSurvivesRestart(t *testing.T) {
	mr := miniredis.RunT(t)
	url, dir := "redis://"+mr.Addr(), t.TempDir()
	mr.Close()
	s := openOutage(t, url, dir, 100)
	for i := range 7 {
		if err := s.Record(context.Background(), lecture(i)); err != nil {
			t.Fatalf("Record() = %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := mr.Restart(); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	s = openOutage(t, url, dir, 100)
	waitHealthy(t, s, 10*time.Second)
	if got := total(t, s).Quantity(stats.KindLecture); got != 7 {
		t.Errorf("attendees after the next process replayed = %d, want 7", got)
	}
}

// redisServer runs redis-server on port with its data in dir, persisting
// every write before answering, so that a killed server keeps what it
// acknowledged.
func redisServer(t *testing.T, port int, dir string) *exec.Cmd {
	t.Helper()
	return redistest.Run(t, port, "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no")
}

// TestRedisOutage kills a real redis-server while residents are being
// counted, restarts it, and checks that every event is counted exactly once.
func TestRedisOutage(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed; the outage test needs a real server it can kill")
	}
	port, dir := redistest.FreePort(t), t.TempDir()
	server := redisServer(t, port, dir)
	s := openOutage(t, fmt.Sprintf("redis://127.0.0.1:%d/0", port), t.TempDir(), 10_000)
	ctx := context.Background()

	const workers, perWorker = 4, 400
	var recorded atomic.Int64
	var slowest atomic.Int64
	killed := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				start := time.Now()
				if err := s.Record(ctx, consultation(w*perWorker+i)); err != nil {
					errs <- err
					return
				}
				if d := int64(time.Since(start)); d > slowest.Load() {
					slowest.Store(d)
				}
				if recorded.Add(1) == workers*perWorker/4 {
					close(killed)
				}
			}
		})
	}
	<-killed
	if err := server.Process.Kill(); err != nil {
		t.Fatalf("kill redis-server: %v", err)
	}
	server.Wait()
	time.Sleep(300 * time.Millisecond)
	if h := s.Health(); !h.Degraded || h.Pending == 0 {
		t.Errorf("Health() with redis-server killed = %v, want degraded with events pending", h)
	} else {
		t.Logf("after the kill: %v", h)
	}
	redisServer(t, port, dir)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Record() during the outage = %v", err)
	}
	if d := time.Duration(slowest.Load()); d > 2*time.Second {
		t.Errorf("slowest Record() took %v, want about the write timeout", d)
	}
	waitHealthy(t, s, 30*time.Second)

	// Redelivered events, as after a bot restart, count nothing.
	for i := 0; i < workers*perWorker; i += 5 {
		if err := s.Record(ctx, consultation(i)); err != nil {
			t.Fatalf("Record(redelivered) = %v", err)
		}
	}
	c := total(t, s)
	if got := c.Events(stats.KindConsultation); got != workers*perWorker {
		t.Errorf("consultations = %d, want %d: every event exactly once", got, workers*perWorker)
	}
	if c.Residents != 97 {
		t.Errorf("residents = %d, want 97", c.Residents)
	}
	var byCommunity int64
	for _, n := range c.EventsBy(stats.KindConsultation, stats.DimCommunity) {
		byCommunity += n
	}
	if byCommunity != workers*perWorker {
		t.Errorf("consultations by community sum to %d, want %d", byCommunity, workers*perWorker)
	}
}

// TestNoOutbox: without an outbox a write fails, quickly, while Redis is
// down, and works again once it is back.
func TestNoOutbox(t *testing.T) {
	mr := miniredis.RunT(t)
	s, err := redisstore.Open(context.Background(), "redis://"+mr.Addr(), redisstore.Options{
		Config:       statstest.Config(statstest.NewClock(statstest.Now())),
		WriteTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Record(ctx, lecture(1)); err != nil {
		t.Fatalf("Record() = %v", err)
	}
	mr.Close()
	start := time.Now()
	if err := s.Record(ctx, lecture(2)); err == nil {
		t.Errorf("Record() with Redis down and no outbox = nil, want an error")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Record() with Redis down took %v, want about the write timeout", d)
	}
	if h := s.Health(); h.Degraded || h.Pending != 0 {
		t.Errorf("Health() = %v, want no outbox state", h)
	}
	if err := mr.Restart(); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	if err := s.Record(ctx, lecture(2)); err != nil {
		t.Fatalf("Record() after restart = %v", err)
	}
	if got := total(t, s).Quantity(stats.KindLecture); got != 2 {
		t.Errorf("attendees = %d, want 2", got)
	}
}
