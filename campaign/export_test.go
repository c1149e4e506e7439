package campaign

import (
	"context"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RecipientsKept returns how many chat ids broadcast id still holds.
func RecipientsKept(s Store, id string) int {
	n, err := s.recipientsKept(context.Background(), id)
	if err != nil {
		panic(err)
	}
	return n
}

// RecipientsHeld returns the chat ids broadcast id still holds in any
// state, in order, read from the store's own structures.
func RecipientsHeld(s Store, id string) []int64 {
	ctx := context.Background()
	var out []int64
	switch s := s.(type) {
	case *BoltStore:
		err := s.db.View(func(tx *bolt.Tx) error {
			b := broadcastBucket(tx, id)
			if b == nil || b.Bucket(keyRecipients) == nil {
				return nil
			}
			return b.Bucket(keyRecipients).ForEach(func(k, _ []byte) error {
				out = append(out, chatOf(k))
				return nil
			})
		})
		if err != nil {
			panic(err)
		}
	case *RedisStore:
		k := s.bcKeys(id)
		pending, err1 := s.rdb.ZRange(ctx, k[1], 0, -1).Result()
		sending, err2 := s.rdb.HKeys(ctx, k[2]).Result()
		attempted, err3 := s.rdb.HKeys(ctx, k[3]).Result()
		for _, err := range []error{err1, err2, err3} {
			if err != nil {
				panic(err)
			}
		}
		for _, v := range slices.Concat(pending, sending, attempted) {
			chat, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				panic(err)
			}
			out = append(out, chat)
		}
	default:
		panic("RecipientsHeld: unknown store")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// StartBroadcast starts broadcast id, or restarts it, as a run does.
func StartBroadcast(s Store, id string, now time.Time) Progress {
	p, err := s.startBroadcast(context.Background(), id, now)
	if err != nil {
		panic(err)
	}
	return p
}

// Claim marks up to n pending recipients of broadcast id as being sent, as
// a run does before sending to them, and returns their chats. A run that
// dies before settling them leaves them so.
func Claim(s Store, id string, n int) []int64 {
	outs, _, err := s.claim(context.Background(), id, "", n)
	if err != nil {
		panic(err)
	}
	chats := make([]int64, len(outs))
	for i, o := range outs {
		chats[i] = o.chat
	}
	return chats
}

// PosterQR returns where the PNG poster of campaign id draws module (0, 0)
// of a QR code of n modules across (with its quiet zone), and the side of
// a module, in pixels.
func PosterQR(id string, n int) (x, y, module int) {
	_, _, g := posterGeometry(n, []string{"EVENT #" + id, "2006-01-02 15:04"})
	return g.x0, g.y0, g.module
}
