package chat_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
)

// inbox keeps the last message the broadcaster sent each chat.
type inbox struct {
	mu   sync.Mutex
	last map[int64]campaign.Message
}

func (b *inbox) Send(_ context.Context, chat int64, m campaign.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last[chat] = m
	return nil
}

func (b *inbox) button(t *testing.T, chat int64, label string) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, row := range b.last[chat].Buttons {
		for _, btn := range row {
			if btn.Text == label {
				return btn.Data
			}
		}
	}
	t.Fatalf("chat %d has no button %q", chat, label)
	return ""
}

// TestCountsThroughBot broadcasts a campaign with a quiz and an event to
// simulated residents who subscribe through the bot and press its buttons
// through the bot: some twice, some redelivered by Telegram, some copied
// into another chat or a group. The statistics count exactly what they did.
func TestCountsThroughBot(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		ctx := context.Background()
		const residents, capacity = 60, 25
		for u := int64(1000); u < 1000+residents; u++ {
			if got := all(e.say(u, private, "/subscribe")); !strings.Contains(got, "订阅成功") {
				t.Fatalf("/subscribe = %q", got)
			}
		}
		c, err := e.svc.Create(ctx, campaign.User{ID: volunteer, Chat: volunteer, Private: true}, campaign.Campaign{
			Title: "3·15 消费者权益日", Message: "网购七日无理由退货。",
			Quiz: []campaign.Question{
				{Text: "网购几日无理由退货？", Options: []string{"3日", "7日", "15日"}, Answer: 1},
				{Text: "欺诈赔偿最低多少元？", Options: []string{"100元", "500元"}, Answer: 1},
			},
			Event: &campaign.Event{Place: "社区活动中心", Time: time.Now().Add(72 * time.Hour), Capacity: capacity},
		})
		if err != nil {
			t.Fatal(err)
		}
		box := &inbox{last: map[int64]campaign.Message{}}
		bc := campaign.NewBroadcaster(e.store, box, campaign.BroadcastOptions{Rate: 10_000, Compose: e.svc.Compose, Recorder: e.stats})
		if _, err := bc.Run(ctx, c.ID); err != nil {
			t.Fatal(err)
		}

		rng := rand.New(rand.NewPCG(3, 15))
		var answers, correct, signups, reads, checkins int
		cb := 0
		press := func(u int64, label string) {
			cb++
			m := bot.Message{ID: fmt.Sprintf("tg:cb:%d", cb), Data: box.button(t, u, label), Ref: "1"}
			e.handle(m, u, private)
			if rng.IntN(4) == 0 { // redelivered by Telegram
				e.handle(m, u, private)
			}
			if rng.IntN(10) == 0 { // copied into another resident's chat, or a group
				if got := all(e.press(u+1, private, m.Data)); !strings.Contains(got, textForgedBtn) {
					t.Errorf("copied button = %q", got)
				}
				if got := all(e.press(u, supergroup, m.Data)); !strings.Contains(got, textForgedBtn) {
					t.Errorf("button in a group = %q", got)
				}
			}
		}
		for u := int64(1000); u < 1000+residents; u++ {
			for q, opts := range []int{3, 2} {
				if rng.IntN(4) == 0 {
					continue
				}
				opt := rng.IntN(opts)
				press(u, fmt.Sprintf("%d%c", q+1, 'A'+opt))
				answers++
				if opt == 1 {
					correct++
				}
				if rng.IntN(4) == 0 { // changes their mind: not counted
					press(u, fmt.Sprintf("%d%c", q+1, 'A'+(opt+1)%opts))
				}
			}
			if rng.IntN(2) == 0 {
				press(u, "我要报名")
				if signups < capacity {
					signups++
				}
				if rng.IntN(3) == 0 {
					press(u, "我要报名")
				}
			}
			if rng.IntN(2) == 0 {
				press(u, "已阅")
				reads++
			}
			if rng.IntN(3) == 0 {
				e.say(u, private, "/start ev_"+c.ID)
				checkins++
				if got := all(e.say(u, private, "/start ev_"+c.ID)); !strings.Contains(got, "您已签到") { // scanned twice
					t.Errorf("second check-in = %q", got)
				}
			}
		}
		got := e.counts()
		storedSignups, err := e.store.Signups(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		storedCheckIns, err := e.store.CheckIns(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ck := range []struct {
			name      string
			got, want int64
		}{
			{"deliveries", got.EventsBy(stats.KindCampaignDelivery, stats.DimCampaign)[c.ID], residents},
			{"quiz answers", got.EventsBy(stats.KindQuizAnswer, stats.DimCampaign)[c.ID], int64(answers)},
			{"correct answers", got.EventsBy(stats.KindQuizAnswer, stats.DimResult)["correct"], int64(correct)},
			{"sign-ups", got.EventsBy(stats.KindSignup, stats.DimCampaign)[c.ID], int64(signups)},
			{"stored sign-ups", int64(storedSignups), int64(signups)},
			{"reads", got.EventsBy(stats.KindCampaignRead, stats.DimCampaign)[c.ID], int64(reads)},
			{"check-ins", got.EventsBy(stats.KindCheckIn, stats.DimCampaign)[c.ID], int64(checkins)},
			{"stored check-ins", int64(storedCheckIns), int64(checkins)},
		} {
			if ck.got != ck.want {
				t.Errorf("%s = %d, want %d", ck.name, ck.got, ck.want)
			}
		}
		if signups != capacity {
			t.Errorf("%d sign-ups: the simulation should fill the %d places", signups, capacity)
		}
	})
}
