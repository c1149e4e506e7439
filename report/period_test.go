package report_test

import (
	"testing"
	"time"

	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
)

func TestPeriodQuery(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, cst) }
	tests := []struct {
		first, last time.Time
		wantTo      time.Time
		wantBy      stats.Granularity
	}{
		{day(3, 1), day(3, 31), day(4, 1), stats.ByDay},
		{day(3, 5), day(3, 5), day(3, 6), stats.ByDay},
		{day(1, 1), day(2, 1), day(2, 2), stats.ByMonth},
		{day(1, 1), day(12, 31), time.Date(2027, 1, 1, 0, 0, 0, 0, cst), stats.ByMonth},
	}
	for _, tt := range tests {
		q := report.PeriodQuery(tt.first, tt.last)
		if !q.From.Equal(tt.first) || !q.To.Equal(tt.wantTo) || q.By != tt.wantBy {
			t.Errorf("PeriodQuery(%s, %s) = %s..%s by %v, want ..%s by %v", tt.first.Format(time.DateOnly), tt.last.Format(time.DateOnly),
				q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), q.By, tt.wantTo.Format(time.DateOnly), tt.wantBy)
		}
	}
}

func TestSummary(t *testing.T) {
	want := "法律咨询273次（其中未能解答14次），服务居民150人，法律援助转介45次，调解申请23次，满意率99.31%（145次评价），" +
		"普法推送送达600人次，阅读410人次，法治讲座12场次（3046人次），发放资料5012份。"
	if got := report.Summary(fixtureReport(t)); got != want {
		t.Errorf("Summary(fixture) =\n%s\nwant\n%s", got, want)
	}
	if got := report.Summary(stats.Report{}); got != "法律咨询0次。" {
		t.Errorf("Summary(empty) = %q", got)
	}
}
