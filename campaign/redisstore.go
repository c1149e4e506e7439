package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configure a RedisStore.
type RedisOptions struct {
	// Prefix starts every key, inside a hash tag so that in a Cluster all
	// of them live in one slot (each change is one script or transaction):
	// "{lawbot:campaign}:subs". Empty means "lawbot".
	Prefix string
	// OnceTTL is how long a pressed button's reply, and a chat message's,
	// is kept for a redelivery to be answered the same; 0 means 30 days.
	// The quiz answers and sign-ups themselves are kept for good, so a
	// press redelivered later is still counted once.
	OnceTTL time.Duration
}

// RedisStore is the Store replicas share: every replica sees the same
// subscribers, roles, campaigns and broadcasts. It takes a ready
// redis.UniversalClient, so a single node, Sentinel and Cluster all work.
//
// Keys, after the prefix:
//
//	subs             set of subscribed chat ids
//	cseq, cids       last campaign id; sorted set of the ids
//	c:<id>           hash: "json" the campaign, "status" its status
//	once:<key>       string: a press's reply (expires after OnceTTL)
//	chat:<key>       string: a chat reply remembered (expires after OnceTTL)
//	ans:<id>         hash: "question/user" -> option
//	su:<id>, ci:<id> hash: user -> unix seconds of sign-up, check-in
//	roles            hash: user -> role
//	grants           list of Grant as JSON, oldest first
//	themes           hash: theme key -> Theme as JSON, staff's edits
//	bcs, bcs:open    sorted set of broadcast ids; set of those not done
//	bc:<id>          hash: the broadcast's Progress
//	bc:<id>:p        sorted set of pending chats, by chat id
//	bc:<id>:i        hash: chat being sent to -> last attempt (unix ms)
//	bc:<id>:at       hash: pending chat -> last attempt (unix ms), if any
type RedisStore struct {
	rdb  redis.UniversalClient
	tag  string // "{prefix:campaign}:"
	once time.Duration
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a Store on rdb. It does not wait for Redis: while
// Redis cannot be reached, every call fails and the user is told to try
// again. Close leaves rdb open: its owner closes it.
func NewRedisStore(rdb redis.UniversalClient, opts RedisOptions) (*RedisStore, error) {
	if opts.Prefix == "" {
		opts.Prefix = "lawbot"
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("campaign: %w: redis prefix %q has braces", ErrInvalid, opts.Prefix)
	}
	if opts.OnceTTL <= 0 {
		opts.OnceTTL = 30 * 24 * time.Hour
	}
	return &RedisStore{rdb: rdb, tag: "{" + opts.Prefix + ":campaign}:", once: opts.OnceTTL}, nil
}

// Close does nothing: the client belongs to the caller.
func (s *RedisStore) Close() error { return nil }

func (s *RedisStore) key(parts ...string) string { return s.tag + strings.Join(parts, ":") }

func chatStr(chat int64) string { return strconv.FormatInt(chat, 10) }

// checkID refuses a campaign id that the store could not have given: ids
// typed by users (/preview, /start ev_…) become parts of keys, and one
// holding a separator must not reach another key ("1:p" is campaign 1's
// pending recipients).
func checkID(id string) error {
	if id == "" || len(id) > 20 {
		return ErrNotFound
	}
	for _, r := range id {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '-' || r == '_') {
			return ErrNotFound
		}
	}
	return nil
}

// Subscribe adds chat to the subscribers.
func (s *RedisStore) Subscribe(ctx context.Context, chat int64) (bool, error) {
	n, err := s.rdb.SAdd(ctx, s.key("subs"), chatStr(chat)).Result()
	if err != nil {
		return false, fmt.Errorf("campaign: subscribe: %w", err)
	}
	return n == 0, nil
}

