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
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/lawbot/lawbot/knowledge"
)

// Hit is one ranked search result.
type Hit struct {
	ID    string  // article id, or FAQ entry id
	Score float64 // higher is better; comparable within one result list
}

// Params are the statute ranking's weights. DefaultParams were tuned on two
// thirds of the STARD dev questions and checked on the other third.
type Params struct {
	LawBoost     float64    // weight of the law's name against the article text
	ExpandWeight float64    // weight of colloquial→legal expansions
	AnswerBoost  float64    // weight of past answers against past questions
	Neighbours   int        // past consultations consulted
	Candidates   int        // articles taken from each article search
	StopDF       float64    // terms in more than this share of articles are not searched
	Weights      [9]float64 // one per Feature
}

// DefaultParams are the weights lawbot ships with.
var DefaultParams = Params{
	LawBoost: 0.5, ExpandWeight: 0.5,
	Neighbours: 30, Candidates: 100, StopDF: 0.05,
	Weights: [9]float64{1, 0.5, 0.5, 0, 0.1, 0, 0, 0, 0},
}

// StatuteIndex searches imported articles, helped by past consultations.
type StatuteIndex struct {
	articles bleve.Index
	history  bleve.Index
	meta     statuteMeta
	params   Params
}

// statuteMeta is what the index keeps besides Bleve's files.
type statuteMeta struct {
	Version  int                 `json:"version"`
	Source   string              `json:"source"` // hash of the inputs
	Articles int                 `json:"articles"`
	Stop     []string            `json:"stop"`     // high document-frequency terms
	Relevant map[string][]string `json:"relevant"` // consultation id → article ids
	LawPrior map[string]float64  `json:"law_prior"`
	LawOf    map[string]string   `json:"law_of"` // article id → normalised law, for laws with a prior
	Freq     map[string]float64  `json:"freq"`   // article id → log(1+times it was relevant)
	stop     map[string]bool
}

const metaVersion = 3

// BuildProgress is told how many articles of how many are indexed.
type BuildProgress func(done, total int)

// SourceHash identifies the inputs of a statute index, so a caller can tell
// whether a built index is current.
func SourceHash(st *knowledge.Statutes, past []knowledge.Consultation) string {
	h := st.Hash()
	b, _ := json.Marshal(past)
	return fmt.Sprintf("v%d-%s-%x", metaVersion, h[:16], hashBytes(b))
}

