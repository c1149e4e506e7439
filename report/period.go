package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// PeriodQuery returns the query of an export of the days first through
// last, both included (dates at midnight in their zone): by day up to 31
// days, else by month. `lawbot export`, the dashboard and the /export
// command all cut periods this way.
func PeriodQuery(first, last time.Time) stats.Query {
	end := last.AddDate(0, 0, 1)
	by := stats.ByMonth
	if end.Sub(first) <= 31*24*time.Hour {
		by = stats.ByDay
	}
	return stats.Query{From: first, To: end, By: by}
}

// ExportName is the name, without extension, of the export of the days
// first through last: "法治宣传统计_2026-01-01_2026-06-30".
func ExportName(first, last time.Time) string {
	return "法治宣传统计_" + first.Format(time.DateOnly) + "_" + last.Format(time.DateOnly)
}

// Summary gives the main totals of r in one sentence with exact figures,
// for a message that carries the export: "法律咨询273次（其中未能解答14次），
// 服务居民150人，……". Totals that are zero are left out, except
// consultations.
func Summary(r stats.Report) string {
	t := r.Total
	cons := t.Events(stats.KindConsultation)
	parts := []string{fmt.Sprintf("法律咨询%d次", cons)}
	if un := t.EventsBy(stats.KindConsultation, stats.DimCategory)[stats.Unanswered]; un > 0 {
		parts[0] += fmt.Sprintf("（其中未能解答%d次）", un)
	}
	add := func(n int64, format string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf(format, n))
		}
	}
	add(t.Residents, "服务居民%d人")
	add(t.Events(stats.KindLegalAid), "法律援助转介%d次")
	add(t.Events(stats.KindMediation), "调解申请%d次")
	if n := t.Events(stats.KindRating); n > 0 {
		s := t.EventsBy(stats.KindRating, stats.DimScore)
		parts = append(parts, fmt.Sprintf("满意率%s（%d次评价）", Percent(s["4"]+s["5"], n), n))
	}
	add(t.Events(stats.KindCampaignDelivery), "普法推送送达%d人次")
	add(t.Events(stats.KindCampaignRead), "阅读%d人次")
	if n := t.Events(stats.KindLecture); n > 0 {
		parts = append(parts, fmt.Sprintf("法治讲座%d场次（%d人次）", n, t.Quantity(stats.KindLecture)))
	}
	add(t.Quantity(stats.KindLeaflets), "发放资料%d份")
	return strings.Join(parts, "，") + "。"
}
