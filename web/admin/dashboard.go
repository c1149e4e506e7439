package admin

import (
	"cmp"
	"context"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
)

// yearView is the dashboard of one calendar year.
type yearView struct {
	Year, Prev, Next int
	Through          string
	Figures          []report.Figure
	MonthlyChart     template.HTML
	SatisfChart      template.HTML
	Months           []monthRow
	Categories       []share
	CategoryChart    template.HTML
	Communities      []share
	CommunityChart   template.HTML
	Campaigns        []campaignRow
	CampaignTotal    campaignRow
	Subscribers      int // -1: not known
	Offline          []offlineRow
	OfflineTotal     offlineRow
	From, To         string
	Unanswered       int64
}

type monthRow struct {
	Month                        string
	Consultations, Unanswered    int64
	LegalAid, Mediation, Ratings int64
	Satisfaction                 string
	Residents                    int64
}

type share struct {
	Name string
	N    int64
	Pct  string
}

type campaignRow struct {
	ID, Title, Status                          string
	Deliveries, Reads, Quiz, Signups, CheckIns int64
	ReadRate                                   string
}

type offlineRow struct {
	Label                                          string
	Lectures, Attendees, Leaflets, Banners, Visits int64
}

func (o offlineRow) empty() bool {
	return o.Lectures == 0 && o.Attendees == 0 && o.Leaflets == 0 && o.Banners == 0 && o.Visits == 0
}

