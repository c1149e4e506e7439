package campaign

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

func (s *BoltStore) dump(context.Context) (*snapshot, error) {
	snap := newSnapshot()
	err := s.db.View(func(tx *bolt.Tx) error {
		each := func(name []byte, fn func(k, v []byte) error) error {
			if b := bucket(tx, name); b != nil {
				return b.ForEach(fn)
			}
			return nil
		}
		err := each(bucketSubs, func(k, _ []byte) error {
			snap.Subscribers = append(snap.Subscribers, chatOf(k))
			return nil
		})
		if err != nil {
			return err
		}
		if snap.Campaigns, err = readJSON[*Campaign](tx, bucketCampaigns); err != nil {
			return err
		}
		if err := each(bucketRoles, func(k, v []byte) error {
			user, err := strconv.ParseInt(string(k), 10, 64)
			if err != nil {
				return fmt.Errorf("role of %q: %w", k, err)
			}
			snap.Roles[user] = Role(v)
			return nil
		}); err != nil {
			return err
		}
		if snap.Grants, err = readJSON[Grant](tx, bucketGrants); err != nil {
			return err
		}
		for _, m := range []struct {
			name []byte
			to   map[string]map[string]string
		}{{bucketAnswers, snap.Answers}, {bucketSignups, snap.Signups}, {bucketCheckins, snap.CheckIns}} {
			if err := each(m.name, func(k, v []byte) error {
				id, field, ok := strings.Cut(string(k), "/")
				if !ok {
					return fmt.Errorf("%s key %q", m.name, k)
				}
				add(m.to, id, field, string(v))
				return nil
			}); err != nil {
				return err
			}
		}
		if snap.Themes, err = readJSON[Theme](tx, bucketThemes); err != nil {
			return err
		}
		bc := bucket(tx, bucketBC)
		if bc == nil {
			return nil
		}
		return bc.ForEachBucket(func(id []byte) error {
			b := bc.Bucket(id)
			p, err := readMeta(b)
			if err != nil {
				return err
			}
			bs := broadcastSnapshot{Progress: p, Pending: map[int64]time.Time{}, Sending: map[int64]time.Time{}}
			if r := b.Bucket(keyRecipients); r != nil {
				r.ForEach(func(k, v []byte) error {
					switch state, at := parseRecipient(v); state {
					case statePending:
						bs.Pending[chatOf(k)] = at
					case stateSending:
						bs.Sending[chatOf(k)] = at
					}
					return nil
				})
			}
			snap.Broadcasts = append(snap.Broadcasts, bs)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

func (s *BoltStore) empty(context.Context) (bool, error) {
	empty := true
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSubs, bucketCampaigns, bucketRoles, bucketGrants, bucketThemes} {
			if b := bucket(tx, name); b != nil {
				if k, _ := b.Cursor().First(); k != nil {
					empty = false
				}
			}
		}
		return nil
	})
	return empty, err
}

func (s *BoltStore) load(_ context.Context, snap *snapshot) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		subs := tx.Bucket(bucketSubs)
		for _, c := range snap.Subscribers {
			if err := subs.Put(chatKey(c), nil); err != nil {
				return err
			}
		}
		cs := tx.Bucket(bucketCampaigns)
		var last uint64
		for _, c := range snap.Campaigns {
			if err := putJSON(cs, []byte(c.ID), c); err != nil {
				return err
			}
			if n, err := strconv.ParseUint(c.ID, 10, 64); err == nil && n > last {
				last = n
			}
		}
		if err := cs.SetSequence(last); err != nil { // new campaigns follow on
			return err
		}
		roles := tx.Bucket(bucketRoles)
		for user, r := range snap.Roles {
			if err := roles.Put([]byte(strconv.FormatInt(user, 10)), []byte(r)); err != nil {
				return err
			}
		}
		grants := tx.Bucket(bucketGrants)
		for _, g := range snap.Grants {
			seq, err := grants.NextSequence()
			if err != nil {
				return err
			}
			if err := putJSON(grants, binary.BigEndian.AppendUint64(nil, seq), g); err != nil {
				return err
			}
		}
		for _, m := range []struct {
			name []byte
			from map[string]map[string]string
		}{{bucketAnswers, snap.Answers}, {bucketSignups, snap.Signups}, {bucketCheckins, snap.CheckIns}} {
			b := tx.Bucket(m.name)
			for id, fields := range m.from {
				for f, v := range fields {
					if err := b.Put([]byte(id+"/"+f), []byte(v)); err != nil {
						return err
					}
				}
			}
		}
		themes := tx.Bucket(bucketThemes)
		for _, t := range snap.Themes {
			if err := putJSON(themes, []byte(t.Key), t); err != nil {
				return err
			}
		}
		bc := tx.Bucket(bucketBC)
		for _, bs := range snap.Broadcasts {
			b, err := bc.CreateBucket([]byte(bs.Progress.Campaign))
			if err != nil {
				return err
			}
			if err := putJSON(b, keyMeta, bs.Progress); err != nil {
				return err
			}
			if bs.Progress.State == BroadcastDone {
				continue // its recipients are forgotten
			}
			r, err := b.CreateBucket(keyRecipients)
			if err != nil {
				return err
			}
			for state, chats := range map[byte]map[int64]time.Time{statePending: bs.Pending, stateSending: bs.Sending} {
				for c, at := range chats {
					if err := r.Put(chatKey(c), recipientValue(state, at)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
