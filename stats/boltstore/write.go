package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lawbot/lawbot/stats"
	bolt "go.etcd.io/bbolt"
)

// writeReq is one caller's events waiting for the writer.
type writeReq struct {
	recs []stats.Prepared
	err  chan error // buffered, receives the commit's result
}

// Record validates e and counts it once. It returns when the event is on
// disk.
func (s *Store) Record(ctx context.Context, e stats.Event) error {
	rec, err := s.pol.Prepare(e)
	if err != nil {
		return fmt.Errorf("boltstore: record: %w", err)
	}
	if err := s.write(ctx, []stats.Prepared{rec}); err != nil {
		return fmt.Errorf("boltstore: record %s %q: %w", e.Kind, e.ID, err)
	}
	return nil
}

// RecordBatch validates every event, then records them all in one
// transaction. It records nothing if any event is invalid.
func (s *Store) RecordBatch(ctx context.Context, events []stats.Event) error {
	recs, err := s.pol.PrepareBatch(events)
	if err != nil {
		return fmt.Errorf("boltstore: record batch: %w", err)
	}
	for len(recs) > 0 {
		n := min(len(recs), s.maxBatch)
		if err := s.write(ctx, recs[:n]); err != nil {
			return fmt.Errorf("boltstore: record batch of %d: %w", len(events), err)
		}
		recs = recs[n:]
	}
	return nil
}

// write hands recs to the writer and waits for their commit. If ctx ends
// while waiting, the events may still be committed; recording them again
// is harmless.
func (s *Store) write(ctx context.Context, recs []stats.Prepared) error {
	if s.closed.Load() {
		return stats.ErrClosed
	}
	r := &writeReq{recs: recs, err: make(chan error, 1)}
	select {
	case s.reqs <- r:
	case <-s.quit:
		return stats.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the writer: it takes the waiting requests, commits them together
// and answers them all, then purges expired data now and then.
func (s *Store) run() {
	defer close(s.done)
	tick := time.NewTicker(s.purgeEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-tick.C:
			if _, err := s.purge(); err != nil {
				s.log.Error("statistics purge failed", "err", err)
			}
		case r := <-s.reqs:
			group, _ := stats.Gather(s.reqs, r, func(r *writeReq) int { return len(r.recs) }, s.maxBatch)
			err := s.commit(group)
			for _, r := range group {
				r.err <- err
			}
		}
	}
}

// commit applies the requests in one transaction, skipping events already
// seen (in earlier transactions or earlier in this one).
func (s *Store) commit(group []*writeReq) error {
	now := s.pol.Now()
	stamp := be64(uint64(now.Unix()))
	residentCutoff := s.pol.Day(now.Add(-s.pol.ResidentRetention()))
	questionCutoff := now.Add(-s.pol.Retention())
	return s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		seen := tx.Bucket(bucketSeen)
		residents := tx.Bucket(bucketResidents)
		questions := tx.Bucket(bucketQuestions)
		activities := tx.Bucket(bucketActivities)
		deltas := map[string]int64{}
		for _, r := range group {
			for _, rec := range r.recs {
				key := []byte(rec.Key())
				if seen.Get(key) != nil {
					continue
				}
				if err := seen.Put(key, stamp); err != nil {
					return err
				}
				for _, c := range rec.Counters {
					deltas[rec.Day+"\x00"+c.Name] += c.Delta
				}
				if rec.Resident != "" && rec.Day >= residentCutoff {
					// Most residents were seen that day already: looking is
					// free, while writing rewrites the page.
					if k := []byte(rec.Day + "\x00" + rec.Resident); residents.Get(k) == nil {
						if err := residents.Put(k, []byte{}); err != nil {
							return err
						}
					}
				}
				if q := rec.Question; q != nil && q.Time.After(questionCutoff) {
					v, err := json.Marshal(q)
					if err != nil {
						return err
					}
					if err := questions.Put(questionKey(q.Time, q.ID), v); err != nil {
						return err
					}
				}
				if rec.Activity != nil {
					if err := putActivity(activities, *rec.Activity); err != nil {
						return err
					}
				}
			}
		}
		return addCounters(tx.Bucket(bucketCounters), deltas)
	})
}

// addCounters adds deltas to the stored counters, in key order so the pages
// are visited once.
func addCounters(b *bolt.Bucket, deltas map[string]int64) error {
	keys := make([]string, 0, len(deltas))
	for k := range deltas {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		key := []byte(k)
		old, err := decodeCounter(key, b.Get(key))
		if err != nil {
			return err
		}
		if err := b.Put(key, be64(uint64(old+deltas[k]))); err != nil {
			return err
		}
	}
	return nil
}

func decodeCounter(key, v []byte) (int64, error) {
	switch len(v) {
	case 0:
		if v == nil {
			return 0, nil
		}
	case 8:
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	return 0, fmt.Errorf("%w: counter %q holds %d bytes, want 8", stats.ErrCorrupt, key, len(v))
}

func questionKey(t time.Time, id string) []byte {
	return append(be64(uint64(t.UnixNano())), id...)
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
