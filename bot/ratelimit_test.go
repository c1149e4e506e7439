package bot

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := NewLimiter(1, 5)
	now := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		if ok, _ := l.Allow("a", now); !ok {
			t.Fatalf("Allow #%d refused within the burst", i+1)
		}
	}
	steps := []struct {
		after    time.Duration
		ok, warn bool
	}{
		{0, false, true},                       // over the burst: warn once
		{100 * time.Millisecond, false, false}, // still over, already warned
		{time.Second, true, false},             // a token refilled
		{0, false, false},                      // none left; warned 1.1s ago
		{10 * time.Second, true, false},        // refilled to the burst
	}
	for i, s := range steps {
		now = now.Add(s.after)
		if ok, warn := l.Allow("a", now); ok != s.ok || warn != s.warn {
			t.Errorf("step %d: Allow = %v, %v, want %v, %v", i, ok, warn, s.ok, s.warn)
		}
	}
	if ok, _ := l.Allow("b", now); !ok {
		t.Error("another key was limited")
	}
}

func TestLimiterForgetsIdleKeys(t *testing.T) {
	l := NewLimiter(1, 5)
	now := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	for i := range sweepAbove + 10 {
		l.Allow(fmt.Sprint("k", i), now)
	}
	l.Allow("late", now.Add(2*time.Minute))
	if n := l.Len(); n > 10 {
		t.Errorf("Len = %d after idle keys refilled; want them swept", n)
	}
}
