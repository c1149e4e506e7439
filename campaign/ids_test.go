package campaign_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/campaign"
)

// TestTypedIDs sends campaign ids no store gives, as users may type them
// after /preview, /send, /resume or in a forged check-in link, to every
// path that takes one. Each is told politely that there is no such
// campaign, and nothing changes: in Redis "1:p" would otherwise name
// campaign 1's pending recipients.
func TestTypedIDs(t *testing.T) {
	forEachStore(t, testTypedIDs)
}

func testTypedIDs(t *testing.T, open opener) {
	svc, s, _ := newService(t, open)
	ctx := context.Background()
	if err := s.AddSubscribers(ctx, []int64{1001, 1002, 1003}); err != nil {
		t.Fatal(err)
	}
	c := quizCampaign(t, svc, 2)
	if _, err := svc.Schedule(ctx, private(volunteer), c.ID, svc.Now()); err != nil {
		t.Fatal(err)
	}
	// A broadcast that died after claiming one recipient: campaign 1's
	// keys hold pending and in-flight chats.
	campaign.StartBroadcast(s, c.ID, svc.Now())
	campaign.Claim(s, c.ID, 1)
	before := progress(t, s, c.ID)

	for _, id := range []string{c.ID + ":p", c.ID + ":i", c.ID + ":at", "", " ", c.ID + "/", "../" + c.ID, "{x}", "1 2", strings.Repeat("9", 40), "１", "\x00"} {
		if _, err := s.Get(ctx, id); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
		}
		if err := s.Resume(ctx, id); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("Resume(%q) = %v, want ErrNotFound", id, err)
		}
		if _, err := s.Progress(ctx, id); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("Progress(%q) = %v, want ErrNotFound", id, err)
		}
		if n, err := s.Signups(ctx, id); n != 0 || err != nil {
			t.Errorf("Signups(%q) = %d, %v, want 0", id, n, err)
		}
		if n, err := s.CheckIns(ctx, id); n != 0 || err != nil {
			t.Errorf("CheckIns(%q) = %d, %v, want 0", id, n, err)
		}
		for name, call := range map[string]func() (campaign.Reply, error){
			"Preview":  func() (campaign.Reply, error) { return svc.Preview(ctx, private(volunteer), id) },
			"Schedule": func() (campaign.Reply, error) { return svc.Schedule(ctx, private(volunteer), id, svc.Now()) },
			"Discard":  func() (campaign.Reply, error) { return svc.Discard(ctx, private(volunteer), id) },
			"Resume":   func() (campaign.Reply, error) { return svc.Resume(ctx, private(staff), id) },
			"CheckIn":  func() (campaign.Reply, error) { return svc.CheckIn(ctx, private(1001), "ev_"+id) },
		} {
			_, err := call()
			var ue *campaign.UserError
			if !errors.As(err, &ue) || !errors.Is(err, campaign.ErrNotFound) {
				t.Errorf("%s(%q) = %v, want a UserError for ErrNotFound", name, id, err)
			}
		}
		if _, err := svc.Poster(ctx, private(volunteer), id); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("Poster(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if err := s.Put(ctx, &campaign.Campaign{ID: "2:p", Title: "t", Message: "m"}); !errors.Is(err, campaign.ErrInvalid) {
		t.Errorf("Put with id %q = %v, want ErrInvalid", "2:p", err)
	}
	if after := progress(t, s, c.ID); after != before {
		t.Errorf("progress of campaign %s changed: %+v, was %+v", c.ID, after, before)
	}
	if got := getCampaign(t, s, c.ID).Status; got != campaign.StatusSending {
		t.Errorf("campaign %s is %s, want still sending", c.ID, got)
	}
	if all, err := s.List(ctx); err != nil || len(all) != 1 {
		t.Errorf("List() = %d campaigns, %v; want only %s", len(all), err, c.ID)
	}
}

// FuzzCheckInPayload scans check-in links with any payload into a Redis
// store, where ids become parts of keys: only the real event's link checks
// in; anything else is a polite refusal, never another error or a crash.
func FuzzCheckInPayload(f *testing.F) {
	ts := newTestStore(f, "redis")
	s := ts.open(f)
	svc, err := campaign.New(s, campaign.Config{Admins: []int64{admin}, Key: testKey, Community: "hq"})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	c := &campaign.Campaign{Title: "宪法宣传周", Message: "m", Community: "hq", Status: campaign.StatusSent,
		Event: &campaign.Event{Place: "社区活动室", Time: svc.Now(), Capacity: 10}}
	if err := s.Put(ctx, c); err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{"ev_" + c.ID, "ev_" + c.ID + ":p", "ev_", "ev_0", "ev_{x}", "ev_1 ", "x"} {
		f.Add(p)
	}
	var user int64 = 5000
	f.Fuzz(func(t *testing.T, payload string) {
		user++
		r, err := svc.CheckIn(ctx, private(user), payload)
		if err == nil {
			if payload != "ev_"+c.ID || !strings.Contains(r.Text, "签到成功") {
				t.Fatalf("CheckIn(%q) = %q, want a refusal", payload, r.Text)
			}
			return
		}
		var ue *campaign.UserError
		if !errors.As(err, &ue) || ue.Text == "" {
			t.Fatalf("CheckIn(%q) = %v, want a UserError", payload, err)
		}
	})
}
