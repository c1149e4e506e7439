package stats

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/lawbot/lawbot/knowledge"
)

// WriteReport queries s for the period q and writes the counts to w as
// plain-text tables (see WriteTable). It is all `lawbot stats` needs:
//
//	q, err := stats.ParsePeriod(arg, nil)
//	...
//	return stats.WriteReport(ctx, os.Stdout, store, q)
func WriteReport(ctx context.Context, w io.Writer, s Store, q Query) error {
	r, err := s.Query(ctx, q)
	if err != nil {
		return err
	}
	return WriteTable(w, r)
}

// WriteTable writes r to w as plain-text tables: totals per kind, unique
// residents and satisfaction, consultations by category, community and
// channel, offline activities by community, campaigns, and one row per
// bucket. Aligned columns hold ASCII only (keys and numbers); Chinese names
// come last on a line, so that wide characters cannot break the alignment.
func WriteTable(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	t := r.Total
	last := r.To.AddDate(0, 0, -1)
	fmt.Fprintf(tw, "period %s .. %s (%s)\n\n", r.From.Format(dayLayout), last.Format(dayLayout), r.From.Format("UTC-07:00"))

	fmt.Fprintf(tw, "kind\tevents\tquantity\tname\n")
	for _, k := range Kinds() {
		q := ""
		if k.Offline() || k == KindRating {
			q = fmt.Sprint(t.Quantity(k))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", k, t.Events(k), q, k.Label())
	}
	fmt.Fprintln(tw)
	rate, ratings := t.Satisfaction()
	fmt.Fprintf(tw, "unique residents\t%d\n", t.Residents)
	fmt.Fprintf(tw, "ratings 4-5 (satisfied)\t%.1f%%\tof %d\n", 100*rate, ratings)
	cats := t.EventsBy(KindConsultation, DimCategory)
	if n := t.Events(KindConsultation); n > 0 {
		fmt.Fprintf(tw, "unanswered\t%.1f%%\tof %d\n", 100*float64(cats[Unanswered])/float64(n), n)
	}
	quiz := t.EventsBy(KindQuizAnswer, DimResult)
	if n := t.Events(KindQuizAnswer); n > 0 {
		fmt.Fprintf(tw, "quiz answers correct\t%.1f%%\tof %d\n", 100*float64(quiz["correct"])/float64(n), n)
	}

	fmt.Fprintf(tw, "\nconsultations by category\tcount\n")
	for _, c := range knowledge.Categories {
		if n := cats[c.Key]; n > 0 {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", c.Key, n, c.Name)
		}
	}
	if n := cats[Unanswered]; n > 0 {
		fmt.Fprintf(tw, "%s\t%d\t未解答\n", Unanswered, n)
	}
	writeBreakdown(tw, "consultations by community", t.EventsBy(KindConsultation, DimCommunity))
	writeBreakdown(tw, "consultations by channel", t.EventsBy(KindConsultation, DimChannel))
	writeOffline(tw, t)
	writeCampaigns(tw, t)
	writeBuckets(tw, r)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("stats: write table: %w", err)
	}
	return nil
}

func writeBreakdown(tw io.Writer, title string, m map[string]int64) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintf(tw, "\n%s\tcount\n", title)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(tw, "%s\t%d\n", k, m[k])
	}
}

func writeOffline(tw io.Writer, t Counts) {
	offline := []Kind{KindLecture, KindLeaflets, KindBanners, KindVisits}
	communities := map[string]bool{}
	per := map[Kind]map[string]int64{}
	for _, k := range offline {
		per[k] = t.QuantityBy(k, DimCommunity)
		for c := range per[k] {
			communities[c] = true
		}
	}
	if len(communities) == 0 {
		return
	}
	fmt.Fprintf(tw, "\noffline by community\tlectures\tattendees\tleaflets\tbanners\tvisits\n")
	for _, c := range slices.Sorted(maps.Keys(communities)) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", c, t.EventsBy(KindLecture, DimCommunity)[c],
			per[KindLecture][c], per[KindLeaflets][c], per[KindBanners][c], per[KindVisits][c])
	}
}

func writeCampaigns(tw io.Writer, t Counts) {
	kinds := []Kind{KindCampaignDelivery, KindCampaignRead, KindQuizAnswer, KindSignup, KindCheckIn}
	per := map[Kind]map[string]int64{}
	campaigns := map[string]bool{}
	for _, k := range kinds {
		per[k] = t.EventsBy(k, DimCampaign)
		for c := range per[k] {
			campaigns[c] = true
		}
	}
	if len(campaigns) == 0 {
		return
	}
	fmt.Fprintf(tw, "\ncampaign\tdelivered\tread\tquiz answers\tsign-ups\tcheck-ins\n")
	for _, c := range slices.Sorted(maps.Keys(campaigns)) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", c, per[KindCampaignDelivery][c], per[KindCampaignRead][c],
			per[KindQuizAnswer][c], per[KindSignup][c], per[KindCheckIn][c])
	}
}

func writeBuckets(tw io.Writer, r Report) {
	if len(r.Buckets) == 0 {
		return
	}
	layout := map[Granularity]string{ByDay: dayLayout, ByMonth: "2006-01", ByYear: "2006"}[r.By]
	fmt.Fprintf(tw, "\n%s\tconsultations\tunanswered\tresidents\tlegal aid\tmediation\tratings\tcampaign reads\tattendees\n", r.By)
	for _, b := range r.Buckets {
		c := b.Counts
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", b.Start.Format(layout),
			c.Events(KindConsultation), c.EventsBy(KindConsultation, DimCategory)[Unanswered], c.Residents,
			c.Events(KindLegalAid), c.Events(KindMediation), c.Events(KindRating),
			c.Events(KindCampaignRead), c.Quantity(KindLecture))
	}
}
