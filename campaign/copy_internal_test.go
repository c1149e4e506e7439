package campaign

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/internal/redistest"
)

// DumpSections reads what Copy copies from s, and returns it by section
// ("subscribers", "campaigns", "roles", ...) as canonical JSON, so two
// stores can be compared exactly: in the order the public API gives,
// maps by key, times in UTC. A broadcast's times are cut to the
// millisecond, all Redis keeps of them.
func DumpSections(tb testing.TB, s Store) map[string]string {
	tb.Helper()
	snap, err := s.dump(context.Background())
	if err != nil {
		tb.Fatalf("dump: %v", err)
	}
	return canonical(tb, snap)
}

// canonical is DumpSections of a snapshot.
func canonical(tb testing.TB, snap *snapshot) map[string]string {
	tb.Helper()
	utc := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.UTC()
	}
	ms := func(t time.Time) time.Time { return utc(t).Truncate(time.Millisecond) }

	// Nil and empty are alike: JSON "[]".
	subs := append([]int64{}, snap.Subscribers...)
	slices.Sort(subs)
	cs := []Campaign{}
	for _, c := range snap.Campaigns {
		c := *c
		c.At, c.Created = utc(c.At), utc(c.Created)
		if c.Event != nil {
			e := *c.Event
			e.Time = utc(e.Time)
			c.Event = &e
		}
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b Campaign) int { return CompareIDs(a.ID, b.ID) })
	grants := append([]Grant{}, snap.Grants...)
	for i := range grants {
		grants[i].At = utc(grants[i].At)
	}
	themes := append([]Theme{}, snap.Themes...)
	slices.SortFunc(themes, func(a, b Theme) int { return strings.Compare(a.Key, b.Key) })
	type recipients struct {
		Pending, Sending map[int64]time.Time
	}
	bcs := map[string]any{}
	for _, bs := range snap.Broadcasts {
		p := bs.Progress
		p.PausedUntil, p.Started, p.Updated, p.Finished = ms(p.PausedUntil), ms(p.Started), ms(p.Updated), ms(p.Finished)
		r := recipients{Pending: map[int64]time.Time{}, Sending: map[int64]time.Time{}}
		for c, at := range bs.Pending {
			r.Pending[c] = ms(at)
		}
		for c, at := range bs.Sending {
			r.Sending[c] = ms(at)
		}
		bcs[p.Campaign] = struct {
			Progress   Progress
			Recipients recipients
		}{p, r}
	}
	// Inner maps of the marks: none is made empty.
	marks := func(m map[string]map[string]string) map[string]map[string]string {
		out := map[string]map[string]string{}
		for id, fields := range m {
			if len(fields) > 0 {
				out[id] = maps.Clone(fields)
			}
		}
		return out
	}
	sections := map[string]any{
		"subscribers": subs,
		"campaigns":   cs,
		"roles":       snap.Roles,
		"grants":      grants,
		"answers":     marks(snap.Answers),
		"signups":     marks(snap.Signups),
		"checkins":    marks(snap.CheckIns),
		"themes":      themes,
		"broadcasts":  bcs,
	}
	out := make(map[string]string, len(sections))
	for name, v := range sections {
		data, err := json.Marshal(v)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out[name] = string(data)
	}
	return out
}

// TestCopyLoadDump loads a snapshot made by hand, with what the stores'
// flows rarely leave at the moment of a copy (a negative chat among the
// recipients, a rate-limit pause, a halt, recipients in flight with no
// attempt yet, a campaign id past 9), into an empty store of each kind, and
// reads it back: the same, but the broadcast times cut to milliseconds.
// A new campaign then gets the id after the highest.
func TestCopyLoadDump(t *testing.T) {
	for _, kind := range []string{"bolt", "redis"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := openInternal(t, kind)
			if empty, err := s.empty(ctx); err != nil || !empty {
				t.Fatalf("new store: empty = %v, %v", empty, err)
			}
			snap := handSnapshot()
			if err := s.load(ctx, snap); err != nil {
				t.Fatal(err)
			}
			if empty, err := s.empty(ctx); err != nil || empty {
				t.Fatalf("after load: empty = %v, %v", empty, err)
			}
			want, got := canonical(t, snap), DumpSections(t, s)
			for name := range want {
				if got[name] != want[name] {
					t.Errorf("%s:\n got %s\nwant %s", name, got[name], want[name])
				}
			}
			// The halted broadcast is open: unsubscribing a pending chat
			// takes it out, and the done one keeps no recipients.
			if was, err := s.Unsubscribe(ctx, -1001234567890); err != nil || !was {
				t.Fatalf("Unsubscribe = %v, %v", was, err)
			}
			ps, err := s.Progress(ctx, "10")
			if err != nil || len(ps) != 1 || ps[0].Total != 4 || ps[0].Pending != 3 || ps[0].State != BroadcastHalted || ps[0].Halt != "can't parse entities" {
				t.Errorf("Progress(10) after Unsubscribe = %+v, %v; want halted, 4 total, 3 pending", ps, err)
			}
			if n, err := s.recipientsKept(ctx, "10"); err != nil || n != 3 {
				t.Errorf("recipients kept by 10 = %d, %v; want 3", n, err)
			}
			if n, err := s.recipientsKept(ctx, "2"); err != nil || n != 0 {
				t.Errorf("recipients kept by done 2 = %d, %v; want 0", n, err)
			}
			c := &Campaign{Title: "t", Message: "m", Community: "hq", Status: StatusDraft}
			if err := s.Put(ctx, c); err != nil || c.ID != "11" {
				t.Errorf("new campaign id = %q, %v; want 11", c.ID, err)
			}
		})
	}
}

