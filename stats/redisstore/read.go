package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/lawbot/lawbot/stats"
	"github.com/redis/go-redis/v9"
)

// Query sums the counters of the days in q, read in one pipeline. Events
// still waiting in the outbox are not included; see Health.
func (s *Store) Query(ctx context.Context, q stats.Query) (stats.Report, error) {
	if s.closed.Load() {
		return stats.Report{}, fmt.Errorf("redisstore: query: %w", stats.ErrClosed)
	}
	q, days, err := s.pol.Span(q)
	if err != nil {
		return stats.Report{}, fmt.Errorf("redisstore: %w", err)
	}
	hashes := make([]*redis.MapStringStringCmd, len(days))
	members := make([]*redis.StringSliceCmd, len(days))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, d := range days {
			hashes[i] = p.HGetAll(ctx, s.keys.day(d))
			members[i] = p.SMembers(ctx, s.keys.residents(d))
		}
		return nil
	})
	if err != nil {
		return stats.Report{}, fmt.Errorf("redisstore: query: %w", err)
	}
	out := make([]stats.DayCounts, 0, len(days))
	for i, d := range days {
		h := hashes[i].Val()
		if len(h) == 0 && len(members[i].Val()) == 0 {
			continue
		}
		dc := stats.DayCounts{Day: d, Counters: make([]stats.Counter, 0, len(h)), Residents: members[i].Val()}
		for name, v := range h {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return stats.Report{}, fmt.Errorf("redisstore: query: %w: counter %s %q = %q", stats.ErrCorrupt, d, name, v)
			}
			dc.Counters = append(dc.Counters, stats.Counter{Name: name, Delta: n})
		}
		out = append(out, dc)
	}
	return s.pol.Aggregate(q, out), nil
}

// Unanswered returns the kept questions of the period, newest first.
func (s *Store) Unanswered(ctx context.Context, q stats.Query, limit int) ([]stats.Question, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("redisstore: unanswered: %w", stats.ErrClosed)
	}
	q, _, err := s.pol.Span(q)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	switch {
	case limit <= 0:
		limit = 100
	case limit > 10_000:
		limit = 10_000
	}
	lowest := max(timeScore(q.From), s.pol.Now().Add(-s.pol.Retention()).UnixMilli()+1)
	vals, err := s.rdb.ZRevRangeByScore(ctx, s.keys.questions(), &redis.ZRangeBy{
		Max:   "(" + strconv.FormatInt(timeScore(q.To), 10),
		Min:   strconv.FormatInt(lowest, 10),
		Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: unanswered: %w", err)
	}
	out := make([]stats.Question, 0, len(vals))
	for _, v := range vals {
		var qn stats.Question
		if err := json.Unmarshal([]byte(v), &qn); err != nil {
			return nil, fmt.Errorf("redisstore: unanswered: %w: question %q: %v", stats.ErrCorrupt, v, err)
		}
		out = append(out, qn)
	}
	return out, nil
}

// Purge deletes question texts past retention and the resident sets of days
// past their retention. Idempotency keys expire on their own.
func (s *Store) Purge(ctx context.Context) (int, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("redisstore: purge: %w", stats.ErrClosed)
	}
	now := s.pol.Now()
	cutoff := now.Add(-s.pol.Retention()).UnixMilli()
	n, err := s.rdb.ZRemRangeByScore(ctx, s.keys.questions(), "-inf", "("+strconv.FormatInt(cutoff, 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: purge questions: %w", err)
	}
	lastDay := dayScore(s.pol.Day(now.Add(-s.pol.ResidentRetention())))
	days, err := s.rdb.ZRangeByScore(ctx, s.keys.residentDays(), &redis.ZRangeBy{
		Min: "-inf", Max: "(" + strconv.FormatInt(lastDay, 10),
	}).Result()
	if err != nil {
		return int(n), fmt.Errorf("redisstore: purge residents: %w", err)
	}
	for _, d := range days {
		deleted, err := s.rdb.Del(ctx, s.keys.residents(d)).Result()
		if err == nil {
			err = s.rdb.ZRem(ctx, s.keys.residentDays(), d).Err()
		}
		if err != nil {
			return int(n), fmt.Errorf("redisstore: purge residents of %s: %w", d, err)
		}
		n += deleted
	}
	return int(n), nil
}
