package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
)

const (
	admin     = int64(1)
	staff     = int64(2)
	volunteer = int64(3)
	resident  = int64(4)
)

var testKey = []byte("0123456789abcdef-test-key")

// newService returns a Service on a store opened with open, with one user of
// each role, counting into a real bolt statistics store.
func newService(t *testing.T, open opener) (*campaign.Service, campaign.Store, stats.Store) {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{Config: stats.Config{ResidentKey: []byte("resident-key-0123456789")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := open(t)
	svc, err := campaign.New(s, campaign.Config{Admins: []int64{admin}, Key: testKey, Community: "hq", Recorder: st, Activities: st})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := svc.Roles().Grant(admin, staff, campaign.RoleStaff, now); err != nil {
		t.Fatal(err)
	}
	if err := svc.Roles().Grant(admin, volunteer, campaign.RoleVolunteer, now); err != nil {
		t.Fatal(err)
	}
	return svc, s, st
}

func private(id int64) campaign.User { return campaign.User{ID: id, Chat: id, Private: true} }

func quizCampaign(t *testing.T, svc *campaign.Service, capacity int) *campaign.Campaign {
	t.Helper()
	c, err := svc.Create(context.Background(), private(volunteer), campaign.Campaign{
		Theme: "consumer-rights", Title: "3·15 消费者权益日", Message: "网购七日无理由退货。",
		Quiz: []campaign.Question{
			{Text: "网购商品一般享有几日无理由退货？", Options: []string{"3日", "7日", "15日"}, Answer: 1, Explain: "见消费者权益保护法第二十五条。"},
			{Text: "欺诈赔偿最低多少元？", Options: []string{"100元", "500元"}, Answer: 1, Explain: "不足五百元的按五百元计。"},
		},
		Event: &campaign.Event{Place: "社区活动中心", Time: time.Now().Add(72 * time.Hour), Capacity: capacity},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// button finds the data of the button labelled label in m.
func button(t *testing.T, m campaign.Message, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q in %+v", label, m.Buttons)
	return ""
}

// TestRoleActionMatrix checks every role x action x chat type through the
// service's handlers: deny by default, private chats only.
func TestRoleActionMatrix(t *testing.T) {
	forEachStore(t, testRoleActionMatrix)
}

func testRoleActionMatrix(t *testing.T, open opener) {
	roles := map[int64]campaign.Role{admin: campaign.RoleAdmin, staff: campaign.RoleStaff, volunteer: campaign.RoleVolunteer, resident: campaign.RoleResident}
	allowed := map[campaign.Role][]campaign.Action{
		campaign.RoleResident:  {campaign.ActSubscribe, campaign.ActView, campaign.ActAnswer, campaign.ActSignup, campaign.ActCheckIn},
		campaign.RoleVolunteer: {campaign.ActCreate, campaign.ActPreview, campaign.ActSend, campaign.ActStatus, campaign.ActActivity},
		campaign.RoleStaff:     {campaign.ActResume, campaign.ActCalendar, campaign.ActCorrect},
		campaign.RoleAdmin:     {campaign.ActGrant},
	}
	rank := []campaign.Role{campaign.RoleResident, campaign.RoleVolunteer, campaign.RoleStaff, campaign.RoleAdmin}
	want := func(r campaign.Role, a campaign.Action) bool {
		for _, rr := range rank {
			for _, aa := range allowed[rr] {
				if aa == a {
					return true
				}
			}
			if rr == r {
				return false
			}
		}
		return false
	}
	ctx := context.Background()
	for user, role := range roles {
		for _, a := range campaign.Actions() {
			for _, priv := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/private=%v", role, a, priv), func(t *testing.T) {
					svc, _, _ := newService(t, open)
					c := quizCampaign(t, svc, 10)
					u := campaign.User{ID: user, Chat: user, Private: priv}
					if !priv {
						u.Chat = -100500 // a group
					}
					msg, _ := svc.Compose(c, u.Chat)
					var err error
					switch a {
					case campaign.ActSubscribe:
						_, err = svc.Subscribe(ctx, u, true)
					case campaign.ActView:
						_, err = svc.Press(ctx, u, "cb-view", button(t, msg, "已阅"))
					case campaign.ActAnswer:
						_, err = svc.Press(ctx, u, "cb-q", button(t, msg, "1B"))
					case campaign.ActSignup:
						_, err = svc.Press(ctx, u, "cb-s", button(t, msg, "我要报名"))
					case campaign.ActCheckIn:
						_, err = svc.CheckIn(ctx, u, "ev_"+c.ID)
					case campaign.ActCreate:
						_, err = svc.Create(ctx, u, campaign.Campaign{Title: "t", Message: "m"})
					case campaign.ActPreview:
						_, err = svc.Preview(ctx, u, c.ID)
					case campaign.ActSend:
						_, err = svc.Schedule(ctx, u, c.ID, time.Time{})
					case campaign.ActStatus:
						_, err = svc.Status(ctx, u)
					case campaign.ActActivity:
						err = svc.LogActivity(ctx, u, campaign.Activity{ID: "a1", Kind: stats.KindLeaflets, Count: 200, Date: time.Now()})
					case campaign.ActResume:
						_, err = svc.Resume(ctx, u, c.ID)
						if errors.Is(err, campaign.ErrNotFound) {
							err = nil // allowed; nothing to resume
						}
					case campaign.ActCalendar:
						_, err = svc.EditCalendar(ctx, u, campaign.Theme{Key: "x", Month: 1, Title: "t", Message: "m"})
					case campaign.ActCorrect:
						_, err = svc.Activities(ctx, u, 10)
					case campaign.ActGrant:
						_, err = svc.Grant(ctx, u, 99, campaign.RoleVolunteer)
					default:
						t.Fatalf("action %s not covered", a)
					}
					ok := want(role, a) && priv
					if ok != (err == nil) {
						t.Errorf("%s by %s (private=%v): err = %v, want allowed=%v", a, role, priv, err, ok)
					}
					if !ok && !errors.Is(err, campaign.ErrForbidden) {
						t.Errorf("refusal err = %v, want ErrForbidden", err)
					}
					if got := svc.Can(u, a); got != ok {
						t.Errorf("Can = %v, want %v", got, ok)
					}
				})
			}
		}
	}
}

// TestForgedCallbacks shows a resident cannot reach volunteer actions or
// act for others through callback data: unsigned, altered, copied from
// another chat, or a volunteer's genuine button.
func TestForgedCallbacks(t *testing.T) {
	forEachStore(t, testForgedCallbacks)
}

func testForgedCallbacks(t *testing.T, open opener) {
	svc, s, _ := newService(t, open)
	ctx := context.Background()
	c := quizCampaign(t, svc, 10)
	prev, err := svc.Preview(ctx, private(volunteer), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	send := ""
	for _, row := range prev.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, "✅") {
				send = b.Data
			}
		}
	}
	own, _ := svc.Compose(c, resident)
	answer := button(t, campaign.Message{Buttons: own.Buttons}, "1A")
	sig := answer[strings.LastIndexByte(answer, '.'):]
	tests := []struct {
		name string
		data string
	}{
		{"unsigned send", "send:" + c.ID},
		{"volunteer's send button", send},
		{"send with a quiz signature", "send:" + c.ID + sig},
		{"altered answer", strings.Replace(answer, ":0:0", ":0:1", 1)},
		{"volunteer's quiz button", button(t, func() campaign.Message { m, _ := svc.Compose(c, volunteer); return m }(), "1A")},
		{"garbage", "x"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Press(ctx, private(resident), "cb-"+tt.name, tt.data)
			if !errors.Is(err, campaign.ErrForbidden) {
				t.Errorf("Press(%q) = %v, want ErrForbidden", tt.data, err)
			}
		})
	}
	// The volunteer's own send button works for the volunteer.
	if _, err := svc.Press(ctx, private(volunteer), "cb-send", send); err != nil {
		t.Errorf("volunteer's send button: %v", err)
	}
	if got := getCampaign(t, s, c.ID); got.Status != campaign.StatusScheduled {
		t.Errorf("status = %s, want scheduled", got.Status)
	}
}

