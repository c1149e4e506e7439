package knowledge_test

import (
	"os"
	"testing"

	"github.com/lawbot/lawbot/knowledge"
)

// TestShippedCitationsResolve: every citation of the shipped knowledge base
// names an article that exists in the STARD statute corpus, and none names
// a repealed law.
func TestShippedCitationsResolve(t *testing.T) {
	if _, err := os.Stat(stardCorpus); err != nil {
		t.Skip("STARD corpus not found at " + stardCorpus + ": citations not checked against it")
	}
	base, _, err := knowledge.Load(knowledge.LoadOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	arts, bad, err := knowledge.ReadStatutes(stardCorpus, nil)
	if err != nil || len(bad) > 0 {
		t.Fatalf("ReadStatutes(%s): %v %v", stardCorpus, err, bad)
	}
	st := knowledge.NewStatutes(arts)
	n := 0
	for _, e := range base.Entries {
		for _, c := range e.Citations {
			n++
			if _, ok := st.Resolve(c); !ok {
				t.Errorf("%s (%s): %s does not resolve", e.ID, e.Source, c)
			}
			if msg := knowledge.Repealed(c.Law); msg != "" {
				t.Errorf("%s: %s cites a repealed law: %s", e.ID, c, msg)
			}
		}
	}
	t.Logf("%d citations of %d entries resolve", n, len(base.Entries))
}
