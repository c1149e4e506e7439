package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/web"
	"github.com/prometheus/client_golang/prometheus"
)

func TestMain(m *testing.M) { bottest.Main(m) }

func newServer(t testing.TB, opts ...web.Option) (http.Handler, *bottest.Recorder) {
	t.Helper()
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	return web.New(core, opts...).Handler(), rec
}

var seq atomic.Int64

func msgID() string { return fmt.Sprintf("msg%010d", seq.Add(1)) }

const resident = "0123456789abcdef0123456789abcdef"

func post(t testing.TB, h http.Handler, body any) (*httptest.ResponseRecorder, web.ChatResponse) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/chat", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp web.ChatResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response is not JSON: %q", rec.Body.String())
	}
	return rec, resp
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestPage(t *testing.T) {
	h, _ := newServer(t, web.WithTitle(`<b>和平街道</b>法律服务`))
	rec := get(h, "/")
	page := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !strings.Contains(page, "&lt;b&gt;和平街道&lt;/b&gt;法律服务") {
		t.Errorf("title not escaped in the page")
	}
	for _, bad := range []string{"<script>", "style=", "http://", "https://", "javascript:", "onclick"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: inline code or something from elsewhere", bad)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	for _, hd := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if rec.Header().Get(hd) == "" {
			t.Errorf("no %s header", hd)
		}
	}
	for path, ctype := range map[string]string{"/static/app.js": "javascript", "/static/app.css": "text/css"} {
		rec := get(h, path)
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), ctype) {
			t.Errorf("GET %s = %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if strings.Contains(rec.Body.String(), "http://") || strings.Contains(rec.Body.String(), "https://") {
			t.Errorf("%s loads something from elsewhere", path)
		}
	}
	for _, path := range []string{"/static/", "/static", "/static/../web.go", "/nothing"} {
		if rec := get(h, path); rec.Code == 200 {
			t.Errorf("GET %s = 200, want an error", path)
		}
	}
}

func TestChat(t *testing.T) {
	h, rec := newServer(t)
	start := map[string]string{"resident": resident, "id": msgID(), "text": "/start"}
	_, resp := post(t, h, start)
	if len(resp.Replies) < 2 || len(resp.Replies[1].Buttons) == 0 {
		t.Fatalf("/start = %+v, want a welcome and community buttons", resp)
	}

	ask := map[string]string{"resident": resident, "id": msgID(), "text": "房东不退押金怎么办？"}
	code, resp := post(t, h, ask)
	if code.Code != 200 || len(resp.Replies) == 0 {
		t.Fatalf("POST = %d %+v", code.Code, resp)
	}
	r := resp.Replies[0]
	if r.Answer == nil || r.Answer.Kind != "faq" || r.Answer.Category != "房屋租赁" || !strings.Contains(r.Answer.Text, "押金") {
		t.Fatalf("reply = %+v, want a rental FAQ answer", r)
	}
	if code.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", code.Header().Get("Cache-Control"))
	}
	// The page retries a request that got no response: counted once.
	post(t, h, ask)
	if n := rec.Count(stats.KindConsultation); n != 1 {
		t.Errorf("consultations = %d, want 1", n)
	}

	rating := r.Buttons[0][0]
	if !rating.Rating {
		t.Fatalf("first button = %+v, want the rating", rating)
	}
	for range 2 {
		_, resp = post(t, h, map[string]string{"resident": resident, "id": msgID(), "action": rating.Action, "ref": r.ID})
	}
	if !strings.Contains(resp.Notice, "已经评价") {
		t.Errorf("second rating notice = %q", resp.Notice)
	}
	if got := rec.Events(stats.KindRating); len(got) != 1 || got[0].Rating != 5 || got[0].Channel != stats.ChannelWeb {
		t.Errorf("ratings = %+v", got)
	}

	// Another browser cannot use this browser's buttons.
	_, resp = post(t, h, map[string]string{"resident": "ffffffffffffffffffffffffffffffff", "id": msgID(), "action": rating.Action, "ref": r.ID})
	if !strings.Contains(resp.Notice, "失效") {
		t.Errorf("button from another browser: %+v", resp)
	}
}

