package telegramtest

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Questions are questions residents commonly ask, for load runs.
var Questions = []string{
	"房东不退押金怎么办", "公司拖欠工资怎么办", "邻居装修噪音太大", "离婚后孩子归谁抚养",
	"网购买到假货怎么维权", "被狗咬了谁负责", "借钱不还怎么起诉", "父母的房子怎么继承",
}

// LoadConfig describes a load run: Chats residents each asking PerChat
// questions, at most one a second per chat, offered at Rate updates a
// second in all, with a share of updates delivered twice.
type LoadConfig struct {
	Chats      int           // default 5000
	PerChat    int           // default 4
	Rate       float64       // updates offered a second; default 1100
	Duplicates float64       // share of updates delivered again, default 0.05
	Questions  []string      // asked in turn; required
	Seed       uint64        // for the duplicates' choice and delay
	FirstChat  int64         // chat ids are FirstChat, FirstChat+1, ...; default 10_000_000
	Drain      time.Duration // lost: no answer came for this long; default 10s
	// IsAnswer tells an answer from other messages (greetings, notices);
	// only answers are matched with questions. Nil counts every message.
	IsAnswer func(Sent) bool
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Updates           int           // distinct updates pushed
	Deliveries        int           // updates delivered, duplicates included
	Replied           int           // updates answered at least once
	DuplicatesReplied int           // answers beyond one per update
	Lost              int           // updates never answered
	Elapsed           time.Duration // from the first push to the last answer
	MsgsPerSec        float64       // Replied / Elapsed
	P50, P99          time.Duration // from pushing an update to its answer
}

// Load runs a load against whatever polls s, and returns when every
// update was answered or the drain time after the last push is over. It
// sets s's OnSend.
func (s *Server) Load(ctx context.Context, cfg LoadConfig) LoadResult {
	if cfg.Chats <= 0 {
		cfg.Chats = 5000
	}
	if cfg.PerChat <= 0 {
		cfg.PerChat = 4
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 1100
	}
	if cfg.Duplicates < 0 {
		cfg.Duplicates = 0
	}
	if cfg.FirstChat == 0 {
		cfg.FirstChat = 10_000_000
	}
	if len(cfg.Questions) == 0 {
		cfg.Questions = Questions
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 10 * time.Second
	}
	// Chat c asks its k-th question at slot k*Chats+c: consecutive
	// questions of a chat are Chats/Rate seconds apart.
	if min := float64(cfg.Chats) / cfg.Rate; min < 1 {
		cfg.Rate = float64(cfg.Chats) // keep to one a second per chat
	}

	var mu sync.Mutex
	asked := make(map[int64][]time.Time, cfg.Chats) // per chat, push times of questions not yet answered
	answered := make(map[int64]int, cfg.Chats)
	var latencies []time.Duration
	var lastAnswer time.Time
	total := cfg.Chats * cfg.PerChat
	done := make(chan struct{})
	replied := 0
	s.OnSend(func(m Sent) {
		if cfg.IsAnswer != nil && !cfg.IsAnswer(m) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		answered[m.ChatID]++
		if q := asked[m.ChatID]; len(q) > 0 {
			latencies = append(latencies, m.At.Sub(q[0]))
			asked[m.ChatID] = q[1:]
			replied++
			lastAnswer = m.At
			if replied == total {
				close(done)
			}
		}
	})
	defer s.OnSend(nil)

	r := rand.New(rand.NewPCG(cfg.Seed, 7))
	type redelivery struct {
		at time.Time
		u  models.Update
	}
	var again []redelivery
	start := time.Now()
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	res := LoadResult{Updates: total}
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return res
			case <-time.After(d):
			}
		}
		now := time.Now()
		for len(again) > 0 && !again[0].at.After(now) {
			s.Redeliver(again[0].u)
			res.Deliveries++
			again = again[1:]
		}
		chat := cfg.FirstChat + int64(i%cfg.Chats)
		u := Text(chat, cfg.Questions[(i/cfg.Chats+i)%len(cfg.Questions)])
		mu.Lock()
		asked[chat] = append(asked[chat], time.Now())
		mu.Unlock()
		u.ID = s.Push(u)
		res.Deliveries++
		if r.Float64() < cfg.Duplicates {
			// Delivered again a little later, as after a lost confirmation.
			at := time.Now().Add(time.Duration(200+r.IntN(1800)) * time.Millisecond)
			again = append(again, redelivery{at, u})
			slices.SortFunc(again, func(a, b redelivery) int { return a.at.Compare(b.at) })
		}
	}
	for _, a := range again {
		time.Sleep(time.Until(a.at))
		s.Redeliver(a.u)
		res.Deliveries++
	}
	// Wait for the backlog: until every update is answered, or no answer
	// came for the drain time (the rest is lost).
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-done:
			// Give duplicates a moment to show up if they were to be answered.
			time.Sleep(500 * time.Millisecond)
			break wait
		case <-ctx.Done():
			break wait
		case <-tick.C:
			mu.Lock()
			idle := time.Since(lastAnswer) > cfg.Drain && time.Since(start) > cfg.Drain
			mu.Unlock()
			if idle {
				break wait
			}
		}
	}

	mu.Lock()
	defer mu.Unlock()
	res.Replied = replied
	res.Lost = total - replied
	for _, n := range answered {
		res.DuplicatesReplied += n
	}
	res.DuplicatesReplied -= replied
	res.Elapsed = lastAnswer.Sub(start)
	if res.Elapsed > 0 {
		res.MsgsPerSec = float64(replied) / res.Elapsed.Seconds()
	}
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		res.P50 = latencies[n/2]
		res.P99 = latencies[min(n-1, n*99/100)]
	}
	return res
}
