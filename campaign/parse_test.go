package campaign_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
)

// parseNow is "now" for the parser tests: 2026-03-20 10:30 in Shanghai.
var parseNow = time.Date(2026, 3, 20, 10, 30, 0, 0, campaign.Zone)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, campaign.Zone) }

// userText returns the text shown for err, failing unless it is a polite
// *campaign.UserError wrapping ErrInvalid.
func userText(t *testing.T, err error) string {
	t.Helper()
	var ue *campaign.UserError
	if !errors.As(err, &ue) || !errors.Is(err, campaign.ErrInvalid) || ue.Text == "" {
		t.Fatalf("error %v: want a *UserError wrapping ErrInvalid", err)
	}
	return ue.Text
}

func TestParseActivity(t *testing.T) {
	tests := []struct {
		in   string
		want campaign.ActivityLine
	}{
		{"讲座 2026-03-15 社区活动室 45人", campaign.ActivityLine{Kind: stats.KindLecture, Count: 45, Date: day(2026, 3, 15), Place: "社区活动室"}},
		{"法治讲座 45人次 3月15日 幸福社区 居委会二楼", campaign.ActivityLine{Kind: stats.KindLecture, Count: 45, Date: day(2026, 3, 15), Place: "幸福社区 居委会二楼"}},
		{"讲座　２０２６／３／１８　活动室　３０", campaign.ActivityLine{Kind: stats.KindLecture, Count: 30, Date: day(2026, 3, 18), Place: "活动室"}},
		{"讲座 昨天 老年活动中心 12名", campaign.ActivityLine{Kind: stats.KindLecture, Count: 12, Date: day(2026, 3, 19), Place: "老年活动中心"}},
		{"传单 300", campaign.ActivityLine{Kind: stats.KindLeaflets, Count: 300, Date: day(2026, 3, 20)}},
		{"资料 300份 今天 菜市场门口", campaign.ActivityLine{Kind: stats.KindLeaflets, Count: 300, Date: day(2026, 3, 20), Place: "菜市场门口"}},
		{"横幅 2", campaign.ActivityLine{Kind: stats.KindBanners, Count: 2, Date: day(2026, 3, 20)}},
		{"横幅 2条 2026年3月1日", campaign.ActivityLine{Kind: stats.KindBanners, Count: 2, Date: day(2026, 3, 1)}},
		{"走访 20户", campaign.ActivityLine{Kind: stats.KindVisits, Count: 20, Date: day(2026, 3, 20)}},
		{"入户走访 12月30日 8家", campaign.ActivityLine{Kind: stats.KindVisits, Count: 8, Date: day(2025, 12, 30)}},
		{"Leaflets 5", campaign.ActivityLine{Kind: stats.KindLeaflets, Count: 5, Date: day(2026, 3, 20)}},
	}
	for _, tt := range tests {
		got, err := campaign.ParseActivity(tt.in, parseNow)
		if err != nil {
			t.Errorf("ParseActivity(%q) = %v", tt.in, err)
			continue
		}
		if got.Kind != tt.want.Kind || got.Count != tt.want.Count || !got.Date.Equal(tt.want.Date) || got.Place != tt.want.Place {
			t.Errorf("ParseActivity(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseActivityErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "请写明活动类型"},
		{"   ", "请写明活动类型"},
		{"聚餐 20人", "无法识别活动类型“聚餐”"},
		{"讲座 社区活动室 45人", "登记讲座需要日期、地点和人数"},
		{"讲座 2026-03-15 45人", "登记讲座需要日期、地点和人数"},
		{"讲座 2026-03-15 活动室", "登记讲座需要日期、地点和人数"},
		{"传单", "请写明传单的数量"},
		{"传单 很多", "请写明传单的数量"},
		{"传单 0", "1 到 100000"},
		{"传单 100001", "1 到 100000"},
		{"横幅 1001", "1 到 1000"},
		{"传单 99999999999999999999999", "1 到 100000"},
		{"走访 20人", "单位和走访不符"},
		{"传单 300 400", "数量写了两次"},
		{"传单 300 3月1日 3月2日", "日期写了两次"},
		{"讲座 2026-03-21 活动室 45人", "还没到"},
		{"讲座 2024-12-31 活动室 45人", "太早了"},
		{"讲座 2026-02-30 活动室 45人", "不存在"},
		{"讲座 13月1日 活动室 45人", "不存在"},
		{"传单 300 " + strings.Repeat("长", stats.MaxPlace+1), "地点请不超过"},
	}
	for _, tt := range tests {
		_, err := campaign.ParseActivity(tt.in, parseNow)
		if err == nil {
			t.Errorf("ParseActivity(%q) succeeded, want an error", tt.in)
			continue
		}
		if got := userText(t, err); !strings.Contains(got, tt.want) {
			t.Errorf("ParseActivity(%q) = %q, want it to say %q", tt.in, got, tt.want)
		}
	}
}

func TestParseWhen(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-03-25 14:00", time.Date(2026, 3, 25, 14, 0, 0, 0, campaign.Zone)},
		{"2026/3/25 9:05", time.Date(2026, 3, 25, 9, 5, 0, 0, campaign.Zone)},
		{"3月25日14:00", time.Date(2026, 3, 25, 14, 0, 0, 0, campaign.Zone)},
		{"3月25日 下午2点", time.Date(2026, 3, 25, 14, 0, 0, 0, campaign.Zone)},
		{"3月25日 晚上7点半", time.Date(2026, 3, 25, 19, 30, 0, 0, campaign.Zone)},
		{"明天 9:30", time.Date(2026, 3, 21, 9, 30, 0, 0, campaign.Zone)},
		{"今天 20:00", time.Date(2026, 3, 20, 20, 0, 0, 0, campaign.Zone)},
		{"1月10日 10点", time.Date(2027, 1, 10, 10, 0, 0, 0, campaign.Zone)},
		{"３月２５日　１４：００", time.Date(2026, 3, 25, 14, 0, 0, 0, campaign.Zone)},
	}
	for _, tt := range tests {
		got, err := campaign.ParseWhen(tt.in, parseNow)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseWhen(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
	for in, want := range map[string]string{
		"":                 "不是时间",
		"下周":               "不是时间",
		"2026-03-25":       "不是时间",
		"今天 9:00":          "已经过去",
		"3月19日 14:00":      "已经过去",
		"2028-01-01 10:00": "太远",
		"2026-02-30 10:00": "不存在",
		"2026-03-25 25:00": "不存在",
		"2026-03-25 14:61": "不存在",
	} {
		_, err := campaign.ParseWhen(in, parseNow)
		if err == nil {
			t.Errorf("ParseWhen(%q) succeeded, want an error", in)
			continue
		}
		if got := userText(t, err); !strings.Contains(got, want) {
			t.Errorf("ParseWhen(%q) = %q, want it to say %q", in, got, want)
		}
	}
}

func TestParseEvent(t *testing.T) {
	at := time.Date(2026, 3, 28, 14, 0, 0, 0, campaign.Zone)
	for _, in := range []string{
		"社区活动室 2026-03-28 14:00 30人",
		"2026-03-28 14:00 社区活动室 限30人",
		"地点：社区活动室；时间：3月28日下午2点；名额：30",
		"社区活动室，3月28日 14:00，30",
	} {
		e, err := campaign.ParseEvent(in, parseNow)
		if err != nil || e.Place != "社区活动室" || !e.Time.Equal(at) || e.Capacity != 30 {
			t.Errorf("ParseEvent(%q) = %+v, %v, want 社区活动室 %v 30", in, e, err, at)
		}
	}
	if e, err := campaign.ParseEvent("3号楼活动室 3月28日 14:00 25人", parseNow); err != nil || e.Place != "3号楼活动室" || e.Capacity != 25 {
		t.Errorf("ParseEvent(with digits in the place) = %+v, %v", e, err)
	}
	for in, want := range map[string]string{
		"社区活动室 30人":                  "请写明活动时间",
		"社区活动室 2026-03-28 14:00":     "请写明活动名额",
		"2026-03-28 14:00 30人":       "请写明活动地点",
		"社区活动室 2026-03-01 14:00 30人": "已经过去",
		"社区活动室 2026-03-28 14:00 0人":  "名额应在",
	} {
		_, err := campaign.ParseEvent(in, parseNow)
		if err == nil {
			t.Errorf("ParseEvent(%q) succeeded, want an error", in)
			continue
		}
		if got := userText(t, err); !strings.Contains(got, want) {
			t.Errorf("ParseEvent(%q) = %q, want it to say %q", in, got, want)
		}
	}
}

func TestParseQuiz(t *testing.T) {
	in := "题：国家宪法日是哪天？\nA. 12月4日\nB. 3月15日\n答：A\n解：2014年设立。\n\n" +
		"问2：网购几日无理由退货？\nA、3日\nB、7日 *\nC、15日\n解析：见消费者权益保护法第二十五条。"
	got, err := campaign.ParseQuiz(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []campaign.Question{
		{Text: "国家宪法日是哪天？", Options: []string{"12月4日", "3月15日"}, Answer: 0, Explain: "2014年设立。"},
		{Text: "网购几日无理由退货？", Options: []string{"3日", "7日", "15日"}, Answer: 1, Explain: "见消费者权益保护法第二十五条。"},
	}
	if len(got) != len(want) {
		t.Fatalf("ParseQuiz = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Text != w.Text || strings.Join(g.Options, "|") != strings.Join(w.Options, "|") || g.Answer != w.Answer || g.Explain != w.Explain {
			t.Errorf("question %d = %+v, want %+v", i+1, g, w)
		}
	}
	six := strings.Repeat("题：问？\nA. 是 *\nB. 否\n", 6)
	for in, want := range map[string]string{
		"":                                   "没有读到题目",
		"国家宪法日是哪天？":                          "请以“题：”开始",
		"题：问？\nA. 是":                         "至少需要两个选项",
		"题：问？\nA. 是\nB. 否":                   "没有标出正确答案",
		"题：问？\nA. 是\nB. 否\n答：C":              "不在选项中",
		"题：问？\nA. 是 *\nB. 否\n答：B":            "两个不同的答案",
		"题：问？\nB. 是\nA. 否":                   "顺序",
		"题：问？\nA. 1\nB. 2\nC. 3\nD. 4\nE. 5": "最多 4 个选项",
		"题：\nA. 是\nB. 否":                     "题目不能为空",
		"题：问？\nA. 是\nB. 否\n随便写写":             "看不懂",
		six: "最多 5 题",
	} {
		_, err := campaign.ParseQuiz(in)
		if err == nil {
			t.Errorf("ParseQuiz(%q) succeeded, want an error", in)
			continue
		}
		if got := userText(t, err); !strings.Contains(got, want) {
			t.Errorf("ParseQuiz(%q) = %q, want it to say %q", in, got, want)
		}
	}
}

// FuzzParseActivity checks the one-line /log parser never panics, accepts
// only what the statistics store accepts, and reads back what it writes.
func FuzzParseActivity(f *testing.F) {
	for _, s := range []string{
		"讲座 2026-03-15 社区活动室 45人", "传单 300", "横幅 2", "走访 20户", "资料 300份 今天 菜市场门口",
		"讲座　２０２６／３／１８　活动室　３０", "入户走访 12月30日 8家", "传单 0", "走访 20人", "讲座 2026-02-30 x 1",
		"传单 300 3月1日 3月2日", "横幅 \x00\xff 2", "讲座 昨天 3号楼 1人次",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		a, err := campaign.ParseActivity(line, parseNow)
		if err != nil {
			var ue *campaign.UserError
			if !errors.As(err, &ue) || ue.Text == "" || !utf8.ValidString(ue.Text) {
				t.Fatalf("ParseActivity(%q) = %v: want a *UserError with a text", line, err)
			}
			return
		}
		if !a.Kind.Offline() || a.Count < 1 || a.Count > a.Kind.MaxCount() {
			t.Fatalf("ParseActivity(%q) = %+v: kind or count out of range", line, a)
		}
		if a.Date.After(day(2026, 3, 20)) || a.Date.Before(day(2025, 1, 1)) || !a.Date.Equal(day(a.Date.In(campaign.Zone).Date())) {
			t.Fatalf("ParseActivity(%q) = %+v: date out of range or not noon", line, a)
		}
		if !utf8.ValidString(a.Place) || utf8.RuneCountInString(a.Place) > stats.MaxPlace || a.Place != strings.TrimSpace(a.Place) {
			t.Fatalf("ParseActivity(%q) = %+v: bad place", line, a)
		}
		if a.Kind == stats.KindLecture && a.Place == "" {
			t.Fatalf("ParseActivity(%q) = %+v: lecture without a place", line, a)
		}
		again, err := campaign.ParseActivity(a.String(), parseNow)
		if err != nil || again.Kind != a.Kind || again.Count != a.Count || !again.Date.Equal(a.Date) || again.Place != a.Place {
			t.Fatalf("ParseActivity(%q) = %+v; reading back %q = %+v, %v", line, a, a.String(), again, err)
		}
		at := a.Date
		if at.After(parseNow) { // LogActivity dates today's activities now
			at = parseNow
		}
		e := stats.Event{ID: "fuzz", Kind: a.Kind, Time: at, Community: "hq", Count: a.Count, Place: a.Place}
		pol, _ := stats.NewPolicy(stats.Config{Now: func() time.Time { return parseNow }})
		if _, err := pol.Prepare(e); err != nil {
			t.Fatalf("ParseActivity(%q) = %+v, which the statistics store refuses: %v", line, a, err)
		}
	})
}

// FuzzParseQuiz checks the quiz parser never panics and returns only
// quizzes a campaign may hold.
func FuzzParseQuiz(f *testing.F) {
	f.Add("题：国家宪法日是哪天？\nA. 12月4日\nB. 3月15日\n答：A\n解：2014年设立。")
	f.Add("1. 问？\nA、是 *\nB、否\n\n2. 问？\na) x\nb) y ✓")
	f.Add("题：问？\nA. 是\nB. 否\n答：C")
	f.Fuzz(func(t *testing.T, in string) {
		quiz, err := campaign.ParseQuiz(in)
		if err != nil {
			return
		}
		c := campaign.Campaign{Title: "t", Message: "m", Community: "hq", Quiz: quiz}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseQuiz(%q) = %+v, which a campaign may not hold: %v", in, quiz, err)
		}
	})
}
