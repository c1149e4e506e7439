// Package cdp drives headless Chromium over the Chrome DevTools Protocol
// for lawbot's browser tests: the web chat's and the staff dashboard's.
// Chromium is controlled over --remote-debugging-pipe, so only the
// standard library is needed: commands go to its fd 3 and results come
// from its fd 4, each a JSON text ended by a NUL byte.
//
// Tests call Chromium first, which skips them when no browser is
// installed, then Start and Open:
//
//	b := cdp.Start(ctx, t, cdp.Chromium(t))
//	page := b.Open(t, srv.URL+"/")
//	page.WaitFor(t, `document.querySelector("h1") !== null`)
package cdp

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultPath is where Debian installs Chromium; LAWBOT_CHROMIUM overrides it.
const DefaultPath = "/usr/bin/chromium"

// Timeouts: for one command's reply, and for WaitFor's condition.
const (
	replyTimeout = 20 * time.Second
	waitTimeout  = 20 * time.Second
)

// Chromium returns the browser to test with (LAWBOT_CHROMIUM, else
// DefaultPath) and skips the test with a clear message when it is not
// installed.
func Chromium(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("LAWBOT_CHROMIUM")
	if path == "" {
		path = DefaultPath
	}
	if _, err := exec.LookPath(path); err != nil {
		tb.Skipf("headless browser test skipped: %s not installed (apt-get install -y chromium, or set LAWBOT_CHROMIUM)", path)
	}
	return path
}

// Browser is a headless Chromium started by Start; it is closed when the
// test ends.
type Browser struct {
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

// Start starts Chromium at path, headless, with a fresh profile in a
// temporary directory. ctx bounds the browser's life.
func Start(ctx context.Context, tb testing.TB, path string) *Browser {
	tb.Helper()
	toBrowser, cmdW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	resR, fromBrowser, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(tb.TempDir(), "profile"), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", path, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	b := &Browser{cmd: cmd, w: cmdW, waiting: map[int]chan reply{}, dead: make(chan struct{})}
	go b.read(resR)
	tb.Cleanup(func() {
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
		if tb.Failed() {
			tb.Logf("chromium stderr:\n%s", stderr.String())
		}
	})
	return b
}

func (b *Browser) read(r *os.File) {
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
func (b *Browser) send(method, session string, params any) chan reply {
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

// Call sends a browser-level command, such as Browser.setDownloadBehavior,
// and fails the test if it fails.
func (b *Browser) Call(tb testing.TB, method string, params any) json.RawMessage {
	tb.Helper()
	res, err := b.TryCall(method, "", params)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// TryCall sends a command for the browser (session "") or a page's
// session and returns the protocol's error (for example "Cannot find
// default execution context" while a page is still loading) instead of
// failing the test, so that waits can retry.
func (b *Browser) TryCall(method, session string, params any) (json.RawMessage, error) {
	select {
	case r := <-b.send(method, session, params):
		if r.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		return r.Result, nil
	case <-b.dead:
		return nil, fmt.Errorf("%s: chromium went away", method)
	case <-time.After(replyTimeout):
		return nil, fmt.Errorf("%s: no reply from chromium", method)
	}
}

// Page is one tab.
type Page struct {
	b       *Browser
	session string
}

// Open opens url in a new tab.
func (b *Browser) Open(tb testing.TB, url string) *Page {
	tb.Helper()
	var target struct{ TargetID string }
	if err := json.Unmarshal(b.Call(tb, "Target.createTarget", map[string]any{"url": url}), &target); err != nil {
		tb.Fatal(err)
	}
	var attached struct{ SessionID string }
	res := b.Call(tb, "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err := json.Unmarshal(res, &attached); err != nil {
		tb.Fatal(err)
	}
	return &Page{b: b, session: attached.SessionID}
}

// Call sends a command to the page and fails the test if it fails.
func (p *Page) Call(tb testing.TB, method string, params any) json.RawMessage {
	tb.Helper()
	res, err := p.b.TryCall(method, p.session, params)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// Eval evaluates a JavaScript expression in the page and returns its
// value (awaiting it if it is a promise); it fails the test on an error or
// an exception.
func (p *Page) Eval(tb testing.TB, expr string) any {
	tb.Helper()
	v, err := p.TryEval(expr)
	if err != nil {
		tb.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// EvalJSON evaluates a JavaScript expression in the page and decodes its
// value, passed through JSON.stringify, into v.
func (p *Page) EvalJSON(tb testing.TB, expr string, v any) {
	tb.Helper()
	s, ok := p.Eval(tb, "JSON.stringify("+expr+")").(string)
	if !ok {
		tb.Fatalf("evaluating %s: not a JSON value", expr)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		tb.Fatalf("evaluating %s: %v", expr, err)
	}
}

// TryEval is Eval returning the error, for waits that retry while the
// page is still loading.
func (p *Page) TryEval(expr string) (any, error) {
	res, err := p.b.TryCall("Runtime.evaluate", p.session, map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
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

// WaitFor waits until a JavaScript condition holds in the page, retrying
// while it throws or the page has no execution context yet (during a
// navigation); after 20 seconds it fails the test with the page's text.
func (p *Page) WaitFor(tb testing.TB, cond string) {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		v, err := p.TryEval(cond)
		if err == nil && v == true {
			return
		}
		if time.Now().After(deadline) {
			body, _ := p.TryEval(`document.body.innerText`)
			tb.Fatalf("waiting for %s: %v; page shows:\n%v", cond, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Screenshot returns a PNG of the page: of the whole document when full,
// else of the viewport.
func (p *Page) Screenshot(tb testing.TB, full bool) []byte {
	tb.Helper()
	params := map[string]any{"format": "png"}
	if full {
		var m struct {
			CSSContentSize struct{ Width, Height float64 }
		}
		if err := json.Unmarshal(p.Call(tb, "Page.getLayoutMetrics", nil), &m); err != nil {
			tb.Fatal(err)
		}
		params["captureBeyondViewport"] = true
		params["clip"] = map[string]any{"x": 0, "y": 0, "width": m.CSSContentSize.Width, "height": m.CSSContentSize.Height, "scale": 1}
	}
	var r struct{ Data string }
	if err := json.Unmarshal(p.Call(tb, "Page.captureScreenshot", params), &r); err != nil {
		tb.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		tb.Fatal(err)
	}
	return png
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SaveArtefact writes data as a test artefact named after the test and
// name, in the directory LAWBOT_TEST_ARTEFACTS names (created if needed),
// else in the test's temporary directory, logs the path and returns it.
func SaveArtefact(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	dir := os.Getenv("LAWBOT_TEST_ARTEFACTS")
	if dir == "" {
		dir = tb.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("artefact directory: %v", err)
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(tb.Name(), "_")+"-"+name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatalf("saving artefact: %v", err)
	}
	tb.Logf("artefact: %s", path)
	return path
}
