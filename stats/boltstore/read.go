package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lawbot/lawbot/stats"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Query sums the counters of the days in q.
func (s *Store) Query(ctx context.Context, q stats.Query) (stats.Report, error) {
	q, days, err := s.pol.Span(q)
	if err != nil {
		return stats.Report{}, fmt.Errorf("boltstore: %w", err)
	}
	first, end := days[0], s.pol.Day(q.To)
	var out []stats.DayCounts
	index := map[string]int{}
	day := func(d []byte) *stats.DayCounts {
		i, ok := index[string(d)]
		if !ok {
			i = len(out)
			out = append(out, stats.DayCounts{Day: string(d)})
			index[out[i].Day] = i
		}
		return &out[i]
	}
	// Counter names and residents repeat from day to day: allocate each
	// string once.
	names := map[string]string{}
	intern := func(b []byte) string {
		s, ok := names[string(b)]
		if !ok {
			s = string(b)
			names[s] = s
		}
		return s
	}
	err = s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCounters).Cursor()
		for k, v := c.Seek([]byte(first)); k != nil; k, v = c.Next() {
			d, name, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return fmt.Errorf("%w: counter key %q", stats.ErrCorrupt, k)
			}
			if string(d) >= end {
				break
			}
			n, err := decodeCounter(k, v)
			if err != nil {
				return err
			}
			dc := day(d)
			dc.Counters = append(dc.Counters, stats.Counter{Name: intern(name), Delta: n})
		}
		c = tx.Bucket(bucketResidents).Cursor()
		for k, _ := c.Seek([]byte(first)); k != nil; k, _ = c.Next() {
			d, hash, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return fmt.Errorf("%w: resident key %q", stats.ErrCorrupt, k)
			}
			if string(d) >= end {
				break
			}
			dc := day(d)
			dc.Residents = append(dc.Residents, intern(hash))
		}
		return nil
	})
	if err != nil {
		return stats.Report{}, fmt.Errorf("boltstore: query: %w", err)
	}
	return s.pol.Aggregate(q, out), nil
}

// Unanswered returns the kept questions of the period, newest first.
func (s *Store) Unanswered(ctx context.Context, q stats.Query, limit int) ([]stats.Question, error) {
	q, _, err := s.pol.Span(q)
	if err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	limit = clampLimit(limit)
	from := q.From
	if cutoff := s.pol.Now().Add(-s.pol.Retention()); cutoff.After(from) {
		from = cutoff
	}
	lower := questionKey(from, "")
	var out []stats.Question
	err = s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketQuestions).Cursor()
		k, _ := c.Seek(questionKey(q.To, ""))
		var v []byte
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.Compare(k, lower) > 0 && len(out) < limit; k, v = c.Prev() {
			var qn stats.Question
			if err := json.Unmarshal(v, &qn); err != nil {
				return fmt.Errorf("%w: question %x: %v", stats.ErrCorrupt, k, err)
			}
			out = append(out, qn)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: unanswered: %w", err)
	}
	return out, nil
}

func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > 10_000:
		return 10_000
	}
	return limit
}

// Purge deletes question texts past retention, resident hashes of days past
// their retention and idempotency keys past the dedup window.
func (s *Store) Purge(ctx context.Context) (int, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("boltstore: purge: %w", stats.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("boltstore: purge: %w", err)
	}
	return s.purge()
}

func (s *Store) purge() (int, error) {
	now := s.pol.Now()
	questionCutoff := questionKey(now.Add(-s.pol.Retention()), "")
	residentCutoff := []byte(s.pol.Day(now.Add(-s.pol.ResidentRetention())))
	seenCutoff := uint64(now.Add(-s.pol.DedupWindow()).Unix())
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		var doomed [][]byte
		c := tx.Bucket(bucketQuestions).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, questionCutoff) < 0; k, _ = c.Next() {
			doomed = append(doomed, bytes.Clone(k))
		}
		if err := deleteKeys(tx.Bucket(bucketQuestions), doomed); err != nil {
			return err
		}
		n += len(doomed)
		doomed = doomed[:0]
		c = tx.Bucket(bucketResidents).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, residentCutoff) < 0; k, _ = c.Next() {
			doomed = append(doomed, bytes.Clone(k))
		}
		if err := deleteKeys(tx.Bucket(bucketResidents), doomed); err != nil {
			return err
		}
		n += len(doomed)
		doomed = doomed[:0]
		err = tx.Bucket(bucketSeen).ForEach(func(k, v []byte) error {
			if len(v) != 8 || binary.BigEndian.Uint64(v) < seenCutoff {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		n += len(doomed)
		return deleteKeys(tx.Bucket(bucketSeen), doomed)
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: purge: %w", err)
	}
	return n, nil
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// view runs fn in a read transaction, turning a closed store into
// stats.ErrClosed and a panic on a damaged page into stats.ErrCorrupt.
func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) (err error) {
	if s.closed.Load() {
		return stats.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		return fn(tx)
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return stats.ErrClosed
	}
	return err
}
