package web_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// TestBrowserChat drives the web chat in headless Chromium over the
// DevTools protocol (on a pipe, so only the standard library is needed):
// it types a question, sees the answer and rates it. Set LAWBOT_SCREENSHOT
// to a file name to keep a screenshot of the page.
func TestBrowserChat(t *testing.T) {
	chromium := os.Getenv("LAWBOT_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(chromium); err != nil {
		t.Skipf("headless browser test skipped: %s not installed (apt-get install -y chromium, or set LAWBOT_CHROMIUM)", chromium)
	}
	h, rec := newServer(t)
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := startBrowser(t, ctx, chromium)
	page := b.open(t, srv.URL+"/")
	page.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 420, "height": 900, "deviceScaleFactor": 1, "mobile": true,
	})

	// The page greets the resident and offers the communities.
	page.waitFor(t, `document.querySelectorAll(".msg.bot .btn").length >= 3`)
	page.eval(t, `(() => {
		const t = document.getElementById("text");
		t.value = "房东不退押金怎么办？";
		t.dispatchEvent(new Event("input"));
		document.getElementById("send").click();
		return true;
	})()`)
	page.waitFor(t, `document.querySelector(".msg.answer .btn.rating") !== null`)
	answer := page.eval(t, `document.querySelector(".msg.answer").innerText`).(string)
	if !strings.Contains(answer, "押金") || !strings.Contains(answer, "有帮助") {
		t.Errorf("answer shown = %q", answer)
	}
	if q := page.eval(t, `document.querySelector(".msg.user .text").textContent`); q != "房东不退押金怎么办？" {
		t.Errorf("question shown = %q", q)
	}
	page.eval(t, `document.querySelector(".msg.answer .btn.rating").click(), true`)
	page.waitFor(t, `document.querySelector(".msg.answer .btn.rating").disabled && !document.getElementById("notice").hidden`)
	if n := page.eval(t, `document.getElementById("notice").textContent`); n != "感谢您的评价！" {
		t.Errorf("notice = %q", n)
	}
	if got := rec.Events(stats.KindRating); len(got) != 1 || got[0].Rating != 5 {
		t.Errorf("ratings = %+v, want one 5", got)
	}
	if got := rec.Events(stats.KindConsultation); len(got) != 1 || got[0].Category != "rental" || got[0].Channel != stats.ChannelWeb {
		t.Errorf("consultations = %+v, want one about rental from the web", got)
	}
	// The anonymous id survives a reload, so the session does too.
	id := page.eval(t, `localStorage.getItem("lawbot.resident")`).(string)
	if len(id) != 32 {
		t.Errorf("resident id = %q, want 32 hex characters", id)
	}

	if path := os.Getenv("LAWBOT_SCREENSHOT"); path != "" {
		shot := page.call(t, "Page.captureScreenshot", map[string]any{"format": "png"})
		var r struct{ Data string }
		if err := json.Unmarshal(shot, &r); err != nil {
			t.Fatal(err)
		}
		png, err := base64.StdEncoding.DecodeString(r.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

// browser is Chromium controlled over --remote-debugging-pipe: commands
// go to its fd 3 and results come from its fd 4, each a JSON text ended
// by a NUL byte.
type browser struct {
	cmd *exec.Cmd
	w   *os.File

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan reply
	dead    chan struct{}
}

type reply struct {
	Result json.RawMessage
	Error  *struct{ Message string }
}

func startBrowser(t *testing.T, ctx context.Context, path string) *browser {
	t.Helper()
	toBrowser, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	resR, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-extensions",
		"--user-data-dir="+filepath.Join(t.TempDir(), "profile"), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	b := &browser{cmd: cmd, w: cmdW, waiting: map[int]chan reply{}, dead: make(chan struct{})}
	go b.read(resR)
	t.Cleanup(func() {
		b.send("Browser.close", "", nil)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		cmdW.Close()
		resR.Close()
		if t.Failed() {
			t.Logf("chromium stderr:\n%s", stderr.String())
		}
	})
	return b
}

func (b *browser) read(r *os.File) {
	defer close(b.dead)
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m struct {
			ID int
			reply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event
		}
		b.mu.Lock()
		ch := b.waiting[m.ID]
		delete(b.waiting, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.reply
		}
	}
}

// send sends a command, for the browser or a page's session, and returns
// the channel its reply comes on.
func (b *browser) send(method, session string, params any) chan reply {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan reply, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, _ := json.Marshal(msg)
	if _, err := b.w.Write(append(data, 0)); err != nil {
		ch <- reply{Error: &struct{ Message string }{err.Error()}}
	}
	return ch
}

func (b *browser) call(t *testing.T, method, session string, params any) json.RawMessage {
	t.Helper()
	res, err := b.tryCall(method, session, params)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// tryCall is call returning the protocol's error (for example "Cannot find
// default execution context" while a page is still loading) instead of
// failing the test, so that waits can retry.
func (b *browser) tryCall(method, session string, params any) (json.RawMessage, error) {
	select {
	case r := <-b.send(method, session, params):
		if r.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		return r.Result, nil
	case <-b.dead:
		return nil, fmt.Errorf("%s: chromium went away", method)
	case <-time.After(20 * time.Second):
		return nil, fmt.Errorf("%s: no reply from chromium", method)
	}
}

// page is one tab.
type page struct {
	b       *browser
	session string
}

func (b *browser) open(t *testing.T, url string) *page {
	t.Helper()
	var target struct{ TargetID string }
	if err := json.Unmarshal(b.call(t, "Target.createTarget", "", map[string]any{"url": url}), &target); err != nil {
		t.Fatal(err)
	}
	var attached struct{ SessionID string }
	res := b.call(t, "Target.attachToTarget", "", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err := json.Unmarshal(res, &attached); err != nil {
		t.Fatal(err)
	}
	return &page{b: b, session: attached.SessionID}
}

func (p *page) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	return p.b.call(t, method, p.session, params)
}

// eval evaluates a JavaScript expression in the page and returns its value.
func (p *page) eval(t *testing.T, expr string) any {
	t.Helper()
	v, err := p.tryEval(t, expr)
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func (p *page) tryEval(t *testing.T, expr string) (any, error) {
	t.Helper()
	res, err := p.b.tryCall("Runtime.evaluate", p.session, map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return nil, err
	}
	var r struct {
		Result           struct{ Value any }
		ExceptionDetails *struct{ Text string }
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return nil, err
	}
	if r.ExceptionDetails != nil {
		return nil, errors.New(r.ExceptionDetails.Text)
	}
	return r.Result.Value, nil
}

// waitFor waits until a JavaScript condition holds in the page.
func (p *page) waitFor(t *testing.T, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := p.tryEval(t, cond)
		if err == nil && v == true {
			return
		}
		if time.Now().After(deadline) {
			body, _ := p.tryEval(t, `document.body.innerText`)
			t.Fatalf("waiting for %s: %v; page shows:\n%v", cond, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
