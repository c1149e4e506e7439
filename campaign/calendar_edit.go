package campaign

import (
	"context"
	"fmt"
)

// EditCalendar lets staff add or replace a theme; the edit is stored and
// takes precedence over the calendar file.
func (s *Service) EditCalendar(ctx context.Context, u User, t Theme) (Reply, error) {
	if err := s.authorize(u, ActCalendar); err != nil {
		return Reply{}, err
	}
	if err := checkTheme(t); err != nil {
		return Reply{}, &UserError{Err: err, Text: "主题有误：" + err.Error()}
	}
	if err := s.store.putTheme(ctx, t); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("已更新 %d 月主题：%s", t.Month, t.Title)}, nil
}

// Calendar returns the calendar with staff's edits. If the edits cannot be
// read it is the calendar without them, and the error is logged.
func (s *Service) Calendar() *Calendar {
	edits, err := s.store.themes(context.Background())
	if err != nil {
		s.cfg.Logger.Warn("campaign: theme edits not read", "err", err)
	}
	return s.cfg.Calendar.with(edits)
}
