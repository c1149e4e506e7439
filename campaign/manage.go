package campaign

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// What volunteers, staff and admins do besides creating and sending
// campaigns: list and discard campaigns, revoke roles and read the grants,
// list and correct the offline activities.

// Discard drops a draft or scheduled campaign: it is kept, marked
// discarded, and never sent.
func (s *Service) Discard(ctx context.Context, u User, id string) (Reply, error) {
	if err := s.authorize(u, ActSend); err != nil {
		return Reply{}, err
	}
	before, err := s.store.update(ctx, id, func(c *Campaign) error {
		if c.Status != StatusDraft && c.Status != StatusScheduled {
			return errUnchanged
		}
		c.Status = StatusDiscarded
		return nil
	})
	if err != nil {
		return Reply{}, notFound(fmt.Errorf("campaign: discard %s: %w", id, err), id)
	}
	switch before.Status {
	case StatusDraft, StatusScheduled:
		return Reply{Text: "已放弃推送 " + id + "，不会发送。", Notice: "已放弃"}, nil
	case StatusDiscarded:
		return Reply{Text: "推送 " + id + " 已经放弃了。", Notice: "已放弃"}, nil
	}
	return Reply{Text: "推送 " + id + " 已在发送或已发送，无法放弃。", Notice: "无法放弃"}, nil
}

// List shows the most recent campaigns, newest first, with their status.
func (s *Service) List(ctx context.Context, u User, limit int) (Reply, error) {
	if err := s.authorize(u, ActStatus); err != nil {
		return Reply{}, err
	}
	all, err := s.store.List(ctx)
	if err != nil {
		return Reply{}, err
	}
	if len(all) == 0 {
		return Reply{Text: "还没有推送。发送 /new 新建一个。"}, nil
	}
	var b strings.Builder
	b.WriteString("最近的推送：\n")
	for i := len(all) - 1; i >= 0 && i >= len(all)-limit; i-- {
		c := all[i]
		fmt.Fprintf(&b, "\n%s. %s（%s", c.ID, short(c.Title, 30), c.Status.Label())
		if c.Status == StatusScheduled {
			fmt.Fprintf(&b, "，%s", c.At.In(Zone).Format("1月2日 15:04"))
		}
		if c.Event != nil {
			signups, err := s.store.Signups(ctx, c.ID)
			if err != nil {
				return Reply{}, err
			}
			fmt.Fprintf(&b, "，活动报名 %d/%d", signups, c.Event.Capacity)
			if n, err := s.store.CheckIns(ctx, c.ID); err != nil {
				return Reply{}, err
			} else if n > 0 {
				fmt.Fprintf(&b, "，签到 %d", n)
			}
		}
		b.WriteString("）")
	}
	b.WriteString("\n\n/preview 编号 预览，/send 编号 发送，/progress 查看发送进度，/poster 编号 活动海报。")
	return Reply{Text: b.String()}, nil
}