// unsubscribeScript removes a chat from the subscribers and from every
// broadcast not done, given the ids of those (ARGV[2...]). It returns -1,
// changing nothing, if they are not the broadcasts open now: the caller
// reads them again and retries.
//
// KEYS: subs, open, then per broadcast: meta, pending, sending, at.
// ARGV: chat, then the broadcast ids.
var unsubscribeScript = redis.NewScript(`
local open = redis.call('SMEMBERS', KEYS[2])
if #open ~= #ARGV - 1 then return -1 end
for j = 2, #ARGV do
  if redis.call('SISMEMBER', KEYS[2], ARGV[j]) == 0 then return -1 end
end
local chat = ARGV[1]
local was = redis.call('SREM', KEYS[1], chat)
for j = 0, #ARGV - 2 do
  local meta, p, i, at = KEYS[3+4*j], KEYS[4+4*j], KEYS[5+4*j], KEYS[6+4*j]
  local held = redis.call('ZREM', p, chat) + redis.call('HDEL', i, chat)
  redis.call('HDEL', at, chat)
  if held > 0 then
    redis.call('HINCRBY', meta, 'total', -1)
    redis.call('HINCRBY', meta, 'pending', -1)
  end
end
return was
`)

// Unsubscribe deletes chat from the subscribers and the broadcasts.
func (s *RedisStore) Unsubscribe(ctx context.Context, chat int64) (bool, error) {
	for range 100 {
		open, err := s.rdb.SMembers(ctx, s.key("bcs", "open")).Result()
		if err != nil {
			return false, fmt.Errorf("campaign: unsubscribe: %w", err)
		}
		keys := []string{s.key("subs"), s.key("bcs", "open")}
		args := []any{chatStr(chat)}
		for _, id := range open {
			keys = append(keys, s.key("bc", id), s.key("bc", id, "p"), s.key("bc", id, "i"), s.key("bc", id, "at"))
			args = append(args, id)
		}
		n, err := unsubscribeScript.Run(ctx, s.rdb, keys, args...).Int()
		if err != nil {
			return false, fmt.Errorf("campaign: unsubscribe: %w", err)
		}
		if n >= 0 {
			return n == 1, nil
		}
	}
	return false, errors.New("campaign: unsubscribe: broadcasts kept changing")
}

// Subscribed reports whether chat is subscribed.
func (s *RedisStore) Subscribed(ctx context.Context, chat int64) (bool, error) {
	ok, err := s.rdb.SIsMember(ctx, s.key("subs"), chatStr(chat)).Result()
	if err != nil {
		return false, fmt.Errorf("campaign: subscribed: %w", err)
	}
	return ok, nil
}

// Subscribers returns the number of subscribed chats.
func (s *RedisStore) Subscribers(ctx context.Context) (int, error) {
	n, err := s.rdb.SCard(ctx, s.key("subs")).Result()
	if err != nil {
		return 0, fmt.Errorf("campaign: subscribers: %w", err)
	}
	return int(n), nil
}

// AddSubscribers subscribes many chats, a thousand per command.
func (s *RedisStore) AddSubscribers(ctx context.Context, chats []int64) error {
	for batch := range slices.Chunk(chats, 1000) {
		members := make([]any, len(batch))
		for i, c := range batch {
			members[i] = chatStr(c)
		}
		if err := s.rdb.SAdd(ctx, s.key("subs"), members...).Err(); err != nil {
			return fmt.Errorf("campaign: add subscribers: %w", err)
		}
	}
	return nil
}

