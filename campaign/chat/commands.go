package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/campaign"
)

// Command is a volunteers', staff's or admins' chat command. None is in
// the residents' menu (bot.Commands).
type Command struct {
	Name string
	// Action is what the command does on the sender's behalf: only roles
	// allowed it may use the command, in a private chat.
	Action campaign.Action
	// Usage are its arguments, e.g. "<推送编号> [时间]".
	Usage       string
	Description string
}

// call is one command, input or button press being handled.
type call struct {
	svc  *campaign.Service
	m    bot.Message
	u    campaign.User
	arg  string
	form *bot.HookForm
}

var commands = []Command{
	{"tools", campaign.ActStatus, "", "查看您可以使用的命令"},
	{"new", campaign.ActCreate, "", "新建普法推送（分步填写，可加问答和活动）"},
	{"campaigns", campaign.ActStatus, "", "最近的推送及状态"},
	{"preview", campaign.ActPreview, "<推送编号>", "预览推送，并选择发送、定时或放弃"},
	{"send", campaign.ActSend, "<推送编号> [时间]", "立即发送，或定时发送，如 /send 3 2026-03-20 09:00"},
	{"progress", campaign.ActStatus, "", "查看推送的发送进度"},
	{"poster", campaign.ActPreview, "<推送编号>", "活动签到海报（二维码图片和可打印网页）"},
	{"log", campaign.ActActivity, "[类型 日期 地点 数量]", "登记线下活动，如 /log 讲座 2026-03-15 社区活动室 45人；只发 /log 则分步填写"},
	{"activities", campaign.ActCorrect, "", "最近登记的线下活动及编号"},
	{"correct", campaign.ActCorrect, "<活动编号> <正确数量> <原因>", "更正线下活动的数量（原记录保留）"},
	{"resume", campaign.ActResume, "<推送编号>", "恢复已暂停的推送"},
	{"grant", campaign.ActGrant, "<用户id> <volunteer|staff>", "授予志愿者或工作人员角色"},
	{"revoke", campaign.ActGrant, "<用户id>", "撤销角色"},
	{"grants", campaign.ActGrant, "", "授权记录"},
}

// Commands lists the volunteers', staff's and admins' commands.
func Commands() []Command { return append([]Command(nil), commands...) }

func commandNamed(name string) (Command, bool) {
	for _, c := range commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Command answers the volunteers', staff's and admins' commands. Outside
// Telegram they are unknown. The sender's role and the chat type are
// checked first: deny by default, private chats only.
func (h *Hooks) Command(ctx context.Context, m bot.Message, name, arg string, form *bot.HookForm) (bot.Result, bool, error) {
	cmd, ok := commandNamed(name)
	u, isTG := user(m)
	if !ok || !isTG {
		return bot.Result{}, false, nil
	}
	svc := h.svc.Load()
	if err := svc.Authorize(u, cmd.Action); err != nil {
		res, err := h.result(campaign.Reply{}, err)
		return res, true, err
	}
	res, err := h.once(m, func() (bot.Result, error) {
		return h.run(ctx, &call{svc: svc, m: m, u: u, arg: arg, form: form}, cmd.Name)
	})
	return res, true, err
}

// once runs fn unless m was handled before, and then answers as it did:
// a message Telegram delivers twice changes nothing twice. Replies with
// files are made again instead of kept.
func (h *Hooks) once(m bot.Message, fn func() (bot.Result, error)) (bot.Result, error) {
	svc := h.svc.Load()
	if m.ID != "" {
		if raw, ok := svc.Recall(m.ID); ok {
			var res bot.Result
			if err := json.Unmarshal(raw, &res); err == nil {
				return res, nil
			}
		}
	}
	res, err := fn()
	if err != nil || m.ID == "" {
		return res, err
	}
	for _, r := range res.Replies {
		if r.File != nil {
			return res, nil
		}
	}
	raw, err := json.Marshal(res)
	if err == nil {
		err = svc.Remember(m.ID, raw)
	}
	if err != nil {
		h.log.Warn("campaign: remembering a reply", "err", err)
	}
	return res, nil
}

// run runs the command name.
func (h *Hooks) run(ctx context.Context, c *call, name string) (bot.Result, error) {
	switch name {
	case "tools":
		return h.tools(ctx, c)
	case "new":
		return h.newCampaign(ctx, c)
	case "campaigns":
		return h.list(ctx, c)
	case "preview":
		return h.preview(ctx, c)
	case "send":
		return h.send(ctx, c)
	case "progress":
		return h.progress(ctx, c)
	case "poster":
		return h.poster(ctx, c)
	case "log":
		return h.logCmd(ctx, c)
	case "activities":
		return h.activities(ctx, c)
	case "correct":
		return h.correct(ctx, c)
	case "resume":
		return h.resume(ctx, c)
	case "grant":
		return h.grant(ctx, c)
	case "revoke":
		return h.revoke(ctx, c)
	case "grants":
		return h.grants(ctx, c)
	}
	return reply(textUnknown), nil
}

const textUnknown = "没有这个命令。"

func reply(text string) bot.Result { return bot.Result{Replies: []bot.Reply{{Text: text}}} }

func (h *Hooks) tools(_ context.Context, c *call) (bot.Result, error) {
	role := c.svc.Roles().Role(c.u.ID)
	var b strings.Builder
	fmt.Fprintf(&b, "您的角色：%s。可用的命令：\n", role.Label())
	for _, cmd := range commands {
		if campaign.Allowed(role, cmd.Action) {
			fmt.Fprintf(&b, "\n/%s", cmd.Name)
			if cmd.Usage != "" {
				b.WriteString(" " + cmd.Usage)
			}
			b.WriteString("\n  " + cmd.Description)
		}
	}
	b.WriteString("\n\n/cancel 取消正在填写的表单")
	return reply(b.String()), nil
}

// campaignID reads the campaign number every command about one needs.
func campaignID(arg, cmd string) (id, rest string, err error) {
	f := strings.Fields(arg)
	if len(f) == 0 {
		return "", "", &campaign.UserError{Err: campaign.ErrInvalid, Text: fmt.Sprintf("请写明推送编号，例如 /%s 3。发送 /campaigns 查看编号。", cmd)}
	}
	id = strings.TrimPrefix(f[0], "#")
	if _, err := strconv.ParseUint(id, 10, 32); err != nil {
		return "", "", &campaign.UserError{Err: campaign.ErrInvalid, Text: fmt.Sprintf("“%s”不是推送编号，编号是数字，例如 /%s 3。", short(f[0], 12), cmd)}
	}
	return id, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(arg), f[0])), nil
}

