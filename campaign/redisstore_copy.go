package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

func (s *RedisStore) dump(ctx context.Context) (*snapshot, error) {
	snap := newSnapshot()
	subs, err := s.rdb.SMembers(ctx, s.key("subs")).Result()
	if err != nil {
		return nil, err
	}
	for _, v := range subs {
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("subscriber %q: %w", v, err)
		}
		snap.Subscribers = append(snap.Subscribers, c)
	}
	slices.Sort(snap.Subscribers)
	if snap.Campaigns, err = s.List(ctx); err != nil {
		return nil, err
	}
	roles, err := s.rdb.HGetAll(ctx, s.key("roles")).Result()
	if err != nil {
		return nil, err
	}
	for k, v := range roles {
		user, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("role of %q: %w", k, err)
		}
		snap.Roles[user] = Role(v)
	}
	if snap.Grants, err = s.grants(ctx); err != nil {
		return nil, err
	}
	for _, c := range snap.Campaigns {
		for _, m := range []struct {
			key string
			to  map[string]map[string]string
		}{{"ans", snap.Answers}, {"su", snap.Signups}, {"ci", snap.CheckIns}} {
			fields, err := s.rdb.HGetAll(ctx, s.key(m.key, c.ID)).Result()
			if err != nil {
				return nil, err
			}
			for f, v := range fields {
				add(m.to, c.ID, f, v)
			}
		}
	}
	if snap.Themes, err = s.themes(ctx); err != nil {
		return nil, err
	}
	ps, err := s.Progress(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		bs := broadcastSnapshot{Progress: p, Pending: map[int64]time.Time{}, Sending: map[int64]time.Time{}}
		k := s.bcKeys(p.Campaign)
		pending, err := s.rdb.ZRange(ctx, k[1], 0, -1).Result()
		if err != nil {
			return nil, err
		}
		at, err := s.rdb.HGetAll(ctx, k[3]).Result()
		if err != nil {
			return nil, err
		}
		sending, err := s.rdb.HGetAll(ctx, k[2]).Result()
		if err != nil {
			return nil, err
		}
		for _, c := range pending {
			if err := putAttempt(bs.Pending, c, at[c]); err != nil {
				return nil, err
			}
		}
		for c, ms := range sending {
			if err := putAttempt(bs.Sending, c, ms); err != nil {
				return nil, err
			}
		}
		snap.Broadcasts = append(snap.Broadcasts, bs)
	}
	return snap, nil
}

// putAttempt puts chat c with its last attempt ms (unix ms; "" or "0" for
// none) into m.
func putAttempt(m map[int64]time.Time, c, ms string) error {
	chat, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", c, err)
	}
	var at time.Time
	if ms != "" && ms != "0" {
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return fmt.Errorf("recipient %q: %w", c, err)
		}
		at = time.UnixMilli(n)
	}
	m[chat] = at
	return nil
}

func (s *RedisStore) empty(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.key("subs"), s.key("cids"), s.key("roles"), s.key("grants"), s.key("themes")).Result()
	return n == 0, err
}

// load writes a snapshot in one MULTI/EXEC transaction: all of it or none.
func (s *RedisStore) load(ctx context.Context, snap *snapshot) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error { return s.loadInto(ctx, p, snap) })
	return err
}

func (s *RedisStore) loadInto(ctx context.Context, p redis.Pipeliner, snap *snapshot) error {
	for batch := range slices.Chunk(snap.Subscribers, 1000) {
		members := make([]any, len(batch))
		for i, c := range batch {
			members[i] = chatStr(c)
		}
		p.SAdd(ctx, s.key("subs"), members...)
	}
	var last uint64
	for _, c := range snap.Campaigns {
		data, err := json.Marshal(c)
		if err != nil {
			return err
		}
		p.HSet(ctx, s.key("c", c.ID), "json", data, "status", string(c.Status))
		p.ZAdd(ctx, s.key("cids"), redis.Z{Score: idScore(c.ID), Member: c.ID})
		if n, err := strconv.ParseUint(c.ID, 10, 64); err == nil && n > last {
			last = n
		}
	}
	p.Set(ctx, s.key("cseq"), last, 0) // new campaigns follow on
	for user, r := range snap.Roles {
		p.HSet(ctx, s.key("roles"), chatStr(user), string(r))
	}
	for _, g := range snap.Grants {
		data, err := json.Marshal(g)
		if err != nil {
			return err
		}
		p.RPush(ctx, s.key("grants"), data)
	}
	for _, m := range []struct {
		key  string
		from map[string]map[string]string
	}{{"ans", snap.Answers}, {"su", snap.Signups}, {"ci", snap.CheckIns}} {
		for id, fields := range m.from {
			for f, v := range fields {
				p.HSet(ctx, s.key(m.key, id), f, v)
			}
		}
	}
	for _, t := range snap.Themes {
		data, err := json.Marshal(t)
		if err != nil {
			return err
		}
		p.HSet(ctx, s.key("themes"), t.Key, data)
	}
	for _, bs := range snap.Broadcasts {
		pr := bs.Progress
		id, k := pr.Campaign, s.bcKeys(pr.Campaign)
		fields := []any{"campaign", id, "state", pr.State, "total", pr.Total, "sent", pr.Sent, "gone", pr.Gone,
			"pending", pr.Pending, "crashes", pr.Crashes, "uncertain", pr.Uncertain,
			"paused", unixMilli(pr.PausedUntil), "started", unixMilli(pr.Started), "updated", unixMilli(pr.Updated),
			"finished", unixMilli(pr.Finished)}
		if pr.Halt != "" {
			fields = append(fields, "halt", pr.Halt)
		}
		p.HSet(ctx, k[0], fields...)
		p.ZAdd(ctx, s.key("bcs"), redis.Z{Score: idScore(id), Member: id})
		if pr.State == BroadcastDone {
			continue
		}
		p.SAdd(ctx, s.key("bcs", "open"), id)
		for c, at := range bs.Pending {
			p.ZAdd(ctx, k[1], redis.Z{Score: float64(c), Member: chatStr(c)})
			if !at.IsZero() {
				p.HSet(ctx, k[3], chatStr(c), at.UnixMilli())
			}
		}
		for c, at := range bs.Sending {
			p.HSet(ctx, k[2], chatStr(c), unixMilli(at))
		}
	}
	return nil
}
