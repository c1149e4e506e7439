package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// URLEnv names a Redis for tests to share instead of a miniredis each.
// Give them a database of their own, e.g. redis://127.0.0.1:6379/15.
const URLEnv = "LAWBOT_TEST_REDIS_URL"

// URL returns the URL of a Redis for tb: that of URLEnv when set, else
// redis://host:port of a miniredis run for tb and closed when it ends.
// Don't call it inside a testing/synctest bubble: a miniredis started
// there would stop the bubble's clock.
func URL(tb testing.TB) string {
	tb.Helper()
	if url := os.Getenv(URLEnv); url != "" {
		return url
	}
	return "redis://" + miniredis.RunT(tb).Addr()
}

// Client returns a client of the Redis at url, parsed with
// redis.ParseURL, closed when tb ends.
func Client(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("redis.ParseURL(%s URL) = %v", URLEnv, err)
	}
	rdb := redis.NewClient(o)
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}

// Prefix returns a key prefix no other test uses, "lawbot-test-" and 12
// hex digits, and deletes through rdb, when tb ends, every key whose name
// contains it: the statistics' and chat state's "{p}:...", the campaigns'
// "{p:campaign}:..." and the broadcast lease "p:campaign:broadcast".
// rdb must stay open until then, as one from Client does when made first.
func Prefix(tb testing.TB, rdb *redis.Client) string {
	tb.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "lawbot-test-" + hex.EncodeToString(b)
	tb.Cleanup(func() { deleteKeys(tb, rdb, prefix) })
	return prefix
}

// deleteKeys deletes every key whose name contains prefix, found by SCAN
// and deleted in chunks of 1000, reporting errors with tb.Errorf.
func deleteKeys(tb testing.TB, rdb *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, "*"+prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("scan keys of %s: %v", prefix, err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := rdb.Del(ctx, keys[:n]...).Err(); err != nil {
			tb.Errorf("delete keys of %s: %v", prefix, err)
			return
		}
		keys = keys[n:]
	}
}
