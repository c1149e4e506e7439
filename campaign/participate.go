package campaign

// Residents taking part: quiz answers and sign-ups through buttons, and
// check-in at an event by the poster's deep link.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// pressed is what a callback led to, kept so a redelivery gets the same
// reply and re-records the same (idempotent) event.
type pressed struct {
	Reply Reply        `json:"reply"`
	Event *stats.Event `json:"event,omitempty"`
	Send  string       `json:"send,omitempty"`
}

// Press handles a pressed button. callbackID is the Telegram callback query
// id: a press delivered twice is acted on once. data is checked against the
// signature for u's chat and the action against u's role.
func (s *Service) Press(ctx context.Context, u User, callbackID, data string) (Reply, error) {
	payload, ok := s.sign.verify(u.Chat, data)
	if !ok {
		return Reply{}, &UserError{Err: ErrForbidden, Text: textBadButton}
	}
	parts := strings.Split(payload, ":")
	var act Action
	switch parts[0] {
	case "q":
		act = ActAnswer
	case "s":
		act = ActSignup
	case "r":
		act = ActView
	case "send", "at", "del":
		act = ActSend
	case "pv":
		act = ActPreview
	default:
		return Reply{}, &UserError{Err: ErrForbidden, Text: textBadButton}
	}
	if err := s.authorize(u, act); err != nil {
		return Reply{}, err
	}
	if len(parts) < 2 || act == ActAnswer && len(parts) != 4 || parts[0] == "at" && len(parts) != 3 {
		return Reply{}, &UserError{Err: ErrInvalid, Text: textBadButton}
	}
	c, err := s.store.Get(ctx, parts[1])
	if errors.Is(err, ErrNotFound) {
		return Reply{}, &UserError{Err: err, Text: "该推送已不存在。"}
	}
	if err != nil {
		return Reply{}, err
	}
	switch parts[0] {
	case "send":
		return s.Schedule(ctx, u, c.ID, time.Time{})
	case "at":
		minutes, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return Reply{}, &UserError{Err: ErrInvalid, Text: textBadButton}
		}
		at := time.Unix(minutes*60, 0)
		if !at.After(s.cfg.Now()) {
			return Reply{Text: "该时间已经过去，请发送 /preview " + c.ID + " 重新选择。", Notice: "时间已过"}, nil
		}
		return s.Schedule(ctx, u, c.ID, at)
	case "del":
		return s.Discard(ctx, u, c.ID)
	case "pv":
		return Reply{Notice: "这是预览，按钮不会计数。"}, nil
	}
	var m mark
	var made, already, full pressed
	switch act {
	case ActAnswer:
		m, made, already, err = s.answer(u, c, callbackID, parts[2], parts[3])
	case ActSignup:
		m, made, already, full, err = s.signup(u, c, callbackID)
	case ActView:
		made = pressed{Reply: Reply{Notice: "感谢阅读！"}, Event: s.event(u, c, "tg:cb:"+callbackID, stats.KindCampaignRead)}
	}
	if err != nil {
		return Reply{}, err
	}
	var r pressReplies
	for _, x := range []struct {
		to *string
		p  pressed
	}{{&r.made, made}, {&r.already, already}, {&r.full, full}} {
		data, err := json.Marshal(x.p)
		if err != nil {
			return Reply{}, fmt.Errorf("campaign: press: %w", err)
		}
		*x.to = string(data)
	}
	raw, err := s.store.press(ctx, "cb:"+callbackID, m, r)
	if err != nil {
		return Reply{}, err
	}
	var p pressed
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Reply{}, fmt.Errorf("campaign: press: %w", err)
	}
	// The count is recorded after the press is kept: a press redelivered
	// after a crash between the two gets the kept reply and records the
	// same event, which the recorder counts once.
	if err := s.record(ctx, p.Event); err != nil {
		return p.Reply, err
	}
	return p.Reply, nil
}

func (s *Service) event(u User, c *Campaign, id string, k stats.Kind) *stats.Event {
	return &stats.Event{
		ID: id, Kind: k, Time: s.cfg.Now(), Community: c.Community, Channel: stats.ChannelTelegram,
		Resident: "tg:" + strconv.FormatInt(u.ID, 10), Campaign: c.ID,
	}
}

