package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/redis/go-redis/v9"
)

// correctScript replaces an activity record if it is still the one the
// correction was computed from, and adds the difference to its day's
// counters, atomically. It returns 1, or 0 when the record changed
// meanwhile (the caller reads it again).
//
//	KEYS: activities hash, day hash
//	ARGV: activity number, record read, corrected record,
//	      ncounters x (name, delta)
var correctScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
for i = 4, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
`)

// maxCorrectTries bounds how often Correct reads a record again that was
// corrected concurrently.
const maxCorrectTries = 100

// Activities returns up to limit offline activities, the most recently
// recorded first. Activities still waiting in the outbox are not listed.
func (s *Store) Activities(ctx context.Context, limit int) ([]stats.Activity, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("redisstore: activities: %w", stats.ErrClosed)
	}
	switch {
	case limit <= 0:
		limit = 100
	case limit > 10_000:
		limit = 10_000
	}
	last, err := s.rdb.Get(ctx, s.keys.activityNo()).Int64()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: activities: %w", err)
	}
	var fields []string
	for no := last; no > 0 && len(fields) < limit; no-- {
		fields = append(fields, strconv.FormatInt(no, 10))
	}
	if len(fields) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.keys.activities(), fields...).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: activities: %w", err)
	}
	out := make([]stats.Activity, 0, len(vals))
	for i, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue // never written: the script died between INCR and HSET
		}
		a, err := decodeActivity(fields[i], raw)
		if err != nil {
			return nil, fmt.Errorf("redisstore: activities: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

func decodeActivity(field, raw string) (stats.Activity, error) {
	var a stats.Activity
	no, err := strconv.ParseInt(field, 10, 64)
	if err == nil {
		err = json.Unmarshal([]byte(raw), &a)
	}
	if err != nil {
		return a, fmt.Errorf("%w: activity %q: %v", stats.ErrCorrupt, field, err)
	}
	a.No = no
	return a, nil
}

// Correct applies c to the activity it names and the difference to the
// counters of the activity's day. It needs Redis: a correction is not put
// in the outbox.
func (s *Store) Correct(ctx context.Context, c stats.Correction) (stats.Activity, error) {
	if s.closed.Load() {
		return stats.Activity{}, fmt.Errorf("redisstore: correct: %w", stats.ErrClosed)
	}
	field := strconv.FormatInt(c.No, 10)
	for try := range maxCorrectTries {
		if try > 0 {
			// Someone else corrected it meanwhile: wait a random moment,
			// longer each time, so that concurrent correctors take turns.
			wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(try, 6)))
			select {
			case <-ctx.Done():
				return stats.Activity{}, fmt.Errorf("redisstore: correct: %w", ctx.Err())
			case <-time.After(wait):
			}
		}
		raw, err := s.rdb.HGet(ctx, s.keys.activities(), field).Result()
		if errors.Is(err, redis.Nil) || c.No <= 0 {
			return stats.Activity{}, fmt.Errorf("redisstore: correct: activity %d: %w", c.No, stats.ErrNotFound)
		}
		if err != nil {
			return stats.Activity{}, fmt.Errorf("redisstore: correct: %w", err)
		}
		a, err := decodeActivity(field, raw)
		if err != nil {
			return stats.Activity{}, fmt.Errorf("redisstore: correct: %w", err)
		}
		out, deltas, changed, err := s.pol.Correct(a, c)
		if err != nil {
			return stats.Activity{}, fmt.Errorf("redisstore: %w", err)
		}
		if !changed {
			return out, nil
		}
		stored := out
		stored.No = 0 // the field holds it
		v, err := json.Marshal(stored)
		if err != nil {
			return stats.Activity{}, fmt.Errorf("redisstore: correct: %w", err)
		}
		args := []any{field, raw, string(v)}
		for _, d := range deltas {
			args = append(args, d.Name, d.Delta)
		}
		keys := []string{s.keys.activities(), s.keys.day(s.pol.Day(a.Time))}
		done, err := correctScript.Run(ctx, s.rdb, keys, args...).Int()
		if err != nil {
			return stats.Activity{}, fmt.Errorf("redisstore: correct: %w", err)
		}
		if done == 1 {
			return out, nil
		}
	}
	return stats.Activity{}, fmt.Errorf("redisstore: correct: activity %d: changed %d times while correcting", c.No, maxCorrectTries)
}
