package boltstore_test

import (
	"testing"

	"github.com/lawbot/lawbot/stats/statstest"
)

// BenchmarkStore records and reads in a bolt file in a temporary directory.
// RecordParallel64 shows group commit: 64 goroutines share each fsync.
func BenchmarkStore(b *testing.B) {
	statstest.Bench(b, openTemp)
}
