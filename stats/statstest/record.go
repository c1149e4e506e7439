package statstest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/lawbot/lawbot/stats"
)

const campaign = "civil-code-2025"

// sampleEvents is one of everything, in May and June 2025.
func sampleEvents() []stats.Event {
	tg, web, cli := stats.ChannelTelegram, stats.ChannelWeb, stats.ChannelCLI
	return []stats.Event{
		{ID: "tg:1", Kind: stats.KindConsultation, Time: at(5, 10, 9, 0), Community: "east", Channel: tg, Resident: "tg:100", Category: "marriage", Entry: "marriage-divorce", Confidence: 0.9},
		{ID: "tg:2", Kind: stats.KindConsultation, Time: at(5, 11, 9, 0), Community: "east", Channel: tg, Resident: "tg:100", Category: "marriage", Entry: "marriage-divorce", Confidence: 0.8},
		{ID: "tg:3", Kind: stats.KindConsultation, Time: at(6, 1, 9, 0), Community: "east", Channel: tg, Resident: "tg:200", Category: "marriage", Entry: "marriage-property", Confidence: 0.95},
		{ID: "web:1", Kind: stats.KindConsultation, Time: at(6, 2, 9, 0), Community: "west", Channel: web, Resident: "web:abc", Category: "labor", Entry: "labor-wages", Confidence: 0.7},
		{ID: "cli:1", Kind: stats.KindConsultation, Time: at(6, 3, 9, 0), Community: "幸福里", Channel: cli, Category: stats.Unanswered, Question: "宠物咬人谁负责？"},
		{ID: "tg:4", Kind: stats.KindRating, Time: at(6, 1, 10, 0), Community: "east", Channel: tg, Resident: "tg:200", Rating: 5},
		{ID: "web:2", Kind: stats.KindRating, Time: at(6, 2, 10, 0), Community: "west", Channel: web, Resident: "web:abc", Rating: 4},
		{ID: "tg:5", Kind: stats.KindRating, Time: at(5, 11, 10, 0), Community: "east", Channel: tg, Resident: "tg:100", Rating: 2},
		{ID: "web:3", Kind: stats.KindLegalAid, Time: at(6, 2, 11, 0), Community: "west", Channel: web, Resident: "web:abc", Category: "labor"},
		{ID: "tg:6", Kind: stats.KindMediation, Time: at(6, 4, 11, 0), Community: "east", Channel: tg, Resident: "tg:200", Category: "neighbor"},
		{ID: "d:100", Kind: stats.KindCampaignDelivery, Time: at(6, 5, 8, 0), Community: "east", Channel: tg, Resident: "tg:100", Campaign: campaign},
		{ID: "d:200", Kind: stats.KindCampaignDelivery, Time: at(6, 5, 8, 0), Community: "east", Channel: tg, Resident: "tg:200", Campaign: campaign},
		{ID: "r:100", Kind: stats.KindCampaignRead, Time: at(6, 5, 9, 0), Community: "east", Channel: tg, Resident: "tg:100", Campaign: campaign},
		{ID: "q:100", Kind: stats.KindQuizAnswer, Time: at(6, 5, 9, 5), Community: "east", Channel: tg, Resident: "tg:100", Campaign: campaign, Correct: true},
		{ID: "q:200", Kind: stats.KindQuizAnswer, Time: at(6, 5, 9, 6), Community: "east", Channel: tg, Resident: "tg:200", Campaign: campaign},
		{ID: "s:200", Kind: stats.KindSignup, Time: at(6, 5, 9, 7), Community: "east", Channel: tg, Resident: "tg:200", Campaign: campaign},
		{ID: "ci:200", Kind: stats.KindCheckIn, Time: at(6, 8, 14, 0), Community: "east", Channel: tg, Resident: "tg:200", Campaign: campaign},
		{ID: "lec:1", Kind: stats.KindLecture, Time: at(5, 20, 15, 0), Community: "east", Category: "domestic_violence", Count: 30},
		{ID: "lec:2", Kind: stats.KindLecture, Time: at(6, 6, 15, 0), Community: "west", Count: 45},
		{ID: "lf:1", Kind: stats.KindLeaflets, Time: at(6, 6, 15, 0), Community: "east", Count: 500},
		{ID: "bn:1", Kind: stats.KindBanners, Time: at(6, 6, 15, 0), Community: "west", Count: 3},
		{ID: "vs:1", Kind: stats.KindVisits, Time: at(6, 7, 15, 0), Community: "幸福里", Count: 12},
	}
}

