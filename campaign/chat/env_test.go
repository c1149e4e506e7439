package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/campaign/chat"
	"github.com/lawbot/lawbot/internal/redistest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
)

// The users of an env, one of each role.
const (
	admin     = int64(1)
	staff     = int64(2)
	volunteer = int64(3)
	resident  = int64(4)
)

var roleOf = map[int64]campaign.Role{admin: campaign.RoleAdmin, staff: campaign.RoleStaff, volunteer: campaign.RoleVolunteer, resident: campaign.RoleResident}

// Texts of refusals.
const (
	textForbidden  = "抱歉，您没有权限执行此操作。"
	textPrivate    = "请在与本机器人的私聊中使用此功能。"
	textCorePriv   = "这个功能涉及个人信息，请私聊我使用。"
	textStaffOnly  = "这个命令只对街道工作人员开放。"
	textForgedBtn  = "这个按钮已失效"
	textBadButton  = "该按钮已失效"
	textFormStale  = "这个按钮已过期"
	username       = "lawbot_test_bot"
	campaignKeyStr = "0123456789abcdef-chat-test-key"
)

// chatType is where a message is typed.
type chatType string

const (
	private    chatType = "private"
	group      chatType = "group"
	supergroup chatType = "supergroup"
)

var chatTypes = []chatType{private, group, supergroup}

// storeKinds are the campaign stores the tests run on: the file of a
// single server, and Redis, shared by replicas.
var storeKinds = []string{"bolt", "redis"}

// onStores runs f in parallel subtests, one per store kind.
func onStores(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, kind)
		})
	}
}