// TestParticipationCounts simulates residents answering and signing up,
// with double presses and redelivered callbacks, and checks the statistics
// store counts exactly what they did.
func TestParticipationCounts(t *testing.T) {
	forEachStore(t, testParticipationCounts)
}

func testParticipationCounts(t *testing.T, open opener) {
	svc, s, st := newService(t, open)
	ctx := context.Background()
	const capacity = 30
	c := quizCampaign(t, svc, capacity)
	rng := rand.New(rand.NewPCG(7, 7))
	var answers, correct, signedUp, reads int
	cb := 0
	press := func(u int64, label string) {
		cb++
		m, _ := svc.Compose(c, u)
		id := fmt.Sprintf("cb%d", cb)
		if _, err := svc.Press(ctx, private(u), id, button(t, m, label)); err != nil {
			t.Fatalf("press %s by %d: %v", label, u, err)
		}
		if rng.IntN(4) == 0 { // Telegram redelivers the same callback
			if _, err := svc.Press(ctx, private(u), id, button(t, m, label)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for u := int64(1000); u < 1100; u++ {
		for q := 1; q <= 2; q++ {
			if rng.IntN(3) == 0 {
				continue
			}
			opt := rng.IntN(2)
			press(u, fmt.Sprintf("%d%c", q, 'A'+opt))
			answers++
			if opt == 1 {
				correct++
			}
			if rng.IntN(5) == 0 { // presses another option: not counted
				press(u, fmt.Sprintf("%d%c", q, 'A'+(1-opt)))
			}
		}
		if rng.IntN(2) == 0 {
			press(u, "我要报名")
			if signedUp < capacity {
				signedUp++
			}
			if rng.IntN(3) == 0 {
				press(u, "我要报名")
			}
		}
		if rng.IntN(2) == 0 {
			press(u, "已阅")
			reads++
		}
	}
	rep, err := st.Query(ctx, stats.Query{From: time.Now().Add(-48 * time.Hour), To: time.Now().Add(48 * time.Hour), By: stats.ByTotal})
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Total
	checks := []struct {
		name      string
		got, want int64
	}{
		{"quiz answers", got.Events(stats.KindQuizAnswer), int64(answers)},
		{"correct", got.EventsBy(stats.KindQuizAnswer, stats.DimResult)["correct"], int64(correct)},
		{"sign-ups", got.Events(stats.KindSignup), int64(signedUp)},
		{"stored sign-ups", int64(signups(t, s, c.ID)), int64(signedUp)},
		{"reads", got.Events(stats.KindCampaignRead), int64(reads)},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %d, want %d", ck.name, ck.got, ck.want)
		}
	}
	t.Logf("%d answers (%d correct), %d sign-ups (capacity %d), %d reads", answers, correct, signedUp, capacity, reads)
}

// TestGrantsRecorded checks grants and revocations are recorded with who,
// whom and when, and that admins come from configuration only.
func TestGrantsRecorded(t *testing.T) {
	forEachStore(t, testGrantsRecorded)
}

func testGrantsRecorded(t *testing.T, open opener) {
	svc, _, _ := newService(t, open)
	r := svc.Roles()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := r.Grant(admin, 50, campaign.RoleVolunteer, at); err != nil {
		t.Fatal(err)
	}
	if err := r.Revoke(admin, 50, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := r.Role(50); got != campaign.RoleResident {
		t.Errorf("Role after revoke = %s", got)
	}
	if err := r.Grant(admin, 51, campaign.RoleAdmin, at); !errors.Is(err, campaign.ErrInvalid) {
		t.Errorf("granting admin = %v, want ErrInvalid", err)
	}
	if err := r.Grant(staff, 52, campaign.RoleVolunteer, at); !errors.Is(err, campaign.ErrForbidden) {
		t.Errorf("grant by staff = %v, want ErrForbidden", err)
	}
	gs, err := r.Grants()
	if err != nil {
		t.Fatal(err)
	}
	last := gs[len(gs)-2:]
	want := []campaign.Grant{{By: admin, User: 50, Role: campaign.RoleVolunteer, At: at}, {By: admin, User: 50, Role: campaign.RoleResident, At: at.Add(time.Hour)}}
	for i := range want {
		if !last[i].At.Equal(want[i].At) || last[i].By != want[i].By || last[i].User != want[i].User || last[i].Role != want[i].Role {
			t.Errorf("grant %d = %+v, want %+v", i, last[i], want[i])
		}
	}
	if !r.IsStaff(context.Background(), "tg:2") || r.IsStaff(context.Background(), "tg:3") || !r.IsStaff(context.Background(), "tg:1") || r.IsStaff(context.Background(), "web:2") {
		t.Error("IsStaff wrong")
	}
}

// TestSubscribeDeletes checks unsubscribing deletes the chat id.
func TestSubscribeDeletes(t *testing.T) {
	forEachStore(t, testSubscribeDeletes)
}

func testSubscribeDeletes(t *testing.T, open opener) {
	svc, s, _ := newService(t, open)
	ctx := context.Background()
	if _, err := svc.Subscribe(ctx, private(resident), true); err != nil {
		t.Fatal(err)
	}
	if !subscribed(t, s, resident) || subscribers(t, s) != 1 {
		t.Fatal("not subscribed")
	}
	if _, err := svc.Subscribe(ctx, private(resident), false); err != nil {
		t.Fatal(err)
	}
	if subscribed(t, s, resident) || subscribers(t, s) != 0 {
		t.Error("chat id kept after unsubscribe")
	}
}

// TestConfiguredStaff checks staff named in Config.Staff are staff without
// a grant, and stay staff after a revocation.
func TestConfiguredStaff(t *testing.T) {
	forEachStore(t, testConfiguredStaff)
}

func testConfiguredStaff(t *testing.T, open opener) {
	svc, err := campaign.New(open(t), campaign.Config{Admins: []int64{admin}, Staff: []int64{60}, Key: testKey, Community: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	r := svc.Roles()
	if got := r.Role(60); got != campaign.RoleStaff {
		t.Errorf("Role(configured staff) = %s, want %s", got, campaign.RoleStaff)
	}
	if err := r.Revoke(admin, 60, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := r.Role(60); got != campaign.RoleStaff || !r.IsStaff(context.Background(), "tg:60") {
		t.Errorf("Role(configured staff) after revoke = %s, want %s", got, campaign.RoleStaff)
	}
	if got := r.Role(61); got != campaign.RoleResident {
		t.Errorf("Role(61) = %s, want %s", got, campaign.RoleResident)
	}
}
