package stats

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCorrectDeltas checks the counter changes of corrections: the
// difference of the activity's counters at the old and the new count, a
// voided entry (0) counting as no event at all.
func TestCorrectDeltas(t *testing.T) {
	p := testPolicy(t, Config{})
	at := time.Date(2025, 6, 1, 9, 0, 0, 0, DefaultLocation())
	a := *activityOf(Event{ID: "lec", Kind: KindLecture, Time: at, Community: "east", Category: "labor", Count: 30, Place: "电话13812345678的活动室"})
	if strings.Contains(a.Place, "13812345678") {
		t.Errorf("place kept unredacted: %q", a.Place)
	}
	str := func(cs []Counter) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name+"="+strconv.FormatInt(c.Delta, 10))
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	steps := []struct {
		count int
		want  string
	}{
		{25, "qty:lecture:com:east=-5 qty:lecture=-5"},
		{0, "ev:lecture:cat:labor=-1 ev:lecture:com:east=-1 ev:lecture=-1 qty:lecture:com:east=-25 qty:lecture=-25"},
		{12, "ev:lecture:cat:labor=1 ev:lecture:com:east=1 ev:lecture=1 qty:lecture:com:east=12 qty:lecture=12"},
		{12, ""},
	}
	for i, s := range steps {
		var deltas []Counter
		var changed bool
		var err error
		a, deltas, changed, err = p.Correct(a, Correction{ID: strconv.Itoa(i), No: 1, Count: s.count, By: "tg:1", Reason: "r"})
		if err != nil || !changed {
			t.Fatalf("Correct(%d) = %v, %v", s.count, changed, err)
		}
		if got := str(deltas); got != s.want {
			t.Errorf("Correct(%d) deltas = %s, want %s", s.count, got, s.want)
		}
		if a.Current() != s.count || a.Count != 30 {
			t.Errorf("after Correct(%d): current %d, count %d", s.count, a.Current(), a.Count)
		}
	}
	if _, _, changed, _ := p.Correct(a, Correction{ID: "0", No: 1, Count: 99, By: "tg:1", Reason: "r"}); changed {
		t.Error("a correction applied twice")
	}
	if _, _, _, err := p.Correct(Activity{Kind: KindConsultation}, Correction{ID: "x", No: 1, Count: 1, By: "tg:1", Reason: "r"}); err == nil {
		t.Error("corrected a consultation")
	}
}
