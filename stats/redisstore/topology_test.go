package redisstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/lawbot/lawbot/internal/redistest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/redisstore"
	"github.com/lawbot/lawbot/stats/statstest"
)

// conformanceAt runs the conformance suite against the store at url.
func conformanceAt(t *testing.T, url string) {
	statstest.Run(t, func(tb testing.TB, cfg stats.Config) stats.Store {
		s, err := redisstore.Open(context.Background(), url, redisstore.Options{
			Config: cfg, Prefix: "t" + strconv.FormatInt(time.Now().UnixNano(), 36), OutboxDir: tb.TempDir(), WriteTimeout: 10 * time.Second,
		})
		if err != nil {
			tb.Fatalf("Open(%s) = %v", url, err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	})
}

// TestSentinel runs the suite through a Sentinel watching one master.
func TestSentinel(t *testing.T) {
	redistest.Need(t)
	conformanceAt(t, redistest.Sentinel(t))
}

// TestCluster runs the suite on a three-master Redis Cluster.
func TestCluster(t *testing.T) {
	redistest.Need(t)
	conformanceAt(t, redistest.Cluster(t))
}