func (h *Hooks) list(ctx context.Context, c *call) (bot.Result, error) {
	return h.result(c.svc.List(ctx, c.u, 10))
}

func (h *Hooks) preview(ctx context.Context, c *call) (bot.Result, error) {
	id, _, err := campaignID(c.arg, "preview")
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	return h.result(c.svc.Preview(ctx, c.u, id))
}

func (h *Hooks) send(ctx context.Context, c *call) (bot.Result, error) {
	id, rest, err := campaignID(c.arg, "send")
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	var at time.Time // now
	if rest != "" {
		if at, err = campaign.ParseWhen(rest, c.svc.Now()); err != nil {
			return h.result(campaign.Reply{}, err)
		}
	}
	return h.result(c.svc.Schedule(ctx, c.u, id, at))
}

func (h *Hooks) progress(ctx context.Context, c *call) (bot.Result, error) {
	return h.result(c.svc.Status(ctx, c.u))
}

func (h *Hooks) resume(ctx context.Context, c *call) (bot.Result, error) {
	id, _, err := campaignID(c.arg, "resume")
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	return h.result(c.svc.Resume(ctx, c.u, id))
}

func (h *Hooks) poster(ctx context.Context, c *call) (bot.Result, error) {
	id, _, err := campaignID(c.arg, "poster")
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	p, err := c.svc.Poster(ctx, c.u, id)
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	e := p.Campaign.Event
	caption := fmt.Sprintf("签到海报：%s\n时间：%s\n地点：%s\n二维码链接：%s", short(p.Campaign.Title, 60),
		e.Time.In(campaign.Zone).Format("2006-01-02 15:04"), e.Place, p.URL)
	return bot.Result{Replies: []bot.Reply{
		{Text: caption, File: &bot.File{Name: "poster-ev" + id + ".png", Data: p.PNG}},
		{Text: "可打印的 A4 海报（含中文标题、时间和地点），用浏览器打开后打印。", File: &bot.File{Name: "poster-ev" + id + ".html", Data: p.HTML}},
	}}, nil
}

// userID reads a Telegram user id.
func userID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, &campaign.UserError{Err: campaign.ErrInvalid, Text: fmt.Sprintf("“%s”不是 Telegram 用户 id（一串数字，对方可向 @userinfobot 查询）。", short(s, 20))}
	}
	return id, nil
}

