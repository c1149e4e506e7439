package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/stats"
)

// formHook is a campaigns hook whose form collects typed lines: /collect
// opens it, "完成" ends it, its button adds "按钮".
type formHook struct {
	fakeCampaigns
	mu    sync.Mutex
	calls []string // "input:<state>:<text>" ...
}

func (h *formHook) log(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, s)
}

func (h *formHook) Command(_ context.Context, m bot.Message, name, arg string, f *bot.HookForm) (bot.Result, bool, error) {
	if name != "collect" {
		return bot.Result{}, false, nil
	}
	h.log("command:" + arg)
	f.State = "["
	return bot.Result{Replies: []bot.Reply{{Text: "请输入"}}}, true, nil
}

func (h *formHook) Input(_ context.Context, m bot.Message, f *bot.HookForm) (bot.Result, error) {
	h.log("input:" + f.State + ":" + m.Text)
	if f.State == "" {
		return bot.Result{Replies: []bot.Reply{{Text: "已完成（重复消息）"}}}, nil
	}
	if m.Text == "完成" {
		done := f.State + "]"
		f.State = ""
		return bot.Result{Replies: []bot.Reply{{Text: "已完成 " + done}}}, nil
	}
	f.State += m.Text + ","
	return bot.Result{Replies: []bot.Reply{{Text: "收到 " + f.State}}}, nil
}

func (h *formHook) Press(_ context.Context, _ bot.Message, data string, f *bot.HookForm) (bot.Result, error) {
	h.log("press:" + f.State + ":" + data)
	if f.State != "" {
		f.State += "按钮,"
	}
	return bot.Result{Notice: "按下 " + data}, nil
}

// TestHookForms checks how Core routes to the campaigns hook's forms:
// commands it does not know, typed text while a form is open (private
// chats only), redeliveries, /cancel, one form at a time, and forms left
// idle.
func TestHookForms(t *testing.T) {
	hook := &formHook{}
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	core, mem := bottest.NewCore(t, nil, func(cfg *bot.Config) { cfg.Campaigns = hook; cfg.Now = clock })
	const resident = "tg:501"
	seq := 0
	send := func(id, text string, group bool) string {
		t.Helper()
		if id == "" {
			seq++
			id = fmt.Sprintf("tg:update:%d", seq)
		}
		chat := resident
		if group {
			chat = "tg:-100"
		}
		res, err := core.Handle(context.Background(), bot.Message{ID: id, Channel: stats.ChannelTelegram, Resident: resident, Chat: chat, Group: group, Text: text})
		if err != nil {
			t.Fatalf("Handle(%q): %v", text, err)
		}
		return allText(res)
	}
	hookState := func() bot.HookForm {
		t.Helper()
		s, err := mem.Session(context.Background(), resident)
		if err != nil {
			t.Fatal(err)
		}
		return s.Hook
	}

	if got := send("", "/nosuchcommand", false); !strings.Contains(got, "没有这个命令") {
		t.Errorf("/nosuchcommand = %q, want the unknown-command reply", got)
	}
	if got := send("", "/collect 参数", false); got != "请输入\n" || hookState().State != "[" {
		t.Fatalf("/collect = %q, form %+v", got, hookState())
	}
	if got := send("tg:update:x1", "第一行", false); got != "收到 [第一行,\n" {
		t.Errorf("input = %q", got)
	}
	// A redelivered message goes to the hook again, which decides.
	send("tg:update:x1", "第一行", false)
	if got := hookState(); got.State != "[第一行,第一行," || got.Last != "tg:update:x1" {
		t.Errorf("form after a redelivery = %+v (this hook takes it twice; the real one does not)", got)
	}
	// In a group the same resident is asking a question, not filling in.
	if got := send("", "公司拖欠工资怎么办", true); strings.Contains(got, "收到") {
		t.Errorf("group message went to the form: %q", got)
	}
	btn, err := core.CampaignButton(bot.Message{Chat: resident}, "加", "add")
	if err != nil {
		t.Fatal(err)
	}
	res, err := core.Handle(context.Background(), bot.Message{ID: "tg:cb:1", Channel: stats.ChannelTelegram, Resident: resident, Chat: resident, Data: btn.Data})
	if err != nil || res.Notice != "按下 add" || !strings.HasSuffix(hookState().State, "按钮,") {
		t.Errorf("button = %+v, %v; form %+v", res, err, hookState())
	}
	if got := send("tg:update:done", "完成", false); !strings.HasPrefix(got, "已完成 [") || hookState().State != "" {
		t.Errorf("完成 = %q, form %+v", got, hookState())
	}
	// The message that ended the form, redelivered, still goes to the hook;
	// the next one is a question again.
	if got := send("tg:update:done", "完成", false); got != "已完成（重复消息）\n" {
		t.Errorf("redelivered last input = %q", got)
	}
	if got := send("", "完成", false); strings.Contains(got, "已完成") {
		t.Errorf("text after the form = %q, want it answered as a question", got)
	}

	// /cancel ends a hook form.
	send("", "/collect", false)
	if got := send("", "/cancel", false); got != "已取消正在填写的表单。\n" || hookState().State != "" {
		t.Errorf("/cancel = %q, form %+v", got, hookState())
	}
	if got := send("", "/cancel", false); !strings.Contains(got, "没有正在填写") {
		t.Errorf("/cancel again = %q", got)
	}

	// One form at a time: /mediate closes the hook's form and the other way.
	send("", "/collect", false)
	send("", "/mediate", false)
	if hookState().State != "" {
		t.Errorf("hook form kept after /mediate: %+v", hookState())
	}
	send("", "/collect", false)
	s, _ := mem.Session(context.Background(), resident)
	if s.Form != nil || s.Hook.State != "[" {
		t.Errorf("after /mediate then /collect: mediation form %+v, hook form %+v", s.Form, s.Hook)
	}

	// A form left idle is dropped.
	mu.Lock()
	now = now.Add(3 * time.Hour)
	mu.Unlock()
	if got := send("", "还在吗", false); strings.Contains(got, "收到") {
		t.Errorf("idle form still took input: %q", got)
	}
	if hookState().State != "" {
		t.Errorf("idle form kept: %+v", hookState())
	}
}
