package chat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/campaign/chat"
	"github.com/lawbot/lawbot/stats"
)

func TestMain(m *testing.M) { bottest.Main(m) }

// sender keeps the last message per chat.
type sender struct{ last map[int64]campaign.Message }

func (s *sender) Send(_ context.Context, chat int64, m campaign.Message) error {
	s.last[chat] = m
	return nil
}

// TestHooksThroughBot drives the campaign service through the chat bot:
// subscribe, a broadcast whose buttons come back through the bot, quiz
// answers counted once per press, check-in, and refusals in groups, on
// the web and from copied buttons.
func TestHooksThroughBot(t *testing.T) {
	onStores(t, testHooksThroughBot)
}

func testHooksThroughBot(t *testing.T, kind string) {
	ctx := context.Background()
	rec := bottest.NewRecorder(t)
	store := openStore(t, kind)
	defer store.Close()
	subscribed := func(chat int64) bool {
		t.Helper()
		ok, err := store.Subscribed(ctx, chat)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	hooks := chat.New(nil)
	svc, err := campaign.New(store, campaign.Config{Admins: []int64{1}, Key: []byte("0123456789abcdef-k"), Community: bottest.CommunityNames()[0], Recorder: rec, Button: hooks.Button})
	if err != nil {
		t.Fatal(err)
	}
	hooks.SetService(svc)
	core, _ := bottest.NewCore(t, rec, func(cfg *bot.Config) { cfg.Campaigns = hooks; cfg.Roles = svc.Roles() })
	hooks.SetCore(core)

	seq := 0
	say := func(resident, chatID string, group bool, text, data string) bot.Result {
		t.Helper()
		seq++
		res, err := core.Handle(ctx, bot.Message{ID: fmt.Sprintf("tg:update:%d", seq), Channel: stats.ChannelTelegram,
			Resident: resident, Chat: chatID, Group: group, Text: text, Data: data})
		if err != nil {
			t.Fatalf("Handle(%q, %q): %v", text, data, err)
		}
		return res
	}
	text := func(r bot.Result) string {
		var b strings.Builder
		for _, rp := range r.Replies {
			b.WriteString(rp.Text)
		}
		return b.String() + r.Notice
	}

	if got := text(say("tg:4", "tg:4", false, "/subscribe", "")); !strings.Contains(got, "订阅成功") || !subscribed(4) {
		t.Fatalf("/subscribe = %q, subscribed = %v", got, subscribed(4))
	}
	if got := text(say("tg:6", "tg:-100", true, "/subscribe", "")); !strings.Contains(got, "私聊") || subscribed(-100) {
		t.Errorf("/subscribe in a group = %q", got)
	}
	res, err := core.Handle(ctx, bot.Message{ID: "web:1", Channel: stats.ChannelWeb, Resident: "web:abc", Chat: "web:abc", Text: "/subscribe"})
	if err != nil || !strings.Contains(text(res), "Telegram") {
		t.Errorf("/subscribe on the web = %q, %v", text(res), err)
	}

	// A volunteer's campaign is broadcast; the buttons are the bot's.
	if err := svc.Roles().Grant(1, 3, campaign.RoleVolunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Create(ctx, campaign.User{ID: 3, Chat: 3, Private: true}, campaign.Campaign{
		Title: "宪法日", Message: "学习宪法",
		Quiz:  []campaign.Question{{Text: "国家宪法日是哪天？", Options: []string{"12月4日", "3月15日"}, Answer: 0, Explain: "2014年设立。"}},
		Event: &campaign.Event{Place: "社区会议室", Time: time.Now().Add(24 * time.Hour), Capacity: 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	snd := &sender{last: map[int64]campaign.Message{}}
	b := campaign.NewBroadcaster(store, snd, campaign.BroadcastOptions{Rate: 1000, Compose: svc.Compose, Recorder: rec})
	if _, err := b.Run(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	msg := snd.last[4]
	var answer string
	for _, row := range msg.Buttons {
		for _, bt := range row {
			if bt.Text == "1A" {
				answer = bt.Data
			}
		}
	}
	if answer == "" || len(answer) > 64 {
		t.Fatalf("answer button %q in %+v", answer, msg.Buttons)
	}
	press := func(resident, chatID, id string) string {
		res, err := core.Handle(ctx, bot.Message{ID: id, Channel: stats.ChannelTelegram, Resident: resident, Chat: chatID, Data: answer})
		if err != nil {
			t.Fatal(err)
		}
		return text(res)
	}
	if got := press("tg:4", "tg:4", "tg:update:900"); !strings.Contains(got, "回答正确") {
		t.Errorf("answer = %q", got)
	}
	press("tg:4", "tg:4", "tg:update:900") // redelivered
	press("tg:4", "tg:4", "tg:update:901") // pressed again
	press("tg:5", "tg:5", "tg:update:902") // copied into another chat
	if n := rec.Count(stats.KindQuizAnswer); n != 1 {
		t.Errorf("quiz answers counted = %d, want 1", n)
	}
	if n := rec.Count(stats.KindCampaignDelivery); n != 1 {
		t.Errorf("deliveries counted = %d, want 1", n)
	}
	if got := text(say("tg:4", "tg:4", false, "/campaign", "")); !strings.Contains(got, "宪法日") {
		t.Errorf("/campaign = %q", got)
	}
	if got := text(say("tg:4", "tg:4", false, "/start ev_"+c.ID, "")); !strings.Contains(got, "签到成功") {
		t.Errorf("/start ev_%s = %q", c.ID, got)
	}
	if got := text(say("tg:4", "tg:4", false, "/unsubscribe", "")); !strings.Contains(got, "已退订") || subscribed(4) {
		t.Errorf("/unsubscribe = %q", got)
	}
}
