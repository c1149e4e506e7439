package answer

import (
	"context"
	"errors"
	"testing"
)

func TestEntryMatchesAsk(t *testing.T) {
	c := testComposer(t)
	checked := 0
	for _, e := range c.Base.Entries {
		asked, err := c.Ask(context.Background(), e.Question)
		if err != nil {
			t.Fatal(err)
		}
		if asked.Kind != FAQ || asked.Entry.ID != e.ID || asked.Urgent != e.Urgent {
			// The question finds another entry first, or its own words call
			// for the emergency step: not this test's concern.
			continue
		}
		picked, err := c.Entry(e.ID)
		if err != nil {
			t.Fatalf("Entry(%q): %v", e.ID, err)
		}
		if picked.Text != asked.Text || picked.Kind != FAQ || picked.Confidence != 1 || picked.Urgent != asked.Urgent ||
			len(picked.Articles) != len(asked.Articles) || len(picked.NextSteps) != len(asked.NextSteps) {
			t.Errorf("Entry(%q) = %+v,\nwant what Ask(%q) composes: %+v", e.ID, picked, e.Question, asked)
		}
		if picked.Related != nil {
			t.Errorf("Entry(%q) has related entries; a picked entry has none", e.ID)
		}
		checked++
	}
	if checked < len(c.Base.Entries)/2 {
		t.Errorf("only %d of %d entries are found by their own question", checked, len(c.Base.Entries))
	}
}

func TestEntryUnknown(t *testing.T) {
	if _, err := testComposer(t).Entry("no-such-entry"); !errors.Is(err, ErrUnknownEntry) {
		t.Errorf("Entry(unknown) = %v, want ErrUnknownEntry", err)
	}
}
