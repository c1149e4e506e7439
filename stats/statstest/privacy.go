package statstest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// PersonalText is a question full of what must never be stored; the
// backends' own tests look for Secrets in their raw data.
const PersonalText = "我的电话是13812345678，身份证号110101199003071234，住在幸福路12号3栋2单元501室，房东不退押金怎么办？"

// Secrets returns the pieces of PersonalText and the suite's resident ids
// that must not appear anywhere in a store's data.
func Secrets() []string {
	return []string{"13812345678", "110101199003071234", "幸福路12号", "501室", "tg:100", "tg:200", "web:abc"}
}

func unanswered(id string, t time.Time, text string) stats.Event {
	return stats.Event{ID: id, Kind: stats.KindConsultation, Time: t, Community: "幸福里", Channel: stats.ChannelTelegram,
		Resident: "tg:100", Category: stats.Unanswered, Question: text}
}

func unanswer(t *testing.T, s stats.Store, q stats.Query, limit int) []stats.Question {
	t.Helper()
	qs, err := s.Unanswered(context.Background(), q, limit)
	if err != nil {
		t.Fatalf("Unanswered() = %v", err)
	}
	return qs
}

func ids(qs []stats.Question) string {
	var b []string
	for _, q := range qs {
		b = append(b, q.ID)
	}
	return strings.Join(b, ",")
}

func testUnanswered(t *testing.T, open Opener) {
	s := openStore(t, open, Config(NewClock(Now())))
	low := stats.Event{ID: "low", Kind: stats.KindConsultation, Time: at(6, 11, 9, 0), Community: "east", Channel: stats.ChannelWeb,
		Resident: "web:abc", Category: "debt", Entry: "debt-iou", Confidence: 0.3, Question: "银行卡 6222 0212 3456 7890 123 被冻结了"}
	sure := low
	sure.ID, sure.Confidence, sure.Time = "sure", 0.9, at(6, 12, 9, 0)
	record(t, s, unanswered("u1", at(6, 10, 9, 0), PersonalText), low, sure,
		unanswered("may", at(5, 10, 9, 0), "五月的问题"))

	june := Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal)
	qs := unanswer(t, s, june, 10)
	if ids(qs) != "low,u1" {
		t.Fatalf("Unanswered(June) = [%s], want [low,u1] (newest first, confident answers not kept)", ids(qs))
	}
	u1 := qs[1]
	for _, secret := range Secrets() {
		if strings.Contains(u1.Text, secret) || strings.Contains(qs[0].Text, secret) {
			t.Errorf("kept text contains %q: %q", secret, u1.Text)
		}
	}
	for _, want := range []string{stats.RedactedMobile, stats.RedactedIDCard, stats.RedactedAddress, "房东不退押金怎么办"} {
		if !strings.Contains(u1.Text, want) {
			t.Errorf("kept text %q lacks %q", u1.Text, want)
		}
	}
	if !strings.Contains(qs[0].Text, stats.RedactedBank) || strings.Contains(qs[0].Text, "6222") {
		t.Errorf("kept text %q: bank card not redacted", qs[0].Text)
	}
	if u1.Category != stats.Unanswered || u1.Community != "幸福里" || u1.Channel != stats.ChannelTelegram || !u1.Time.Equal(at(6, 10, 9, 0)) {
		t.Errorf("kept question = %+v, want category, community, channel and time preserved", u1)
	}
	if qs[0].Entry != "debt-iou" || qs[0].Confidence != 0.3 {
		t.Errorf("kept question = %+v, want entry debt-iou, confidence 0.3", qs[0])
	}
	if got := unanswer(t, s, june, 1); ids(got) != "low" {
		t.Errorf("Unanswered(June, limit 1) = [%s], want [low]", ids(got))
	}
	if got := unanswer(t, s, year2025(), 10); ids(got) != "low,u1,may" {
		t.Errorf("Unanswered(2025) = [%s], want [low,u1,may]", ids(got))
	}
}

func testQuestionRetention(t *testing.T, open Opener) {
	clock := NewClock(Now())
	s := openStore(t, open, Config(clock))
	old := unanswered("old", Now().Add(-100*24*time.Hour), "一百天前的问题")
	record(t, s, unanswered("q", Now(), "押金不退怎么办"), old)
	span := Period(2025, 1, 1, 2026, 1, 1, stats.ByTotal)
	if got := unanswer(t, s, span, 10); ids(got) != "q" {
		t.Fatalf("Unanswered() = [%s], want [q]: a question already past retention is counted but not kept", ids(got))
	}
	wantCount(t, "Events(consultation)", query(t, s, span).Total.Events(stats.KindConsultation), 2)

	clock.Advance(stats.DefaultRetention - 24*time.Hour)
	if got := unanswer(t, s, span, 10); ids(got) != "q" {
		t.Errorf("Unanswered() after 89 days = [%s], want [q]", ids(got))
	}
	clock.Advance(2 * 24 * time.Hour)
	if got := unanswer(t, s, span, 10); len(got) != 0 {
		t.Errorf("Unanswered() after 91 days = [%s], want none", ids(got))
	}
	n, err := s.Purge(context.Background())
	if err != nil || n < 1 {
		t.Fatalf("Purge() = %d, %v, want at least 1 deleted", n, err)
	}
	clock.Set(Now())
	if got := unanswer(t, s, span, 10); len(got) != 0 {
		t.Errorf("Unanswered() with the clock set back after Purge = [%s], want none: text must be deleted, not hidden", ids(got))
	}
	wantCount(t, "Events(consultation) after purge", query(t, s, span).Total.Events(stats.KindConsultation), 2)
}

func testResidentRetention(t *testing.T, open Opener) {
	clock := NewClock(Now())
	s := openStore(t, open, Config(clock))
	record(t, s, validConsultation("c"))
	june := Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal)
	wantCount(t, "Residents", query(t, s, june).Total.Residents, 1)

	clock.Advance(stats.DefaultResidentRetention + 30*24*time.Hour)
	if _, err := s.Purge(context.Background()); err != nil {
		t.Fatalf("Purge() = %v", err)
	}
	clock.Set(Now())
	c := query(t, s, june).Total
	wantCount(t, "Residents after resident retention", c.Residents, 0)
	wantCount(t, "Events(consultation) after resident retention", c.Events(stats.KindConsultation), 1)
}
