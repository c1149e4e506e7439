package report_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/statstest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the output")

var cst = stats.DefaultLocation()

// fixtureNow is when the fixture year is reported: early in the next year.
var fixtureNow = time.Date(2026, 1, 10, 12, 0, 0, 0, cst)

// fixtureEvents is a fixed year, 2025, whose totals sit at the report's
// conventions: 273 consultations, 45 legal-aid referrals, 23 mediation
// requests, 12 lectures with 3,046 attendees, 5,012 leaflets, 15 banners,
// 208 households visited, 144 of 145 ratings satisfied (99.31%), 600
// campaign deliveries, 410 reads, 130 quiz answers (100 right), 37
// sign-ups, 29 check-ins. Events are spread over the months, communities and channels by
// their index, so every breakdown is known.
func fixtureEvents() []stats.Event {
	coms := statstest.Communities()
	chans := []stats.Channel{stats.ChannelTelegram, stats.ChannelTelegram, stats.ChannelWeb, stats.ChannelCLI}
	when := func(i int) time.Time {
		return time.Date(2025, time.Month(i%12+1), i%28+1, 9+i%8, 0, 0, 0, cst)
	}
	var es []stats.Event
	add := func(prefix string, n int, fill func(i int, e *stats.Event)) {
		for i := range n {
			e := stats.Event{ID: prefix + strconv.Itoa(i), Time: when(i), Community: coms[i%3]}
			fill(i, &e)
			es = append(es, e)
		}
	}
	resident := func(i int, e *stats.Event) {
		e.Channel = chans[i%4]
		e.Resident = "tg:" + strconv.Itoa(i%150)
	}
	add("c", 273, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind = stats.KindConsultation
		if i%20 == 0 {
			e.Category = stats.Unanswered
			return
		}
		e.Category = knowledge.Categories[i%5].Key
		e.Entry = e.Category + "-1"
		e.Confidence = 0.9
	})
	add("r", 145, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Rating = stats.KindRating, 4+i%2
		if i == 0 {
			e.Rating = 2
		}
	})
	add("a", 45, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Category = stats.KindLegalAid, []string{"labor", "debt", "marriage"}[i%3]
	})
	add("m", 23, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Category = stats.KindMediation, "neighbor"
	})
	campaign := func(i int) string { return []string{"civil-code", "anti-fraud"}[i%2] }
	add("d", 600, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Campaign = stats.KindCampaignDelivery, campaign(i)
	})
	add("rd", 410, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Campaign = stats.KindCampaignRead, campaign(i)
	})
	add("q", 130, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Campaign, e.Correct = stats.KindQuizAnswer, campaign(i), i < 100
	})
	add("s", 37, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Campaign = stats.KindSignup, campaign(i)
	})
	add("ci", 29, func(i int, e *stats.Event) {
		resident(i, e)
		e.Kind, e.Campaign = stats.KindCheckIn, campaign(i)
	})
	add("lec", 12, func(i int, e *stats.Event) {
		e.Kind, e.Count = stats.KindLecture, 250
		if i == 11 {
			e.Count = 296
		}
	})
	add("lf", 6, func(i int, e *stats.Event) {
		e.Kind, e.Count = stats.KindLeaflets, 1000
		if i == 5 {
			e.Count = 12
		}
	})
	add("bn", 5, func(i int, e *stats.Event) { e.Kind, e.Count = stats.KindBanners, 3 })
	add("vs", 4, func(i int, e *stats.Event) { e.Kind, e.Count = stats.KindVisits, 52 })
	return es
}

// openStore opens an empty bolt store whose clock reads now.
func openStore(tb testing.TB, now time.Time) stats.Store {
	tb.Helper()
	s, err := boltstore.Open(tb.TempDir(), boltstore.Options{Config: statstest.Config(statstest.NewClock(now))})
	if err != nil {
		tb.Fatalf("boltstore.Open() = %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// fixtureStore is a store holding fixtureEvents.
func fixtureStore(tb testing.TB) stats.Store {
	tb.Helper()
	s := openStore(tb, fixtureNow)
	if err := s.RecordBatch(context.Background(), fixtureEvents()); err != nil {
		tb.Fatalf("RecordBatch(fixture) = %v", err)
	}
	return s
}

// fixtureReport is the fixture year by month.
func fixtureReport(tb testing.TB) stats.Report {
	tb.Helper()
	r, err := fixtureStore(tb).Query(context.Background(), stats.Query{
		From: time.Date(2025, 1, 1, 0, 0, 0, 0, cst), To: time.Date(2026, 1, 1, 0, 0, 0, 0, cst), By: stats.ByMonth})
	if err != nil {
		tb.Fatalf("Query(2025) = %v", err)
	}
	return r
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the output (run go test -update and review the diff)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
