// Package answer composes what lawbot tells a resident: the best FAQ answer
// when the knowledge base confidently covers the question, otherwise the
// most relevant imported articles with a note that this is not legal advice,
// always with the next step. Every channel (Telegram, web chat, the command
// line, evaluation) shows this one composition.
package answer

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
)

// Kind says what sort of answer was composed.
type Kind int

const (
	// FAQ: a knowledge-base entry answers the question confidently.
	FAQ Kind = iota + 1
	// Articles: no entry fits well enough; the most relevant articles are
	// shown with a caution and the next step.
	Articles
	// NoMatch: nothing relevant was found; the resident is pointed to a
	// person who can help.
	NoMatch
	// Rephrase: the message had nothing to search for (empty, emoji,
	// symbols only).
	Rephrase
)

// String names the kind in logs and metric labels.
func (k Kind) String() string {
	switch k {
	case FAQ:
		return "faq"
	case Articles:
		return "articles"
	case NoMatch:
		return "nomatch"
	case Rephrase:
		return "rephrase"
	}
	return "unknown"
}

// MaxArticles is how many articles an answer shows at most.
const MaxArticles = 5

// DefaultThreshold is the FAQ confidence above which lawbot answers from the
// entry; below it lawbot says it is not sure and shows articles instead.
const DefaultThreshold = 0.7

// Answer is one composed reply.
type Answer struct {
	Kind       Kind
	Entry      *knowledge.Entry    // set for FAQ
	Confidence float64             // of the best FAQ entry, even when not used
	Articles   []knowledge.Article // cited articles first, then search hits
	Cited      int                 // how many of Articles the FAQ entry cites
	NextSteps  []knowledge.Step
	Related    []knowledge.Entry // other entries the resident may mean
	Urgent     bool              // the reply leads with an emergency step
	Text       string            // the whole reply, plain text
}

// Searcher is what composing needs of the FAQ index.
type Searcher interface {
	Search(ctx context.Context, q string, k int) ([]index.FAQHit, error)
}

// ArticleSearcher is what composing needs of the statute index.
type ArticleSearcher interface {
	Search(ctx context.Context, q string, k int) ([]index.Hit, error)
}

// Composer turns a question into an Answer.
type Composer struct {
	Base      *knowledge.Base
	FAQ       Searcher
	Laws      *knowledge.Statutes // imported articles; may be empty
	Statutes  ArticleSearcher     // nil when no statutes are imported
	Threshold float64             // 0 means DefaultThreshold
	// Cache, if set, keeps answers to questions asked before.
	Cache *Cache
}

// composing bounds the answers composed at once to the processors Go
// runs on. Composing is CPU-bound: with more at once none finishes sooner,
// and the goroutines that receive updates and send replies, which need a
// processor only briefly, would queue behind them.
var composing = make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))

// Ask composes the answer to q, or takes it from the cache.
func (c *Composer) Ask(ctx context.Context, q string) (Answer, error) {
	if !index.Searchable(q) {
		return Answer{Kind: Rephrase, Text: rephraseText}, nil
	}
	key := cacheKey(q)
	if c.Cache != nil {
		if a, ok := c.Cache.get(key); ok {
			return a, nil
		}
	}
	select {
	case composing <- struct{}{}:
	case <-ctx.Done():
		return Answer{}, fmt.Errorf("answer: %w", ctx.Err())
	}
	a, err := c.compose(ctx, q)
	<-composing
	if err == nil && c.Cache != nil {
		c.Cache.put(key, a)
	}
	return a, err
}

// compose searches for the answer to q.
func (c *Composer) compose(ctx context.Context, q string) (Answer, error) {
	threshold := c.Threshold
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	var a Answer
	hits, err := c.FAQ.Search(ctx, q, 4)
	if err != nil {
		return Answer{}, fmt.Errorf("answer: %w", err)
	}
	if len(hits) > 0 {
		a.Confidence = hits[0].Confidence
	}
	if len(hits) > 0 && hits[0].Confidence >= threshold {
		if e, ok := c.Base.ByID(hits[0].ID); ok {
			c.fromEntry(&a, e)
			hits = hits[1:]
		}
	}
	for _, h := range hits {
		if h.Confidence >= threshold/2 && len(a.Related) < 3 {
			if e, ok := c.Base.ByID(h.ID); ok {
				a.Related = append(a.Related, e)
			}
		}
	}
	if c.Statutes != nil && len(a.Articles) < MaxArticles {
		arts, err := c.Statutes.Search(ctx, q, 2*MaxArticles)
		if err != nil {
			return Answer{}, fmt.Errorf("answer: %w", err)
		}
		for _, h := range arts {
			if len(a.Articles) == MaxArticles {
				break
			}
			// A repealed law may still be in a deployer's collection; it is
			// never shown as the law today.
			if art, ok := c.Laws.ByID(h.ID); ok && !hasArticle(a.Articles, art.ID) && knowledge.Repealed(art.Law) == "" {
				a.Articles = append(a.Articles, art)
			}
		}
	}
	if a.Kind == 0 {
		a.Kind = Articles
		if len(a.Articles) == 0 {
			a.Kind = NoMatch
		}
		for _, k := range []string{"adviser", "12348", "legal_aid"} {
			st, _ := knowledge.StepByKey(k)
			a.NextSteps = append(a.NextSteps, st)
		}
	}
	if step, ok := emergency(q); ok && !a.Urgent {
		a.Urgent = true
		a.Text = step + "\n\n"
	} else if a.Urgent {
		a.Text = ""
	}
	a.Text += a.compose()
	return a, nil
}

