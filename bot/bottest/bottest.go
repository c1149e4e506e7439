// Package bottest helps test the conversation and its channels: a real
// answer composer over the shipped knowledge base, built once per test
// package, a recorder that validates events as the statistics stores do and
// counts each Kind and ID once, and a ready Core.
//
//	func TestMain(m *testing.M) { bottest.Main(m) }
package bottest

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// Key signs button data in tests.
var Key = []byte("lawbot-test-button-signing-key!!")

// ResidentKey hashes residents in tests' statistics stores.
var ResidentKey = []byte("lawbot-test-resident-hash-key!!!")

// Communities are the communities tests configure.
var Communities = []bot.Community{
	{Name: "幸福社区", Adviser: "王律师，每周三下午在幸福社区居委会二楼，电话 010-12345678"},
	{Name: "和平社区"},
	{Name: "光明社区"},
}

// CommunityNames returns the names of Communities and bot.NoCommunity, the
// list a statistics store is configured with.
func CommunityNames() []string {
	var out []string
	for _, c := range Communities {
		out = append(out, c.Name)
	}
	return append(out, bot.NoCommunity)
}

var engine struct {
	once     sync.Once
	dir      string
	base     *knowledge.Base
	composer *answer.Composer
	err      error
}

// Composer returns the composer over the shipped knowledge base, built on
// first use and shared by the test package.
func Composer(tb testing.TB) *answer.Composer {
	tb.Helper()
	engine.once.Do(func() {
		engine.base, _, engine.err = knowledge.Load(knowledge.LoadOptions{})
		if engine.err != nil {
			return
		}
		engine.dir, engine.err = os.MkdirTemp("", "lawbot-bottest-")
		if engine.err != nil {
			return
		}
		faq, err := index.BuildFAQ(context.Background(), engine.dir, engine.base)
		if err != nil {
			engine.err = err
			return
		}
		engine.composer = &answer.Composer{Base: engine.base, FAQ: faq, Laws: knowledge.NewStatutes(nil)}
	})
	if engine.err != nil {
		tb.Fatalf("building the test engine: %v", engine.err)
	}
	return engine.composer
}

// Base returns the shipped knowledge base.
func Base(tb testing.TB) *knowledge.Base {
	tb.Helper()
	return Composer(tb).Base
}

// Main runs the tests and removes the shared index.
func Main(m *testing.M) {
	code := m.Run()
	if engine.dir != "" {
		os.RemoveAll(engine.dir)
	}
	os.Exit(code)
}

// Recorder is a bot.Recorder that validates events with the statistics
// policy the stores use and keeps each Kind and ID once.
type Recorder struct {
	pol *stats.Policy

	mu     sync.Mutex
	events []stats.Event
	seen   map[string]bool
	fail   error
}

// NewRecorder returns an empty recorder accepting CommunityNames.
func NewRecorder(tb testing.TB) *Recorder {
	tb.Helper()
	pol, err := stats.NewPolicy(stats.Config{Communities: CommunityNames(), ResidentKey: ResidentKey})
	if err != nil {
		tb.Fatal(err)
	}
	return &Recorder{pol: pol, seen: map[string]bool{}}
}

// Record validates e and keeps it unless its Kind and ID were kept before.
func (r *Recorder) Record(_ context.Context, e stats.Event) error {
	if _, err := r.pol.Prepare(e); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	key := string(e.Kind) + "/" + e.ID
	if !r.seen[key] {
		r.seen[key] = true
		r.events = append(r.events, e)
	}
	return nil
}

// FailWith makes Record fail with err (nil to recover).
func (r *Recorder) FailWith(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// Events returns the kept events of kind k, all when k is "".
func (r *Recorder) Events(k stats.Kind) []stats.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k == "" {
		return slices.Clone(r.events)
	}
	var out []stats.Event
	for _, e := range r.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// Count returns how many events of kind k were kept.
func (r *Recorder) Count(k stats.Kind) int { return len(r.Events(k)) }

// NewCore returns a Core over the shared composer with in-memory state,
// the test communities, rec (which may be nil) and a rate limit tests do
// not reach; edit changes the config before the Core is made.
func NewCore(tb testing.TB, rec bot.Recorder, edit ...func(*bot.Config)) (*bot.Core, *state.Memory) {
	tb.Helper()
	mem := state.NewMemory(state.Options{})
	cfg := bot.Config{
		Answerer: Composer(tb), Base: Base(tb), Communities: Communities,
		Sessions: mem, Mediations: mem, Recorder: rec, Key: Key, Rate: 1000, Burst: 1000,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := bot.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c, mem
}
