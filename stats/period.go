package stats

import (
	"fmt"
	"strings"
	"time"
)

// ParsePeriod turns what staff type for `lawbot stats` into a Query, with
// days cut in loc (nil means DefaultLocation):
//
//	2025                    the year, by month
//	2025-03                 the month, by day
//	2025-03-14              the day, totals only
//	2025-01..2025-06        from the start of the first to the end of the
//	                        last (both inclusive, any of the forms above),
//	                        by day up to 92 days, by month up to 3 years,
//	                        else by year
func ParsePeriod(s string, loc *time.Location) (Query, error) {
	if loc == nil {
		loc = DefaultLocation()
	}
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return Query{}, fmt.Errorf("stats: parse period: %w: too long", ErrInvalid)
	}
	if a, b, ok := strings.Cut(s, ".."); ok {
		from, _, _, err := parsePeriodPart(strings.TrimSpace(a), loc)
		if err != nil {
			return Query{}, err
		}
		_, to, _, err := parsePeriodPart(strings.TrimSpace(b), loc)
		if err != nil {
			return Query{}, err
		}
		if !from.Before(to) {
			return Query{}, fmt.Errorf("stats: parse period %q: %w: ends before it starts", s, ErrInvalid)
		}
		by := ByDay
		switch days := to.Sub(from).Hours() / 24; {
		case days > 3*366:
			by = ByYear
		case days > 92:
			by = ByMonth
		}
		return checkPeriod(s, Query{From: from, To: to, By: by})
	}
	from, to, by, err := parsePeriodPart(s, loc)
	if err != nil {
		return Query{}, err
	}
	return checkPeriod(s, Query{From: from, To: to, By: by})
}

func parsePeriodPart(s string, loc *time.Location) (from, to time.Time, by Granularity, err error) {
	layouts := []struct {
		layout string
		years  int
		months int
		days   int
		by     Granularity
	}{
		{"2006", 1, 0, 0, ByMonth},
		{"2006-01", 0, 1, 0, ByDay},
		{"2006-01-02", 0, 0, 1, ByTotal},
	}
	for _, l := range layouts {
		if len(s) != len(l.layout) {
			continue
		}
		t, perr := time.ParseInLocation(l.layout, s, loc)
		if perr != nil {
			break
		}
		return t, t.AddDate(l.years, l.months, l.days), l.by, nil
	}
	return time.Time{}, time.Time{}, 0, fmt.Errorf("stats: parse period %q: %w: want 2025, 2025-03, 2025-03-14 or FROM..TO", s, ErrInvalid)
}

func checkPeriod(s string, q Query) (Query, error) {
	if q.From.Year() < earliestYear {
		return Query{}, fmt.Errorf("stats: parse period %q: %w: before %d", s, ErrInvalid, earliestYear)
	}
	if q.To.Sub(q.From) > maxSpanDays*24*time.Hour {
		return Query{}, fmt.Errorf("stats: parse period %q: %w: longer than %d days", s, ErrInvalid, maxSpanDays)
	}
	return q, nil
}
