package state

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lawbot/lawbot/bot"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the conversation file in the data directory.
const FileName = "chat.db"

// ErrLocked is returned by OpenBolt when another process holds the file.
var ErrLocked = errors.New("state: chat data file in use by another process")

// Buckets. Keys:
//
//	sessions    resident                 -> storedSession JSON
//	mediation   unix nanos (8 bytes) id  -> bot.MediationRequest JSON
//	mediationID id                       -> key in mediation
//	done        update id (8 bytes)      -> unix seconds handled
//	inbox       update id (8 bytes)      -> the update's JSON
var (
	bucketSessions    = []byte("sessions")
	bucketMediation   = []byte("mediation")
	bucketMediationID = []byte("mediationID")
	bucketDone        = []byte("done")
	bucketInbox       = []byte("inbox")
)

// Bolt keeps the conversation's data in a bbolt file. Writes from many
// goroutines share transactions (bbolt's Batch), so handling many updates
// at once costs few disk syncs.
type Bolt struct {
	db   *bolt.DB
	opts Options

	mu   sync.Mutex // guards busy
	busy map[int64]bool

	// Sessions are written behind: SaveSession keeps them here and a
	// flush, sessionFlush later, writes all of them in one commit.
	smu      sync.Mutex // guards dirty, writing, flushing
	dirty    map[string][]byte
	writing  map[string][]byte // being written by a flush
	flushing bool              // a flush is scheduled
	fmu      sync.Mutex        // one flush at a time

	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// OpenBolt opens or creates the conversation file in dir and starts
// deleting expired data hourly.
func OpenBolt(dir string, opts Options) (*Bolt, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: open: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("state: open %s: %w (is another lawbot running?)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSessions, bucketMediation, bucketMediationID, bucketDone, bucketInbox} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	// Concurrent writes wait at most 10ms to share a commit. Marking
	// updates done is the only frequent one, and nothing waits for it but
	// the next start's inbox.
	db.MaxBatchDelay = 10 * time.Millisecond
	b := &Bolt{db: db, opts: opts.withDefaults(), busy: map[int64]bool{}, dirty: map[string][]byte{},
		quit: make(chan struct{}), done: make(chan struct{})}
	if _, err := b.Purge(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	go b.purgeLoop()
	return b, nil
}

func (b *Bolt) purgeLoop() {
	defer close(b.done)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-b.quit:
			return
		case <-t.C:
			_, _ = b.Purge(context.Background()) // retried next hour
		}
	}
}

// Close stops purging and closes the file.
func (b *Bolt) Close() error {
	var err error
	b.once.Do(func() {
		close(b.quit)
		<-b.done
		err = errors.Join(b.flushSessions(), b.db.Close())
	})
	return err
}

func idKey(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

// sessionFlush is how long a saved session may wait in memory before it is
// written. Sessions are a convenience (the chosen community, the last
// answer for follow-ups, a form being filled in): a crash loses at most
// this much of them, and answers do not wait for a disk sync each.
const sessionFlush = time.Second

// Session returns the resident's session, or the zero Session.
func (b *Bolt) Session(_ context.Context, resident string) (bot.Session, error) {
	var s storedSession
	b.smu.Lock()
	v, ok := b.dirty[resident]
	if !ok {
		v, ok = b.writing[resident]
	}
	b.smu.Unlock()
	var err error
	if ok {
		err = json.Unmarshal(v, &s)
	} else {
		err = b.db.View(func(tx *bolt.Tx) error {
			v := tx.Bucket(bucketSessions).Get([]byte(resident))
			if v == nil {
				return nil
			}
			return json.Unmarshal(v, &s)
		})
	}
	if err != nil {
		return bot.Session{}, fmt.Errorf("state: session: %w", err)
	}
	if s.T.IsZero() || b.opts.Now().Sub(s.T) > b.opts.SessionTTL {
		return bot.Session{}, nil
	}
	return s.S, nil
}

// SaveSession stores the resident's session. It is written to disk within
// sessionFlush, and at Close.
func (b *Bolt) SaveSession(_ context.Context, resident string, s bot.Session) error {
	v, err := json.Marshal(storedSession{S: s, T: b.opts.Now()})
	if err != nil {
		return fmt.Errorf("state: save session: %w", err)
	}
	b.smu.Lock()
	defer b.smu.Unlock()
	b.dirty[resident] = v
	b.scheduleFlush()
	return nil
}

// scheduleFlush writes the dirty sessions sessionFlush from now, unless a
// flush is scheduled already. Callers hold b.smu.
func (b *Bolt) scheduleFlush() {
	if !b.flushing {
		b.flushing = true
		time.AfterFunc(sessionFlush, func() { _ = b.flushSessions() })
	}
}

// FlushSessions writes the sessions saved so far to disk now.
func (b *Bolt) FlushSessions() error { return b.flushSessions() }

// flushSessions writes the dirty sessions in one commit. Sessions that
// could not be written stay dirty for the next flush.
func (b *Bolt) flushSessions() error {
	b.fmu.Lock()
	defer b.fmu.Unlock()
	b.smu.Lock()
	dirty := b.dirty
	b.dirty, b.writing, b.flushing = map[string][]byte{}, dirty, false
	b.smu.Unlock()
	if len(dirty) == 0 {
		return nil
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketSessions)
		for k, v := range dirty {
			if err := bk.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	b.smu.Lock()
	defer b.smu.Unlock()
	b.writing = nil
	if err == nil {
		return nil
	}
	for k, v := range dirty {
		if _, newer := b.dirty[k]; !newer {
			b.dirty[k] = v
		}
	}
	if !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		b.scheduleFlush()
	}
	return fmt.Errorf("state: write %d sessions: %w", len(dirty), err)
}

// AddMediation keeps r unless a request with its ID is kept already.
func (b *Bolt) AddMediation(_ context.Context, r bot.MediationRequest) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("state: add mediation: %w", err)
	}
	key := append(binary.BigEndian.AppendUint64(nil, uint64(r.Time.UnixNano())), r.ID...)
	err = b.db.Update(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketMediationID)
		if ids.Get([]byte(r.ID)) != nil {
			return nil
		}
		if err := ids.Put([]byte(r.ID), key); err != nil {
			return err
		}
		return tx.Bucket(bucketMediation).Put(key, v)
	})
	if err != nil {
		return fmt.Errorf("state: add mediation: %w", err)
	}
	return nil
}

