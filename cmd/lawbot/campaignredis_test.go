package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/internal/redistest"
)

// nopSender delivers every message.
type nopSender struct{}

func (nopSender) Send(context.Context, int64, campaign.Message) error { return nil }

// broadcastTo stores c in s, subscribes chats and broadcasts c to them.
func broadcastTo(t *testing.T, s campaign.Store, c *campaign.Campaign, chats ...int64) {
	t.Helper()
	ctx := context.Background()
	if err := s.AddSubscribers(ctx, chats); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	p, err := campaign.NewBroadcaster(s, nopSender{}, campaign.BroadcastOptions{Rate: 1000}).Run(ctx, c.ID)
	if err != nil || p.State != campaign.BroadcastDone {
		t.Fatalf("Run(%s) = %+v, %v", c.ID, p, err)
	}
}

// TestCampaignCommandsReadRedis runs `lawbot campaign status` and `lawbot
// campaign poster` with LAWBOT_REDIS_URL set: they read the campaigns
// serve keeps in Redis under LAWBOT_REDIS_PREFIX, not the data
// directory's campaign file, and fail when Redis cannot be reached.
func TestCampaignCommandsReadRedis(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	rdb := redistest.Client(t, url)
	prefix := redistest.Prefix(t, rdb)
	rs, err := campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	broadcastTo(t, rs, &campaign.Campaign{Title: "宪法宣传周", Message: "m", Community: "c",
		Event: &campaign.Event{Place: "社区活动室", Time: time.Now().Add(48 * time.Hour), Capacity: 30}}, 11, 12, 13)
	// The data directory holds another campaign 1, without an event.
	data := t.TempDir()
	bs, err := campaign.Open(data, campaign.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	broadcastTo(t, bs, &campaign.Campaign{Title: "文件里的推送", Message: "m", Community: "c"}, 21)
	if err := bs.Close(); err != nil {
		t.Fatal(err)
	}

	lawbotEnv := func(vars map[string]string, args ...string) (int, string, string) {
		var out, errb lockedBuffer
		code := run(context.Background(), &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}, args)
		return code, out.String(), errb.String()
	}
	inRedis := map[string]string{"LAWBOT_REDIS_URL": url, "LAWBOT_REDIS_PREFIX": prefix}
	const (
		redisLine = "推送 1：已完成，共 3 人，已送达 3，已退订 0，待发送 0"
		fileLine  = "推送 1：已完成，共 1 人，已送达 1，已退订 0，待发送 0"
		none      = "暂无推送记录。"
	)
	for _, tt := range []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"redis", inRedis, nil, redisLine},
		{"redis, by id", inRedis, []string{"1"}, redisLine},
		{"redis, other prefix", map[string]string{"LAWBOT_REDIS_URL": url, "LAWBOT_REDIS_PREFIX": prefix + "-other"}, nil, none},
		{"file", nil, nil, fileLine},
	} {
		code, out, errs := lawbotEnv(tt.vars, append([]string{"campaign", "status", "-data", data}, tt.args...)...)
		if code != 0 || strings.TrimSpace(out) != tt.want {
			t.Errorf("%s: campaign status = %d %q %q, want %q", tt.name, code, out, errs, tt.want)
		}
	}
	// An unknown campaign is an error, as with the file.
	for name, vars := range map[string]map[string]string{"redis": inRedis, "file": nil} {
		if code, out, errs := lawbotEnv(vars, "campaign", "status", "-data", data, "9"); code != 1 || out != "" || !strings.Contains(errs, "推送 9 没有发送记录") {
			t.Errorf("%s: campaign status 9 = %d %q %q, want campaign 9 not found", name, code, out, errs)
		}
	}
	code, out, errs := lawbotEnv(map[string]string{"LAWBOT_REDIS_URL": "redis://127.0.0.1:1/0"}, "campaign", "status", "-data", data)
	if code != 1 || strings.Contains(out, "推送 1") || errs == "" {
		t.Errorf("campaign status with Redis down = %d %q %q, want an error, not the file's progress", code, out, errs)
	}

	// The poster of Redis's campaign 1, which has an event.
	png := filepath.Join(t.TempDir(), "ev1.png")
	code, out, errs = lawbotEnv(inRedis, "campaign", "poster", "-data", data, "-id", "1", "-bot", "lawbot_test_bot", "-o", png)
	if code != 0 || !strings.Contains(out, "https://t.me/lawbot_test_bot?start=ev_1") {
		t.Fatalf("campaign poster from Redis = %d %q %q", code, out, errs)
	}
	if page, err := os.ReadFile(strings.TrimSuffix(png, ".png") + ".html"); err != nil || !strings.Contains(string(page), "宪法宣传周") {
		t.Errorf("poster from Redis: %v %.200q, want 宪法宣传周", err, page)
	}
	for _, tt := range []struct {
		vars       map[string]string
		id, wantEr string
	}{
		{inRedis, "9", "没有编号为 9 的推送"},
		{nil, "1", "没有线下活动"}, // the file's campaign 1
	} {
		if code, _, errs := lawbotEnv(tt.vars, "campaign", "poster", "-data", data, "-id", tt.id, "-bot", "lawbot_test_bot",
			"-o", filepath.Join(t.TempDir(), "p.png")); code != 1 || !strings.Contains(errs, tt.wantEr) {
			t.Errorf("campaign poster -id %s (redis %v) = %d %q, want %q", tt.id, tt.vars != nil, code, errs, tt.wantEr)
		}
	}
}