// Put stores c, giving it an ID if it has none.
func (s *RedisStore) Put(ctx context.Context, c *Campaign) error {
	if c.ID == "" {
		seq, err := s.rdb.Incr(ctx, s.key("cseq")).Result()
		if err != nil {
			return fmt.Errorf("campaign: put: %w", err)
		}
		c.ID = strconv.FormatInt(seq, 10)
	}
	if checkID(c.ID) != nil {
		return fmt.Errorf("campaign: put: %w: id %q", ErrInvalid, c.ID)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("campaign: put %s: %w", c.ID, err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.key("c", c.ID), "json", data, "status", string(c.Status))
		p.ZAdd(ctx, s.key("cids"), redis.Z{Score: idScore(c.ID), Member: c.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("campaign: put %s: %w", c.ID, err)
	}
	return nil
}

// idScore orders campaign ids: decimal ones by number, any other last.
func idScore(id string) float64 {
	if n, err := strconv.ParseUint(id, 10, 53); err == nil {
		return float64(n)
	}
	return 1 << 53
}

// Get returns the campaign with id.
func (s *RedisStore) Get(ctx context.Context, id string) (*Campaign, error) {
	c, err := s.get(ctx, s.rdb, id)
	if err != nil {
		return nil, fmt.Errorf("campaign: get %s: %w", id, err)
	}
	return c, nil
}

func (s *RedisStore) get(ctx context.Context, rdb redis.Cmdable, id string) (*Campaign, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	v, err := rdb.HMGet(ctx, s.key("c", id), "json", "status").Result()
	if err != nil {
		return nil, err
	}
	return decodeCampaign(v)
}

// decodeCampaign reads HMGET json status: the status field is the one the
// broadcast scripts change.
func decodeCampaign(v []any) (*Campaign, error) {
	data, ok := v[0].(string)
	if !ok {
		return nil, ErrNotFound
	}
	var c Campaign
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return nil, err
	}
	if st, ok := v[1].(string); ok {
		c.Status = Status(st)
	}
	return &c, nil
}

// List returns every campaign, oldest first.
func (s *RedisStore) List(ctx context.Context) ([]*Campaign, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("cids"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("campaign: list: %w", err)
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.key("c", id), "json", "status")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("campaign: list: %w", err)
	}
	out := make([]*Campaign, 0, len(ids))
	for i, cmd := range cmds {
		c, err := decodeCampaign(cmd.Val())
		if err != nil {
			return nil, fmt.Errorf("campaign: list %s: %w", ids[i], err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *RedisStore) update(ctx context.Context, id string, fn func(c *Campaign) error) (*Campaign, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("campaign: update: %w", err)
	}
	k := s.key("c", id)
	var before *Campaign
	txf := func(tx *redis.Tx) error {
		c, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		was := *c
		before = &was
		if err := fn(c); err != nil {
			return err
		}
		data, err := json.Marshal(c)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, k, "json", data, "status", string(c.Status))
			return nil
		})
		return err
	}
	for range 100 {
		err := s.rdb.Watch(ctx, txf, k)
		if errors.Is(err, redis.TxFailedErr) {
			continue // changed meanwhile: read it again
		}
		if errors.Is(err, errUnchanged) {
			err = nil
		}
		if err != nil {
			return nil, fmt.Errorf("campaign: update %s: %w", id, err)
		}
		return before, nil
	}
	return nil, fmt.Errorf("campaign: update %s: changed too often", id)
}

// pressScript makes a press's mark once per press key, and keeps the reply.
//
// KEYS: once, marks. ARGV: ttl ms, kind, field, value, capacity, made,
// already, full.
var pressScript = redis.NewScript(`
local r = redis.call('GET', KEYS[1])
if r then return r end
r = ARGV[6]
if ARGV[2] == 'answer' then
  if redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) == 0 then r = ARGV[7] end
elseif ARGV[2] == 'signup' then
  if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then r = ARGV[7]
  elseif redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then r = ARGV[8]
  else redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
end
redis.call('SET', KEYS[1], r, 'PX', ARGV[1])
return r
`)

func (s *RedisStore) press(ctx context.Context, key string, m mark, r pressReplies) (string, error) {
	kind, marks := "", s.key("ans", m.campaign)
	switch m.kind {
	case markAnswer:
		kind = "answer"
	case markSignup:
		kind, marks = "signup", s.key("su", m.campaign)
	}
	reply, err := pressScript.Run(ctx, s.rdb, []string{s.key("once", key), marks},
		s.once.Milliseconds(), kind, m.field, m.value, m.capacity, r.made, r.already, r.full).Text()
	if err != nil {
		return "", fmt.Errorf("campaign: press: %w", err)
	}
	return reply, nil
}

