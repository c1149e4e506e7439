// Package chat connects campaigns to the chat bot: Hooks is a
// bot.Campaigns, and its Button lets the bot sign the campaign buttons so
// their presses come back through the bot to the campaign service.
//
// Besides the residents' /campaign, /subscribe and check-in, Hooks answers
// the volunteers', staff's and admins' commands (Commands), in private
// Telegram chats only and for the roles allowed them only, and runs their
// guided forms (/new for a campaign, /log for an offline activity) whose
// state the bot keeps in the sender's session. A message or button press
// delivered twice is answered as the first time and acts once.
//
// Wiring, in cmd:
//
//	hooks := chat.New(logger)
//	svc, _ := campaign.New(store, campaign.Config{..., Button: hooks.Button})
//	hooks.SetService(svc)
//	core, _ := bot.New(bot.Config{..., Campaigns: hooks, Roles: svc.Roles()})
//	hooks.SetCore(core)
package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
)

// Hooks answers the bot's campaign commands and buttons with a
// campaign.Service.
type Hooks struct {
	svc  atomic.Pointer[campaign.Service]
	core atomic.Pointer[bot.Core]
	log  *slog.Logger
}

var _ bot.Campaigns = (*Hooks)(nil)

// New returns Hooks; set the service and the core before use.
func New(log *slog.Logger) *Hooks {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hooks{log: log}
}

// SetService sets the campaign service.
func (h *Hooks) SetService(s *campaign.Service) { h.svc.Store(s) }

// SetCore sets the bot core whose signing wraps campaign buttons.
func (h *Hooks) SetCore(c *bot.Core) { h.core.Store(c) }

// Button wraps campaign button data in the bot's signed button data for
// the Telegram chat; pass it as campaign.Config.Button.
func (h *Hooks) Button(chat int64, label, data string) (campaign.Button, error) {
	core := h.core.Load()
	if core == nil {
		return campaign.Button{Text: label, Data: data}, nil
	}
	b, err := core.CampaignButton(bot.Message{Chat: "tg:" + strconv.FormatInt(chat, 10)}, label, data)
	if err != nil {
		return campaign.Button{}, err
	}
	return campaign.Button{Text: b.Text, Data: b.Data}, nil
}

// user maps a bot message to a campaign user; ok is false outside Telegram.
func user(m bot.Message) (campaign.User, bool) {
	id, err1 := strconv.ParseInt(strings.TrimPrefix(m.Resident, "tg:"), 10, 64)
	chat, err2 := strconv.ParseInt(strings.TrimPrefix(m.Chat, "tg:"), 10, 64)
	if m.Channel != stats.ChannelTelegram || err1 != nil || err2 != nil || !strings.HasPrefix(m.Resident, "tg:") {
		return campaign.User{}, false
	}
	return campaign.User{ID: id, Chat: chat, Private: !m.Group}, true
}

const textTelegramOnly = "普法主题推送目前仅在 Telegram 中提供。"

// result turns a reply or error into what the bot shows: refusals and
// invalid input as their friendly text, other errors returned for the log.
func (h *Hooks) result(r campaign.Reply, err error) (bot.Result, error) {
	var ue *campaign.UserError
	if errors.As(err, &ue) {
		return bot.Result{Replies: []bot.Reply{{Text: ue.Text}}, Notice: ue.Text}, nil
	}
	if err != nil {
		return bot.Result{Replies: []bot.Reply{{Text: "系统繁忙，请稍后再试。"}}}, err
	}
	var res bot.Result
	if r.Text != "" {
		res.Replies = []bot.Reply{{Text: r.Text, Buttons: buttons(r.Buttons)}}
	}
	res.Notice = r.Notice
	return res, nil
}

func buttons(rows [][]campaign.Button) [][]bot.Button {
	var out [][]bot.Button
	for _, row := range rows {
		var r []bot.Button
		for _, b := range row {
			r = append(r, bot.Button{Text: b.Text, Data: b.Data})
		}
		out = append(out, r)
	}
	return out
}

// Campaign answers /campaign with the running campaign, or this month's
// theme.
func (h *Hooks) Campaign(ctx context.Context, m bot.Message) (bot.Result, error) {
	svc := h.svc.Load()
	u, ok := user(m)
	if !ok {
		return bot.Result{Replies: []bot.Reply{{Text: textTelegramOnly}}}, nil
	}
	if !svc.Can(u, campaign.ActView) {
		return h.result(campaign.Reply{}, &campaign.UserError{Err: campaign.ErrForbidden, Text: "请在与本机器人的私聊中使用此功能。"})
	}
	c, err := svc.Current(ctx)
	if err != nil {
		return h.result(campaign.Reply{}, err)
	}
	if c == nil {
		text := "目前没有进行中的普法主题活动。"
		if th := svc.Calendar().Month(time.Now().In(stats.DefaultLocation()).Month()); len(th) > 0 {
			text += fmt.Sprintf("本月主题：%s。发送 /subscribe 订阅每月推送。", th[0].Title)
		}
		return bot.Result{Replies: []bot.Reply{{Text: text}}}, nil
	}
	msg, err := svc.ComposeText(c, u.Chat)
	return h.result(campaign.Reply{Text: msg.Text, Buttons: msg.Buttons}, err)
}

// Subscribe answers /subscribe and /unsubscribe.
func (h *Hooks) Subscribe(ctx context.Context, m bot.Message, on bool) (bot.Result, error) {
	u, ok := user(m)
	if !ok {
		return bot.Result{Replies: []bot.Reply{{Text: textTelegramOnly}}}, nil
	}
	return h.result(h.svc.Load().Subscribe(ctx, u, on))
}

// Start answers /start ev_<id>: event check-in.
func (h *Hooks) Start(ctx context.Context, m bot.Message, payload string) (bot.Result, error) {
	u, ok := user(m)
	if !ok {
		return bot.Result{Replies: []bot.Reply{{Text: textTelegramOnly}}}, nil
	}
	return h.result(h.svc.Load().CheckIn(ctx, u, payload))
}

// Press handles a campaign button; the message ID is the idempotency key.
// A form's buttons go to the form; the others (residents' quiz, sign-up and
// read buttons, the preview's send, schedule and discard) to the service.
// Each checks the presser's role for what the button does.
func (h *Hooks) Press(ctx context.Context, m bot.Message, data string, form *bot.HookForm) (bot.Result, error) {
	u, ok := user(m)
	if !ok {
		return bot.Result{Notice: textTelegramOnly}, nil
	}
	svc := h.svc.Load()
	if payload, ok := svc.Verify(u.Chat, data); ok && strings.HasPrefix(payload, "f:") {
		return h.formPress(ctx, m, u, payload, form)
	}
	return h.result(svc.Press(ctx, u, m.ID, data))
}
