// Broadcast state in the campaign database: per-recipient progress that
// survives a crash.

package campaign

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

func recipientValue(state byte, at time.Time) []byte {
	v := []byte{state}
	var ms int64
	if !at.IsZero() {
		ms = at.UnixMilli()
	}
	return binary.BigEndian.AppendUint64(v, uint64(ms))
}

func parseRecipient(v []byte) (state byte, at time.Time) {
	if len(v) < 9 {
		return v[0], time.Time{}
	}
	if ms := int64(binary.BigEndian.Uint64(v[1:])); ms != 0 {
		at = time.UnixMilli(ms)
	}
	return v[0], at
}

func broadcastBucket(tx *bolt.Tx, id string) *bolt.Bucket {
	bc := bucket(tx, bucketBC)
	if bc == nil {
		return nil
	}
	return bc.Bucket([]byte(id))
}

func readMeta(b *bolt.Bucket) (Progress, error) {
	var p Progress
	err := json.Unmarshal(b.Get(keyMeta), &p)
	return p, err
}

// startBroadcast snapshots the subscribers as the recipients the first time,
// and on a later run accounts for the sends in flight when the last run died.
func (s *BoltStore) startBroadcast(_ context.Context, id string, now time.Time) (Progress, error) {
	var p Progress
	err := s.db.Update(func(tx *bolt.Tx) error {
		c, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		bc := tx.Bucket(bucketBC)
		b := bc.Bucket([]byte(id))
		if b == nil && c.Status == StatusDiscarded {
			// Discarded between being found due and being started.
			return fmt.Errorf("%w: campaign discarded", ErrInvalid)
		}
		if b == nil {
			if b, err = bc.CreateBucket([]byte(id)); err != nil {
				return err
			}
			r, err := b.CreateBucket(keyRecipients)
			if err != nil {
				return err
			}
			subs := tx.Bucket(bucketSubs).Cursor()
			for k, _ := subs.First(); k != nil; k, _ = subs.Next() {
				if err := r.Put(k, recipientValue(statePending, time.Time{})); err != nil {
					return err
				}
				p.Total++
			}
			p.Campaign, p.State, p.Pending, p.Started = id, BroadcastSending, p.Total, now
		} else if p, err = readMeta(b); err != nil {
			return err
		}
		if p.State == BroadcastSending {
			var crashed int
			r := b.Bucket(keyRecipients)
			cur := r.Cursor()
			for k, v := cur.First(); k != nil; k, v = cur.Next() {
				if state, _ := parseRecipient(v); state == stateSending {
					// The send may have happened at any time before the
					// crash, so before now: PerChat from now keeps the
					// resend at most one per PerChat for the chat.
					if err := r.Put(k, recipientValue(statePending, now)); err != nil {
						return err
					}
					crashed++
				}
			}
			if crashed > 0 {
				p.Crashes++
				p.Uncertain += crashed
			}
			if c.Status != StatusSending {
				c.Status = StatusSending
				if err := putJSON(tx.Bucket(bucketCampaigns), []byte(id), c); err != nil {
					return err
				}
			}
		}
		p.Updated = now
		return putJSON(b, keyMeta, p)
	})
	if err != nil {
		return p, fmt.Errorf("campaign: start broadcast %s: %w", id, err)
	}
	return p, nil
}

