package chat

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
)

// The guided forms: /new (a campaign: theme, title, message, quiz, event,
// then the preview) and /log without arguments (an offline activity: kind,
// date, place for a lecture, count). A form's state is kept by the bot in
// the volunteer's session (bot.HookForm) as JSON; every step checks the
// volunteer's role again, and bad input changes nothing.

// Form kinds and steps.
const (
	formNew = "new"
	formLog = "log"

	stepTheme   = "theme"
	stepTitle   = "title"
	stepMessage = "message"
	stepQuiz    = "quiz"
	stepEvent   = "event"
	stepKind    = "kind"
	stepDate    = "date"
	stepPlace   = "place"
	stepCount   = "count"
)

// form is a form in progress.
type form struct {
	Kind    string              `json:"k"`
	Step    string              `json:"s"`
	Theme   string              `json:"th,omitempty"`
	Title   string              `json:"ti,omitempty"`
	Message string              `json:"m,omitempty"`
	Quiz    []campaign.Question `json:"q,omitempty"`
	// The activity being logged.
	Activity stats.Kind `json:"a,omitempty"`
	Date     time.Time  `json:"d,omitzero"`
	Place    string     `json:"p,omitempty"`
}

// action is what filling in the form does on the volunteer's behalf.
func (f *form) action() campaign.Action {
	if f.Kind == formLog {
		return campaign.ActActivity
	}
	return campaign.ActCreate
}

func loadForm(hf *bot.HookForm) (*form, bool) {
	if hf.State == "" {
		return nil, false
	}
	var f form
	if err := json.Unmarshal([]byte(hf.State), &f); err != nil || (f.Kind != formNew && f.Kind != formLog) {
		return nil, false
	}
	return &f, true
}

func (f *form) save(hf *bot.HookForm) {
	raw, _ := json.Marshal(f)
	hf.State = string(raw)
}

const (
	txtFormGone    = "这份表单已经提交或取消了。"
	txtFormStale   = "这个按钮已过期，请按最新的提示操作。"
	txtFormCancel  = "已取消。"
	txtFormHint    = "（随时发送 /cancel 取消）"
	txtThemeNone   = "不选主题"
	txtCancelLabel = "取消"
)

func (h *Hooks) newCampaign(_ context.Context, c *call) (bot.Result, error) {
	f := &form{Kind: formNew, Step: stepTheme}
	f.save(c.form)
	return bot.Result{Replies: []bot.Reply{h.prompt(c, f)}}, nil
}

func (h *Hooks) startLog(c *call) bot.Result {
	f := &form{Kind: formLog, Step: stepKind}
	f.save(c.form)
	return bot.Result{Replies: []bot.Reply{h.prompt(c, f)}}
}

// button makes a form button; a form's payloads are short and fixed, so
// an error here is a programming error and the button is left out.
func (h *Hooks) button(c *call, label, payload string) []bot.Button {
	b, err := c.svc.Button(c.u.Chat, label, "f:"+payload)
	if err != nil {
		h.log.Error("campaign: form button", "payload", payload, "err", err)
		return nil
	}
	return []bot.Button{{Text: b.Text, Data: b.Data}}
}

