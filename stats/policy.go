package stats

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lawbot/lawbot/knowledge"
)

// Defaults for Config fields left zero.
const (
	DefaultRetention         = 90 * 24 * time.Hour
	DefaultResidentRetention = 400 * 24 * time.Hour
	DefaultDedupWindow       = 30 * 24 * time.Hour
	DefaultMaxSkew           = 5 * time.Minute
	DefaultLowConfidence     = 0.5
)

// Limits on event fields.
const (
	maxIDLen       = 128
	maxKeyLen      = 64 // community, campaign, entry keys
	maxQuestion    = 500
	minResidentKey = 16
)

// earliestYear is the oldest year of an event or query: anything older is
// a zero or garbage timestamp, not a real event.
const earliestYear = 2000

// Config is the part of a store's options that every backend shares: which
// communities exist, the resident-hashing key, privacy and validation limits.
type Config struct {
	// Communities lists the valid community keys. Empty accepts any
	// non-empty printable key of at most 64 bytes.
	Communities []string
	// ResidentKey is the HMAC key for resident hashes, at least 16 bytes.
	// Keep it apart from the data (an env var or a file outside the data
	// directory, see LoadOrCreateKey). Rotating it makes hashes unlinkable to
	// earlier ones; unique-resident counts over a period spanning the
	// rotation then count a returning resident twice. Events carrying a
	// Resident are rejected while it is unset.
	ResidentKey []byte
	// Retention is how long kept question text lives; 0 means 90 days.
	Retention time.Duration
	// ResidentRetention is how long per-day resident hashes live; 0 means
	// 400 days, enough for a calendar-year report.
	ResidentRetention time.Duration
	// DedupWindow is how long idempotency keys are remembered; 0 means 30
	// days. A duplicate arriving later than this is counted again.
	DedupWindow time.Duration
	// MaxSkew is how far in the future an event may be dated; 0 means 5 min.
	MaxSkew time.Duration
	// LowConfidence keeps the question text of consultations answered with
	// a confidence below it; 0 means 0.5.
	LowConfidence float64
	// Location is the time zone that days, months and years are cut in;
	// nil means China Standard Time (UTC+8).
	Location *time.Location
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Policy is a validated Config. Backends use it to turn events into the
// counters they store and stored counters back into reports.
type Policy struct {
	cfg         Config
	communities map[string]bool
	hasher      *hasher
}

// DefaultLocation returns the zone reports are cut in by default, UTC+8.
func DefaultLocation() *time.Location { return time.FixedZone("CST", 8*3600) }

// NewPolicy validates cfg and fills in defaults.
func NewPolicy(cfg Config) (*Policy, error) {
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.ResidentRetention == 0 {
		cfg.ResidentRetention = DefaultResidentRetention
	}
	if cfg.DedupWindow == 0 {
		cfg.DedupWindow = DefaultDedupWindow
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	if cfg.LowConfidence == 0 {
		cfg.LowConfidence = DefaultLowConfidence
	}
	if cfg.Location == nil {
		cfg.Location = DefaultLocation()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch {
	case cfg.Retention < 0 || cfg.ResidentRetention < 0 || cfg.DedupWindow < 0 || cfg.MaxSkew < 0:
		return nil, fmt.Errorf("stats: config: %w: negative duration", ErrInvalid)
	case cfg.MaxSkew > time.Hour:
		return nil, fmt.Errorf("stats: config: %w: clock skew %v over 1h", ErrInvalid, cfg.MaxSkew)
	case math.IsNaN(cfg.LowConfidence) || cfg.LowConfidence < 0 || cfg.LowConfidence > 1:
		return nil, fmt.Errorf("stats: config: %w: low confidence %v outside 0..1", ErrInvalid, cfg.LowConfidence)
	case cfg.ResidentKey != nil && len(cfg.ResidentKey) < minResidentKey:
		return nil, fmt.Errorf("stats: config: %w: resident key shorter than %d bytes", ErrInvalid, minResidentKey)
	}
	p := &Policy{cfg: cfg}
	if len(cfg.Communities) > 0 {
		p.communities = make(map[string]bool, len(cfg.Communities))
		for _, c := range cfg.Communities {
			if err := checkKey("community", c, maxKeyLen); err != nil {
				return nil, fmt.Errorf("stats: config: %w", err)
			}
			p.communities[c] = true
		}
	}
	if cfg.ResidentKey != nil {
		p.hasher = newHasher(cfg.ResidentKey)
	}
	return p, nil
}

// Now returns the policy's clock reading.
func (p *Policy) Now() time.Time { return p.cfg.Now() }

// Location returns the zone days are cut in.
func (p *Policy) Location() *time.Location { return p.cfg.Location }

// Retention returns how long question text is kept.
func (p *Policy) Retention() time.Duration { return p.cfg.Retention }

// ResidentRetention returns how long per-day resident hashes are kept.
func (p *Policy) ResidentRetention() time.Duration { return p.cfg.ResidentRetention }

// DedupWindow returns how long idempotency keys are remembered.
func (p *Policy) DedupWindow() time.Duration { return p.cfg.DedupWindow }

// Day returns the day key ("2006-01-02") of t in the policy's zone.
func (p *Policy) Day(t time.Time) string { return t.In(p.cfg.Location).Format(dayLayout) }

// Prepared is a validated event reduced to what a backend stores: the
// counters it adds to its day, a resident hash and perhaps a redacted
// question. It holds no raw resident id and no unredacted text, so it may be
// written to an outbox.
type Prepared struct {
	Kind     Kind      `json:"k"`
	ID       string    `json:"id"`
	Time     time.Time `json:"t"`
	Day      string    `json:"d"`
	Counters []Counter `json:"c"`
	Resident string    `json:"r,omitempty"`
	Question *Question `json:"q,omitempty"`
	// Activity is the record kept of an offline activity, without its No.
	Activity *Activity `json:"a,omitempty"`
}

// Key is the idempotency key of the event: its Kind and ID.
func (p Prepared) Key() string { return string(p.Kind) + "/" + p.ID }

// Counter is one increment to a named counter of a day.
type Counter struct {
	Name  string `json:"n"`
	Delta int64  `json:"d"`
}

// Prepare validates e and reduces it to what a backend stores. Errors wrap
// ErrInvalid.
func (p *Policy) Prepare(e Event) (Prepared, error) {
	if err := p.validate(e); err != nil {
		return Prepared{}, fmt.Errorf("stats: event %s %q: %w", e.Kind, e.ID, err)
	}
	r := Prepared{Kind: e.Kind, ID: e.ID, Time: e.Time.UTC(), Day: p.Day(e.Time)}
	r.Counters = counters(e, p.cfg.LowConfidence)
	r.Activity = activityOf(e)
	if e.Resident != "" {
		r.Resident = p.hasher.hash(e.Resident)
	}
	if p.keepQuestion(e) {
		r.Question = &Question{
			ID: e.ID, Time: r.Time, Community: e.Community, Channel: e.Channel,
			Category: e.Category, Entry: e.Entry, Confidence: e.Confidence,
			Text: truncateRunes(Redact(truncateRunes(e.Question, 4*maxQuestion)), maxQuestion),
		}
	}
	return r, nil
}

// PrepareBatch prepares every event, or returns the first error.
func (p *Policy) PrepareBatch(events []Event) ([]Prepared, error) {
	out := make([]Prepared, len(events))
	for i, e := range events {
		r, err := p.Prepare(e)
		if err != nil {
			return nil, fmt.Errorf("batch item %d: %w", i, err)
		}
		out[i] = r
	}
	return out, nil
}

func (p *Policy) keepQuestion(e Event) bool {
	if e.Kind != KindConsultation || strings.TrimSpace(e.Question) == "" {
		return false
	}
	return e.Category == Unanswered || e.Confidence < p.cfg.LowConfidence
}

func (p *Policy) validate(e Event) error {
	rule, ok := kindRules[e.Kind]
	if !ok {
		return fmt.Errorf("%w: unknown kind %q", ErrInvalid, e.Kind)
	}
	if err := checkKey("id", e.ID, maxIDLen); err != nil {
		return err
	}
	if err := p.checkTime(e.Time); err != nil {
		return err
	}
	if err := p.checkCommunity(e.Community); err != nil {
		return err
	}
	if rule.resident {
		switch e.Channel {
		case ChannelTelegram, ChannelWeb, ChannelCLI:
		default:
			return fmt.Errorf("%w: unknown channel %q", ErrInvalid, e.Channel)
		}
	} else if e.Channel != "" || e.Resident != "" {
		return fmt.Errorf("%w: offline activity with a channel or resident", ErrInvalid)
	}
	if e.Resident != "" {
		if p.hasher == nil {
			return fmt.Errorf("%w: event names a resident but no resident key is configured", ErrInvalid)
		}
		if len(e.Resident) > 256 {
			return fmt.Errorf("%w: resident id longer than 256 bytes", ErrInvalid)
		}
	}
	if err := checkCategory(e); err != nil {
		return err
	}
	if e.Entry != "" {
		if err := checkKey("entry", e.Entry, maxIDLen); err != nil {
			return err
		}
	}
	if math.IsNaN(e.Confidence) || e.Confidence < 0 || e.Confidence > 1 {
		return fmt.Errorf("%w: confidence %v outside 0..1", ErrInvalid, e.Confidence)
	}
	if err := checkPlace(e); err != nil {
		return err
	}
	if e.Question != "" && e.Kind != KindConsultation {
		return fmt.Errorf("%w: question text on a %s event", ErrInvalid, e.Kind)
	}
	if (e.Kind == KindRating) != (e.Rating != 0) || e.Rating < 0 || e.Rating > 5 {
		return fmt.Errorf("%w: rating %d (ratings are 1-5, only on rating events)", ErrInvalid, e.Rating)
	}
	if rule.campaign {
		if err := checkKey("campaign", e.Campaign, maxKeyLen); err != nil {
			return err
		}
	} else if e.Campaign != "" {
		return fmt.Errorf("%w: campaign on a %s event", ErrInvalid, e.Kind)
	}
	if e.Correct && e.Kind != KindQuizAnswer {
		return fmt.Errorf("%w: correct flag on a %s event", ErrInvalid, e.Kind)
	}
	switch {
	case rule.maxCount > 0 && (e.Count < 1 || e.Count > rule.maxCount):
		return fmt.Errorf("%w: count %d for %s outside 1..%d", ErrInvalid, e.Count, e.Kind, rule.maxCount)
	case rule.maxCount == 0 && (e.Count < 0 || e.Count > 1):
		return fmt.Errorf("%w: count %d on a %s event (only offline activities carry counts)", ErrInvalid, e.Count, e.Kind)
	}
	return nil
}

func (p *Policy) checkTime(t time.Time) error {
	now := p.cfg.Now()
	switch {
	case t.In(p.cfg.Location).Year() < earliestYear:
		return fmt.Errorf("%w: time %s before %d", ErrInvalid, t.Format(time.RFC3339), earliestYear)
	case t.After(now.Add(p.cfg.MaxSkew)):
		return fmt.Errorf("%w: time %s is in the future (now %s, allowed skew %v)",
			ErrInvalid, t.Format(time.RFC3339), now.Format(time.RFC3339), p.cfg.MaxSkew)
	}
	return nil
}

func (p *Policy) checkCommunity(c string) error {
	if p.communities != nil {
		if !p.communities[c] {
			return fmt.Errorf("%w: unknown community %q", ErrInvalid, c)
		}
		return nil
	}
	return checkKey("community", c, maxKeyLen)
}

func checkCategory(e Event) error {
	switch {
	case e.Category == "" && e.Kind == KindConsultation:
		return fmt.Errorf("%w: consultation without a category", ErrInvalid)
	case e.Category == "":
		return nil
	case e.Category == Unanswered:
		if e.Entry != "" {
			return fmt.Errorf("%w: unanswered consultation names entry %q", ErrInvalid, e.Entry)
		}
		return nil
	case knowledge.CategoryName(e.Category) == "":
		return fmt.Errorf("%w: unknown category %q", ErrInvalid, e.Category)
	}
	return nil
}

// checkKey accepts non-empty printable text without spaces of at most max bytes.
func checkKey(field, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, field)
	}
	if len(s) > max {
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalid, field, max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrInvalid, field)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("%w: %s %q contains space or control characters", ErrInvalid, field, s)
		}
	}
	return nil
}

func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
