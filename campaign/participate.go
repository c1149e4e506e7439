package campaign

// Residents taking part: quiz answers and sign-ups through buttons, and
// check-in at an event by the poster's deep link.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

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
	c, err := s.store.Get(parts[1])
	if err != nil {
		return Reply{}, &UserError{Err: err, Text: "该推送已不存在。"}
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
	var p pressed
	raw, _, err := s.store.once("cb:"+callbackID, func(tx *bolt.Tx) (string, error) {
		var err error
		switch act {
		case ActAnswer:
			p, err = s.answer(tx, u, c, callbackID, parts[2], parts[3])
		case ActSignup:
			p, err = s.signup(tx, u, c, callbackID)
		case ActView:
			p = pressed{Reply: Reply{Notice: "感谢阅读！"}, Event: s.event(u, c, "tg:cb:"+callbackID, stats.KindCampaignRead)}
		}
		if err != nil {
			return "", err
		}
		data, err := json.Marshal(p)
		return string(data), err
	})
	if err != nil {
		return Reply{}, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Reply{}, fmt.Errorf("campaign: press: %w", err)
	}
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

func (s *Service) answer(tx *bolt.Tx, u User, c *Campaign, cb, qs, os string) (pressed, error) {
	qi, err1 := strconv.Atoi(qs)
	oi, err2 := strconv.Atoi(os)
	if err1 != nil || err2 != nil || qi < 0 || qi >= len(c.Quiz) || oi < 0 || oi >= len(c.Quiz[qi].Options) {
		return pressed{}, &UserError{Err: ErrInvalid, Text: textBadButton}
	}
	q := c.Quiz[qi]
	k := []byte(c.ID + "/" + qs + "/" + strconv.FormatInt(u.ID, 10))
	b := tx.Bucket(bucketAnswers)
	if b.Get(k) != nil {
		return pressed{Reply: Reply{Notice: "您已作答过这道题。"}}, nil
	}
	if err := b.Put(k, []byte(os)); err != nil {
		return pressed{}, err
	}
	e := s.event(u, c, "tg:cb:"+cb, stats.KindQuizAnswer)
	e.Correct = oi == q.Answer
	verdict := "回答错误"
	if e.Correct {
		verdict = "回答正确"
	}
	text := fmt.Sprintf("%s！正确答案：%s。%s", verdict, string(rune('A'+q.Answer)), q.Explain)
	return pressed{Reply: Reply{Text: text, Notice: verdict}, Event: e}, nil
}

func (s *Service) signup(tx *bolt.Tx, u User, c *Campaign, cb string) (pressed, error) {
	if c.Event == nil {
		return pressed{}, &UserError{Err: ErrInvalid, Text: textBadButton}
	}
	b := tx.Bucket(bucketSignups)
	k := []byte(c.ID + "/" + strconv.FormatInt(u.ID, 10))
	if b.Get(k) != nil {
		return pressed{Reply: Reply{Notice: "您已报名。"}}, nil
	}
	n := 0
	prefix := []byte(c.ID + "/")
	cur := b.Cursor()
	for kk, _ := cur.Seek(prefix); kk != nil && strings.HasPrefix(string(kk), string(prefix)); kk, _ = cur.Next() {
		n++
	}
	if n >= c.Event.Capacity {
		return pressed{Reply: Reply{Notice: "名额已满，感谢关注。"}}, nil
	}
	if err := b.Put(k, []byte(strconv.FormatInt(s.cfg.Now().Unix(), 10))); err != nil {
		return pressed{}, err
	}
	text := fmt.Sprintf("报名成功！%s，%s。到场后扫描海报二维码签到。", c.Event.Place, c.Event.Time.In(stats.DefaultLocation()).Format("1月2日 15:04"))
	return pressed{Reply: Reply{Text: text, Notice: "报名成功"}, Event: s.event(u, c, "tg:cb:"+cb, stats.KindSignup)}, nil
}

// Signups returns the number of sign-ups for campaign id.
func (s *Store) Signups(id string) int { return s.countPrefix(bucketSignups, id) }

// CheckIns returns the number of residents who checked in at campaign id's
// event.
func (s *Store) CheckIns(id string) int { return s.countPrefix(bucketCheckins, id) }

// countPrefix counts the keys "id/..." of a bucket keyed campaign/user.
func (s *Store) countPrefix(bucket []byte, id string) int {
	n := 0
	s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil { // a read-only file from before the bucket existed
			return nil
		}
		prefix := id + "/"
		cur := b.Cursor()
		for k, _ := cur.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = cur.Next() {
			n++
		}
		return nil
	})
	return n
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
	c, err := s.store.Get(id)
	if err != nil || c.Event == nil {
		return Reply{}, &UserError{Err: ErrNotFound, Text: "未找到该活动。"}
	}
	k := []byte(c.ID + "/" + strconv.FormatInt(u.ID, 10))
	checkedIn := func(tx *bolt.Tx) bool { return tx.Bucket(bucketCheckins).Get(k) != nil }
	already := false
	if err := s.store.db.View(func(tx *bolt.Tx) error { already = checkedIn(tx); return nil }); err != nil {
		return Reply{}, fmt.Errorf("campaign: check in: %w", err)
	}
	if already {
		return Reply{Text: textCheckedIn}, nil
	}
	if err := s.record(ctx, s.event(u, c, s.checkInID(c, u), stats.KindCheckIn)); err != nil {
		return Reply{}, err
	}
	err = s.store.db.Update(func(tx *bolt.Tx) error {
		if already = checkedIn(tx); already { // scanned twice at once
			return nil
		}
		return tx.Bucket(bucketCheckins).Put(k, []byte(strconv.FormatInt(s.cfg.Now().Unix(), 10)))
	})
	if err != nil {
		return Reply{}, fmt.Errorf("campaign: check in: %w", err)
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
