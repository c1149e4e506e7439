package stats

import (
	"errors"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	cst := DefaultLocation()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst) }
	tests := []struct {
		in       string
		from, to time.Time
		by       Granularity
	}{
		{"2025", day(2025, 1, 1), day(2026, 1, 1), ByMonth},
		{" 2025-03 ", day(2025, 3, 1), day(2025, 4, 1), ByDay},
		{"2025-03-14", day(2025, 3, 14), day(2025, 3, 15), ByTotal},
		{"2024-02", day(2024, 2, 1), day(2024, 3, 1), ByDay},
		{"2025-01..2025-03", day(2025, 1, 1), day(2025, 4, 1), ByDay},
		{"2025-01-01..2025-06-30", day(2025, 1, 1), day(2025, 7, 1), ByMonth},
		{"2020 .. 2025", day(2020, 1, 1), day(2026, 1, 1), ByYear},
		{"2025-12-31..2025-12-31", day(2025, 12, 31), day(2026, 1, 1), ByDay},
	}
	for _, tt := range tests {
		q, err := ParsePeriod(tt.in, nil)
		if err != nil {
			t.Errorf("ParsePeriod(%q) = %v", tt.in, err)
			continue
		}
		if !q.From.Equal(tt.from) || !q.To.Equal(tt.to) || q.By != tt.by {
			t.Errorf("ParsePeriod(%q) = %v..%v by %v, want %v..%v by %v", tt.in, q.From, q.To, q.By, tt.from, tt.to, tt.by)
		}
	}
	for _, bad := range []string{"", "last year", "2025-13", "2025-02-30", "25", "2025/03", "2025-3",
		"2025-03..2025-01", "1999", "2000..2030", "2025..", "..2025", "2025..2026..2027", "２０２５"} {
		if q, err := ParsePeriod(bad, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePeriod(%q) = %v, %v, want ErrInvalid", bad, q, err)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2025", "2025-03", "2025-03-14", "2025-01..2025-06", "2000..2010", "9999-12-31", "2025-02-29"} {
		f.Add(s)
	}
	pol, err := NewPolicy(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := ParsePeriod(in, nil)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParsePeriod(%q) = %v, want ErrInvalid", in, err)
			}
			return
		}
		if !q.From.Before(q.To) {
			t.Fatalf("ParsePeriod(%q) = %v..%v, empty", in, q.From, q.To)
		}
		// Whatever it accepts, a store accepts too, unchanged.
		norm, days, err := pol.Span(q)
		if err != nil {
			t.Fatalf("ParsePeriod(%q) = %v..%v, which Span rejects: %v", in, q.From, q.To, err)
		}
		if !norm.From.Equal(q.From) || !norm.To.Equal(q.To) || len(days) == 0 {
			t.Fatalf("Span(ParsePeriod(%q)) = %v..%v, want %v..%v", in, norm.From, norm.To, q.From, q.To)
		}
	})
}
