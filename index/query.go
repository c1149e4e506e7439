package index

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxQueryRunes is how much of a question is searched. Residents' questions
// are a few dozen characters; a pasted document is cut here rather than
// turned into thousands of query clauses.
const MaxQueryRunes = 300

// maxQueryTerms caps the clauses of one search, keeping latency flat.
const maxQueryTerms = 48

// questionChars mark how a question is asked (怎么, 啥, 咋, 吗): a bigram
// containing one ("资怎", "大怎") is noise.
const questionChars = "怎么啥咋吗嘛"

// term is one analysed query term and its weight.
type term struct {
	text   string
	weight float64
}

// queryTerms analyses a question into weighted, de-duplicated terms: the
// question's own bigrams (weight 1 each time they occur), then the legal
// words its colloquial words map to (weight expandWeight), minus question
// words and the stop terms given.
func queryTerms(q string, stop map[string]bool, expandWeight float64) []term {
	if len(q) > 8*MaxQueryRunes {
		// Cut a pasted document before normalising all of it; a rune cut
		// in half at the end becomes a break.
		q = q[:8*MaxQueryRunes]
	}
	norm := Normalize(q)
	if utf8.RuneCountInString(norm) > MaxQueryRunes {
		norm = string([]rune(norm)[:MaxQueryRunes])
	}
	w := map[string]float64{}
	var order []string
	add := func(t string, weight float64) {
		if questionWords[t] || stop[t] || strings.ContainsAny(t, questionChars) {
			return
		}
		if _, ok := w[t]; !ok {
			order = append(order, t)
		}
		w[t] += weight
	}
	for _, t := range appendTokens(nil, norm) {
		add(t, 1)
	}
	if expandWeight > 0 {
		for _, e := range expansions(norm) {
			for _, t := range appendTokens(nil, e) {
				if _, own := w[t]; !own {
					add(t, expandWeight)
				}
			}
		}
	}
	out := make([]term, 0, len(order))
	for _, t := range order {
		out = append(out, term{t, w[t]})
	}
	if len(out) > maxQueryTerms {
		// Keep the heaviest terms; ties keep question order.
		sort.SliceStable(out, func(i, j int) bool { return out[i].weight > out[j].weight })
		out = out[:maxQueryTerms]
	}
	return out
}

// Searchable reports whether a question has anything to search for after
// analysis; "？？？", emoji and whitespace do not.
func Searchable(q string) bool {
	return len(queryTerms(q, nil, 1)) > 0
}