// Revoke makes target a resident again on an admin's command.
func (s *Service) Revoke(_ context.Context, u User, target int64) (Reply, error) {
	if err := s.authorize(u, ActGrant); err != nil {
		return Reply{}, err
	}
	was := s.roles.Role(target)
	if err := s.roles.Revoke(u.ID, target, s.cfg.Now()); err != nil {
		return Reply{}, &UserError{Err: err, Text: "撤销失败：" + strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")}
	}
	if now := s.roles.Role(target); now != RoleResident {
		return Reply{Text: fmt.Sprintf("用户 %d 由配置指定为%s，撤销后仍是%s；请修改配置。", target, now.Label(), now.Label())}, nil
	}
	return Reply{Text: fmt.Sprintf("已撤销用户 %d 的%s角色，现为居民。", target, was.Label())}, nil
}

// Grants shows the last limit grants and revocations, newest first.
func (s *Service) Grants(_ context.Context, u User, limit int) (Reply, error) {
	if err := s.authorize(u, ActGrant); err != nil {
		return Reply{}, err
	}
	gs, err := s.roles.Grants()
	if err != nil {
		return Reply{}, err
	}
	if len(gs) == 0 {
		return Reply{Text: "还没有授权记录。"}, nil
	}
	var b strings.Builder
	b.WriteString("授权记录（最新在前）：")
	for i := len(gs) - 1; i >= 0 && i >= len(gs)-limit; i-- {
		g := gs[i]
		what := "授予" + g.Role.Label()
		if g.Role == RoleResident {
			what = "撤销角色"
		}
		fmt.Fprintf(&b, "\n%s 管理员 %d 对用户 %d %s", g.At.In(Zone).Format("2006-01-02 15:04"), g.By, g.User, what)
	}
	return Reply{Text: b.String()}, nil
}

// ErrNoActivities is the cause of a refusal when no activity store is
// configured.
var ErrNoActivities = errors.New("campaign: no activity store")

// Activities returns the last limit offline activities logged, newest
// first, for staff to check and correct.
func (s *Service) Activities(ctx context.Context, u User, limit int) ([]stats.Activity, error) {
	if err := s.authorize(u, ActCorrect); err != nil {
		return nil, err
	}
	if s.cfg.Activities == nil {
		return nil, &UserError{Err: ErrNoActivities, Text: "当前的统计存储不支持查看和更正线下活动。"}
	}
	as, err := s.cfg.Activities.Activities(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("campaign: activities: %w", err)
	}
	return as, nil
}

// Correction is staff's correction of a logged offline activity.
type Correction struct {
	// ID makes it idempotent: the Telegram update of the command.
	ID string
	// No is the activity's number (stats.Activity.No).
	No int64
	// Count is the right count; 0 voids the entry.
	Count  int
	Reason string
}

// Correct records a correction of an offline activity by staff; the
// original entry is kept and reports count the corrected value.
func (s *Service) Correct(ctx context.Context, u User, c Correction) (stats.Activity, error) {
	if err := s.authorize(u, ActCorrect); err != nil {
		return stats.Activity{}, err
	}
	if s.cfg.Activities == nil {
		return stats.Activity{}, &UserError{Err: ErrNoActivities, Text: "当前的统计存储不支持更正线下活动。"}
	}
	a, err := s.cfg.Activities.Correct(ctx, stats.Correction{
		ID: "campaign:correct:" + c.ID, No: c.No, Count: c.Count, Reason: c.Reason,
		By: "tg:" + strconv.FormatInt(u.ID, 10), Time: s.cfg.Now(),
	})
	switch {
	case errors.Is(err, stats.ErrNotFound):
		return stats.Activity{}, &UserError{Err: err, Text: fmt.Sprintf("没有编号为 %d 的活动记录。发送 /activities 查看最近的记录。", c.No)}
	case errors.Is(err, stats.ErrInvalid):
		return stats.Activity{}, &UserError{Err: err, Text: "更正未保存：数量超出范围或原因过长，请检查后重试。"}
	case err != nil:
		return stats.Activity{}, fmt.Errorf("campaign: correct: %w", err)
	}
	return a, nil
}

// FormatActivity is one line about a logged activity, in Chinese, with its
// corrections.
func FormatActivity(a stats.Activity) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s", a.No, a.Time.In(Zone).Format("2006-01-02"), KindName(a.Kind))
	if a.Place != "" {
		b.WriteString(" " + a.Place)
	}
	fmt.Fprintf(&b, " %d%s", a.Current(), Unit(a.Kind))
	for _, c := range a.Corrections {
		fmt.Fprintf(&b, "\n    %s 由 %s 更正：%d → %d（%s）", c.Time.In(Zone).Format("01-02 15:04"), c.By, c.Old, c.Count, c.Reason)
	}
	return b.String()
}

// Recall returns what Remember kept under key. A store that cannot be read
// is logged and reported as nothing kept.
func (s *Service) Recall(key string) ([]byte, bool) {
	v, ok, err := s.store.recall(context.Background(), key)
	if err != nil {
		s.cfg.Logger.Warn("campaign: recall", "err", err)
	}
	return v, ok
}

// Remember keeps value under key, for a chat front end that answers a
// redelivered message as it did the first time.
func (s *Service) Remember(key string, value []byte) error {
	return s.store.remember(context.Background(), key, value)
}

// Now is the service's clock reading.
func (s *Service) Now() time.Time { return s.cfg.Now() }
