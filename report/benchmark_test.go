package report_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/lawbot/lawbot/internal/redistest"
	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/redisstore"
	"github.com/lawbot/lawbot/stats/statstest"
)

// benchEvents is a busy year: 100,000 events over the 364 days before
// statstest.Now.
const benchEvents = 100_000

// fillYear records a year of benchEvents into s.
func fillYear(b *testing.B, s stats.Store) {
	b.Helper()
	events := statstest.Events(benchEvents, "y", 11, 364*24*time.Hour)
	for len(events) > 0 {
		n := min(len(events), 5000)
		if err := s.RecordBatch(context.Background(), events[:n]); err != nil {
			b.Fatalf("RecordBatch() = %v", err)
		}
		events = events[n:]
	}
}

// benchYear times what `lawbot report` and `lawbot export` do for a year:
// query the store by month, then write the report or the export.
func benchYear(b *testing.B, s stats.Store) {
	fillYear(b, s)
	ctx := context.Background()
	now := statstest.Now()
	q := stats.Query{From: now.AddDate(-1, 0, 0), To: now, By: stats.ByMonth}
	run := func(b *testing.B, write func(stats.Report) error) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := s.Query(ctx, q)
			if err != nil {
				b.Fatalf("Query() = %v", err)
			}
			if r.Total.Events(stats.KindConsultation) == 0 {
				b.Fatal("Query() found no consultations")
			}
			if err := write(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("Report", func(b *testing.B) {
		run(b, func(r stats.Report) error { return report.WriteText(io.Discard, report.Build(r, now)) })
	})
	b.Run("ReportDocx", func(b *testing.B) {
		run(b, func(r stats.Report) error { return report.WriteDocx(io.Discard, report.Build(r, now), "") })
	})
	b.Run("ExportXLSX", func(b *testing.B) {
		run(b, func(r stats.Report) error { return report.ExportXLSX(io.Discard, r) })
	})
	b.Run("ExportCSV", func(b *testing.B) {
		run(b, func(r stats.Report) error { return report.ExportCSV(io.Discard, r) })
	})
}

func BenchmarkYearBolt(b *testing.B) {
	benchYear(b, openStore(b, statstest.Now()))
}

// BenchmarkYearRedis runs against LAWBOT_TEST_REDIS_URL when set, under a
// key prefix of its own (re-runs are idempotent), else a miniredis.
func BenchmarkYearRedis(b *testing.B) {
	url := redistest.URL(b)
	s, err := redisstore.Open(context.Background(), url, redisstore.Options{
		Config: statstest.Config(statstest.NewClock(statstest.Now())), Prefix: "lawbot-report-bench:",
		OutboxDir: b.TempDir(), WriteTimeout: 30 * time.Second,
	})
	if err != nil {
		b.Fatalf("redisstore.Open(%s) = %v", url, err)
	}
	b.Cleanup(func() { s.Close() })
	benchYear(b, s)
}
