package stats

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func rec(i int) Prepared {
	return Prepared{Kind: KindLecture, ID: fmt.Sprintf("lec:%d", i), Time: time.Unix(1750000000, 0).UTC(), Day: "2025-06-15",
		Counters: []Counter{{"ev:lecture", 1}, {"qty:lecture", int64(i)}}}
}

func recs(from, to int) []Prepared {
	var out []Prepared
	for i := from; i < to; i++ {
		out = append(out, rec(i))
	}
	return out
}

// drain replays everything and returns the IDs in the order applied.
func drain(t *testing.T, o *Outbox, chunk int) ([]string, error) {
	t.Helper()
	var ids []string
	_, err := o.Replay(context.Background(), chunk, func(_ context.Context, rs []Prepared) error {
		if len(rs) > chunk {
			t.Errorf("Replay chunk of %d, want at most %d", len(rs), chunk)
		}
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return nil
	})
	return ids, err
}

func openOutbox(t *testing.T, dir string, max int) *Outbox {
	t.Helper()
	o, err := OpenOutbox(dir, max)
	if err != nil {
		t.Fatalf("OpenOutbox() = %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func TestOutboxAppendReplay(t *testing.T) {
	dir := t.TempDir()
	o := openOutbox(t, dir, 100)
	for _, batch := range [][]Prepared{recs(0, 3), recs(3, 4), recs(4, 9)} {
		if err := o.Append(batch); err != nil {
			t.Fatalf("Append() = %v", err)
		}
	}
	if o.Pending() != 9 {
		t.Errorf("Pending() = %d, want 9", o.Pending())
	}
	ids, err := drain(t, o, 2)
	if err != nil {
		t.Fatalf("Replay() = %v", err)
	}
	if got := strings.Join(ids, ","); got != "lec:0,lec:1,lec:2,lec:3,lec:4,lec:5,lec:6,lec:7,lec:8" {
		t.Errorf("Replay() applied %s, want lec:0..lec:8 in order", got)
	}
	if o.Pending() != 0 {
		t.Errorf("Pending() after Replay = %d, want 0", o.Pending())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left after Replay: %v", left)
	}
}

func TestOutboxFull(t *testing.T) {
	o := openOutbox(t, t.TempDir(), 3)
	if err := o.Append(recs(0, 2)); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	if err := o.Append(recs(2, 4)); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("Append(over capacity) = %v, want ErrOutboxFull", err)
	}
	if o.Pending() != 2 {
		t.Errorf("Pending() = %d, want 2: a rejected batch writes nothing", o.Pending())
	}
	if ids, _ := drain(t, o, 10); len(ids) != 2 {
		t.Errorf("Replay() applied %v, want the 2 accepted", ids)
	}
}

func TestOutboxReplayFailureKeepsEvents(t *testing.T) {
	o := openOutbox(t, t.TempDir(), 100)
	if err := o.Append(recs(0, 5)); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	down := errors.New("redis down")
	calls := 0
	n, err := o.Replay(context.Background(), 2, func(context.Context, []Prepared) error {
		calls++
		if calls == 2 {
			return down
		}
		return nil
	})
	if !errors.Is(err, down) || n != 2 {
		t.Fatalf("Replay() = %d, %v, want 2 applied then the error", n, err)
	}
	if o.Pending() != 5 {
		t.Errorf("Pending() = %d, want 5: a segment goes only once all of it is applied", o.Pending())
	}
	if err := o.Append(recs(5, 6)); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	ids, err := drain(t, o, 100)
	if err != nil || len(ids) != 6 {
		t.Errorf("Replay() = %v, %v, want all 6 (the first 2 again: replay is idempotent downstream)", ids, err)
	}
}

func TestOutboxReopen(t *testing.T) {
	dir := t.TempDir()
	o, err := OpenOutbox(dir, 100)
	if err != nil {
		t.Fatalf("OpenOutbox() = %v", err)
	}
	if err := o.Append(recs(0, 4)); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	o.Close()
	// A crash in the middle of a write leaves a line without its newline.
	segs, _ := filepath.Glob(filepath.Join(dir, "outbox-*.jsonl"))
	if len(segs) != 1 {
		t.Fatalf("segments = %v, want 1", segs)
	}
	f, _ := os.OpenFile(segs[0], os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"k":"lecture","id":"torn","t":"20`)
	f.Close()

	o = openOutbox(t, dir, 100)
	if o.Pending() != 4 {
		t.Errorf("Pending() after reopen = %d, want 4", o.Pending())
	}
	if err := o.Append(recs(4, 5)); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	ids, err := drain(t, o, 100)
	if err != nil || strings.Join(ids, ",") != "lec:0,lec:1,lec:2,lec:3,lec:4" {
		t.Errorf("Replay() = %v, %v, want lec:0..lec:4 and the torn line ignored", ids, err)
	}
}

func TestOutboxCorruptLine(t *testing.T) {
	dir := t.TempDir()
	o, _ := OpenOutbox(dir, 100)
	o.Append(recs(0, 1))
	o.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "outbox-*.jsonl"))
	f, _ := os.OpenFile(segs[0], os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("garbage\n")
	f.Close()
	o = openOutbox(t, dir, 100)
	o.Append(recs(1, 2))
	ids, err := drain(t, o, 100)
	if !errors.Is(err, ErrCorrupt) || len(ids) != 2 {
		t.Errorf("Replay() = %v, %v, want both good events and ErrCorrupt for the bad line", ids, err)
	}
	if bad, _ := filepath.Glob(filepath.Join(dir, "*.bad")); len(bad) != 1 {
		t.Errorf(".bad files = %v, want the damaged segment kept", bad)
	}
	if o.Pending() != 0 {
		t.Errorf("Pending() = %d, want 0", o.Pending())
	}
}

func TestOutboxConcurrent(t *testing.T) {
	o := openOutbox(t, t.TempDir(), 10_000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if err := o.Append([]Prepared{rec(g*1000 + i)}); err != nil {
					t.Errorf("Append() = %v", err)
				}
			}
		})
	}
	// Replays running alongside the appends take only what was sealed.
	seen := map[string]bool{}
	var mu sync.Mutex
	wg.Go(func() {
		for range 5 {
			o.Replay(context.Background(), 7, func(_ context.Context, rs []Prepared) error {
				mu.Lock()
				defer mu.Unlock()
				for _, r := range rs {
					seen[r.ID] = true
				}
				return nil
			})
		}
	})
	wg.Wait()
	ids, err := drain(t, o, 100)
	if err != nil {
		t.Fatalf("Replay() = %v", err)
	}
	for _, id := range ids {
		seen[id] = true
	}
	if len(seen) != 400 || o.Pending() != 0 {
		t.Errorf("replayed %d distinct events, %d pending; want 400, 0", len(seen), o.Pending())
	}
}
