package campaign_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
)

// newServiceAt is newService with the clock at now and a statistics store
// on the same clock.
func newServiceAt(t *testing.T, open opener, now time.Time) (*campaign.Service, campaign.Store, *boltstore.Store) {
	t.Helper()
	clock := func() time.Time { return now }
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{Config: stats.Config{ResidentKey: []byte("resident-key-0123456789"), Now: clock}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := open(t)
	svc, err := campaign.New(s, campaign.Config{Admins: []int64{admin}, Staff: []int64{staff}, Key: testKey, Community: "hq",
		Recorder: st, Activities: st, Now: clock, Username: func(context.Context) (string, error) { return "lawbot_test_bot", nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Roles().Grant(admin, volunteer, campaign.RoleVolunteer, now); err != nil {
		t.Fatal(err)
	}
	return svc, s, st
}

// replyText is what the user is shown, or the error.
func replyText(r campaign.Reply, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return r.Text + r.Notice
}

func labels(rows [][]campaign.Button) []string {
	var out []string
	for _, row := range rows {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// TestPreviewSendScheduleDiscard follows a draft through its preview's
// buttons: the residents' buttons do nothing there, the schedule buttons
// offer the next 20:00 and 9:00, and a discarded campaign is never sent.
func TestPreviewSendScheduleDiscard(t *testing.T) {
	forEachStore(t, testPreviewSendScheduleDiscard)
}

func testPreviewSendScheduleDiscard(t *testing.T, open opener) {
	now := time.Date(2026, 3, 20, 10, 30, 0, 0, campaign.Zone)
	svc, s, st := newServiceAt(t, open, now)
	ctx := context.Background()
	c := quizCampaign(t, svc, 10)
	prev, err := svc.Preview(ctx, private(volunteer), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(labels(prev.Buttons), " ")
	if want := "1A 1B 1C 2A 2B 我要报名 已阅 ✅ 确认发送 🕒 3月20日 20:00 🕒 3月21日 09:00 🗑 放弃"; got != want {
		t.Errorf("preview buttons = %q, want %q", got, want)
	}
	if !strings.Contains(prev.Text, "3·15 消费者权益日") || !strings.Contains(prev.Text, "网购商品一般享有几日无理由退货") {
		t.Errorf("preview text = %q", prev.Text)
	}
	find := func(label string) string { return button(t, campaign.Message{Buttons: prev.Buttons}, label) }
	// Answering in the preview counts nothing.
	if r, err := svc.Press(ctx, private(volunteer), "cb-pv", find("1B")); err != nil || !strings.Contains(r.Notice, "预览") {
		t.Errorf("preview quiz button = %+v, %v", r, err)
	}
	rep, _ := st.Query(ctx, stats.Query{From: now.Add(-time.Hour), To: now.Add(time.Hour)})
	if n := rep.Total.Events(stats.KindQuizAnswer); n != 0 {
		t.Errorf("preview answers counted: %d", n)
	}
	// A resident cannot press the volunteer's schedule button.
	if _, err := svc.Press(ctx, private(resident), "cb-r", find("🕒 3月21日 09:00")); !errors.Is(err, campaign.ErrForbidden) {
		t.Errorf("resident schedules: %v", err)
	}
	if r := replyText(svc.Press(ctx, private(volunteer), "cb-at", find("🕒 3月21日 09:00"))); !strings.Contains(r, "2026-03-21 09:00") {
		t.Errorf("schedule button = %q", r)
	}
	got2 := getCampaign(t, s, c.ID)
	if got2.Status != campaign.StatusScheduled || !got2.At.Equal(time.Date(2026, 3, 21, 9, 0, 0, 0, campaign.Zone)) {
		t.Errorf("after the schedule button: %s at %v", got2.Status, got2.At)
	}
	if r := replyText(svc.Press(ctx, private(volunteer), "cb-del", find("🗑 放弃"))); !strings.Contains(r, "已放弃") {
		t.Errorf("discard button = %q", r)
	}
	if r := replyText(svc.Schedule(ctx, private(volunteer), c.ID, time.Time{})); !strings.Contains(r, "已放弃") {
		t.Errorf("Schedule(discarded) = %q", r)
	}
	if due, err := campaign.Due(ctx, s, now.Add(48*time.Hour)); err != nil || len(due) != 0 {
		t.Errorf("discarded campaign due: %+v, %v", due, err)
	}
	prev, _ = svc.Preview(ctx, private(volunteer), c.ID)
	if l := strings.Join(labels(prev.Buttons), " "); strings.Contains(l, "确认发送") || !strings.Contains(prev.Text, "已放弃") {
		t.Errorf("preview of a discarded campaign: %q, buttons %q", prev.Text, l)
	}
	list := replyText(svc.List(ctx, private(volunteer), 10))
	if !strings.Contains(list, c.ID+". 3·15 消费者权益日（已放弃，活动报名 0/10）") {
		t.Errorf("List = %q", list)
	}

	// A schedule button whose time passed refuses.
	c2 := quizCampaign(t, svc, 10)
	prev2, _ := svc.Preview(ctx, private(volunteer), c2.ID)
	data := button(t, campaign.Message{Buttons: prev2.Buttons}, "🕒 3月20日 20:00")
	svcLater, err := campaign.New(s, campaign.Config{Admins: []int64{admin}, Key: testKey, Community: "hq", Now: func() time.Time { return now.Add(12 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if r := replyText(svcLater.Press(ctx, private(volunteer), "cb-late", data)); !strings.Contains(r, "已经过去") {
		t.Errorf("late schedule button = %q", r)
	}
	if c := getCampaign(t, s, c2.ID); c.Status != campaign.StatusDraft {
		t.Errorf("late schedule button changed the status to %s", c.Status)
	}
}

// TestLogAndCorrect logs activities as a volunteer and corrects one as
// staff: the statistics count the corrected value, the original is kept.
func TestLogAndCorrect(t *testing.T) {
	forEachStore(t, testLogAndCorrect)
}

func testLogAndCorrect(t *testing.T, open opener) {
	now := time.Date(2026, 3, 20, 10, 30, 0, 0, campaign.Zone)
	svc, _, st := newServiceAt(t, open, now)
	ctx := context.Background()
	a, err := campaign.ParseActivity("讲座 2026-03-15 社区活动室 45人", now)
	if err != nil {
		t.Fatal(err)
	}
	log := func(id string, a campaign.ActivityLine) error {
		return svc.LogActivity(ctx, private(volunteer), campaign.Activity{ID: id, Kind: a.Kind, Count: a.Count, Date: a.Date, Place: a.Place})
	}
	for _, id := range []string{"tg:update:1", "tg:update:1"} { // redelivered
		if err := log(id, a); err != nil {
			t.Fatal(err)
		}
	}
	today, _ := campaign.ParseActivity("传单 300", now)
	if err := log("tg:update:2", today); err != nil {
		t.Fatalf("logging today's leaflets (dated noon, after now): %v", err)
	}
	a.Place = ""
	var ue *campaign.UserError
	if err := log("tg:update:3", a); !errors.As(err, &ue) || !strings.Contains(ue.Text, "地点") {
		t.Errorf("lecture without a place: %v", err)
	}
	if _, err := svc.Activities(ctx, private(volunteer), 10); !errors.Is(err, campaign.ErrForbidden) {
		t.Errorf("volunteer lists activities: %v", err)
	}
	as, err := svc.Activities(ctx, private(staff), 10)
	if err != nil || len(as) != 2 || as[1].Place != "社区活动室" || as[1].Count != 45 {
		t.Fatalf("Activities = %+v, %v", as, err)
	}
	lecture := as[1].No
	fix := campaign.Correction{ID: "tg:update:9", No: lecture, Count: 40, Reason: "重复登记了5人"}
	if _, err := svc.Correct(ctx, private(volunteer), fix); !errors.Is(err, campaign.ErrForbidden) {
		t.Errorf("volunteer corrects: %v", err)
	}
	for range 2 { // redelivered
		got, err := svc.Correct(ctx, private(staff), fix)
		if err != nil || got.Current() != 40 || got.Count != 45 || len(got.Corrections) != 1 || got.Corrections[0].By != "tg:2" {
			t.Fatalf("Correct = %+v, %v", got, err)
		}
	}
	if line := campaign.FormatActivity(as[1]); !strings.HasPrefix(line, "#") || !strings.Contains(line, "2026-03-15 讲座 社区活动室 45人") {
		t.Errorf("FormatActivity = %q", line)
	}
	rep, err := st.Query(ctx, stats.Query{From: now.AddDate(0, -1, 0), To: now})
	if err != nil {
		t.Fatal(err)
	}
	if q := rep.Total.Quantity(stats.KindLecture); q != 40 {
		t.Errorf("attendees counted = %d, want the corrected 40", q)
	}
	if q := rep.Total.Quantity(stats.KindLeaflets); q != 300 {
		t.Errorf("leaflets counted = %d, want 300", q)
	}
	for _, tt := range []struct {
		c    campaign.Correction
		want string
	}{
		{campaign.Correction{ID: "x1", No: 999, Count: 1, Reason: "r"}, "没有编号为 999"},
		{campaign.Correction{ID: "x2", No: lecture, Count: 20000, Reason: "r"}, "超出范围"},
		{campaign.Correction{ID: "x3", No: lecture, Count: 1, Reason: ""}, "原因"},
	} {
		_, err := svc.Correct(ctx, private(staff), tt.c)
		if !errors.As(err, &ue) || !strings.Contains(ue.Text, tt.want) {
			t.Errorf("Correct(%+v) = %v, want a refusal saying %q", tt.c, err, tt.want)
		}
	}
}

// TestRevokeAndGrants checks revocation and the grant log admins read.
func TestRevokeAndGrants(t *testing.T) {
	forEachStore(t, testRevokeAndGrants)
}

func testRevokeAndGrants(t *testing.T, open opener) {
	now := time.Date(2026, 3, 20, 10, 30, 0, 0, campaign.Zone)
	svc, _, _ := newServiceAt(t, open, now)
	ctx := context.Background()
	if r := replyText(svc.Revoke(ctx, private(admin), volunteer)); !strings.Contains(r, "已撤销用户 3 的志愿者角色") {
		t.Errorf("Revoke = %q", r)
	}
	if r := replyText(svc.Revoke(ctx, private(admin), staff)); !strings.Contains(r, "由配置指定") {
		t.Errorf("Revoke(configured staff) = %q", r)
	}
	if _, err := svc.Revoke(ctx, private(staff), volunteer); !errors.Is(err, campaign.ErrForbidden) {
		t.Errorf("staff revokes: %v", err)
	}
	g := replyText(svc.Grants(ctx, private(admin), 10))
	if !strings.Contains(g, "2026-03-20 10:30 管理员 1 对用户 3 撤销角色") || !strings.Contains(g, "对用户 3 授予志愿者") {
		t.Errorf("Grants = %q", g)
	}
	if strings.Index(g, "撤销角色") > strings.Index(g, "授予志愿者") {
		t.Errorf("Grants not newest first: %q", g)
	}
}
