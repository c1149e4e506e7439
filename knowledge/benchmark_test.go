package knowledge_test

import (
	"testing"

	"github.com/lawbot/lawbot/knowledge"
)

// BenchmarkLoad loads and validates the shipped knowledge base, as every
// start of lawbot does.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := knowledge.Load(knowledge.LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
