// Ranking: gathering candidate articles for a question and scoring them.

package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
)

// Search ranks articles for a question, best first, at most k.
func (s *StatuteIndex) Search(ctx context.Context, q string, k int) ([]Hit, error) {
	cands, err := s.Candidates(ctx, q)
	if err != nil {
		return nil, err
	}
	scores := make(map[string]float64, len(cands))
	for _, c := range cands {
		// Rounded so that the last-bit noise of floating-point sums in
		// different orders never reorders results between calls.
		scores[c.ID] = math.Round(s.params.score(c.Features)*1e9) / 1e9
	}
	return topK(scores, k), nil
}

// Feature names the signals the ranking combines, in Candidate.Features order.
var Feature = [numFeatures]string{"text", "asked", "vote", "freq", "prior", "text_rank", "asked_rank", "vote_max", "law_named", "law_vote", "law_mass", "near_text", "near_vote", "bm25", "bm25_flat"}

const numFeatures = 15

// Candidate is an article worth ranking for a question, with the signals
// that decide its place.
type Candidate struct {
	ID       string
	Features [numFeatures]float64
}

func (p Params) score(f [numFeatures]float64) float64 {
	w := p.Weights
	s := 0.0
	for i := range f {
		s += w[i] * f[i]
	}
	return s
}

// Candidates gathers the articles a question might need: those whose text
// matches it, those past residents' words for them match it, and those
// that past consultations like it were answered with.
func (s *StatuteIndex) Candidates(ctx context.Context, q string) ([]Candidate, error) {
	p := s.params
	terms := queryTerms(q, s.meta.stop, p.ExpandWeight)
	if len(terms) == 0 {
		return nil, nil
	}
	// The three searches are independent: run them side by side.
	var (
		text, asked, vote, voteMax []ranked
		lawVote                    map[string]float64
		errs                       [3]error
		wg                         sync.WaitGroup
	)
	learned := len(s.meta.Relevant) > 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		text, errs[0] = s.searchArticles(ctx, terms, map[string]float64{"law": p.LawBoost, "text": 1}, p.Candidates)
	}()
	if learned {
		wg.Add(2)
		go func() {
			defer wg.Done()
			asked, errs[1] = s.searchArticles(ctx, terms, map[string]float64{"asked": 1, "answered": p.AnswerBoost}, p.Candidates)
		}()
		go func() {
			defer wg.Done()
			vote, voteMax, lawVote, errs[2] = s.searchHistory(ctx, terms)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	// How much of the text matches fall in each law: a question about
	// marriage matches many 民法典 articles, and few of any one regulation.
	lawMass := map[string]float64{}
	if len(text) > 0 {
		for _, r := range text {
			lawMass[s.lawOf(r.id)] += r.score / text[0].score
		}
		lawMass = normalise(lawMass)
	}
	byID := map[string]*Candidate{}
	get := func(id string) *Candidate {
		c, ok := byID[id]
		if !ok {
			c = &Candidate{ID: id}
			byID[id] = c
		}
		return c
	}
	put := func(list []ranked, value, rank int) {
		if len(list) == 0 || list[0].score <= 0 {
			return
		}
		top := list[0].score
		for i, r := range list {
			c := get(r.id)
			c.Features[value] = r.score / top
			if rank >= 0 {
				c.Features[rank] = 1 / float64(i+1)
			}
		}
	}
	put(text, 0, 5)
	put(asked, 1, 6)
	put(vote, 2, -1)
	for _, r := range voteMax {
		get(r.id).Features[7] = r.score
	}
	// Articles next to a strong match often belong to the answer too
	// (a rule and its exceptions, a procedure's steps).
	textOf, voteOf := map[string]float64{}, map[string]float64{}
	for id, c := range byID {
		textOf[id], voteOf[id] = c.Features[0], c.Features[2]
	}
	for _, list := range [][]ranked{text, vote} {
		for i := 0; i < len(list) && i < p.NearSeeds; i++ {
			s.nearby(list[i].id, 1, func(n string, _ int) { get(n) })
		}
	}
	for id, c := range byID {
		s.nearby(id, 2, func(n string, d int) {
			c.Features[11] = math.Max(c.Features[11], textOf[n]/float64(d))
			c.Features[12] = math.Max(c.Features[12], voteOf[n]/float64(d))
		})
	}
	s.bm25(terms, byID)
	norm := Normalize(q)
	out := make([]Candidate, 0, len(byID))
	for id, c := range byID {
		c.Features[3] = s.meta.Freq[id]
		law := s.lawOf(id)
		c.Features[4] = s.meta.LawPrior[law]
		c.Features[9] = lawVote[law]
		c.Features[10] = lawMass[law]
		if short := shortLawName(law); short != "" && strings.Contains(norm, short) {
			c.Features[8] = 1
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// BM25 parameters: the usual saturation, and two length normalisations
// (standard, and nearly flat so long articles are not buried).
const (
	bm25K1    = 1.2
	bm25B     = 0.75
	bm25BFlat = 0.3
)

// bm25 scores each candidate's text against the question's own terms with
// Okapi BM25, normalised by the best candidate. Bleve's TF-IDF finds the
// candidates; BM25's term saturation ranks them better.
func (s *StatuteIndex) bm25(terms []term, cands map[string]*Candidate) {
	if s.meta.AvgLen == 0 {
		return
	}
	n := float64(s.meta.Articles)
	pos := map[uint32]int{} // term id → position in idf and tf
	var idf []float64
	for _, t := range terms {
		id, ok := s.termID[t.text]
		if !ok || t.weight < 1 { // the resident's own words only
			continue
		}
		df := float64(s.terms.DF[id])
		pos[id] = len(idf)
		idf = append(idf, math.Log(1+(n-df+0.5)/(df+0.5)))
	}
	if len(idf) == 0 {
		return
	}
	tf := make([]float64, len(idf))
	var top, topFlat float64
	for id, c := range cands {
		p, ok := s.place[id]
		if !ok {
			continue
		}
		clear(tf)
		doc := s.terms.Docs[p.doc]
		for _, t := range doc {
			if i, ok := pos[t]; ok {
				tf[i]++
			}
		}
		rel := float64(len(doc)) / s.meta.AvgLen
		var v, flat float64
		for i, f := range tf {
			if f == 0 {
				continue
			}
			v += idf[i] * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*rel))
			flat += idf[i] * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25BFlat+bm25BFlat*rel))
		}
		c.Features[13], c.Features[14] = v, flat
		top, topFlat = math.Max(top, v), math.Max(topFlat, flat)
	}
	for _, c := range cands {
		if top > 0 {
			c.Features[13] /= top
		}
		if topFlat > 0 {
			c.Features[14] /= topFlat
		}
	}
}

