package campaign

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the campaign file in the data directory.
const FileName = "campaign.db"

// Buckets. Keys within them:
//
//	roles      user id (decimal)        -> role
//	grants     sequence (8 bytes)       -> Grant as JSON
//	subs       chat id (8 bytes)        -> empty; deleted on unsubscribe
//	campaigns  campaign id              -> Campaign as JSON
//	once       callback or form id      -> the reply given, as text
//	answers    campaign/question/user   -> option index (decimal)
//	signups    campaign/user            -> unix seconds
//	checkins   campaign/user            -> unix seconds
//	themes     theme key                -> Theme as JSON, staff's edits
//	bc         campaign id              -> bucket: "meta" -> Progress as JSON,
//	                                       "r" bucket: chat id -> recipient state,
//	                                       deleted when the broadcast is done
var (
	bucketRoles     = []byte("roles")
	bucketGrants    = []byte("grants")
	bucketSubs      = []byte("subs")
	bucketCampaigns = []byte("campaigns")
	bucketOnce      = []byte("once")
	bucketAnswers   = []byte("answers")
	bucketSignups   = []byte("signups")
	bucketCheckins  = []byte("checkins")
	bucketBC        = []byte("bc")
	bucketThemes    = []byte("themes")
	keyMeta         = []byte("meta")
	keyRecipients   = []byte("r")
)

// StoreOptions configure a BoltStore.
type StoreOptions struct {
	// LockTimeout is how long Open waits for another process to release the
	// file; 0 means 1s.
	LockTimeout time.Duration
	// NoSync skips fsync on commit: still safe if the process is killed, not
	// if the machine loses power. For tests and throwaway data.
	NoSync bool
	// ReadOnly opens the file for reading only (lawbot campaign status).
	ReadOnly bool
}

// ErrLocked is returned when another process holds the campaign file.
var ErrLocked = errors.New("campaign: data file in use by another process")

// BoltStore is the Store of a single server: a bbolt file. It is safe for
// concurrent use, but only one process may open the file at a time.
type BoltStore struct {
	db *bolt.DB
}

var _ Store = (*BoltStore)(nil)

// Open opens or creates the campaign file in dir.
func Open(dir string, opts StoreOptions) (*BoltStore, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("campaign: open: %w", err)
		}
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{
		Timeout: opts.LockTimeout, NoSync: opts.NoSync, ReadOnly: opts.ReadOnly,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("campaign: open %s: %w", dir, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("campaign: open %s: %w", dir, err)
	}
	if !opts.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketRoles, bucketGrants, bucketSubs, bucketCampaigns, bucketOnce, bucketAnswers, bucketSignups, bucketCheckins, bucketBC, bucketThemes} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("campaign: open %s: %w", dir, err)
		}
	}
	return &BoltStore{db: db}, nil
}

// Close closes the file.
func (s *BoltStore) Close() error { return s.db.Close() }

func chatKey(chat int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(chat)) }

func chatOf(k []byte) int64 { return int64(binary.BigEndian.Uint64(k)) }

// bucket returns a top-level bucket; in a read-only file it may be missing.
func bucket(tx *bolt.Tx, name []byte) *bolt.Bucket { return tx.Bucket(name) }

// Subscribe adds chat to the subscribers.
func (s *BoltStore) Subscribe(_ context.Context, chat int64) (already bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		already = b.Get(chatKey(chat)) != nil
		return b.Put(chatKey(chat), nil)
	})
	if err != nil {
		return false, fmt.Errorf("campaign: subscribe: %w", err)
	}
	return already, nil
}

// Unsubscribe deletes chat from the subscribers and the broadcasts.
func (s *BoltStore) Unsubscribe(_ context.Context, chat int64) (was bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		k := chatKey(chat)
		was = tx.Bucket(bucketSubs).Get(k) != nil
		if err := tx.Bucket(bucketSubs).Delete(k); err != nil {
			return err
		}
		return forgetRecipient(tx, k)
	})
	if err != nil {
		return false, fmt.Errorf("campaign: unsubscribe: %w", err)
	}
	return was, nil
}