// claim marks up to n pending recipients after cursor as being sent, and
// commits that before anything is sent.
func (s *BoltStore) claim(_ context.Context, id, cursor string, n int) ([]outcome, string, error) {
	var out []outcome
	err := s.db.Update(func(tx *bolt.Tx) error {
		r := broadcastBucket(tx, id).Bucket(keyRecipients)
		cur := r.Cursor()
		k, v := cur.First()
		if cursor != "" {
			after := []byte(cursor)
			k, v = cur.Seek(after)
			if k != nil && bytes.Equal(k, after) {
				k, v = cur.Next()
			}
		}
		var keys [][]byte
		for ; k != nil && len(out) < n; k, v = cur.Next() {
			if state, at := parseRecipient(v); state == statePending {
				out = append(out, outcome{chat: chatOf(k), at: at})
				keys = append(keys, k)
			}
		}
		for i, k := range keys {
			if err := r.Put(k, recipientValue(stateSending, out[i].at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("campaign: claim %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, cursor, nil
	}
	return out, string(chatKey(out[len(out)-1].chat)), nil
}

// settle records the outcomes of a batch, unsubscribing the chats gone.
func (s *BoltStore) settle(_ context.Context, id string, outs []outcome, halt string, paused, now time.Time) (Progress, error) {
	var p Progress
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := broadcastBucket(tx, id)
		var err error
		if p, err = readMeta(b); err != nil {
			return err
		}
		r := b.Bucket(keyRecipients)
		subs := tx.Bucket(bucketSubs)
		for _, o := range outs {
			k := chatKey(o.chat)
			if r.Get(k) == nil {
				continue // unsubscribed while being sent to: forgotten
			}
			if err := r.Put(k, recipientValue(o.state, o.at)); err != nil {
				return err
			}
			switch o.state {
			case stateSent:
				p.Sent++
				p.Pending--
			case stateGone:
				p.Gone++
				p.Pending--
				if err := subs.Delete(k); err != nil {
					return err
				}
			}
		}
		if halt != "" {
			p.State, p.Halt = BroadcastHalted, halt
			if err := setStatus(tx, id, StatusHalted); err != nil {
				return err
			}
		}
		if paused.After(p.PausedUntil) {
			p.PausedUntil = paused
		}
		p.Updated = now
		return putJSON(b, keyMeta, p)
	})
	if err != nil {
		return p, fmt.Errorf("campaign: settle %s: %w", id, err)
	}
	return p, nil
}

// finish marks a broadcast done once no recipient is pending.
func (s *BoltStore) finish(_ context.Context, id string, now time.Time) (Progress, error) {
	var p Progress
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := broadcastBucket(tx, id)
		var err error
		if p, err = readMeta(b); err != nil {
			return err
		}
		cur := b.Bucket(keyRecipients).Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			if v[0] == statePending || v[0] == stateSending {
				return nil // left by a failed send: the next run takes it
			}
		}
		p.State, p.Pending, p.Finished, p.Updated = BroadcastDone, 0, now, now
		if err := setStatus(tx, id, StatusSent); err != nil {
			return err
		}
		// The counts are kept; the chat ids of the recipients are not.
		if err := b.DeleteBucket(keyRecipients); err != nil {
			return err
		}
		return putJSON(b, keyMeta, p)
	})
	if err != nil {
		return p, fmt.Errorf("campaign: finish %s: %w", id, err)
	}
	return p, nil
}

// Resume clears the halt of a broadcast.
func (s *BoltStore) Resume(_ context.Context, id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := broadcastBucket(tx, id)
		if b == nil {
			return ErrNotFound
		}
		p, err := readMeta(b)
		if err != nil {
			return err
		}
		if p.State != BroadcastHalted {
			return nil
		}
		p.State, p.Halt = BroadcastSending, ""
		if err := setStatus(tx, id, StatusSending); err != nil {
			return err
		}
		return putJSON(b, keyMeta, p)
	})
	if err != nil {
		return fmt.Errorf("campaign: resume %s: %w", id, err)
	}
	return nil
}

// Progress returns the progress of every broadcast, or of those named.
func (s *BoltStore) Progress(_ context.Context, ids ...string) ([]Progress, error) {
	var out []Progress
	err := s.db.View(func(tx *bolt.Tx) error {
		bc := bucket(tx, bucketBC)
		if bc == nil {
			return nil
		}
		add := func(id []byte) error {
			b := bc.Bucket(id)
			if b == nil {
				return fmt.Errorf("%w: %s", ErrNotFound, id)
			}
			p, err := readMeta(b)
			if err == nil {
				out = append(out, p)
			}
			return err
		}
		if len(ids) > 0 {
			for _, id := range ids {
				if err := add([]byte(id)); err != nil {
					return err
				}
			}
			return nil
		}
		return bc.ForEachBucket(func(k []byte) error { return add(k) })
	})
	if err != nil {
		return nil, fmt.Errorf("campaign: progress: %w", err)
	}
	if len(ids) == 0 { // in campaign order, as in Redis: "2" before "10"
		slices.SortStableFunc(out, func(a, b Progress) int { return CompareIDs(a.Campaign, b.Campaign) })
	}
	return out, nil
}

func setStatus(tx *bolt.Tx, id string, st Status) error {
	c, err := getCampaign(tx, id)
	if err != nil {
		return err
	}
	c.Status = st
	return putJSON(tx.Bucket(bucketCampaigns), []byte(id), c)
}

func (s *BoltStore) recipientsKept(_ context.Context, id string) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := broadcastBucket(tx, id); b != nil {
			if r := b.Bucket(keyRecipients); r != nil {
				n = r.Stats().KeyN
			}
		}
		return nil
	})
	return n, err
}
