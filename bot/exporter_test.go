package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/stats"
)

// fakeExporter records the periods asked for.
type fakeExporter struct {
	mu    sync.Mutex
	asked [][2]string
	fail  error
}

func (f *fakeExporter) Export(_ context.Context, first, last time.Time) (bot.Export, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, [2]string{first.Format(time.DateTime), last.Format(time.DateTime)})
	if f.fail != nil {
		return bot.Export{}, f.fail
	}
	return bot.Export{File: bot.File{Name: "统计.xlsx", Data: []byte("PK")}, Summary: "法律咨询3次。"}, nil
}

func (f *fakeExporter) calls() [][2]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][2]string(nil), f.asked...)
}

const staffID = "tg:4711"

// exportCore is a core whose clock says 2026-11-26 10:00 in Beijing, with
// staffID as staff.
func exportCore(t *testing.T, x bot.Exporter) *bot.Core {
	t.Helper()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, stats.DefaultLocation())
	core, _ := bottest.NewCore(t, nil, func(cfg *bot.Config) {
		cfg.Roles = bot.StaffList{staffID: true}
		cfg.Exporter = x
		cfg.Now = func() time.Time { return now }
	})
	return core
}

func handle(t *testing.T, core *bot.Core, m bot.Message) (bot.Result, error) {
	t.Helper()
	m.ID = "test:export:" + m.Resident + ":" + m.Text
	m.Channel = stats.ChannelTelegram
	if m.Chat == "" {
		m.Chat = m.Resident
	}
	res, err := core.Handle(context.Background(), m)
	checkResult(t, res)
	return res, err
}

func files(res bot.Result) int {
	n := 0
	for _, r := range res.Replies {
		if r.File != nil {
			n++
		}
	}
	return n
}

func TestExportPeriods(t *testing.T) {
	tests := []struct {
		arg         string
		first, last string // "" for a refusal
		reply       string // in the refusal
	}{
		{"", "2026-01-01", "2026-11-26", ""},
		{"2025", "2025-01-01", "2025-12-31", ""},
		{"2026", "2026-01-01", "2026-11-26", ""},
		{"2026-03", "2026-03-01", "2026-03-31", ""},
		{"2026-3", "2026-03-01", "2026-03-31", ""},
		{"2024-02", "2024-02-01", "2024-02-29", ""},
		{"2026-11", "2026-11-01", "2026-11-26", ""},
		{"2026-03-05", "2026-03-05", "2026-03-05", ""},
		{"2026-01-01 2026-06-30", "2026-01-01", "2026-06-30", ""},
		{"2026-01-01 至 2026-06-30", "2026-01-01", "2026-06-30", ""},
		{"2026/1/1~2026/6/30", "2026-01-01", "2026-06-30", ""},
		{"2026-11-20 2027-01-31", "2026-11-20", "2026-11-26", ""},
		{"2026-13", "", "", "没看懂日期“2026-13”"},
		{"明年", "", "", "没看懂日期“明年”"},
		{"2026-01-01 2026-02-30", "", "", "没看懂日期“2026-02-30”"},
		{"2026 03 01", "", "", "没看懂日期"},
		{"2026-06-30 2026-01-01", "", "", "早于开始日期"},
		{"2027", "", "", "2027-01-01 还没到"},
		{"2026-12-01 2026-12-31", "", "", "2026-12-01 还没到"},
		{"1999", "", "", "2000 年起"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			x := &fakeExporter{}
			res, err := handle(t, exportCore(t, x), bot.Message{Resident: staffID, Text: strings.TrimSpace("/export " + tt.arg)})
			if err != nil {
				t.Fatalf("Handle = %v", err)
			}
			got := x.calls()
			if tt.first == "" {
				usage := strings.Contains(allText(res), "/export 2026-03")
				if len(got) > 0 || files(res) > 0 || !strings.Contains(allText(res), tt.reply) || strings.Contains(tt.reply, "没看懂") && !usage {
					t.Errorf("/export %s: exported %v, replied %q; want a refusal with %q (and the usage for a bad date)", tt.arg, got, allText(res), tt.reply)
				}
				return
			}
			want := [2]string{tt.first + " 00:00:00", tt.last + " 00:00:00"}
			if len(got) != 1 || got[0] != want {
				t.Fatalf("/export %s asked for %v, want %v", tt.arg, got, want)
			}
			if len(res.Replies) != 1 || res.Replies[0].File == nil || res.Replies[0].File.Name != "统计.xlsx" {
				t.Fatalf("/export %s replied %+v, want the file", tt.arg, res.Replies)
			}
			caption := res.Replies[0].Text
			if !strings.Contains(caption, tt.first+" 至 "+tt.last) || !strings.Contains(caption, "法律咨询3次。") {
				t.Errorf("caption = %q, want the period and the totals", caption)
			}
		})
	}
}

