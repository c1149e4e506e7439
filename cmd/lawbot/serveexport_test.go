package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
	"github.com/xuri/excelize/v2"
)

// TestServeExport runs `lawbot serve` on a year of demo statistics with
// Telegram against a fake Bot API: staff send /export 2025 and get a
// workbook whose figures are the store's; a resident, and staff in a group
// chat, are refused and get no file.
func TestServeExport(t *testing.T) {
	statsEnv(t)
	dir := demoYear(t)
	want := yearTotal(t, dir) // before serve holds the store
	api := telegramtest.NewServer()
	defer api.Close()
	secrets := map[string]string{"LAWBOT_TELEGRAM_TOKEN": telegramtest.Token, "LAWBOT_TELEGRAM_API_URL": api.URL()}
	var stdout, stderr lockedBuffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return secrets[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	keys := t.TempDir()
	go func() {
		code <- run(ctx, e, []string{"serve", "-addr", "127.0.0.1:0", "-data", dir,
			"-button-key", filepath.Join(keys, "button.key"), "-staff", "4711"})
	}()
	wait(t, "the server to start", func() bool { return regexp.MustCompile(`http://\S+/`).MatchString(stdout.String()) })

	const staffUser, resident = 4711, 5
	api.Push(telegramtest.Text(resident, "/export 2025"))
	api.Push(telegramtest.GroupText(-100200, staffUser, "/export 2025"))
	api.Push(telegramtest.Text(staffUser, "/export 2025"))
	wait(t, "the export", func() bool { return len(api.SentTo(staffUser)) > 0 })
	wait(t, "the refusals", func() bool { return len(api.SentTo(resident)) > 0 && len(api.SentTo(-100200)) > 0 })

	for chat, refusal := range map[int64]string{resident: "只对街道工作人员开放", -100200: "请私聊我使用"} {
		for _, m := range api.SentTo(chat) {
			if m.Document != nil || !strings.Contains(m.Text, refusal) {
				t.Errorf("chat %d got %q (document %v), want only %q", chat, m.Text, m.Document != nil, refusal)
			}
		}
	}

	sent := api.SentTo(staffUser)
	if len(sent) != 1 || sent[0].Document == nil {
		t.Fatalf("staff got %+v, want one document", sent)
	}
	doc := sent[0]
	if doc.Document.Name != "法治宣传统计_2025-01-01_2025-12-31.xlsx" {
		t.Errorf("document name = %q", doc.Document.Name)
	}
	cons := want.Events(stats.KindConsultation)
	for _, s := range []string{"2025-01-01 至 2025-12-31", "法律咨询" + strconv.FormatInt(cons, 10) + "次", "统计口径"} {
		if !strings.Contains(doc.Text, s) {
			t.Errorf("caption %q lacks %q", doc.Text, s)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(doc.Document.Data))
	if err != nil {
		t.Fatalf("the document is not a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("按月统计")
	if err != nil {
		t.Fatalf("GetRows(按月统计): %v", err)
	}
	header, total := rows[report.HeaderRow-1], rows[len(rows)-1]
	satisfied := want.EventsBy(stats.KindRating, stats.DimScore)
	for column, value := range map[string]string{
		"法律咨询":    strconv.FormatInt(cons, 10),
		"服务居民":    strconv.FormatInt(want.Residents, 10),
		"法律援助转介":  strconv.FormatInt(want.Events(stats.KindLegalAid), 10),
		"调解申请":    strconv.FormatInt(want.Events(stats.KindMediation), 10),
		"满意率":     report.Percent(satisfied["4"]+satisfied["5"], want.Events(stats.KindRating)),
		"法治讲座(场)": strconv.FormatInt(want.Events(stats.KindLecture), 10),
	} {
		i := slices.Index(header, column)
		if i < 0 || i >= len(total) || total[i] != value {
			t.Errorf("按月统计 合计 %s = %q, want %s (row %q)", column, at(total, i), value, total)
		}
	}
	if len(rows) != report.FirstRow-1+13 {
		t.Errorf("按月统计 has %d rows, want 12 months and the total", len(rows))
	}

	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("serve exited with %d:\n%s", c, stderr.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func at(row []string, i int) string {
	if i >= 0 && i < len(row) {
		return row[i]
	}
	return ""
}