// yearParam reads ?year=, defaulting to the current year.
func (h *Handler) yearParam(r *http.Request) (int, bool) {
	now := h.now().In(h.loc).Year()
	s := r.URL.Query().Get("year")
	if s == "" {
		return now, true
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > now {
		return 0, false
	}
	return y, true
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, sess *session) {
	year, ok := h.yearParam(r)
	if !ok {
		http.Error(w, "年份无效。", http.StatusBadRequest)
		return
	}
	rep, err := h.store.Query(r.Context(), report.YearQuery(year, h.loc))
	if err != nil {
		h.fail(w, r, "dashboard query", err)
		return
	}
	v := buildYear(rep, h.now())
	h.nameCampaigns(r.Context(), &v)
	if year > 2000 {
		v.Prev = year - 1
	}
	if year < h.now().In(h.loc).Year() {
		v.Next = year + 1
	}
	h.render(w, http.StatusOK, "dashboard", page{Title: strconv.Itoa(year) + "年工作概览", User: sess.user, CSRF: sess.csrf, Data: v})
}

// nameCampaigns gives the campaign rows their titles and status, and the
// view the number of subscribers. If the campaigns cannot be read, the
// rows keep their numbers and the error is logged.
func (h *Handler) nameCampaigns(ctx context.Context, v *yearView) {
	v.Subscribers = -1
	if h.camps == nil {
		return
	}
	all, err := h.camps.List(ctx)
	if err != nil {
		h.log.Warn("admin: campaigns not read", "err", err)
		return
	}
	byID := make(map[string]*campaign.Campaign, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	for i := range v.Campaigns {
		if c := byID[v.Campaigns[i].ID]; c != nil {
			v.Campaigns[i].Title, v.Campaigns[i].Status = c.Title, c.Status.Label()
		}
	}
	if n, err := h.camps.Subscribers(ctx); err != nil {
		h.log.Warn("admin: subscribers not read", "err", err)
	} else {
		v.Subscribers = n
	}
}

// buildYear turns a by-month report of a year into the dashboard.
func buildYear(rep stats.Report, now time.Time) yearView {
	a := report.Build(rep, now)
	t := rep.Total
	v := yearView{
		Year: a.Year, Through: a.Through.Format("2006年1月2日"), Figures: a.Figures,
		From: rep.From.Format("2006-01-02"), To: rep.To.AddDate(0, 0, -1).Format("2006-01-02"),
		Unanswered: t.EventsBy(stats.KindConsultation, stats.DimCategory)[stats.Unanswered],
	}
	var cons, satis []bar
	for _, b := range rep.Buckets {
		c := b.Counts
		scores := c.EventsBy(stats.KindRating, stats.DimScore)
		n := c.Events(stats.KindRating)
		m := monthRow{
			Month: b.Start.Format("2006-01"), Consultations: c.Events(stats.KindConsultation),
			Unanswered: c.EventsBy(stats.KindConsultation, stats.DimCategory)[stats.Unanswered],
			LegalAid:   c.Events(stats.KindLegalAid), Mediation: c.Events(stats.KindMediation),
			Ratings: n, Satisfaction: report.Percent(scores["4"]+scores["5"], n), Residents: c.Residents,
		}
		v.Months = append(v.Months, m)
		label := strconv.Itoa(int(b.Start.Month())) + "月"
		cons = append(cons, bar{Key: m.Month, Label: label, Value: m.Consultations, Text: strconv.FormatInt(m.Consultations, 10)})
		sb := bar{Key: m.Month, Label: label, Text: "—"}
		if n > 0 {
			sb.Value, sb.Text = (scores["4"]+scores["5"])*10000/n, m.Satisfaction
		}
		satis = append(satis, sb)
		o := offline(b.Start.Format("2006-01"), c)
		if !o.empty() {
			v.Offline = append(v.Offline, o)
		}
	}
	v.MonthlyChart = columnChart("每月法律咨询次数", cons, 0)
	v.SatisfChart = columnChart("每月满意率", satis, 10000)
	v.OfflineTotal = offline("合计", t)

	total := t.Events(stats.KindConsultation)
	byCat := t.EventsBy(stats.KindConsultation, stats.DimCategory)
	order := map[string]int{}
	for i, c := range knowledge.Categories {
		order[c.Key] = i
	}
	v.Categories = shares(byCat, total, categoryName, order)
	v.CategoryChart = barList("各类别咨询次数", v.Categories)
	v.Communities = shares(t.EventsBy(stats.KindConsultation, stats.DimCommunity), total, func(k string) string { return k }, nil)
	v.CommunityChart = barList("各社区咨询次数", v.Communities)

	del := t.EventsBy(stats.KindCampaignDelivery, stats.DimCampaign)
	read := t.EventsBy(stats.KindCampaignRead, stats.DimCampaign)
	quiz := t.EventsBy(stats.KindQuizAnswer, stats.DimCampaign)
	sign := t.EventsBy(stats.KindSignup, stats.DimCampaign)
	check := t.EventsBy(stats.KindCheckIn, stats.DimCampaign)
	ids := map[string]bool{}
	for _, m := range []map[string]int64{del, read, quiz, sign, check} {
		for k := range m {
			ids[k] = true
		}
	}
	// Campaign numbers in order: 2 before 10.
	for _, id := range slices.SortedFunc(maps.Keys(ids), campaign.CompareIDs) {
		v.Campaigns = append(v.Campaigns, campaignRow{ID: id, Deliveries: del[id], Reads: read[id],
			ReadRate: report.Percent(read[id], del[id]), Quiz: quiz[id], Signups: sign[id], CheckIns: check[id]})
	}
	d, rd := t.Events(stats.KindCampaignDelivery), t.Events(stats.KindCampaignRead)
	v.CampaignTotal = campaignRow{ID: "合计", Deliveries: d, Reads: rd, ReadRate: report.Percent(rd, d),
		Quiz: t.Events(stats.KindQuizAnswer), Signups: t.Events(stats.KindSignup), CheckIns: t.Events(stats.KindCheckIn)}
	return v
}

func offline(label string, c stats.Counts) offlineRow {
	return offlineRow{Label: label, Lectures: c.Events(stats.KindLecture), Attendees: c.Quantity(stats.KindLecture),
		Leaflets: c.Quantity(stats.KindLeaflets), Banners: c.Quantity(stats.KindBanners), Visits: c.Quantity(stats.KindVisits)}
}

func categoryName(key string) string {
	if key == stats.Unanswered {
		return "未能解答"
	}
	if n := knowledge.CategoryName(key); n != "" {
		return n
	}
	return key
}

// shares lists the non-zero counts, largest first; ties in order's order
// (keys missing from it last), then by key.
func shares(counts map[string]int64, total int64, name func(string) string, order map[string]int) []share {
	keys := slices.Collect(maps.Keys(counts))
	rank := func(k string) int {
		if i, ok := order[k]; ok {
			return i
		}
		return len(order)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	var out []share
	for _, k := range keys {
		if counts[k] > 0 {
			out = append(out, share{Name: name(k), N: counts[k], Pct: report.Percent(counts[k], total)})
		}
	}
	return out
}