// forgetRecipient deletes chat key k from every broadcast not finished: a
// resident who unsubscribes is not messaged again and their id is not kept.
func forgetRecipient(tx *bolt.Tx, k []byte) error {
	bc := tx.Bucket(bucketBC)
	var ids [][]byte
	if err := bc.ForEachBucket(func(id []byte) error { ids = append(ids, id); return nil }); err != nil {
		return err
	}
	for _, id := range ids {
		b := bc.Bucket(id)
		r := b.Bucket(keyRecipients)
		if r == nil {
			continue
		}
		v := r.Get(k)
		if v == nil {
			continue
		}
		if err := r.Delete(k); err != nil {
			return err
		}
		if v[0] != statePending && v[0] != stateSending {
			continue
		}
		p, err := readMeta(b)
		if err != nil {
			return err
		}
		p.Total--
		p.Pending--
		if err := putJSON(b, keyMeta, p); err != nil {
			return err
		}
	}
	return nil
}

// Subscribed reports whether chat is subscribed.
func (s *BoltStore) Subscribed(_ context.Context, chat int64) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketSubs); b != nil {
			ok = b.Get(chatKey(chat)) != nil
		}
		return nil
	})
	return ok, err
}

// Subscribers returns the number of subscribed chats.
func (s *BoltStore) Subscribers(context.Context) (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketSubs); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n, err
}

// AddSubscribers subscribes many chats in one transaction.
func (s *BoltStore) AddSubscribers(_ context.Context, chats []int64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		for _, c := range chats {
			if err := b.Put(chatKey(c), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("campaign: add subscribers: %w", err)
	}
	return nil
}

// Put stores c, giving it an ID if it has none.
func (s *BoltStore) Put(_ context.Context, c *Campaign) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCampaigns)
		if c.ID == "" {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			c.ID = strconv.FormatUint(seq, 10)
		}
		if checkID(c.ID) != nil { // as in Redis, where ids are parts of keys
			return fmt.Errorf("%w: id %q", ErrInvalid, c.ID)
		}
		return putJSON(b, []byte(c.ID), c)
	})
	if err != nil {
		return fmt.Errorf("campaign: put %s: %w", c.ID, err)
	}
	return nil
}

// Get returns the campaign with id.
func (s *BoltStore) Get(_ context.Context, id string) (*Campaign, error) {
	var c *Campaign
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = getCampaign(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("campaign: get %s: %w", id, err)
	}
	return c, nil
}

func getCampaign(tx *bolt.Tx, id string) (*Campaign, error) {
	b := bucket(tx, bucketCampaigns)
	if b == nil {
		return nil, ErrNotFound
	}
	v := b.Get([]byte(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var c Campaign
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// List returns every campaign, oldest first.
func (s *BoltStore) List(context.Context) ([]*Campaign, error) {
	out, err := viewJSON[*Campaign](s.db, bucketCampaigns)
	if err != nil {
		return nil, fmt.Errorf("campaign: list: %w", err)
	}
	// Keys are decimal strings: order numerically.
	slices.SortStableFunc(out, func(a, b *Campaign) int { return CompareIDs(a.ID, b.ID) })
	return out, nil
}

// viewJSON decodes every value of bucket name, in key order, in a read
// transaction of its own.
func viewJSON[T any](db *bolt.DB, name []byte) ([]T, error) {
	var out []T
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readJSON[T](tx, name)
		return err
	})
	return out, err
}

// readJSON decodes every value of bucket name, in key order. A bucket
// missing (a read-only file from before it existed) holds none.
func readJSON[T any](tx *bolt.Tx, name []byte) ([]T, error) {
	b := bucket(tx, name)
	if b == nil {
		return nil, nil
	}
	var out []T
	err := b.ForEach(func(_, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return err
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// CompareIDs orders campaign ids as numbers: "2" before "10".
func CompareIDs(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
}

func (s *BoltStore) update(_ context.Context, id string, fn func(c *Campaign) error) (*Campaign, error) {
	var before *Campaign
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		was := *c
		before = &was
		if err := fn(c); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketCampaigns), []byte(id), c)
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("campaign: update %s: %w", id, err)
	}
	return before, nil
}

func (s *BoltStore) press(_ context.Context, key string, m mark, r pressReplies) (string, error) {
	var reply string
	err := s.db.Update(func(tx *bolt.Tx) error {
		once := tx.Bucket(bucketOnce)
		if v := once.Get([]byte(key)); v != nil {
			reply = string(v)
			return nil
		}
		reply = r.made
		switch m.kind {
		case markAnswer:
			b, k := tx.Bucket(bucketAnswers), []byte(m.campaign+"/"+m.field)
			if b.Get(k) != nil {
				reply = r.already
			} else if err := b.Put(k, []byte(m.value)); err != nil {
				return err
			}
		case markSignup:
			b, k := tx.Bucket(bucketSignups), []byte(m.campaign+"/"+m.field)
			switch {
			case b.Get(k) != nil:
				reply = r.already
			case countPrefix(b, m.campaign) >= m.capacity:
				reply = r.full
			default:
				if err := b.Put(k, []byte(m.value)); err != nil {
					return err
				}
			}
		}
		return once.Put([]byte(key), []byte(reply))
	})
	if err != nil {
		return "", fmt.Errorf("campaign: press: %w", err)
	}
	return reply, nil
}

// Signups returns the number of sign-ups for campaign id.
func (s *BoltStore) Signups(_ context.Context, id string) (int, error) {
	return s.count(bucketSignups, id)
}

// CheckIns returns the number of check-ins at campaign id's event.
func (s *BoltStore) CheckIns(_ context.Context, id string) (int, error) {
	return s.count(bucketCheckins, id)
}

// count counts the keys "id/..." of a bucket keyed campaign/user.
func (s *BoltStore) count(name []byte, id string) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, name); b != nil { // nil: a read-only file from before the bucket
			n = countPrefix(b, id)
		}
		return nil
	})
	return n, err
}