func testRecordAndQuery(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	record(t, s, sampleEvents()...)
	r := query(t, s, year2025())
	c := r.Total

	wantCount(t, "Events(consultation)", c.Events(stats.KindConsultation), 5)
	wantMap(t, "consultations by category", c.EventsBy(stats.KindConsultation, stats.DimCategory),
		map[string]int64{"marriage": 3, "labor": 1, stats.Unanswered: 1})
	wantMap(t, "consultations by community", c.EventsBy(stats.KindConsultation, stats.DimCommunity),
		map[string]int64{"east": 3, "west": 1, "幸福里": 1})
	wantMap(t, "consultations by channel", c.EventsBy(stats.KindConsultation, stats.DimChannel),
		map[string]int64{"telegram": 3, "web": 1, "cli": 1})
	wantMap(t, "consultations by entry", c.EventsBy(stats.KindConsultation, stats.DimEntry),
		map[string]int64{"marriage-divorce": 2, "marriage-property": 1, "labor-wages": 1})
	wantMap(t, "consultations by confidence", c.EventsBy(stats.KindConsultation, stats.DimConfidence),
		map[string]int64{"ok": 4, "low": 1})

	wantCount(t, "Events(rating)", c.Events(stats.KindRating), 3)
	wantCount(t, "Quantity(rating)", c.Quantity(stats.KindRating), 11)
	wantMap(t, "ratings by score", c.EventsBy(stats.KindRating, stats.DimScore), map[string]int64{"5": 1, "4": 1, "2": 1})
	if rate, n := c.Satisfaction(); n != 3 || math.Abs(rate-2.0/3) > 1e-9 {
		t.Errorf("Satisfaction() = %v, %d, want 0.667, 3", rate, n)
	}
	wantCount(t, "Events(legal_aid)", c.Events(stats.KindLegalAid), 1)
	wantMap(t, "legal aid by category", c.EventsBy(stats.KindLegalAid, stats.DimCategory), map[string]int64{"labor": 1})
	wantCount(t, "Events(mediation)", c.Events(stats.KindMediation), 1)

	wantMap(t, "deliveries by campaign", c.EventsBy(stats.KindCampaignDelivery, stats.DimCampaign), map[string]int64{campaign: 2})
	wantCount(t, "Events(campaign_read)", c.Events(stats.KindCampaignRead), 1)
	wantMap(t, "quiz answers by result", c.EventsBy(stats.KindQuizAnswer, stats.DimResult), map[string]int64{"correct": 1, "wrong": 1})
	wantCount(t, "Events(signup)", c.Events(stats.KindSignup), 1)
	wantCount(t, "Events(checkin)", c.Events(stats.KindCheckIn), 1)
	wantMap(t, "check-ins by campaign", c.EventsBy(stats.KindCheckIn, stats.DimCampaign), map[string]int64{campaign: 1})
	wantMap(t, "check-ins by community", c.EventsBy(stats.KindCheckIn, stats.DimCommunity), map[string]int64{"east": 1})
	wantMap(t, "check-ins by channel", c.EventsBy(stats.KindCheckIn, stats.DimChannel), map[string]int64{"telegram": 1})

	wantCount(t, "Events(lecture)", c.Events(stats.KindLecture), 2)
	wantCount(t, "Quantity(lecture)", c.Quantity(stats.KindLecture), 75)
	wantMap(t, "attendees by community", c.QuantityBy(stats.KindLecture, stats.DimCommunity), map[string]int64{"east": 30, "west": 45})
	wantCount(t, "Quantity(leaflets)", c.Quantity(stats.KindLeaflets), 500)
	wantCount(t, "Quantity(banners)", c.Quantity(stats.KindBanners), 3)
	wantCount(t, "Quantity(visits)", c.Quantity(stats.KindVisits), 12)
	wantCount(t, "Residents", c.Residents, 3)

	if len(r.Buckets) != 12 {
		t.Fatalf("len(Buckets) = %d, want 12 months", len(r.Buckets))
	}
	may, june := r.Buckets[4].Counts, r.Buckets[5].Counts
	if got := r.Buckets[4].Start; !got.Equal(at(5, 1, 0, 0)) {
		t.Errorf("Buckets[4].Start = %v, want 2025-05-01", got)
	}
	wantCount(t, "May consultations", may.Events(stats.KindConsultation), 2)
	wantCount(t, "May residents", may.Residents, 1)
	wantCount(t, "May attendees", may.Quantity(stats.KindLecture), 30)
	wantCount(t, "June consultations", june.Events(stats.KindConsultation), 3)
	wantCount(t, "June residents", june.Residents, 3)
	wantCount(t, "March consultations", r.Buckets[2].Counts.Events(stats.KindConsultation), 0)

	empty := query(t, s, Period(2024, 1, 1, 2025, 1, 1, stats.ByTotal))
	wantCount(t, "2024 consultations", empty.Total.Events(stats.KindConsultation), 0)
	wantCount(t, "2024 residents", empty.Total.Residents, 0)
}

