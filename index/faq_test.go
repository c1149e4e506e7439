package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lawbot/lawbot/knowledge"
)

var (
	faqOnce  sync.Once
	faqBase  *knowledge.Base
	faqIndex *FAQIndex
	faqErr   error
)

// shippedFAQ builds the FAQ index of the shipped knowledge base once per
// test binary.
func shippedFAQ(t testing.TB) (*knowledge.Base, *FAQIndex) {
	t.Helper()
	faqOnce.Do(func() {
		faqBase, _, faqErr = knowledge.Load(knowledge.LoadOptions{})
		if faqErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "lawbot-faq-test-")
		if err != nil {
			faqErr = err
			return
		}
		faqIndex, faqErr = BuildFAQ(context.Background(), dir, faqBase)
	})
	if faqErr != nil {
		t.Fatalf("building the shipped FAQ index: %v", faqErr)
	}
	return faqBase, faqIndex
}

func TestFAQSearchFindsEntry(t *testing.T) {
	_, f := shippedFAQ(t)
	tests := []struct {
		q, want string
	}{
		{"房东不退押金怎么办", "rental-deposit-refund"},
		{"公司拖欠工资怎么办", "labor-unpaid-wages"},
		{"邻居装修噪音太大怎么办", "neighbor-renovation-noise"},
		{"正在被家暴，老公在打我", "domestic_violence-happening-now"},
		{"房東不退押金怎麼辦", "rental-deposit-refund"}, // traditional characters
		{"ＡＢ公司拖欠工资怎么办", "labor-unpaid-wages"},  // full-width letters
	}
	for _, tt := range tests {
		hits, err := f.Search(context.Background(), tt.q, 3)
		if err != nil {
			t.Fatalf("Search(%q): %v", tt.q, err)
		}
		if len(hits) == 0 || hits[0].ID != tt.want {
			t.Errorf("Search(%q) = %v, want %s first", tt.q, hits, tt.want)
			continue
		}
		if hits[0].Confidence < 0.7 {
			t.Errorf("Search(%q) confidence %.2f, want >= 0.7 for a question the base answers", tt.q, hits[0].Confidence)
		}
	}
}

// TestLeaveOneOut: each phrasing, with itself left out of the index, still
// retrieves its own entry first for at least 90% of phrasings.
func TestLeaveOneOut(t *testing.T) {
	base, f := shippedFAQ(t)
	hit, all := 0, 0
	for _, e := range base.Entries {
		for i, q := range append([]string{e.Question}, e.Phrasings...) {
			hits, err := f.SearchLeavingOut(context.Background(), q, 1, Phrasing{e.ID, i})
			if err != nil {
				t.Fatal(err)
			}
			all++
			if len(hits) > 0 && hits[0].ID == e.ID {
				hit++
			}
		}
	}
	rate := float64(hit) / float64(all)
	t.Logf("leave-one-out: %d of %d phrasings (%.1f%%) retrieve their own entry first", hit, all, 100*rate)
	if rate < 0.9 {
		t.Errorf("leave-one-out rate %.3f, want >= 0.90", rate)
	}
}

// Questions outside the base, vague ones and near-ties must not be
// answered from an entry with confidence.
func TestConfidenceLowWhenUnsure(t *testing.T) {
	_, f := shippedFAQ(t)
	for _, q := range []string{
		"今天天气怎么样",
		"推荐一部好看的电影",
		"老公",
		"怎么申请专利和商标国际注册",
		"股票期权行权的税务处理",
	} {
		hits, err := f.Search(context.Background(), q, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) > 0 && hits[0].Confidence >= 0.7 {
			t.Errorf("Search(%q) = %s with confidence %.2f, want < 0.7", q, hits[0].ID, hits[0].Confidence)
		}
	}
}

