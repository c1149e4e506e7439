package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe runs `lawbot serve` with the web chat and Telegram (against a
// fake Bot API), talks to both, and stops it while an answer is in flight.
func TestServe(t *testing.T) {
	api := telegramtest.NewServer()
	defer api.Close()
	dir := t.TempDir()
	advisers := filepath.Join(dir, "advisers.txt")
	os.WriteFile(advisers, []byte("# 社区=法律顾问\n桃园社区=李律师，周二上午，电话 010-87654321\n"), 0o644)
	secrets := map[string]string{
		"LAWBOT_TELEGRAM_TOKEN":   telegramtest.Token,
		"LAWBOT_TELEGRAM_API_URL": api.URL(),
	}
	var stdout, stderr lockedBuffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return secrets[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, e, []string{"serve", "-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"),
			"-resident-key", filepath.Join(dir, "keys", "resident.key"), "-button-key", filepath.Join(dir, "keys", "button.key"),
			"-communities", "桃园社区,李园社区", "-advisers", advisers, "-staff", "4711", "-log-level", "debug"})
	}()

	addr := regexp.MustCompile(`http://(\S+)/`)
	wait(t, "the server to start", func() bool { return addr.MatchString(stdout.String()) })
	base := "http://" + addr.FindStringSubmatch(stdout.String())[1]

	// Web chat.
	body, _ := json.Marshal(map[string]string{"resident": "abcdefabcdefabcdef123456", "id": "webmsg0001", "text": "房东不退押金怎么办"})
	resp, err := http.Post(base+"/api/chat", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(got), `"kind":"faq"`) {
		t.Errorf("web chat = %d %s", resp.StatusCode, got)
	}

	// Telegram: the menu is set, a question is answered, /adviser names the
	// configured adviser.
	wait(t, "the command menu", func() bool { return len(api.Commands()) > 0 })
	api.Push(telegramtest.Text(1, "公司拖欠工资怎么办"))
	wait(t, "a Telegram answer", func() bool { return len(api.SentTo(1)) > 0 })
	api.Push(telegramtest.Text(2, "/community"))
	wait(t, "the community list", func() bool { return len(api.SentTo(2)) > 0 })
	choose := api.SentTo(2)[0]
	api.Push(telegramtest.Press(2, 2, choose.MessageID, choose.Keyboard[0][0].Data))
	wait(t, "the adviser", func() bool { return len(api.SentTo(2)) > 1 })
	if !strings.Contains(api.SentTo(2)[1].Text, "李律师") {
		t.Errorf("after choosing 桃园社区: %q", api.SentTo(2)[1].Text)
	}

	for path, want := range map[string]string{
		"/healthz":         `"telegram":"polling"`,
		"/metrics":         `lawbot_answers_total{channel="telegram",kind="faq"} 1`,
		"/metrics?cache=1": "lawbot_answer_cache_misses_total 2",
		"/":                "社区法律服务助手",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(got), want) {
			t.Errorf("GET %s lacks %q:\n%s", path, want, got)
		}
	}

	// SIGTERM while an answer is being sent: the answer still goes out.
	api.SetSendDelay(500 * time.Millisecond)
	calls := api.Calls("sendMessage")
	api.Push(telegramtest.Text(3, "邻居装修噪音太大"))
	wait(t, "the answer being sent", func() bool { return api.Calls("sendMessage") > calls })
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("serve exited with %d:\n%s", c, stderr.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
	if len(api.SentTo(3)) == 0 {
		t.Error("the answer in flight at shutdown was not sent")
	}

	logs := stderr.String()
	for _, secret := range []string{telegramtest.Token, "公司拖欠工资", "押金", "噪音"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logs)
		}
	}
}

// TestServeWebhook runs `lawbot serve` in webhook mode: it registers the
// webhook with the secret and answers updates posted with it, only those.
func TestServeWebhook(t *testing.T) {
	api := telegramtest.NewServer()
	defer api.Close()
	dir := t.TempDir()
	const secret = "0123456789abcdef-webhook"
	secrets := map[string]string{
		"LAWBOT_TELEGRAM_TOKEN": telegramtest.Token, "LAWBOT_TELEGRAM_API_URL": api.URL(),
		"LAWBOT_TELEGRAM_WEBHOOK_SECRET": secret,
	}
	var stdout, stderr lockedBuffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return secrets[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, e, []string{"serve", "-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"),
			"-resident-key", filepath.Join(dir, "keys", "resident.key"), "-button-key", filepath.Join(dir, "keys", "button.key"),
			"-webhook", "https://lawbot.example.org/tg/hook"})
	}()
	addr := regexp.MustCompile(`http://(\S+)/`)
	wait(t, "the server to start", func() bool { return addr.MatchString(stdout.String()) })
	hook := "http://" + addr.FindStringSubmatch(stdout.String())[1] + "/tg/hook"
	wait(t, "the webhook to be set", func() bool { return api.Calls("setWebhook") > 0 })

	u := telegramtest.Text(42, "公司拖欠工资怎么办")
	u.ID = 1001
	body, _ := json.Marshal(u)
	post := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, hook, bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post("wrong"); c != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", c)
	}
	if c := post(secret); c != http.StatusOK {
		t.Errorf("update: %d, want 200", c)
	}
	if c := post(secret); c != http.StatusOK {
		t.Errorf("redelivery: %d, want 200", c)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Errorf("serve exited with %d:\n%s", c, stderr.String())
	}
	answers := 0
	for _, m := range api.SentTo(42) {
		if strings.Contains(m.Text, "工资") {
			answers++
		}
	}
	if answers != 1 {
		t.Errorf("answers = %d, want 1", answers)
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	for name, tt := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"webhook without secret": {[]string{"-webhook", "https://example.org/tg"}, map[string]string{"LAWBOT_TELEGRAM_TOKEN": "1:x"}},
		"bad log level":          {[]string{"-log-level", "loud"}, nil},
		"stray argument":         {[]string{"extra"}, nil},
		"bad campaign admin":     {[]string{"-campaign-admins", "4711,abc"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb lockedBuffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return tt.env[k] }}
			args := append([]string{"serve", "-data", dir, "-addr", "127.0.0.1:0"}, tt.args...)
			if code := run(context.Background(), e, args); code != 2 {
				t.Errorf("exit %d, want 2 (usage); stderr %q", code, errb.String())
			}
		})
	}
}

func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBenchChat runs a small `lawbot bench chat` and checks its last line.
// (The command is not in the commands map yet; it is called directly.)
func TestBenchChat(t *testing.T) {
	var out, errb lockedBuffer
	e := &env{stdout: &out, stderr: &errb, getenv: os.Getenv}
	err := cmdBench(context.Background(), e, []string{"chat", "-data", t.TempDir(), "-chats", "40", "-per-chat", "2", "-rate", "200", "-duplicates", "0.2"})
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res benchResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if res.Replied != 80 || res.Counted != 80 || res.Lost != 0 || res.DuplicatesReplied != 0 || res.Updates <= 80 || res.Store != "bolt" {
		t.Errorf("bench = %+v", res)
	}
}
