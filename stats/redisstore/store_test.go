package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/lawbot/lawbot/internal/redistest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/redisstore"
	"github.com/lawbot/lawbot/stats/statstest"
	"github.com/redis/go-redis/v9"
)

// openTest opens a store on the test Redis with its own prefix and outbox.
// The write timeout is long: a slow test machine must not send events to
// the outbox, which the outage tests cover.
func openTest(tb testing.TB, cfg stats.Config) (*redisstore.Store, *redis.Client, string) {
	tb.Helper()
	url := redistest.URL(tb)
	rdb := redistest.Client(tb, url)
	prefix := redistest.Prefix(tb, rdb)
	s, err := redisstore.Open(context.Background(), url, redisstore.Options{
		Config: cfg, Prefix: prefix, OutboxDir: tb.TempDir(), WriteTimeout: 10 * time.Second,
	})
	if err != nil {
		tb.Fatalf("Open(%s) = %v", url, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, rdb, prefix
}

func TestConformance(t *testing.T) {
	statstest.Run(t, func(tb testing.TB, cfg stats.Config) stats.Store {
		s, _, _ := openTest(tb, cfg)
		return s
	})
}

// TestNoPersonalData looks through every key and value the store wrote for
// resident ids and the personal details of a question.
func TestNoPersonalData(t *testing.T) {
	clock := statstest.NewClock(statstest.Now())
	s, rdb, prefix := openTest(t, statstest.Config(clock))
	ctx := context.Background()
	events := []stats.Event{
		{ID: "tg:1", Kind: stats.KindConsultation, Time: statstest.Now(), Community: "east", Channel: stats.ChannelTelegram,
			Resident: "tg:100", Category: stats.Unanswered, Question: statstest.PersonalText},
		{ID: "web:1", Kind: stats.KindRating, Time: statstest.Now(), Community: "west", Channel: stats.ChannelWeb, Resident: "web:abc", Rating: 4},
		{ID: "tg:2", Kind: stats.KindCampaignRead, Time: statstest.Now(), Community: "east", Channel: stats.ChannelTelegram, Resident: "tg:200", Campaign: "c1"},
	}
	if err := s.RecordBatch(ctx, events); err != nil {
		t.Fatalf("RecordBatch() = %v", err)
	}
	var dump strings.Builder
	keys, err := rdb.Keys(ctx, "{"+prefix+"}:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("Keys() = %v, %v, want the store's keys", keys, err)
	}
	for _, k := range keys {
		dump.WriteString(k + "\n")
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "hash":
			for f, v := range rdb.HGetAll(ctx, k).Val() {
				dump.WriteString(f + "=" + v + "\n")
			}
		case "set":
			dump.WriteString(strings.Join(rdb.SMembers(ctx, k).Val(), "\n"))
		case "zset":
			dump.WriteString(strings.Join(rdb.ZRange(ctx, k, 0, -1).Val(), "\n"))
		case "string":
			dump.WriteString(rdb.Get(ctx, k).Val())
		default:
			t.Errorf("key %s has unexpected type %s", k, typ)
		}
	}
	for _, secret := range statstest.Secrets() {
		if strings.Contains(dump.String(), secret) {
			t.Errorf("redis data contains %q:\n%s", secret, dump.String())
		}
	}
}

func TestCorruptCounter(t *testing.T) {
	s, rdb, prefix := openTest(t, statstest.Config(statstest.NewClock(statstest.Now())))
	ctx := context.Background()
	rdb.HSet(ctx, "{"+prefix+"}:d:2025-06-01", "ev:consultation", "lots")
	q := statstest.Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal)
	if _, err := s.Query(ctx, q); !errors.Is(err, stats.ErrCorrupt) {
		t.Errorf("Query(over a non-numeric counter) = %v, want ErrCorrupt", err)
	}
}

// TestScriptFlushed shows that a Redis that lost its script cache (as after
// a restart) is reloaded transparently.
func TestScriptFlushed(t *testing.T) {
	s, rdb, _ := openTest(t, statstest.Config(statstest.NewClock(statstest.Now())))
	ctx := context.Background()
	e := stats.Event{ID: "a", Kind: stats.KindLecture, Time: statstest.Now(), Community: "east", Count: 10}
	if err := s.Record(ctx, e); err != nil {
		t.Fatalf("Record() = %v", err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatalf("SCRIPT FLUSH: %v", err)
	}
	e.ID = "b"
	if err := s.Record(ctx, e); err != nil {
		t.Fatalf("Record() after SCRIPT FLUSH = %v", err)
	}
	if h := s.Health(); h.Degraded {
		t.Errorf("Health() = %v, want ok", h)
	}
	r, err := s.Query(ctx, statstest.Period(2025, 6, 1, 2025, 7, 1, stats.ByTotal))
	if err != nil || r.Total.Quantity(stats.KindLecture) != 20 {
		t.Errorf("Query() attendees = %d, %v, want 20", r.Total.Quantity(stats.KindLecture), err)
	}
}

func TestNewClientURLs(t *testing.T) {
	tests := []struct {
		url    string
		want   string // client type
		addrs  string
		db     int
		master string
	}{
		{url: "redis://127.0.0.1:6379/3", want: "single", addrs: "127.0.0.1:6379", db: 3},
		{url: "rediss://:secret@redis.example:6380/0", want: "single", addrs: "redis.example:6380"},
		{url: "unix:///run/redis.sock?db=2", want: "single", addrs: "/run/redis.sock", db: 2},
		{url: "redis+cluster://n1:7000?addr=n2:7001&addr=n3:7002", want: "cluster", addrs: "n1:7000,n2:7001,n3:7002"},
		{url: "redis+sentinel://s1:26379/1?master_name=mymaster&addr=s2:26379", want: "failover", db: 1},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := redisstore.NewClient(tt.url)
			if err != nil {
				t.Fatalf("NewClient(%q) = %v", tt.url, err)
			}
			defer c.Close()
			switch cl := c.(type) {
			case *redis.ClusterClient:
				if tt.want != "cluster" || strings.Join(cl.Options().Addrs, ",") != tt.addrs || !cl.Options().ContextTimeoutEnabled {
					t.Errorf("NewClient(%q) = cluster %v, want %s %s with context timeouts", tt.url, cl.Options().Addrs, tt.want, tt.addrs)
				}
			case *redis.Client:
				o := cl.Options()
				kind := "single"
				if o.Addr == "FailoverClient" {
					kind = "failover"
				}
				if kind != tt.want || (tt.addrs != "" && o.Addr != tt.addrs) || o.DB != tt.db || !o.ContextTimeoutEnabled {
					t.Errorf("NewClient(%q) = %s addr %s db %d, want %s %s db %d with context timeouts", tt.url, kind, o.Addr, o.DB, tt.want, tt.addrs, tt.db)
				}
			default:
				t.Errorf("NewClient(%q) = %T", tt.url, c)
			}
		})
	}
	for _, bad := range []string{"http://x", "redis+sentinel://s1:26379/0", "redis+bogus://x", "redis://x/notanumber", "::"} {
		if c, err := redisstore.NewClient(bad); err == nil {
			c.Close()
			t.Errorf("NewClient(%q) = nil error, want one", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("NewClient(%q) error %q leaks the password", bad, err)
		}
	}
}

func TestOpenWithoutRedisOrOutbox(t *testing.T) {
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close()
	_, err := redisstore.Open(context.Background(), "redis://"+addr, redisstore.Options{})
	if err == nil {
		t.Fatal("Open(unreachable, no outbox) = nil error, want one")
	}
}