func hashBytes(b []byte) uint64 {
	// FNV-1a: enough to notice a changed input file.
	var h uint64 = 14695981039346656037
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func textFieldMapping() *mapping.FieldMapping {
	f := bleve.NewTextFieldMapping()
	f.Analyzer = AnalyzerName
	f.Store = false
	f.IncludeTermVectors = false
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

func newMapping(fields ...string) mapping.IndexMapping {
	register()
	doc := bleve.NewDocumentStaticMapping()
	for _, f := range fields {
		doc.AddFieldMappingsAt(f, textFieldMapping())
	}
	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = AnalyzerName
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// BuildStatutes indexes every article and past consultation into dir
// (replacing what was there) and returns the opened index.
func BuildStatutes(ctx context.Context, dir string, st *knowledge.Statutes, past []knowledge.Consultation, progress BuildProgress) (*StatuteIndex, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("index: build statutes: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("index: build statutes: %w", err)
	}
	meta := statuteMeta{Version: metaVersion, Source: SourceHash(st, past), Articles: st.Len()}

	// Past consultations teach the article index the words residents use
	// for an article ("asked"), and are searched on their own to find
	// neighbours of a new question.
	asked, answered := map[string][]string{}, map[string][]string{}
	meta.Relevant = map[string][]string{}
	lawCount := map[string]float64{}
	freq := map[string]float64{}
	for _, c := range past {
		var rel []string
		for _, id := range c.Relevant {
			a, ok := st.ByID(id)
			if !ok {
				continue
			}
			rel = append(rel, id)
			asked[id] = append(asked[id], c.Query)
			if c.Answer != "" {
				answered[id] = append(answered[id], c.Answer)
			}
			freq[id]++
			lawCount[knowledge.NormalizeLawName(a.Law)] += 1 / float64(len(c.Relevant))
		}
		if len(rel) > 0 {
			meta.Relevant[c.ID] = rel
		}
	}
	meta.LawPrior = lawPrior(lawCount)
	meta.Freq = map[string]float64{}
	for id, n := range freq {
		meta.Freq[id] = math.Log1p(n)
	}
	meta.LawOf = map[string]string{}
	for _, a := range st.All() {
		meta.LawOf[a.ID] = knowledge.NormalizeLawName(a.Law)
	}

	df := map[string]int{}
	arts, err := bleve.New(filepath.Join(dir, "articles.bleve"), newMapping("law", "text", "asked", "answered"))
	if err != nil {
		return nil, fmt.Errorf("index: build statutes: %w", err)
	}
	const batchSize = 2000
	batch := arts.NewBatch()
	all := st.All()
	seen := map[string]bool{}
	for i, a := range all {
		if err := ctx.Err(); err != nil {
			arts.Close()
			return nil, err
		}
		doc := map[string]interface{}{"law": a.Law, "text": a.Text}
		if q := asked[a.ID]; len(q) > 0 {
			doc["asked"] = strings.Join(q, "\n")
		}
		if q := answered[a.ID]; len(q) > 0 {
			doc["answered"] = strings.Join(q, "\n")
		}
		clear(seen)
		for _, t := range Tokens(a.Text) {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
		if err := batch.Index(a.ID, doc); err != nil {
			arts.Close()
			return nil, fmt.Errorf("index: build statutes: article %s: %w", a.ID, err)
		}
		if batch.Size() >= batchSize || i == len(all)-1 {
			if err := arts.Batch(batch); err != nil {
				arts.Close()
				return nil, fmt.Errorf("index: build statutes: %w", err)
			}
			batch.Reset()
			if progress != nil {
				progress(i+1, len(all))
			}
		}
	}
	limit := int(DefaultParams.StopDF * float64(len(all)))
	for t, n := range df {
		if n > limit && limit > 50 {
			meta.Stop = append(meta.Stop, t)
		}
	}
	sort.Strings(meta.Stop)

	hist, err := bleve.New(filepath.Join(dir, "history.bleve"), newMapping("q", "a"))
	if err != nil {
		arts.Close()
		return nil, fmt.Errorf("index: build statutes: %w", err)
	}
	hb := hist.NewBatch()
	for _, c := range past {
		if len(meta.Relevant[c.ID]) == 0 {
			continue
		}
		if err := hb.Index(c.ID, map[string]interface{}{"q": c.Query, "a": c.Answer}); err != nil {
			arts.Close()
			hist.Close()
			return nil, fmt.Errorf("index: build statutes: consultation %s: %w", c.ID, err)
		}
	}
	if err := hist.Batch(hb); err != nil {
		arts.Close()
		hist.Close()
		return nil, fmt.Errorf("index: build statutes: %w", err)
	}
	if err := writeMeta(dir, &meta); err != nil {
		arts.Close()
		hist.Close()
		return nil, err
	}
	return newStatuteIndex(arts, hist, meta), nil
}

// lawPrior turns how often each law was relevant in past consultations into
// a small bonus in [0, 1]: laws residents need often (民法典, 劳动合同法)
// beat rarely relevant regulations with similar wording.
func lawPrior(count map[string]float64) map[string]float64 {
	max := 0.0
	for _, n := range count {
		max = math.Max(max, n)
	}
	out := map[string]float64{}
	for law, n := range count {
		out[law] = math.Log1p(n) / math.Log1p(max)
	}
	return out
}

func writeMeta(dir string, meta *statuteMeta) error {
	b, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("index: write meta: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), b, 0o644); err != nil {
		return fmt.Errorf("index: write meta: %w", err)
	}
	return nil
}

// ErrStale means the index on disk was built from other inputs (or by
// another version of lawbot) and must be rebuilt.
var ErrStale = errors.New("index is missing or stale")

// OpenStatutes opens an index built by BuildStatutes. When source is not
// empty and differs from the inputs the index was built from, it returns
// ErrStale.
func OpenStatutes(dir, source string) (*StatuteIndex, error) {
	register()
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrStale
	}
	if err != nil {
		return nil, fmt.Errorf("index: open statutes: %w", err)
	}
	var meta statuteMeta
	if err := json.Unmarshal(b, &meta); err != nil || meta.Version != metaVersion || (source != "" && meta.Source != source) {
		return nil, ErrStale
	}
	arts, err := bleve.Open(filepath.Join(dir, "articles.bleve"))
	if err != nil {
		return nil, fmt.Errorf("index: open statutes: %w", err)
	}
	hist, err := bleve.Open(filepath.Join(dir, "history.bleve"))
	if err != nil {
		arts.Close()
		return nil, fmt.Errorf("index: open statutes: %w", err)
	}
	return newStatuteIndex(arts, hist, meta), nil
}

func newStatuteIndex(arts, hist bleve.Index, meta statuteMeta) *StatuteIndex {
	meta.stop = toSet(meta.Stop)
	return &StatuteIndex{articles: arts, history: hist, meta: meta, params: DefaultParams}
}

// SetParams replaces the ranking weights (for tuning and evaluation).
func (s *StatuteIndex) SetParams(p Params) { s.params = p }

// Close releases the index files.
func (s *StatuteIndex) Close() error {
	return errors.Join(s.articles.Close(), s.history.Close())
}

// disjunction builds an OR of term queries over fields, each weighted by
// the term's weight and the field's boost. Resident text only ever becomes
// term queries: no query-string syntax, wildcards or regexps.
func disjunction(terms []term, fields map[string]float64) query.Query {
	qs := make([]query.Query, 0, len(terms)*len(fields))
	for _, t := range terms {
		for f, boost := range fields {
			if boost <= 0 {
				continue
			}
			tq := query.NewTermQuery(t.text)
			tq.SetField(f)
			tq.SetBoost(boost * t.weight)
			qs = append(qs, tq)
		}
	}
	return query.NewDisjunctionQuery(qs)
}

// Search ranks articles for a question, best first, at most k.
func (s *StatuteIndex) Search(ctx context.Context, q string, k int) ([]Hit, error) {
	cands, err := s.Candidates(ctx, q)
	if err != nil {
		return nil, err
	}
	scores := make(map[string]float64, len(cands))
	for _, c := range cands {
		scores[c.ID] = s.params.score(c.Features)
	}
	return topK(scores, k), nil
}

// Feature names the signals the ranking combines, in Candidate.Features order.
var Feature = []string{"text", "asked", "vote", "freq", "prior", "text_rank", "asked_rank", "vote_max", "law_named"}

// Candidate is an article worth ranking for a question, with the signals
// that decide its place.
type Candidate struct {
	ID       string
	Features [9]float64
}

func (p Params) score(f [9]float64) float64 {
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
	text, err := s.searchArticles(ctx, terms, map[string]float64{"law": p.LawBoost, "text": 1}, p.Candidates)
	if err != nil {
		return nil, err
	}
	var asked, vote, voteMax []ranked
	if len(s.meta.Relevant) > 0 {
		if asked, err = s.searchArticles(ctx, terms, map[string]float64{"asked": 1, "answered": p.AnswerBoost}, p.Candidates); err != nil {
			return nil, err
		}
		if vote, voteMax, err = s.searchHistory(ctx, terms); err != nil {
			return nil, err
		}
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
	norm := Normalize(q)
	out := make([]Candidate, 0, len(byID))
	for id, c := range byID {
		c.Features[3] = s.meta.Freq[id]
		law := s.meta.LawOf[id]
		c.Features[4] = s.meta.LawPrior[law]
		if short := shortLawName(law); short != "" && strings.Contains(norm, short) {
			c.Features[8] = 1
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
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
func (s *StatuteIndex) searchHistory(ctx context.Context, terms []term) (votes, closest []ranked, err error) {
	req := bleve.NewSearchRequestOptions(disjunction(terms, map[string]float64{"q": 1, "a": s.params.AnswerBoost}), s.params.Neighbours, 0, false)
	res, err := s.history.SearchInContext(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("index: search history: %w", err)
	}
	if len(res.Hits) == 0 {
		return nil, nil, nil
	}
	top := res.Hits[0].Score
	v, m := map[string]float64{}, map[string]float64{}
	for _, h := range res.Hits {
		sim := h.Score / top
		rel := s.meta.Relevant[h.ID]
		for _, id := range rel {
			v[id] += sim * sim / math.Sqrt(float64(len(rel)))
			m[id] = math.Max(m[id], sim)
		}
	}
	for id, x := range v {
		votes = append(votes, ranked{id, x})
		closest = append(closest, ranked{id, m[id]})
	}
	sort.Slice(votes, func(i, j int) bool { return votes[i].score > votes[j].score || votes[i].score == votes[j].score && votes[i].id < votes[j].id })
	return votes, closest, nil
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
