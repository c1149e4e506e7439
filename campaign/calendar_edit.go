package campaign

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// EditCalendar lets staff add or replace a theme; the edit is stored and
// takes precedence over the calendar file.
func (s *Service) EditCalendar(_ context.Context, u User, t Theme) (Reply, error) {
	if err := s.authorize(u, ActCalendar); err != nil {
		return Reply{}, err
	}
	if err := checkTheme(t); err != nil {
		return Reply{}, &UserError{Err: err, Text: "主题有误：" + err.Error()}
	}
	err := s.store.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bucketThemes), []byte(t.Key), t) })
	if err != nil {
		return Reply{}, fmt.Errorf("campaign: edit calendar: %w", err)
	}
	return Reply{Text: fmt.Sprintf("已更新 %d 月主题：%s", t.Month, t.Title)}, nil
}

// Calendar returns the calendar with staff's edits.
func (s *Service) Calendar() *Calendar {
	var edits []Theme
	s.store.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketThemes).ForEach(func(_, v []byte) error {
			var t Theme
			if json.Unmarshal(v, &t) == nil {
				edits = append(edits, t)
			}
			return nil
		})
	})
	return s.cfg.Calendar.with(edits)
}
