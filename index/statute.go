package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
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
	LawBoost     float64              // weight of the law's name against the article text
	ExpandWeight float64              // weight of colloquial→legal expansions
	AnswerBoost  float64              // weight of past answers against past questions
	Neighbours   int                  // past consultations consulted
	Candidates   int                  // articles taken from each article search
	NearSeeds    int                  // best matches whose neighbouring articles become candidates
	StopDF       float64              // terms in more than this share of articles are not searched
	Weights      [numFeatures]float64 // one per Feature
}

// DefaultParams are the weights lawbot ships with.
var DefaultParams = Params{
	LawBoost: 0.5, ExpandWeight: 0.5, AnswerBoost: 0.3,
	Neighbours: 30, Candidates: 100, NearSeeds: 10, StopDF: 0.05,
	Weights: [numFeatures]float64{0.7, 1.3, 0.3, 0, 0.65, 1.43, 0.75, 0.05, -1.05, 0.75, -0.5, -0.22, 0.55, 1.75, 0.5},
}

// StatuteIndex searches imported articles, helped by past consultations.
type StatuteIndex struct {
	articles bleve.Index
	history  bleve.Index
	meta     statuteMeta
	params   Params
	terms    *termTable              // the articles as term ids
	termID   map[string]uint32       // term → id in terms
	place    map[string]articlePlace // article id → law and number
	at       map[[2]int]string       // law and number → article id
}

// statuteMeta is what the index keeps besides Bleve's files.
type statuteMeta struct {
	Version  int                 `json:"version"`
	Source   string              `json:"source"` // hash of the inputs
	Articles int                 `json:"articles"`
	Stop     []string            `json:"stop"`     // high document-frequency terms
	Relevant map[string][]string `json:"relevant"` // consultation id → article ids
	LawPrior map[string]float64  `json:"law_prior"`
	AvgLen   float64             `json:"avg_len"` // mean article length in terms
	Laws     []string            `json:"laws"`    // normalised law names
	Freq     map[string]float64  `json:"freq"`    // article id → log(1+times it was relevant)
	stop     map[string]bool
}

// articlePlace is an article's law (an index into Laws) and number.
type articlePlace struct {
	ID  string
	Law int
	No  int
	doc int // index into termTable.Docs
}

const metaVersion = 9

// BuildProgress is told how many articles of how many are indexed.
type BuildProgress func(done, total int)

// SourceHash identifies the inputs of a statute index, so a caller can tell
// whether a built index is current.
func SourceHash(st *knowledge.Statutes, past []knowledge.Consultation) string {
	h := st.Hash()
	b, _ := json.Marshal(past)
	return fmt.Sprintf("v%d-%s-%x", metaVersion, h[:16], fnvSum(b))
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
	var terms termTable
	termID := map[string]uint32{}
	lawIdx := map[string]int{}
	for _, a := range st.All() {
		law := knowledge.NormalizeLawName(a.Law)
		i, ok := lawIdx[law]
		if !ok {
			i = len(meta.Laws)
			lawIdx[law] = i
			meta.Laws = append(meta.Laws, law)
		}
		terms.Place = append(terms.Place, articlePlace{ID: a.ID, Law: i, No: a.No})
	}

	// The articles as term ids, for scoring candidates with BM25 without
	// re-analysing their text at query time.
	totalLen := 0
	arts, err := bleve.New(filepath.Join(dir, "articles.bleve"), newMapping("law", "text", "asked", "answered"))
	if err != nil {
		return nil, fmt.Errorf("index: build statutes: %w", err)
	}
	const batchSize = 500
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
		toks := Tokens(a.Text)
		totalLen += len(toks)
		ids := make([]uint32, len(toks))
		for j, t := range toks {
			id, ok := termID[t]
			if !ok {
				id = uint32(len(terms.Terms))
				termID[t] = id
				terms.Terms = append(terms.Terms, t)
				terms.DF = append(terms.DF, 0)
			}
			ids[j] = id
			if !seen[t] {
				seen[t] = true
				terms.DF[id]++
			}
		}
		terms.Docs = append(terms.Docs, ids)
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
	if len(all) > 0 {
		meta.AvgLen = float64(totalLen) / float64(len(all))
	}
	limit := int32(DefaultParams.StopDF * float64(len(all)))
	for i, n := range terms.DF {
		if n > limit && limit > 50 {
			meta.Stop = append(meta.Stop, terms.Terms[i])
		}
	}
	if err := terms.write(filepath.Join(dir, "terms.gob")); err != nil {
		arts.Close()
		return nil, err
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
	return newStatuteIndex(arts, hist, meta, &terms), nil
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

// fnvSum is enough to notice a changed input file.
func fnvSum(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b) // never fails
	return h.Sum64()
}

// ErrStale means the index on disk was built from other inputs (or by
// another version of lawbot) and must be rebuilt.
var ErrStale = errors.New("index is missing or stale")

// OpenStatutes opens an index that BuildStatutes built from st and past;
// ErrStale when it is missing or was built from other inputs.
func OpenStatutes(dir string, st *knowledge.Statutes, past []knowledge.Consultation) (*StatuteIndex, error) {
	source := SourceHash(st, past)
	register()
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrStale
	}
	if err != nil {
		return nil, fmt.Errorf("index: open statutes: %w", err)
	}
	var meta statuteMeta
	if err := json.Unmarshal(b, &meta); err != nil || meta.Version != metaVersion || meta.Source != source {
		return nil, ErrStale
	}
	var terms termTable
	if err := terms.read(filepath.Join(dir, "terms.gob")); err != nil {
		return nil, err
	}
	if len(terms.Docs) != len(terms.Place) {
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
	return newStatuteIndex(arts, hist, meta, &terms), nil
}

func newStatuteIndex(arts, hist bleve.Index, meta statuteMeta, terms *termTable) *StatuteIndex {
	meta.stop = toSet(meta.Stop)
	s := &StatuteIndex{articles: arts, history: hist, meta: meta, params: DefaultParams, terms: terms,
		termID: make(map[string]uint32, len(terms.Terms)),
		place:  make(map[string]articlePlace, len(terms.Place)), at: make(map[[2]int]string, len(terms.Place))}
	for i, t := range terms.Terms {
		s.termID[t] = uint32(i)
	}
	for i, p := range terms.Place {
		p.doc = i
		s.place[p.ID] = p
		s.at[[2]int{p.Law, p.No}] = p.ID
	}
	terms.Place = nil
	return s
}

// lawOf is the normalised name of an article's law.
func (s *StatuteIndex) lawOf(id string) string {
	if p, ok := s.place[id]; ok {
		return s.meta.Laws[p.Law]
	}
	return ""
}

// nearby returns the articles up to span numbers before and after id in
// the same law, with their distance.
func (s *StatuteIndex) nearby(id string, span int, visit func(id string, dist int)) {
	p, ok := s.place[id]
	if !ok {
		return
	}
	for d := -span; d <= span; d++ {
		if d == 0 {
			continue
		}
		if n, ok := s.at[[2]int{p.Law, p.No + d}]; ok {
			visit(n, max(d, -d))
		}
	}
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
