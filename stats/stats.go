// Package stats records what lawbot does for residents - consultations,
// referrals, ratings, campaign interactions and offline activities - and
// answers the questions staff ask of those counts for the annual rule-of-law
// report: counts by day, month, year, category, community and channel, unique
// residents, satisfaction and the questions the bot could not answer.
//
// The package holds the domain: events, validation, privacy rules (keyed
// hashes for residents, redaction and retention for question text), the
// counters an event turns into, reports built from those counters, and an
// on-disk outbox for backends that can become unreachable. Storage lives in
// the sub-packages boltstore (embedded, the default) and redisstore; both
// pass the conformance suite in statstest.
package stats

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store records events and answers queries about them. Implementations are
// safe for concurrent use. Recording is idempotent: an event whose Kind and ID
// were already recorded is accepted and not counted again.
type Store interface {
	// Record validates e and counts it once.
	Record(ctx context.Context, e Event) error
	// RecordBatch validates every event first and records none if any is
	// invalid; otherwise it counts each event once, as Record does.
	RecordBatch(ctx context.Context, events []Event) error
	// Query returns the counts for the period q describes.
	Query(ctx context.Context, q Query) (Report, error)
	// Unanswered returns up to limit kept questions (unanswered or answered
	// with low confidence) asked in the period q describes, newest first.
	// Questions past the retention period are never returned.
	Unanswered(ctx context.Context, q Query, limit int) ([]Question, error)
	// Purge deletes question texts past retention and other personal data
	// past its time (resident hashes, idempotency keys) and reports how many
	// records it deleted. Stores also purge on their own; Purge forces it.
	Purge(ctx context.Context) (int, error)
	// Close releases the store. Calls after Close return ErrClosed.
	Close() error
}

// Errors returned by stores, to be detected with errors.Is.
var (
	// ErrInvalid marks an event, query or configuration that was rejected.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound is returned for an activity a correction names that the
	// store does not hold.
	ErrNotFound = errors.New("not found")
	// ErrClosed is returned by a store used after Close.
	ErrClosed = errors.New("store closed")
	// ErrCorrupt is returned when stored data cannot be read back: a damaged
	// data file, or a file that is not a lawbot statistics file.
	ErrCorrupt = errors.New("statistics data corrupted")
	// ErrLocked is returned when another process holds the data file.
	ErrLocked = errors.New("statistics data file in use by another process")
	// ErrOutboxFull is returned when a backend is unreachable and its outbox
	// cannot take more events: the events were not recorded.
	ErrOutboxFull = errors.New("statistics outbox full")
)

// Health describes whether a store is recording directly or buffering events
// in its outbox while its backend is unreachable.
type Health struct {
	// Degraded is true while events go to the outbox instead of the backend.
	Degraded bool
	// Since is when the store became degraded.
	Since time.Time
	// Pending is the number of events waiting in the outbox.
	Pending int
	// Full is true when the outbox rejected an event since it became degraded.
	Full bool
	// Err is the last error that kept events from the backend.
	Err string
}

// String renders h for /healthz and `lawbot status`, e.g.
// "statistics degraded since 2025-03-01T10:00:00+08:00, 12 events pending".
func (h Health) String() string {
	if !h.Degraded && h.Pending == 0 {
		return "statistics ok"
	}
	s := fmt.Sprintf("statistics degraded since %s, %d events pending",
		h.Since.Format(time.RFC3339), h.Pending)
	if h.Full {
		s += "; OUTBOX FULL, new events are being rejected"
	}
	if h.Err != "" {
		s += " (" + h.Err + ")"
	}
	return s
}