// Mediations returns up to limit requests within retention, newest first.
func (b *Bolt) Mediations(_ context.Context, limit int) ([]bot.MediationRequest, error) {
	limit = clampLimit(limit)
	cutoff := b.opts.Now().Add(-b.opts.MediationRetention).UnixNano()
	var out []bot.MediationRequest
	err := b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMediation).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			if len(k) < 8 || int64(binary.BigEndian.Uint64(k)) < cutoff {
				break
			}
			var r bot.MediationRequest
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state: mediations: %w", err)
	}
	return out, nil
}

// Claim reserves update id for handling in this process.
func (b *Bolt) Claim(_ context.Context, id int64) (Claim, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.busy[id] {
		return Busy, nil
	}
	var handled bool
	err := b.db.View(func(tx *bolt.Tx) error {
		handled = tx.Bucket(bucketDone).Get(idKey(id)) != nil
		return nil
	})
	if err != nil {
		return Busy, fmt.Errorf("state: claim update %d: %w", id, err)
	}
	if handled {
		return Handled, nil
	}
	b.busy[id] = true
	return Claimed, nil
}

// Done marks update id handled and drops it from the inbox, durably.
func (b *Bolt) Done(_ context.Context, id int64) error {
	// Batch: webhook handlers mark updates one by one, concurrently.
	if err := b.markDone(b.db.Batch, []int64{id}); err != nil {
		return fmt.Errorf("state: update %d done: %w", id, err)
	}
	return nil
}

