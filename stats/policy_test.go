package stats

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123")

func testPolicy(t *testing.T, cfg Config) *Policy {
	t.Helper()
	if cfg.Now == nil {
		now := time.Date(2025, 6, 15, 12, 0, 0, 0, DefaultLocation())
		cfg.Now = func() time.Time { return now }
	}
	if cfg.ResidentKey == nil {
		cfg.ResidentKey = testKey
	}
	p, err := NewPolicy(cfg)
	if err != nil {
		t.Fatalf("NewPolicy() = %v", err)
	}
	return p
}

func TestNewPolicyRejects(t *testing.T) {
	tests := map[string]Config{
		"short key":          {ResidentKey: []byte("short")},
		"negative retention": {Retention: -time.Hour},
		"skew over an hour":  {MaxSkew: 2 * time.Hour},
		"confidence above 1": {LowConfidence: 1.5},
		"NaN confidence":     {LowConfidence: math.NaN()},
		"bad community":      {Communities: []string{"ok", "has space"}},
		"empty community":    {Communities: []string{""}},
	}
	for name, cfg := range tests {
		if _, err := NewPolicy(cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewPolicy(%s) = %v, want ErrInvalid", name, err)
		}
	}
}

func consultation() Event {
	return Event{ID: "tg:1", Kind: KindConsultation, Time: time.Date(2025, 6, 1, 9, 0, 0, 0, DefaultLocation()),
		Community: "east", Channel: ChannelTelegram, Resident: "tg:4242", Category: "labor", Entry: "labor-wages",
		Confidence: 0.9, Question: "老板拖欠工资，电话13812345678"}
}

func TestPrepareConsultation(t *testing.T) {
	p := testPolicy(t, Config{})
	r, err := p.Prepare(consultation())
	if err != nil {
		t.Fatalf("Prepare() = %v", err)
	}
	if r.Key() != "consultation/tg:1" || r.Day != "2025-06-01" {
		t.Errorf("Prepare() key %q day %q, want consultation/tg:1 on 2025-06-01", r.Key(), r.Day)
	}
	var names []string
	for _, c := range r.Counters {
		if c.Delta != 1 {
			t.Errorf("counter %s += %d, want 1", c.Name, c.Delta)
		}
		names = append(names, c.Name)
	}
	slices.Sort(names)
	want := []string{"ev:consultation", "ev:consultation:cat:labor", "ev:consultation:ch:telegram",
		"ev:consultation:com:east", "ev:consultation:conf:ok", "ev:consultation:entry:labor-wages"}
	if !slices.Equal(names, want) {
		t.Errorf("counters = %v, want %v", names, want)
	}
	if r.Question != nil {
		t.Errorf("confident answer kept its question: %+v", r.Question)
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "4242") || strings.Contains(string(b), "13812345678") {
		t.Errorf("prepared event %s holds the resident id or the question", b)
	}
}

func TestPrepareKeepsQuestion(t *testing.T) {
	p := testPolicy(t, Config{LowConfidence: 0.6})
	tests := []struct {
		name       string
		category   string
		confidence float64
		keep       bool
	}{
		{"unanswered", Unanswered, 0, true},
		{"low confidence", "labor", 0.59, true},
		{"confident", "labor", 0.6, false},
	}
	for _, tt := range tests {
		e := consultation()
		e.Category, e.Confidence = tt.category, tt.confidence
		if tt.category == Unanswered {
			e.Entry = ""
		}
		r, err := p.Prepare(e)
		if err != nil {
			t.Fatalf("Prepare(%s) = %v", tt.name, err)
		}
		if (r.Question != nil) != tt.keep {
			t.Errorf("Prepare(%s) kept question = %v, want %v", tt.name, r.Question != nil, tt.keep)
			continue
		}
		if tt.keep && r.Question.Text != "老板拖欠工资，电话"+RedactedMobile {
			t.Errorf("Prepare(%s) kept %q, want it redacted", tt.name, r.Question.Text)
		}
	}
	e := consultation()
	e.Category, e.Entry, e.Question = Unanswered, "", strings.Repeat("很长的问题", 1000)
	r, err := p.Prepare(e)
	if err != nil {
		t.Fatalf("Prepare(long question) = %v", err)
	}
	if n := len([]rune(r.Question.Text)); n > maxQuestion+1 {
		t.Errorf("kept %d runes, want at most %d", n, maxQuestion+1)
	}
}

