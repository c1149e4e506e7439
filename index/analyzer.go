// Package index is lawbot's search: a Chinese analyzer built for legal
// questions, the Bleve mappings for FAQ entries and statute articles, and
// Search over them. No Bleve type leaks out of this package.
package index

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/unicode/norm"
)

// AnalyzerName is the name lawbot's Chinese analyzer is registered under
// in Bleve's registry.
const AnalyzerName = "lawbot_zh"

const tokenizerName = "lawbot_zh_tokenizer"

var registerOnce sync.Once

// register adds lawbot's analyzer to Bleve's registry. Bleve resolves
// analyzers by name when an index is created or opened, so every entry point
// that touches an index calls this first.
func register() {
	registerOnce.Do(func() {
		if err := registry.RegisterTokenizer(tokenizerName, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
			return tokenizer{}, nil
		}); err != nil {
			panic(err) // the name is ours; a clash is a programming error
		}
		if err := registry.RegisterAnalyzer(AnalyzerName, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
			return &analysis.DefaultAnalyzer{Tokenizer: tokenizer{}}, nil
		}); err != nil {
			panic(err)
		}
	})
}

// Normalize folds text the way both documents and questions are folded
// before tokenising: NFKC (full-width letters, digits and punctuation become
// ASCII), traditional characters to simplified for the common ones,
// lower-case, and invisible format characters (zero-width, bidi controls)
// removed.
func Normalize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cf, r): // zero-width, RTL/LTR marks and overrides
			continue
		case r == '\u3000' || unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			if s, ok := t2s[r]; ok {
				r = s
			}
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// particles break a run of Han characters: a bigram across them ("板的",
// "的工") is noise, so "老板的工资" yields 老板 and 工资 only.
var particles = map[rune]bool{
	'的': true, '了': true, '吗': true, '呢': true, '吧': true, '啊': true,
	'呀': true, '嘛': true, '哦': true,
}

// particleWords are words a particle is part of: in them it does not break
// the run, so that 私了 (settling without the police), 了结, 目的, 网吧 and
// 吗啡 are terms.
var particleWords = map[[2]rune]bool{
	{'私', '了'}: true, {'了', '结'}: true, {'了', '断'}: true,
	{'目', '的'}: true, {'网', '吧'}: true, {'酒', '吧'}: true, {'吗', '啡'}: true,
}

// isHan reports whether r is a CJK ideograph.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Tokens returns the terms text is indexed and searched by: overlapping
// character bigrams of every run of Han characters (a lone character stands
// for itself), and lower-cased runs of letters and digits. It is the whole
// analyzer, exported for tests, benchmarks and the query builder.
func Tokens(text string) []string {
	return appendTokens(nil, Normalize(text))
}

func appendTokens(out []string, s string) []string {
	var run []rune
	flushHan := func() {
		switch len(run) {
		case 0:
		case 1:
			out = append(out, string(run))
		default:
			for i := 0; i+1 < len(run); i++ {
				out = append(out, string(run[i:i+2]))
			}
		}
		run = run[:0]
	}
	word := -1 // byte offset where a letter/digit run started
	for i, r := range s {
		alnum := !isHan(r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if word >= 0 && !alnum {
			out = appendWord(out, s[word:i])
			word = -1
		}
		switch {
		case isHan(r) && particles[r] && particleWords[[2]rune{last(run), r}]:
			run = append(run, r) // ends the word: 私了
			flushHan()
		case isHan(r) && particles[r] && particleWords[[2]rune{r, nextRune(s, i)}]:
			flushHan()
			run = append(run, r) // starts the word: 了结
		case isHan(r) && !particles[r]:
			run = append(run, r)
		case alnum:
			flushHan()
			if word < 0 {
				word = i
			}
		default:
			flushHan()
		}
	}
	flushHan()
	if word >= 0 {
		out = appendWord(out, s[word:])
	}
	return out
}

// last is the last rune of run, or 0.
func last(run []rune) rune {
	if len(run) == 0 {
		return 0
	}
	return run[len(run)-1]
}

// nextRune is the rune after the one at byte offset i of s, or 0.
func nextRune(s string, i int) rune {
	_, n := utf8.DecodeRuneInString(s[i:])
	r, _ := utf8.DecodeRuneInString(s[i+n:])
	if r == utf8.RuneError {
		return 0
	}
	return r
}

// maxWord caps a letter/digit token; longer runs (pasted hashes, base64)
// carry no meaning for search.
const maxWord = 32

func appendWord(out []string, w string) []string {
	if len(w) > maxWord {
		return out
	}
	return append(out, w)
}

// tokenizer adapts Tokens to Bleve. Positions count tokens; offsets are not
// kept because lawbot never highlights.
type tokenizer struct{}

func (tokenizer) Tokenize(input []byte) analysis.TokenStream {
	terms := appendTokens(nil, Normalize(string(input)))
	ts := make(analysis.TokenStream, len(terms))
	toks := make([]analysis.Token, len(terms))
	for i, t := range terms {
		toks[i] = analysis.Token{Term: []byte(t), Position: i + 1, Type: analysis.Ideographic}
		ts[i] = &toks[i]
	}
	return ts
}
