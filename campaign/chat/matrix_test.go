package chat_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/campaign/chat"
)

// managed are the arguments and the reply of each volunteers', staff's or
// admins' command when it is allowed, in a fresh env.
var managed = map[string]struct{ arg, want string }{
	"tools":      {"", "您的角色"},
	"new":        {"", "第 1/5 步"},
	"campaigns":  {"", "1. 宪法宣传周（草稿，活动报名 0/20）"},
	"preview":    {"1", "【预览 · 推送 1 · 草稿】"},
	"send":       {"1", "推送 1 已安排于"},
	"progress":   {"", "暂无推送记录"},
	"poster":     {"1", "签到海报：宪法宣传周"},
	"log":        {"传单 300 菜市场门口", "已登记：传单"},
	"activities": {"", "#1 "},
	"correct":    {"1 28 两人提前离场", "已更正活动 #1：30 → 28人"},
	"resume":     {"1", "没有可恢复的发送"},
	"grant":      {"5 volunteer", "已将用户 5 设为志愿者"},
	"revoke":     {"3", "已撤销用户 3 的志愿者角色"},
	"grants":     {"", "授权记录"},
}

// TestRoleCommandChatMatrix sends every command, residents' and the
// others', as every role in every chat type through the bot core: the
// volunteers', staff's and admins' commands answer only roles allowed them,
// only in private chats, and a refusal changes nothing.
func TestRoleCommandChatMatrix(t *testing.T) {
	for _, cmd := range chat.Commands() {
		if _, ok := managed[cmd.Name]; !ok {
			t.Fatalf("command /%s has no case in the matrix", cmd.Name)
		}
	}
	if len(managed) != len(chat.Commands()) {
		t.Fatalf("the matrix has %d commands, chat.Commands %d", len(managed), len(chat.Commands()))
	}
	onStores(t, func(t *testing.T, store string) {
		for _, cmd := range chat.Commands() {
			for user, role := range roleOf {
				t.Run(fmt.Sprintf("%s/%s", cmd.Name, role), func(t *testing.T) {
					t.Parallel()
					e := newEnv(t, store)
					text := "/" + cmd.Name
					if a := managed[cmd.Name].arg; a != "" {
						text += " " + a
					}
					// Groups first: they must change nothing for anyone.
					for _, ct := range []chatType{group, supergroup, private} {
						before := e.snapshot()
						res := e.say(user, ct, text)
						got := all(res)
						allowed := ct == private && campaign.Allowed(role, cmd.Action)
						switch {
						case ct != private && !strings.Contains(got, textPrivate):
							t.Errorf("%s by %s in a %s = %q, want the private-only refusal", text, role, ct, got)
						case ct == private && !allowed && !strings.Contains(got, textForbidden):
							t.Errorf("%s by %s = %q, want the refusal", text, role, got)
						case allowed && !strings.Contains(got, managed[cmd.Name].want):
							t.Errorf("%s by %s = %q, want %q", text, role, got, managed[cmd.Name].want)
						}
						if !allowed {
							if after := e.snapshot(); after != before {
								t.Errorf("%s by %s in a %s changed the state:\n%s\nto\n%s", text, role, ct, before, after)
							}
							for _, r := range res.Replies {
								if r.File != nil || len(r.Buttons) > 0 {
									t.Errorf("%s by %s in a %s: refusal with a file or buttons: %+v", text, role, ct, r)
								}
							}
						}
					}
				})
			}
		}
	})
}

// TestResidentCommandsMatrix sends the residents' commands and the core's
// staff commands as every role in every chat type: residents' commands
// work for everyone (the private ones only in private chats), the staff
// commands only for staff and admins.
func TestResidentCommandsMatrix(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		privateOnly := map[string]bool{"/mediate": true, "/campaign": true, "/subscribe": true, "/unsubscribe": true, "/start ev_1": true}
		staffOnly := map[string]bool{"/mediations": true, "/export": true}
		cmds := []string{"/start", "/start ev_1", "/help", "/topics", "/adviser", "/aid", "/community", "/mediate", "/cancel",
			"/campaign", "/subscribe", "/unsubscribe", "/mediations", "/export", "/nosuchcommand"}
		for user, role := range roleOf {
			for _, ct := range chatTypes {
				for _, cmd := range cmds {
					got := all(e.say(user, ct, cmd))
					refusedPrivate := strings.Contains(got, textPrivate) || strings.Contains(got, textCorePriv)
					refusedStaff := strings.Contains(got, textStaffOnly)
					isStaff := role == campaign.RoleStaff || role == campaign.RoleAdmin
					switch {
					case staffOnly[cmd] && !isStaff:
						if !refusedStaff {
							t.Errorf("%s by %s in a %s = %q, want the staff-only refusal", cmd, role, ct, got)
						}
					case staffOnly[cmd] && ct != private:
						if !refusedPrivate {
							t.Errorf("%s by %s in a %s = %q, want the private-only refusal", cmd, role, ct, got)
						}
					case privateOnly[cmd] && ct != private:
						if !refusedPrivate {
							t.Errorf("%s by %s in a %s = %q, want the private-only refusal", cmd, role, ct, got)
						}
					default:
						if refusedPrivate || refusedStaff || strings.Contains(got, textForbidden) || strings.TrimSpace(got) == "" {
							t.Errorf("%s by %s in a %s = %q, want it answered", cmd, role, ct, got)
						}
					}
				}
			}
		}
		// The residents' menu is unchanged: no volunteer command in it.
		for _, c := range chat.Commands() {
			for _, m := range residentMenu() {
				if m == c.Name {
					t.Errorf("/%s is in the residents' menu", c.Name)
				}
			}
		}
	})
}

func residentMenu() []string {
	var out []string
	for _, c := range bot.Commands() {
		out = append(out, c.Name)
	}
	return out
}
