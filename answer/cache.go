package answer

import (
	"container/list"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/lawbot/lawbot/index"
)

// Cache keeps the answers to recently asked questions. Residents ask the
// same questions again and again (the month's campaign theme, a notice on
// the estate's board, a related question pressed from a button), and the
// answer to a question depends on nothing but its text and the knowledge
// base and statutes the Composer was built with, which do not change while
// it runs. The key is the question as the search reads it (cacheKey), so
// "押金　不退" in full width or traditional characters is the same question;
// errors are not kept.
type Cache struct {
	max int

	mu    sync.Mutex
	order *list.List // front: most recently used; values are *cached
	byQ   map[string]*list.Element

	hits, misses atomic.Int64
}

type cached struct {
	q string
	a Answer
}

// cacheKey is q as composing reads it: everything an answer depends on is
// computed from index.Normalize(q) (width, case, traditional characters,
// invisible characters, kinds of space), and runs of spaces only separate
// words. A question too long to be read whole is cut before normalising,
// so it is its own key.
func cacheKey(q string) string {
	if len(q) > 8*index.MaxQueryRunes {
		return q
	}
	return strings.Join(strings.Fields(index.Normalize(q)), " ")
}

// NewCache returns a cache of at most n answers.
func NewCache(n int) *Cache {
	return &Cache{max: max(n, 1), order: list.New(), byQ: map[string]*list.Element{}}
}

// get returns a copy of the answer kept for q.
func (c *Cache) get(q string) (Answer, bool) {
	c.mu.Lock()
	el, ok := c.byQ[q]
	var a Answer
	if ok {
		c.order.MoveToFront(el)
		a = el.Value.(*cached).a
	}
	c.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return Answer{}, false
	}
	c.hits.Add(1)
	// The kept answer is never changed in place (put replaces it), so
	// copying it outside the lock is safe.
	return a.clone(), true
}

// put keeps a copy of a as the answer to q, dropping the least recently
// used answer when full.
func (c *Cache) put(q string, a Answer) {
	a = a.clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byQ[q]; ok {
		el.Value = &cached{q: q, a: a}
		c.order.MoveToFront(el)
		return
	}
	c.byQ[q] = c.order.PushFront(&cached{q: q, a: a})
	if c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.byQ, old.Value.(*cached).q)
	}
}

// Len returns the number of answers kept.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Stats returns how many questions were answered from the cache and how
// many were not.
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// clone returns a copy of a that shares no slice with it, so that a caller
// changing its answer cannot change the kept one.
func (a Answer) clone() Answer {
	a.Articles = slices.Clone(a.Articles)
	a.Related = slices.Clone(a.Related)
	a.NextSteps = slices.Clone(a.NextSteps)
	return a
}
