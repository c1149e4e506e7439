package campaign_test

// Tests of Copy: an office's campaign file moved into Redis and back, its
// unfinished broadcasts resuming from the copy.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
)

const group = int64(-1001234567890) // a group subscribed to the pushes

// office is what populate made in a store, and what its copy must hold.
type office struct {
	counts campaign.CopyCounts
	// Campaign ids.
	quiz, draft, discarded, done, interrupted, halted string
	// reached are the chats the interrupted broadcast reached before the
	// copy; left those it has still to reach, pending or in flight, and
	// inflight those in flight.
	reached      map[int64]bool
	left         []int64
	inflight     []int64
	theme        campaign.Theme
	users, chats []int64 // to ask each store about
}

// populate fills s through svc (a Service on s with an admin, staff 2 and
// volunteer 3) as an office would over a few months: subscribers, a group
// among them; roles granted and revoked; a theme edited; a draft, a
// discarded campaign, a quiz and event residents answered, signed up for
// and checked in at; a broadcast finished, one halted, and one interrupted
// twice, the second time with sends in flight.
func populate(t *testing.T, svc *campaign.Service, s campaign.Store) office {
	t.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var o office

	// 62 subscribers: 1001-1060, resident 4, a group; 1061 left again.
	var chats []int64
	for c := int64(1001); c <= 1060; c++ {
		chats = append(chats, c)
	}
	if err := s.AddSubscribers(ctx, chats); err != nil {
		t.Fatal(err)
	}
	must(svc.Subscribe(ctx, private(resident), true))
	must(s.Subscribe(ctx, group))
	must(svc.Subscribe(ctx, private(1061), true))
	must(svc.Subscribe(ctx, private(1061), false))

	// Roles: staff 2 and volunteer 3 (newService), 50 made volunteer and
	// revoked, 51 made staff.
	must(svc.Grant(ctx, private(admin), 50, campaign.RoleVolunteer))
	must(svc.Revoke(ctx, private(admin), 50))
	must(svc.Grant(ctx, private(admin), 51, campaign.RoleStaff))

	o.theme = campaign.Theme{Key: "consumer-rights", Month: 3, Day: 15, Title: "3·15 消费者权益日·社区专场",
		Laws: []string{"消费者权益保护法"}, Message: "本月15日上午在社区活动中心现场答疑。"}
	must(svc.EditCalendar(ctx, private(staff), o.theme))

	// Campaign 1: a quiz and an event with 5 places, scheduled next week.
	c := quizCampaign(t, svc, 5)
	o.quiz = c.ID
	cb := 0
	press := func(u int64, label, want string) {
		t.Helper()
		cb++
		m, err := svc.Compose(c, u)
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.Press(ctx, private(u), fmt.Sprintf("cb-%d", cb), button(t, m, label))
		if err != nil || r.Notice != want {
			t.Fatalf("%d presses %s: %q, %v; want %q", u, label, r.Notice, err, want)
		}
	}
	for u := int64(1001); u <= 1010; u++ { // 15 answers
		opt := 'A' + rune(u%3)
		press(u, fmt.Sprintf("1%c", opt), map[bool]string{true: "回答正确", false: "回答错误"}[opt == 'B'])
		if u <= 1005 {
			opt := 'A' + rune(u%2)
			press(u, fmt.Sprintf("2%c", opt), map[bool]string{true: "回答正确", false: "回答错误"}[opt == 'B'])
		}
	}
	press(1001, "1C", "您已作答过这道题。")
	for u := int64(1001); u <= 1008; u++ { // 5 sign-ups
		want := "报名成功"
		if u > 1005 {
			want = "名额已满，感谢关注。"
		}
		press(u, "我要报名", want)
	}
	press(1002, "我要报名", "您已报名。")
	for _, u := range []int64{1001, 1002, 1003, 1009, 1001} { // 4 check-ins
		must(svc.CheckIn(ctx, private(u), "ev_"+c.ID))
	}
	must(svc.Schedule(ctx, private(volunteer), c.ID, time.Now().Add(7*24*time.Hour)))

	create := func(title string) string {
		t.Helper()
		c, err := svc.Create(ctx, private(volunteer), campaign.Campaign{Theme: "constitution-day", Title: title, Message: "宪法是国家的根本法。"})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	o.draft = create("草稿")        // 2
	o.discarded = create("放弃的推送") // 3
	must(svc.Discard(ctx, private(volunteer), o.discarded))
	for i := range 5 { // 4-8: the broadcasts get ids past 9
		create(fmt.Sprintf("草稿 %d", i))
	}

	run := func(id string, window int, fail func(n int, chat int64) error) (*recordingSender, campaign.Progress, error) {
		t.Helper()
		snd := &recordingSender{fail: fail}
		p, err := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 1e4, Window: window, PerChat: 10 * time.Millisecond}).Run(ctx, id)
		return snd, p, err
	}
	// Campaign 9: sent to all 62; 1013 blocked the bot and is unsubscribed.
	o.done = create("已发送的推送")
	must(svc.Schedule(ctx, private(volunteer), o.done, time.Time{}))
	if _, p, err := run(o.done, 25, func(_ int, chat int64) error {
		if chat == 1013 {
			return campaign.ErrBlocked
		}
		return nil
	}); err != nil || p.State != campaign.BroadcastDone || p.Total != 62 || p.Sent != 61 || p.Gone != 1 {
		t.Fatalf("broadcast %s = %+v, %v; want done, 61 of 62 sent, 1 gone", o.done, p, err)
	}

	// Campaign 10: halted at 1021 by a bad request, one at a time; resumed,
	// it dies with 1021-1028 in flight; restarted, with 1021-1023.
	o.interrupted = create("中断的推送")
	must(svc.Schedule(ctx, private(volunteer), o.interrupted, time.Time{}))
	snd, p, err := run(o.interrupted, 1, func(_ int, chat int64) error {
		if chat == 1021 {
			return &campaign.BadRequestError{Description: "can't parse entities"}
		}
		return nil
	})
	if !errors.Is(err, campaign.ErrHalted) || p.Total != 61 || p.Sent != 20 {
		t.Fatalf("broadcast %s = %+v, %v; want halted with 20 of 61 sent", o.interrupted, p, err)
	}
	o.reached = map[int64]bool{}
	for _, cl := range snd.Calls() {
		if cl.err == nil {
			o.reached[cl.chat] = true
		}
	}
	must(svc.Resume(ctx, private(staff), o.interrupted))
	campaign.StartBroadcast(s, o.interrupted, time.Now())
	if got := campaign.Claim(s, o.interrupted, 8); !slices.Equal(got, []int64{1021, 1022, 1023, 1024, 1025, 1026, 1027, 1028}) {
		t.Fatalf("claimed %v, want 1021-1028", got)
	}
	if p := campaign.StartBroadcast(s, o.interrupted, time.Now()); p.Crashes != 1 || p.Uncertain != 8 {
		t.Fatalf("restarted broadcast = %+v, want 8 uncertain in 1 crash", p)
	}
	if o.inflight = campaign.Claim(s, o.interrupted, 3); !slices.Equal(o.inflight, []int64{1021, 1022, 1023}) {
		t.Fatalf("claimed %v, want 1021-1023", o.inflight)
	}

	// Campaign 11: halted at its first send.
	o.halted = create("暂停的推送")
	must(svc.Schedule(ctx, private(volunteer), o.halted, time.Time{}))
	if _, p, err := run(o.halted, 1, func(n int, _ int64) error {
		if n == 0 {
			return &campaign.BadRequestError{Description: "message is too long"}
		}
		return nil
	}); !errors.Is(err, campaign.ErrHalted) || p.Total != 61 || p.Sent != 0 {
		t.Fatalf("broadcast %s = %+v, %v; want halted with 0 of 61 sent", o.halted, p, err)
	}

	// 1040 leaves both broadcasts not finished.
	must(svc.Subscribe(ctx, private(1040), false))
	for _, id := range []string{o.interrupted, o.halted} {
		if p := progress(t, s, id); p.Total != 60 {
			t.Fatalf("broadcast %s after 1040 left: %+v, want 60 total", id, p)
		}
	}
	for c := int64(1021); c <= 1060; c++ {
		if c != 1040 {
			o.left = append(o.left, c)
		}
	}
	o.left = append(o.left, group)
	slices.Sort(o.left)
	// The file keeps the chats reached too, until the broadcast is done.
	want := slices.Concat(o.left, slices.Collect(maps.Keys(o.reached)))
	slices.Sort(want)
	if held := campaign.RecipientsHeld(s, o.interrupted); !slices.Equal(held, want) {
		t.Fatalf("broadcast %s holds %v, want %v", o.interrupted, held, want)
	}

	o.counts = campaign.CopyCounts{Subscribers: 60, Campaigns: 11, Roles: 3, Grants: 5, Answers: 15, Signups: 5, CheckIns: 4, Themes: 1, Broadcasts: 3}
	o.users = []int64{admin, staff, volunteer, resident, 50, 51, 1001}
	o.chats = []int64{group, resident, 1001, 1013, 1040, 1050, 1060, 1061, 99}
	return o
}

