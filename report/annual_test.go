package report_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
)

// emptyYear is the 2025 report of a store with nothing in it.
func emptyYear(t *testing.T) *report.Annual {
	t.Helper()
	a, err := report.Year(context.Background(), openStore(t, fixtureNow), 2025, fixtureNow)
	if err != nil {
		t.Fatalf("Year(2025) = %v", err)
	}
	return a
}

// TestGoldenEdges writes a report whose every count is n, at the edges of
// the rounding rule; satisfaction is n-1 of n.
func TestGoldenEdges(t *testing.T) {
	for _, n := range []int64{9, 10, 99, 100, 101, 270, 279, 3000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			a := emptyYear(t)
			for i := range a.Figures {
				f := &a.Figures[i]
				f.Value = n
				if f.Style == report.Percentage {
					f.Value, f.Of = n-1, n
				}
			}
			var buf bytes.Buffer
			if err := report.WriteText(&buf, a); err != nil {
				t.Fatalf("WriteText() = %v", err)
			}
			golden(t, fmt.Sprintf("edge-%d.golden", n), buf.Bytes())
		})
	}
}

func TestGoldenFixtureYear(t *testing.T) {
	a, err := report.Year(context.Background(), fixtureStore(t), 2025, fixtureNow)
	if err != nil {
		t.Fatalf("Year(2025) = %v", err)
	}
	for _, f := range []struct {
		format string
		write  func(*bytes.Buffer, *report.Annual) error
	}{
		{"txt", func(b *bytes.Buffer, a *report.Annual) error { return report.WriteText(b, a) }},
		{"md", func(b *bytes.Buffer, a *report.Annual) error { return report.WriteMarkdown(b, a) }},
	} {
		t.Run(f.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.write(&buf, a); err != nil {
				t.Fatalf("write %s = %v", f.format, err)
			}
			golden(t, "year-2025."+f.format+".golden", buf.Bytes())
		})
	}
}

// TestFixtureFigures checks the figures the fixture was built to give,
// independently of the golden files.
func TestFixtureFigures(t *testing.T) {
	a, err := report.Year(context.Background(), fixtureStore(t), 2025, fixtureNow)
	if err != nil {
		t.Fatalf("Year(2025) = %v", err)
	}
	want := map[string]struct {
		written, exact string
	}{
		report.KeyConsultations: {"270余次", "273次"},
		report.KeyLegalAid:      {"40余次", "45次"},
		report.KeyMediation:     {"20余次", "23次"},
		report.KeyLectures:      {"12场次", "12场次"},
		report.KeyAttendees:     {"3000余人", "3046人"},
		report.KeyLeaflets:      {"5000余份", "5012份"},
		report.KeyBanners:       {"15幅", "15幅"},
		report.KeyVisits:        {"200余户", "208户"},
		report.KeyDeliveries:    {"600人次", "600人次"},
		report.KeyReads:         {"410人次", "410人次"},
		report.KeyQuiz:          {"130人次", "130人次"},
		report.KeySignups:       {"30余人次", "37人次"},
		report.KeyCheckIns:      {"20余人次", "29人次"},
		report.KeySatisfaction:  {"99.31%", "99.31%（144/145）"},
	}
	for key, w := range want {
		f, ok := a.Figure(key)
		if !ok {
			t.Errorf("Figure(%q) missing", key)
			continue
		}
		if f.Written() != w.written || f.ExactText() != w.exact {
			t.Errorf("Figure(%q) = %q / %q, want %q / %q", key, f.Written(), f.ExactText(), w.written, w.exact)
		}
	}
	var keys []string
	for _, f := range a.Figures {
		keys = append(keys, f.Key)
	}
	wantOrder := []string{report.KeyConsultations, report.KeyResidents, report.KeyLegalAid, report.KeyMediation,
		report.KeyLectures, report.KeyAttendees, report.KeyLeaflets, report.KeyBanners, report.KeyVisits,
		report.KeyDeliveries, report.KeyReads, report.KeyQuiz, report.KeySignups, report.KeyCheckIns, report.KeySatisfaction}
	if strings.Join(keys, ",") != strings.Join(wantOrder, ",") {
		t.Errorf("figure order = %v, want %v", keys, wantOrder)
	}
	if len(a.TopCategories) != 3 || a.TopCategories[0].Count < a.TopCategories[2].Count {
		t.Errorf("TopCategories = %v, want three, most first", a.TopCategories)
	}
	s := a.Sentences()
	if len(s) != 6 || !strings.HasPrefix(s[0], "2025年，为群众提供法律咨询270余次") {
		t.Errorf("Sentences() = %q, want six starting with the year's consultations", s)
	}
	if len(s) == 6 && !strings.Contains(s[4], "报名参加普法活动30余人次，活动现场签到20余人次") {
		t.Errorf("campaign sentence = %q, want the sign-ups and then the check-ins", s[4])
	}
}

func TestSentencesLeaveOutZeros(t *testing.T) {
	a := emptyYear(t)
	if got := a.Sentences(); len(got) != 1 || got[0] != "2025年，暂无统计数据。" {
		t.Errorf("Sentences(empty) = %q, want the no-data sentence", got)
	}
	for i := range a.Figures {
		if a.Figures[i].Key == report.KeyBanners {
			a.Figures[i].Value = 15
		}
	}
	if got := a.Sentences(); len(got) != 1 || !strings.Contains(got[0], "悬挂横幅15幅") || strings.Contains(got[0], "宣传资料") {
		t.Errorf("Sentences(banners only) = %q, want one sentence naming only the banners", got)
	}
}

func TestYearInProgress(t *testing.T) {
	now := time.Date(2025, 11, 26, 10, 0, 0, 0, stats.DefaultLocation())
	a, err := report.Year(context.Background(), openStore(t, now), 2025, now)
	if err != nil {
		t.Fatalf("Year(2025) = %v", err)
	}
	if got := a.Sentences()[0]; !strings.HasPrefix(got, "2025年1月至11月26日，") {
		t.Errorf("Sentences()[0] = %q, want the period so far", got)
	}
	var buf bytes.Buffer
	report.WriteText(&buf, a)
	if !strings.Contains(buf.String(), "统计期间：2025年1月1日至2025年11月26日") {
		t.Errorf("WriteText() = %q, want the period so far", buf.String())
	}
}
