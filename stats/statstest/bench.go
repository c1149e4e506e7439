package statstest

import (
	"context"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// Events returns n varied events (mostly consultations, some ratings,
// campaign reads and lectures) dated at random within spread before Now,
// each with a unique ID starting with prefix.
func Events(n int, prefix string, seed uint64, spread time.Duration) []stats.Event {
	r := rand.New(rand.NewPCG(seed, 1))
	events := make([]stats.Event, n)
	for i := range events {
		events[i] = event(r, prefix+strconv.Itoa(i), Now().Add(-time.Duration(r.Int64N(int64(spread)))))
	}
	return events
}

func event(r *rand.Rand, id string, t time.Time) stats.Event {
	com := Communities()[r.IntN(3)]
	ch := []stats.Channel{stats.ChannelTelegram, stats.ChannelTelegram, stats.ChannelWeb, stats.ChannelCLI}[r.IntN(4)]
	resident := "tg:" + strconv.Itoa(r.IntN(5000))
	switch x := r.IntN(20); {
	case x < 14:
		cat := knowledge.Categories[r.IntN(len(knowledge.Categories))].Key
		e := stats.Event{ID: id, Kind: stats.KindConsultation, Time: t, Community: com, Channel: ch, Resident: resident,
			Category: cat, Entry: cat + "-" + strconv.Itoa(r.IntN(8)), Confidence: 0.5 + r.Float64()/2}
		if x == 0 {
			e.Category, e.Entry, e.Confidence, e.Question = stats.Unanswered, "", 0, "邻居家的狗晚上一直叫，打电话13812345678也没人管"
		}
		return e
	case x < 17:
		return stats.Event{ID: id, Kind: stats.KindRating, Time: t, Community: com, Channel: ch, Resident: resident, Rating: 1 + r.IntN(5)}
	case x < 19:
		return stats.Event{ID: id, Kind: stats.KindCampaignRead, Time: t, Community: com, Channel: ch, Resident: resident, Campaign: "c" + strconv.Itoa(r.IntN(12))}
	}
	return stats.Event{ID: id, Kind: stats.KindLecture, Time: t, Community: com, Count: 10 + r.IntN(90)}
}

// Bench runs the shared benchmarks against the stores open returns:
// recording one event at a time from one goroutine and from many (where a
// backend can share commits), recording in batches of 1000, and reading a
// year's report by month. Recording reports events/s.
func Bench(b *testing.B, open Opener) {
	b.Run("RecordSerial", func(b *testing.B) { benchRecord(b, open, 1) })
	b.Run("RecordParallel64", func(b *testing.B) { benchRecord(b, open, 64) })
	b.Run("RecordParallel256", func(b *testing.B) { benchRecord(b, open, 256) })
	b.Run("RecordBatch1000", func(b *testing.B) { benchBatch(b, open, 1000) })
	b.Run("RecordBatch1000Parallel4", func(b *testing.B) { benchBatchParallel(b, open, 1000, 4) })
	b.Run("QueryYear", func(b *testing.B) { benchQueryYear(b, open) })
}

func reportRate(b *testing.B, events int) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// templates are events to record, given fresh IDs as they go. Like live
// events they happened within the last day.
func templates() []stats.Event { return Events(4096, "", 7, 24*time.Hour) }

func benchRecord(b *testing.B, open Opener, goroutines int) {
	s := open(b, Config(NewClock(Now())))
	defer s.Close()
	tmpl := templates()
	ctx := context.Background()
	b.ReportAllocs()
	if goroutines == 1 {
		n := 0
		for b.Loop() {
			e := tmpl[n%len(tmpl)]
			e.ID = "s" + strconv.Itoa(n)
			if err := s.Record(ctx, e); err != nil {
				b.Fatalf("Record() = %v", err)
			}
			n++
		}
		reportRate(b, n)
		return
	}
	var next atomic.Int64
	b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1))
			e := tmpl[n%len(tmpl)]
			e.ID = "p" + strconv.Itoa(n)
			if err := s.Record(ctx, e); err != nil {
				b.Errorf("Record() = %v", err)
				return
			}
		}
	})
	reportRate(b, b.N)
}

func benchBatch(b *testing.B, open Opener, size int) {
	s := open(b, Config(NewClock(Now())))
	defer s.Close()
	tmpl := templates()
	ctx := context.Background()
	batch := make([]stats.Event, size)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i := range batch {
			batch[i] = tmpl[n%len(tmpl)]
			batch[i].ID = "b" + strconv.Itoa(n)
			n++
		}
		if err := s.RecordBatch(ctx, batch); err != nil {
			b.Fatalf("RecordBatch() = %v", err)
		}
	}
	reportRate(b, n)
}

// benchBatchParallel records batches from several goroutines, so that
// preparing one batch overlaps with the backend storing another.
func benchBatchParallel(b *testing.B, open Opener, size, goroutines int) {
	s := open(b, Config(NewClock(Now())))
	defer s.Close()
	tmpl := templates()
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		batch := make([]stats.Event, size)
		for pb.Next() {
			for i := range batch {
				n := int(next.Add(1))
				batch[i] = tmpl[n%len(tmpl)]
				batch[i].ID = "q" + strconv.Itoa(n)
			}
			if err := s.RecordBatch(ctx, batch); err != nil {
				b.Errorf("RecordBatch() = %v", err)
				return
			}
		}
	})
	reportRate(b, int(next.Load()))
}

// benchQueryYear reads a year's report by month from a store holding a
// busy year: 60,000 events over 364 days.
func benchQueryYear(b *testing.B, open Opener) {
	s := open(b, Config(NewClock(Now())))
	defer s.Close()
	ctx := context.Background()
	events := Events(60_000, "y", 11, 364*24*time.Hour)
	for len(events) > 0 {
		n := min(len(events), 5000)
		if err := s.RecordBatch(ctx, events[:n]); err != nil {
			b.Fatalf("RecordBatch() = %v", err)
		}
		events = events[n:]
	}
	q := stats.Query{From: Now().AddDate(-1, 0, 0), To: Now(), By: stats.ByMonth}
	b.ReportAllocs()
	for b.Loop() {
		r, err := s.Query(ctx, q)
		if err != nil {
			b.Fatalf("Query() = %v", err)
		}
		if r.Total.Events(stats.KindConsultation) == 0 {
			b.Fatal("Query() found no consultations")
		}
	}
}
