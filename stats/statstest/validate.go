package statstest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// validConsultation is a consultation every store accepts.
func validConsultation(id string) stats.Event {
	return stats.Event{ID: id, Kind: stats.KindConsultation, Time: at(6, 1, 9, 0), Community: "east",
		Channel: stats.ChannelTelegram, Resident: "tg:1", Category: "labor", Confidence: 0.9}
}

func validLecture(id string, attendees int) stats.Event {
	return stats.Event{ID: id, Kind: stats.KindLecture, Time: at(6, 1, 9, 0), Community: "east", Count: attendees}
}

// invalidEvents are events every store must reject with stats.ErrInvalid.
func invalidEvents() map[string]stats.Event {
	with := func(e stats.Event, f func(*stats.Event)) stats.Event { f(&e); return e }
	c := validConsultation("bad")
	l := validLecture("bad", 10)
	return map[string]stats.Event{
		"unknown kind":           with(c, func(e *stats.Event) { e.Kind = "visit_to_moon" }),
		"empty id":               with(c, func(e *stats.Event) { e.ID = "" }),
		"id with space":          with(c, func(e *stats.Event) { e.ID = "tg 1" }),
		"id too long":            with(c, func(e *stats.Event) { e.ID = strings.Repeat("x", 200) }),
		"zero time":              with(c, func(e *stats.Event) { e.Time = time.Time{} }),
		"time before 2000":       with(c, func(e *stats.Event) { e.Time = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC) }),
		"dated next year":        with(c, func(e *stats.Event) { e.Time = Now().AddDate(1, 0, 0) }),
		"unknown community":      with(c, func(e *stats.Event) { e.Community = "north" }),
		"empty community":        with(c, func(e *stats.Event) { e.Community = "" }),
		"unknown channel":        with(c, func(e *stats.Event) { e.Channel = "sms" }),
		"no channel":             with(c, func(e *stats.Event) { e.Channel = "" }),
		"offline with channel":   with(l, func(e *stats.Event) { e.Channel = stats.ChannelWeb }),
		"offline with resident":  with(l, func(e *stats.Event) { e.Resident = "tg:1" }),
		"no category":            with(c, func(e *stats.Event) { e.Category = "" }),
		"unknown category":       with(c, func(e *stats.Event) { e.Category = "astrology" }),
		"unanswered with entry":  with(c, func(e *stats.Event) { e.Category = stats.Unanswered; e.Entry = "labor-wages" }),
		"confidence above 1":     with(c, func(e *stats.Event) { e.Confidence = 1.5 }),
		"negative confidence":    with(c, func(e *stats.Event) { e.Confidence = -0.1 }),
		"NaN confidence":         with(c, func(e *stats.Event) { e.Confidence = math.NaN() }),
		"rating 0":               {ID: "r", Kind: stats.KindRating, Time: at(6, 1, 9, 0), Community: "east", Channel: stats.ChannelWeb},
		"rating 6":               {ID: "r", Kind: stats.KindRating, Time: at(6, 1, 9, 0), Community: "east", Channel: stats.ChannelWeb, Rating: 6},
		"rating on consultation": with(c, func(e *stats.Event) { e.Rating = 5 }),
		"delivery w/o campaign":  {ID: "d", Kind: stats.KindCampaignDelivery, Time: at(6, 1, 9, 0), Community: "east", Channel: stats.ChannelWeb},
		"check-in w/o campaign":  {ID: "ci", Kind: stats.KindCheckIn, Time: at(6, 1, 9, 0), Community: "east", Channel: stats.ChannelTelegram},
		"check-in w/o channel":   {ID: "ci", Kind: stats.KindCheckIn, Time: at(6, 1, 9, 0), Community: "east", Campaign: "x"},
		"check-in with count":    {ID: "ci", Kind: stats.KindCheckIn, Time: at(6, 1, 9, 0), Community: "east", Channel: stats.ChannelTelegram, Campaign: "x", Count: 30},
		"correct on check-in":    {ID: "ci", Kind: stats.KindCheckIn, Time: at(6, 1, 9, 0), Community: "east", Channel: stats.ChannelTelegram, Campaign: "x", Correct: true},
		"campaign on consult":    with(c, func(e *stats.Event) { e.Campaign = "x" }),
		"correct on consult":     with(c, func(e *stats.Event) { e.Correct = true }),
		"question on rating":     {ID: "r", Kind: stats.KindRating, Time: at(6, 1, 9, 0), Community: "east", Channel: stats.ChannelWeb, Rating: 3, Question: "?"},
		"count on consultation":  with(c, func(e *stats.Event) { e.Count = 3 }),
		"negative attendees":     with(l, func(e *stats.Event) { e.Count = -5 }),
		"lecture without count":  with(l, func(e *stats.Event) { e.Count = 0 }),
		"a billion leaflets":     {ID: "lf", Kind: stats.KindLeaflets, Time: at(6, 1, 9, 0), Community: "east", Count: 1_000_000_000},
		"5000 banners":           {ID: "bn", Kind: stats.KindBanners, Time: at(6, 1, 9, 0), Community: "east", Count: 5000},
		"huge resident id":       with(c, func(e *stats.Event) { e.Resident = strings.Repeat("9", 300) }),
		"place on consultation":  with(c, func(e *stats.Event) { e.Place = "社区活动室" }),
		"place too long":         with(l, func(e *stats.Event) { e.Place = strings.Repeat("室", stats.MaxPlace+1) }),
		"place with newline":     with(l, func(e *stats.Event) { e.Place = "活动室\n二楼" }),
	}
}

