// Package redisstore keeps lawbot's statistics in Redis, for offices that
// run several lawbot processes or already operate Redis.
//
// Events are written by a small Lua script, up to 256 events per call and
// the calls pipelined, so one event costs one round trip at most. The
// script keeps idempotency keys in a set per dedup window (SMISMEMBER,
// SADD) and only for keys it has not seen adds the event's counters to a
// hash per day (HINCRBY), its resident hash to a set per day (SADD) and a
// kept question to a sorted set by time (ZADD), all atomically. A write that
// go-redis retries, or an event replayed from the outbox, is therefore never
// counted twice. The script also keeps each new offline activity in a hash
// under the next activity number; Correct replaces such a record with a
// compare-and-set script that adds the difference to its day's counters.
//
// All keys share one hash tag, "{prefix}", so the script also runs on Redis
// Cluster (in one slot: statistics for a subdistrict are small).
//
// Writes wait at most Options.WriteTimeout. When Redis does not answer in
// time, events go to a bounded on-disk outbox (stats.Outbox) and the store
// reports itself degraded until a background loop has replayed them.
package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/redis/go-redis/v9"
)

// Options configure a Store.
type Options struct {
	// Config holds the settings shared by all backends.
	Config stats.Config
	// Prefix starts every key, inside a hash tag: "{lawbot}:d:2025-06-01".
	// Empty means "lawbot".
	Prefix string
	// OutboxDir is where events wait while Redis is unreachable. Empty
	// disables the outbox: writes then fail while Redis is down.
	OutboxDir string
	// OutboxMax caps the events waiting in the outbox; 0 means 100,000.
	OutboxMax int
	// WriteTimeout bounds how long a write of one event waits for Redis
	// before its events go to the outbox (a batch gets 20µs more per
	// event); 0 means 250ms.
	WriteTimeout time.Duration
	// RetryInterval is how often the outbox tries to reach Redis again;
	// 0 means 1s.
	RetryInterval time.Duration
	// Logger receives degradation, recovery and outbox errors; nil
	// discards them.
	Logger *slog.Logger
}

// Store is a stats.Store in Redis.
type Store struct {
	rdb     redis.UniversalClient
	own     bool // Close closes rdb
	pol     *stats.Policy
	log     *slog.Logger
	keys    keyspace
	timeout time.Duration
	retry   time.Duration
	outbox  *stats.Outbox

	mu       sync.Mutex // guards the degradation state
	degraded bool
	since    time.Time
	full     bool
	rejected int
	lastErr  string

	kick        chan struct{}
	applyq      chan *applyReq // writes waiting for a group writer
	writersOnce sync.Once
	quit        chan struct{}
	done        chan struct{}
	closed      atomic.Bool
	closeOnce   sync.Once
	closeErr    error
}

var (
	_ stats.Store      = (*Store)(nil)
	_ stats.Activities = (*Store)(nil)
)

// Open connects to the Redis that rawURL names (see NewClient) and returns
// a store that closes the client on Close. If Redis is unreachable and an
// outbox is configured, the store starts degraded instead of failing.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	rdb, err := NewClient(rawURL)
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, rdb, opts)
	if err != nil {
		rdb.Close()
		return nil, err
	}
	s.own = true
	return s, nil
}