// shortLawName is how residents name a law: 劳动合同法, 民法典.
func shortLawName(law string) string {
	if strings.ContainsAny(law, "《》（）()") || len([]rune(law)) > 12 {
		return ""
	}
	return law
}

type ranked struct {
	id    string
	score float64
}

func (s *StatuteIndex) searchArticles(ctx context.Context, terms []term, fields map[string]float64, n int) ([]ranked, error) {
	req := bleve.NewSearchRequestOptions(disjunction(terms, fields), n, 0, false)
	res, err := s.articles.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: search statutes: %w", err)
	}
	out := make([]ranked, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = ranked{h.ID, h.Score}
	}
	return out, nil
}

// searchHistory finds the past consultations most like the question and
// lets each vote for its articles with its similarity. It returns the votes
// (best first) and, per article, the similarity of its closest voter.
func (s *StatuteIndex) searchHistory(ctx context.Context, terms []term) (votes, closest []ranked, laws map[string]float64, err error) {
	req := bleve.NewSearchRequestOptions(disjunction(terms, map[string]float64{"q": 1, "a": s.params.AnswerBoost}), s.params.Neighbours, 0, false)
	res, err := s.history.SearchInContext(ctx, req)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("index: search history: %w", err)
	}
	if len(res.Hits) == 0 {
		return nil, nil, nil, nil
	}
	laws = map[string]float64{}
	top := res.Hits[0].Score
	v, m := map[string]float64{}, map[string]float64{}
	for _, h := range res.Hits {
		sim := h.Score / top
		rel := s.meta.Relevant[h.ID]
		seen := map[string]bool{}
		for _, id := range rel {
			v[id] += sim * sim / math.Sqrt(float64(len(rel)))
			m[id] = math.Max(m[id], sim)
			if law := s.lawOf(id); !seen[law] {
				seen[law] = true
				laws[law] += sim
			}
		}
	}
	for id, x := range v {
		votes = append(votes, ranked{id, x})
		closest = append(closest, ranked{id, m[id]})
	}
	sort.Slice(votes, func(i, j int) bool {
		return votes[i].score > votes[j].score || votes[i].score == votes[j].score && votes[i].id < votes[j].id
	})
	return votes, closest, normalise(laws), nil
}

func normalise(m map[string]float64) map[string]float64 {
	top := 0.0
	for _, v := range m {
		top = math.Max(top, v)
	}
	if top <= 0 {
		return nil
	}
	out := make(map[string]float64, len(m))
	for id, v := range m {
		out[id] = v / top
	}
	return out
}

func topK(scores map[string]float64, k int) []Hit {
	hits := make([]Hit, 0, len(scores))
	for id, v := range scores {
		hits = append(hits, Hit{id, v})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ID < hits[j].ID
	})
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}
