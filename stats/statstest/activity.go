package statstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lawbot/lawbot/stats"
)

// activities returns s as stats.Activities: every backend must offer it.
func activities(t *testing.T, s stats.Store) stats.Activities {
	t.Helper()
	a, ok := s.(stats.Activities)
	if !ok {
		t.Fatalf("%T does not implement stats.Activities", s)
	}
	return a
}

func listActivities(t *testing.T, s stats.Activities, limit int) []stats.Activity {
	t.Helper()
	as, err := s.Activities(context.Background(), limit)
	if err != nil {
		t.Fatalf("Activities(%d) = %v", limit, err)
	}
	return as
}

// activityNo returns the number of the activity recorded with id.
func activityNo(t *testing.T, s stats.Activities, id string) int64 {
	t.Helper()
	for _, a := range listActivities(t, s, 1000) {
		if a.ID == id {
			return a.No
		}
	}
	t.Fatalf("no activity %q listed", id)
	return 0
}

func correct(t *testing.T, s stats.Activities, c stats.Correction) stats.Activity {
	t.Helper()
	a, err := s.Correct(context.Background(), c)
	if err != nil {
		t.Fatalf("Correct(%+v) = %v", c, err)
	}
	return a
}

func testActivities(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	acts := activities(t, s)
	if got := listActivities(t, acts, 10); len(got) != 0 {
		t.Fatalf("Activities() of an empty store = %+v", got)
	}
	events := sampleEvents()
	lecture := validLecture("lec:placed", 40)
	lecture.Place = "幸福路12号3栋活动室" // an address is redacted like question text
	record(t, s, events...)
	record(t, s, lecture, lecture)
	if err := s.RecordBatch(context.Background(), events); err != nil { // redelivered
		t.Fatal(err)
	}

	var want []stats.Event
	for _, e := range append(events, lecture) {
		if e.Kind.Offline() {
			want = append(want, e)
		}
	}
	got := listActivities(t, acts, 100)
	if len(got) != len(want) {
		t.Fatalf("Activities() lists %d, want the %d offline events once each: %+v", len(got), len(want), got)
	}
	seen := map[int64]bool{}
	for i, a := range got {
		w := want[len(want)-1-i] // newest first
		if a.ID != w.ID || a.Kind != w.Kind || a.Community != w.Community || a.Category != w.Category ||
			a.Count != w.Count || a.Current() != w.Count || !a.Time.Equal(w.Time) || len(a.Corrections) != 0 {
			t.Errorf("Activities()[%d] = %+v, want %+v", i, a, w)
		}
		if a.No <= 0 || seen[a.No] || i > 0 && a.No >= got[i-1].No {
			t.Errorf("Activities()[%d].No = %d: want distinct positive numbers, newest highest", i, a.No)
		}
		seen[a.No] = true
	}
	if p := got[0].Place; strings.Contains(p, "12号") || !strings.Contains(p, stats.RedactedAddress) {
		t.Errorf("kept place = %q, want the address redacted", p)
	}
	if top := listActivities(t, acts, 2); len(top) != 2 || top[0].ID != got[0].ID || top[1].ID != got[1].ID {
		t.Errorf("Activities(2) = %+v, want the 2 newest", top)
	}
}

func testCorrect(t *testing.T, open Opener) {
	clock := NewClock(Now())
	s := openStore(t, open, Config(clock))
	acts := activities(t, s)
	record(t, s, sampleEvents()...)
	no := activityNo(t, acts, "lec:2") // 45 attendees, west, June 6
	fix := stats.Correction{ID: "tg:update:1", No: no, Count: 40, By: "tg:4711", Reason: "重复登记了 5 人"}
	a := correct(t, acts, fix)
	if a.Count != 45 || a.Current() != 40 || len(a.Corrections) != 1 {
		t.Fatalf("corrected activity = %+v, want count 45 kept, current 40", a)
	}
	c := a.Corrections[0]
	if c.ID != fix.ID || c.Old != 45 || c.Count != 40 || c.By != "tg:4711" || c.Reason != fix.Reason || !c.Time.Equal(Now()) {
		t.Errorf("correction = %+v, want id, old 45, new 40, by, reason and now recorded", c)
	}
	check := func(when string, lectures, attendees, west int64) {
		t.Helper()
		r := query(t, s, year2025())
		wantCount(t, when+": Events(lecture)", r.Total.Events(stats.KindLecture), lectures)
		wantCount(t, when+": Quantity(lecture)", r.Total.Quantity(stats.KindLecture), attendees)
		wantCount(t, when+": June attendees", r.Buckets[5].Counts.Quantity(stats.KindLecture), attendees-30)
		wantMap(t, when+": attendees by community", r.Total.QuantityBy(stats.KindLecture, stats.DimCommunity),
			map[string]int64{"east": 30, "west": west})
		wantCount(t, when+": west lectures", r.Total.EventsBy(stats.KindLecture, stats.DimCommunity)["west"], lectures-1)
		if err := stats.WriteTable(new(strings.Builder), r); err != nil {
			t.Errorf("WriteTable = %v", err)
		}
	}
	check("after correction", 2, 70, 40)

	// The same correction again, redelivered: nothing changes.
	clock.Advance(1)
	if a := correct(t, acts, fix); len(a.Corrections) != 1 || a.Current() != 40 {
		t.Errorf("correction applied twice: %+v", a)
	}
	check("after a redelivered correction", 2, 70, 40)

	// Voided, then restored: the record keeps every step.
	clock.Advance(1)
	correct(t, acts, stats.Correction{ID: "tg:update:2", No: no, Count: 0, By: "tg:4711", Reason: "讲座实际未举行"})
	check("after voiding", 1, 30, 0)
	a = correct(t, acts, stats.Correction{ID: "tg:update:3", No: no, Count: 12, By: "tg:4712", Reason: "补登"})
	check("after restoring", 2, 42, 12)
	var steps []string
	for _, c := range a.Corrections {
		steps = append(steps, fmt.Sprintf("%d>%d", c.Old, c.Count))
	}
	if got := strings.Join(steps, " "); got != "45>40 40>0 0>12" || a.Count != 45 {
		t.Errorf("corrections = %q (count %d), want 45>40 40>0 0>12 (count 45)", got, a.Count)
	}
	for _, l := range listActivities(t, acts, 100) {
		if l.No == no && (l.Current() != 12 || len(l.Corrections) != 3) {
			t.Errorf("listed activity = %+v, want its 3 corrections", l)
		}
	}
}

