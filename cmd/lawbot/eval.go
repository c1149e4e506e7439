package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
)

// evalLine is one line of `lawbot eval` output.
type evalLine struct {
	ID             json.RawMessage   `json:"id"`
	Articles       []json.RawMessage `json:"articles"`
	MS             float64           `json:"ms"`
	AnswerArticles []json.RawMessage `json:"answer_articles"`
	FAQ            string            `json:"faq"`
}

func cmdEval(ctx context.Context, env *env, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	corpus := fs.String("corpus", "", "statute corpus (JSONL: id, law, article, article_no, text)")
	queries := fs.String("queries", "", "questions (JSONL: id, query, optional relevant)")
	train := fs.String("train", "", "past consultations to learn from (JSONL: query, relevant)")
	k := fs.Int("k", 20, "articles per question")
	params := fs.String("params", "", "ranking weights as JSON (for tuning; see index.Params)")
	features := fs.String("features", "", "also write every candidate's ranking features to this file (for tuning)")
	dataDir := dataFlag(fs)
	noFAQ := fs.Bool("no-faq", false, "do not learn from the knowledge base's entries")
	holdout := fs.Int("holdout", 0, "split the queries: sorted by id, every Nth (positions N-1, 2N-1, ...) is evaluated and the rest are learned from, as with -train")
	kdir := fs.String("knowledge", envOr("LAWBOT_KNOWLEDGE_DIR", ""), "directory of extra or overriding FAQ *.yaml files (LAWBOT_KNOWLEDGE_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" || *queries == "" {
		return usageError("eval needs -corpus FILE and -queries FILE")
	}
	if *k <= 0 || *k > 1000 {
		return usageError("-k must be between 1 and 1000")
	}
	start := time.Now()
	arts, bad, err := knowledge.ReadStatutes(*corpus, nil)
	if err != nil {
		return err
	}
	reportBad(env, bad)
	st := knowledge.NewStatutes(arts)
	var past []knowledge.Consultation
	if *train != "" {
		past, bad, err = knowledge.ReadConsultationsFile(*train)
		if err != nil {
			return err
		}
		reportBad(env, bad)
	}
	base, _, err := knowledge.Load(knowledge.LoadOptions{Dir: *kdir, Lenient: true})
	if err != nil {
		return err
	}
	if !*noFAQ {
		past = append(past, base.Consultations(st)...)
	}
	qs, bad, err := knowledge.ReadConsultationsFile(*queries)
	if err != nil {
		return err
	}
	reportBad(env, bad)
	if *holdout > 1 {
		var learn []knowledge.Consultation
		qs, learn = splitHoldout(qs, *holdout)
		past = append(past, learn...)
	}

	dir := filepath.Join(*dataDir, "eval", index.SourceHash(st, past))
	idx, err := index.OpenStatutes(dir, st, past)
	built := false
	if err == index.ErrStale {
		bar := newProgressBar(env.stderr, "索引法条")
		idx, err = index.BuildStatutes(ctx, dir, st, past, bar.update)
		bar.done()
		built = true
	}
	if err != nil {
		return err
	}
	defer idx.Close()
	faqDir := filepath.Join(*dataDir, "eval", "faq")
	faq, err := index.OpenFAQ(faqDir, index.FAQSource(base))
	if err == index.ErrStale {
		faq, err = index.BuildFAQ(ctx, faqDir, base)
	}
	if err != nil {
		return err
	}
	defer faq.Close()
	composer := &answer.Composer{Base: base, FAQ: faq, Laws: st}
	buildTime := time.Since(start)
	if *params != "" {
		p := index.DefaultParams
		if err := json.Unmarshal([]byte(*params), &p); err != nil {
			return usageError("-params: " + err.Error())
		}
		idx.SetParams(p)
	}

	var fenc *json.Encoder
	if *features != "" {
		f, err := os.Create(*features)
		if err != nil {
			return err
		}
		defer f.Close()
		fw := bufio.NewWriter(f)
		defer fw.Flush()
		fenc = json.NewEncoder(fw)
	}
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var (
		lat []float64
		sum summary
	)
	for _, q := range qs {
		t0 := time.Now()
		// One search serves both the ranked list and the composed answer.
		found, err := idx.Search(ctx, q.Query, max(*k, 2*answer.MaxArticles))
		if err != nil {
			return err
		}
		ms := float64(time.Since(t0).Microseconds()) / 1000
		hits := found[:min(*k, len(found))]
		lat = append(lat, ms)
		line := evalLine{ID: rawID(q.ID), MS: ms, Articles: []json.RawMessage{}, AnswerArticles: []json.RawMessage{}}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.ID
			line.Articles = append(line.Articles, rawID(h.ID))
		}
		composer.Statutes = searched(found)
		a, err := composer.Ask(ctx, q.Query)
		if err != nil {
			return err
		}
		if a.Entry != nil {
			line.FAQ = a.Entry.ID
		}
		shown := make([]string, len(a.Articles))
		for i, art := range a.Articles {
			shown[i] = art.ID
			line.AnswerArticles = append(line.AnswerArticles, rawID(art.ID))
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
		if fenc != nil {
			cands, err := idx.Candidates(ctx, q.Query)
			if err != nil {
				return err
			}
			if err := fenc.Encode(map[string]any{"id": q.ID, "relevant": q.Relevant, "candidates": cands}); err != nil {
				return err
			}
		}
		if len(q.Relevant) > 0 {
			sum.add(q.Relevant, ids, shown, line.FAQ != "")
		}
	}
	if sum.n > 0 {
		sum.print(env.stderr, lat, buildTime, built)
	}
	return nil
}

// searched serves articles already found for the question being composed,
// so eval does not search the statutes twice per question.
type searched []index.Hit

func (h searched) Search(_ context.Context, _ string, k int) ([]index.Hit, error) {
	return h[:min(k, len(h))], nil
}

// splitHoldout sorts questions by id (numerically when ids are numbers) and
// returns every nth for evaluation and the rest for learning.
func splitHoldout(qs []knowledge.Consultation, n int) (eval, learn []knowledge.Consultation) {
	sorted := append([]knowledge.Consultation(nil), qs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, errA := strconv.ParseInt(sorted[i].ID, 10, 64)
		b, errB := strconv.ParseInt(sorted[j].ID, 10, 64)
		if errA == nil && errB == nil {
			return a < b
		}
		return sorted[i].ID < sorted[j].ID
	})
	for i, q := range sorted {
		if i%n == n-1 {
			eval = append(eval, q)
		} else {
			learn = append(learn, q)
		}
	}
	return eval, learn
}

