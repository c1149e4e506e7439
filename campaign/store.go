package campaign

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// StoreOptions configure a Store.
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

// Store keeps roles, subscribers, campaigns and broadcast progress in a
// bbolt file. It is safe for concurrent use.
type Store struct {
	db *bolt.DB
}

// Open opens or creates the campaign file in dir.
func Open(dir string, opts StoreOptions) (*Store, error) {
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
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func chatKey(chat int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(chat)) }

func chatOf(k []byte) int64 { return int64(binary.BigEndian.Uint64(k)) }

// bucket returns a top-level bucket; in a read-only file it may be missing.
func bucket(tx *bolt.Tx, name []byte) *bolt.Bucket { return tx.Bucket(name) }

// Subscribe adds chat to the subscribers. It reports whether the chat was
// subscribed already.
func (s *Store) Subscribe(chat int64) (already bool, err error) {
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

// Unsubscribe deletes chat from the subscribers: its id is not kept. It
// reports whether the chat was subscribed.
func (s *Store) Unsubscribe(chat int64) (was bool, err error) {
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
func (s *Store) Subscribed(chat int64) bool {
	var ok bool
	s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketSubs); b != nil {
			ok = b.Get(chatKey(chat)) != nil
		}
		return nil
	})
	return ok
}

// Subscribers returns the number of subscribed chats.
func (s *Store) Subscribers() int {
	var n int
	s.db.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketSubs); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n
}

// AddSubscribers subscribes many chats in one transaction (imports, tests).
func (s *Store) AddSubscribers(chats []int64) error {
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
func (s *Store) Put(c *Campaign) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCampaigns)
		if c.ID == "" {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			c.ID = strconv.FormatUint(seq, 10)
		}
		return putJSON(b, []byte(c.ID), c)
	})
	if err != nil {
		return fmt.Errorf("campaign: put %s: %w", c.ID, err)
	}
	return nil
}

// Get returns the campaign with id.
func (s *Store) Get(id string) (*Campaign, error) {
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
func (s *Store) List() ([]*Campaign, error) {
	var out []*Campaign
	err := s.db.View(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketCampaigns)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var c Campaign
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, &c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("campaign: list: %w", err)
	}
	// Keys are decimal strings: order numerically.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && idLess(out[j].ID, out[j-1].ID); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// once runs fn in a write transaction unless key was done before, and
// returns the reply of the first run either way: a callback pressed twice,
// or delivered twice, is acted on once.
func (s *Store) once(key string, fn func(tx *bolt.Tx) (string, error)) (reply string, dup bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOnce)
		if v := b.Get([]byte(key)); v != nil {
			reply, dup = string(v), true
			return nil
		}
		r, err := fn(tx)
		if err != nil {
			return err
		}
		reply = r
		return b.Put([]byte(key), []byte(r))
	})
	return reply, dup, err
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}
