package redisstore_test

import (
	"testing"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/statstest"
)

// BenchmarkStore records and reads in the Redis at LAWBOT_TEST_REDIS_URL
// (else in miniredis, which says little about Redis's speed).
// RecordBatch1000 is one pipeline of four script calls of up to 256 events.
func BenchmarkStore(b *testing.B) {
	statstest.Bench(b, func(tb testing.TB, cfg stats.Config) stats.Store {
		s, _, _ := openTest(tb, cfg)
		return s
	})
}
