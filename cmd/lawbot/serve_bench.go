package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/bot/telegram"
	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/redisstore"
)

// benchResult is the last line `lawbot bench chat` prints.
type benchResult struct {
	Updates           int     `json:"updates"`
	Replied           int     `json:"replied"`
	DuplicatesReplied int     `json:"duplicates_replied"`
	Counted           int64   `json:"counted"`
	Lost              int     `json:"lost"`
	MsgsPerSec        float64 `json:"msgs_per_s"`
	P99ms             float64 `json:"p99_ms"`
	Store             string  `json:"store"`
}

// cmdBench runs `lawbot bench chat`: the served conversation under load,
// through a fake Bot API in the same process. 20,000 questions from 5,000
// chats (4 each, at most one a second per chat) plus 5% redelivered
// duplicates; it prints, as its last line, one JSON object with what
// happened to them. Statistics go to an embedded store in a temporary
// directory, or to Redis with -redis (under a key prefix of their own,
// deleted afterwards).
func cmdBench(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 || args[0] != "chat" {
		return usageError("用法: lawbot bench chat [-redis URL] [-chats 5000] [-per-chat 4] [-rate 1100]")
	}
	fs := flag.NewFlagSet("bench chat", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var c config
	c.flags(fs)
	redisURL := fs.String("redis", "", "count into this Redis instead of the embedded store")
	chats := fs.Int("chats", 5000, "simulated chats")
	perChat := fs.Int("per-chat", 4, "questions each chat asks, one a second at most")
	rate := fs.Float64("rate", 1100, "questions offered a second in all")
	dups := fs.Float64("duplicates", 0.05, "share of updates delivered twice")
	workers := fs.Int("workers", 256, "updates handled at once")
	cache := fs.Int("answer-cache", defaultAnswerCache, "answers kept for repeated questions, as serve keeps them; 0 turns the cache off")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load to this file")
	memProfile := fs.String("memprofile", "", "write an allocation profile of the run to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	eng, err := openEngine(ctx, env, &c)
	if err != nil {
		return err
	}
	defer eng.Close()
	if *cache > 0 {
		eng.composer.Cache = answer.NewCache(*cache)
	}
	dir, err := os.MkdirTemp("", "lawbot-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	key := make([]byte, 32)
	rand.Read(key)
	communities := strings.Split(defaultCommunities, ",")
	cfg := stats.Config{Communities: append(communities, bot.NoCommunity), ResidentKey: key}
	var store stats.Store
	kind := "bolt"
	if *redisURL != "" {
		prefix := fmt.Sprintf("lawbot-bench-%d", time.Now().UnixNano())
		store, err = redisstore.Open(ctx, *redisURL, redisstore.Options{Config: cfg, Prefix: prefix, OutboxDir: dir})
		kind = "redis"
		defer dropRedisPrefix(*redisURL, prefix)
	} else {
		store, err = boltstore.Open(dir, boltstore.Options{Config: cfg})
	}
	if err != nil {
		return err
	}
	defer store.Close()
	inbox, err := state.OpenBolt(dir, state.Options{})
	if err != nil {
		return err
	}
	defer inbox.Close()
	var coms []bot.Community
	for _, name := range communities {
		coms = append(coms, bot.Community{Name: name})
	}
	core, err := bot.New(bot.Config{
		Answerer: eng.composer, Base: eng.base, Communities: coms,
		Sessions: inbox, Mediations: inbox, Recorder: store, Key: key,
	})
	if err != nil {
		return err
	}
	api := telegramtest.NewServer()
	defer api.Close()
	tg, err := telegram.New(ctx, telegramtest.Token, core, telegram.WithServerURL(api.URL()),
		telegram.WithInbox(inbox), telegram.WithPollTimeout(time.Second), telegram.WithWorkers(*workers))
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	polled := make(chan error, 1)
	go func() { polled <- tg.Poll(pctx) }()

	fmt.Fprintf(env.stderr, "%d 个会话，每个 %d 个问题，每秒 %.0f 个，%.0f%% 重复投递；统计：%s\n",
		*chats, *perChat, *rate, *dups*100, kind)
	cpu0 := cpuTime()
	res := api.Load(ctx, telegramtest.LoadConfig{
		Chats: *chats, PerChat: *perChat, Rate: *rate, Duplicates: *dups, IsAnswer: isAnswer,
	})
	stop()
	if err := <-polled; err != nil {
		return err
	}
	core.Wait()
	// Events Redis did not take in time wait in the outbox; they count once
	// it is replayed.
	if h, ok := store.(interface{ Health() stats.Health }); ok {
		deadline := time.Now().Add(time.Minute)
		for hl := h.Health(); (hl.Degraded || hl.Pending > 0) && time.Now().Before(deadline); hl = h.Health() {
			time.Sleep(100 * time.Millisecond)
		}
		if hl := h.Health(); hl.Degraded || hl.Pending > 0 {
			fmt.Fprintf(env.stderr, "统计仍在降级状态：%s\n", hl)
		}
	}
	now := time.Now()
	rep, err := store.Query(ctx, stats.Query{From: now.Add(-24 * time.Hour), To: now.Add(24 * time.Hour)})
	if err != nil {
		return err
	}
	out := benchResult{
		Updates: res.Deliveries, Replied: res.Replied, DuplicatesReplied: res.DuplicatesReplied,
		Counted: rep.Total.Events(stats.KindConsultation), Lost: res.Lost, MsgsPerSec: res.MsgsPerSec,
		P99ms: float64(res.P99.Microseconds()) / 1000, Store: kind,
	}
	// CPU time per message is steadier than throughput on a shared
	// machine: it does not depend on what else runs.
	fmt.Fprintf(env.stderr, "CPU %.2f ms per update (the fake Bot API included); p50 %.1f ms\n",
		float64((cpuTime()-cpu0).Microseconds())/1000/float64(max(res.Deliveries, 1)), float64(res.P50.Microseconds())/1000)
	if c := eng.composer.Cache; c != nil {
		hits, misses := c.Stats()
		fmt.Fprintf(env.stderr, "answer cache: %d of %d questions answered from it (%d distinct)\n", hits, hits+misses, c.Len())
	}
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		f.Close()
		if err != nil {
			return err
		}
	}
	line, _ := json.Marshal(out)
	fmt.Fprintln(env.stdout, string(line))
	if out.Lost > 0 || out.DuplicatesReplied > 0 || out.Counted != int64(res.Updates) {
		return errors.New("bench: updates lost, answered twice or miscounted")
	}
	return nil
}

// isAnswer tells answers, which carry the rating buttons, from greetings.
func isAnswer(m telegramtest.Sent) bool {
	return len(m.Keyboard) > 0 && len(m.Keyboard[0]) > 0 && strings.HasPrefix(m.Keyboard[0][0].Data, "r|")
}

// cpuTime is the CPU time the process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func dropRedisPrefix(url, prefix string) {
	rdb, err := redisstore.NewClient(url)
	if err != nil {
		return
	}
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "{"+prefix+"}:*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		rdb.Del(ctx, keys[:n]...)
		keys = keys[n:]
	}
}