func testCorrectInvalid(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	acts := activities(t, s)
	record(t, s, sampleEvents()...)
	no := activityNo(t, acts, "bn:1") // 3 banners
	before := query(t, s, year2025()).Total
	valid := stats.Correction{ID: "fix:1", No: no, Count: 2, By: "tg:4711", Reason: "多报了一条"}
	with := func(f func(*stats.Correction)) stats.Correction { c := valid; f(&c); return c }
	for name, tt := range map[string]struct {
		c    stats.Correction
		want error
	}{
		"unknown number":   {with(func(c *stats.Correction) { c.No = no + 1000 }), stats.ErrNotFound},
		"number 0":         {with(func(c *stats.Correction) { c.No = 0 }), stats.ErrNotFound},
		"negative count":   {with(func(c *stats.Correction) { c.Count = -1 }), stats.ErrInvalid},
		"too many banners": {with(func(c *stats.Correction) { c.Count = 5000 }), stats.ErrInvalid},
		"no reason":        {with(func(c *stats.Correction) { c.Reason = "" }), stats.ErrInvalid},
		"long reason":      {with(func(c *stats.Correction) { c.Reason = strings.Repeat("因", stats.MaxReason+1) }), stats.ErrInvalid},
		"no id":            {with(func(c *stats.Correction) { c.ID = "" }), stats.ErrInvalid},
		"nobody":           {with(func(c *stats.Correction) { c.By = "" }), stats.ErrInvalid},
		"future":           {with(func(c *stats.Correction) { c.Time = Now().AddDate(0, 1, 0) }), stats.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := acts.Correct(context.Background(), tt.c); !errors.Is(err, tt.want) {
				t.Errorf("Correct(%+v) = %v, want %v", tt.c, err, tt.want)
			}
		})
	}
	after := query(t, s, year2025()).Total
	wantCount(t, "Quantity(banners) after rejected corrections", after.Quantity(stats.KindBanners), before.Quantity(stats.KindBanners))
	for _, a := range listActivities(t, acts, 100) {
		if len(a.Corrections) > 0 {
			t.Errorf("rejected correction recorded: %+v", a)
		}
	}
	s.Close()
	if _, err := acts.Correct(context.Background(), valid); !errors.Is(err, stats.ErrClosed) {
		t.Errorf("Correct after Close = %v, want ErrClosed", err)
	}
	if _, err := acts.Activities(context.Background(), 1); !errors.Is(err, stats.ErrClosed) {
		t.Errorf("Activities after Close = %v, want ErrClosed", err)
	}
}

// testCorrectConcurrent corrects one activity from many goroutines: every
// correction is kept, each one's old count is the one before it, and the
// counts end where the last correction put them.
func testCorrectConcurrent(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	acts := activities(t, s)
	record(t, s, validLecture("lec:busy", 100))
	no := activityNo(t, acts, "lec:busy")
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := acts.Correct(context.Background(), stats.Correction{
				ID: fmt.Sprintf("fix:%d", i), No: no, Count: 50 + i, By: "tg:4711", Reason: "并发更正"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Correct = %v", err)
		}
	}
	a := listActivities(t, acts, 1)[0]
	if len(a.Corrections) != n {
		t.Fatalf("%d corrections kept, want %d", len(a.Corrections), n)
	}
	prev := a.Count
	for _, c := range a.Corrections {
		if c.Old != prev {
			t.Errorf("correction %s: old %d, want %d (the count before it)", c.ID, c.Old, prev)
		}
		prev = c.Count
	}
	wantCount(t, "Quantity(lecture)", query(t, s, year2025()).Total.Quantity(stats.KindLecture), int64(a.Current()))
}