func countPrefix(b *bolt.Bucket, id string) int {
	n := 0
	prefix := []byte(id + "/")
	cur := b.Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		n++
	}
	return n
}

func (s *BoltStore) checkedIn(_ context.Context, id string, user int64) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketCheckins); b != nil {
			ok = b.Get(userKey(id, user)) != nil
		}
		return nil
	})
	return ok, err
}

func (s *BoltStore) checkIn(_ context.Context, id string, user int64, at time.Time) (bool, error) {
	var already bool
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, k := tx.Bucket(bucketCheckins), userKey(id, user)
		if already = b.Get(k) != nil; already {
			return nil
		}
		return b.Put(k, []byte(strconv.FormatInt(at.Unix(), 10)))
	})
	if err != nil {
		return false, fmt.Errorf("campaign: check in: %w", err)
	}
	return already, nil
}

func userKey(id string, user int64) []byte { return []byte(id + "/" + strconv.FormatInt(user, 10)) }

func (s *BoltStore) role(_ context.Context, user int64) (Role, error) {
	role := RoleResident
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketRoles); b != nil {
			if v := b.Get([]byte(strconv.FormatInt(user, 10))); v != nil {
				role = Role(v)
			}
		}
		return nil
	})
	return role, err
}

func (s *BoltStore) grant(_ context.Context, g Grant) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		k := []byte(strconv.FormatInt(g.User, 10))
		if g.Role == RoleResident {
			if err := tx.Bucket(bucketRoles).Delete(k); err != nil {
				return err
			}
		} else if err := tx.Bucket(bucketRoles).Put(k, []byte(g.Role)); err != nil {
			return err
		}
		b := tx.Bucket(bucketGrants)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), g)
	})
	if err != nil {
		return fmt.Errorf("campaign: grant: %w", err)
	}
	return nil
}

func (s *BoltStore) grants(context.Context) ([]Grant, error) {
	out, err := viewJSON[Grant](s.db, bucketGrants)
	if err != nil {
		return nil, fmt.Errorf("campaign: grants: %w", err)
	}
	return out, nil
}

func (s *BoltStore) putTheme(_ context.Context, t Theme) error {
	err := s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bucketThemes), []byte(t.Key), t) })
	if err != nil {
		return fmt.Errorf("campaign: edit calendar: %w", err)
	}
	return nil
}

func (s *BoltStore) themes(context.Context) ([]Theme, error) {
	out, err := viewJSON[Theme](s.db, bucketThemes)
	if err != nil {
		return nil, fmt.Errorf("campaign: themes: %w", err)
	}
	return out, nil
}

func (s *BoltStore) remember(_ context.Context, key string, value []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOnce).Put([]byte("chat:"+key), value)
	})
	if err != nil {
		return fmt.Errorf("campaign: remember: %w", err)
	}
	return nil
}

func (s *BoltStore) recall(_ context.Context, key string) ([]byte, bool, error) {
	var v []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketOnce); b != nil {
			if got := b.Get([]byte("chat:" + key)); got != nil {
				v = append([]byte{}, got...)
			}
		}
		return nil
	})
	return v, v != nil, err
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}
