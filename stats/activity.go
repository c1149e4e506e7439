package stats

import (
	"context"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Activity is an offline activity (a lecture, leaflets, banners, visits) as
// it was first recorded, with the corrections staff made to its count
// since. Stores keep activities for good: they name no resident.
type Activity struct {
	// No is the number the store gave the activity when it recorded it:
	// 1, 2, 3 ... Staff name an activity by it.
	No        int64     `json:"no,omitempty"`
	Kind      Kind      `json:"k"`
	ID        string    `json:"id"`
	Time      time.Time `json:"t"`
	Community string    `json:"com"`
	Category  string    `json:"cat,omitempty"`
	// Place is where it happened, redacted as question text is.
	Place string `json:"place,omitempty"`
	// Count is the count as first recorded; corrections leave it alone.
	Count int `json:"n"`
	// Corrections are the corrections of Count, oldest first.
	Corrections []Correction `json:"fix,omitempty"`
}

// Current returns the count reports use: that of the last correction, or
// the count as recorded.
func (a Activity) Current() int {
	if n := len(a.Corrections); n > 0 {
		return a.Corrections[n-1].Count
	}
	return a.Count
}

// Correction changes the count of a recorded offline activity. The
// activity keeps its original count; reports count the corrected one.
type Correction struct {
	// ID is the idempotency key, e.g. "tg:update:81523": a correction whose
	// ID the activity already holds changes nothing.
	ID string `json:"id"`
	// No names the activity (Activity.No).
	No int64 `json:"no"`
	// Count is the corrected count; 0 voids an entry made by mistake (it
	// then counts as no activity at all).
	Count int `json:"n"`
	// Old is the count before the correction; the store sets it.
	Old int `json:"old"`
	// By is who corrected it, e.g. "tg:4711" (a staff member, not a
	// resident: it is kept as given).
	By string `json:"by"`
	// Reason says why, for whoever reads the records later.
	Reason string `json:"why"`
	// Time is when; zero means now.
	Time time.Time `json:"t"`
}

// Activities is what a store offers for offline activities beyond
// counting them: listing them and correcting their counts. Both backends
// implement it.
type Activities interface {
	// Activities returns up to limit activities, the most recently recorded
	// first, with their corrections. Events still waiting in an outbox are
	// not listed yet.
	Activities(ctx context.Context, limit int) ([]Activity, error)
	// Correct applies c to the activity it names and returns the activity
	// as corrected. The counts of the activity's day (and so every report)
	// change by the difference. Errors wrap ErrNotFound for an unknown
	// activity and ErrInvalid for a bad correction.
	Correct(ctx context.Context, c Correction) (Activity, error)
}

// Limits on what an activity and a correction carry, in characters.
const (
	MaxPlace  = 50
	MaxReason = 200
)

// activityOf returns the record kept of a validated offline event, nil for
// other kinds.
func activityOf(e Event) *Activity {
	if !e.Kind.Offline() {
		return nil
	}
	return &Activity{
		Kind: e.Kind, ID: e.ID, Time: e.Time.UTC(), Community: e.Community, Category: e.Category,
		Place: Redact(e.Place), Count: e.Count,
	}
}

func checkPlace(e Event) error {
	if e.Place == "" {
		return nil
	}
	if !e.Kind.Offline() {
		return fmt.Errorf("%w: place on a %s event", ErrInvalid, e.Kind)
	}
	return checkText("place", e.Place, MaxPlace)
}

// checkText accepts printable text of at most max characters.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrInvalid, field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%w: %s of %d characters, want at most %d", ErrInvalid, field, n, max)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %s contains control characters", ErrInvalid, field)
		}
	}
	return nil
}

// Correct validates c against a and returns a as corrected and the
// changes to the counters of its day (Day(a.Time)); changed is false when
// a already holds a correction with c's ID, and a is then returned as it
// is. Errors wrap ErrInvalid.
func (p *Policy) Correct(a Activity, c Correction) (out Activity, deltas []Counter, changed bool, err error) {
	rule, ok := kindRules[a.Kind]
	if !ok || rule.maxCount == 0 {
		return a, nil, false, fmt.Errorf("stats: correct %d: %w: %s is not an offline activity", c.No, ErrInvalid, a.Kind)
	}
	if err := p.checkCorrection(c, rule.maxCount); err != nil {
		return a, nil, false, fmt.Errorf("stats: correct %d: %w", c.No, err)
	}
	for _, old := range a.Corrections {
		if old.ID == c.ID {
			return a, nil, false, nil
		}
	}
	if c.Time.IsZero() {
		c.Time = p.Now()
	}
	c.Time, c.Old = c.Time.UTC(), a.Current()
	e := Event{ID: a.ID, Kind: a.Kind, Time: a.Time, Community: a.Community, Category: a.Category}
	sum := map[string]int64{}
	var names []string
	add := func(n int, sign int64) {
		if n <= 0 {
			return // a voided entry counts as nothing
		}
		e.Count = n
		for _, ctr := range counters(e, p.cfg.LowConfidence) {
			if _, seen := sum[ctr.Name]; !seen {
				names = append(names, ctr.Name)
			}
			sum[ctr.Name] += sign * ctr.Delta
		}
	}
	add(c.Old, -1)
	add(c.Count, 1)
	for _, name := range names {
		if d := sum[name]; d != 0 {
			deltas = append(deltas, Counter{Name: name, Delta: d})
		}
	}
	a.Corrections = append(append([]Correction(nil), a.Corrections...), c)
	return a, deltas, true, nil
}

func (p *Policy) checkCorrection(c Correction, maxCount int) error {
	if err := checkKey("correction id", c.ID, maxIDLen); err != nil {
		return err
	}
	if err := checkKey("corrected by", c.By, maxKeyLen); err != nil {
		return err
	}
	if c.Count < 0 || c.Count > maxCount {
		return fmt.Errorf("%w: count %d outside 0..%d", ErrInvalid, c.Count, maxCount)
	}
	if c.Reason == "" {
		return fmt.Errorf("%w: correction without a reason", ErrInvalid)
	}
	if err := checkText("reason", c.Reason, MaxReason); err != nil {
		return err
	}
	if !c.Time.IsZero() {
		return p.checkTime(c.Time)
	}
	return nil
}