// TestRedisClientLogLines: the Redis client's lines reach the server's log
// as structured lines, one in redisLogEvery, saying how many were dropped.
func TestRedisClientLogLines(t *testing.T) {
	var buf lockedBuffer
	l := &slogRedis{log: slog.New(slog.NewTextHandler(&buf, nil))}
	for i := range 50 {
		l.Printf(context.Background(), "redis: dial %d failed", i)
	}
	if got := strings.Count(buf.String(), "\n"); got != 1 || !strings.Contains(buf.String(), `detail="redis: dial 0 failed" lines_since_last=0`) {
		t.Fatalf("50 lines at once logged as %q, want the first only", buf.String())
	}
	l.mu.Lock()
	l.last = l.last.Add(-redisLogEvery)
	l.mu.Unlock()
	l.Printf(context.Background(), "redis: dial %d failed", 50)
	if !strings.Contains(buf.String(), `detail="redis: dial 50 failed" lines_since_last=49`) {
		t.Errorf("after %v: %q, want the next line with 49 dropped", redisLogEvery, buf.String())
	}
}

// TestWarnUnusedCampaignFile: serve on Redis warns about a data directory
// whose campaign.db has subscribers Redis lacks (not migrated), and not
// once Redis has subscribers of its own, nor without a file.
func TestWarnUnusedCampaignFile(t *testing.T) {
	ctx := context.Background()
	url := redistest.URL(t)
	rdb := redistest.Client(t, url)
	shared, err := campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: redistest.Prefix(t, rdb)})
	if err != nil {
		t.Fatal(err)
	}
	warned := func(dir string) bool {
		var buf lockedBuffer
		warnUnusedCampaignFile(ctx, slog.New(slog.NewTextHandler(&buf, nil)), dir, shared)
		return strings.Contains(buf.String(), "lawbot campaign migrate")
	}
	empty := t.TempDir()
	if warned(empty) {
		t.Error("warned about a directory without campaign.db")
	}
	data := t.TempDir()
	file, err := campaign.Open(data, campaign.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := file.AddSubscribers(ctx, []int64{1001, 1002}); err != nil {
		t.Fatal(err)
	}
	file.Close()
	if !warned(data) {
		t.Error("no warning about 2 subscribers in campaign.db while Redis has none")
	}
	if err := shared.AddSubscribers(ctx, []int64{2001}); err != nil {
		t.Fatal(err)
	}
	if warned(data) {
		t.Error("warned although Redis has subscribers (migrated)")
	}
}
