package stats

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// hasher turns resident ids into keyed hashes: HMAC-SHA256 truncated to 128
// bits, enough to count distinct residents without collisions in practice
// and useless for recovering an id without the key.
type hasher struct {
	pool sync.Pool
}

func newHasher(key []byte) *hasher {
	k := append([]byte(nil), key...)
	return &hasher{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}
}

func (h *hasher) hash(resident string) string {
	m := h.pool.Get().(hash.Hash)
	defer h.pool.Put(m)
	m.Reset()
	m.Write([]byte(resident))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0])[:16])
}

// LoadOrCreateKey reads the resident-hashing key from the file at path,
// creating it with 32 random bytes (hex, mode 0600) when it does not exist.
// Keep the file outside the statistics data directory so that a copy of the
// data alone cannot be used to test guesses of resident ids. To rotate the
// key, delete or replace the file.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("stats: load resident key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < minResidentKey {
		return nil, fmt.Errorf("stats: load resident key %s: %w: want at least %d hex-encoded bytes", path, ErrInvalid, minResidentKey)
	}
	return key, nil
}

func createKey(path string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("stats: create resident key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("stats: create resident key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("stats: create resident key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("stats: create resident key: %w", err)
	}
	return key, nil
}
