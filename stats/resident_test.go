package stats

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "stats.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil || len(k1) != 32 {
		t.Fatalf("LoadOrCreateKey(new) = %x, %v, want 32 random bytes", k1, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v, want 0600", info.Mode(), err)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("LoadOrCreateKey(existing) = %x, %v, want %x", k2, err, k1)
	}
	if _, err := NewPolicy(Config{ResidentKey: k1}); err != nil {
		t.Errorf("NewPolicy(created key) = %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("abcd\n"), 0o600)
	if _, err := LoadOrCreateKey(bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("LoadOrCreateKey(too short) = %v, want ErrInvalid", err)
	}
}