func rows(bs ...[]bot.Button) [][]bot.Button {
	var out [][]bot.Button
	var cur []bot.Button
	for _, b := range bs {
		cur = append(cur, b...)
		if len(cur) == 2 {
			out, cur = append(out, cur), nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// themeRef is a theme's key in button data: short and fixed in length.
func themeRef(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}

// prompt asks for what the form's step needs.
func (h *Hooks) prompt(c *call, f *form) bot.Reply {
	cal := c.svc.Calendar()
	theme := cal.Theme(f.Theme)
	switch f.Step {
	case stepTheme:
		var bs [][]bot.Button
		for _, t := range cal.Themes() {
			bs = append(bs, h.button(c, fmt.Sprintf("%d月 %s", t.Month, short(t.Title, 10)), "th:"+themeRef(t.Key)))
		}
		bs = append(bs, h.button(c, txtThemeNone, "th:-"), h.button(c, txtCancelLabel, "x"))
		return bot.Reply{Text: "新建普法推送（第 1/5 步）：请选择本次推送的主题。" + txtFormHint, Buttons: rows(bs...)}
	case stepTitle:
		r := bot.Reply{Text: "第 2/5 步：请输入标题（不超过 100 字）。" + txtFormHint}
		if theme != nil {
			r.Text += "\n也可沿用主题标题：" + theme.Title
			r.Buttons = rows(h.button(c, "沿用主题标题", "tt"))
		}
		return r
	case stepMessage:
		r := bot.Reply{Text: "第 3/5 步：请输入推送正文（不超过 3000 字）。" + txtFormHint}
		if theme != nil {
			r.Text += "\n也可沿用主题正文：\n\n" + theme.Message
			r.Buttons = rows(h.button(c, "沿用主题正文", "tm"))
		}
		return r
	case stepQuiz:
		return bot.Reply{Text: "第 4/5 步：如需知识问答（最多 5 题），请在一条消息中按以下格式发送：\n\n" + quizExample +
			"\n\n正确答案也可以在选项后加 * 表示。不需要问答请点“跳过问答”。", Buttons: rows(h.button(c, "跳过问答", "nq"))}
	case stepEvent:
		return bot.Reply{Text: "第 5/5 步：如有线下活动，请发送地点、时间和名额，例如：\n社区活动室 2026-03-15 14:00 30人\n不需要活动请点“跳过活动”。",
			Buttons: rows(h.button(c, "跳过活动", "ne"))}
	case stepKind:
		var bs [][]bot.Button
		for _, k := range []stats.Kind{stats.KindLecture, stats.KindLeaflets, stats.KindBanners, stats.KindVisits} {
			bs = append(bs, h.button(c, campaign.KindName(k), "k:"+string(k)))
		}
		bs = append(bs, h.button(c, txtCancelLabel, "x"))
		return bot.Reply{Text: "登记线下活动：请选择活动类型。" + txtFormHint, Buttons: rows(bs...)}
	case stepDate:
		return bot.Reply{Text: fmt.Sprintf("%s是哪天开展的？请输入日期（例如 2026-03-15 或 3月15日），或点下面的按钮。", campaign.KindName(f.Activity)),
			Buttons: rows(h.button(c, "今天", "d:0"), h.button(c, "昨天", "d:1"))}
	case stepPlace:
		return bot.Reply{Text: "请输入讲座地点（例如 社区活动室）。"}
	case stepCount:
		what := map[stats.Kind]string{stats.KindLecture: "参加讲座的人数", stats.KindLeaflets: "发放的传单份数",
			stats.KindBanners: "悬挂的横幅条数", stats.KindVisits: "走访的户数"}[f.Activity]
		return bot.Reply{Text: fmt.Sprintf("请输入%s（例如 %d）。", what, map[stats.Kind]int{stats.KindLecture: 45, stats.KindLeaflets: 300, stats.KindBanners: 2, stats.KindVisits: 20}[f.Activity])}
	}
	return bot.Reply{Text: txtFormGone}
}

const quizExample = "题：国家宪法日是哪天？\nA. 12月4日\nB. 3月15日\n答：A\n解：2014年设立。"

// Input takes what a volunteer typed while a form is open.
func (h *Hooks) Input(ctx context.Context, m bot.Message, hf *bot.HookForm) (bot.Result, error) {
	u, ok := user(m)
	if !ok {
		hf.State = ""
		return reply(textTelegramOnly), nil
	}
	svc := h.svc.Load()
	return h.once(m, func() (bot.Result, error) {
		f, ok := loadForm(hf)
		if !ok {
			hf.State = ""
			return reply(txtFormGone), nil
		}
		if err := svc.Authorize(u, f.action()); err != nil {
			hf.State = ""
			return h.result(campaign.Reply{}, err)
		}
		c := &call{svc: svc, m: m, u: u, arg: m.Text, form: hf}
		return h.input(ctx, c, f)
	})
}

// bad shows a *campaign.UserError's text and the step's prompt again: the
// form is left as it was.
func (h *Hooks) bad(c *call, f *form, err error) (bot.Result, error) {
	res, err := h.result(campaign.Reply{}, err)
	res.Replies = append(res.Replies, h.prompt(c, f))
	return res, err
}

// validate checks a campaign's title or message as Create would.
func validate(title, message string) error {
	trial := campaign.Campaign{Title: title, Message: message, Community: "-"}
	if err := trial.Validate(); err != nil {
		return &campaign.UserError{Err: err, Text: strings.TrimPrefix(err.Error(), campaign.ErrInvalid.Error()+"\n")}
	}
	return nil
}

func (h *Hooks) input(ctx context.Context, c *call, f *form) (bot.Result, error) {
	text := strings.TrimSpace(c.arg)
	switch f.Step {
	case stepTitle:
		if err := validate(text, "-"); err != nil {
			return h.bad(c, f, err)
		}
		f.Title, f.Step = text, stepMessage
	case stepMessage:
		if err := validate("-", text); err != nil {
			return h.bad(c, f, err)
		}
		f.Message, f.Step = text, stepQuiz
	case stepQuiz:
		quiz, err := campaign.ParseQuiz(c.arg)
		if err != nil {
			return h.bad(c, f, err)
		}
		f.Quiz, f.Step = quiz, stepEvent
	case stepEvent:
		e, err := campaign.ParseEvent(text, c.svc.Now())
		if err != nil {
			return h.bad(c, f, err)
		}
		return h.create(ctx, c, f, e)
	case stepDate:
		d, err := campaign.ParseDate(text, c.svc.Now())
		if err != nil {
			return h.bad(c, f, err)
		}
		f.Date, f.Step = d, stepCount
		if f.Activity == stats.KindLecture {
			f.Step = stepPlace
		}
	case stepPlace:
		p, err := campaign.CheckPlace(text)
		if err == nil && p == "" {
			err = &campaign.UserError{Err: campaign.ErrInvalid, Text: "请输入讲座地点。"}
		}
		if err != nil {
			return h.bad(c, f, err)
		}
		f.Place, f.Step = p, stepCount
	case stepCount:
		n, err := campaign.ParseCount(text, f.Activity)
		if err != nil {
			return h.bad(c, f, err)
		}
		res, logged, err := h.logActivity(ctx, c, campaign.ActivityLine{Kind: f.Activity, Count: n, Date: f.Date, Place: f.Place})
		if logged {
			c.form.State = ""
		}
		return res, err
	default: // a step answered with buttons
		return bot.Result{Replies: []bot.Reply{{Text: "请点击上面的按钮选择，或发送 /cancel 取消。"}, h.prompt(c, f)}}, nil
	}
	f.save(c.form)
	return bot.Result{Replies: []bot.Reply{h.prompt(c, f)}}, nil
}

// create stores the campaign as a draft, ends the form and shows the
// preview with its send, schedule and discard buttons.
func (h *Hooks) create(ctx context.Context, c *call, f *form, e *campaign.Event) (bot.Result, error) {
	camp, err := c.svc.Create(ctx, c.u, campaign.Campaign{Theme: f.Theme, Title: f.Title, Message: f.Message, Quiz: f.Quiz, Event: e})
	if err != nil {
		return h.bad(c, f, err)
	}
	c.form.State = ""
	res, err := h.result(c.svc.Preview(ctx, c.u, camp.ID))
	res.Replies = append([]bot.Reply{{Text: fmt.Sprintf("已保存为草稿，推送编号 %s。请核对预览：", camp.ID)}}, res.Replies...)
	return res, err
}

// formActions is the action each form button does: deny by default.
var formActions = map[string]campaign.Action{
	"th": campaign.ActCreate, "tt": campaign.ActCreate, "tm": campaign.ActCreate, "nq": campaign.ActCreate, "ne": campaign.ActCreate,
	"k": campaign.ActActivity, "d": campaign.ActActivity, "x": campaign.ActActivity,
}

// formPress handles a form's button: payload is "f:<op>[:<arg>]".
func (h *Hooks) formPress(ctx context.Context, m bot.Message, u campaign.User, payload string, hf *bot.HookForm) (bot.Result, error) {
	svc := h.svc.Load()
	op, arg, _ := strings.Cut(strings.TrimPrefix(payload, "f:"), ":")
	act, known := formActions[op]
	if !known {
		return h.result(campaign.Reply{}, &campaign.UserError{Err: campaign.ErrForbidden, Text: txtFormStale})
	}
	if err := svc.Authorize(u, act); err != nil {
		return h.result(campaign.Reply{}, err)
	}
	return h.once(m, func() (bot.Result, error) {
		c := &call{svc: svc, m: m, u: u, arg: arg, form: hf}
		f, open := loadForm(hf)
		if op == "x" {
			if !open {
				return bot.Result{Notice: txtFormGone}, nil
			}
			hf.State = ""
			return bot.Result{Notice: txtFormCancel, Replies: []bot.Reply{{Text: txtFormCancel}}}, nil
		}
		if !open {
			return bot.Result{Notice: txtFormGone, Replies: []bot.Reply{{Text: txtFormGone}}}, nil
		}
		if err := svc.Authorize(u, f.action()); err != nil {
			hf.State = ""
			return h.result(campaign.Reply{}, err)
		}
		stale := bot.Result{Notice: txtFormStale, Replies: []bot.Reply{h.prompt(c, f)}}
		cal := svc.Calendar()
		switch {
		case op == "th" && f.Step == stepTheme:
			f.Theme = ""
			if arg != "-" {
				for _, t := range cal.Themes() {
					if themeRef(t.Key) == arg {
						f.Theme = t.Key
					}
				}
				if f.Theme == "" {
					return stale, nil // the calendar changed meanwhile
				}
			}
			f.Step = stepTitle
		case op == "tt" && f.Step == stepTitle && cal.Theme(f.Theme) != nil:
			f.Title, f.Step = cal.Theme(f.Theme).Title, stepMessage
		case op == "tm" && f.Step == stepMessage && cal.Theme(f.Theme) != nil:
			f.Message, f.Step = cal.Theme(f.Theme).Message, stepQuiz
		case op == "nq" && f.Step == stepQuiz:
			f.Quiz, f.Step = nil, stepEvent
		case op == "ne" && f.Step == stepEvent:
			return h.create(ctx, c, f, nil)
		case op == "k" && f.Step == stepKind && campaign.KindName(stats.Kind(arg)) != "":
			f.Activity, f.Step = stats.Kind(arg), stepDate
		case op == "d" && f.Step == stepDate && (arg == "0" || arg == "1"):
			f.Date, _ = campaign.ParseDate(map[string]string{"0": "今天", "1": "昨天"}[arg], svc.Now())
			f.Step = stepCount
			if f.Activity == stats.KindLecture {
				f.Step = stepPlace
			}
		default:
			return stale, nil
		}
		f.save(hf)
		return bot.Result{Replies: []bot.Reply{h.prompt(c, f)}}, nil
	})
}
