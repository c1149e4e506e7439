package telegram_test

import (
	"context"
	"encoding/json"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/bot/telegram"
	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/redisstore"
)

// isAnswer tells answers (with the rating buttons) from other messages.
func isAnswer(m telegramtest.Sent) bool {
	return len(m.Keyboard) > 0 && len(m.Keyboard[0]) > 0 && strings.HasPrefix(m.Keyboard[0][0].Data, "r|")
}

// BenchmarkChatLoad pushes 20,000 questions from 5,000 chats (4 each, at
// most one a second per chat) plus 5% redelivered duplicates through the
// fake Bot API into lawbot polling it, and reports throughput, p99
// latency, lost updates and duplicates answered. It counts into a bolt
// store in a temporary directory, or into Redis when
// LAWBOT_BENCH_REDIS_URL is set. Set LAWBOT_BENCH_CHATS to run smaller.
// `lawbot bench chat` is the same load through the command.
//
//	go test -run NONE -bench ChatLoad -benchtime 1x ./bot/telegram
func BenchmarkChatLoad(b *testing.B) {
	chats := 5000
	if v := os.Getenv("LAWBOT_BENCH_CHATS"); v != "" {
		if err := json.Unmarshal([]byte(v), &chats); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		res, counted, kind := runLoad(b, chats)
		b.ReportMetric(res.MsgsPerSec, "msgs/s")
		b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(res.Lost), "lost")
		b.ReportMetric(float64(res.DuplicatesReplied), "dups-replied")
		line, _ := json.Marshal(map[string]any{
			"updates": res.Deliveries, "replied": res.Replied, "duplicates_replied": res.DuplicatesReplied,
			"counted": counted, "lost": res.Lost, "msgs_per_s": res.MsgsPerSec,
			"p99_ms": float64(res.P99.Microseconds()) / 1000, "store": kind,
		})
		b.Log(string(line))
		if res.Lost != 0 || res.DuplicatesReplied != 0 || counted != int64(res.Updates) {
			b.Errorf("lost %d, duplicates replied %d, counted %d of %d", res.Lost, res.DuplicatesReplied, counted, res.Updates)
		}
	}
}

func runLoad(b *testing.B, chats int) (telegramtest.LoadResult, int64, string) {
	dir := b.TempDir()
	cfg := stats.Config{Communities: bottest.CommunityNames(), ResidentKey: bottest.ResidentKey}
	var store interface {
		bot.Recorder
		Query(context.Context, stats.Query) (stats.Report, error)
		Close() error
	}
	kind := "bolt"
	if url := os.Getenv("LAWBOT_BENCH_REDIS_URL"); url != "" {
		s, err := redisstore.Open(context.Background(), url, redisstore.Options{Config: cfg, Prefix: "lawbot-bench-" + time.Now().Format("150405.000"), OutboxDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		store, kind = s, "redis"
	} else {
		s, err := boltstore.Open(dir, boltstore.Options{Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		store = s
	}
	defer store.Close()
	inbox, err := state.OpenBolt(dir, state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer inbox.Close()
	// As `lawbot serve` runs: answers cached, garbage collected seldom.
	composer := *bottest.Composer(b)
	composer.Cache = answer.NewCache(4096)
	defer debug.SetGCPercent(debug.SetGCPercent(1000))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(350 << 20))
	core, err := bot.New(bot.Config{
		Answerer: &composer, Base: bottest.Base(b), Communities: bottest.Communities,
		Sessions: inbox, Mediations: inbox, Recorder: store, Key: bottest.Key,
	})
	if err != nil {
		b.Fatal(err)
	}
	api := telegramtest.NewServer()
	defer api.Close()
	tg, err := telegram.New(context.Background(), telegramtest.Token, core,
		telegram.WithServerURL(api.URL()), telegram.WithInbox(inbox), telegram.WithPollTimeout(time.Second), telegram.WithWorkers(256))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	go func() { polled <- tg.Poll(ctx) }()

	res := api.Load(ctx, telegramtest.LoadConfig{
		Chats: chats, PerChat: 4, Rate: 1100, Duplicates: 0.05, IsAnswer: isAnswer,
	})

	cancel()
	if err := <-polled; err != nil {
		b.Fatal(err)
	}
	core.Wait()
	now := time.Now()
	rep, err := store.Query(context.Background(), stats.Query{From: now.Add(-24 * time.Hour), To: now.Add(24 * time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	return res, rep.Total.Events(stats.KindConsultation), kind
}