// fromEntry makes a the FAQ answer of entry e: the entry, the articles its
// citations resolve to and its next steps.
func (c *Composer) fromEntry(a *Answer, e knowledge.Entry) {
	a.Kind = FAQ
	a.Entry = &e
	a.Urgent = e.Urgent
	for _, cit := range e.Citations {
		if art, ok := c.resolve(cit); ok && len(a.Articles) < MaxArticles {
			a.Articles = append(a.Articles, art)
		}
	}
	for _, s := range e.NextSteps {
		if st, ok := knowledge.StepByKey(s); ok {
			a.NextSteps = append(a.NextSteps, st)
		}
	}
}

func (c *Composer) resolve(cit knowledge.Citation) (knowledge.Article, bool) {
	if c.Laws == nil {
		return knowledge.Article{}, false
	}
	return c.Laws.Resolve(cit)
}

func hasArticle(as []knowledge.Article, id string) bool {
	for _, a := range as {
		if a.ID == id {
			return true
		}
	}
	return false
}

const (
	rephraseText = "没有看懂您的问题。请用一两句话描述遇到的事情，例如：“房东不退押金怎么办？”“公司拖欠工资去哪里投诉？”"
	unsureText   = "这个问题知识库里没有现成的解答，下面是可能相关的法律条文，仅供参考，不构成法律意见。具体情况建议咨询社区法律顾问或拨打 12348。"
	noMatchText  = "抱歉，这个问题我暂时回答不了，也没有找到相关的法律条文。建议直接咨询社区法律顾问或拨打 12348 公共法律服务热线。"
)

// compose writes the reply text: the answer, the articles it rests on, the
// next steps.
func (a *Answer) compose() string {
	var b strings.Builder
	switch a.Kind {
	case FAQ:
		b.WriteString(a.Entry.Answer)
	case Articles:
		b.WriteString(unsureText)
	case NoMatch:
		b.WriteString(noMatchText)
	}
	if a.Cited > 0 {
		b.WriteString("\n\n法律依据：")
		for _, art := range a.Articles[:a.Cited] {
			b.WriteString("\n· ")
			b.WriteString(art.Title())
		}
	} else if a.Kind == FAQ && len(a.Entry.Citations) > 0 {
		// Statutes not imported: name the articles without their text.
		b.WriteString("\n\n法律依据：")
		for _, c := range a.Entry.Citations {
			b.WriteString("\n· ")
			b.WriteString(c.String())
		}
	}
	if more := a.Articles[a.Cited:]; len(more) > 0 {
		if a.Kind == FAQ {
			b.WriteString("\n\n其他可能相关的条文（仅供参考）：")
		} else {
			b.WriteString("\n\n可能相关的条文：")
		}
		for _, art := range more {
			b.WriteString("\n· ")
			b.WriteString(art.Title())
			if a.Kind == Articles {
				b.WriteString("：")
				b.WriteString(excerpt(art.Text, 160))
			}
		}
	}
	if len(a.NextSteps) > 0 {
		b.WriteString("\n\n下一步可以：")
		for _, s := range a.NextSteps {
			b.WriteString("\n· ")
			b.WriteString(s.Name)
			b.WriteString("：")
			b.WriteString(s.How)
		}
	}
	return b.String()
}

// excerpt shortens text to at most n characters, ending at a sentence
// boundary when one is near.
func excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)[:n]
	for i := len(r) - 1; i > n/2; i-- {
		if strings.ContainsRune("。；！？", r[i]) {
			return string(r[:i+1]) + "……"
		}
	}
	return string(r) + "……"
}