// rawID writes numeric ids as JSON numbers (as the corpus does) and others
// as strings.
func rawID(id string) json.RawMessage {
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return json.RawMessage(id)
	}
	b, _ := json.Marshal(id)
	return b
}

func reportBad(env *env, bad knowledge.ImportErrors) {
	for i, e := range bad {
		if i == 20 {
			fmt.Fprintf(env.stderr, "……另有 %d 条错误未列出\n", len(bad)-20)
			break
		}
		fmt.Fprintln(env.stderr, "跳过:", e.Error())
	}
}

// summary accumulates retrieval metrics over questions with known answers.
type summary struct {
	n      int
	recall map[int]float64
	mrr    float64
	shown  int // questions whose composed answer shows a relevant article
	faq    int // questions answered from an FAQ entry
}

var recallAt = []int{1, 5, 10, 20}

func (s *summary) add(relevant, got, shown []string, faq bool) {
	if s.recall == nil {
		s.recall = map[int]float64{}
	}
	rel := map[string]bool{}
	for _, r := range relevant {
		rel[r] = true
	}
	s.n++
	for _, k := range recallAt {
		found := 0
		for i := 0; i < k && i < len(got); i++ {
			if rel[got[i]] {
				found++
			}
		}
		s.recall[k] += float64(found) / float64(len(rel))
	}
	for i := 0; i < 10 && i < len(got); i++ {
		if rel[got[i]] {
			s.mrr += 1 / float64(i+1)
			break
		}
	}
	for _, id := range shown {
		if rel[id] {
			s.shown++
			break
		}
	}
	if faq {
		s.faq++
	}
}

func (s *summary) print(w io.Writer, lat []float64, build time.Duration, built bool) {
	n := float64(s.n)
	fmt.Fprintf(w, "questions %d  R@1 %.3f  R@5 %.3f  R@10 %.3f  R@20 %.3f  MRR@10 %.3f\n",
		s.n, s.recall[1]/n, s.recall[5]/n, s.recall[10]/n, s.recall[20]/n, s.mrr/n)
	fmt.Fprintf(w, "composed answers: FAQ %d (%.1f%%), show an expert-labelled article %.1f%%\n",
		s.faq, 100*float64(s.faq)/n, 100*float64(s.shown)/n)
	what := "reopen"
	if built {
		what = "build"
	}
	fmt.Fprintf(w, "latency p50 %.2f ms  p99 %.2f ms  %s %.1f s  peak RSS %d MB\n",
		percentile(lat, 0.5), percentile(lat, 0.99), what, build.Seconds(), peakRSSMB())
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// peakRSSMB is the process's peak resident set size.
func peakRSSMB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss >> 20
	}
	return ru.Maxrss >> 10
}
