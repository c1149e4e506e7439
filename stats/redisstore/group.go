package redisstore

import (
	"context"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// Concurrent writes share round trips. A busy chat records an event for
// nearly every message, each from its own goroutine; sent one by one they
// would each wait for a pooled connection and a round trip of their own.
// Instead a few writers take whatever events are waiting, up to maxGroup,
// and send them as one pipeline of script calls, as the bolt store shares
// one commit among concurrent writes. A failed group fails each of its
// writes, which then go to the outbox as before.
const (
	groupWriters = 4             // groups in flight at once
	maxGroup     = 4 * chunkSize // events in one group
)

// applyReq is one write waiting for a group writer.
type applyReq struct {
	recs []stats.Prepared
	err  chan error
}

// applyGrouped applies recs in a group with other writes waiting now. It
// returns ctx's error if ctx ends first; the events may still be counted
// then, and recording them again is harmless.
func (s *Store) applyGrouped(ctx context.Context, recs []stats.Prepared) error {
	s.writersOnce.Do(func() {
		s.applyq = make(chan *applyReq)
		for range groupWriters {
			go s.groupWriter()
		}
	})
	r := &applyReq{recs: recs, err: make(chan error, 1)}
	select {
	case s.applyq <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return stats.ErrClosed
	}
	select {
	case err := <-r.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// groupWriter applies groups of waiting writes until the store closes.
func (s *Store) groupWriter() {
	for {
		var r *applyReq
		select {
		case <-s.quit:
			return
		case r = <-s.applyq:
		}
		group, n := stats.Gather(s.applyq, r, func(r *applyReq) int { return len(r.recs) }, maxGroup)
		recs := r.recs
		if len(group) > 1 {
			recs = make([]stats.Prepared, 0, n)
			for _, r := range group {
				recs = append(recs, r.recs...)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout+time.Duration(n)*20*time.Microsecond)
		err := s.apply(ctx, recs)
		cancel()
		for _, r := range group {
			r.err <- err
		}
	}
}
