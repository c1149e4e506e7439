package report

import (
	"fmt"
	"maps"
	"slices"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// Table is one sheet of an export: a title, the counting rule that staff
// read before the numbers, a header and rows. Cells are string, int64 or
// Ratio.
type Table struct {
	// Name is the sheet name (at most 31 characters, as Excel requires).
	Name string
	// Rule states how the sheet's numbers were counted.
	Rule string
	// Header names the columns.
	Header []string
	// Rows hold the data; a row's cells line up with Header.
	Rows [][]any
}

// Ratio is a share shown as a percentage; empty when Of is 0.
type Ratio struct{ Num, Of int64 }

// String writes r as Percent does.
func (r Ratio) String() string { return Percent(r.Num, r.Of) }

// periodRow is the second row of every sheet.
func periodLine(r stats.Report) string {
	return fmt.Sprintf("统计期间：%s 至 %s（北京时间，含首尾两日）",
		r.From.Format("2006-01-02"), r.To.AddDate(0, 0, -1).Format("2006-01-02"))
}

// bucketLabel names a bucket by its granularity: "2026-03", "2026-03-05".
func bucketLabel(b stats.Bucket, g stats.Granularity) string {
	switch g {
	case stats.ByDay:
		return b.Start.Format("2006-01-02")
	case stats.ByYear:
		return b.Start.Format("2006")
	}
	return b.Start.Format("2006-01")
}

var granularityName = map[stats.Granularity]string{stats.ByDay: "日", stats.ByMonth: "月", stats.ByYear: "年", stats.ByTotal: "月"}

// channelLabel is the name staff see for a channel.
func channelLabel(c string) string {
	switch stats.Channel(c) {
	case stats.ChannelTelegram:
		return "Telegram"
	case stats.ChannelWeb:
		return "网页"
	case stats.ChannelCLI:
		return "命令行"
	}
	return c
}

// categoryLabel is the name staff see for a category key.
func categoryLabel(key string) string {
	if key == stats.Unanswered {
		return "未能解答"
	}
	if n := knowledge.CategoryName(key); n != "" {
		return n
	}
	return key
}

const commonRule = "数据来自法治宣传咨询助手自动记录及工作人员登记；同一事件重复上报只计1次；时间按北京时间划分。"

// Tables builds the export's sheets from r, which should be queried by
// month (or by day for short periods): by period, by category, by
// community, by channel, legal-aid referrals, mediation requests,
// satisfaction, campaign participation and offline activities.
//
// Satisfaction is given per period and in total only: the store keeps the
// score distribution per day but not per community or channel.
func Tables(r stats.Report) []Table {
	return []Table{
		periodTable(r),
		categoryTable(r),
		communityTable(r),
		channelTable(r),
		dimTable(r, stats.KindLegalAid, "法律援助转介", "向居民提供法律援助申请指引并转介，每次转介计1次。"),
		dimTable(r, stats.KindMediation, "调解申请", "居民通过助手提出人民调解申请，每次申请计1次。"),
		satisfactionTable(r),
		campaignTable(r),
		offlineTable(r),
	}
}

func periodTable(r stats.Report) Table {
	g := granularityName[r.By]
	t := Table{
		Name: "按" + g + "统计",
		Rule: "统计口径：每行为一个" + g + "份内的次数；法律咨询含未能解答的问题；服务居民为该" + g +
			"内有过任何互动的不同居民人数，合计行为全期去重人数，不等于各行相加；满意率为4、5分评价占全部评价的比例（截断保留两位小数）；讲座人次、资料、横幅、走访为工作人员登记数之和。" + commonRule,
		Header: []string{g + "份", "法律咨询", "其中未能解答", "服务居民", "法律援助转介", "调解申请", "评价", "满意率",
			"普法推送送达", "普法推送阅读", "知识问答", "活动报名", "活动签到", "法治讲座(场)", "讲座人次", "发放资料(份)", "悬挂横幅(幅)", "入户走访(户)"},
	}
	row := func(label string, c stats.Counts) []any {
		scores := c.EventsBy(stats.KindRating, stats.DimScore)
		return []any{label, c.Events(stats.KindConsultation), c.EventsBy(stats.KindConsultation, stats.DimCategory)[stats.Unanswered],
			c.Residents, c.Events(stats.KindLegalAid), c.Events(stats.KindMediation), c.Events(stats.KindRating),
			Ratio{scores["4"] + scores["5"], c.Events(stats.KindRating)},
			c.Events(stats.KindCampaignDelivery), c.Events(stats.KindCampaignRead), c.Events(stats.KindQuizAnswer), c.Events(stats.KindSignup),
			c.Events(stats.KindCheckIn), c.Events(stats.KindLecture), c.Quantity(stats.KindLecture), c.Quantity(stats.KindLeaflets), c.Quantity(stats.KindBanners), c.Quantity(stats.KindVisits)}
	}
	for _, b := range r.Buckets {
		t.Rows = append(t.Rows, row(bucketLabel(b, r.By), b.Counts))
	}
	t.Rows = append(t.Rows, row("合计", r.Total))
	return t
}

func categoryTable(r stats.Report) Table {
	c := r.Total
	cons := c.EventsBy(stats.KindConsultation, stats.DimCategory)
	aid := c.EventsBy(stats.KindLegalAid, stats.DimCategory)
	med := c.EventsBy(stats.KindMediation, stats.DimCategory)
	t := Table{
		Name:   "按类别",
		Rule:   "统计口径：法律咨询按助手判定的问题类别计数，未找到答案的计入“未能解答”；占比为该类咨询占全部咨询的比例；法律援助转介、调解申请按居民所涉事项类别计数，未标类别的不列入本表。" + commonRule,
		Header: []string{"类别", "类别代码", "法律咨询", "占比", "法律援助转介", "调解申请"},
	}
	total := c.Events(stats.KindConsultation)
	keys := make([]string, 0, len(knowledge.Categories)+1)
	known := map[string]bool{}
	for _, k := range knowledge.Categories {
		keys = append(keys, k.Key)
		known[k.Key] = true
	}
	keys = append(keys, stats.Unanswered)
	known[stats.Unanswered] = true
	// Categories no longer in the knowledge base still count.
	extra := map[string]bool{}
	for _, m := range []map[string]int64{cons, aid, med} {
		for k := range m {
			if !known[k] {
				extra[k] = true
			}
		}
	}
	keys = append(keys, slices.Sorted(maps.Keys(extra))...)
	for _, k := range keys {
		t.Rows = append(t.Rows, []any{categoryLabel(k), k, cons[k], Ratio{cons[k], total}, aid[k], med[k]})
	}
	t.Rows = append(t.Rows, []any{"合计", "", total, Ratio{total, total}, sum(aid), sum(med)})
	return t
}

func communityTable(r stats.Report) Table {
	c := r.Total
	cols := []map[string]int64{
		c.EventsBy(stats.KindConsultation, stats.DimCommunity),
		c.EventsBy(stats.KindLegalAid, stats.DimCommunity),
		c.EventsBy(stats.KindMediation, stats.DimCommunity),
		c.EventsBy(stats.KindRating, stats.DimCommunity),
		c.EventsBy(stats.KindCampaignRead, stats.DimCommunity),
		c.EventsBy(stats.KindSignup, stats.DimCommunity),
		c.EventsBy(stats.KindCheckIn, stats.DimCommunity),
		c.EventsBy(stats.KindLecture, stats.DimCommunity),
		c.QuantityBy(stats.KindLecture, stats.DimCommunity),
		c.QuantityBy(stats.KindLeaflets, stats.DimCommunity),
		c.QuantityBy(stats.KindBanners, stats.DimCommunity),
		c.QuantityBy(stats.KindVisits, stats.DimCommunity),
	}
	t := Table{
		Name: "按社区",
		Rule: "统计口径：居民事件按居民所在社区计数，线下活动按举办社区计数；讲座人次、资料、横幅、走访为登记数之和。" + commonRule,
		Header: []string{"社区", "法律咨询", "法律援助转介", "调解申请", "评价", "普法推送阅读", "活动报名", "活动签到",
			"法治讲座(场)", "讲座人次", "发放资料(份)", "悬挂横幅(幅)", "入户走访(户)"},
	}
	appendKeyed(&t, keysOf(cols...), func(k string) string { return k }, cols)
	return t
}

func channelTable(r stats.Report) Table {
	c := r.Total
	kinds := []stats.Kind{stats.KindConsultation, stats.KindRating, stats.KindLegalAid, stats.KindMediation,
		stats.KindCampaignDelivery, stats.KindCampaignRead, stats.KindQuizAnswer, stats.KindSignup, stats.KindCheckIn}
	cols := make([]map[string]int64, len(kinds))
	for i, k := range kinds {
		cols[i] = c.EventsBy(k, stats.DimChannel)
	}
	t := Table{
		Name:   "按渠道",
		Rule:   "统计口径：按居民使用的渠道（Telegram、网页、命令行）计数；线下活动不经渠道，不列入本表。" + commonRule,
		Header: []string{"渠道", "法律咨询", "评价", "法律援助转介", "调解申请", "普法推送送达", "普法推送阅读", "知识问答", "活动报名", "活动签到"},
	}
	order := []string{string(stats.ChannelTelegram), string(stats.ChannelWeb), string(stats.ChannelCLI)}
	keys := keysOf(cols...)
	for _, k := range keys {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	appendKeyed(&t, order, channelLabel, cols)
	return t
}

// dimTable is one kind broken down by period, category, community and
// channel in long form: dimension, item, count.
func dimTable(r stats.Report, k stats.Kind, name, rule string) Table {
	t := Table{
		Name:   name,
		Rule:   "统计口径：" + rule + "按时间、事项类别、社区、渠道分别列出，各部分合计相同（未标类别的不列入类别部分）。" + commonRule,
		Header: []string{"维度", "项目", "次数"},
	}
	g := granularityName[r.By]
	for _, b := range r.Buckets {
		t.Rows = append(t.Rows, []any{g + "份", bucketLabel(b, r.By), b.Counts.Events(k)})
	}
	parts := []struct {
		dim   stats.Dim
		name  string
		label func(string) string
	}{
		{stats.DimCategory, "类别", categoryLabel},
		{stats.DimCommunity, "社区", func(s string) string { return s }},
		{stats.DimChannel, "渠道", channelLabel},
	}
	for _, p := range parts {
		m := r.Total.EventsBy(k, p.dim)
		for _, v := range slices.Sorted(maps.Keys(m)) {
			t.Rows = append(t.Rows, []any{p.name, p.label(v), m[v]})
		}
	}
	t.Rows = append(t.Rows, []any{"合计", "", r.Total.Events(k)})
	return t
}

func satisfactionTable(r stats.Report) Table {
	g := granularityName[r.By]
	t := Table{
		Name:   "满意度",
		Rule:   "统计口径：居民对答复的评分（1–5分），每次评分计1次；满意为4分、5分；满意率=满意次数÷评价次数，截断保留两位小数。本表不分社区、渠道（未按社区保存评分分布）。" + commonRule,
		Header: []string{g + "份", "评价次数", "1分", "2分", "3分", "4分", "5分", "满意(4-5分)", "满意率", "平均分"},
	}
	row := func(label string, c stats.Counts) []any {
		s := c.EventsBy(stats.KindRating, stats.DimScore)
		n := c.Events(stats.KindRating)
		avg := ""
		if n > 0 {
			avg = fmt.Sprintf("%.2f", float64(c.Quantity(stats.KindRating))/float64(n))
		}
		return []any{label, n, s["1"], s["2"], s["3"], s["4"], s["5"], s["4"] + s["5"], Ratio{s["4"] + s["5"], n}, avg}
	}
	for _, b := range r.Buckets {
		t.Rows = append(t.Rows, row(bucketLabel(b, r.By), b.Counts))
	}
	t.Rows = append(t.Rows, row("合计", r.Total))
	return t
}

func campaignTable(r stats.Report) Table {
	c := r.Total
	del := c.EventsBy(stats.KindCampaignDelivery, stats.DimCampaign)
	read := c.EventsBy(stats.KindCampaignRead, stats.DimCampaign)
	quiz := c.EventsBy(stats.KindQuizAnswer, stats.DimCampaign)
	sign := c.EventsBy(stats.KindSignup, stats.DimCampaign)
	check := c.EventsBy(stats.KindCheckIn, stats.DimCampaign)
	t := Table{
		Name: "普法活动参与",
		Rule: "统计口径：按普法活动（推送）编号计数；送达、阅读、知识问答、报名、签到均为人次；阅读率=阅读÷送达；" +
			"活动签到为居民到场扫描活动海报二维码签到，每人每场活动只计1次，重复扫码不计，未报名到场的也计入；答对人次只有全部活动的合计。" + commonRule,
		Header: []string{"活动编号", "推送送达", "推送阅读", "阅读率", "知识问答", "活动报名", "活动签到"},
	}
	for _, k := range keysOf(del, read, quiz, sign, check) {
		t.Rows = append(t.Rows, []any{k, del[k], read[k], Ratio{read[k], del[k]}, quiz[k], sign[k], check[k]})
	}
	d, rd := c.Events(stats.KindCampaignDelivery), c.Events(stats.KindCampaignRead)
	t.Rows = append(t.Rows, []any{"合计", d, rd, Ratio{rd, d}, c.Events(stats.KindQuizAnswer), c.Events(stats.KindSignup), c.Events(stats.KindCheckIn)})
	res := c.EventsBy(stats.KindQuizAnswer, stats.DimResult)
	t.Rows = append(t.Rows, []any{"其中答对", "", "", Ratio{res["correct"], c.Events(stats.KindQuizAnswer)}, res["correct"], "", ""})
	return t
}

func offlineTable(r stats.Report) Table {
	g := granularityName[r.By]
	t := Table{
		Name:   "线下活动",
		Rule:   "统计口径：工作人员登记的线下活动；讲座按场次计，讲座人次、发放资料、悬挂横幅、入户走访为登记数量之和；先按时间、再按举办社区列出。" + commonRule,
		Header: []string{"维度", "项目", "法治讲座(场)", "讲座人次", "发放资料(份)", "悬挂横幅(幅)", "入户走访(户)"},
	}
	row := func(dim, label string, c stats.Counts) []any {
		return []any{dim, label, c.Events(stats.KindLecture), c.Quantity(stats.KindLecture),
			c.Quantity(stats.KindLeaflets), c.Quantity(stats.KindBanners), c.Quantity(stats.KindVisits)}
	}
	for _, b := range r.Buckets {
		t.Rows = append(t.Rows, row(g+"份", bucketLabel(b, r.By), b.Counts))
	}
	c := r.Total
	cols := []map[string]int64{
		c.EventsBy(stats.KindLecture, stats.DimCommunity),
		c.QuantityBy(stats.KindLecture, stats.DimCommunity),
		c.QuantityBy(stats.KindLeaflets, stats.DimCommunity),
		c.QuantityBy(stats.KindBanners, stats.DimCommunity),
		c.QuantityBy(stats.KindVisits, stats.DimCommunity),
	}
	for _, k := range keysOf(cols...) {
		t.Rows = append(t.Rows, []any{"社区", k, cols[0][k], cols[1][k], cols[2][k], cols[3][k], cols[4][k]})
	}
	t.Rows = append(t.Rows, row("合计", "", c))
	return t
}

// appendKeyed adds one row per key (label, then each column's count) and a
// total row.
func appendKeyed(t *Table, keys []string, label func(string) string, cols []map[string]int64) {
	for _, k := range keys {
		row := []any{label(k)}
		for _, m := range cols {
			row = append(row, m[k])
		}
		t.Rows = append(t.Rows, row)
	}
	total := []any{"合计"}
	for _, m := range cols {
		total = append(total, sum(m))
	}
	t.Rows = append(t.Rows, total)
}

// keysOf returns the sorted keys with a nonzero count in any of ms.
func keysOf(ms ...map[string]int64) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k, n := range m {
			if n != 0 {
				set[k] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
