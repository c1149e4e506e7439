package answer

import (
	"errors"
	"fmt"
)

// ErrUnknownEntry is returned by Entry for an id the knowledge base does not
// hold (for example a button on an old message after the entry was removed).
var ErrUnknownEntry = errors.New("answer: unknown entry")

// Entry composes the answer of one knowledge-base entry, as Ask does when
// that entry is its confident match: for a resident who picked the question
// from a list (topics, related questions, a command) rather than typing it.
// Confidence is 1.
func (c *Composer) Entry(id string) (Answer, error) {
	e, ok := c.Base.ByID(id)
	if !ok {
		return Answer{}, fmt.Errorf("%w %q", ErrUnknownEntry, id)
	}
	a := Answer{Confidence: 1}
	c.fromEntry(&a, e)
	a.Text = a.compose()
	return a, nil
}