func (h *Hooks) grant(ctx context.Context, c *call) (bot.Result, error) {
	f := strings.Fields(c.arg)
	if len(f) != 2 {
		return reply("用法：/grant 用户id 角色，例如 /grant 123456789 volunteer（角色：volunteer 志愿者、staff 工作人员）。"), nil
	}
	id, err := userID(f[0])
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	role, err := campaign.ParseRole(strings.ToLower(f[1]))
	if err != nil || role == campaign.RoleResident || role == campaign.RoleAdmin {
		return reply(fmt.Sprintf("无法授予“%s”：只能授予 volunteer（志愿者）或 staff（工作人员）。", short(f[1], 12))), nil
	}
	r, err := c.svc.Grant(ctx, c.u, id, role)
	if err == nil {
		r.Text += "请对方私聊本机器人发送 /tools 查看可用命令。"
	}
	return h.result(r, err)
}

func (h *Hooks) revoke(ctx context.Context, c *call) (bot.Result, error) {
	f := strings.Fields(c.arg)
	if len(f) != 1 {
		return reply("用法：/revoke 用户id，例如 /revoke 123456789。"), nil
	}
	id, err := userID(f[0])
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	return h.result(c.svc.Revoke(ctx, c.u, id))
}

func (h *Hooks) grants(ctx context.Context, c *call) (bot.Result, error) {
	return h.result(c.svc.Grants(ctx, c.u, 20))
}

func (h *Hooks) logCmd(ctx context.Context, c *call) (bot.Result, error) {
	if c.arg == "" {
		return h.startLog(c), nil
	}
	a, err := campaign.ParseActivity(c.arg, c.svc.Now())
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	res, _, err := h.logActivity(ctx, c, a)
	return res, err
}

// logActivity counts a and thanks the volunteer; logged is false when it
// was refused.
func (h *Hooks) logActivity(ctx context.Context, c *call, a campaign.ActivityLine) (res bot.Result, logged bool, err error) {
	err = c.svc.LogActivity(ctx, c.u, campaign.Activity{ID: c.m.ID, Kind: a.Kind, Count: a.Count, Date: a.Date, Place: a.Place})
	if err != nil {
		res, err = h.result(campaign.Reply{}, err)
		return res, false, err
	}
	return reply(fmt.Sprintf("已登记：%s。感谢您的付出！\n登记有误请联系工作人员更正。", a)), true, nil
}

func (h *Hooks) activities(ctx context.Context, c *call) (bot.Result, error) {
	as, err := c.svc.Activities(ctx, c.u, 15)
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	if len(as) == 0 {
		return reply("还没有登记线下活动。"), nil
	}
	var b strings.Builder
	b.WriteString("最近登记的线下活动（最新在前）：\n")
	for _, a := range as {
		b.WriteString("\n" + campaign.FormatActivity(a))
	}
	b.WriteString("\n\n更正数量：/correct 编号 正确数量 原因，例如 /correct 12 40 重复登记了5人。数量填 0 表示作废。")
	return reply(b.String()), nil
}

const correctUsage = "用法：/correct 活动编号 正确数量 原因，例如 /correct 12 40 重复登记了5人。发送 /activities 查看编号。"

func (h *Hooks) correct(ctx context.Context, c *call) (bot.Result, error) {
	f := strings.Fields(c.arg)
	if len(f) < 3 {
		return reply(correctUsage), nil
	}
	no, err := strconv.ParseInt(strings.TrimPrefix(f[0], "#"), 10, 64)
	if err != nil || no <= 0 {
		return reply(fmt.Sprintf("“%s”不是活动编号。%s", short(f[0], 12), correctUsage)), nil
	}
	count, err := strconv.Atoi(strings.TrimRight(f[1], "人次名位份张册本条幅户家"))
	if err != nil || count < 0 {
		return reply(fmt.Sprintf("“%s”不是数量，请填写 0 或正整数（0 表示作废）。", short(f[1], 12))), nil
	}
	reason := strings.Join(f[2:], " ")
	a, err := c.svc.Correct(ctx, c.u, campaign.Correction{ID: c.m.ID, No: no, Count: count, Reason: reason})
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	if len(a.Corrections) == 0 {
		return reply(campaign.FormatActivity(a)), nil
	}
	fix := a.Corrections[len(a.Corrections)-1]
	return reply(fmt.Sprintf("已更正活动 #%d：%d → %d%s（原记录保留，统计按更正后的数量计算）。\n%s",
		a.No, fix.Old, fix.Count, campaign.Unit(a.Kind), campaign.FormatActivity(a))), nil
}

// short cuts s to n characters with an ellipsis.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
