package campaign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease is a lock in Redis that lets one replica of several send: SET NX PX
// to take it, renewed while held, released by its owner only. It takes a
// ready redis.UniversalClient, so a single node, Sentinel and Cluster all
// work.
type Lease struct {
	rdb   redis.UniversalClient
	key   string
	owner string
	ttl   time.Duration
}

// NewLease returns a lease on key that expires ttl after its last renewal
// (0 means 30s); a replica that dies holding it blocks the others for at
// most ttl.
func NewLease(rdb redis.UniversalClient, key string, ttl time.Duration) *Lease {
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	var b [12]byte
	rand.Read(b[:])
	return &Lease{rdb: rdb, key: key, owner: hex.EncodeToString(b[:]), ttl: ttl}
}

var (
	renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`)
	// releaseScript deletes the key only for its owner.
	releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
)

// Acquire takes the lease if no one holds it, and reports whether it did.
// Taking a lease one already holds renews it.
func (l *Lease) Acquire(ctx context.Context) (bool, error) {
	ok, err := l.rdb.SetNX(ctx, l.key, l.owner, l.ttl).Result()
	if err != nil {
		return false, fmt.Errorf("campaign: lease %s: %w", l.key, err)
	}
	if ok {
		return true, nil
	}
	return l.Renew(ctx)
}

// Renew extends a held lease and reports whether it is still held.
func (l *Lease) Renew(ctx context.Context) (bool, error) {
	n, err := renewScript.Run(ctx, l.rdb, []string{l.key}, l.owner, l.ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("campaign: renew lease %s: %w", l.key, err)
	}
	return n == 1, nil
}

// Release gives the lease up if held.
func (l *Lease) Release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, l.rdb, []string{l.key}, l.owner).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("campaign: release lease %s: %w", l.key, err)
	}
	return nil
}

// hold renews the lease every third of its ttl until stop is called, and
// cancels with ErrLeaseLost when it cannot.
func (l *Lease) hold(ctx context.Context, cancel context.CancelCauseFunc) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(l.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				rctx, rcancel := context.WithTimeout(ctx, l.ttl/3)
				ok, err := l.Renew(rctx)
				rcancel()
				if err != nil || !ok {
					cancel(ErrLeaseLost)
					return
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
