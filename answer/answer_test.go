package answer

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
)

var (
	once     sync.Once
	composer *Composer
	setupErr error
)

// testComposer composes from the shipped knowledge base, with a few
// invented articles standing in for imported statutes.
func testComposer(t testing.TB) *Composer {
	t.Helper()
	once.Do(func() {
		base, _, err := knowledge.Load(knowledge.LoadOptions{})
		if err != nil {
			setupErr = err
			return
		}
		dir, err := os.MkdirTemp("", "lawbot-answer-test-")
		if err != nil {
			setupErr = err
			return
		}
		faq, err := index.BuildFAQ(context.Background(), dir, base)
		if err != nil {
			setupErr = err
			return
		}
		composer = &Composer{Base: base, FAQ: faq, Laws: knowledge.NewStatutes(nil)}
	})
	if setupErr != nil {
		t.Fatalf("setting up: %v", setupErr)
	}
	return composer
}

func TestAskFAQ(t *testing.T) {
	c := testComposer(t)
	a, err := c.Ask(context.Background(), "房东不退押金怎么办")
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != FAQ || a.Entry == nil || a.Entry.ID != "rental-deposit-refund" {
		t.Fatalf("Ask = kind %v entry %v, want FAQ rental-deposit-refund", a.Kind, a.Entry)
	}
	if !strings.HasPrefix(a.Text, a.Entry.Answer) {
		t.Errorf("reply does not start with the entry's answer:\n%s", a.Text)
	}
	// Statutes not imported: citations are named, without text.
	for _, cit := range a.Entry.Citations {
		if !strings.Contains(a.Text, cit.String()) {
			t.Errorf("reply lacks citation %s", cit)
		}
	}
	if !strings.Contains(a.Text, "下一步可以") || len(a.NextSteps) == 0 {
		t.Errorf("reply has no next step:\n%s", a.Text)
	}
}

func TestAskUrgentLeadsWithEmergency(t *testing.T) {
	c := testComposer(t)
	for _, q := range []string{
		"老公现在正在家里打我",
		"孩子不见了找不到",
		"刚转账给一个自称公安的人，被骗了",
		"他拿刀威胁我要杀了我",
	} {
		a, err := c.Ask(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		first := strings.SplitN(a.Text, "\n", 2)[0]
		if !a.Urgent || !strings.ContainsAny(first, "0123456789") || !(strings.Contains(first, "110") || strings.Contains(first, "96110")) {
			t.Errorf("Ask(%q) first line %q, want the emergency step with 110 first", q, first)
		}
	}
}

func TestAskNotSure(t *testing.T) {
	c := testComposer(t)
	a, err := c.Ask(context.Background(), "股票期权行权的税务处理")
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind == FAQ {
		t.Fatalf("Ask(off-topic) answered from %s with confidence %.2f", a.Entry.ID, a.Confidence)
	}
	if !strings.Contains(a.Text, "12348") || !strings.Contains(a.Text, "法律顾问") {
		t.Errorf("unsure reply lacks the next step:\n%s", a.Text)
	}
}

func TestAskRephrase(t *testing.T) {
	c := testComposer(t)
	for _, q := range []string{"", "   ", "😀😀", "？？？", "\xff\xfe", "\u200b"} {
		a, err := c.Ask(context.Background(), q)
		if err != nil {
			t.Fatalf("Ask(%q): %v", q, err)
		}
		if a.Kind != Rephrase || a.Text == "" {
			t.Errorf("Ask(%q) = kind %v, want Rephrase with a polite text", q, a.Kind)
		}
	}
}

func TestAskBadInputNeverFails(t *testing.T) {
	c := testComposer(t)
	for _, q := range []string{strings.Repeat("房东不退押金", 20000), `+-:^~*?"()/.*/`, "押金*~2", "Landlord keeps my deposit", "房東不退押金怎麼辦", "ＡＢＣ押金"} {
		a, err := c.Ask(context.Background(), q)
		if err != nil {
			t.Errorf("Ask(%.20q): %v", q, err)
		}
		if a.Text == "" {
			t.Errorf("Ask(%.20q) gave an empty reply", q)
		}
	}
}

func TestSplit(t *testing.T) {
	text := strings.Repeat("这是一句话。", 50) + "\n\n" + strings.Repeat("长", 130)
	parts := Split(text, 100)
	if strings.Join(parts, "") != strings.ReplaceAll(strings.ReplaceAll(text, "\n", ""), " ", "") {
		// Split trims whitespace at message edges only; the words survive.
		joined := strings.Join(parts, "")
		if utf8.RuneCountInString(joined) < utf8.RuneCountInString(text)-4 {
			t.Errorf("Split lost text: %d of %d runes", utf8.RuneCountInString(joined), utf8.RuneCountInString(text))
		}
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > 100 || n == 0 {
			t.Errorf("part %d has %d runes, want 1..100", i, n)
		}
		if !strings.Contains(p, "长") && !strings.HasSuffix(p, "。") {
			t.Errorf("part %d = %q, want it to end at a sentence", i, p)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("第一句。第二句！第三句？", 5)
	f.Add(strings.Repeat("字", 100), 7)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 5000 || !utf8.ValidString(s) {
			return
		}
		for _, p := range Split(s, max) {
			if utf8.RuneCountInString(p) > max || p == "" {
				t.Fatalf("Split(%q, %d) part %q", s, max, p)
			}
		}
	})
}

func BenchmarkAsk(b *testing.B) {
	c := testComposer(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Ask(ctx, "公司拖欠工资三个月不发怎么办"); err != nil {
			b.Fatal(err)
		}
	}
}
