package campaign

import (
	"context"
	"time"
)

// Store keeps what the campaigns need between messages and across
// restarts: subscribers, campaigns, roles and grants, quiz answers,
// sign-ups and check-ins, staff's theme edits, and the per-recipient state
// of each broadcast. There are two: BoltStore (Open), a file for a single
// server, and RedisStore (NewRedisStore), shared by every replica. Both pass
// the same tests; every change is atomic, so a crash leaves no half-done
// press, grant or broadcast step.
//
// The exported methods are for tools and tests; the Service and the
// Broadcaster use the rest, which only this package implements.
type Store interface {
	// Subscribe adds chat to the subscribers and reports whether it was
	// subscribed already.
	Subscribe(ctx context.Context, chat int64) (already bool, err error)
	// Unsubscribe deletes chat from the subscribers and from every
	// broadcast not finished: its id is not kept. It reports whether the
	// chat was subscribed.
	Unsubscribe(ctx context.Context, chat int64) (was bool, err error)
	// Subscribed reports whether chat is subscribed.
	Subscribed(ctx context.Context, chat int64) (bool, error)
	// Subscribers returns the number of subscribed chats.
	Subscribers(ctx context.Context) (int, error)
	// AddSubscribers subscribes many chats at once (imports, tests).
	AddSubscribers(ctx context.Context, chats []int64) error

	// Put stores c, giving it an ID if it has none.
	Put(ctx context.Context, c *Campaign) error
	// Get returns the campaign with id, or ErrNotFound.
	Get(ctx context.Context, id string) (*Campaign, error)
	// List returns every campaign, oldest first.
	List(ctx context.Context) ([]*Campaign, error)

	// Signups returns the number of sign-ups for campaign id's event.
	Signups(ctx context.Context, id string) (int, error)
	// CheckIns returns the number of residents who checked in at campaign
	// id's event.
	CheckIns(ctx context.Context, id string) (int, error)

	// Progress returns the progress of every broadcast, or of those named.
	Progress(ctx context.Context, ids ...string) ([]Progress, error)
	// Resume clears the halt of a broadcast, e.g. after the message was
	// fixed; the next Run sends to the recipients not yet reached.
	Resume(ctx context.Context, id string) error

	// Close releases the store.
	Close() error

	backend
}

// backend is the part of a Store only this package calls.
type backend interface {
	// update applies fn to campaign id atomically. fn returns errUnchanged
	// to store nothing; update returns the campaign as it was before.
	update(ctx context.Context, id string, fn func(c *Campaign) error) (before *Campaign, err error)

	// press runs a button press once per key: a press delivered or
	// pressed twice gets the reply of the first. The first makes mark m
	// and is answered with r.made, r.already or r.full after what it found.
	press(ctx context.Context, key string, m mark, r pressReplies) (reply string, err error)
	// checkedIn reports whether user checked in at campaign id's event.
	checkedIn(ctx context.Context, id string, user int64) (bool, error)
	// checkIn records user's check-in; already is true if it was recorded
	// before.
	checkIn(ctx context.Context, id string, user int64, at time.Time) (already bool, err error)

	// role returns the role granted to user, RoleResident if none.
	role(ctx context.Context, user int64) (Role, error)
	// grant sets g.User's role to g.Role (RoleResident deletes it) and
	// records g, at once.
	grant(ctx context.Context, g Grant) error
	// grants returns every grant recorded, oldest first.
	grants(ctx context.Context) ([]Grant, error)

	// putTheme stores staff's edit of a theme; themes returns them all.
	putTheme(ctx context.Context, t Theme) error
	themes(ctx context.Context) ([]Theme, error)

	// remember and recall keep a chat front end's replies to messages.
	remember(ctx context.Context, key string, value []byte) error
	recall(ctx context.Context, key string) ([]byte, bool, error)

	// startBroadcast snapshots the subscribers as the recipients the first
	// time, and on a later run turns the sends in flight when the last run
	// died back into pending ones, counted as uncertain.
	startBroadcast(ctx context.Context, id string, now time.Time) (Progress, error)
	// claim marks up to n pending recipients after cursor as being sent,
	// and keeps that before anything is sent. It returns them and the
	// cursor after them; "" starts from the first.
	claim(ctx context.Context, id, cursor string, n int) ([]outcome, string, error)
	// settle records the outcomes of a batch, unsubscribing the chats
	// gone, and halts the broadcast if halt is set.
	settle(ctx context.Context, id string, outs []outcome, halt string, paused, now time.Time) (Progress, error)
	// finish marks a broadcast done once no recipient is pending or being
	// sent, and forgets the recipients' chat ids.
	finish(ctx context.Context, id string, now time.Time) (Progress, error)
	// recipientsKept returns how many chat ids broadcast id still holds.
	recipientsKept(ctx context.Context, id string) (int, error)

	// dump reads everything for Copy; empty reports whether the store
	// holds nothing; load writes a snapshot into an empty store.
	dump(ctx context.Context) (*snapshot, error)
	empty(ctx context.Context) (bool, error)
	load(ctx context.Context, s *snapshot) error
}

// errUnchanged, returned by an update's fn, stores nothing.
var errUnchanged = errorString("unchanged")

type errorString string

func (e errorString) Error() string { return string(e) }

// markKind is what a pressed button records.
type markKind int

const (
	markNone   markKind = iota // nothing: a "read" button
	markAnswer                 // a quiz answer, once per question and user
	markSignup                 // a sign-up, once per user, up to a capacity
)

// mark is the one-time record a press makes.
type mark struct {
	kind     markKind
	campaign string
	// field is "question/user" for an answer, "user" for a sign-up.
	field string
	value string
	// capacity is the most sign-ups the event takes.
	capacity int
}

// pressReplies are the replies to a press that made its mark, found it
// made before, or found the event full.
type pressReplies struct{ made, already, full string }

// Due returns the campaigns to broadcast at now: those scheduled before
// now, and those whose broadcast did not finish.
func Due(ctx context.Context, s Store, now time.Time) ([]*Campaign, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Campaign
	for _, c := range all {
		if c.Status == StatusSending || c.Status == StatusScheduled && !c.At.After(now) {
			out = append(out, c)
		}
	}
	return out, nil
}