// TestCopyBoltRedisRoundTrip fills a campaign file as an office would,
// copies it into Redis and back into a new file: each copy holds the same,
// through the public API and item by item. On the Redis copy residents'
// presses and check-ins count as before, a new campaign takes the next
// id, and the interrupted broadcast finishes: every recipient not reached
// gets the message once, the ones in flight counted uncertain; the file
// copied back finishes it the same.
func TestCopyBoltRedisRoundTrip(t *testing.T) {
	ctx := context.Background()
	svc, bs, _ := newService(t, func(tb testing.TB) campaign.Store { return openStore(tb, t.TempDir()) })
	o := populate(t, svc, bs)
	boltBefore := campaign.DumpSections(t, bs)

	rs := newTestStore(t, "redis").open(t)
	n, err := campaign.Copy(ctx, rs, bs)
	if err != nil || n != o.counts {
		t.Fatalf("Copy(redis, bolt) = %+v, %v; want %+v", n, err, o.counts)
	}
	sameStore(t, "redis copy", bs, rs, o)
	sameDump(t, "bolt after the copy", boltBefore, campaign.DumpSections(t, bs))

	// Back into a new file, before anything changes in Redis.
	bs2 := openStore(t, t.TempDir())
	if n, err := campaign.Copy(ctx, bs2, rs); err != nil || n != o.counts {
		t.Fatalf("Copy(bolt, redis) = %+v, %v; want %+v", n, err, o.counts)
	}
	sameStore(t, "round trip", bs, bs2, o)

	// Neither copies again into a store holding data.
	for _, tt := range []struct {
		name     string
		dst, src campaign.Store
	}{{"redis", rs, bs}, {"bolt", bs2, rs}, {"bolt from bolt", bs, bs2}} {
		before := campaign.DumpSections(t, tt.dst)
		if n, err := campaign.Copy(ctx, tt.dst, tt.src); !errors.Is(err, campaign.ErrNotEmpty) || n != (campaign.CopyCounts{}) {
			t.Errorf("Copy into the %s copy again = %+v, %v; want ErrNotEmpty", tt.name, n, err)
		}
		sameDump(t, tt.name+" after a refused copy", before, campaign.DumpSections(t, tt.dst))
	}

	// Residents and staff carry on against Redis, through a Service with
	// the same key, as the servers would be configured: what they did
	// before the copy counts.
	rsvc, err := campaign.New(rs, campaign.Config{Admins: []int64{admin}, Key: testKey, Community: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	quiz := getCampaign(t, rs, o.quiz)
	for _, tt := range []struct {
		user        int64
		label, want string
	}{
		{1001, "1B", "您已作答过这道题。"},
		{1006, "2B", "回答正确"},
		{1009, "我要报名", "名额已满，感谢关注。"},
		{1003, "我要报名", "您已报名。"},
	} {
		m, err := rsvc.Compose(quiz, tt.user)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := rsvc.Press(ctx, private(tt.user), fmt.Sprintf("cb-redis-%d-%s", tt.user, tt.label), button(t, m, tt.label)); err != nil || r.Notice != tt.want {
			t.Errorf("on Redis, %d presses %s: %q, %v; want %q", tt.user, tt.label, r.Notice, err, tt.want)
		}
	}
	for u, want := range map[int64]string{1001: "您已签到，欢迎参加！", 1004: "签到成功，欢迎参加“3·15 消费者权益日”活动！"} {
		if r, err := rsvc.CheckIn(ctx, private(u), "ev_"+o.quiz); err != nil || r.Text != want {
			t.Errorf("on Redis, %d checks in: %q, %v; want %q", u, r.Text, err, want)
		}
	}
	if got := signups(t, rs, o.quiz); got != 5 {
		t.Errorf("sign-ups on Redis = %d, want 5", got)
	}
	if got := storedCheckIns(t, rs, o.quiz); got != 5 {
		t.Errorf("check-ins on Redis = %d, want 5", got)
	}
	if !rsvc.Can(private(51), campaign.ActResume) || rsvc.Can(private(50), campaign.ActCreate) || !rsvc.Can(private(volunteer), campaign.ActCreate) {
		t.Error("on Redis, the granted roles are not as granted")
	}
	if c, err := rsvc.Create(ctx, private(volunteer), campaign.Campaign{Title: "迁移后的新推送", Message: "正文"}); err != nil || c.ID != "12" {
		t.Errorf("new campaign on Redis = %+v, %v; want id 12", c, err)
	}

	// 1050 leaves the open broadcasts on Redis, then the interrupted one
	// finishes there.
	if was := unsubscribe(t, rs, 1050); !was {
		t.Error("1050 was not subscribed on Redis")
	}
	for _, id := range []string{o.interrupted, o.halted} {
		if p := progress(t, rs, id); p.Total != 59 {
			t.Errorf("broadcast %s on Redis after 1050 left: %+v, want 59 total", id, p)
		}
	}
	left := slices.DeleteFunc(slices.Clone(o.left), func(c int64) bool { return c == 1050 })
	finish(t, "redis", rs, o, left, 59)

	// The halted one stays halted until staff resume it.
	if _, err := campaign.NewBroadcaster(rs, &recordingSender{}, campaign.BroadcastOptions{Rate: 1e4}).Run(ctx, o.halted); !errors.Is(err, campaign.ErrHalted) {
		t.Errorf("halted broadcast run on Redis: %v, want ErrHalted", err)
	}
	if _, err := rsvc.Resume(ctx, private(51), o.halted); err != nil {
		t.Fatal(err)
	}
	snd := &recordingSender{}
	p, err := campaign.NewBroadcaster(rs, snd, campaign.BroadcastOptions{Rate: 1e4, PerChat: 10 * time.Millisecond}).Run(ctx, o.halted)
	if err != nil || p.State != campaign.BroadcastDone || p.Total != 59 || p.Sent != 59 || p.Crashes != 0 {
		t.Errorf("resumed broadcast %s on Redis = %+v, %v; want done, 59 of 59 sent", o.halted, p, err)
	}
	if got, n := sentOnce(snd), len(snd.Calls()); len(got) != 59 || n != 59 || !slices.Contains(got, group) || slices.Contains(got, 1050) {
		t.Errorf("resumed broadcast %s on Redis sent %d messages to %v, want one to each of 59 subscribers", o.halted, n, got)
	}

	// The file copied back finishes the interrupted broadcast the same way
	// (1050 is still subscribed there), and numbers on from 12 too.
	finish(t, "round trip", bs2, o, o.left, 60)
	if c := (&campaign.Campaign{Title: "t", Message: "m", Community: "hq"}); bs2.Put(ctx, c) != nil || c.ID != "12" {
		t.Errorf("new campaign in the file copied back: id %q, want 12", c.ID)
	}

	// Redis, all broadcasts done, into a third file.
	bs3 := openStore(t, t.TempDir())
	want := o.counts
	want.Subscribers, want.Campaigns, want.Signups, want.CheckIns, want.Answers = 59, 12, 5, 5, 16
	if n, err := campaign.Copy(ctx, bs3, rs); err != nil || n != want {
		t.Fatalf("Copy(bolt, redis) after the broadcasts = %+v, %v; want %+v", n, err, want)
	}
	sameDump(t, "bolt copy of Redis after the broadcasts", campaign.DumpSections(t, rs), campaign.DumpSections(t, bs3))
	for _, id := range []string{o.done, o.interrupted, o.halted} {
		if p := progress(t, bs3, id); p.State != campaign.BroadcastDone || campaign.RecipientsKept(bs3, id) != 0 {
			t.Errorf("broadcast %s in the third file: %+v, %d recipients kept; want done, none", id, p, campaign.RecipientsKept(bs3, id))
		}
	}
}

// finish runs o's interrupted broadcast to the end on s: it sends once to
// each chat of left, none of which it had reached, and to no other; the 3
// in flight at the copy are the second crash's uncertain sends.
func finish(t *testing.T, name string, s campaign.Store, o office, left []int64, total int) {
	t.Helper()
	snd := &recordingSender{}
	p, err := campaign.NewBroadcaster(s, snd, campaign.BroadcastOptions{Rate: 1e4, PerChat: 10 * time.Millisecond}).Run(context.Background(), o.interrupted)
	if err != nil || p.State != campaign.BroadcastDone || p.Total != total || p.Sent != total || p.Pending != 0 || p.Gone != 0 ||
		p.Crashes != 2 || p.Uncertain != 8+len(o.inflight) {
		t.Errorf("%s: interrupted broadcast = %+v, %v; want done, %d of %d sent, %d uncertain in 2 crashes", name, p, err, total, total, 8+len(o.inflight))
	}
	if n := len(snd.Calls()); n != len(left) {
		t.Errorf("%s: %d messages sent, want %d", name, n, len(left))
	}
	if got := sentOnce(snd); !slices.Equal(got, left) {
		t.Errorf("%s: sent to %v, want %v", name, got, left)
	}
	for _, cl := range snd.Calls() {
		if o.reached[cl.chat] {
			t.Errorf("%s: chat %d, reached before the copy, sent to again", name, cl.chat)
		}
	}
	if held := campaign.RecipientsHeld(s, o.interrupted); len(held) != 0 {
		t.Errorf("%s: recipients held when done: %v", name, held)
	}
}

// sentOnce returns the chats snd sent to, in order, each once.
func sentOnce(snd *recordingSender) []int64 {
	var out []int64
	for _, cl := range snd.Calls() {
		out = append(out, cl.chat)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sameStore checks got holds what want holds, item by item through the
// public API and as Copy reads it.
func sameStore(t *testing.T, name string, want, got campaign.Store, o office) {
	t.Helper()
	ctx := context.Background()
	sameDump(t, name, campaign.DumpSections(t, want), campaign.DumpSections(t, got))
	if w, g := subscribers(t, want), subscribers(t, got); g != w || g != o.counts.Subscribers {
		t.Errorf("%s: %d subscribers, want %d", name, g, w)
	}
	for _, c := range o.chats {
		if w, g := subscribed(t, want, c), subscribed(t, got, c); g != w {
			t.Errorf("%s: Subscribed(%d) = %v, want %v", name, c, g, w)
		}
	}
	wl, err1 := want.List(ctx)
	gl, err2 := got.List(ctx)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, wl), jsonOf(t, gl); a != b || len(gl) != o.counts.Campaigns {
		t.Errorf("%s: List =\n%s\nwant\n%s", name, b, a)
	}
	for _, c := range wl {
		if a, b := jsonOf(t, c), jsonOf(t, getCampaign(t, got, c.ID)); a != b {
			t.Errorf("%s: Get(%s) = %s, want %s", name, c.ID, b, a)
		}
		if w, g := signups(t, want, c.ID), signups(t, got, c.ID); g != w {
			t.Errorf("%s: Signups(%s) = %d, want %d", name, c.ID, g, w)
		}
		if w, g := storedCheckIns(t, want, c.ID), storedCheckIns(t, got, c.ID); g != w {
			t.Errorf("%s: CheckIns(%s) = %d, want %d", name, c.ID, g, w)
		}
	}
	statuses := map[string]campaign.Status{}
	for _, c := range gl {
		statuses[c.ID] = c.Status
	}
	for id, st := range map[string]campaign.Status{o.quiz: campaign.StatusScheduled, o.draft: campaign.StatusDraft, o.discarded: campaign.StatusDiscarded,
		o.done: campaign.StatusSent, o.interrupted: campaign.StatusSending, o.halted: campaign.StatusHalted} {
		if statuses[id] != st {
			t.Errorf("%s: campaign %s is %s, want %s", name, id, statuses[id], st)
		}
	}
	if signups(t, got, o.quiz) != o.counts.Signups || storedCheckIns(t, got, o.quiz) != o.counts.CheckIns {
		t.Errorf("%s: campaign %s has %d sign-ups, %d check-ins; want %d, %d", name, o.quiz,
			signups(t, got, o.quiz), storedCheckIns(t, got, o.quiz), o.counts.Signups, o.counts.CheckIns)
	}
	wp, err1 := want.Progress(ctx)
	gp, err2 := got.Progress(ctx)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if a, b := msProgress(wp), msProgress(gp); !reflect.DeepEqual(a, b) || len(b) != 3 {
		t.Errorf("%s: Progress =\n%+v\nwant\n%+v", name, b, a)
	}
	// A copy holds only the recipients not reached.
	if held := campaign.RecipientsHeld(got, o.interrupted); !slices.Equal(held, o.left) {
		t.Errorf("%s: broadcast %s holds %v, want %v", name, o.interrupted, held, o.left)
	}
	if w, g := campaign.RecipientsKept(want, o.halted), campaign.RecipientsKept(got, o.halted); g != w || g != 60 {
		t.Errorf("%s: broadcast %s keeps %d recipients, want %d", name, o.halted, g, w)
	}
	wr, gr := campaign.NewRoles(want, []int64{admin}), campaign.NewRoles(got, []int64{admin})
	for _, u := range o.users {
		if w, g := wr.Role(u), gr.Role(u); g != w {
			t.Errorf("%s: Role(%d) = %s, want %s", name, u, g, w)
		}
	}
	wg, err1 := wr.Grants()
	gg, err2 := gr.Grants()
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, wg), jsonOf(t, gg); a != b || len(gg) != o.counts.Grants {
		t.Errorf("%s: Grants = %s, want %s", name, b, a)
	}
	gsvc, err := campaign.New(got, campaign.Config{Admins: []int64{admin}, Key: testKey, Community: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	if th := gsvc.Calendar().Theme(o.theme.Key); th == nil || !reflect.DeepEqual(*th, o.theme) {
		t.Errorf("%s: theme %s = %+v, want the edit %+v", name, o.theme.Key, th, o.theme)
	}
}

// sameDump compares two stores' DumpSections.
func sameDump(t *testing.T, name string, want, got map[string]string) {
	t.Helper()
	for _, sec := range slices.Sorted(maps.Keys(want)) {
		if got[sec] != want[sec] {
			t.Errorf("%s: %s differ:\n got %s\nwant %s", name, sec, got[sec], want[sec])
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// msProgress is ps with its times in UTC to the millisecond, as Redis
// keeps them.
func msProgress(ps []campaign.Progress) []campaign.Progress {
	out := slices.Clone(ps)
	for i := range out {
		p := &out[i]
		for _, at := range []*time.Time{&p.PausedUntil, &p.Started, &p.Updated, &p.Finished} {
			if !at.IsZero() {
				*at = at.UTC().Truncate(time.Millisecond)
			}
		}
	}
	return out
}

// TestCopyNotEmpty copies into stores holding a little of one kind or
// another: each refuses with ErrNotEmpty and keeps what it held. A store
// whose only subscriber left again is empty.
func TestCopyNotEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		src := openStore(t, t.TempDir())
		seed(t, src, 3)
		now := time.Now()
		check := func(t *testing.T, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			name  string
			fill  func(t *testing.T, dst campaign.Store)
			empty bool
		}{
			{"subscriber", func(t *testing.T, dst campaign.Store) {
				_, err := dst.Subscribe(ctx, group)
				check(t, err)
			}, false},
			{"campaign", func(t *testing.T, dst campaign.Store) {
				check(t, dst.Put(ctx, &campaign.Campaign{Title: "t", Message: "m", Community: "hq", Status: campaign.StatusDraft}))
			}, false},
			{"role", func(t *testing.T, dst campaign.Store) {
				check(t, campaign.NewRoles(dst, []int64{admin}).Grant(admin, 50, campaign.RoleVolunteer, now))
			}, false},
			{"revoked role", func(t *testing.T, dst campaign.Store) {
				r := campaign.NewRoles(dst, []int64{admin})
				check(t, r.Grant(admin, 50, campaign.RoleVolunteer, now))
				check(t, r.Revoke(admin, 50, now))
			}, false},
			{"theme", func(t *testing.T, dst campaign.Store) {
				svc, err := campaign.New(dst, campaign.Config{Admins: []int64{admin}, Staff: []int64{staff}, Key: testKey, Community: "hq"})
				check(t, err)
				_, err = svc.EditCalendar(ctx, private(staff), campaign.Theme{Key: "x", Month: 1, Title: "t", Message: "m"})
				check(t, err)
			}, false},
			{"everything", func(t *testing.T, dst campaign.Store) {
				_, err := campaign.Copy(ctx, dst, src)
				check(t, err)
			}, false},
			{"subscriber left", func(t *testing.T, dst campaign.Store) {
				_, err := dst.Subscribe(ctx, 7)
				check(t, err)
				_, err = dst.Unsubscribe(ctx, 7)
				check(t, err)
			}, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				dst := open(t)
				tt.fill(t, dst)
				before := campaign.DumpSections(t, dst)
				n, err := campaign.Copy(ctx, dst, src)
				if tt.empty {
					if want := (campaign.CopyCounts{Subscribers: 3, Campaigns: 1}); err != nil || n != want {
						t.Errorf("Copy = %+v, %v; want %+v", n, err, want)
					}
					sameDump(t, "copy", campaign.DumpSections(t, src), campaign.DumpSections(t, dst))
					return
				}
				if !errors.Is(err, campaign.ErrNotEmpty) || n != (campaign.CopyCounts{}) {
					t.Errorf("Copy = %+v, %v; want ErrNotEmpty", n, err)
				}
				sameDump(t, "after the refused copy", before, campaign.DumpSections(t, dst))
			})
		}
	})
}

// TestCopyEmpty copies an empty store of each kind into an empty store of
// the other: nothing is copied, the copy is empty still, and its first
// campaign is 1.
func TestCopyEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		src := open(t)
		other := "redis"
		if storeKind(src) == "redis" {
			other = "bolt"
		}
		dst := newTestStore(t, other).open(t)
		for range 2 {
			if n, err := campaign.Copy(ctx, dst, src); err != nil || n != (campaign.CopyCounts{}) {
				t.Fatalf("Copy(%s, empty %s) = %+v, %v; want nothing copied", other, storeKind(src), n, err)
			}
		}
		c := &campaign.Campaign{Title: "t", Message: "m", Community: "hq"}
		if err := dst.Put(ctx, c); err != nil || c.ID != "1" {
			t.Errorf("first campaign after copying nothing: id %q, %v; want 1", c.ID, err)
		}
	})
}