// openStore opens an empty campaign store of kind: a file in a temporary
// directory, or keys under a prefix of their own in redistest's Redis
// (LAWBOT_TEST_REDIS_URL when set, else a miniredis for this test). The
// Redis keys are deleted when the test ends.
func openStore(t *testing.T, kind string) campaign.Store {
	t.Helper()
	switch kind {
	case "bolt":
		s, err := campaign.Open(t.TempDir(), campaign.StoreOptions{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	case "redis":
		rdb := redistest.Client(t, redistest.URL(t))
		s, err := campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: redistest.Prefix(t, rdb)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Fatalf("no store kind %q", kind)
	return nil
}

// env is the chat bot with campaigns: the core, the hooks, the campaign
// service on a campaign store of a kind, counting into a real bolt
// statistics store. It holds a draft campaign (1) with a quiz and an
// event, by the volunteer, and a logged lecture (activity 1).
type env struct {
	t     *testing.T
	store campaign.Store
	stats *boltstore.Store
	svc   *campaign.Service
	hooks *chat.Hooks
	core  *bot.Core
	mem   *state.Memory
	seq   atomic.Int64
	draft *campaign.Campaign
}

func newEnv(t *testing.T, kind string) *env {
	t.Helper()
	e := &env{t: t}
	var err error
	e.stats, err = boltstore.Open(t.TempDir(), boltstore.Options{Config: stats.Config{
		Communities: bottest.CommunityNames(), ResidentKey: bottest.ResidentKey,
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.store = openStore(t, kind)
	e.hooks = chat.New(nil)
	e.svc, err = campaign.New(e.store, campaign.Config{
		Admins: []int64{admin}, Key: []byte(campaignKeyStr), Community: bot.NoCommunity,
		Recorder: e.stats, Activities: e.stats, Button: e.hooks.Button,
		Username: func(context.Context) (string, error) { return username, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.hooks.SetService(e.svc)
	e.core, e.mem = bottest.NewCore(t, e.stats, func(cfg *bot.Config) { cfg.Campaigns = e.hooks; cfg.Roles = e.svc.Roles() })
	e.hooks.SetCore(e.core)
	t.Cleanup(func() {
		e.core.Wait()
		e.stats.Close()
		e.store.Close()
	})
	now := time.Now()
	for id, r := range map[int64]campaign.Role{staff: campaign.RoleStaff, volunteer: campaign.RoleVolunteer} {
		if err := e.svc.Roles().Grant(admin, id, r, now); err != nil {
			t.Fatal(err)
		}
	}
	e.draft, err = e.svc.Create(context.Background(), campaign.User{ID: volunteer, Chat: volunteer, Private: true}, campaign.Campaign{
		Title: "宪法宣传周", Message: "12月4日是国家宪法日。",
		Quiz:  []campaign.Question{{Text: "国家宪法日是哪天？", Options: []string{"12月4日", "3月15日"}, Answer: 0, Explain: "2014年设立。"}},
		Event: &campaign.Event{Place: "社区活动室", Time: now.Add(72 * time.Hour), Capacity: 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.svc.LogActivity(context.Background(), campaign.User{ID: volunteer, Chat: volunteer, Private: true},
		campaign.Activity{ID: "seed", Kind: stats.KindLecture, Count: 30, Date: now.Add(-24 * time.Hour), Place: "老年活动中心"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// chatOf is the chat id a user types in: their own, or a group's.
func chatOf(user int64, ct chatType) (chatID string, isGroup bool) {
	switch ct {
	case group:
		return "tg:-4001", true
	case supergroup:
		return "tg:-1004002", true
	}
	return fmt.Sprintf("tg:%d", user), false
}

// handle hands m to the core, from user in a chat of type ct.
func (e *env) handle(m bot.Message, user int64, ct chatType) bot.Result {
	e.t.Helper()
	if m.ID == "" {
		m.ID = fmt.Sprintf("tg:update:%d", e.seq.Add(1))
	}
	m.Channel, m.Resident = stats.ChannelTelegram, fmt.Sprintf("tg:%d", user)
	m.Chat, m.Group = chatOf(user, ct)
	res, err := e.core.Handle(context.Background(), m)
	if err != nil {
		e.t.Fatalf("Handle(%+v): %v", m, err)
	}
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if len(b.Data) > bot.MaxDataLen {
					e.t.Errorf("button %q data of %d bytes", b.Text, len(b.Data))
				}
			}
		}
	}
	return res
}

// say types text as user in a chat of type ct.
func (e *env) say(user int64, ct chatType, text string) bot.Result {
	e.t.Helper()
	return e.handle(bot.Message{Text: text}, user, ct)
}

// sayID types text with a given message ID (a redelivery repeats it).
func (e *env) sayID(id string, user int64, text string) bot.Result {
	e.t.Helper()
	return e.handle(bot.Message{ID: id, Text: text}, user, private)
}

// press presses a button with data as user in a chat of type ct.
func (e *env) press(user int64, ct chatType, data string) bot.Result {
	e.t.Helper()
	return e.handle(bot.Message{ID: fmt.Sprintf("tg:cb:%d", e.seq.Add(1)), Data: data, Ref: "1"}, user, ct)
}

// all is everything a result shows.
func all(r bot.Result) string {
	var b strings.Builder
	for _, rp := range r.Replies {
		b.WriteString(rp.Text)
		if rp.Answer != nil {
			b.WriteString("[answer]")
		}
		b.WriteString("\n")
	}
	return b.String() + r.Notice
}

// findButton returns the data of the button whose label starts with label.
func findButton(t *testing.T, r bot.Result, label string) string {
	t.Helper()
	for _, rp := range r.Replies {
		for _, row := range rp.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, label) {
					return b.Data
				}
			}
		}
	}
	t.Fatalf("no button %q in %s", label, all(r))
	return ""
}

// hookState is user's hook form state.
func (e *env) hookState(user int64) string {
	e.t.Helper()
	s, err := e.mem.Session(context.Background(), fmt.Sprintf("tg:%d", user))
	if err != nil {
		e.t.Fatal(err)
	}
	return s.Hook.State
}

// snapshot is everything a command could change.
func (e *env) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	ctx := context.Background()
	cs, err := e.store.List(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "campaign %s %s %v|", c.ID, c.Status, c.At.Unix())
	}
	as, err := e.stats.Activities(ctx, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range as {
		fmt.Fprintf(&b, "activity %d %d %d|", a.No, a.Current(), len(a.Corrections))
	}
	gs, _ := e.svc.Roles().Grants()
	subs, err := e.store.Subscribers(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	signups, err := e.store.Signups(ctx, e.draft.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "grants %d|subscribers %d|signups %d|", len(gs), subs, signups)
	for _, u := range []int64{admin, staff, volunteer, resident} {
		fmt.Fprintf(&b, "role %d %s|form %d %q|", u, e.svc.Roles().Role(u), u, e.hookState(u))
	}
	return b.String()
}

// get returns campaign id.
func (e *env) get(id string) *campaign.Campaign {
	e.t.Helper()
	c, err := e.store.Get(context.Background(), id)
	if err != nil {
		e.t.Fatalf("Get(%s): %v", id, err)
	}
	return c
}

// counts is the statistics of the last two days and the next one.
func (e *env) counts() stats.Counts {
	e.t.Helper()
	e.core.Wait()
	r, err := e.stats.Query(context.Background(), stats.Query{From: time.Now().Add(-72 * time.Hour), To: time.Now().Add(24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Total
}