func testInvalidEvents(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	for name, e := range invalidEvents() {
		t.Run(name, func(t *testing.T) {
			if err := s.Record(context.Background(), e); !errors.Is(err, stats.ErrInvalid) {
				t.Errorf("Record(%+v) = %v, want ErrInvalid", e, err)
			}
		})
	}
	r := query(t, s, Period(2000, 1, 1, 2009, 1, 1, stats.ByTotal))
	r2 := query(t, s, Period(2024, 1, 1, 2027, 1, 1, stats.ByTotal))
	if len(r.Total.Counters)+len(r2.Total.Counters) != 0 {
		t.Errorf("after invalid events counters = %v %v, want none", r.Total.Counters, r2.Total.Counters)
	}
}

func testInvalidBatch(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	ctx := context.Background()
	bad := validLecture("lec:bad", -1)
	err := s.RecordBatch(ctx, []stats.Event{validConsultation("a"), validLecture("lec:ok", 20), bad})
	if !errors.Is(err, stats.ErrInvalid) {
		t.Fatalf("RecordBatch(with invalid) = %v, want ErrInvalid", err)
	}
	c := query(t, s, year2025()).Total
	wantCount(t, "Events(consultation) after rejected batch", c.Events(stats.KindConsultation), 0)
	wantCount(t, "Quantity(lecture) after rejected batch", c.Quantity(stats.KindLecture), 0)
	if err := s.RecordBatch(ctx, []stats.Event{validConsultation("a"), validLecture("lec:ok", 20)}); err != nil {
		t.Fatalf("RecordBatch(valid) = %v", err)
	}
	c = query(t, s, year2025()).Total
	wantCount(t, "Events(consultation)", c.Events(stats.KindConsultation), 1)
	wantCount(t, "Quantity(lecture)", c.Quantity(stats.KindLecture), 20)
	if err := s.RecordBatch(ctx, nil); err != nil {
		t.Errorf("RecordBatch(nil) = %v, want nil", err)
	}
}

func testClockSkew(t *testing.T, open Opener) {
	clock := NewClock(Now())
	s := openStore(t, open, Config(clock))
	ahead := validConsultation("ahead")
	ahead.Time = Now().Add(time.Minute) // the bot's clock runs a little fast
	record(t, s, ahead)
	future := validConsultation("future")
	future.Time = Now().Add(time.Hour)
	if err := s.Record(context.Background(), future); !errors.Is(err, stats.ErrInvalid) {
		t.Errorf("Record(dated in an hour) = %v, want ErrInvalid", err)
	}
	clock.Advance(2 * time.Hour)
	record(t, s, future) // no longer in the future
	wantCount(t, "Events(consultation)", query(t, s, year2025()).Total.Events(stats.KindConsultation), 2)
}

func testInvalidQueries(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	queries := map[string]stats.Query{
		"ends before it starts": {From: at(6, 2, 0, 0), To: at(6, 1, 0, 0)},
		"empty":                 {From: at(6, 1, 0, 0), To: at(6, 1, 0, 0)},
		"no start":              {To: at(6, 1, 0, 0)},
		"eleven years":          Period(2020, 1, 1, 2031, 1, 1, stats.ByYear),
		"before 2000":           Period(1990, 1, 1, 1991, 1, 1, stats.ByYear),
		"unknown granularity":   {From: at(6, 1, 0, 0), To: at(6, 2, 0, 0), By: 42},
	}
	for name, q := range queries {
		if _, err := s.Query(context.Background(), q); !errors.Is(err, stats.ErrInvalid) {
			t.Errorf("Query(%s) = %v, want ErrInvalid", name, err)
		}
	}
}

func testResidentNeedsKey(t *testing.T, open Opener) {
	cfg := Config(NewClock(Now()))
	cfg.ResidentKey = nil
	s := openStore(t, open, cfg)
	if err := s.Record(context.Background(), validConsultation("with-resident")); !errors.Is(err, stats.ErrInvalid) {
		t.Errorf("Record(resident, no key) = %v, want ErrInvalid", err)
	}
	anonymous := validConsultation("anonymous")
	anonymous.Resident = ""
	record(t, s, anonymous)
	wantCount(t, "Events(consultation)", query(t, s, year2025()).Total.Events(stats.KindConsultation), 1)
}

func testAnyCommunity(t *testing.T, open Opener) {
	cfg := Config(NewClock(Now()))
	cfg.Communities = nil
	s := openStore(t, open, cfg)
	e := validConsultation("any")
	e.Community = "江南-第三社区"
	record(t, s, e)
	for _, bad := range []string{"", strings.Repeat("a", 65), "has space", "tab\there"} {
		e := validConsultation("bad")
		e.Community = bad
		if err := s.Record(context.Background(), e); !errors.Is(err, stats.ErrInvalid) {
			t.Errorf("Record(community %q) = %v, want ErrInvalid", bad, err)
		}
	}
	got := query(t, s, year2025()).Total.EventsBy(stats.KindConsultation, stats.DimCommunity)
	wantMap(t, "by community", got, map[string]int64{"江南-第三社区": 1})
}
