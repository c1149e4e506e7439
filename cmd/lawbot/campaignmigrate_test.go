package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/internal/redistest"
)

// TestCampaignMigrate runs `lawbot campaign migrate`: a data directory's
// campaign file goes into Redis, which then serves it; a second migrate
// and one back into a directory holding campaigns are refused and change
// nothing; -back fills a new directory with the same; a directory without
// campaign.db, and a missing LAWBOT_REDIS_URL, are clear errors that
// create no file.
func TestCampaignMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := redistest.URL(t)
	rdb := redistest.Client(t, url)
	prefix := redistest.Prefix(t, rdb)
	data := t.TempDir()
	file := filepath.Join(data, campaign.FileName)
	fillCampaignFile(t, data)

	lawbotEnv := func(vars map[string]string, args ...string) (int, string, string) {
		var out, errb lockedBuffer
		code := run(ctx, &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}, args)
		return code, out.String(), errb.String()
	}
	inRedis := map[string]string{"LAWBOT_REDIS_URL": url, "LAWBOT_REDIS_PREFIX": prefix}
	const (
		counts     = "订阅居民 4 人，推送 2 条（其中发送记录 1 条），角色 1 个，授权记录 1 条，答题 1 次，报名 1 人次，签到 1 人次，主题修改 1 条。"
		statusLine = "推送 1：已完成，共 4 人，已送达 4，已退订 0，待发送 0"
	)

	code, out, errs := lawbotEnv(inRedis, "campaign", "migrate", "-data", data)
	if want := "已从 " + file + " 迁移到 Redis：" + counts; code != 0 || strings.TrimSpace(out) != want || errs != "" {
		t.Fatalf("campaign migrate = %d %q %q, want %q", code, out, errs, want)
	}
	code, out, errs = lawbotEnv(inRedis, "campaign", "status", "-data", t.TempDir())
	if code != 0 || strings.TrimSpace(out) != statusLine {
		t.Errorf("campaign status from Redis = %d %q %q, want %q", code, out, errs, statusLine)
	}
	rs, err := campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	checkMigrated(t, "Redis", rs)
	svc, err := campaign.New(rs, campaign.Config{Admins: []int64{1}, Key: migrateKey, Community: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	if !svc.Can(campaign.User{ID: 3, Chat: 3, Private: true}, campaign.ActCreate) {
		t.Error("volunteer 3 may not create campaigns on Redis")
	}
	if th := svc.Calendar().Theme("anti-fraud"); th == nil || th.Title != "反诈宣传月·社区专场" {
		t.Errorf("theme anti-fraud on Redis = %+v, want the edit", th)
	}

	// Again: Redis holds campaigns now.
	code, out, errs = lawbotEnv(inRedis, "campaign", "migrate", "-data", data)
	if code != 1 || out != "" || !strings.Contains(errs, "Redis 中已有推送数据，未迁移") {
		t.Errorf("second campaign migrate = %d %q %q, want refused: Redis holds campaigns", code, out, errs)
	}
	checkMigrated(t, "Redis after the refused migrate", rs)

	// Back into a new directory, and into one holding campaigns.
	back := filepath.Join(t.TempDir(), "back")
	code, out, errs = lawbotEnv(inRedis, "campaign", "migrate", "-data", back, "-back")
	if want := "已从 Redis 迁移到 " + filepath.Join(back, campaign.FileName) + "：" + counts; code != 0 || strings.TrimSpace(out) != want || errs != "" {
		t.Fatalf("campaign migrate -back = %d %q %q, want %q", code, out, errs, want)
	}
	code, out, errs = lawbotEnv(nil, "campaign", "status", "-data", back)
	if code != 0 || strings.TrimSpace(out) != statusLine {
		t.Errorf("campaign status of the file migrated back = %d %q %q, want %q", code, out, errs, statusLine)
	}
	code, out, errs = lawbotEnv(inRedis, "campaign", "migrate", "-data", data, "-back")
	if code != 1 || out != "" || !strings.Contains(errs, file+" 中已有推送数据，未迁移；请换一个空的数据目录") {
		t.Errorf("campaign migrate -back into a directory with campaigns = %d %q %q, want refused", code, out, errs)
	}
	for _, dir := range []string{back, data} {
		bs, err := campaign.Open(dir, campaign.StoreOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		checkMigrated(t, dir, bs)
		bs.Close()
	}

	// Nothing to migrate, or nowhere to: errors, and no file made.
	empty := t.TempDir()
	for _, tt := range []struct {
		name     string
		vars     map[string]string
		args     []string
		code     int
		contains []string
	}{
		{"no campaign.db", map[string]string{"LAWBOT_REDIS_URL": url, "LAWBOT_REDIS_PREFIX": prefix + "-other"}, []string{"-data", empty}, 1,
			[]string{empty + " 中没有推送数据（campaign.db），无需迁移"}},
		{"no LAWBOT_REDIS_URL", nil, []string{"-data", data}, 2, []string{"LAWBOT_REDIS_URL=redis://", "lawbot campaign migrate"}},
		{"no LAWBOT_REDIS_URL, back", map[string]string{"LAWBOT_REDIS_PREFIX": prefix}, []string{"-data", empty, "-back"}, 2,
			[]string{"LAWBOT_REDIS_URL=redis://", "lawbot campaign migrate"}},
		{"extra argument", inRedis, []string{"-data", empty, "1"}, 2, []string{"用法"}},
		{"back from an empty prefix", map[string]string{"LAWBOT_REDIS_URL": url, "LAWBOT_REDIS_PREFIX": prefix + "-other"}, []string{"-data", empty, "-back"}, 1,
			[]string{"Redis（键名前缀 " + prefix + "-other）中没有推送数据，无需迁移"}},
		{"back from a Redis not running", map[string]string{"LAWBOT_REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"-data", empty, "-back"}, 1,
			[]string{"无法连接 Redis", "请检查 LAWBOT_REDIS_URL"}},
	} {
		code, out, errs := lawbotEnv(tt.vars, append([]string{"campaign", "migrate"}, tt.args...)...)
		if code != tt.code || out != "" {
			t.Errorf("%s: campaign migrate = %d %q %q, want exit code %d and no output", tt.name, code, out, errs, tt.code)
		}
		for _, s := range tt.contains {
			if !strings.Contains(errs, s) {
				t.Errorf("%s: campaign migrate said %q, want %q in it", tt.name, errs, s)
			}
		}
		if _, err := os.Stat(filepath.Join(empty, campaign.FileName)); err == nil {
			t.Fatalf("%s: campaign migrate made %s", tt.name, filepath.Join(empty, campaign.FileName))
		}
	}
	if n, err := rdb.Exists(ctx, "{"+prefix+"-other:campaign}:subs", "{"+prefix+"-other:campaign}:cseq").Result(); err != nil || n != 0 {
		t.Errorf("migrate without campaign.db wrote to Redis: %d keys, %v", n, err)
	}
	checkMigrated(t, "Redis at the end", rs)
}

var migrateKey = []byte("0123456789abcdef-migrate-test")

// fillCampaignFile makes a campaign file in data as serve would, and
// closes it: 4 subscribers, a group among them; campaign 1 sent to them;
// campaign 2, a draft with a quiz and an event, answered, signed up for
// and checked in at by resident 12; volunteer 3 granted; a theme edited.
func fillCampaignFile(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	bs, err := campaign.Open(data, campaign.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	broadcastTo(t, bs, &campaign.Campaign{Title: "宪法宣传周", Message: "m", Community: "hq"}, 11, 12, 13, -100200300)
	svc, err := campaign.New(bs, campaign.Config{Admins: []int64{1}, Staff: []int64{2}, Key: migrateKey, Community: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Roles().Grant(1, 3, campaign.RoleVolunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Create(ctx, campaign.User{ID: 3, Chat: 3, Private: true}, campaign.Campaign{
		Title: "消费者权益日", Message: "网购七日无理由退货。",
		Quiz:  []campaign.Question{{Text: "网购商品一般享有几日无理由退货？", Options: []string{"3日", "7日"}, Answer: 1, Explain: "见消费者权益保护法。"}},
		Event: &campaign.Event{Place: "社区活动中心", Time: time.Now().Add(72 * time.Hour), Capacity: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	resident := campaign.User{ID: 12, Chat: 12, Private: true}
	m, err := svc.Compose(c, resident.Chat)
	if err != nil {
		t.Fatal(err)
	}
	for i, label := range []string{"1B", "我要报名"} {
		var data string
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.Text == label {
					data = b.Data
				}
			}
		}
		if _, err := svc.Press(ctx, resident, "cb-"+string(rune('a'+i)), data); err != nil {
			t.Fatalf("press %s: %v", label, err)
		}
	}
	if _, err := svc.CheckIn(ctx, resident, "ev_"+c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EditCalendar(ctx, campaign.User{ID: 2, Chat: 2, Private: true}, campaign.Theme{
		Key: "anti-fraud", Month: 9, Title: "反诈宣传月·社区专场", Message: "陌生来电要核实，验证码不告诉任何人。"}); err != nil {
		t.Fatal(err)
	}
}

// checkMigrated checks s holds what fillCampaignFile made.
func checkMigrated(t *testing.T, name string, s campaign.Store) {
	t.Helper()
	ctx := context.Background()
	n, err1 := s.Subscribers(ctx)
	group, err2 := s.Subscribed(ctx, -100200300)
	cs, err3 := s.List(ctx)
	signups, err4 := s.Signups(ctx, "2")
	checkins, err5 := s.CheckIns(ctx, "2")
	ps, err6 := s.Progress(ctx)
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if n != 4 || !group || signups != 1 || checkins != 1 {
		t.Errorf("%s: %d subscribers (group %v), %d sign-ups, %d check-ins; want 4 (the group too), 1, 1", name, n, group, signups, checkins)
	}
	if len(cs) != 2 || cs[0].Status != campaign.StatusSent || cs[1].Title != "消费者权益日" || cs[1].Status != campaign.StatusDraft || cs[1].Event == nil {
		t.Errorf("%s: campaigns %+v, want 1 sent and draft 2 with its event", name, cs)
	}
	if len(ps) != 1 || ps[0].Campaign != "1" || ps[0].State != campaign.BroadcastDone || ps[0].Sent != 4 {
		t.Errorf("%s: broadcasts %+v, want 1 done", name, ps)
	}
}
