package campaign_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lawbot/lawbot/campaign"
)

// redisURLEnv names a Redis for the tests (give them a DB of their own,
// e.g. redis://127.0.0.1:6379/15); without it each test runs a miniredis.
const redisURLEnv = "LAWBOT_TEST_REDIS_URL"

// storeKinds are the Store implementations the store tests run on.
var storeKinds = []string{"bolt", "redis"}

// opener opens an empty store, closed (and for Redis, its keys deleted)
// when tb ends.
type opener func(tb testing.TB) campaign.Store

// forEachStore runs f as subtests "bolt" and "redis", each opening its
// stores with open.
func forEachStore(t *testing.T, f func(t *testing.T, open opener)) {
	t.Helper()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			f(t, func(tb testing.TB) campaign.Store {
				tb.Helper()
				return newTestStore(tb, kind).open(tb)
			})
		})
	}
}

// testStore is where a test store keeps its data: a bolt directory, or a
// Redis and a key prefix. Several handles may be opened on it, as a
// restarted process or another replica would.
type testStore struct {
	kind   string
	dir    string // bolt
	url    string // redis
	prefix string // redis
}

// newTestStore makes room for an empty store of kind. For Redis it starts
// a miniredis unless LAWBOT_TEST_REDIS_URL is set, and deletes the keys of
// its random prefix when tb ends.
func newTestStore(tb testing.TB, kind string) testStore {
	tb.Helper()
	switch kind {
	case "bolt":
		return testStore{kind: kind, dir: tb.TempDir()}
	case "redis":
		url := os.Getenv(redisURLEnv)
		if url == "" {
			url = "redis://" + miniredis.RunT(tb).Addr()
		}
		rdb := redisClient(tb, url)
		b := make([]byte, 6)
		rand.Read(b)
		prefix := "lawbot-test-" + hex.EncodeToString(b)
		tb.Cleanup(func() { deleteKeys(tb, rdb, prefix) })
		return testStore{kind: kind, url: url, prefix: prefix}
	}
	tb.Fatalf("unknown store kind %q", kind)
	return testStore{}
}

// open returns a new handle on the store, closed when tb ends. A Redis
// handle has a client of its own.
func (ts testStore) open(tb testing.TB) campaign.Store {
	tb.Helper()
	if ts.kind == "bolt" {
		return openStore(tb, ts.dir)
	}
	s, err := campaign.NewRedisStore(redisClient(tb, ts.url), campaign.RedisOptions{Prefix: ts.prefix})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// openStore opens a campaign file in dir, closed when tb ends.
func openStore(tb testing.TB, dir string) *campaign.BoltStore {
	tb.Helper()
	s, err := campaign.Open(dir, campaign.StoreOptions{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// redisClient returns a client of the Redis at url, closed when tb ends.
func redisClient(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("redis.ParseURL(%q) = %v", url, err)
	}
	rdb := redis.NewClient(o)
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}

// deleteKeys deletes every key of the campaign store with prefix.
func deleteKeys(tb testing.TB, rdb *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, "{"+prefix+":campaign}:*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("scan %s: %v", prefix, err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := rdb.Del(ctx, keys[:n]...).Err(); err != nil {
			tb.Errorf("delete %s keys: %v", prefix, err)
			return
		}
		keys = keys[n:]
	}
}

// The Store's counts, failing tb on an error.

func subscribed(tb testing.TB, s campaign.Store, chat int64) bool {
	tb.Helper()
	ok, err := s.Subscribed(context.Background(), chat)
	if err != nil {
		tb.Fatal(err)
	}
	return ok
}

func subscribers(tb testing.TB, s campaign.Store) int {
	tb.Helper()
	n, err := s.Subscribers(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func unsubscribe(tb testing.TB, s campaign.Store, chat int64) bool {
	tb.Helper()
	was, err := s.Unsubscribe(context.Background(), chat)
	if err != nil {
		tb.Fatal(err)
	}
	return was
}

func signups(tb testing.TB, s campaign.Store, id string) int {
	tb.Helper()
	n, err := s.Signups(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func storedCheckIns(tb testing.TB, s campaign.Store, id string) int {
	tb.Helper()
	n, err := s.CheckIns(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func getCampaign(tb testing.TB, s campaign.Store, id string) *campaign.Campaign {
	tb.Helper()
	c, err := s.Get(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func progress(tb testing.TB, s campaign.Store, id string) campaign.Progress {
	tb.Helper()
	ps, err := s.Progress(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	if len(ps) != 1 {
		tb.Fatalf("Progress(%s) = %+v, want one", id, ps)
	}
	return ps[0]
}

// storeKind names the kind of s.
func storeKind(s campaign.Store) string {
	switch s.(type) {
	case *campaign.BoltStore:
		return "bolt"
	case *campaign.RedisStore:
		return "redis"
	}
	return "unknown"
}
