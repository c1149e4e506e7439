package state_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/state"
)

// TestRedisLimitsAsLimiter runs one random sequence of messages from a few
// residents through the in-memory bot.Limiter and through Redis: every
// answer, refusal and warning is the same. Two Redis handles take turns,
// as two replicas would.
func TestRedisLimitsAsLimiter(t *testing.T) {
	rdb, _ := testRedis(t)
	prefix := fmt.Sprintf("lawbot-test-rl-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), "{"+prefix+"}:*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})
	var replicas [2]*state.Redis
	for i := range replicas {
		r, err := state.NewRedis(rdb, prefix, state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		replicas[i] = r
	}
	local := bot.NewLimiter(1, 5)
	limit := local.Limit()
	if limit != (bot.RateLimit{Rate: 1, Burst: 5, WarnEvery: 10 * time.Second}) {
		t.Fatalf("Limit() = %+v", limit)
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().Truncate(time.Millisecond)
	var allowed, refused, warned int
	for i := range 3000 {
		// Mostly bursts, now and then a pause long enough to refill.
		step := time.Duration(rng.IntN(400)) * time.Millisecond
		if rng.IntN(20) == 0 {
			step = time.Duration(rng.IntN(15_000)) * time.Millisecond
		}
		now = now.Add(step)
		key := fmt.Sprintf("tg:%d", rng.IntN(3))
		wantOK, wantWarn := local.Allow(key, now)
		ok, warn, err := replicas[i%2].Allow(ctx, key, limit, now)
		if err != nil {
			t.Fatal(err)
		}
		if ok != wantOK || warn != wantWarn {
			t.Fatalf("message %d from %s at +%v: Redis says %v, %v; the limiter %v, %v", i, key, step, ok, warn, wantOK, wantWarn)
		}
		switch {
		case ok:
			allowed++
		case warn:
			warned++
		default:
			refused++
		}
	}
	if allowed == 0 || refused == 0 || warned == 0 {
		t.Errorf("the sequence did not exercise every case: %d allowed, %d refused, %d warned", allowed, refused, warned)
	}
	t.Logf("%d allowed, %d refused silently, %d warned", allowed, refused, warned)
	ttl, err := rdb.PTTL(ctx, "{"+prefix+"}:chat:rl:tg:0").Result()
	if err != nil || ttl <= 0 || ttl > 15*time.Second {
		t.Errorf("bucket expires in %v (%v), want within the refill time plus the warning interval", ttl, err)
	}
}

// BenchmarkRedisAllow is the cost of the shared rate limit per message:
// one script call, from several goroutines at once as a busy replica
// makes them.
func BenchmarkRedisAllow(b *testing.B) {
	rdb, _ := testRedis(b) // the buckets expire within 10 s
	r, err := state.NewRedis(rdb, fmt.Sprintf("lawbot-bench-rl-%d", time.Now().UnixNano()), state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	limit := bot.RateLimit{Rate: 1e9, Burst: 1 << 30, WarnEvery: 10 * time.Second}
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			key := fmt.Sprintf("tg:%d", n.Add(1)%5000)
			if _, _, err := r.Allow(ctx, key, limit, time.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
