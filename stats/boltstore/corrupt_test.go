package boltstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/statstest"
	bolt "go.etcd.io/bbolt"
)

func options() boltstore.Options {
	return boltstore.Options{Config: statstest.Config(statstest.NewClock(statstest.Now()))}
}

// fill writes a few hundred events so that the file has data pages.
func fill(t *testing.T, dir string) {
	t.Helper()
	s, err := boltstore.Open(dir, options())
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	var events []stats.Event
	for i := range 2000 {
		events = append(events, stats.Event{ID: fmt.Sprintf("tg:%d", i), Kind: stats.KindConsultation,
			Time: statstest.Now().Add(-time.Duration(i) * time.Hour), Community: "east", Channel: stats.ChannelTelegram,
			Resident: fmt.Sprintf("tg:%d", i), Category: "labor", Confidence: 0.9})
	}
	if err := s.RecordBatch(context.Background(), events); err != nil {
		t.Fatalf("RecordBatch() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
}

func TestCorruptFile(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 16384)
			rand.Read(b)
			os.WriteFile(path, b, 0o600)
		}, ""},
		{"a text file", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("this is not a database\n"), 0o600)
		}, ""},
		{"someone else's bolt file", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("sessions")); return err })
			db.Close()
		}, "not a lawbot statistics file"},
		{"newer format", func(t *testing.T, path string) {
			fill(t, filepath.Dir(path))
			db, _ := bolt.Open(path, 0o600, nil)
			db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("lawbot-stats/9"))
			})
			db.Close()
		}, "lawbot-stats/9"},
		{"truncated", func(t *testing.T, path string) {
			fill(t, filepath.Dir(path))
			info, _ := os.Stat(path)
			os.Truncate(path, info.Size()/2)
		}, "bytes"},
		{"damaged pages", func(t *testing.T, path string) {
			fill(t, filepath.Dir(path))
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			junk := make([]byte, 4096*8)
			rand.Read(junk)
			f.WriteAt(junk, 4096*4)
			f.Close()
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, boltstore.FileName)
			tt.damage(t, path)
			s, err := boltstore.Open(dir, options())
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) = nil error, want ErrCorrupt", tt.name)
			}
			t.Logf("Open(%s) = %v", tt.name, err)
			if !errors.Is(err, stats.ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%s) = %v, want ErrCorrupt naming %s and %q", tt.name, err, path, tt.want)
			}
		})
	}
}

func TestCorruptCounter(t *testing.T) {
	dir := t.TempDir()
	fill(t, dir)
	db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("counters")).Put([]byte("2025-06-15\x00ev:consultation"), []byte{1, 2, 3})
	})
	db.Close()
	s, err := boltstore.Open(dir, options())
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer s.Close()
	_, err = s.Query(context.Background(), statstest.Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal))
	if !errors.Is(err, stats.ErrCorrupt) {
		t.Errorf("Query(over a 3-byte counter) = %v, want ErrCorrupt", err)
	}
	e := stats.Event{ID: "new", Kind: stats.KindConsultation, Time: statstest.Now(), Community: "east",
		Channel: stats.ChannelWeb, Category: "labor", Confidence: 1}
	if err := s.Record(context.Background(), e); !errors.Is(err, stats.ErrCorrupt) {
		t.Errorf("Record(onto a 3-byte counter) = %v, want ErrCorrupt, not a silently reset counter", err)
	}
}

// TestSecondProcess opens the file in this process and again in a child
// process, which must fail with ErrLocked within 2 seconds.
func TestSecondProcess(t *testing.T) {
	if dir := os.Getenv("BOLTSTORE_TEST_SECOND_PROCESS"); dir != "" {
		start := time.Now()
		_, err := boltstore.Open(dir, options())
		fmt.Printf("locked=%v after=%v err=%v\n", errors.Is(err, stats.ErrLocked), time.Since(start).Round(time.Millisecond), err)
		return
	}
	dir := t.TempDir()
	s, err := boltstore.Open(dir, options())
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcess$")
	// GORACE: a race-enabled binary otherwise sleeps a second at exit.
	cmd.Env = append(os.Environ(), "BOLTSTORE_TEST_SECOND_PROCESS="+dir, "GORACE=atexit_sleep_ms=0")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("second process: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`locked=(\w+) after=(\S+)`).FindStringSubmatch(string(out))
	if m == nil || m[1] != "true" || !strings.Contains(string(out), "another lawbot") {
		t.Fatalf("second process got:\n%s\nwant ErrLocked saying another lawbot holds the file", out)
	}
	if d, err := time.ParseDuration(m[2]); err != nil || d >= 2*time.Second {
		t.Errorf("second process Open failed after %s, want under 2s", m[2])
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second process ran %v, want it to give up quickly", d)
	}

	// In this process too: a second handle on the same file waits its
	// lock timeout, then fails.
	start = time.Now()
	opts := options()
	opts.LockTimeout = 200 * time.Millisecond
	if _, err := boltstore.Open(dir, opts); !errors.Is(err, stats.ErrLocked) || time.Since(start) > time.Second {
		t.Errorf("second Open() = %v after %v, want ErrLocked within 1s", err, time.Since(start))
	}
}
