package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
)

// checkIns returns the check-ins the statistics store counted, in total and
// for campaign id, and the residents it saw.
func checkIns(t *testing.T, st stats.Store, id string) (total, forCampaign, residents int64) {
	t.Helper()
	rep, err := st.Query(context.Background(), stats.Query{From: time.Now().Add(-48 * time.Hour), To: time.Now().Add(48 * time.Hour), By: stats.ByTotal})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Total
	return c.Events(stats.KindCheckIn), c.EventsBy(stats.KindCheckIn, stats.DimCampaign)[id], c.Residents
}

// TestCheckInCounts has N residents sign up and M of them check in by
// scanning the poster, some twice, some twice at once; one scans the code
// of an unknown event and one sends a forged payload. The statistics store
// counts exactly M check-ins, and the campaign store agrees.
func TestCheckInCounts(t *testing.T) {
	forEachStore(t, testCheckInCounts)
}

func testCheckInCounts(t *testing.T, open opener) {
	svc, s, st := newService(t, open)
	ctx := context.Background()
	const residents = 40
	c := quizCampaign(t, svc, residents)
	for u := int64(1000); u < 1000+residents; u++ {
		m, _ := svc.Compose(c, u)
		if _, err := svc.Press(ctx, private(u), fmt.Sprintf("cb-s%d", u), button(t, m, "我要报名")); err != nil {
			t.Fatalf("sign-up by %d: %v", u, err)
		}
	}

	rng := rand.New(rand.NewPCG(3, 15))
	checkedIn := 0
	last := int64(1000 + residents - 1)
	for u := int64(1000); u < last; u++ {
		if rng.IntN(3) == 0 {
			continue
		}
		checkedIn++
		r, err := svc.CheckIn(ctx, private(u), "ev_"+c.ID)
		if err != nil || !strings.Contains(r.Text, "签到成功") || !strings.Contains(r.Text, c.Title) {
			t.Fatalf("check-in by %d = %q, %v", u, r.Text, err)
		}
		switch rng.IntN(4) {
		case 0: // scans again
			if r, err := svc.CheckIn(ctx, private(u), "ev_"+c.ID); err != nil || r.Text != "您已签到，欢迎参加！" {
				t.Errorf("second check-in by %d = %q, %v; want the polite reminder", u, r.Text, err)
			}
		case 1: // tries in the event's group chat
			if _, err := svc.CheckIn(ctx, campaign.User{ID: u, Chat: -100, Private: false}, "ev_"+c.ID); !errors.Is(err, campaign.ErrForbidden) {
				t.Errorf("check-in in a group = %v, want ErrForbidden", err)
			}
		}
	}
	// The last resident scans on two phones at the same moment, four times.
	var wg sync.WaitGroup
	var mu sync.Mutex
	successes := 0
	for range 8 {
		wg.Go(func() {
			r, err := svc.CheckIn(ctx, private(last), "ev_"+c.ID)
			if err != nil {
				t.Errorf("concurrent check-in: %v", err)
			}
			if strings.Contains(r.Text, "签到成功") {
				mu.Lock()
				successes++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if successes != 1 {
		t.Errorf("%d of 8 simultaneous scans were told they checked in, want 1", successes)
	}
	checkedIn++

	// One resident scans a code of an event that does not exist, another
	// sends a forged payload; a campaign without an event has no check-in.
	plain, err := svc.Create(ctx, private(volunteer), campaign.Campaign{Title: "宪法宣传周", Message: "宪法是根本大法。"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		payload string
		want    error
	}{
		{"ev_9999", campaign.ErrNotFound},
		{"ev_" + plain.ID, campaign.ErrNotFound},
		{"ev_" + c.ID + "/../" + plain.ID, campaign.ErrNotFound},
		{"ev_" + c.ID + "x", campaign.ErrNotFound},
		{"ev_", campaign.ErrNotFound},
		{"ev" + c.ID, campaign.ErrInvalid},
		{"EV_" + c.ID, campaign.ErrInvalid},
		{strings.Repeat("ev_", 200), campaign.ErrNotFound},
	} {
		_, err := svc.CheckIn(ctx, private(resident), bad.payload)
		var ue *campaign.UserError
		if !errors.Is(err, bad.want) || !errors.As(err, &ue) {
			t.Errorf("CheckIn(%.40q) = %v, want a %v shown to the resident", bad.payload, err, bad.want)
		}
	}

	total, forCampaign, seen := checkIns(t, st, c.ID)
	if total != int64(checkedIn) || forCampaign != int64(checkedIn) {
		t.Errorf("check-ins counted = %d (%d for campaign %s), want %d", total, forCampaign, c.ID, checkedIn)
	}
	if got := storedCheckIns(t, s, c.ID); got != checkedIn {
		t.Errorf("stored check-ins = %d, want %d", got, checkedIn)
	}
	if seen != residents { // every one who checked in had signed up
		t.Errorf("residents = %d, want %d", seen, residents)
	}
	if checkedIn == 0 || checkedIn >= residents {
		t.Errorf("%d of %d checked in: the simulation should have some but not all", checkedIn, residents)
	}
	list, err := svc.List(ctx, private(staff), 10)
	if want := fmt.Sprintf("活动报名 %d/%d，签到 %d", residents, residents, checkedIn); err != nil || !strings.Contains(list.Text, want) {
		t.Errorf("/campaigns = %q, %v; want %q", list.Text, err, want)
	}
	t.Logf("%d sign-ups, %d check-ins", residents, checkedIn)
}

// failing fails its next Record calls while down.
type failing struct {
	stats.Store
	mu   sync.Mutex
	down bool
}

func (f *failing) Record(ctx context.Context, e stats.Event) error {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return errors.New("statistics unreachable")
	}
	return f.Store.Record(ctx, e)
}

func (f *failing) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

// TestCheckInCountFails checks that a check-in whose count failed is not
// kept: the resident is asked to try again, and the retry counts it once.
func TestCheckInCountFails(t *testing.T) {
	forEachStore(t, testCheckInCountFails)
}

func testCheckInCountFails(t *testing.T, open opener) {
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{Config: stats.Config{ResidentKey: []byte("resident-key-0123456789")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec := &failing{Store: st}
	s := open(t)
	svc, err := campaign.New(s, campaign.Config{Admins: []int64{admin}, Key: testKey, Community: "hq", Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Roles().Grant(admin, volunteer, campaign.RoleVolunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := quizCampaign(t, svc, 10)

	rec.set(true)
	if _, err := svc.CheckIn(ctx, private(resident), "ev_"+c.ID); err == nil {
		t.Fatal("check-in with the statistics down succeeded")
	}
	if got := storedCheckIns(t, s, c.ID); got != 0 {
		t.Errorf("stored check-ins after a failed count = %d, want 0", got)
	}
	rec.set(false)
	for i, want := range []string{"签到成功", "您已签到"} {
		if r, err := svc.CheckIn(ctx, private(resident), "ev_"+c.ID); err != nil || !strings.Contains(r.Text, want) {
			t.Errorf("scan %d = %q, %v; want %q", i+1, r.Text, err, want)
		}
	}
	if total, _, _ := checkIns(t, st, c.ID); total != 1 || storedCheckIns(t, s, c.ID) != 1 {
		t.Errorf("check-ins = %d counted, %d stored; want 1 and 1", total, storedCheckIns(t, s, c.ID))
	}
}
