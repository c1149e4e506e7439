package campaign_test

import (
	"context"
	"testing"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/internal/redistest"
)

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

// newTestStore makes room for an empty store of kind. For Redis it takes
// redistest's Redis (a miniredis unless LAWBOT_TEST_REDIS_URL is set) and
// a random prefix, whose keys are deleted when tb ends.
func newTestStore(tb testing.TB, kind string) testStore {
	tb.Helper()
	switch kind {
	case "bolt":
		return testStore{kind: kind, dir: tb.TempDir()}
	case "redis":
		url := redistest.URL(tb)
		prefix := redistest.Prefix(tb, redistest.Client(tb, url))
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
	s, err := campaign.NewRedisStore(redistest.Client(tb, ts.url), campaign.RedisOptions{Prefix: ts.prefix})
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
