// Package statstest is the conformance suite every stats.Store backend runs
// from its own tests, the fake clock it uses, event generators and the
// shared benchmarks.
//
//	func TestConformance(t *testing.T) {
//		statstest.Run(t, func(tb testing.TB, cfg stats.Config) stats.Store { ... })
//	}
package statstest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// Opener opens an empty store with cfg. It registers with tb whatever
// cleanup the backend needs beyond Close; the suite closes the store, and
// Close must be safe to call twice.
type Opener func(tb testing.TB, cfg stats.Config) stats.Store

// Clock is a settable clock for Config.Now, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cst is the zone the suite cuts days in, UTC+8.
var cst = stats.DefaultLocation()

// Now returns the suite's "now": 2025-06-15 12:00 in UTC+8.
func Now() time.Time { return time.Date(2025, 6, 15, 12, 0, 0, 0, cst) }

// Communities returns the community keys the suite configures.
func Communities() []string { return []string{"east", "west", "幸福里"} }

// ResidentKey returns the suite's resident-hashing key.
func ResidentKey() []byte { return []byte("statstest-resident-key-0123456789") }

// Config returns the configuration the suite opens stores with, reading
// the time from clock.
func Config(clock *Clock) stats.Config {
	return stats.Config{
		Communities: Communities(),
		ResidentKey: ResidentKey(),
		Location:    cst,
		Now:         clock.Now,
	}
}

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"RecordAndQuery", testRecordAndQuery},
		{"Buckets", testBuckets},
		{"DayBoundaryInZone", testDayBoundary},
		{"Idempotent", testIdempotent},
		{"IdempotentConcurrent", testIdempotentConcurrent},
		{"InvalidEvents", testInvalidEvents},
		{"InvalidBatchRecordsNothing", testInvalidBatch},
		{"ClockSkew", testClockSkew},
		{"InvalidQueries", testInvalidQueries},
		{"UnansweredKeptRedacted", testUnanswered},
		{"QuestionRetention", testQuestionRetention},
		{"ResidentRetention", testResidentRetention},
		{"ResidentNeedsKey", testResidentNeedsKey},
		{"AnyCommunity", testAnyCommunity},
		{"Concurrent", testConcurrent},
		{"WriteReport", testWriteReport},
		{"Closed", testClosed},
		{"Activities", testActivities},
		{"Correct", testCorrect},
		{"CorrectInvalid", testCorrectInvalid},
		{"CorrectConcurrent", testCorrectConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// openStore opens a store with cfg and closes it at the end of the test.
func openStore(t *testing.T, open Opener, cfg stats.Config) stats.Store {
	t.Helper()
	s := open(t, cfg)
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, stats.ErrClosed) {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

func record(t *testing.T, s stats.Store, events ...stats.Event) {
	t.Helper()
	for _, e := range events {
		if err := s.Record(context.Background(), e); err != nil {
			t.Fatalf("Record(%s %q) = %v", e.Kind, e.ID, err)
		}
	}
}

func query(t *testing.T, s stats.Store, q stats.Query) stats.Report {
	t.Helper()
	r, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query(%v..%v) = %v", q.From, q.To, err)
	}
	return r
}

// Period returns the query for [from, to) dates in the suite's zone.
func Period(fromY int, fromM time.Month, fromD, toY int, toM time.Month, toD int, by stats.Granularity) stats.Query {
	return stats.Query{
		From: time.Date(fromY, fromM, fromD, 0, 0, 0, 0, cst),
		To:   time.Date(toY, toM, toD, 0, 0, 0, 0, cst),
		By:   by,
	}
}

// year2025 is the whole of 2025, by month.
func year2025() stats.Query { return Period(2025, 1, 1, 2026, 1, 1, stats.ByMonth) }

func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2025, month, day, hour, min, 0, 0, cst)
}

func wantCount(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

func wantMap(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s[%q] = %d, want %d (all: %v)", what, k, got[k], w, got)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != 0 {
			t.Errorf("%s[%q] = %d, want none (all: %v)", what, k, g, got)
		}
	}
}
