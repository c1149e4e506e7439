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

// recordScript counts a chunk of events, each once.
//
// Idempotency keys live in sets, one per dedup window of time (by when they
// were recorded): a key is new if neither the current nor the previous
// window's set holds it (SMISMEMBER), so every key is remembered for at
// least one window and at most two. New events add their counters, summed
// per day and name, to the day's hash; their resident hashes to the day's
// set; their kept questions to the questions sorted set; their keys to the
// current window's set; their offline activity records to the activities
// hash, each under the next activity number.
//
//	KEYS: resident-days index, questions, current window's keys,
//	      previous window's keys, ndays x day hash, ndays x day residents,
//	      activities hash, last activity number
//	ARGV: window ttl s, ndays, nevents, oldest question score kept,
//	      ndays x (day, day score, residents ttl s),
//	      nevents x (idempotency key, day number, ncounters,
//	                 ncounters x (name, delta),
//	                 resident hash or "", question json or "", question score,
//	                 activity json or "")
//
// It returns the number of events counted.
var recordScript = redis.NewScript(`
local ttl = ARGV[1]
local ndays, nev, qcut = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local a = 5
local days = {}
for d = 1, ndays do
  days[d] = {day = ARGV[a], score = ARGV[a + 1], ttl = ARGV[a + 2], incr = {}, res = {}}
  a = a + 3
end
local ids, at = {}, {}
for e = 1, nev do
  ids[e], at[e] = ARGV[a], a
  a = a + 3 + 2 * tonumber(ARGV[a + 2]) + 4
end
local known = {}
for w = 3, 4 do
  local m = redis.call('SMISMEMBER', KEYS[w], unpack(ids))
  for e = 1, nev do
    if m[e] == 1 then known[ids[e]] = true end
  end
end
local fresh, questions, acts = {}, {}, {}
for e = 1, nev do
  local id = ids[e]
  if not known[id] then
    known[id] = true
    table.insert(fresh, id)
    local a = at[e]
    local day = days[tonumber(ARGV[a + 1])]
    local nc = tonumber(ARGV[a + 2])
    a = a + 3
    for c = 0, nc - 1 do
      local name = ARGV[a + 2 * c]
      day.incr[name] = (day.incr[name] or 0) + tonumber(ARGV[a + 2 * c + 1])
    end
    a = a + 2 * nc
    if ARGV[a] ~= '' then table.insert(day.res, ARGV[a]) end
    if ARGV[a + 1] ~= '' then
      table.insert(questions, ARGV[a + 2])
      table.insert(questions, ARGV[a + 1])
    end
    if ARGV[a + 3] ~= '' then table.insert(acts, ARGV[a + 3]) end
  end
end
if #fresh == 0 then return 0 end
redis.call('SADD', KEYS[3], unpack(fresh))
redis.call('EXPIRE', KEYS[3], ttl)
for d = 1, ndays do
  local day = days[d]
  for name, n in pairs(day.incr) do
    redis.call('HINCRBY', KEYS[4 + d], name, n)
  end
  if #day.res > 0 then
    redis.call('SADD', KEYS[4 + ndays + d], unpack(day.res))
    redis.call('EXPIRE', KEYS[4 + ndays + d], day.ttl)
    redis.call('ZADD', KEYS[1], day.score, day.day)
  end
end
if #questions > 0 then
  redis.call('ZADD', KEYS[2], unpack(questions))
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. qcut)
end
for _, act in ipairs(acts) do
  local no = redis.call('INCR', KEYS[4 + 2 * ndays + 2])
  redis.call('HSET', KEYS[4 + 2 * ndays + 1], no, act)
end
return #fresh
`)

// chunkSize is the most events one script call takes; Lua's unpack limits
// the arguments of one redis.call to a few thousand.
const chunkSize = 256

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

	// The event happened whether or not the caller still waits. A big
	// batch gets a little longer than one event.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout+time.Duration(len(recs))*20*time.Microsecond)
	err := s.applyGrouped(wctx, recs)
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
		if !s.full || s.rejected/100 != (s.rejected+len(recs))/100 {
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

// apply runs the record script over recs in chunks, in one pipeline.
func (s *Store) apply(ctx context.Context, recs []stats.Prepared) error {
	now := s.pol.Now()
	var calls []scriptCall
	for len(recs) > 0 {
		n := min(len(recs), chunkSize)
		c, err := s.scriptCall(recs[:n], now)
		if err != nil {
			return err
		}
		calls = append(calls, c)
		recs = recs[n:]
	}
	err := s.pipeline(ctx, calls)
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or flushed its script cache. Re-running the
		// whole pipeline is safe: events already counted are skipped.
		if err := recordScript.Load(ctx, s.rdb).Err(); err != nil {
			return fmt.Errorf("load script: %w", err)
		}
		err = s.pipeline(ctx, calls)
	}
	return err
}

type scriptCall struct {
	keys []string
	args []any
}

func (s *Store) pipeline(ctx context.Context, calls []scriptCall) error {
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range calls {
			p.EvalSha(ctx, recordScript.Hash(), c.keys, c.args...)
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

// scriptCall lays out the keys and arguments of recordScript for recs.
func (s *Store) scriptCall(recs []stats.Prepared, now time.Time) (scriptCall, error) {
	dayIndex := map[string]int{}
	var days []string
	for _, r := range recs {
		if _, ok := dayIndex[r.Day]; !ok {
			days = append(days, r.Day)
			dayIndex[r.Day] = len(days)
		}
	}
	window := s.pol.DedupWindow()
	current := now.UnixNano() / int64(window)
	keys := make([]string, 0, 4+2*len(days))
	keys = append(keys, s.keys.residentDays(), s.keys.questions(), s.keys.seen(current), s.keys.seen(current-1))
	for _, d := range days {
		keys = append(keys, s.keys.day(d))
	}
	for _, d := range days {
		keys = append(keys, s.keys.residents(d))
	}
	keys = append(keys, s.keys.activities(), s.keys.activityNo())
	cutoff := now.Add(-s.pol.Retention()).UnixMilli()
	args := make([]any, 0, 4+3*len(days)+len(recs)*20)
	args = append(args, int64((2*window+time.Hour)/time.Second), len(days), len(recs), cutoff)
	residentTTL := make(map[string]int64, len(days))
	for _, d := range days {
		day, err := time.ParseInLocation("2006-01-02", d, s.pol.Location())
		if err != nil {
			return scriptCall{}, fmt.Errorf("%w: day %q", stats.ErrInvalid, d)
		}
		ttl := int64(day.AddDate(0, 0, 1).Add(s.pol.ResidentRetention()).Sub(now).Seconds())
		residentTTL[d] = ttl
		args = append(args, d, dayScore(d), max(ttl, 1))
	}
	for _, r := range recs {
		args = append(args, r.Key(), dayIndex[r.Day], len(r.Counters))
		for _, c := range r.Counters {
			args = append(args, c.Name, c.Delta)
		}
		resident := ""
		if residentTTL[r.Day] > 0 {
			resident = r.Resident
		}
		question := ""
		if q := r.Question; q != nil && q.Time.UnixMilli() > cutoff {
			b, err := json.Marshal(q)
			if err != nil {
				return scriptCall{}, err
			}
			question = string(b)
		}
		activity := ""
		if r.Activity != nil {
			b, err := json.Marshal(r.Activity)
			if err != nil {
				return scriptCall{}, err
			}
			activity = string(b)
		}
		args = append(args, resident, question, timeScore(r.Time), activity)
	}
	return scriptCall{keys: keys, args: args}, nil
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