func TestResidentHash(t *testing.T) {
	p := testPolicy(t, Config{})
	other := testPolicy(t, Config{ResidentKey: []byte("another-key-0123456789")})
	a, b := p.hasher.hash("tg:1"), p.hasher.hash("tg:1")
	if a != b || a == p.hasher.hash("tg:2") || a == other.hasher.hash("tg:1") {
		t.Errorf("hash(tg:1) = %q, %q; tg:2 %q; other key %q: want stable, distinct per id and per key",
			a, b, p.hasher.hash("tg:2"), other.hasher.hash("tg:1"))
	}
	if len(a) != 22 || a == "tg:1" {
		t.Errorf("hash(tg:1) = %q, want 22 base64 characters", a)
	}
}

func TestPrepareOfflineAndRatings(t *testing.T) {
	p := testPolicy(t, Config{})
	at := time.Date(2025, 6, 1, 9, 0, 0, 0, DefaultLocation())
	sum := func(r Prepared) map[string]int64 {
		m := map[string]int64{}
		for _, c := range r.Counters {
			m[c.Name] += c.Delta
		}
		return m
	}
	r, err := p.Prepare(Event{ID: "l", Kind: KindLecture, Time: at, Community: "east", Count: 120})
	if err != nil {
		t.Fatalf("Prepare(lecture) = %v", err)
	}
	if m := sum(r); m["ev:lecture"] != 1 || m["qty:lecture"] != 120 || m["qty:lecture:com:east"] != 120 {
		t.Errorf("lecture counters = %v, want 1 lecture, 120 attendees in east", m)
	}
	r, err = p.Prepare(Event{ID: "r", Kind: KindRating, Time: at, Community: "east", Channel: ChannelWeb, Rating: 4})
	if err != nil {
		t.Fatalf("Prepare(rating) = %v", err)
	}
	if m := sum(r); m["ev:rating:score:4"] != 1 || m["qty:rating"] != 4 {
		t.Errorf("rating counters = %v, want score 4", m)
	}
}

func TestCountsSatisfaction(t *testing.T) {
	var c Counts
	if rate, n := c.Satisfaction(); rate != 0 || n != 0 {
		t.Errorf("Satisfaction() of nothing = %v, %d, want 0, 0", rate, n)
	}
	c.add("ev:rating", 4)
	c.add("ev:rating:score:5", 2)
	c.add("ev:rating:score:4", 1)
	c.add("ev:rating:score:1", 1)
	if rate, n := c.Satisfaction(); rate != 0.75 || n != 4 {
		t.Errorf("Satisfaction() = %v, %d, want 0.75, 4", rate, n)
	}
}

func TestHealthString(t *testing.T) {
	since := time.Date(2025, 3, 1, 10, 0, 0, 0, DefaultLocation())
	tests := []struct {
		h    Health
		want string
	}{
		{Health{}, "statistics ok"},
		{Health{Degraded: true, Since: since, Pending: 12}, "statistics degraded since 2025-03-01T10:00:00+08:00, 12 events pending"},
		{Health{Degraded: true, Since: since, Pending: 5, Full: true, Err: "dial tcp: refused"},
			"statistics degraded since 2025-03-01T10:00:00+08:00, 5 events pending; OUTBOX FULL, new events are being rejected (dial tcp: refused)"},
	}
	for _, tt := range tests {
		if got := tt.h.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.h, got, tt.want)
		}
	}
}
