package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lawbot/lawbot/stats"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// putActivity keeps a newly recorded activity under the next number.
func putActivity(b *bolt.Bucket, a stats.Activity) error {
	no, err := b.NextSequence()
	if err != nil {
		return err
	}
	a.No = int64(no)
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return b.Put(be64(no), v)
}

func decodeActivity(k, v []byte) (stats.Activity, error) {
	var a stats.Activity
	if len(k) != 8 {
		return a, fmt.Errorf("%w: activity key %x", stats.ErrCorrupt, k)
	}
	if err := json.Unmarshal(v, &a); err != nil {
		return a, fmt.Errorf("%w: activity %d: %v", stats.ErrCorrupt, binary.BigEndian.Uint64(k), err)
	}
	a.No = int64(binary.BigEndian.Uint64(k))
	return a, nil
}

// Activities returns up to limit offline activities, the most recently
// recorded first.
func (s *Store) Activities(ctx context.Context, limit int) ([]stats.Activity, error) {
	limit = clampLimit(limit)
	var out []stats.Activity
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketActivities).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			a, err := decodeActivity(k, v)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: activities: %w", err)
	}
	return out, nil
}

// Correct applies c to the activity it names, and the difference to the
// counters of the activity's day, in one transaction.
func (s *Store) Correct(ctx context.Context, c stats.Correction) (stats.Activity, error) {
	if s.closed.Load() {
		return stats.Activity{}, fmt.Errorf("boltstore: correct: %w", stats.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return stats.Activity{}, fmt.Errorf("boltstore: correct: %w", err)
	}
	var out stats.Activity
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		b := tx.Bucket(bucketActivities)
		k := be64(uint64(c.No))
		v := b.Get(k)
		if v == nil || c.No <= 0 {
			return fmt.Errorf("activity %d: %w", c.No, stats.ErrNotFound)
		}
		a, err := decodeActivity(k, v)
		if err != nil {
			return err
		}
		a, deltas, changed, err := s.pol.Correct(a, c)
		out = a
		if err != nil || !changed {
			return err
		}
		day := s.pol.Day(a.Time)
		sums := make(map[string]int64, len(deltas))
		for _, d := range deltas {
			sums[day+"\x00"+d.Name] += d.Delta
		}
		if err := addCounters(tx.Bucket(bucketCounters), sums); err != nil {
			return err
		}
		a.No = 0 // the key holds it
		nv, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return b.Put(k, nv)
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		err = stats.ErrClosed
	}
	if err != nil {
		return stats.Activity{}, fmt.Errorf("boltstore: correct: %w", err)
	}
	return out, nil
}