func testBuckets(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	for d := 1; d <= 7; d++ {
		for i := range d {
			record(t, s, stats.Event{ID: fmt.Sprintf("b:%d:%d", d, i), Kind: stats.KindConsultation, Time: at(6, d, 10, i),
				Community: "east", Channel: stats.ChannelWeb, Category: "debt", Confidence: 1})
		}
	}
	// Bounds inside a day are rounded out to whole days.
	q := stats.Query{From: at(6, 2, 13, 0), To: at(6, 5, 9, 0), By: stats.ByDay}
	r := query(t, s, q)
	if !r.From.Equal(at(6, 2, 0, 0)) || !r.To.Equal(at(6, 6, 0, 0)) {
		t.Errorf("Query(%v..%v) covers %v..%v, want 06-02..06-06", q.From, q.To, r.From, r.To)
	}
	if len(r.Buckets) != 4 {
		t.Fatalf("len(Buckets) = %d, want 4 days", len(r.Buckets))
	}
	for i, b := range r.Buckets {
		wantCount(t, fmt.Sprintf("day %s", b.Start.Format("01-02")), b.Counts.Events(stats.KindConsultation), int64(i+2))
		if !b.End.Equal(b.Start.AddDate(0, 0, 1)) {
			t.Errorf("Buckets[%d] = %v..%v, want one day", i, b.Start, b.End)
		}
	}
	wantCount(t, "total 06-02..06-05", r.Total.Events(stats.KindConsultation), 2+3+4+5)

	r = query(t, s, Period(2024, 7, 1, 2025, 7, 1, stats.ByYear))
	if len(r.Buckets) != 2 || !r.Buckets[1].Start.Equal(at(1, 1, 0, 0)) || !r.Buckets[0].Start.Equal(r.From) {
		t.Fatalf("ByYear buckets = %+v, want 2024-07-01 and 2025-01-01", r.Buckets)
	}
	wantCount(t, "2025 bucket", r.Buckets[1].Counts.Events(stats.KindConsultation), 28)

	r = query(t, s, Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal))
	if len(r.Buckets) != 0 {
		t.Errorf("ByTotal gave %d buckets, want none", len(r.Buckets))
	}
	wantCount(t, "June total", r.Total.Events(stats.KindConsultation), 28)
}

func testDayBoundary(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	// 23:30 on 31 May in UTC+8 is 15:30 UTC; 00:10 on 1 June is 16:10 UTC
	// the day before: days are cut in the store's zone, not in UTC.
	record(t, s,
		stats.Event{ID: "late", Kind: stats.KindConsultation, Time: at(5, 31, 23, 30).UTC(), Community: "east", Channel: stats.ChannelWeb, Category: "debt", Confidence: 1},
		stats.Event{ID: "early", Kind: stats.KindConsultation, Time: at(6, 1, 0, 10).UTC(), Community: "east", Channel: stats.ChannelWeb, Category: "debt", Confidence: 1},
	)
	r := query(t, s, Period(2025, 5, 1, 2025, 7, 1, stats.ByMonth))
	wantCount(t, "May", r.Buckets[0].Counts.Events(stats.KindConsultation), 1)
	wantCount(t, "June", r.Buckets[1].Counts.Events(stats.KindConsultation), 1)
}