// answer is the mark and replies of a quiz answer: option os of question
// qs.
func (s *Service) answer(u User, c *Campaign, cb, qs, os string) (m mark, made, already pressed, err error) {
	qi, err1 := strconv.Atoi(qs)
	oi, err2 := strconv.Atoi(os)
	if err1 != nil || err2 != nil || qi < 0 || qi >= len(c.Quiz) || oi < 0 || oi >= len(c.Quiz[qi].Options) {
		return m, made, already, &UserError{Err: ErrInvalid, Text: textBadButton}
	}
	q := c.Quiz[qi]
	m = mark{kind: markAnswer, campaign: c.ID, field: strconv.Itoa(qi) + "/" + strconv.FormatInt(u.ID, 10), value: strconv.Itoa(oi)}
	e := s.event(u, c, "tg:cb:"+cb, stats.KindQuizAnswer)
	e.Correct = oi == q.Answer
	verdict := "回答错误"
	if e.Correct {
		verdict = "回答正确"
	}
	text := fmt.Sprintf("%s！正确答案：%s。%s", verdict, string(rune('A'+q.Answer)), q.Explain)
	return m, pressed{Reply: Reply{Text: text, Notice: verdict}, Event: e}, pressed{Reply: Reply{Notice: "您已作答过这道题。"}}, nil
}

// signup is the mark and replies of a sign-up for c's event.
func (s *Service) signup(u User, c *Campaign, cb string) (m mark, made, already, full pressed, err error) {
	if c.Event == nil {
		return m, made, already, full, &UserError{Err: ErrInvalid, Text: textBadButton}
	}
	m = mark{kind: markSignup, campaign: c.ID, field: strconv.FormatInt(u.ID, 10),
		value: strconv.FormatInt(s.cfg.Now().Unix(), 10), capacity: c.Event.Capacity}
	text := fmt.Sprintf("报名成功！%s，%s。到场后扫描海报二维码签到。", c.Event.Place, c.Event.Time.In(stats.DefaultLocation()).Format("1月2日 15:04"))
	made = pressed{Reply: Reply{Text: text, Notice: "报名成功"}, Event: s.event(u, c, "tg:cb:"+cb, stats.KindSignup)}
	return m, made, pressed{Reply: Reply{Notice: "您已报名。"}}, pressed{Reply: Reply{Notice: "名额已满，感谢关注。"}}, nil
}

// CheckIn handles /start ev_<id> from a poster's QR code. A resident's
// first check-in at an event is counted as a stats.KindCheckIn event; a
// second scan is answered politely and counts nothing. The count comes
// first: if it fails, nothing is kept and the resident may scan again, and
// since the event's ID is fixed by campaign and resident, a count that did
// go through is not counted twice.
func (s *Service) CheckIn(ctx context.Context, u User, payload string) (Reply, error) {
	if err := s.authorize(u, ActCheckIn); err != nil {
		return Reply{}, err
	}
	id, ok := strings.CutPrefix(payload, "ev_")
	if !ok {
		return Reply{}, &UserError{Err: ErrInvalid, Text: "无法识别的二维码。"}
	}
	c, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && c.Event == nil {
		return Reply{}, &UserError{Err: ErrNotFound, Text: "未找到该活动。"}
	}
	if err != nil {
		return Reply{}, err
	}
	already, err := s.store.checkedIn(ctx, c.ID, u.ID)
	if err != nil {
		return Reply{}, fmt.Errorf("campaign: check in: %w", err)
	}
	if already {
		return Reply{Text: textCheckedIn}, nil
	}
	if err := s.record(ctx, s.event(u, c, s.checkInID(c, u), stats.KindCheckIn)); err != nil {
		return Reply{}, err
	}
	// already again: scanned twice at once.
	if already, err = s.store.checkIn(ctx, c.ID, u.ID, s.cfg.Now()); err != nil {
		return Reply{}, err
	}
	if already {
		return Reply{Text: textCheckedIn}, nil
	}
	return Reply{Text: "签到成功，欢迎参加“" + c.Title + "”活动！"}, nil
}

const textCheckedIn = "您已签到，欢迎参加！"

// checkInID is the idempotency key of u's check-in at c's event: the same
// for every scan, without the resident's Telegram id in it (statistics
// stores keep event IDs for a while and must not hold raw ids).
func (s *Service) checkInID(c *Campaign, u User) string {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte("checkin\x00" + c.ID + "\x00" + strconv.FormatInt(u.ID, 10)))
	return "tg:checkin:" + c.ID + ":" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:16]
}
