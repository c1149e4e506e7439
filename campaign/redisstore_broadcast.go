// Broadcast state in Redis: the same steps as in the file, each one Lua
// script, so a replica that dies mid-step leaves either all of it or none.

package campaign

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// bcKeys are a broadcast's keys: its progress, the pending chats, the
// chats being sent to, and the last attempts of pending chats.
func (s *RedisStore) bcKeys(id string) []string {
	return []string{s.key("bc", id), s.key("bc", id, "p"), s.key("bc", id, "i"), s.key("bc", id, "at")}
}

// startScript snapshots the subscribers the first time; on every start of
// a broadcast still sending, the chats left being sent to by a run that
// died become pending again, their last attempt now, and are counted as
// uncertain.
//
// KEYS: campaign, meta, pending, sending, at, subs, bcs, open.
// ARGV: id, now (unix ms).
var startScript = redis.NewScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return redis.error_reply('NOTFOUND campaign') end
if redis.call('EXISTS', KEYS[2]) == 0 then
  if status == 'discarded' then return redis.error_reply('DISCARDED campaign discarded') end
  local subs = redis.call('SMEMBERS', KEYS[6])
  for i = 1, #subs, 1000 do
    local args = {}
    for j = i, math.min(i + 999, #subs) do
      args[#args + 1] = subs[j]
      args[#args + 1] = subs[j]
    end
    redis.call('ZADD', KEYS[3], unpack(args))
  end
  redis.call('HSET', KEYS[2], 'campaign', ARGV[1], 'state', 'sending', 'total', #subs, 'pending', #subs,
    'sent', 0, 'gone', 0, 'crashes', 0, 'uncertain', 0, 'started', ARGV[2])
  redis.call('ZADD', KEYS[7], tonumber(ARGV[1]) or 9007199254740992, ARGV[1])
  redis.call('SADD', KEYS[8], ARGV[1])
end
if redis.call('HGET', KEYS[2], 'state') == 'sending' then
  local inflight = redis.call('HKEYS', KEYS[4])
  for _, chat in ipairs(inflight) do
    redis.call('ZADD', KEYS[3], chat, chat)
    redis.call('HSET', KEYS[5], chat, ARGV[2])
  end
  redis.call('DEL', KEYS[4])
  if #inflight > 0 then
    redis.call('HINCRBY', KEYS[2], 'crashes', 1)
    redis.call('HINCRBY', KEYS[2], 'uncertain', #inflight)
  end
  if status ~= 'sending' then redis.call('HSET', KEYS[1], 'status', 'sending') end
end
redis.call('HSET', KEYS[2], 'updated', ARGV[2])
return redis.call('HGETALL', KEYS[2])
`)

func (s *RedisStore) startBroadcast(ctx context.Context, id string, now time.Time) (Progress, error) {
	if err := checkID(id); err != nil {
		return Progress{}, fmt.Errorf("campaign: start broadcast: %w", err)
	}
	k := s.bcKeys(id)
	keys := []string{s.key("c", id), k[0], k[1], k[2], k[3], s.key("subs"), s.key("bcs"), s.key("bcs", "open")}
	v, err := startScript.Run(ctx, s.rdb, keys, id, now.UnixMilli()).StringSlice()
	if err != nil {
		return Progress{}, fmt.Errorf("campaign: start broadcast %s: %w", id, scriptError(err))
	}
	return decodeProgress(v)
}

// scriptError turns a script's error replies into this package's errors.
func scriptError(err error) error {
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "NOTFOUND"):
		return ErrNotFound
	case strings.HasPrefix(msg, "DISCARDED"):
		return fmt.Errorf("%w: campaign discarded", ErrInvalid)
	}
	return err
}

// claimScript moves up to n pending chats after the cursor to the ones
// being sent to, and returns them with their last attempts.
//
// KEYS: pending, sending, at. ARGV: cursor ("" for the first), n.
var claimScript = redis.NewScript(`
local min = '-inf'
if ARGV[1] ~= '' then min = '(' .. ARGV[1] end
local chats = redis.call('ZRANGEBYSCORE', KEYS[1], min, '+inf', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, chat in ipairs(chats) do
  local at = redis.call('HGET', KEYS[3], chat) or '0'
  redis.call('HSET', KEYS[2], chat, at)
  redis.call('HDEL', KEYS[3], chat)
  redis.call('ZREM', KEYS[1], chat)
  out[#out + 1] = chat
  out[#out + 1] = at
end
return out
`)

func (s *RedisStore) claim(ctx context.Context, id, cursor string, n int) ([]outcome, string, error) {
	k := s.bcKeys(id)
	v, err := claimScript.Run(ctx, s.rdb, []string{k[1], k[2], k[3]}, cursor, n).StringSlice()
	if err != nil {
		return nil, "", fmt.Errorf("campaign: claim %s: %w", id, err)
	}
	out := make([]outcome, 0, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		chat, err1 := strconv.ParseInt(v[i], 10, 64)
		ms, err2 := strconv.ParseInt(v[i+1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, "", fmt.Errorf("campaign: claim %s: bad recipient %q %q", id, v[i], v[i+1])
		}
		o := outcome{chat: chat}
		if ms != 0 {
			o.at = time.UnixMilli(ms)
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, cursor, nil
	}
	return out, v[len(v)-2], nil
}

// settleScript records a batch's outcomes. A chat no longer being sent to
// unsubscribed meanwhile and is forgotten.
//
// KEYS: meta, pending, sending, at, subs, campaign.
// ARGV: now, halt, paused until (unix ms, 0 for none), then per outcome
// chat, state (s sent, g gone, p pending, i unknown), last attempt.
var settleScript = redis.NewScript(`
local done = 0
for k = 4, #ARGV, 3 do
  local chat, st, at = ARGV[k], ARGV[k + 1], ARGV[k + 2]
  if redis.call('HEXISTS', KEYS[3], chat) == 1 then
    if st == 's' then
      redis.call('HDEL', KEYS[3], chat)
      redis.call('HINCRBY', KEYS[1], 'sent', 1)
      done = done + 1
    elseif st == 'g' then
      redis.call('HDEL', KEYS[3], chat)
      redis.call('SREM', KEYS[5], chat)
      redis.call('HINCRBY', KEYS[1], 'gone', 1)
      done = done + 1
    elseif st == 'p' then
      redis.call('HDEL', KEYS[3], chat)
      redis.call('ZADD', KEYS[2], chat, chat)
      if at ~= '0' then redis.call('HSET', KEYS[4], chat, at) end
    else
      redis.call('HSET', KEYS[3], chat, at)
    end
  end
end
if done > 0 then redis.call('HINCRBY', KEYS[1], 'pending', -done) end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'state', 'halted', 'halt', ARGV[2])
  redis.call('HSET', KEYS[6], 'status', 'halted')
end
if tonumber(ARGV[3]) > tonumber(redis.call('HGET', KEYS[1], 'paused') or '0') then
  redis.call('HSET', KEYS[1], 'paused', ARGV[3])
end
redis.call('HSET', KEYS[1], 'updated', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`)

func (s *RedisStore) settle(ctx context.Context, id string, outs []outcome, halt string, paused, now time.Time) (Progress, error) {
	k := s.bcKeys(id)
	args := make([]any, 0, 3+3*len(outs))
	args = append(args, now.UnixMilli(), halt, unixMilli(paused))
	for _, o := range outs {
		args = append(args, chatStr(o.chat), string(rune(o.state)), unixMilli(o.at))
	}
	v, err := settleScript.Run(ctx, s.rdb, []string{k[0], k[1], k[2], k[3], s.key("subs"), s.key("c", id)}, args...).StringSlice()
	if err != nil {
		return Progress{}, fmt.Errorf("campaign: settle %s: %w", id, err)
	}
	return decodeProgress(v)
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// finishScript marks a broadcast done if no chat is pending or being sent
// to, and forgets the recipients.
//
// KEYS: meta, pending, sending, at, campaign, open. ARGV: id, now.
var finishScript = redis.NewScript(`
if redis.call('ZCARD', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 then
  return redis.call('HGETALL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'state', 'done', 'pending', 0, 'finished', ARGV[2], 'updated', ARGV[2])
redis.call('HSET', KEYS[5], 'status', 'sent')
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('SREM', KEYS[6], ARGV[1])
return redis.call('HGETALL', KEYS[1])
`)

func (s *RedisStore) finish(ctx context.Context, id string, now time.Time) (Progress, error) {
	k := s.bcKeys(id)
	v, err := finishScript.Run(ctx, s.rdb, []string{k[0], k[1], k[2], k[3], s.key("c", id), s.key("bcs", "open")}, id, now.UnixMilli()).StringSlice()
	if err != nil {
		return Progress{}, fmt.Errorf("campaign: finish %s: %w", id, err)
	}
	return decodeProgress(v)
}

// resumeScript clears a halt. KEYS: meta, campaign.
var resumeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND broadcast') end
if redis.call('HGET', KEYS[1], 'state') ~= 'halted' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'sending')
redis.call('HDEL', KEYS[1], 'halt')
redis.call('HSET', KEYS[2], 'status', 'sending')
return 1
`)

// Resume clears the halt of a broadcast.
func (s *RedisStore) Resume(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return fmt.Errorf("campaign: resume: %w", err)
	}
	if err := resumeScript.Run(ctx, s.rdb, []string{s.key("bc", id), s.key("c", id)}).Err(); err != nil {
		return fmt.Errorf("campaign: resume %s: %w", id, scriptError(err))
	}
	return nil
}

// Progress returns the progress of every broadcast, or of those named.
func (s *RedisStore) Progress(ctx context.Context, ids ...string) ([]Progress, error) {
	if len(ids) == 0 {
		var err error
		if ids, err = s.rdb.ZRange(ctx, s.key("bcs"), 0, -1).Result(); err != nil {
			return nil, fmt.Errorf("campaign: progress: %w", err)
		}
	}
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("campaign: progress: %w: %s", err, id)
		}
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.key("bc", id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("campaign: progress: %w", err)
	}
	out := make([]Progress, 0, len(ids))
	for i, cmd := range cmds {
		m := cmd.Val()
		if len(m) == 0 {
			return nil, fmt.Errorf("campaign: progress: %w: %s", ErrNotFound, ids[i])
		}
		p, err := progressOf(m)
		if err != nil {
			return nil, fmt.Errorf("campaign: progress %s: %w", ids[i], err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *RedisStore) recipientsKept(ctx context.Context, id string) (int, error) {
	k := s.bcKeys(id)
	// The last attempts ("at") are of chats also pending: not counted.
	var p, i *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		p, i = pl.ZCard(ctx, k[1]), pl.HLen(ctx, k[2])
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(p.Val() + i.Val()), nil
}

// decodeProgress reads a script's HGETALL reply.
func decodeProgress(v []string) (Progress, error) {
	m := make(map[string]string, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		m[v[i]] = v[i+1]
	}
	return progressOf(m)
}

// progressOf reads a broadcast's hash.
func progressOf(m map[string]string) (Progress, error) {
	p := Progress{Campaign: m["campaign"], State: m["state"], Halt: m["halt"]}
	var err error
	for _, f := range []struct {
		name string
		to   *int
	}{{"total", &p.Total}, {"sent", &p.Sent}, {"gone", &p.Gone}, {"pending", &p.Pending}, {"crashes", &p.Crashes}, {"uncertain", &p.Uncertain}} {
		if v, ok := m[f.name]; ok && err == nil {
			*f.to, err = strconv.Atoi(v)
		}
	}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"paused", &p.PausedUntil}, {"started", &p.Started}, {"updated", &p.Updated}, {"finished", &p.Finished}} {
		if v, ok := m[f.name]; ok && err == nil {
			var ms int64
			if ms, err = strconv.ParseInt(v, 10, 64); err == nil && ms != 0 {
				*f.to = time.UnixMilli(ms)
			}
		}
	}
	if err != nil {
		return Progress{}, fmt.Errorf("broadcast state: %w", err)
	}
	return p, nil
}
