package report_test

import (
	"strings"
	"testing"

	"github.com/lawbot/lawbot/report"
)

func TestApprox(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {1, "1"}, {9, "9"},
		{10, "10"}, {11, "10余"}, {45, "40余"}, {90, "90"}, {99, "90余"},
		{100, "100"}, {101, "100余"}, {109, "100余"}, {110, "110"}, {270, "270"}, {273, "270余"}, {279, "270余"},
		{999, "990余"}, {1000, "1000"}, {1099, "1000余"}, {3000, "3000"}, {3046, "3000余"}, {3560, "3500余"}, {9999, "9900余"},
		{10000, "1万"}, {10999, "1万余"}, {12345, "1.2万余"}, {20000, "2万"}, {99999, "9.9万余"},
		{100000, "10万"}, {123456, "12万余"}, {1234567, "120万余"},
	}
	for _, tt := range tests {
		if got := report.Approx(tt.n); got != tt.want {
			t.Errorf("Approx(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestApproxNeverOverstates(t *testing.T) {
	for n := int64(0); n < 200_000; n += 7 {
		s := report.Approx(n)
		// The written figure, read back, is at most n.
		var v int64
		var wan, dec int64
		seenDot, isWan := false, false
		for _, r := range s {
			switch {
			case r >= '0' && r <= '9':
				if seenDot {
					dec = dec*10 + int64(r-'0')
				} else {
					wan = wan*10 + int64(r-'0')
				}
			case r == '.':
				seenDot = true
			case r == '万':
				isWan = true
			}
		}
		v = wan
		if isWan {
			v = wan*10000 + dec*1000
		}
		if v > n || (v == n) == strings.HasSuffix(s, "余") {
			t.Fatalf("Approx(%d) = %q reads as %d", n, s, v)
		}
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		num, of int64
		want    string
	}{
		{144, 145, "99.31%"},
		{9999, 10000, "99.99%"},
		{2, 3, "66.66%"},
		{1, 1, "100.00%"},
		{0, 5, "0.00%"},
		{1, 200, "0.50%"},
		{0, 0, ""},
	}
	for _, tt := range tests {
		if got := report.Percent(tt.num, tt.of); got != tt.want {
			t.Errorf("Percent(%d, %d) = %q, want %q", tt.num, tt.of, got, tt.want)
		}
	}
}
