package telegram_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/bot/telegram"
	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/prometheus/client_golang/prometheus"
)

// harness is lawbot polling a fake Bot API, counting into a real bolt
// statistics store.
type harness struct {
	t       *testing.T
	api     *telegramtest.Server
	bot     *telegram.Bot
	stats   *boltstore.Store
	inbox   *state.Bolt
	mem     *state.Memory
	core    *bot.Core
	reg     *prometheus.Registry
	logs    *syncBuffer
	stop    context.CancelFunc
	stopped chan error
	final   *stats.Report // the counts when the harness was shut down
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type setup struct {
	edit    func(*bot.Config)
	options []telegram.Option
	api     *telegramtest.Server // reuse (a restart)
	dir     string               // reuse the data of an earlier run
	webhook bool                 // do not poll
}

func start(t *testing.T, s setup) *harness {
	t.Helper()
	h := &harness{t: t, api: s.api, reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	if h.api == nil {
		h.api = telegramtest.NewServer()
		t.Cleanup(h.api.Close)
	}
	dir := s.dir
	if dir == "" {
		dir = t.TempDir()
	}
	var err error
	h.stats, err = boltstore.Open(dir, boltstore.Options{Config: stats.Config{
		Communities: bottest.CommunityNames(), ResidentKey: bottest.ResidentKey,
	}})
	if err != nil {
		t.Fatal(err)
	}
	metrics := bot.NewMetrics(h.reg)
	core, mem := bottest.NewCore(t, h.stats, func(cfg *bot.Config) {
		cfg.Metrics = metrics
		if s.edit != nil {
			s.edit(cfg)
		}
	})
	h.mem, h.core = mem, core
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := []telegram.Option{
		telegram.WithServerURL(h.api.URL()), telegram.WithPollTimeout(time.Second),
		telegram.WithMetrics(metrics), telegram.WithLogger(log), telegram.WithGrace(5 * time.Second),
	}
	if s.webhook {
		opts = append(opts, telegram.WithJournal(state.NewMemory(state.Options{})))
	} else {
		h.inbox, err = state.OpenBolt(dir, state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, telegram.WithInbox(h.inbox))
	}
	h.bot, err = telegram.New(context.Background(), telegramtest.Token, core, append(opts, s.options...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.stopped = cancel, make(chan error, 1)
	if s.webhook {
		h.stopped <- nil
	} else {
		go func() { h.stopped <- h.bot.Poll(ctx) }()
	}
	t.Cleanup(func() { h.shutdown() })
	return h
}

// shutdown stops polling (letting in-flight updates finish) and closes the
// stores; it may be called more than once.
func (h *harness) shutdown() {
	if h.stop == nil {
		return
	}
	h.stop()
	if err := <-h.stopped; err != nil {
		h.t.Errorf("Poll: %v", err)
	}
	h.stop = nil
	h.core.Wait()
	if h.inbox != nil {
		h.inbox.Close()
	}
	rep := h.report()
	h.final = &rep
	h.stats.Close()
	for _, secret := range []string{telegramtest.Token, "123456:TEST"} {
		if strings.Contains(h.logs.String(), secret) {
			h.t.Errorf("the log contains the bot token:\n%s", h.logs.String())
		}
	}
}

// wait waits up to 10 s for cond.
func (h *harness) wait(what string, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !h.api.Wait(ctx, cond) {
		h.t.Fatalf("timed out waiting for %s; sent: %+v", what, h.api.Sent())
	}
}

// waitSentTo waits until chat got at least n messages and returns them.
func (h *harness) waitSentTo(chat int64, n int) []telegramtest.Sent {
	h.t.Helper()
	h.wait("messages", func() bool { return len(h.api.SentTo(chat)) >= n })
	return h.api.SentTo(chat)
}

// waitDone waits until every update pushed was handled: confirmed by the
// next getUpdates and out of the inbox.
func (h *harness) waitDone() {
	h.t.Helper()
	h.wait("updates handled", func() bool {
		pending, err := h.inbox.Pending(context.Background())
		return err == nil && len(pending) == 0 && h.api.Unconfirmed() == 0
	})
}

func (h *harness) report() stats.Report {
	h.t.Helper()
	now := time.Now()
	rep, err := h.stats.Query(context.Background(), stats.Query{From: now.Add(-24 * time.Hour), To: now.Add(24 * time.Hour)})
	if err != nil {
		h.t.Fatal(err)
	}
	return rep
}

// count returns the events of kind k counted, now or at shutdown.
func (h *harness) count(k stats.Kind) int64 {
	h.t.Helper()
	if h.final != nil {
		return h.final.Total.Events(k)
	}
	return h.report().Total.Events(k)
}

// metric returns the value of a counter with the given labels.
func (h *harness) metric(name string, labels map[string]string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func button(t *testing.T, m telegramtest.Sent, label string) string {
	t.Helper()
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q on message %q (%+v)", label, m.Text, m.Keyboard)
	return ""
}

func last(ms []telegramtest.Sent) telegramtest.Sent { return ms[len(ms)-1] }

// answers returns the messages that are answers (they carry the rating).
func answers(ms []telegramtest.Sent) []telegramtest.Sent {
	var out []telegramtest.Sent
	for _, m := range ms {
		for _, row := range m.Keyboard {
			if len(row) > 0 && strings.Contains(row[0].Text, "有帮助") {
				out = append(out, m)
			}
		}
	}
	return out
}
