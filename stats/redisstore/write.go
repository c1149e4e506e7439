package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/redis/go-redis/v9"
)

// recordScript counts one event once.
//
//	KEYS: seen, day hash, day residents, resident days, questions
//	ARGV: dedup ttl ms, n, n x (counter, delta),
//	      resident hash ("" for none), residents ttl s, day score, day,
//	      question json ("" for none), question score, oldest score kept
var recordScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local n = tonumber(ARGV[2])
for i = 1, n do
  redis.call('HINCRBY', KEYS[2], ARGV[1 + 2 * i], ARGV[2 + 2 * i])
end
local j = 3 + 2 * n
if ARGV[j] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[j])
  redis.call('EXPIRE', KEYS[3], ARGV[j + 1])
  redis.call('ZADD', KEYS[4], ARGV[j + 2], ARGV[j + 3])
end
if ARGV[j + 4] ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[j + 5], ARGV[j + 4])
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[j + 6])
end
return 1
`)

// Record validates e and counts it once. It waits at most the write
// timeout; if Redis does not answer by then, e goes to the outbox and Record
// returns nil.
func (s *Store) Record(ctx context.Context, e stats.Event) error {
	rec, err := s.pol.Prepare(e)
	if err != nil {
		return fmt.Errorf("redisstore: record: %w", err)
	}
	if err := s.write(ctx, []stats.Prepared{rec}); err != nil {
		return fmt.Errorf("redisstore: record %s %q: %w", e.Kind, e.ID, err)
	}
	return nil
}

// RecordBatch validates every event, then records them in one pipeline. It
// records nothing if any event is invalid.
func (s *Store) RecordBatch(ctx context.Context, events []stats.Event) error {
	recs, err := s.pol.PrepareBatch(events)
	if err != nil {
		return fmt.Errorf("redisstore: record batch: %w", err)
	}
	if len(recs) == 0 {
		return nil
	}
	if err := s.write(ctx, recs); err != nil {
		return fmt.Errorf("redisstore: record batch of %d: %w", len(recs), err)
	}
	return nil
}

// write sends recs to Redis, or to the outbox while Redis is unreachable.
func (s *Store) write(ctx context.Context, recs []stats.Prepared) error {
	if s.closed.Load() {
		return stats.ErrClosed
	}
	s.mu.Lock()
	if s.degraded {
		err := s.toOutbox(recs)
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()

	// The event happened whether or not the caller still waits.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	err := s.apply(wctx, recs)
	cancel()
	if err == nil || s.outbox == nil {
		return err
	}
	s.mu.Lock()
	s.degrade(err)
	err = s.toOutbox(recs)
	s.mu.Unlock()
	s.wake()
	return err
}

// degrade records that Redis failed with err. Callers hold s.mu.
func (s *Store) degrade(err error) {
	if !s.degraded {
		s.degraded = true
		s.since = s.pol.Now()
		s.log.Warn("statistics degraded: events go to the outbox", "err", err)
	}
	s.lastErr = err.Error()
}

// toOutbox appends recs to the outbox. Callers hold s.mu.
func (s *Store) toOutbox(recs []stats.Prepared) error {
	err := s.outbox.Append(recs)
	if errors.Is(err, stats.ErrOutboxFull) {
		if !s.full || s.rejected%100 == 0 {
			s.log.Error("statistics outbox full: events are NOT being recorded", "rejected", s.rejected+len(recs),
				"pending", s.outbox.Pending(), "since", s.since)
		}
		s.full = true
		s.rejected += len(recs)
	}
	return err
}

func (s *Store) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// apply runs the record script for every event in one pipeline.
func (s *Store) apply(ctx context.Context, recs []stats.Prepared) error {
	now := s.pol.Now()
	args := make([][]any, len(recs))
	keys := make([][]string, len(recs))
	for i, r := range recs {
		k, a, err := s.scriptArgs(r, now)
		if err != nil {
			return err
		}
		keys[i], args[i] = k, a
	}
	err := s.pipeline(ctx, keys, args)
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or flushed its script cache. Re-running the
		// whole pipeline is safe: events already counted are skipped.
		if err := recordScript.Load(ctx, s.rdb).Err(); err != nil {
			return fmt.Errorf("load script: %w", err)
		}
		err = s.pipeline(ctx, keys, args)
	}
	return err
}

func (s *Store) pipeline(ctx context.Context, keys [][]string, args [][]any) error {
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range keys {
			p.EvalSha(ctx, recordScript.Hash(), keys[i], args[i]...)
		}
		return nil
	})
	if err != nil {
		for _, c := range cmds {
			if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				return c.Err()
			}
		}
		return err
	}
	return nil
}

func (s *Store) scriptArgs(r stats.Prepared, now time.Time) ([]string, []any, error) {
	keys := []string{s.keys.seen(r.Key()), s.keys.day(r.Day), s.keys.residents(r.Day), s.keys.residentDays(), s.keys.questions()}
	args := make([]any, 0, 2+2*len(r.Counters)+7)
	args = append(args, s.pol.DedupWindow().Milliseconds(), len(r.Counters))
	for _, c := range r.Counters {
		args = append(args, c.Name, c.Delta)
	}
	resident, ttl := "", int64(0)
	if r.Resident != "" {
		day, err := time.ParseInLocation("2006-01-02", r.Day, s.pol.Location())
		if err != nil {
			return nil, nil, fmt.Errorf("%w: day %q", stats.ErrInvalid, r.Day)
		}
		ttl = int64(day.AddDate(0, 0, 1).Add(s.pol.ResidentRetention()).Sub(now).Seconds())
		if ttl > 0 {
			resident = r.Resident
		}
	}
	args = append(args, resident, ttl, dayScore(r.Day), r.Day)
	question, cutoff := "", now.Add(-s.pol.Retention()).UnixMilli()
	if q := r.Question; q != nil && q.Time.UnixMilli() > cutoff {
		b, err := json.Marshal(q)
		if err != nil {
			return nil, nil, err
		}
		question = string(b)
	}
	args = append(args, question, timeScore(r.Time), cutoff)
	return keys, args, nil
}

// dayScore orders days in the resident-days index: 2025-06-01 -> 20250601.
func dayScore(day string) int64 {
	n, _ := strconv.ParseInt(strings.ReplaceAll(day, "-", ""), 10, 64)
	return n
}

func timeScore(t time.Time) int64 { return t.UnixMilli() }

// run replays the outbox while the store is degraded.
func (s *Store) run() {
	defer close(s.done)
	if s.outbox == nil {
		<-s.quit
		return
	}
	tick := time.NewTicker(s.retry)
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-s.kick:
		case <-tick.C:
		}
		s.mu.Lock()
		degraded := s.degraded
		s.mu.Unlock()
		if degraded {
			s.recover()
		}
	}
}

// recover replays the outbox once Redis answers, and leaves the degraded
// state when nothing is pending.
func (s *Store) recover() {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), max(s.timeout, time.Second))
		err := s.rdb.Ping(ctx).Err()
		cancel()
		if err != nil {
			s.setErr(err)
			return
		}
		_, err = s.outbox.Replay(context.Background(), 500, func(ctx context.Context, recs []stats.Prepared) error {
			ctx, cancel := context.WithTimeout(ctx, max(s.timeout, 5*time.Second))
			defer cancel()
			return s.apply(ctx, recs)
		})
		if errors.Is(err, stats.ErrCorrupt) {
			s.log.Error("statistics outbox: undecodable events were set aside", "err", err)
		} else if err != nil {
			s.setErr(err)
			return
		}
		s.mu.Lock()
		if s.outbox.Pending() == 0 {
			s.log.Info("statistics recovered: outbox replayed", "degraded_since", s.since, "dur", s.pol.Now().Sub(s.since))
			s.degraded, s.full, s.rejected, s.lastErr, s.since = false, false, 0, "", time.Time{}
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		select {
		case <-s.quit:
			return
		default:
		}
	}
}

func (s *Store) setErr(err error) {
	s.mu.Lock()
	s.lastErr = err.Error()
	s.mu.Unlock()
}
