// Package campaign runs the monthly legal-education campaigns (一月一主题):
// the theme calendar, roles of volunteers and staff, campaigns with an
// optional quiz and event, residents' subscriptions, and a broadcaster that
// reaches every subscriber once, within Telegram's limits, across crashes.
//
// State lives in a Store: a bbolt file (campaign.db) under the data
// directory for one server (Open), or Redis, shared by every replica
// (NewRedisStore). Participation is counted through a Recorder such as a
// stats.Store.
package campaign

import (
	"context"
	"errors"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// Recorder counts what happened; a stats.Store is one. Recording must be
// idempotent by event Kind and ID.
type Recorder interface {
	Record(ctx context.Context, e stats.Event) error
}

// Errors of the package, to be detected with errors.Is.
var (
	// ErrNotFound is returned for an unknown campaign.
	ErrNotFound = errors.New("campaign: not found")
	// ErrForbidden is returned when a user may not do an action.
	ErrForbidden = errors.New("campaign: forbidden")
	// ErrInvalid marks a campaign, form or callback that was rejected.
	ErrInvalid = errors.New("campaign: invalid")
	// ErrHalted is returned by a broadcast stopped by a request Telegram
	// refused (a formatting error would hit every recipient).
	ErrHalted = errors.New("campaign: broadcast halted")
	// ErrLeaseHeld is returned when another replica holds the sending lease.
	ErrLeaseHeld = errors.New("campaign: another replica is sending")
	// ErrLeaseLost is the cause of a broadcast stopped because its lease
	// could not be renewed.
	ErrLeaseLost = errors.New("campaign: sending lease lost")
)

// Status is where a campaign is in its life.
type Status string

// Campaign statuses.
const (
	StatusDraft     Status = "draft"
	StatusScheduled Status = "scheduled"
	StatusSending   Status = "sending"
	StatusSent      Status = "sent"
	StatusHalted    Status = "halted"
	// StatusDiscarded is a draft or scheduled campaign a volunteer dropped.
	StatusDiscarded Status = "discarded"
)

// Label is the status in Chinese.
func (s Status) Label() string {
	return map[Status]string{StatusDraft: "草稿", StatusScheduled: "已安排", StatusSending: "发送中", StatusSent: "已发送",
		StatusHalted: "已暂停", StatusDiscarded: "已放弃"}[s]
}

// Campaign is one push to the subscribers.
type Campaign struct {
	// ID is assigned by the store: a short decimal number.
	ID string `json:"id"`
	// Theme is the key of the calendar theme it belongs to; may be empty.
	Theme string `json:"theme,omitempty"`
	// Title and Message are plain text; they are escaped when sent.
	Title   string `json:"title"`
	Message string `json:"message"`
	// Quiz is an optional list of multiple-choice questions.
	Quiz []Question `json:"quiz,omitempty"`
	// Event is an optional offline activity residents sign up for.
	Event *Event `json:"event,omitempty"`
	// Community is the community key the campaign is counted under.
	Community string `json:"community"`
	// Status is where the campaign is.
	Status Status `json:"status"`
	// At is when it is to be sent, for a scheduled campaign.
	At time.Time `json:"at,omitzero"`
	// By is the Telegram user id of the volunteer who created it.
	By int64 `json:"by"`
	// Created is when it was created.
	Created time.Time `json:"created"`
}

// Question is a multiple-choice quiz question.
type Question struct {
	Text    string   `json:"text"`
	Options []string `json:"options"`
	// Answer is the index of the right option.
	Answer int `json:"answer"`
	// Explain is shown after the resident answered.
	Explain string `json:"explain"`
}

// Event is an offline activity with limited places.
type Event struct {
	Place    string    `json:"place"`
	Time     time.Time `json:"time"`
	Capacity int       `json:"capacity"`
}

// Limits on what a campaign may hold.
const (
	maxTitle     = 100
	maxMessage   = 3000
	maxQuestions = 5
	maxOptions   = 4
)

// Validate reports what is wrong with c, if anything.
func (c *Campaign) Validate() error {
	switch {
	case c.Title == "" || len([]rune(c.Title)) > maxTitle:
		return errors.Join(ErrInvalid, errors.New("标题不能为空，且不超过 100 字"))
	case c.Message == "" || len([]rune(c.Message)) > maxMessage:
		return errors.Join(ErrInvalid, errors.New("正文不能为空，且不超过 3000 字"))
	case len(c.Quiz) > maxQuestions:
		return errors.Join(ErrInvalid, errors.New("问答最多 5 题"))
	case c.Community == "":
		return errors.Join(ErrInvalid, errors.New("未指定社区"))
	}
	for _, q := range c.Quiz {
		if q.Text == "" || len(q.Options) < 2 || len(q.Options) > maxOptions || q.Answer < 0 || q.Answer >= len(q.Options) {
			return errors.Join(ErrInvalid, errors.New("每道题需要题干、2 到 4 个选项和正确答案"))
		}
	}
	if e := c.Event; e != nil && (e.Place == "" || e.Time.IsZero() || e.Capacity <= 0) {
		return errors.Join(ErrInvalid, errors.New("活动需要地点、时间和名额"))
	}
	return nil
}
