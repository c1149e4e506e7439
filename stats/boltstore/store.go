// Package boltstore keeps lawbot's statistics in an embedded bbolt file in
// the data directory. It is the default when no Redis is configured: no
// server to run, durable across restarts. Concurrent writers share one
// transaction and one fsync (group commit), so many residents recording at
// once cost little more than one.
//
// Only one process may open the file; a second one gets an error wrapping
// stats.ErrLocked after Options.LockTimeout instead of hanging. A damaged
// file gives an error wrapping stats.ErrCorrupt.
package boltstore

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lawbot/lawbot/stats"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the statistics file in the data directory.
const FileName = "stats.db"

// format identifies a lawbot statistics file and its layout.
const format = "lawbot-stats/1"

// Buckets. Keys within them:
//
//	counters   day "\x00" counter name  -> int64, big endian
//	residents  day "\x00" resident hash -> empty
//	seen       kind "/" id              -> unix seconds when recorded
//	questions  unix nanos (8 bytes) id  -> stats.Question as JSON
//	activities No (8 bytes)             -> stats.Activity as JSON, kept for good
var (
	bucketMeta       = []byte("meta")
	bucketCounters   = []byte("counters")
	bucketResidents  = []byte("residents")
	bucketSeen       = []byte("seen")
	bucketQuestions  = []byte("questions")
	bucketActivities = []byte("activities")
	keyFormat        = []byte("format")
)

// Options configure a Store.
type Options struct {
	// Config holds the settings shared by all backends.
	Config stats.Config
	// LockTimeout is how long Open waits for another process to release the
	// file; 0 means 1s.
	LockTimeout time.Duration
	// PurgeInterval is how often expired personal data is deleted; 0 means
	// hourly.
	PurgeInterval time.Duration
	// MaxBatch caps the events committed in one transaction; 0 means 4096.
	MaxBatch int
	// SkipCheck skips the integrity check of the whole file at Open.
	SkipCheck bool
	// Logger receives background errors; nil discards them.
	Logger *slog.Logger
}

// Store is a stats.Store in a bbolt file.
type Store struct {
	db         *bolt.DB
	pol        *stats.Policy
	log        *slog.Logger
	maxBatch   int
	purgeEvery time.Duration

	reqs      chan *writeReq // unbuffered: a send succeeds only when the writer takes it
	quit      chan struct{}
	done      chan struct{}
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var (
	_ stats.Store      = (*Store)(nil)
	_ stats.Activities = (*Store)(nil)
)

// Open opens or creates the statistics file in dir, creating dir if needed.
func Open(dir string, opts Options) (*Store, error) {
	pol, err := stats.NewPolicy(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("boltstore: open: %w", err)
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.PurgeInterval <= 0 {
		opts.PurgeInterval = time.Hour
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: open: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if info, err := os.Stat(path); err == nil && info.Size() > 0 {
		if err := checkFile(path, info.Size(), opts.LockTimeout, !opts.SkipCheck); err != nil {
			return nil, err
		}
	}
	db, err := openBolt(path, &bolt.Options{Timeout: opts.LockTimeout})
	if err != nil {
		return nil, openError(path, err)
	}
	if err := initFile(db, path); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{
		db: db, pol: pol, log: opts.Logger, maxBatch: opts.MaxBatch, purgeEvery: opts.PurgeInterval,
		reqs: make(chan *writeReq), quit: make(chan struct{}), done: make(chan struct{}),
	}
	if _, err := s.purge(); err != nil {
		db.Close()
		return nil, err
	}
	go s.run()
	return s, nil
}

func openError(path string, err error) error {
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("boltstore: open %s: %w (is another lawbot running? stop it or use another data directory)", path, stats.ErrLocked)
	case errors.As(err, &pathErr):
		return fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	return corruptError(path, err)
}

// openBolt is bolt.Open, with the panics it raises on some damaged files
// turned into errors.
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("bolt: %v", r)
		}
	}()
	return bolt.Open(path, 0o600, o)
}

func corruptError(path string, why any) error {
	return fmt.Errorf("boltstore: open %s: %w: %v (restore it from a backup or move it away to start empty)", path, stats.ErrCorrupt, why)
}

// checkFile opens an existing file read-only and checks that it is whole
// before it is opened for writing, which would trip over damaged pages.
// It fails with ErrLocked too if another process holds the file.
func checkFile(path string, size int64, lockTimeout time.Duration, full bool) error {
	db, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return openError(path, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = corruptError(path, r)
			}
		}()
		// A truncated file would make bbolt read past its end.
		if tx.Size() > size {
			return corruptError(path, fmt.Sprintf("file is %d bytes, its pages need %d", size, tx.Size()))
		}
		if !full {
			return nil
		}
		var errs []error
		for err := range tx.Check() {
			if len(errs) < 5 {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return corruptError(path, errors.Join(errs...))
		}
		return nil
	})
}

// initFile checks that the file is a lawbot statistics file and creates
// the buckets of a new one.
func initFile(db *bolt.DB, path string) error {
	return db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return corruptError(path, "not a lawbot statistics file")
			}
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return err
			}
			if err := meta.Put(keyFormat, []byte(format)); err != nil {
				return err
			}
		}
		if got := string(meta.Get(keyFormat)); got != format {
			return corruptError(path, fmt.Sprintf("format %q, want %q", got, format))
		}
		for _, b := range [][]byte{bucketCounters, bucketResidents, bucketSeen, bucketQuestions, bucketActivities} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// recoverCorrupt turns a panic inside bbolt, which it raises on some damaged
// pages, into an error wrapping stats.ErrCorrupt.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("boltstore: %w: %v", stats.ErrCorrupt, r)
	}
}

// Health reports the store's state; an embedded store is never degraded.
func (s *Store) Health() stats.Health { return stats.Health{} }

// Close stops the writer after it finishes the commits in progress and
// closes the file.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.quit)
		<-s.done
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("boltstore: close: %w", err)
		}
	})
	return s.closeErr
}
