package stats

import (
	"testing"
	"time"
)

func TestAggregate(t *testing.T) {
	p := testPolicy(t, Config{})
	cst := DefaultLocation()
	q, days, err := p.Span(Query{
		From: time.Date(2025, 1, 20, 15, 0, 0, 0, cst),
		To:   time.Date(2025, 3, 10, 0, 0, 0, 0, cst),
		By:   ByMonth,
	})
	if err != nil {
		t.Fatalf("Span() = %v", err)
	}
	if len(days) != 12+28+9 || days[0] != "2025-01-20" || days[len(days)-1] != "2025-03-09" {
		t.Fatalf("Span() days = %s..%s (%d), want 2025-01-20..2025-03-09 (49)", days[0], days[len(days)-1], len(days))
	}
	r := p.Aggregate(q, []DayCounts{
		{Day: "2025-01-19", Counters: []Counter{{"ev:consultation", 100}}}, // outside: ignored
		{Day: "2025-01-20", Counters: []Counter{{"ev:consultation", 1}}, Residents: []string{"a", "b"}},
		{Day: "2025-02-01", Counters: []Counter{{"ev:consultation", 2}}, Residents: []string{"a"}},
		{Day: "2025-02-02", Counters: []Counter{{"ev:consultation", 3}}, Residents: []string{"a", "c"}},
		{Day: "2025-03-09", Counters: []Counter{{"ev:consultation", 4}}},
	})
	want := []struct {
		start        time.Time
		n, residents int64
	}{
		{time.Date(2025, 1, 20, 0, 0, 0, 0, cst), 1, 2},
		{time.Date(2025, 2, 1, 0, 0, 0, 0, cst), 5, 2},
		{time.Date(2025, 3, 1, 0, 0, 0, 0, cst), 4, 0},
	}
	if len(r.Buckets) != len(want) {
		t.Fatalf("Aggregate() buckets = %d, want %d", len(r.Buckets), len(want))
	}
	for i, w := range want {
		b := r.Buckets[i]
		if !b.Start.Equal(w.start) || b.Counts.Events(KindConsultation) != w.n || b.Counts.Residents != w.residents {
			t.Errorf("bucket %d = %v: %d events, %d residents, want %v: %d, %d", i, b.Start, b.Counts.Events(KindConsultation),
				b.Counts.Residents, w.start, w.n, w.residents)
		}
	}
	if !r.Buckets[2].End.Equal(q.To) {
		t.Errorf("last bucket ends %v, want clipped to %v", r.Buckets[2].End, q.To)
	}
	if r.Total.Events(KindConsultation) != 10 || r.Total.Residents != 3 {
		t.Errorf("total = %d events, %d residents, want 10, 3", r.Total.Events(KindConsultation), r.Total.Residents)
	}
}