// handSnapshot is a store's worth of data, made by hand.
func handSnapshot() *snapshot {
	at := time.Date(2026, 3, 15, 20, 0, 0, 123456789, Zone)
	ms := func(d time.Duration) time.Time { return at.Add(d).Truncate(time.Millisecond) }
	snap := newSnapshot()
	snap.Subscribers = []int64{-1001234567890, 7, 1001, 1002, 1003}
	for _, id := range []string{"2", "10", "9"} {
		c := &Campaign{ID: id, Title: "推送 " + id, Message: "正文", Community: "hq", Status: StatusDraft, By: 3, Created: at}
		switch id {
		case "2":
			c.Status = StatusSent
		case "9":
			c.Status, c.At = StatusScheduled, at.Add(48*time.Hour)
			c.Quiz = []Question{{Text: "问题", Options: []string{"甲", "乙"}, Answer: 1, Explain: "解释"}}
			c.Event = &Event{Place: "社区活动中心", Time: at.Add(72 * time.Hour), Capacity: 3}
		case "10":
			c.Status = StatusHalted
		}
		snap.Campaigns = append(snap.Campaigns, c)
	}
	snap.Roles = map[int64]Role{2: RoleStaff, 3: RoleVolunteer}
	snap.Grants = []Grant{
		{By: 1, User: 3, Role: RoleVolunteer, At: at},
		{By: 1, User: 2, Role: RoleStaff, At: at.Add(time.Minute)},
		{By: 1, User: 50, Role: RoleVolunteer, At: at.Add(2 * time.Minute)},
		{By: 1, User: 50, Role: RoleResident, At: at.Add(3 * time.Minute)},
	}
	add(snap.Answers, "9", "0/1001", "1")
	add(snap.Answers, "9", "0/1002", "0")
	add(snap.Signups, "9", "1001", "1773576000")
	add(snap.CheckIns, "9", "1001", "1773590400")
	snap.Themes = []Theme{{Key: "community-safety", Month: 6, Day: 16, Title: "安全生产月", Laws: []string{"安全生产法"}, Message: "注意安全。"}}
	snap.Broadcasts = []broadcastSnapshot{
		{
			Progress: Progress{Campaign: "2", State: BroadcastDone, Total: 5, Sent: 4, Gone: 1, Crashes: 1, Uncertain: 2,
				Started: at, Updated: at.Add(time.Minute), Finished: at.Add(time.Minute)},
			Pending: map[int64]time.Time{}, Sending: map[int64]time.Time{},
		},
		{
			Progress: Progress{Campaign: "10", State: BroadcastHalted, Total: 5, Sent: 1, Pending: 4, Crashes: 1, Uncertain: 1,
				Halt: "can't parse entities", PausedUntil: at.Add(3 * time.Second), Started: at, Updated: at.Add(2 * time.Second)},
			Pending: map[int64]time.Time{-1001234567890: {}, 1002: ms(time.Second)},
			Sending: map[int64]time.Time{1001: ms(2 * time.Second), 1003: {}},
		},
	}
	return snap
}

// openInternal opens an empty store of kind, closed (for Redis, its keys
// deleted) when t ends: Redis at LAWBOT_TEST_REDIS_URL, else a miniredis.
func openInternal(t *testing.T, kind string) Store {
	t.Helper()
	if kind == "bolt" {
		s, err := Open(t.TempDir(), StoreOptions{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	rdb := redistest.Client(t, redistest.URL(t))
	s, err := NewRedisStore(rdb, RedisOptions{Prefix: redistest.Prefix(t, rdb)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
