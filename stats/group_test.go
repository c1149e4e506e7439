package stats

import (
	"slices"
	"testing"
)

func TestGather(t *testing.T) {
	ch := make(chan int, 10)
	for _, n := range []int{2, 3, 4, 5} {
		ch <- n
	}
	id := func(n int) int { return n }
	// Takes what waits until max is reached, then stops.
	group, n := Gather(ch, 1, id, 6)
	if !slices.Equal(group, []int{1, 2, 3}) || n != 6 {
		t.Errorf("Gather = %v, %d; want [1 2 3], 6", group, n)
	}
	// Takes everything waiting when it fits.
	group, n = Gather(ch, 1, id, 100)
	if !slices.Equal(group, []int{1, 4, 5}) || n != 10 {
		t.Errorf("Gather = %v, %d; want [1 4 5], 10", group, n)
	}
	// Nothing waiting: just the first.
	group, n = Gather(ch, 7, id, 100)
	if !slices.Equal(group, []int{7}) || n != 7 {
		t.Errorf("Gather = %v, %d; want [7], 7", group, n)
	}
}