// NewClient returns a go-redis client for rawURL, which may take the forms:
//
//	redis://[user:password@]host:6379[/db][?dial_timeout=3s&...]   one server
//	rediss://...                                                   one server, TLS
//	unix://[user:password@]/path/redis.sock[?db=0]                 Unix socket
//	redis+sentinel://[user:password@]sentinel:26379[/db]?master_name=mymaster[&addr=sentinel2:26379]
//	redis+cluster://[user:password@]node:6379[?addr=node2:6379&addr=node3:6379]
//
// with "rediss+sentinel" and "rediss+cluster" for TLS. Query parameters are
// go-redis's (ParseURL, ParseFailoverURL, ParseClusterURL). The client
// honours context deadlines, which the store relies on.
func NewClient(rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: redis URL: %w", redactURLError(err))
	}
	base, mode, _ := strings.Cut(u.Scheme, "+")
	plain := *u
	plain.Scheme = base
	switch {
	case mode == "" && (base == "redis" || base == "rediss" || base == "unix"):
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redisstore: redis URL: %w", err)
		}
		o.ContextTimeoutEnabled = true
		return redis.NewClient(o), nil
	case mode == "sentinel" && (base == "redis" || base == "rediss"):
		o, err := redis.ParseFailoverURL(plain.String())
		if err != nil {
			return nil, fmt.Errorf("redisstore: redis URL: %w", err)
		}
		if o.MasterName == "" {
			return nil, fmt.Errorf("redisstore: redis URL: %w: sentinel URL needs ?master_name=", stats.ErrInvalid)
		}
		o.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(o), nil
	case mode == "cluster" && (base == "redis" || base == "rediss"):
		o, err := redis.ParseClusterURL(plain.String())
		if err != nil {
			return nil, fmt.Errorf("redisstore: redis URL: %w", err)
		}
		o.ContextTimeoutEnabled = true
		return redis.NewClusterClient(o), nil
	}
	return nil, fmt.Errorf("redisstore: redis URL: %w: unknown scheme %q", stats.ErrInvalid, u.Scheme)
}

// redactURLError drops the URL, which may hold a password, from a parse error.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// New returns a store using rdb, which the caller keeps and closes. For
// Options.WriteTimeout to hold, rdb must honour context deadlines
// (ContextTimeoutEnabled); otherwise its own timeouts bound each write.
func New(ctx context.Context, rdb redis.UniversalClient, opts Options) (*Store, error) {
	pol, err := stats.NewPolicy(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	if opts.Prefix == "" {
		opts.Prefix = "lawbot"
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redisstore: %w: prefix %q has braces", stats.ErrInvalid, opts.Prefix)
	}
	if opts.OutboxMax <= 0 {
		opts.OutboxMax = 100_000
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 250 * time.Millisecond
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		rdb: rdb, pol: pol, log: opts.Logger, keys: keyspace{"{" + opts.Prefix + "}:"},
		timeout: opts.WriteTimeout, retry: opts.RetryInterval,
		kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
	}
	if opts.OutboxDir != "" {
		if s.outbox, err = stats.OpenOutbox(opts.OutboxDir, opts.OutboxMax); err != nil {
			return nil, fmt.Errorf("redisstore: %w", err)
		}
	}
	pctx, cancel := context.WithTimeout(ctx, max(s.timeout, time.Second))
	err = rdb.Ping(pctx).Err()
	cancel()
	switch {
	case err != nil && s.outbox == nil:
		return nil, fmt.Errorf("redisstore: ping: %w", err)
	case err != nil:
		s.log.Warn("statistics degraded: redis unreachable at start", "err", err)
		s.degrade(err)
	case s.outbox != nil && s.outbox.Pending() > 0:
		s.log.Warn("statistics degraded: outbox holds events from an earlier run", "pending", s.outbox.Pending())
		s.degrade(fmt.Errorf("outbox holds events from an earlier run"))
	}
	go s.run()
	return s, nil
}

// Health reports whether events go to Redis or wait in the outbox.
func (s *Store) Health() stats.Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := stats.Health{Degraded: s.degraded, Since: s.since, Full: s.full, Err: s.lastErr}
	if s.outbox != nil {
		h.Pending = s.outbox.Pending()
	}
	return h
}

// Close stops the replay loop and closes the outbox, leaving events that
// are still pending on disk for the next Open, and closes the client if
// Open created it.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.quit)
		<-s.done
		var errs []error
		if s.outbox != nil {
			if err := s.outbox.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		if s.own {
			if err := s.rdb.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			s.closeErr = fmt.Errorf("redisstore: close: %v", errs)
		}
	})
	return s.closeErr
}

// keyspace names the keys of one store.
type keyspace struct{ base string }

func (k keyspace) day(day string) string       { return k.base + "d:" + day }
func (k keyspace) residents(day string) string { return k.base + "r:" + day }
func (k keyspace) residentDays() string        { return k.base + "rdays" }
func (k keyspace) seen(window int64) string    { return k.base + "seen:" + strconv.FormatInt(window, 10) }
func (k keyspace) questions() string           { return k.base + "q" }
func (k keyspace) activities() string          { return k.base + "act" }
func (k keyspace) activityNo() string          { return k.base + "actno" }