func testIdempotent(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	ctx := context.Background()
	e := sampleEvents()[0]
	record(t, s, e, e, e)
	changed := e
	changed.Community = "west" // a redelivery never re-counts, whatever it carries
	record(t, s, changed)
	e2 := sampleEvents()[1]
	if err := s.RecordBatch(ctx, []stats.Event{e, e2, e2}); err != nil {
		t.Fatalf("RecordBatch() = %v", err)
	}
	rating := stats.Event{ID: e.ID, Kind: stats.KindRating, Time: e.Time, Community: "east", Channel: e.Channel, Resident: e.Resident, Rating: 5}
	record(t, s, rating) // same ID, other kind: another event
	c := query(t, s, year2025()).Total
	wantCount(t, "Events(consultation)", c.Events(stats.KindConsultation), 2)
	wantMap(t, "by community", c.EventsBy(stats.KindConsultation, stats.DimCommunity), map[string]int64{"east": 2})
	wantCount(t, "Events(rating)", c.Events(stats.KindRating), 1)
}

func testIdempotentConcurrent(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	events := sampleEvents()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 16 {
		wg.Go(func() {
			if g%2 == 0 {
				errs <- s.RecordBatch(context.Background(), events)
				return
			}
			for _, e := range events {
				if err := s.Record(context.Background(), e); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Record = %v", err)
		}
	}
	c := query(t, s, year2025()).Total
	wantCount(t, "Events(consultation)", c.Events(stats.KindConsultation), 5)
	wantCount(t, "Events(checkin)", c.Events(stats.KindCheckIn), 1)
	wantCount(t, "Quantity(lecture)", c.Quantity(stats.KindLecture), 75)
}

func testConcurrent(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	event := func(g, i int) stats.Event {
		n := g*1000 + i
		return stats.Event{ID: fmt.Sprintf("c:%d", n), Kind: stats.KindConsultation, Time: at(6, 1+n%14, 10, 0),
			Community: Communities()[n%3], Channel: stats.ChannelTelegram, Resident: fmt.Sprintf("tg:%d", n%50),
			Category: "rental", Confidence: 0.9}
	}
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				if err := s.Record(context.Background(), event(g, i)); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	for g := 8; g < 12; g++ {
		wg.Go(func() {
			for b := range 5 {
				batch := make([]stats.Event, 20)
				for i := range batch {
					batch[i] = event(g, b*20+i)
				}
				if err := s.RecordBatch(context.Background(), batch); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("concurrent recording: %v", firstErr)
	}
	c := query(t, s, year2025()).Total
	wantCount(t, "Events(consultation)", c.Events(stats.KindConsultation), 8*100+4*100)
	wantCount(t, "Residents", c.Residents, 50)
}

func testWriteReport(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	record(t, s, sampleEvents()...)
	var b strings.Builder
	if err := stats.WriteReport(context.Background(), &b, s, year2025()); err != nil {
		t.Fatalf("WriteReport() = %v", err)
	}
	want := map[string][]string{
		"marriage":         {"marriage", "3", "婚姻家庭"},
		"consultation":     {"consultation", "5", "咨询"},
		"unique residents": {"unique", "residents", "3"},
		"2025-06":          {"2025-06", "3", "1", "3", "1", "1", "2", "1", "45"},
	}
	lines := strings.Split(b.String(), "\n")
	for key, fields := range want {
		found := false
		for _, l := range lines {
			if f := strings.Fields(l); strings.HasPrefix(strings.TrimSpace(l), key) && strings.Join(f, " ") == strings.Join(fields, " ") {
				found = true
			}
		}
		if !found {
			t.Errorf("WriteReport() has no line %q; output:\n%s", strings.Join(fields, " "), b.String())
		}
	}
}

func testClosed(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	ctx := context.Background()
	if err := s.Record(ctx, sampleEvents()[0]); !errors.Is(err, stats.ErrClosed) {
		t.Errorf("Record after Close = %v, want ErrClosed", err)
	}
	if err := s.RecordBatch(ctx, sampleEvents()); !errors.Is(err, stats.ErrClosed) {
		t.Errorf("RecordBatch after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Query(ctx, year2025()); !errors.Is(err, stats.ErrClosed) {
		t.Errorf("Query after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Unanswered(ctx, year2025(), 10); !errors.Is(err, stats.ErrClosed) {
		t.Errorf("Unanswered after Close = %v, want ErrClosed", err)
	}
}