func TestChatRejectsBadRequests(t *testing.T) {
	h, rec := newServer(t)
	tests := []struct {
		name   string
		ctype  string
		body   string
		status int
	}{
		{"form post", "application/x-www-form-urlencoded", "text=hi", 415},
		{"not JSON", "application/json", "{text", 400},
		{"no resident", "application/json", `{"id":"abcdefgh12","text":"押金"}`, 400},
		{"short resident", "application/json", `{"resident":"abc","id":"abcdefgh12","text":"押金"}`, 400},
		{"resident with symbols", "application/json", `{"resident":"../../../etc/passwd/xx","id":"abcdefgh12","text":"押金"}`, 400},
		{"bad message id", "application/json", `{"resident":"` + resident + `","id":"a b","text":"押金"}`, 400},
		{"nothing said", "application/json", `{"resident":"` + resident + `","id":"abcdefgh12"}`, 400},
		{"text and action", "application/json", `{"resident":"` + resident + `","id":"abcdefgh12","text":"x","action":"a~b"}`, 400},
		{"long action", "application/json", `{"resident":"` + resident + `","id":"abcdefgh12","action":"` + strings.Repeat("a", 65) + `"}`, 400},
		{"bad ref", "application/json", `{"resident":"` + resident + `","id":"abcdefgh12","action":"a~b","ref":"<x>"}`, 400},
		{"100 KB", "application/json", `{"resident":"` + resident + `","id":"abcdefgh12","text":"` + strings.Repeat("押金", 20000) + `"}`, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/chat", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			var resp web.ChatResponse
			if w.Code != tt.status || json.Unmarshal(w.Body.Bytes(), &resp) != nil || resp.Error == "" {
				t.Errorf("status %d body %q, want %d with a friendly error", w.Code, w.Body.String(), tt.status)
			}
		})
	}
	if w := get(h, "/api/chat"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/chat = %d, want 405", w.Code)
	}
	if n := len(rec.Events("")); n != 0 {
		t.Errorf("bad requests recorded %d events", n)
	}
}

func TestIPLimit(t *testing.T) {
	h, _ := newServer(t, web.WithIPLimit(0.001, 2))
	for i := range 3 {
		w, resp := post(t, h, map[string]string{"resident": resident, "id": msgID(), "text": "/help"})
		if want := i < 2; (w.Code == 200) != want {
			t.Errorf("request %d: %d %+v", i+1, w.Code, resp)
		}
		if i == 2 && (w.Code != http.StatusTooManyRequests || resp.Error == "") {
			t.Errorf("over the limit: %d %+v, want 429 with a friendly error", w.Code, resp)
		}
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics := bot.NewMetrics(reg)
	metrics.SetOutbox(func() int { return 12 })
	since := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	core, _ := bottest.NewCore(t, bottest.NewRecorder(t), func(cfg *bot.Config) { cfg.Metrics = metrics })
	h := web.New(core,
		web.WithMetrics(reg),
		web.WithHealth(func() stats.Health { return stats.Health{Degraded: true, Since: since, Pending: 12, Err: "redis down"} }),
		web.WithTelegram(func() string { return "polling" }),
	).Handler()

	w := get(h, "/healthz")
	var health struct {
		Status     string
		Telegram   string
		Statistics struct {
			Degraded bool
			Pending  int
			Summary  string
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &health); err != nil || w.Code != 200 {
		t.Fatalf("GET /healthz = %d %q", w.Code, w.Body.String())
	}
	if health.Status != "degraded" || health.Telegram != "polling" || health.Statistics.Pending != 12 ||
		!strings.Contains(health.Statistics.Summary, "12 events pending") {
		t.Errorf("health = %+v", health)
	}

	post(t, h, map[string]string{"resident": resident, "id": msgID(), "text": "房东不退押金怎么办"})
	post(t, h, map[string]string{"resident": resident, "id": msgID(), "text": "我养的鹦鹉飞到邻居家不还给我了"})
	body, _ := io.ReadAll(get(h, "/metrics").Body)
	for _, want := range []string{
		`lawbot_answers_total{channel="web",kind="faq"} 1`,
		`lawbot_answer_duration_seconds_count{channel="web"} 2`,
		`lawbot_unanswered_ratio 0.5`,
		`lawbot_stats_outbox_depth 12`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func FuzzChatRequest(f *testing.F) {
	h, _ := newServer(f, web.WithIPLimit(1e9, 1e9))
	f.Add([]byte(`{"resident":"` + resident + `","id":"abcdefgh12","text":"房东不退押金怎么办"}`))
	f.Add([]byte(`{"resident":"` + resident + `","id":"abcdefgh12","action":"r|-|5~AAAAAAAAAAA","ref":"x.0"}`))
	f.Add([]byte(`{"resident":"` + resident + `","id":"abcdefgh12","text":"\u0000\ud800"}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"resident":1e999}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/chat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var resp web.ChatResponse
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			t.Fatalf("status %d, body not JSON: %q", w.Code, w.Body.String())
		}
		switch {
		case w.Code >= 500:
			t.Errorf("status %d for %q", w.Code, body)
		case w.Code == 200 && len(resp.Replies) == 0 && resp.Notice == "":
			t.Errorf("200 with nothing to show for %q", body)
		case w.Code != 200 && resp.Error == "":
			t.Errorf("status %d without a friendly error for %q", w.Code, body)
		}
	})
}
