package campaign_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/internal/redistest"
	"github.com/lawbot/lawbot/stats/redisstore"
)

// TestTopologies runs the store tests on a Sentinel and on a three-master
// Cluster, as lawbot serve connects to them: every key of the campaigns
// shares one hash tag, so each script and transaction runs on one node.
func TestTopologies(t *testing.T) {
	redistest.Need(t)
	tests := []struct {
		name string
		f    func(*testing.T, opener)
	}{
		{"RoleActionMatrix", testRoleActionMatrix},
		{"ParticipationCounts", testParticipationCounts},
		{"GrantsRecorded", testGrantsRecorded},
		{"CheckInCounts", testCheckInCounts},
		{"PreviewSendScheduleDiscard", testPreviewSendScheduleDiscard},
		{"EditCalendar", testEditCalendar},
		{"SignupRace", testSignupRace},
		{"PressRedelivered", testPressRedelivered},
		{"UnsubscribeDuringBroadcast", testUnsubscribeDuringBroadcast},
		{"ScheduleDiscardRace", testScheduleDiscardRace},
		{"BroadcastFakeBotAPI", testBroadcastFakeBotAPI},
		// Not the tests in synctest bubbles: a Sentinel client's
		// goroutines would live in them.
	}
	for _, top := range []struct {
		name  string
		start func(testing.TB) string
	}{{"sentinel", redistest.Sentinel}, {"cluster", redistest.Cluster}} {
		t.Run(top.name, func(t *testing.T) {
			url := top.start(t)
			// The servers go when the test ends: no keys to delete.
			open := func(tb testing.TB) campaign.Store {
				tb.Helper()
				rdb, err := redisstore.NewClient(url)
				if err != nil {
					tb.Fatal(err)
				}
				tb.Cleanup(func() { rdb.Close() })
				b := make([]byte, 6)
				rand.Read(b)
				s, err := campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: "t-" + hex.EncodeToString(b)})
				if err != nil {
					tb.Fatal(err)
				}
				return s
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.f(t, open) })
			}
		})
	}
}
