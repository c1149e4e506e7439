package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// clause is one part of a sentence: a format with one %s for a figure.
type clause struct {
	key, format string
}

// sentence is a report sentence: its clauses joined by sep; clauses whose
// figure is zero are left out, and so is a sentence left with none.
type sentence struct {
	sep     string
	clauses []clause
}

// sentences are the report's, in the order such reports present them:
// consultations and residents served, referrals, lectures, publicity
// materials, online campaigns, satisfaction.
var sentences = []sentence{
	{"，", []clause{{KeyConsultations, "为群众提供法律咨询%s"}, {KeyResidents, "服务群众%s"}}},
	{"，", []clause{{KeyLegalAid, "引导群众申请法律援助%s"}, {KeyMediation, "转介人民调解%s"}}},
	{"，", []clause{{KeyLectures, "举办各类法治宣讲%s"}, {KeyAttendees, "培训人数达%s"}}},
	{"、", []clause{{KeyLeaflets, "发放宣传资料%s"}, {KeyBanners, "悬挂横幅%s"}, {KeyVisits, "入户走访%s"}}},
	{"，", []clause{{KeyDeliveries, "线上推送普法信息%s"}, {KeyReads, "阅读%s"}, {KeyQuiz, "参与法律知识问答%s"}, {KeySignups, "报名参加普法活动%s"}, {KeyCheckIns, "活动现场签到%s"}}},
	{"", []clause{{KeySatisfaction, "群众对咨询答复的满意度达%s"}}},
}

// Sentences returns the report's statistics sentences, ready to paste.
// The first names the period and the categories asked about most.
func (a *Annual) Sentences() []string {
	var out []string
	for i, s := range sentences {
		var parts []string
		for _, c := range s.clauses {
			f, ok := a.Figure(c.key)
			if !ok || f.Value == 0 && f.Of == 0 {
				continue
			}
			parts = append(parts, fmt.Sprintf(c.format, f.Written()))
		}
		if len(parts) == 0 {
			continue
		}
		text := strings.Join(parts, s.sep)
		if i == 0 {
			text = a.periodPrefix() + "，" + text
			if len(a.TopCategories) > 0 {
				names := make([]string, len(a.TopCategories))
				for j, c := range a.TopCategories {
					names[j] = c.Name
				}
				text += "，咨询内容主要涉及" + strings.Join(names, "、") + "等方面"
			}
		}
		out = append(out, text+"。")
	}
	if len(out) == 0 {
		out = append(out, a.periodPrefix()+"，暂无统计数据。")
	}
	return out
}

// periodPrefix is "2026年" for a whole year, "2026年1月至11月" for a year so
// far, and the dates for any other period.
func (a *Annual) periodPrefix() string {
	f, t := a.From, a.Through
	switch {
	case f.Month() == 1 && f.Day() == 1 && t.Month() == 12 && t.Day() == 31 && f.Year() == t.Year():
		return fmt.Sprintf("%d年", f.Year())
	case f.Day() == 1 && f.Year() == t.Year():
		return fmt.Sprintf("%d年%d月至%d月%d日", f.Year(), f.Month(), t.Month(), t.Day())
	}
	return fmt.Sprintf("%s至%s", chineseDate(f), chineseDate(a.Through))
}

func (a *Annual) title() string {
	return fmt.Sprintf("%d年度法治宣传与法律咨询工作统计", a.Year)
}

func (a *Annual) period() string {
	return fmt.Sprintf("统计期间：%s至%s（北京时间）", chineseDate(a.From), chineseDate(a.Through))
}

// WriteText writes the report as plain text: the sentences, then every
// figure as written beside its exact value and its counting rule.
func WriteText(w io.Writer, a *Annual) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\n%s\n\n一、报告用语\n", a.title(), a.period())
	for _, s := range a.Sentences() {
		fmt.Fprintf(bw, "%s\n", s)
	}
	fmt.Fprintf(bw, "\n二、核对（报告写法／实数／统计口径）\n")
	for _, f := range a.Figures {
		fmt.Fprintf(bw, "%s：%s／实数 %s／%s\n", f.Name, f.Written(), f.ExactText(), f.Rule)
	}
	if len(a.TopCategories) > 0 {
		fmt.Fprintf(bw, "\n三、咨询较多的类别\n")
		for _, c := range a.TopCategories {
			fmt.Fprintf(bw, "%s：%d次\n", c.Name, c.Count)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write text: %w", err)
	}
	return nil
}

// WriteMarkdown writes the report as Markdown for staff to paste or
// convert: the sentences as a paragraph, then a check table with each
// written figure beside its exact value and counting rule.
func WriteMarkdown(w io.Writer, a *Annual) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s\n\n%s\n\n## 报告用语\n\n", a.title(), a.period())
	fmt.Fprintf(bw, "%s\n\n## 核对表\n\n", strings.Join(a.Sentences(), ""))
	fmt.Fprintf(bw, "| 项目 | 报告写法 | 实数 | 统计口径 |\n| --- | --- | ---: | --- |\n")
	for _, f := range a.Figures {
		fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", f.Name, f.Written(), f.ExactText(), f.Rule)
	}
	if len(a.TopCategories) > 0 {
		fmt.Fprintf(bw, "\n## 咨询较多的类别\n\n| 类别 | 咨询次数 |\n| --- | ---: |\n")
		for _, c := range a.TopCategories {
			fmt.Fprintf(bw, "| %s | %d |\n", c.Name, c.Count)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write markdown: %w", err)
	}
	return nil
}
