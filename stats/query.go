package stats

import (
	"fmt"
	"time"
)

const (
	dayLayout   = "2006-01-02"
	maxSpanDays = 3700 // about ten years; longer queries are mistakes
)

// Granularity is how a report's period is split into buckets.
type Granularity int

// Granularities of a report.
const (
	ByTotal Granularity = iota // totals only, no buckets
	ByDay
	ByMonth
	ByYear
)

// String returns the granularity's name.
func (g Granularity) String() string {
	switch g {
	case ByTotal:
		return "total"
	case ByDay:
		return "day"
	case ByMonth:
		return "month"
	case ByYear:
		return "year"
	}
	return fmt.Sprintf("Granularity(%d)", int(g))
}

// Query asks for the counts of the days in [From, To), cut in the store's
// time zone: From is rounded down to the start of its day and To up to the
// start of the next day unless it already is one. See ParsePeriod.
type Query struct {
	From, To time.Time
	By       Granularity
}

// Report is the answer to a Query.
type Report struct {
	// From and To are the query's bounds, rounded to whole days.
	From, To time.Time
	// By is the granularity of Buckets.
	By Granularity
	// Total is the whole period.
	Total Counts
	// Buckets split the period by day, month or year, in order; months and
	// years are clipped to the period. Empty for ByTotal.
	Buckets []Bucket
}

// Bucket is the counts of [Start, End).
type Bucket struct {
	Start, End time.Time
	Counts     Counts
}

// DayCounts is what a backend stores for one day: its counters and the
// hashes of the residents seen that day.
type DayCounts struct {
	Day       string
	Counters  []Counter
	Residents []string
}

// Span validates q, rounds it to whole days in the policy's zone and returns
// it with the keys of its days in order.
func (p *Policy) Span(q Query) (Query, []string, error) {
	loc := p.cfg.Location
	if q.By < ByTotal || q.By > ByYear {
		return Query{}, nil, fmt.Errorf("stats: query: %w: unknown granularity %d", ErrInvalid, q.By)
	}
	if q.From.IsZero() || q.To.IsZero() {
		return Query{}, nil, fmt.Errorf("stats: query: %w: period needs both bounds", ErrInvalid)
	}
	if q.From.In(loc).Year() < earliestYear {
		return Query{}, nil, fmt.Errorf("stats: query: %w: period starts before %d", ErrInvalid, earliestYear)
	}
	from := startOfDay(q.From, loc)
	to := startOfDay(q.To, loc)
	if !to.Equal(q.To) {
		to = to.AddDate(0, 0, 1)
	}
	if !from.Before(to) {
		return Query{}, nil, fmt.Errorf("stats: query: %w: empty period %s..%s", ErrInvalid,
			q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	var days []string
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if len(days) == maxSpanDays {
			return Query{}, nil, fmt.Errorf("stats: query: %w: period longer than %d days", ErrInvalid, maxSpanDays)
		}
		days = append(days, d.Format(dayLayout))
	}
	return Query{From: from, To: to, By: q.By}, days, nil
}

// Aggregate sums the stored days of a period into a report. q must come
// from Span; days may be missing (nothing recorded) or in any order.
func (p *Policy) Aggregate(q Query, days []DayCounts) Report {
	loc := p.cfg.Location
	r := Report{From: q.From, To: q.To, By: q.By, Total: Counts{Counters: make(map[string]int64, 512)}}
	bucketOf := map[string]int{}
	for d := q.From; d.Before(q.To); d = d.AddDate(0, 0, 1) {
		start, end := bucketBounds(d, q.By, loc)
		if start.Before(q.From) {
			start = q.From
		}
		if end.After(q.To) {
			end = q.To
		}
		if q.By != ByTotal && (len(r.Buckets) == 0 || !r.Buckets[len(r.Buckets)-1].Start.Equal(start)) {
			r.Buckets = append(r.Buckets, Bucket{Start: start, End: end, Counts: Counts{Counters: make(map[string]int64, 64)}})
		}
		bucketOf[d.Format(dayLayout)] = len(r.Buckets) - 1
	}
	total := map[string]struct{}{}
	perBucket := make([]map[string]struct{}, len(r.Buckets))
	for _, dc := range days {
		b, ok := bucketOf[dc.Day]
		if !ok {
			continue
		}
		for _, c := range dc.Counters {
			r.Total.add(c.Name, c.Delta)
			if b >= 0 {
				r.Buckets[b].Counts.add(c.Name, c.Delta)
			}
		}
		for _, h := range dc.Residents {
			total[h] = struct{}{}
			if b >= 0 {
				if perBucket[b] == nil {
					perBucket[b] = map[string]struct{}{}
				}
				perBucket[b][h] = struct{}{}
			}
		}
	}
	r.Total.Residents = int64(len(total))
	for i, set := range perBucket {
		r.Buckets[i].Counts.Residents = int64(len(set))
	}
	return r
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// bucketBounds returns the calendar bucket of granularity g holding day d.
func bucketBounds(d time.Time, g Granularity, loc *time.Location) (start, end time.Time) {
	y, m, day := d.Date()
	switch g {
	case ByMonth:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 1, 0)
	case ByYear:
		start = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(1, 0, 0)
	}
	start = time.Date(y, m, day, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}
