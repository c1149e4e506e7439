package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/redis/go-redis/v9"
)

// Redis keeps the conversation's data in Redis, shared by every replica.
// Keys share one hash tag, "{prefix}", so that scripts also run on Redis
// Cluster:
//
//	{prefix}:chat:s:<resident>   session JSON, expiring after SessionTTL
//	{prefix}:chat:u:<update id>  "busy" while claimed, then "done"
//	{prefix}:chat:m              mediation requests, scored by unix ms
//	{prefix}:chat:mid:<id>       marks a kept mediation request
type Redis struct {
	rdb  redis.UniversalClient
	opts Options
	base string
}

// NewRedis returns a store in rdb, which the caller keeps and closes.
// prefix names the deployment; empty means "lawbot".
func NewRedis(rdb redis.UniversalClient, prefix string, opts Options) (*Redis, error) {
	if prefix == "" {
		prefix = "lawbot"
	}
	if strings.ContainsAny(prefix, "{}") {
		return nil, fmt.Errorf("state: redis prefix %q has braces", prefix)
	}
	return &Redis{rdb: rdb, opts: opts.withDefaults(), base: "{" + prefix + "}:chat:"}, nil
}

// Session returns the resident's session, or the zero Session.
func (r *Redis) Session(ctx context.Context, resident string) (bot.Session, error) {
	v, err := r.rdb.Get(ctx, r.base+"s:"+resident).Bytes()
	if errors.Is(err, redis.Nil) {
		return bot.Session{}, nil
	}
	if err != nil {
		return bot.Session{}, fmt.Errorf("state: session: %w", err)
	}
	var s storedSession
	if err := json.Unmarshal(v, &s); err != nil {
		return bot.Session{}, fmt.Errorf("state: session: %w", err)
	}
	return s.S, nil
}

// SaveSession stores the resident's session.
func (r *Redis) SaveSession(ctx context.Context, resident string, s bot.Session) error {
	v, err := json.Marshal(storedSession{S: s, T: r.opts.Now()})
	if err != nil {
		return fmt.Errorf("state: save session: %w", err)
	}
	if err := r.rdb.Set(ctx, r.base+"s:"+resident, v, r.opts.SessionTTL).Err(); err != nil {
		return fmt.Errorf("state: save session: %w", err)
	}
	return nil
}

// addMediation keeps a request once: KEYS[1] marks the id, KEYS[2] is the
// sorted set; ARGV: score, member, retention ms, cutoff score.
var addMediation = redis.NewScript(`
if redis.call("SET", KEYS[1], "1", "NX", "PX", ARGV[3]) then
  redis.call("ZADD", KEYS[2], ARGV[1], ARGV[2])
end
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", "(" .. ARGV[4])
return 1
`)

// AddMediation keeps req unless a request with its ID is kept already, and
// drops requests past retention.
func (r *Redis) AddMediation(ctx context.Context, req bot.MediationRequest) error {
	v, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("state: add mediation: %w", err)
	}
	cutoff := r.opts.Now().Add(-r.opts.MediationRetention).UnixMilli()
	err = addMediation.Run(ctx, r.rdb, []string{r.base + "mid:" + req.ID, r.base + "m"},
		req.Time.UnixMilli(), v, r.opts.MediationRetention.Milliseconds(), cutoff).Err()
	if err != nil {
		return fmt.Errorf("state: add mediation: %w", err)
	}
	return nil
}

// Mediations returns up to limit requests within retention, newest first.
func (r *Redis) Mediations(ctx context.Context, limit int) ([]bot.MediationRequest, error) {
	cutoff := r.opts.Now().Add(-r.opts.MediationRetention).UnixMilli()
	vs, err := r.rdb.ZRevRangeByScore(ctx, r.base+"m", &redis.ZRangeBy{
		Min: strconv.FormatInt(cutoff, 10), Max: "+inf", Count: int64(clampLimit(limit)),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("state: mediations: %w", err)
	}
	out := make([]bot.MediationRequest, 0, len(vs))
	for _, v := range vs {
		var req bot.MediationRequest
		if err := json.Unmarshal([]byte(v), &req); err != nil {
			return nil, fmt.Errorf("state: mediations: %w", err)
		}
		out = append(out, req)
	}
	return out, nil
}

func (r *Redis) updateKey(id int64) string { return r.base + "u:" + strconv.FormatInt(id, 10) }

// claim sets KEYS[1] to "busy" for ARGV[1] ms unless it is set, and
// returns what it was.
var claim = redis.NewScript(`
if redis.call("SET", KEYS[1], "busy", "NX", "PX", ARGV[1]) then
  return ""
end
return redis.call("GET", KEYS[1])
`)

// Claim reserves update id for handling by this replica for ClaimTTL.
func (r *Redis) Claim(ctx context.Context, id int64) (Claim, error) {
	was, err := claim.Run(ctx, r.rdb, []string{r.updateKey(id)}, r.opts.ClaimTTL.Milliseconds()).Text()
	switch {
	case errors.Is(err, redis.Nil):
		// The key expired between SET and GET: a lapsed claim; try again later.
		return Busy, nil
	case err != nil:
		return Busy, fmt.Errorf("state: claim update %d: %w", id, err)
	case was == "":
		return Claimed, nil
	case was == "done":
		return Handled, nil
	}
	return Busy, nil
}

// Done marks update id handled.
func (r *Redis) Done(ctx context.Context, id int64) error {
	if err := r.rdb.Set(ctx, r.updateKey(id), "done", r.opts.UpdateTTL).Err(); err != nil {
		return fmt.Errorf("state: update %d done: %w", id, err)
	}
	return nil
}

var release = redis.NewScript(`
if redis.call("GET", KEYS[1]) == "busy" then
  return redis.call("DEL", KEYS[1])
end
return 0
`)

// Release drops the claim on update id, unless it was marked done.
func (r *Redis) Release(ctx context.Context, id int64) error {
	if err := release.Run(ctx, r.rdb, []string{r.updateKey(id)}).Err(); err != nil {
		return fmt.Errorf("state: release update %d: %w", id, err)
	}
	return nil
}

// Close does nothing: the caller owns the client.
func (r *Redis) Close() error { return nil }

// allowScript is a token bucket per key, as bot.Limiter keeps in memory.
//
// KEYS: the bucket. ARGV: now (unix ms), rate a second, burst, warn every
// (ms). It returns {ok, warn}.
var allowScript = redis.NewScript(`
local now, rate, burst, every = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 't', 'l', 'w')
local tokens, last, warned = tonumber(b[1]) or burst, tonumber(b[2]) or now, tonumber(b[3]) or -every
if now > last then
  tokens = math.min(burst, tokens + (now - last) / 1000 * rate)
  last = now
end
local ok, warn = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
elseif now - warned >= every then
  warned = now
  warn = 1
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'l', last, 'w', warned)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + every)
return {ok, warn}
`)

// Allow takes a token for key at now from a bucket every replica shares.
// A bucket left idle until full expires.
func (r *Redis) Allow(ctx context.Context, key string, l bot.RateLimit, now time.Time) (ok, warn bool, err error) {
	v, err := allowScript.Run(ctx, r.rdb, []string{r.base + "rl:" + key},
		now.UnixMilli(), l.Rate, l.Burst, l.WarnEvery.Milliseconds()).Int64Slice()
	if err != nil {
		return false, false, fmt.Errorf("state: rate limit: %w", err)
	}
	return v[0] == 1, v[1] == 1, nil
}
