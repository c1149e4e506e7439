// Package report turns the statistics lawbot keeps into what staff hand in
// at year's end: the figures of the annual rule-of-law report, written in
// the register of such reports (see Approx) as text, Markdown or a Word
// document, and exports of the counts as XLSX or CSV for staff to file or
// rework (see ExportXLSX).
//
// The Word document (WriteDocx) is a minimal WordprocessingML package
// written with archive/zip and encoding/xml, not through a library: the
// only candidate with a compatible licence, github.com/gomutex/godocx, has
// no tagged release and no commit since August 2025, cannot set a run's
// East Asian font, and builds every document from a US-Letter, en-US
// template (with a thumbnail and its author's name in the properties); the
// other, github.com/fumiama/go-docx, is AGPL-3.0. Writing the six parts
// keeps the page A4 and the fonts those of Chinese official documents.
//
// The package reads a stats.Report and knows nothing of storage; Annual and
// the export functions take a report the caller queried.
package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// Style is how a figure is written in the report.
type Style int

// Styles of figures.
const (
	// Rounded counts are rounded down with "余" (see Approx).
	Rounded Style = iota
	// Exact counts are written as they are: sessions, banners, referrals
	// below ten and the like, where a report names the exact number.
	Exact
	// Percentage figures are a share with two decimals (see Percent).
	Percentage
)

// Figure is one number of the annual report.
type Figure struct {
	// Key identifies the figure, e.g. "consultations".
	Key string
	// Name is what staff call it, e.g. "法律咨询".
	Name string
	// Value is the exact count, or the numerator of a percentage.
	Value int64
	// Of is the denominator of a percentage; 0 for counts.
	Of int64
	// Unit follows a count, e.g. "次"; "" for a percentage.
	Unit string
	// Style is how Written writes the figure.
	Style Style
	// Rule is the counting rule, for the check table.
	Rule string
}

// Written returns the figure as the report writes it: "270余次", "12场次",
// "99.31%".
func (f Figure) Written() string {
	switch f.Style {
	case Exact:
		return strconv.FormatInt(f.Value, 10) + f.Unit
	case Percentage:
		if f.Of == 0 {
			return "无评价"
		}
		return Percent(f.Value, f.Of)
	}
	return Approx(f.Value) + f.Unit
}

// ExactText returns the exact figure for staff to check the written one
// against: "273次", or "99.31%（1,352/1,357）" for a percentage.
func (f Figure) ExactText() string {
	if f.Style == Percentage {
		if f.Of == 0 {
			return "0/0"
		}
		return fmt.Sprintf("%s（%d/%d）", Percent(f.Value, f.Of), f.Value, f.Of)
	}
	return strconv.FormatInt(f.Value, 10) + f.Unit
}

// Annual is the figures of one year's report, in the order a report
// presents them.
type Annual struct {
	// Year is the calendar year reported.
	Year int
	// From is the first day counted and Through the last (inclusive):
	// the whole year, or the year so far while it is running.
	From, Through time.Time
	// Figures are in report order, identified by the Key constants.
	Figures []Figure
	// TopCategories are the consultation categories asked about most, most
	// first, at most three, with their counts.
	TopCategories []CategoryCount
}

// CategoryCount is the consultations of one knowledge category.
type CategoryCount struct {
	Key, Name string
	Count     int64
}

// Figure returns the figure with the given key, and false when there is
// none.
func (a *Annual) Figure(key string) (Figure, bool) {
	for _, f := range a.Figures {
		if f.Key == key {
			return f, true
		}
	}
	return Figure{}, false
}

// Keys of the figures, in report order.
const (
	KeyConsultations = "consultations"
	KeyResidents     = "residents"
	KeyLegalAid      = "legal_aid"
	KeyMediation     = "mediation"
	KeyLectures      = "lectures"
	KeyAttendees     = "attendees"
	KeyLeaflets      = "leaflets"
	KeyBanners       = "banners"
	KeyVisits        = "visits"
	KeyDeliveries    = "campaign_deliveries"
	KeyReads         = "campaign_reads"
	KeyQuiz          = "quiz_answers"
	KeySignups       = "signups"
	KeyCheckIns      = "checkins"
	KeySatisfaction  = "satisfaction"
)

