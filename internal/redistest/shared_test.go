package redistest_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/lawbot/lawbot/internal/redistest"
)

// TestPrefixDeletesItsKeys shows that the keys of a prefix, in each of the
// project's shapes and more than one DEL's worth, are gone when the test
// that took it ends, and that other keys stay.
func TestPrefixDeletesItsKeys(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t, redistest.URL(t))
	other := "lawbot-redistest-other-" + t.Name()
	if err := rdb.Set(ctx, other, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Del(ctx, other) })

	var prefix string
	var keys []string
	t.Run("user", func(t *testing.T) {
		prefix = redistest.Prefix(t, rdb)
		if !regexp.MustCompile(`^lawbot-test-[0-9a-f]{12}$`).MatchString(prefix) {
			t.Errorf("Prefix = %q, want lawbot-test-<12 hex>", prefix)
		}
		keys = []string{"{" + prefix + "}:stats", "{" + prefix + ":campaign}:subscribers", prefix + ":campaign:broadcast"}
		for i := range 2500 {
			keys = append(keys, fmt.Sprintf("{%s:campaign}:c:%d", prefix, i))
		}
		pipe := rdb.Pipeline()
		for _, k := range keys {
			pipe.Set(ctx, k, "x", 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if n, err := rdb.Exists(ctx, keys...).Result(); err != nil || n != 0 {
		t.Errorf("keys of %s left after the test = %d, %v; want 0", prefix, n, err)
	}
	if n, err := rdb.Exists(ctx, other).Result(); err != nil || n != 1 {
		t.Errorf("Exists(%s) = %d, %v; want 1", other, n, err)
	}
}
