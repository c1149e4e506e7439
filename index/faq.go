package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"

	"github.com/lawbot/lawbot/knowledge"
)

// FAQ field boosts: the ways residents ask weigh most, then the title
// question and tags, then the answer text.
var faqFields = map[string]float64{"phrasings": 3, "question": 2.5, "tags": 1.5, "answer": 0.6}

// FAQHit is a ranked FAQ entry with the confidence that it answers the
// question.
type FAQHit struct {
	ID    string
	Score float64
	// Confidence estimates the probability that the entry answers the
	// question (see calibrate); the bot answers from the entry only above
	// a threshold.
	Confidence float64
}

// FAQIndex searches the knowledge base's entries.
type FAQIndex struct {
	idx  bleve.Index
	meta faqMeta
	// asked holds each entry's texts (question, phrasings, tags, answer) as
	// term sets, for measuring how much of a question an entry covers.
	asked map[string][]map[string]bool
}

type faqMeta struct {
	Version int                 `json:"version"`
	Source  string              `json:"source"`
	IDF     map[string]float64  `json:"idf"`
	// Asked holds, per entry, the terms of its question, each phrasing,
	// its tags and its answer (space-separated), in that order.
	Asked map[string][]string `json:"asked"`
}

const faqVersion = 1

// FAQSource identifies a knowledge base's content for staleness checks.
func FAQSource(b *knowledge.Base) string {
	return fmt.Sprintf("v%d-%s", faqVersion, b.Hash()[:24])
}

// BuildFAQ indexes every entry of b into dir, replacing what was there.
func BuildFAQ(ctx context.Context, dir string, b *knowledge.Base) (*FAQIndex, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("index: build faq: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("index: build faq: %w", err)
	}
	idx, err := bleve.New(filepath.Join(dir, "faq.bleve"), newMapping("question", "phrasings", "tags", "answer"))
	if err != nil {
		return nil, fmt.Errorf("index: build faq: %w", err)
	}
	meta := faqMeta{Version: faqVersion, Source: FAQSource(b), Asked: map[string][]string{}}
	df := map[string]int{}
	batch := idx.NewBatch()
	for _, e := range b.Entries {
		if err := ctx.Err(); err != nil {
			idx.Close()
			return nil, err
		}
		// One document for the entry, one per way of asking it, so a
		// question close to one phrasing is not diluted by the others.
		docs := map[string]map[string]interface{}{
			"e:" + e.ID: {"question": e.Question, "tags": strings.Join(e.Tags, " "), "answer": e.Answer},
		}
		texts := append([]string{e.Question}, e.Phrasings...)
		for i, p := range texts {
			docs[fmt.Sprintf("p:%s:%d", e.ID, i)] = map[string]interface{}{"phrasings": p}
		}
		for id, doc := range docs {
			if err := batch.Index(id, doc); err != nil {
				idx.Close()
				return nil, fmt.Errorf("index: build faq: entry %s: %w", e.ID, err)
			}
		}
		seen := map[string]bool{}
		for _, s := range append(texts, strings.Join(e.Tags, " "), e.Answer) {
			terms := uniqueTokens(s)
			meta.Asked[e.ID] = append(meta.Asked[e.ID], strings.Join(terms, " "))
			for _, t := range terms {
				if !seen[t] {
					seen[t] = true
					df[t]++
				}
			}
		}
	}
	if err := idx.Batch(batch); err != nil {
		idx.Close()
		return nil, fmt.Errorf("index: build faq: %w", err)
	}
	n := float64(len(b.Entries))
	meta.IDF = make(map[string]float64, len(df))
	for t, d := range df {
		meta.IDF[t] = math.Log(1 + n/float64(d))
	}
	raw, err := json.Marshal(meta)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "meta.json"), raw, 0o644)
	}
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("index: build faq: %w", err)
	}
	return newFAQIndex(idx, meta), nil
}

// OpenFAQ opens an index built by BuildFAQ; ErrStale when it was built from
// another knowledge base.
func OpenFAQ(dir, source string) (*FAQIndex, error) {
	register()
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrStale
	}
	if err != nil {
		return nil, fmt.Errorf("index: open faq: %w", err)
	}
	var meta faqMeta
	if err := json.Unmarshal(raw, &meta); err != nil || meta.Version != faqVersion || meta.Source != source {
		return nil, ErrStale
	}
	idx, err := bleve.Open(filepath.Join(dir, "faq.bleve"))
	if err != nil {
		return nil, fmt.Errorf("index: open faq: %w", err)
	}
	return newFAQIndex(idx, meta), nil
}

