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

// faqExpandWeight is the weight of colloquial→legal expansions in FAQ
// searches. FAQ entries are written in residents' words already.
var faqExpandWeight = 0.0

// faqWeights combine the per-field searches: the ways residents ask weigh
// most (the best-matching one, and a little of the runner-up), then the
// tags, then the answer text. Each field is searched on its own, because
// Bleve's coordination factor would otherwise favour whichever document
// has the most fields over the one that matches best.
var faqWeights = struct{ best, second, tags, answer float64 }{1, 0.5, 0.9, 0.8}

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
	Version int                `json:"version"`
	Source  string             `json:"source"`
	IDF     map[string]float64 `json:"idf"`
	// Asked holds, per entry, the terms of its question, each phrasing,
	// its tags and its answer (space-separated), in that order.
	Asked map[string][]string `json:"asked"`
}

const faqVersion = 3

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
			"e:" + e.ID: {"tags": strings.Join(e.Tags, " "), "answer": e.Answer},
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
	terms := queryTerms(q, nil, faqExpandWeight)
	if len(terms) == 0 {
		return nil, nil
	}
	excluded := ""
	if out.Entry != "" {
		excluded = fmt.Sprintf("p:%s:%d", out.Entry, out.Index)
	}
	n := 8 * max(k, 3)
	phr, err := f.fieldSearch(ctx, terms, "phrasings", 3*n)
	if err != nil {
		return nil, err
	}
	tags, err := f.fieldSearch(ctx, terms, "tags", n)
	if err != nil {
		return nil, err
	}
	ans, err := f.fieldSearch(ctx, terms, "answer", n)
	if err != nil {
		return nil, err
	}
	scores := map[string]float64{}
	best := map[string]int{} // phrasings counted per entry so far
	pTop, tTop, aTop := topScore(phr, excluded), topScore(tags, ""), topScore(ans, "")
	for _, h := range phr {
		if h.id == excluded {
			continue
		}
		h.score /= pTop
		id := strings.TrimPrefix(h.id, "p:")
		id, _, _ = strings.Cut(id, ":")
		switch best[id] {
		case 0:
			scores[id] += faqWeights.best * h.score
		case 1:
			scores[id] += faqWeights.second * h.score
		}
		best[id]++
	}
	for _, h := range tags {
		scores[strings.TrimPrefix(h.id, "e:")] += faqWeights.tags * h.score / tTop
	}
	for _, h := range ans {
		scores[strings.TrimPrefix(h.id, "e:")] += faqWeights.answer * h.score / aTop
	}
	ranked := topK(scores, max(k, 2))
	if len(ranked) == 0 {
		return nil, nil
	}
	second := 0.0
	if len(ranked) > 1 {
		second = ranked[1].Score
	}
	info := f.information(terms)
	own := 0
	for _, t := range terms {
		if t.weight >= 1 {
			own++
		}
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
		margin := 0.0
		if i == 0 && h.Score > 0 {
			margin = (h.Score - second) / h.Score
		}
		conf := calibrate(f.coverage(terms, h.ID, skip), margin, info)
		if own < minTelling || (i == 0 && margin < tieMargin) {
			conf = min(conf, vagueConfidence)
		}
		hits = append(hits, FAQHit{ID: h.ID, Score: h.Score, Confidence: conf})
	}
	return hits, nil
}

// topScore is the best score in a result list, ignoring one document; 1
// when there is none, so dividing by it is always safe.
func topScore(list []ranked, except string) float64 {
	for _, h := range list {
		if h.id != except && h.score > 0 {
			return h.score
		}
	}
	return 1
}

func (f *FAQIndex) fieldSearch(ctx context.Context, terms []term, field string, n int) ([]ranked, error) {
	req := bleve.NewSearchRequestOptions(disjunction(terms, map[string]float64{field: 1}), n, 0, false)
	res, err := f.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: search faq: %w", err)
	}
	out := make([]ranked, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = ranked{h.ID, h.Score}
	}
	return out, nil
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

// calibrate maps what is known about a match to the probability that the
// entry answers the question: coverage of the question's telling words,
// the score margin over the runner-up (top hit only), and how much the
// question says (the summed IDF of its terms; long, specific questions
// outside the base's topics are less often answered by it). The
// coefficients were fitted by logistic regression on leave-one-out
// phrasings of the shipped base plus the STARD dev questions (an entry
// counts as answering when it cites an expert-labelled article); see
// TestConfidenceCalibrated.
func calibrate(coverage, margin, info float64) float64 {
	z := calibCoverage*coverage + calibMargin*margin + calibInfo*math.Min(info/10, 2) + calibBias
	return 1 / (1 + math.Exp(-z))
}

// Calibration coefficients; see calibrate.
const (
	calibCoverage = 8.71
	calibMargin   = 3.24
	calibInfo     = -1.29
	calibBias     = -0.94
)

// A question with fewer than minTelling terms of its own ("老公", "被骗了")
// is too vague to answer from one entry; its confidence is capped at
// vagueConfidence so the bot offers the likely questions instead.
// The same cap applies when the two best entries score within tieMargin of
// each other: the resident should pick.
const (
	minTelling      = 2
	vagueConfidence = 0.5
	tieMargin       = 0.08
)

// information is the summed IDF of the question's own terms.
func (f *FAQIndex) information(terms []term) float64 {
	info := 0.0
	for _, t := range terms {
		if t.weight < 1 {
			continue
		}
		if idf, ok := f.meta.IDF[t.text]; ok {
			info += idf
		} else {
			info += math.Log(1 + float64(len(f.asked)))
		}
	}
	return info
}
