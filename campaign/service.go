package campaign

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// Config configures a Service.
type Config struct {
	// Admins are the Telegram user ids of the admins.
	Admins []int64
	// Staff are the Telegram user ids of staff named in configuration: they
	// are at least RoleStaff whatever is granted or revoked.
	Staff []int64
	// Key signs callback data; at least 16 bytes, from the environment.
	Key []byte
	// Community is the community key campaigns and activities are counted
	// under when none is given.
	Community string
	// Recorder counts participation; nil counts nothing.
	Recorder Recorder
	// Activities lists and corrects the offline activities counted; nil
	// turns /activities and /correct off. A stats.Store of this module is
	// one.
	Activities stats.Activities
	// Username returns the bot's Telegram username, for the check-in link
	// on posters; nil turns posters off.
	Username func(ctx context.Context) (string, error)
	// Calendar is the theme calendar; nil means the default one.
	Calendar *Calendar
	// Button makes the inline button carrying data (already signed for
	// chat); nil keeps it as is. A chat front end that signs button data
	// itself wraps it here (see campaign/chat).
	Button func(chat int64, label, data string) (Button, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives errors the user is not shown; nil discards them.
	Logger *slog.Logger
}

// Service is what the chat handlers call: every method checks the user's
// role for its action first and answers in Chinese.
type Service struct {
	store Store
	roles *Roles
	sign  signer
	cfg   Config
}

// User is who acts, and where.
type User struct {
	// ID is the Telegram user id.
	ID int64
	// Chat is the chat the message or button press came from.
	Chat int64
	// Private is true for a private chat with the bot. Every action is
	// private-only: group members would see each other's answers.
	Private bool
}

// Reply is the answer to show the user.
type Reply struct {
	Text    string
	Buttons [][]Button
	// Notice is the short acknowledgement of a pressed button.
	Notice string
}

// Texts users see when they are refused.
const (
	textForbidden = "抱歉，您没有权限执行此操作。"
	textPrivate   = "请在与本机器人的私聊中使用此功能。"
	textBadButton = "该按钮已失效，请重新打开最新消息。"
)

// New returns a Service on store.
func New(store Store, cfg Config) (*Service, error) {
	if len(cfg.Key) < 16 {
		return nil, fmt.Errorf("%w: callback key must be at least 16 bytes", ErrInvalid)
	}
	if cfg.Community == "" {
		return nil, fmt.Errorf("%w: no community", ErrInvalid)
	}
	if cfg.Calendar == nil {
		cfg.Calendar = DefaultCalendar()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	roles := NewRoles(store, cfg.Admins)
	roles.log = cfg.Logger
	for _, id := range cfg.Staff {
		roles.staff[id] = true
	}
	return &Service{store: store, roles: roles, sign: signer{key: cfg.Key}, cfg: cfg}, nil
}

// Roles returns the service's roles; it is a bot.Roles.
func (s *Service) Roles() *Roles { return s.roles }

// Can reports whether u may do a here: the role allows it, in a private
// chat. Every handler calls it first.
func (s *Service) Can(u User, a Action) bool {
	return u.Private && s.roles.Can(u.ID, a)
}

// Authorize returns nil if u may do a here, else the *UserError to show:
// the private-chat refusal outside private chats, the forbidden one for a
// role that may not. Every handler calls it first.
func (s *Service) Authorize(u User, a Action) error { return s.authorize(u, a) }

// authorize returns the error for a refused action, with the text to show.
func (s *Service) authorize(u User, a Action) error {
	if !u.Private {
		return &UserError{Err: ErrForbidden, Text: textPrivate}
	}
	if !s.roles.Can(u.ID, a) {
		return &UserError{Err: ErrForbidden, Text: textForbidden}
	}
	return nil
}

// UserError is an error with the friendly text to show the user.
type UserError struct {
	Err  error
	Text string
}

// Error returns the detail for the log.
func (e *UserError) Error() string { return e.Err.Error() + ": " + e.Text }

// Unwrap returns the underlying error.
func (e *UserError) Unwrap() error { return e.Err }

// Subscribe subscribes (on) or unsubscribes the user's chat. Unsubscribing
// deletes the chat id.
func (s *Service) Subscribe(ctx context.Context, u User, on bool) (Reply, error) {
	if err := s.authorize(u, ActSubscribe); err != nil {
		return Reply{}, err
	}
	if on {
		already, err := s.store.Subscribe(ctx, u.Chat)
		if err != nil {
			return Reply{}, err
		}
		if already {
			return Reply{Text: "您已订阅每月普法主题推送。"}, nil
		}
		return Reply{Text: "订阅成功！每月的普法主题将推送给您。发送 /unsubscribe 可随时退订。"}, nil
	}
	if _, err := s.store.Unsubscribe(ctx, u.Chat); err != nil {
		return Reply{}, err
	}
	return Reply{Text: "已退订，我们不再保存您的会话编号。发送 /subscribe 可重新订阅。"}, nil
}

// Create stores a new draft campaign by a volunteer.
func (s *Service) Create(ctx context.Context, u User, c Campaign) (*Campaign, error) {
	if err := s.authorize(u, ActCreate); err != nil {
		return nil, err
	}
	if c.Community == "" {
		c.Community = s.cfg.Community
	}
	if c.Theme != "" && s.Calendar().Theme(c.Theme) == nil {
		return nil, &UserError{Err: ErrInvalid, Text: "未知主题：" + c.Theme}
	}
	if err := c.Validate(); err != nil {
		return nil, &UserError{Err: err, Text: strings.TrimPrefix(err.Error(), ErrInvalid.Error()+"\n")}
	}
	c.ID, c.Status, c.By, c.Created = "", StatusDraft, u.ID, s.cfg.Now()
	if err := s.store.Put(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Preview shows the volunteer the campaign exactly as residents will see
// it, buttons included (pressing them here counts nothing), and below them
// buttons to send it now, to schedule it at one of the next two usual
// times, or to discard it.
func (s *Service) Preview(ctx context.Context, u User, id string) (Reply, error) {
	if err := s.authorize(u, ActPreview); err != nil {
		return Reply{}, err
	}
	c, err := s.store.Get(ctx, id)
	if err != nil {
		return Reply{}, notFound(err, id)
	}
	m, err := s.compose(c, u.Chat, same, func(t string) string { return "【" + t + "】" }, "pv:"+c.ID)
	if err != nil {
		return Reply{}, err
	}
	text := fmt.Sprintf("【预览 · 推送 %s · %s】居民将收到：\n\n%s", c.ID, c.Status.Label(), m.Text)
	if c.Status != StatusDraft && c.Status != StatusScheduled {
		return Reply{Text: text, Buttons: m.Buttons}, nil
	}
	send, err := s.button(u.Chat, "✅ 确认发送", "send:"+c.ID)
	if err != nil {
		return Reply{}, err
	}
	var later []Button
	for _, at := range presetTimes(s.cfg.Now()) {
		b, err := s.button(u.Chat, "🕒 "+at.Format("1月2日 15:04"), fmt.Sprintf("at:%s:%d", c.ID, at.Unix()/60))
		if err != nil {
			return Reply{}, err
		}
		later = append(later, b)
	}
	drop, err := s.button(u.Chat, "🗑 放弃", "del:"+c.ID)
	if err != nil {
		return Reply{}, err
	}
	m.Buttons = append(m.Buttons, []Button{send}, later, []Button{drop})
	text += fmt.Sprintf("\n\n—— 请确认：立即发送、定时发送或放弃。其他时间请发送 /send %s 2026-03-20 09:00。", c.ID)
	return Reply{Text: text, Buttons: m.Buttons}, nil
}

// presetTimes are the schedule buttons' times: the next 9:00 and 20:00
// at least half an hour away.
func presetTimes(now time.Time) []time.Time {
	var out []time.Time
	start := now.In(Zone).Add(30 * time.Minute)
	y, m, d := start.Date()
	for day := 0; len(out) < 2; day++ {
		for _, h := range []int{9, 20} {
			if t := time.Date(y, m, d+day, h, 0, 0, 0, Zone); t.After(start) && len(out) < 2 {
				out = append(out, t)
			}
		}
	}
	return out
}

// notFound turns ErrNotFound for campaign id into the text to show.
func notFound(err error, id string) error {
	if errors.Is(err, ErrNotFound) {
		return &UserError{Err: err, Text: fmt.Sprintf("没有编号为 %s 的推送。发送 /campaigns 查看最近的推送。", short(id, 12))}
	}
	return err
}

// Schedule schedules the campaign for at; a zero at means now. A
// Broadcaster running Due campaigns sends it.
func (s *Service) Schedule(ctx context.Context, u User, id string, at time.Time) (Reply, error) {
	if err := s.authorize(u, ActSend); err != nil {
		return Reply{}, err
	}
	if at.IsZero() {
		at = s.cfg.Now()
	}
	// Checked and changed at once: a campaign discarded, or picked up by
	// the broadcaster, meanwhile (on another replica, say) stays as it is.
	before, err := s.store.update(ctx, id, func(c *Campaign) error {
		if c.Status != StatusDraft && c.Status != StatusScheduled {
			return errUnchanged
		}
		c.Status, c.At = StatusScheduled, at
		return nil
	})
	if err != nil {
		return Reply{}, notFound(err, id)
	}
	switch before.Status {
	case StatusDraft, StatusScheduled:
	case StatusDiscarded:
		return Reply{Text: "该推送已放弃，不会发送。", Notice: "已放弃"}, nil
	default:
		return Reply{Text: "该推送已在发送或已发送。", Notice: "已在发送"}, nil
	}
	n, err := s.store.Subscribers(ctx)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("推送 %s 已安排于 %s 推送给 %d 位订阅居民。发送 /progress 查看进度。", id, at.In(Zone).Format("2006-01-02 15:04"), n),
		Notice: "已安排"}, nil
}

// Status shows a volunteer the progress of the broadcasts.
func (s *Service) Status(ctx context.Context, u User) (Reply, error) {
	if err := s.authorize(u, ActStatus); err != nil {
		return Reply{}, err
	}
	ps, err := s.store.Progress(ctx)
	if err != nil {
		return Reply{}, err
	}
	if len(ps) == 0 {
		return Reply{Text: "暂无推送记录。"}, nil
	}
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(FormatProgress(p))
		b.WriteByte('\n')
	}
	return Reply{Text: b.String()}, nil
}

// FormatProgress is one line about a broadcast, in Chinese.
func FormatProgress(p Progress) string {
	state := map[string]string{BroadcastSending: "发送中", BroadcastDone: "已完成", BroadcastHalted: "已暂停"}[p.State]
	line := fmt.Sprintf("推送 %s：%s，共 %d 人，已送达 %d，已退订 %d，待发送 %d", p.Campaign, state, p.Total, p.Sent, p.Gone, p.Pending)
	if p.Uncertain > 0 {
		line += fmt.Sprintf("，中断 %d 次（%d 人可能重复收到）", p.Crashes, p.Uncertain)
	}
	if p.Halt != "" {
		line += "，原因：" + p.Halt
	}
	return line
}

// Compose is the campaign's message for chat, in HTML: title, text, quiz,
// event, with buttons signed for that chat. Pass it as
// BroadcastOptions.Compose.
func (s *Service) Compose(c *Campaign, chat int64) (Message, error) {
	return s.compose(c, chat, html.EscapeString, func(t string) string { return "<b>" + t + "</b>" }, "")
}

// ComposeText is Compose in plain text, for channels that escape replies.
func (s *Service) ComposeText(c *Campaign, chat int64) (Message, error) {
	return s.compose(c, chat, same, func(t string) string { return "【" + t + "】" }, "")
}

func same(t string) string { return t }

// compose writes the campaign's message; inert, if set, replaces the
// payload of every button (a preview's buttons do nothing).
func (s *Service) compose(c *Campaign, chat int64, esc, bold func(string) string, inert string) (Message, error) {
	button := func(label, payload string) (Button, error) {
		if inert != "" {
			payload = inert
		}
		return s.button(chat, label, payload)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s", bold(esc(c.Title)), esc(c.Message))
	var rows [][]Button
	for i, q := range c.Quiz {
		fmt.Fprintf(&b, "\n\n%s%s", bold(fmt.Sprintf("问答 %d", i+1)), esc("："+q.Text))
		var row []Button
		for j, o := range q.Options {
			letter := string(rune('A' + j))
			fmt.Fprintf(&b, "\n%s. %s", letter, esc(o))
			btn, err := button(fmt.Sprintf("%d%s", i+1, letter), fmt.Sprintf("q:%s:%d:%d", c.ID, i, j))
			if err != nil {
				return Message{}, err
			}
			row = append(row, btn)
		}
		rows = append(rows, row)
	}
	if e := c.Event; e != nil {
		fmt.Fprintf(&b, "\n\n%s%s", bold("活动"), esc(fmt.Sprintf("：%s，%s，限 %d 人", e.Place, e.Time.In(stats.DefaultLocation()).Format("1月2日 15:04"), e.Capacity)))
		btn, err := button("我要报名", "s:"+c.ID)
		if err != nil {
			return Message{}, err
		}
		rows = append(rows, []Button{btn})
	}
	btn, err := button("已阅", "r:"+c.ID)
	if err != nil {
		return Message{}, err
	}
	rows = append(rows, []Button{btn})
	return Message{Text: b.String(), Buttons: rows}, nil
}

// Button makes a button with payload signed for chat, wrapped by
// Config.Button; a press of it comes back with Verify's payload. Chat front
// ends make their own buttons (a form's) with it.
func (s *Service) Button(chat int64, label, payload string) (Button, error) {
	return s.button(chat, label, payload)
}

// Verify returns the payload of button data Button signed for chat.
func (s *Service) Verify(chat int64, data string) (payload string, ok bool) {
	return s.sign.verify(chat, data)
}

// button makes a button with payload signed for chat.
func (s *Service) button(chat int64, label, payload string) (Button, error) {
	data := s.sign.sign(chat, payload)
	if s.cfg.Button == nil {
		return Button{Text: label, Data: data}, nil
	}
	return s.cfg.Button(chat, label, data)
}

// Current returns the campaign residents see on /campaign: the last one
// sent or being sent, or nil.
func (s *Service) Current(ctx context.Context) (*Campaign, error) {
	all, err := s.store.List(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if st := all[i].Status; st == StatusSent || st == StatusSending {
			return all[i], nil
		}
	}
	return nil, nil
}

// Activity is an offline activity a volunteer logs.
type Activity struct {
	// Place is where, e.g. "社区活动室"; required for a lecture.
	Place string
	// ID makes logging idempotent, e.g. the Telegram update id of the form's
	// last message.
	ID string
	// Kind is stats.KindLecture, KindLeaflets, KindBanners or KindVisits.
	Kind stats.Kind
	// Count is the attendees, leaflets, banners or households.
	Count int
	// Date is when it happened; a time still to come today means now.
	Date time.Time
	// Community is where; empty means the configured one.
	Community string
}

// LogActivity counts an offline activity.
func (s *Service) LogActivity(ctx context.Context, u User, a Activity) error {
	if err := s.authorize(u, ActActivity); err != nil {
		return err
	}
	if !a.Kind.Offline() || a.Count <= 0 || a.ID == "" {
		return &UserError{Err: ErrInvalid, Text: "请填写活动类型和数量。"}
	}
	if a.Kind == stats.KindLecture && a.Place == "" {
		return &UserError{Err: ErrInvalid, Text: "登记讲座需要地点。"}
	}
	if a.Community == "" {
		a.Community = s.cfg.Community
	}
	if now := s.cfg.Now(); a.Date.After(now) {
		a.Date = now
	}
	return s.record(ctx, &stats.Event{ID: "campaign:activity:" + a.ID, Kind: a.Kind, Time: a.Date, Community: a.Community, Count: a.Count, Place: a.Place})
}

// Grant gives target a role on an admin's command.
func (s *Service) Grant(_ context.Context, u User, target int64, r Role) (Reply, error) {
	if err := s.authorize(u, ActGrant); err != nil {
		return Reply{}, err
	}
	if err := s.roles.Grant(u.ID, target, r, s.cfg.Now()); err != nil {
		var ue *UserError
		if errors.As(err, &ue) {
			return Reply{}, err
		}
		return Reply{}, &UserError{Err: err, Text: "授权失败：" + strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")}
	}
	return Reply{Text: fmt.Sprintf("已将用户 %d 设为%s。", target, r.Label())}, nil
}

// Resume lets staff resume a halted broadcast once its message is fixed.
func (s *Service) Resume(ctx context.Context, u User, id string) (Reply, error) {
	if err := s.authorize(u, ActResume); err != nil {
		return Reply{}, err
	}
	if err := s.store.Resume(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Reply{}, &UserError{Err: err, Text: fmt.Sprintf("推送 %s 没有可恢复的发送。发送 /progress 查看各推送的进度。", short(id, 12))}
		}
		return Reply{}, err
	}
	return Reply{Text: "已恢复推送 " + id + "，将继续发送给尚未收到的居民。"}, nil
}

func (s *Service) record(ctx context.Context, e *stats.Event) error {
	if e == nil || s.cfg.Recorder == nil {
		return nil
	}
	if err := s.cfg.Recorder.Record(ctx, *e); err != nil {
		return fmt.Errorf("campaign: record %s: %w", e.Kind, err)
	}
	return nil
}