// YearQuery returns the query for the calendar year in loc (nil means
// stats.DefaultLocation), by month.
func YearQuery(year int, loc *time.Location) stats.Query {
	if loc == nil {
		loc = stats.DefaultLocation()
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	return stats.Query{From: from, To: from.AddDate(1, 0, 0), By: stats.ByMonth}
}

// Year queries s for the calendar year in the default zone and builds its
// figures; now decides whether the year is still running.
func Year(ctx context.Context, s stats.Store, year int, now time.Time) (*Annual, error) {
	r, err := s.Query(ctx, YearQuery(year, nil))
	if err != nil {
		return nil, fmt.Errorf("report: year %d: %w", year, err)
	}
	return Build(r, now), nil
}

// Build turns a report into the annual figures. The year is r.From's; when
// now falls inside the period, Through is now's day, else the period's last.
func Build(r stats.Report, now time.Time) *Annual {
	t := r.Total
	through := r.To.AddDate(0, 0, -1)
	if n := now.In(r.From.Location()); !n.Before(r.From) && n.Before(r.To) {
		through = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, r.From.Location())
	}
	satisfied := t.EventsBy(stats.KindRating, stats.DimScore)
	a := &Annual{Year: r.From.Year(), From: r.From, Through: through}
	fig := func(key, name string, v int64, unit string, st Style, rule string) {
		a.Figures = append(a.Figures, Figure{Key: key, Name: name, Value: v, Unit: unit, Style: st, Rule: rule})
	}
	fig(KeyConsultations, "法律咨询", t.Events(stats.KindConsultation), "次", Rounded,
		"居民通过各渠道提出的法律问题，每问计1次，含未能解答的；同一消息重复送达只计1次")
	fig(KeyResidents, "服务群众", t.Residents, "人", Rounded,
		"期间内有过咨询、评价、转介或参与线上普法的不同居民人数，按加密标识去重")
	fig(KeyLegalAid, "法律援助转介", t.Events(stats.KindLegalAid), "次", Rounded,
		"向居民提供法律援助申请指引并转介的次数")
	fig(KeyMediation, "人民调解申请", t.Events(stats.KindMediation), "次", Rounded,
		"居民提出人民调解申请的次数")
	fig(KeyLectures, "法治宣讲", t.Events(stats.KindLecture), "场次", Exact,
		"工作人员登记的法治讲座场次，写实数")
	fig(KeyAttendees, "培训人数", t.Quantity(stats.KindLecture), "人", Rounded,
		"各场讲座登记的参加人数之和（人次）")
	fig(KeyLeaflets, "发放宣传资料", t.Quantity(stats.KindLeaflets), "份", Rounded,
		"工作人员登记的发放份数之和")
	fig(KeyBanners, "悬挂横幅", t.Quantity(stats.KindBanners), "幅", Exact,
		"工作人员登记的横幅数量之和，写实数")
	fig(KeyVisits, "入户走访", t.Quantity(stats.KindVisits), "户", Rounded,
		"工作人员登记的走访户数之和")
	fig(KeyDeliveries, "线上普法推送", t.Events(stats.KindCampaignDelivery), "人次", Rounded,
		"普法推送成功送达的人次")
	fig(KeyReads, "推送阅读", t.Events(stats.KindCampaignRead), "人次", Rounded,
		"普法推送被打开或确认阅读的人次")
	fig(KeyQuiz, "法律知识问答", t.Events(stats.KindQuizAnswer), "人次", Rounded,
		"知识问答作答人次，每答一题计1次")
	fig(KeySignups, "普法活动报名", t.Events(stats.KindSignup), "人次", Rounded,
		"通过助手报名参加普法活动的人次")
	fig(KeyCheckIns, "普法活动签到", t.Events(stats.KindCheckIn), "人次", Rounded,
		"居民到场扫描活动海报二维码签到的人次，每人每场活动只计1次，未报名到场的也计入")
	a.Figures = append(a.Figures, Figure{Key: KeySatisfaction, Name: "群众满意度",
		Value: satisfied["4"] + satisfied["5"], Of: t.Events(stats.KindRating), Style: Percentage,
		Rule: "居民对答复的评分（1–5分）中4分、5分所占比例，保留两位小数，截断不进位"})
	a.TopCategories = topCategories(t.EventsBy(stats.KindConsultation, stats.DimCategory), 3)
	return a
}

// topCategories returns the n categories with most consultations, ties in
// knowledge.Categories order; unanswered questions are not a category.
func topCategories(counts map[string]int64, n int) []CategoryCount {
	var out []CategoryCount
	for _, c := range knowledge.Categories {
		if counts[c.Key] > 0 {
			out = append(out, CategoryCount{Key: c.Key, Name: c.Name, Count: counts[c.Key]})
		}
	}
	slices.SortStableFunc(out, func(a, b CategoryCount) int { return cmp.Compare(b.Count, a.Count) })
	return out[:min(n, len(out))]
}