// Signups returns the number of sign-ups for campaign id.
func (s *RedisStore) Signups(ctx context.Context, id string) (int, error) {
	if checkID(id) != nil {
		return 0, nil
	}
	n, err := s.rdb.HLen(ctx, s.key("su", id)).Result()
	if err != nil {
		return 0, fmt.Errorf("campaign: sign-ups: %w", err)
	}
	return int(n), nil
}

// CheckIns returns the number of check-ins at campaign id's event.
func (s *RedisStore) CheckIns(ctx context.Context, id string) (int, error) {
	if checkID(id) != nil {
		return 0, nil
	}
	n, err := s.rdb.HLen(ctx, s.key("ci", id)).Result()
	if err != nil {
		return 0, fmt.Errorf("campaign: check-ins: %w", err)
	}
	return int(n), nil
}

func (s *RedisStore) checkedIn(ctx context.Context, id string, user int64) (bool, error) {
	if err := checkID(id); err != nil {
		return false, err
	}
	return s.rdb.HExists(ctx, s.key("ci", id), chatStr(user)).Result()
}

func (s *RedisStore) checkIn(ctx context.Context, id string, user int64, at time.Time) (bool, error) {
	if err := checkID(id); err != nil {
		return false, fmt.Errorf("campaign: check in: %w", err)
	}
	set, err := s.rdb.HSetNX(ctx, s.key("ci", id), chatStr(user), at.Unix()).Result()
	if err != nil {
		return false, fmt.Errorf("campaign: check in: %w", err)
	}
	return !set, nil
}

func (s *RedisStore) role(ctx context.Context, user int64) (Role, error) {
	v, err := s.rdb.HGet(ctx, s.key("roles"), chatStr(user)).Result()
	if errors.Is(err, redis.Nil) {
		return RoleResident, nil
	}
	if err != nil {
		return RoleResident, fmt.Errorf("campaign: role: %w", err)
	}
	return Role(v), nil
}

func (s *RedisStore) grant(ctx context.Context, g Grant) error {
	data, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("campaign: grant: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if g.Role == RoleResident {
			p.HDel(ctx, s.key("roles"), chatStr(g.User))
		} else {
			p.HSet(ctx, s.key("roles"), chatStr(g.User), string(g.Role))
		}
		p.RPush(ctx, s.key("grants"), data)
		return nil
	})
	if err != nil {
		return fmt.Errorf("campaign: grant: %w", err)
	}
	return nil
}

func (s *RedisStore) grants(ctx context.Context) ([]Grant, error) {
	vs, err := s.rdb.LRange(ctx, s.key("grants"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("campaign: grants: %w", err)
	}
	out := make([]Grant, 0, len(vs))
	for _, v := range vs {
		var g Grant
		if err := json.Unmarshal([]byte(v), &g); err != nil {
			return nil, fmt.Errorf("campaign: grants: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}

func (s *RedisStore) putTheme(ctx context.Context, t Theme) error {
	data, err := json.Marshal(t)
	if err == nil {
		err = s.rdb.HSet(ctx, s.key("themes"), t.Key, data).Err()
	}
	if err != nil {
		return fmt.Errorf("campaign: edit calendar: %w", err)
	}
	return nil
}

func (s *RedisStore) themes(ctx context.Context) ([]Theme, error) {
	m, err := s.rdb.HGetAll(ctx, s.key("themes")).Result()
	if err != nil {
		return nil, fmt.Errorf("campaign: themes: %w", err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // as the file's bucket orders them
	out := make([]Theme, 0, len(m))
	for _, k := range keys {
		var t Theme
		if err := json.Unmarshal([]byte(m[k]), &t); err != nil {
			return nil, fmt.Errorf("campaign: themes: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *RedisStore) remember(ctx context.Context, key string, value []byte) error {
	if err := s.rdb.Set(ctx, s.key("chat", key), value, s.once).Err(); err != nil {
		return fmt.Errorf("campaign: remember: %w", err)
	}
	return nil
}

func (s *RedisStore) recall(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := s.rdb.Get(ctx, s.key("chat", key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("campaign: recall: %w", err)
	}
	return v, true, nil
}
