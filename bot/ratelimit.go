package bot

import (
	"context"
	"sync"
	"time"
)

// RateLimit is the limit of one key: Rate actions a second on average,
// Burst in a row, and a warning at most every WarnEvery once refused.
type RateLimit struct {
	Rate      float64
	Burst     int
	WarnEvery time.Duration
}

// Limits keeps rate limits outside the process, so that replicas share
// them: a resident whose messages go to several servers is limited as by
// one. state.Redis is one.
type Limits interface {
	// Allow takes a token for key at now, as Limiter.Allow does.
	Allow(ctx context.Context, key string, l RateLimit, now time.Time) (ok, warn bool, err error)
}

// Limiter is a token bucket per key: each key may act rate times a second
// on average and burst times in a row. It is safe for concurrent use and
// forgets keys that have been idle long enough to be full again.
type Limiter struct {
	rate      float64
	burst     float64
	warnEvery time.Duration

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	warned time.Time
}

// sweepAbove is how many keys the limiter holds before it drops idle ones.
const sweepAbove = 10_000

// NewLimiter returns a limiter allowing rate actions a second per key with
// bursts of burst. A rate or burst of 0 or less means 1.
func NewLimiter(rate float64, burst int) *Limiter {
	if rate <= 0 {
		rate = 1
	}
	if burst <= 0 {
		burst = 1
	}
	return &Limiter{rate: rate, burst: float64(burst), warnEvery: 10 * time.Second, buckets: map[string]*bucket{}}
}

// Allow takes a token for key at now. When none is left, ok is false and
// warn says whether to tell the resident so: at most once every ten
// seconds, so that a flood is not answered with a flood of warnings.
func (l *Limiter) Allow(key string, now time.Time) (ok, warn bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > sweepAbove && now.Sub(l.lastSweep) > time.Minute {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(l.burst, b.tokens+dt*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, false
	}
	if now.Sub(b.warned) >= l.warnEvery {
		b.warned = now
		return false, true
	}
	return false, false
}

// sweep drops buckets that have refilled, which behave as new ones would.
func (l *Limiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full && now.Sub(b.warned) >= l.warnEvery {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// Limit returns the limiter's limit.
func (l *Limiter) Limit() RateLimit {
	return RateLimit{Rate: l.rate, Burst: int(l.burst), WarnEvery: l.warnEvery}
}

// Len returns the number of keys the limiter holds.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
