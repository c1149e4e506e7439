package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
)

// TestServeCampaigns runs `lawbot serve` with Telegram against a fake Bot
// API: a resident subscribes, a campaign an admin creates and schedules is
// broadcast to them by the ticker, its button works, `lawbot campaign
// status` reads the progress while serve holds the file, and the resident
// unsubscribes.
func TestServeCampaigns(t *testing.T) {
	api := telegramtest.NewServer()
	defer api.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	const (
		resident = int64(7)
		admin    = int64(900)
		staff    = int64(4711)
	)

	fs, f := newServeFlags(io.Discard)
	c, sc, s := &f.c, &f.sc, &f.s
	err := fs.Parse([]string{"-addr", "127.0.0.1:0", "-data", data,
		"-resident-key", filepath.Join(dir, "keys", "resident.key"), "-button-key", filepath.Join(dir, "keys", "button.key"),
		"-communities", "桃园社区,李园社区", "-staff", "4711", "-campaign-admins", "900"})
	if err != nil {
		t.Fatal(err)
	}
	s.token, s.apiURL = telegramtest.Token, api.URL()
	s.campaign.tick = 50 * time.Millisecond
	ready := make(chan *campaigns, 1)
	s.campaign.ready = func(cw *campaigns) { ready <- cw }

	var stdout, stderr lockedBuffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	log, err := newLogger(&stderr, "debug", "text")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, e, log, c, sc, s) }()
	var cw *campaigns
	select {
	case cw = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for the campaigns")
	}
	if cw.bc == nil {
		t.Fatal("no broadcaster with Telegram on")
	}
	for id, want := range map[int64]campaign.Role{admin: campaign.RoleAdmin, staff: campaign.RoleStaff, resident: campaign.RoleResident} {
		if got := cw.svc.Roles().Role(id); got != want {
			t.Errorf("Role(%d) = %s, want %s", id, got, want)
		}
	}

	// /subscribe is confirmed and stored.
	bg := context.Background()
	api.Push(telegramtest.Text(resident, "/subscribe"))
	wait(t, "the subscription", func() bool { return len(api.SentTo(resident)) > 0 })
	if got := api.SentTo(resident)[0].Text; !strings.Contains(got, "订阅成功") {
		t.Errorf("/subscribe answered %q, want 订阅成功", got)
	}
	if ok, err := cw.store.Subscribed(bg, resident); !ok || err != nil {
		t.Errorf("Subscribed(%d) = %v, %v: subscriber not stored", resident, ok, err)
	}

	// A campaign scheduled now is broadcast by the ticker.
	as := campaign.User{ID: admin, Chat: admin, Private: true}
	camp, err := cw.svc.Create(bg, as, campaign.Campaign{Title: "3·15 消费者权益日", Message: "网购七日无理由退货。"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := cw.svc.Schedule(bg, as, camp.ID, time.Time{}); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	wait(t, "the broadcast", func() bool { return len(api.SentTo(resident)) > 1 })
	msg := api.SentTo(resident)[1]
	if !strings.Contains(msg.Text, "3·15 消费者权益日") || msg.ParseMode != "HTML" || len(msg.Keyboard) == 0 {
		t.Fatalf("broadcast = %+v", msg)
	}
	wait(t, "the broadcast to be done", func() bool {
		ps, err := cw.store.Progress(bg, camp.ID)
		return err == nil && len(ps) == 1 && ps[0].State == campaign.BroadcastDone
	})

	// Its button comes back through the bot to the campaign service.
	read := msg.Keyboard[len(msg.Keyboard)-1][0]
	api.Push(telegramtest.Press(resident, resident, msg.MessageID, read.Data))
	wait(t, "the button's answer", func() bool {
		for _, cb := range api.Callbacks() {
			if strings.Contains(cb.Text, "感谢阅读") {
				return true
			}
		}
		return false
	})

	// `lawbot campaign status` reads the snapshot serve wrote.
	if _, err := os.Stat(filepath.Join(data, campaign.SnapshotName(camp.ID))); err != nil {
		t.Errorf("status snapshot: %v", err)
	}
	var out, errb lockedBuffer
	if code := run(bg, &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }},
		[]string{"campaign", "status", "-data", data}); code != 0 || !strings.Contains(out.String(), "已完成") {
		t.Errorf("campaign status = %d %q %q, want 已完成", code, out.String(), errb.String())
	}

	// Volunteers' and staff's commands are wired: activities are counted
	// and listed from the statistics store, the poster's link names the bot
	// as getMe reports it.
	api.Push(telegramtest.Text(admin, "/log 传单 300 菜市场门口"))
	wait(t, "the activity logged", func() bool { return len(api.SentTo(admin)) > 0 })
	if got := api.SentTo(admin)[0].Text; !strings.Contains(got, "已登记：传单") {
		t.Errorf("/log answered %q", got)
	}
	api.Push(telegramtest.Text(staff, "/activities"))
	wait(t, "the activities", func() bool { return len(api.SentTo(staff)) > 0 })
	if got := api.SentTo(staff)[0].Text; !strings.Contains(got, "#1 ") || !strings.Contains(got, "菜市场门口 300份") {
		t.Errorf("/activities answered %q", got)
	}
	ev, err := cw.svc.Create(bg, as, campaign.Campaign{Title: "宪法宣传周", Message: "讲座",
		Event: &campaign.Event{Place: "社区活动室", Time: time.Now().Add(48 * time.Hour), Capacity: 30}})
	if err != nil {
		t.Fatal(err)
	}
	api.Push(telegramtest.Text(admin, "/poster "+ev.ID))
	wait(t, "the poster", func() bool { return len(api.SentTo(admin)) > 2 })
	if doc := api.SentTo(admin)[1]; doc.Document == nil || !strings.Contains(doc.Text, "t.me/"+telegramtest.Username+"?start=ev_"+ev.ID) {
		t.Errorf("/poster sent %+v", doc)
	}

	// A broadcast Telegram refuses halts, and the admin who wrote it is
	// told in chat.
	api.Fail("sendMessage", telegramtest.Fault{Code: 400, ChatID: resident, Description: "Bad Request: can't parse entities"})
	bad, err := cw.svc.Create(bg, as, campaign.Campaign{Title: "出错的推送", Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cw.svc.Schedule(bg, as, bad.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// (The fake Bot API leaves the numeric entity of ' as it is.)
	alert := "推送 " + bad.ID + "《出错的推送》已暂停：Telegram 拒绝了这条消息（Bad Request: can&#39;t parse entities）"
	wait(t, "the halt alert", func() bool {
		for _, m := range api.SentTo(admin) {
			if strings.Contains(m.Text, alert) && strings.Contains(m.Text, "/resume "+bad.ID) {
				return true
			}
		}
		return false
	})
	if ps, err := cw.store.Progress(bg, bad.ID); err != nil || ps[0].State != campaign.BroadcastHalted {
		t.Errorf("Progress(%s) = %+v, %v, want halted", bad.ID, ps, err)
	}

	// /unsubscribe forgets the chat.
	api.Push(telegramtest.Text(resident, "/unsubscribe"))
	wait(t, "the unsubscription", func() bool { return len(api.SentTo(resident)) > 2 })
	if got := api.SentTo(resident)[2].Text; !strings.Contains(got, "已退订") {
		t.Errorf("/unsubscribe answered %q, want 已退订", got)
	}
	ok, err := cw.store.Subscribed(bg, resident)
	n, err2 := cw.store.Subscribers(bg)
	if ok || n != 0 || err != nil || err2 != nil {
		t.Errorf("after /unsubscribe: Subscribed = %v, %v; Subscribers = %d, %v; want the subscriber gone", ok, err, n, err2)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
	if logs := stderr.String(); strings.Contains(logs, telegramtest.Token) {
		t.Errorf("the log contains the token:\n%s", logs)
	}
}

func TestUserIDs(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []int64
		wantErr bool
	}{
		{"", nil, false},
		{"4711", []int64{4711}, false},
		{" 4711, 4712 ,", []int64{4711, 4712}, false},
		{"4711,abc", []int64{4711}, true},
	} {
		got, err := userIDs(tt.in)
		if (err != nil) != tt.wantErr || len(got) != len(tt.want) {
			t.Errorf("userIDs(%q) = %v, %v, want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("userIDs(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}
