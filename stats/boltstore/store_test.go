package boltstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/statstest"
)

func openTemp(tb testing.TB, cfg stats.Config) stats.Store {
	tb.Helper()
	s, err := boltstore.Open(tb.TempDir(), boltstore.Options{Config: cfg})
	if err != nil {
		tb.Fatalf("Open() = %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	statstest.Run(t, openTemp)
}

func TestReopenKeepsCountsAndKeys(t *testing.T) {
	dir := t.TempDir()
	cfg := statstest.Config(statstest.NewClock(statstest.Now()))
	e := stats.Event{ID: "lec:1", Kind: stats.KindLecture, Time: statstest.Now(), Community: "east", Count: 40}
	for round := range 2 {
		s, err := boltstore.Open(dir, boltstore.Options{Config: cfg})
		if err != nil {
			t.Fatalf("Open(round %d) = %v", round, err)
		}
		if err := s.Record(context.Background(), e); err != nil {
			t.Fatalf("Record() = %v", err)
		}
		r, err := s.Query(context.Background(), statstest.Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal))
		if err != nil || r.Total.Quantity(stats.KindLecture) != 40 {
			t.Errorf("round %d: attendees = %d, %v, want 40 (recorded once across restarts)", round, r.Total.Quantity(stats.KindLecture), err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
	}
}

// TestNoPersonalDataOnDisk reads the raw file for resident ids and the
// personal details of a question.
func TestNoPersonalDataOnDisk(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir, boltstore.Options{Config: statstest.Config(statstest.NewClock(statstest.Now()))})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	err = s.RecordBatch(context.Background(), []stats.Event{
		{ID: "tg:1", Kind: stats.KindConsultation, Time: statstest.Now(), Community: "east", Channel: stats.ChannelTelegram,
			Resident: "tg:100", Category: stats.Unanswered, Question: statstest.PersonalText},
		{ID: "web:1", Kind: stats.KindRating, Time: statstest.Now(), Community: "west", Channel: stats.ChannelWeb, Resident: "web:abc", Rating: 4},
		{ID: "tg:2", Kind: stats.KindSignup, Time: statstest.Now(), Community: "east", Channel: stats.ChannelTelegram, Resident: "tg:200", Campaign: "c1"},
	})
	if err != nil {
		t.Fatalf("RecordBatch() = %v", err)
	}
	s.Close()
	raw, err := os.ReadFile(filepath.Join(dir, boltstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("房东不退押金怎么办")) {
		t.Fatalf("the kept question is not in the file; the test looks in the wrong place")
	}
	for _, secret := range statstest.Secrets() {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("data file contains %q", secret)
		}
	}
}