// DoneMany marks updates handled and drops them from the inbox, durably,
// in one write.
func (b *Bolt) DoneMany(_ context.Context, ids []int64) error {
	if err := b.markDone(b.db.Update, ids); err != nil {
		return fmt.Errorf("state: %d updates done: %w", len(ids), err)
	}
	return nil
}

// markDone records ids as handled and out of the inbox in one write by
// commit, and drops their claims.
func (b *Bolt) markDone(commit func(func(*bolt.Tx) error) error, ids []int64) error {
	now := binary.BigEndian.AppendUint64(nil, uint64(b.opts.Now().Unix()))
	err := commit(func(tx *bolt.Tx) error {
		inbox, done := tx.Bucket(bucketInbox), tx.Bucket(bucketDone)
		for _, id := range ids {
			if err := inbox.Delete(idKey(id)); err != nil {
				return err
			}
			if err := done.Put(idKey(id), now); err != nil {
				return err
			}
		}
		return nil
	})
	b.mu.Lock()
	for _, id := range ids {
		delete(b.busy, id)
	}
	b.mu.Unlock()
	return err
}

// Release drops the claim on update id so that it can be handled again.
func (b *Bolt) Release(_ context.Context, id int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.busy, id)
	return nil
}

// Receive keeps received updates, durably, until they are Done. Updates
// already handled are not kept again.
func (b *Bolt) Receive(_ context.Context, updates map[int64][]byte) error {
	if len(updates) == 0 {
		return nil
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		inbox, done := tx.Bucket(bucketInbox), tx.Bucket(bucketDone)
		for id, raw := range updates {
			if done.Get(idKey(id)) != nil {
				continue
			}
			if err := inbox.Put(idKey(id), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: receive %d updates: %w", len(updates), err)
	}
	return nil
}

// Pending returns the updates received and not yet Done.
func (b *Bolt) Pending(_ context.Context) (map[int64][]byte, error) {
	out := map[int64][]byte{}
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
			if len(k) == 8 {
				out[int64(binary.BigEndian.Uint64(k))] = bytes.Clone(v)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("state: pending updates: %w", err)
	}
	return out, nil
}

// Purge deletes expired sessions, handled-update ids and mediation requests
// and reports how many records it deleted.
func (b *Bolt) Purge(_ context.Context) (int, error) {
	now := b.opts.Now()
	n := 0
	err := b.db.Update(func(tx *bolt.Tx) error {
		var dead [][]byte
		err := tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var s storedSession
			if json.Unmarshal(v, &s) != nil || now.Sub(s.T) > b.opts.SessionTTL {
				dead = append(dead, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := deleteAll(tx.Bucket(bucketSessions), dead, &n); err != nil {
			return err
		}

		dead = dead[:0]
		oldest := uint64(now.Add(-b.opts.UpdateTTL).Unix())
		err = tx.Bucket(bucketDone).ForEach(func(k, v []byte) error {
			if len(v) != 8 || binary.BigEndian.Uint64(v) < oldest {
				dead = append(dead, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := deleteAll(tx.Bucket(bucketDone), dead, &n); err != nil {
			return err
		}

		dead = dead[:0]
		cutoff := now.Add(-b.opts.MediationRetention).UnixNano()
		ids := tx.Bucket(bucketMediationID)
		c := tx.Bucket(bucketMediation).Cursor()
		for k, _ := c.First(); k != nil && len(k) >= 8 && int64(binary.BigEndian.Uint64(k)) < cutoff; k, _ = c.Next() {
			dead = append(dead, bytes.Clone(k))
		}
		for _, k := range dead {
			if err := ids.Delete(k[8:]); err != nil {
				return err
			}
		}
		return deleteAll(tx.Bucket(bucketMediation), dead, &n)
	})
	if err != nil {
		return n, fmt.Errorf("state: purge: %w", err)
	}
	return n, nil
}

func deleteAll(b *bolt.Bucket, keys [][]byte, n *int) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
		*n++
	}
	return nil
}