func newFAQIndex(idx bleve.Index, meta faqMeta) *FAQIndex {
	f := &FAQIndex{idx: idx, meta: meta, asked: map[string][]map[string]bool{}}
	for id, texts := range meta.Asked {
		for _, t := range texts {
			f.asked[id] = append(f.asked[id], toSet(strings.Fields(t)))
		}
	}
	return f
}

// Close releases the index files.
func (f *FAQIndex) Close() error { return f.idx.Close() }

// Search ranks FAQ entries for a question, best first, at most k, each with
// its confidence.
func (f *FAQIndex) Search(ctx context.Context, q string, k int) ([]FAQHit, error) {
	return f.search(ctx, q, k, Phrasing{})
}

// Phrasing names one way of asking an entry: Index 0 is the title
// question, 1.. the phrasings in file order.
type Phrasing struct {
	Entry string
	Index int
}

// SearchLeavingOut is Search as if one phrasing were not in the index: the
// leave-one-out measure of whether an entry's other words still find it.
func (f *FAQIndex) SearchLeavingOut(ctx context.Context, q string, k int, out Phrasing) ([]FAQHit, error) {
	return f.search(ctx, q, k, out)
}

func (f *FAQIndex) search(ctx context.Context, q string, k int, out Phrasing) ([]FAQHit, error) {
	terms := queryTerms(q, nil, 0.5)
	if len(terms) == 0 {
		return nil, nil
	}
	excluded := ""
	if out.Entry != "" {
		excluded = fmt.Sprintf("p:%s:%d", out.Entry, out.Index)
	}
	req := bleve.NewSearchRequestOptions(disjunction(terms, faqFields), 20*max(k, 3), 0, false)
	res, err := f.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: search faq: %w", err)
	}
	// An entry scores its entry document plus its best phrasing.
	entry, phrasing := map[string]float64{}, map[string]float64{}
	for _, h := range res.Hits {
		if h.ID == excluded {
			continue
		}
		kind, id, _ := strings.Cut(h.ID, ":")
		if kind == "e" {
			entry[id] = h.Score
			continue
		}
		id, _, _ = strings.Cut(id, ":")
		phrasing[id] = math.Max(phrasing[id], h.Score)
	}
	scores := map[string]float64{}
	for id, v := range entry {
		scores[id] += v
	}
	for id, v := range phrasing {
		scores[id] += v
	}
	ranked := topK(scores, max(k, 2))
	if len(ranked) == 0 {
		return nil, nil
	}
	second := 0.0
	if len(ranked) > 1 {
		second = ranked[1].Score
	}
	hits := make([]FAQHit, 0, k)
	for i, h := range ranked {
		if i == k {
			break
		}
		skip := -1
		if h.ID == out.Entry {
			skip = out.Index
		}
		hits = append(hits, FAQHit{ID: h.ID, Score: h.Score,
			Confidence: calibrate(f.coverage(terms, h.ID, skip), h.Score, second, i == 0)})
	}
	return hits, nil
}

func uniqueTokens(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range Tokens(s) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// coverage is the IDF-weighted share of the question's own terms that the
// entry's question, phrasings, tags or answer contain: 1 when every telling
// word of the question is in the entry.
func (f *FAQIndex) coverage(terms []term, id string, skip int) float64 {
	texts := f.asked[id]
	has := func(t string) bool {
		for i, set := range texts {
			if i != skip && set[t] {
				return true
			}
		}
		return false
	}
	var have, all float64
	for _, t := range terms {
		if t.weight < 1 {
			continue // expansions are not the resident's words
		}
		idf, ok := f.meta.IDF[t.text]
		if !ok {
			idf = math.Log(1 + float64(len(f.asked))) // unseen in the base: as rare as can be
		}
		all += idf
		if has(t.text) {
			have += idf
		}
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// calibrate maps coverage and score margin to a probability that the entry
// answers the question. The coefficients were fitted (logistic regression)
// on leave-one-out phrasings of the shipped base; see TestConfidenceCalibrated.
func calibrate(coverage, score, second float64, top bool) float64 {
	margin := 0.0
	if top && score > 0 {
		margin = (score - second) / score
	}
	z := calibA*coverage + calibB*margin + calibC
	return 1 / (1 + math.Exp(-z))
}

// Calibration coefficients; see calibrate.
const (
	calibA = 6.0
	calibB = 3.0
	calibC = -4.0
)