func TestExportRefused(t *testing.T) {
	x := &fakeExporter{}
	core := exportCore(t, x)
	tests := []struct {
		name string
		m    bot.Message
		want string
	}{
		{"resident", bot.Message{Resident: "tg:5", Text: "/export"}, "只对街道工作人员开放"},
		{"resident naming a year", bot.Message{Resident: "tg:5", Text: "/export 2025"}, "只对街道工作人员开放"},
		{"resident in a group", bot.Message{Resident: "tg:5", Chat: "tg:-100", Group: true, Text: "/export"}, "只对街道工作人员开放"},
		{"staff in a group", bot.Message{Resident: staffID, Chat: "tg:-100", Group: true, Text: "/export"}, "请私聊我使用"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := handle(t, core, tt.m)
			if err != nil || files(res) > 0 || !strings.Contains(allText(res), tt.want) {
				t.Errorf("%s: /export = %q (%d files), %v; want %q and no file", tt.name, allText(res), files(res), err, tt.want)
			}
		})
	}
	if got := x.calls(); len(got) > 0 {
		t.Errorf("refused requests exported %v", got)
	}

	off := exportCore(t, nil)
	if res, _ := handle(t, off, bot.Message{Resident: staffID, Text: "/export"}); files(res) > 0 || !strings.Contains(allText(res), "未开启") {
		t.Errorf("/export without an exporter = %q", allText(res))
	}

	broken := exportCore(t, &fakeExporter{fail: errors.New("redis: connection refused")})
	res, err := handle(t, broken, bot.Message{Resident: staffID, Text: "/export"})
	if err == nil || files(res) > 0 || !strings.Contains(allText(res), "导出失败") || strings.Contains(allText(res), "redis") {
		t.Errorf("/export with a failing store = %q, %v; want a polite failure and the error for the log", allText(res), err)
	}
}

// TestStaffCommandsRefused sends every staff command as a resident, and
// as staff in a group chat: none does its work.
func TestStaffCommandsRefused(t *testing.T) {
	x := &fakeExporter{}
	core := exportCore(t, x)
	names := bot.StaffCommandNames()
	if len(names) < 2 {
		t.Fatalf("staff commands = %q, want at least mediations and export", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			res, err := handle(t, core, bot.Message{Resident: "tg:6", Text: "/" + name})
			if err != nil || files(res) > 0 || strings.TrimSpace(allText(res)) != "这个命令只对街道工作人员开放。" {
				t.Errorf("resident /%s = %q, %v; want only the staff-only notice", name, allText(res), err)
			}
			res, err = handle(t, core, bot.Message{Resident: staffID, Chat: "tg:-200", Group: true, Text: "/" + name})
			if err != nil || files(res) > 0 || strings.TrimSpace(allText(res)) != "这个功能涉及个人信息，请私聊我使用。" {
				t.Errorf("staff /%s in a group = %q, %v; want only the private-chat notice", name, allText(res), err)
			}
		})
	}
	if got := x.calls(); len(got) > 0 {
		t.Errorf("refused requests exported %v", got)
	}
}
