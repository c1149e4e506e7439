package stats

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

const (
	segmentPrefix = "outbox-"
	segmentSuffix = ".jsonl"
)

// Outbox is a bounded on-disk queue of prepared events, for a backend that
// can become unreachable. Events are appended as JSON lines to segment files
// in a directory and fsynced before Append returns; Replay hands them back
// in order and deletes each segment once it has been applied. Replaying
// relies on the backend being idempotent: a segment interrupted halfway is
// replayed from its start. Prepared events hold no raw resident ids and no
// unredacted text, so the outbox adds no privacy risk.
type Outbox struct {
	dir string
	max int

	replayMu sync.Mutex // one Replay at a time

	mu      sync.Mutex // guards the fields below
	f       *os.File   // active segment; nil until the next Append
	seq     int        // number of the active or next segment
	pending int        // events in all segments
	written uint64     // appends to date, for group fsync

	syncMu sync.Mutex // held while syncing or sealing; taken before mu
	synced uint64     // appends known to be on disk
}

// OpenOutbox opens the outbox in dir, creating dir if needed, holding at most
// max events. Events left by an earlier process count as pending.
func OpenOutbox(dir string, max int) (*Outbox, error) {
	if max <= 0 {
		return nil, fmt.Errorf("stats: open outbox: %w: capacity %d", ErrInvalid, max)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("stats: open outbox: %w", err)
	}
	o := &Outbox{dir: dir, max: max}
	segs, err := o.segments()
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		n, err := countLines(filepath.Join(dir, s))
		if err != nil {
			return nil, fmt.Errorf("stats: open outbox: %w", err)
		}
		o.pending += n
	}
	if len(segs) > 0 {
		o.seq = segmentSeq(segs[len(segs)-1]) + 1
	}
	return o, nil
}

// Pending returns the number of events waiting to be replayed.
func (o *Outbox) Pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pending
}

// Append writes recs to the outbox and syncs them to disk. It returns an
// error wrapping ErrOutboxFull, and writes nothing, when they do not fit.
func (o *Outbox) Append(recs []Prepared) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("stats: outbox append: %w", err)
		}
	}
	o.mu.Lock()
	if o.pending+len(recs) > o.max {
		pending := o.pending
		o.mu.Unlock()
		return fmt.Errorf("stats: outbox append %d events: %w (%d of %d pending)", len(recs), ErrOutboxFull, pending, o.max)
	}
	if o.f == nil {
		f, err := os.OpenFile(o.segmentPath(o.seq), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err == nil {
			err = syncDir(o.dir)
		}
		if err != nil {
			o.mu.Unlock()
			return fmt.Errorf("stats: outbox append: %w", err)
		}
		o.f = f
	}
	if _, err := o.f.Write(buf.Bytes()); err != nil {
		o.mu.Unlock()
		return fmt.Errorf("stats: outbox append: %w", err)
	}
	o.pending += len(recs)
	o.written++
	gen := o.written
	o.mu.Unlock()
	return o.syncTo(gen)
}

// syncTo makes sure append number gen is on disk. Appenders waiting at the
// same time share one fsync.
func (o *Outbox) syncTo(gen uint64) error {
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	if o.synced >= gen {
		return nil
	}
	o.mu.Lock()
	f, upTo := o.f, o.written
	o.mu.Unlock()
	if f != nil {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("stats: outbox sync: %w", err)
		}
	}
	o.synced = upTo
	return nil
}

// seal closes the active segment so that the next Append starts a new one.
func (o *Outbox) seal() error {
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	err := o.f.Sync()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	o.f = nil
	o.seq++
	o.synced = o.written
	if err != nil {
		return fmt.Errorf("stats: outbox seal: %w", err)
	}
	return nil
}

// Replay passes every event in the outbox to apply, oldest first, in chunks
// of at most chunk events, and deletes each segment once all of its events
// were applied. It stops at the first error from apply, leaving the
// remaining events pending. Lines that cannot be decoded are left in a
// ".bad" copy of their segment and reported in the returned error; they
// are not counted as pending any more. It returns the number of events
// applied.
func (o *Outbox) Replay(ctx context.Context, chunk int, apply func(context.Context, []Prepared) error) (int, error) {
	o.replayMu.Lock()
	defer o.replayMu.Unlock()
	if chunk <= 0 {
		chunk = 1000
	}
	if err := o.seal(); err != nil {
		return 0, err
	}
	o.mu.Lock()
	active := o.seq
	o.mu.Unlock()
	segs, err := o.segments()
	if err != nil {
		return 0, err
	}
	applied := 0
	var errs []error
	for _, s := range segs {
		if segmentSeq(s) >= active {
			break // written after the seal; the next Replay takes it
		}
		path := filepath.Join(o.dir, s)
		recs, bad, err := readSegment(path)
		if err != nil {
			return applied, err
		}
		for start := 0; start < len(recs); start += chunk {
			part := recs[start:min(start+chunk, len(recs))]
			if err := apply(ctx, part); err != nil {
				return applied, fmt.Errorf("stats: outbox replay %s: %w", s, err)
			}
			applied += len(part)
		}
		if bad > 0 {
			if err := os.Rename(path, path+".bad"); err != nil {
				return applied, fmt.Errorf("stats: outbox replay: %w", err)
			}
			errs = append(errs, fmt.Errorf("stats: outbox replay: %w: %d undecodable lines kept in %s.bad", ErrCorrupt, bad, path))
		} else if err := os.Remove(path); err != nil {
			return applied, fmt.Errorf("stats: outbox replay: %w", err)
		}
		o.mu.Lock()
		o.pending -= len(recs) + bad
		o.mu.Unlock()
	}
	return applied, errors.Join(errs...)
}

// Close closes the active segment. Pending events stay on disk for the
// next OpenOutbox.
func (o *Outbox) Close() error { return o.seal() }

func (o *Outbox) segmentPath(seq int) string {
	return filepath.Join(o.dir, fmt.Sprintf("%s%016d%s", segmentPrefix, seq, segmentSuffix))
}

// segments lists segment file names in order.
func (o *Outbox) segments() ([]string, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("stats: outbox: %w", err)
	}
	var segs []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, segmentPrefix) && strings.HasSuffix(n, segmentSuffix) && segmentSeq(n) >= 0 {
			segs = append(segs, n)
		}
	}
	slices.Sort(segs) // zero-padded, so names sort by number
	return segs, nil
}

// segmentSeq returns the number in a segment name, or -1.
func segmentSeq(name string) int {
	var n int
	digits := strings.TrimSuffix(strings.TrimPrefix(name, segmentPrefix), segmentSuffix)
	if len(digits) != 16 {
		return -1
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// readSegment decodes a segment. A last line without its newline is a
// write cut short by a crash, never acknowledged, and is ignored.
func readSegment(path string) (recs []Prepared, bad int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("stats: outbox read: %w", err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		b = b[:i+1]
	}
	for line := range bytes.Lines(b) {
		var r Prepared
		if err := json.Unmarshal(line, &r); err != nil || r.ID == "" || r.Day == "" {
			bad++
			continue
		}
		recs = append(recs, r)
	}
	return recs, bad, nil
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	r := bufio.NewReader(f)
	for {
		_, err := r.ReadSlice('\n')
		switch {
		case err == nil:
			n++
		case errors.Is(err, bufio.ErrBufferFull):
			// A long line; keep reading it.
		case errors.Is(err, io.EOF):
			return n, nil
		default:
			return 0, err
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