// TestConfidenceCalibrated checks, on the STARD dev questions, that answers
// given with high confidence cite an expert-labelled article more often
// than those given with low confidence (the calibration's fitting data).
func TestConfidenceCalibrated(t *testing.T) {
	corpus, dev := stardFiles(t)
	base, f := shippedFAQ(t)
	arts, _, err := knowledge.ReadStatutes(corpus, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := knowledge.NewStatutes(arts)
	qs, _, err := knowledge.ReadConsultationsFile(dev)
	if err != nil {
		t.Fatal(err)
	}
	var hiN, hiOK, loN, loOK int
	for _, q := range qs {
		hits, err := f.Search(context.Background(), q.Query, 1)
		if err != nil || len(hits) == 0 {
			continue
		}
		e, _ := base.ByID(hits[0].ID)
		ok := citesAny(st, e, q.Relevant)
		if hits[0].Confidence >= 0.7 {
			hiN++
			if ok {
				hiOK++
			}
		} else {
			loN++
			if ok {
				loOK++
			}
		}
	}
	hi, lo := float64(hiOK)/float64(max(hiN, 1)), float64(loOK)/float64(max(loN, 1))
	t.Logf("confidence >= 0.7: %d questions, %.0f%% cite a labelled article; below: %d, %.0f%%", hiN, 100*hi, loN, 100*lo)
	if hi < 0.5 || hi < 2*lo {
		t.Errorf("confident answers cite a labelled article %.2f of the time (unsure: %.2f); want >= 0.5 and at least twice as often", hi, lo)
	}
}

func citesAny(st *knowledge.Statutes, e knowledge.Entry, relevant []string) bool {
	rel := map[string]bool{}
	for _, r := range relevant {
		rel[r] = true
	}
	for _, c := range e.Citations {
		if a, ok := st.Resolve(c); ok && rel[a.ID] {
			return true
		}
	}
	return false
}

func TestFAQBadQueries(t *testing.T) {
	_, f := shippedFAQ(t)
	for _, q := range []string{
		"", "   ", "😀😀😀", strings.Repeat("房东不退押金", 20000), "\xff\xfe\xfd",
		`+-:^~*?"()/.*/`, "/.*/", "押金*", "押金~2", "\u200b\u200b", "\u202e押金", "What is a deposit?",
	} {
		if _, err := f.Search(context.Background(), q, 3); err != nil {
			t.Errorf("Search(%.20q) error %v, want none", q, err)
		}
	}
}

func TestOpenFAQ(t *testing.T) {
	base, _ := shippedFAQ(t)
	dir := filepath.Join(t.TempDir(), "faq")
	if _, err := OpenFAQ(dir, FAQSource(base)); err != ErrStale {
		t.Fatalf("OpenFAQ(empty dir) = %v, want ErrStale", err)
	}
	built, err := BuildFAQ(context.Background(), dir, base)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := built.Search(context.Background(), "房东不退押金", 3)
	built.Close()
	if _, err := OpenFAQ(dir, "v0-other"); err != ErrStale {
		t.Errorf("OpenFAQ(other source) = %v, want ErrStale", err)
	}
	f, err := OpenFAQ(dir, FAQSource(base))
	if err != nil {
		t.Fatalf("OpenFAQ: %v", err)
	}
	defer f.Close()
	got, _ := f.Search(context.Background(), "房东不退押金", 3)
	if len(got) == 0 || got[0] != want[0] {
		t.Errorf("reopened Search = %v, want %v", got, want)
	}
}

func BenchmarkFAQSearch(b *testing.B) {
	_, f := shippedFAQ(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Search(ctx, "我和老公想离婚，孩子的抚养权怎么判", 4); err != nil {
			b.Fatal(err)
		}
	}
}

// stardFiles returns the STARD corpus and dev files beside the checkout, or
// skips the test.
func stardFiles(t testing.TB) (corpus, dev string) {
	t.Helper()
	dir := os.Getenv("LAWBOT_EVAL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "eval", "stard")
	}
	corpus, dev = filepath.Join(dir, "corpus.jsonl"), filepath.Join(dir, "dev.jsonl")
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("STARD evaluation data not found at %s (set LAWBOT_EVAL_DIR): skipping", dir)
	}
	return corpus, dev
}
