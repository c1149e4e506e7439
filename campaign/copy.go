package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// snapshot is everything a Store holds, but the replies kept for
// redelivered presses and messages, which expire anyway.
type snapshot struct {
	Subscribers []int64
	Campaigns   []*Campaign
	Roles       map[int64]Role
	Grants      []Grant
	// Answers, Signups and CheckIns are per campaign id: answers by
	// "question/user", sign-ups and check-ins by user, as the stores keep
	// them.
	Answers, Signups, CheckIns map[string]map[string]string
	Themes                     []Theme
	Broadcasts                 []broadcastSnapshot
}

// broadcastSnapshot is a broadcast's progress and, until it is done, the
// recipients not yet reached.
type broadcastSnapshot struct {
	Progress Progress
	// Pending and Sending hold each chat's last attempt (zero if none).
	Pending, Sending map[int64]time.Time
}

// CopyCounts says what Copy copied.
type CopyCounts struct {
	Subscribers, Campaigns, Roles, Grants, Answers, Signups, CheckIns, Themes, Broadcasts int
}

// ErrNotEmpty is returned by Copy when the destination holds data already.
var ErrNotEmpty = errors.New("campaign: destination store is not empty")

// Copy copies everything src holds into dst, which must be empty: how an
// office moves from one server's file to Redis shared by replicas, or back.
// Stop every server using either store first. A broadcast not finished is
// copied with its recipients and resumes from dst.
func Copy(ctx context.Context, dst, src Store) (CopyCounts, error) {
	snap, err := src.dump(ctx)
	if err != nil {
		return CopyCounts{}, fmt.Errorf("campaign: copy: read: %w", err)
	}
	empty, err := dst.empty(ctx)
	if err != nil {
		return CopyCounts{}, fmt.Errorf("campaign: copy: %w", err)
	}
	if !empty {
		return CopyCounts{}, ErrNotEmpty
	}
	if err := dst.load(ctx, snap); err != nil {
		return CopyCounts{}, fmt.Errorf("campaign: copy: write: %w", err)
	}
	n := CopyCounts{Subscribers: len(snap.Subscribers), Campaigns: len(snap.Campaigns), Roles: len(snap.Roles),
		Grants: len(snap.Grants), Themes: len(snap.Themes), Broadcasts: len(snap.Broadcasts)}
	for _, m := range snap.Answers {
		n.Answers += len(m)
	}
	for _, m := range snap.Signups {
		n.Signups += len(m)
	}
	for _, m := range snap.CheckIns {
		n.CheckIns += len(m)
	}
	return n, nil
}

// IsEmpty reports whether s holds no subscribers, campaigns, roles, grants
// or theme edits: nothing Copy would carry over.
func IsEmpty(ctx context.Context, s Store) (bool, error) { return s.empty(ctx) }

// newSnapshot returns an empty snapshot, its maps made.
func newSnapshot() *snapshot {
	return &snapshot{Roles: map[int64]Role{}, Answers: map[string]map[string]string{},
		Signups: map[string]map[string]string{}, CheckIns: map[string]map[string]string{}}
}

// add puts value under campaign id and field of m, making the inner map.
func add(m map[string]map[string]string, id, field, value string) {
	if m[id] == nil {
		m[id] = map[string]string{}
	}
	m[id][field] = value
}
