package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/boltstore"
	"github.com/lawbot/lawbot/stats/statstest"
	"github.com/lawbot/lawbot/web/admin"
)

const (
	staff    = "wang.li"
	password = "correct horse battery"
)

var cst = stats.DefaultLocation()

// now is the tests' "now": 2025-12-20 12:00 in UTC+8.
func now() time.Time { return time.Date(2025, 12, 20, 12, 0, 0, 0, cst) }

func at(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, cst) }

// monthly is how many consultations the fixture records in each month of
// 2025; the chart must show exactly these.
var monthly = [12]int{3, 0, 5, 1, 0, 2, 7, 0, 0, 4, 1, 6}

// personal is an unanswered question carrying a phone number.
const personal = "我的电话是13812345678，宠物狗咬伤了邻居谁负责？"

// fixture is a year of events: consultations per monthly, spread over the
// communities and categories, ratings, a campaign and offline activities.
func fixture() []stats.Event {
	coms := statstest.Communities()
	cats := []string{"labor", "labor", "marriage", "rental"}
	var es []stats.Event
	n := 0
	id := func() string { n++; return "t:" + string(rune('a'+n%26)) + ":" + time.Duration(n).String() }
	for m, count := range monthly {
		for i := range count {
			es = append(es, stats.Event{ID: id(), Kind: stats.KindConsultation, Time: at(time.Month(m+1), 1+i, 10),
				Community: coms[i%len(coms)], Channel: stats.ChannelWeb, Resident: "web:r" + string(rune('0'+i)),
				Category: cats[i%len(cats)], Entry: cats[i%len(cats)] + "-x", Confidence: 0.9})
		}
	}
	es = append(es,
		stats.Event{ID: id(), Kind: stats.KindConsultation, Time: at(12, 10, 9), Community: "east", Channel: stats.ChannelTelegram,
			Resident: "tg:9", Category: stats.Unanswered, Question: personal},
		stats.Event{ID: id(), Kind: stats.KindRating, Time: at(3, 2, 11), Community: "east", Channel: stats.ChannelWeb, Resident: "web:r1", Rating: 5},
		stats.Event{ID: id(), Kind: stats.KindRating, Time: at(3, 3, 11), Community: "east", Channel: stats.ChannelWeb, Resident: "web:r1", Rating: 2},
		stats.Event{ID: id(), Kind: stats.KindRating, Time: at(7, 2, 11), Community: "west", Channel: stats.ChannelWeb, Resident: "web:r2", Rating: 4},
		stats.Event{ID: id(), Kind: stats.KindCampaignDelivery, Time: at(4, 1, 8), Community: "east", Channel: stats.ChannelTelegram, Resident: "tg:1", Campaign: "civil-code"},
		stats.Event{ID: id(), Kind: stats.KindCampaignRead, Time: at(4, 1, 9), Community: "east", Channel: stats.ChannelTelegram, Resident: "tg:1", Campaign: "civil-code"},
		stats.Event{ID: id(), Kind: stats.KindLecture, Time: at(3, 15, 15), Community: "west", Count: 45},
		stats.Event{ID: id(), Kind: stats.KindLeaflets, Time: at(12, 4, 15), Community: "幸福里", Count: 500},
		stats.Event{ID: id(), Kind: stats.KindBanners, Time: at(12, 4, 15), Community: "幸福里", Count: 3},
	)
	return es
}

// env is a dashboard on a bolt store holding the fixture.
type env struct {
	h     *admin.Handler
	srv   *httptest.Server
	clock *statstest.Clock
	store stats.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the dashboard reading the store through wrap,
// and its options changed by edits.
func newEnvWith(t *testing.T, wrap func(stats.Store) stats.Store, edits ...func(*admin.Options)) *env {
	t.Helper()
	clock := statstest.NewClock(now())
	store, err := boltstore.Open(t.TempDir(), boltstore.Options{Config: statstest.Config(clock)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.RecordBatch(context.Background(), fixture()); err != nil {
		t.Fatalf("RecordBatch: %v", err)
	}
	hash, err := admin.QuickHash(password)
	if err != nil {
		t.Fatal(err)
	}
	var read stats.Store = store
	if wrap != nil {
		read = wrap(store)
	}
	opts := admin.Options{
		Store: read, Users: map[string]string{staff: hash}, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, e := range edits {
		e(&opts)
	}
	h, err := admin.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(admin.Prefix, h) // as serve mounts it
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{h: h, srv: srv, clock: clock, store: store}
}

// client is a browser: it keeps cookies and does not follow redirects.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (e *env) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: e.srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.c.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	return resp, readBody(c.t, resp)
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.c.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	return resp, readBody(c.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token in page:\n%s", body)
	}
	return m[1]
}

// login fills in the login form and returns the response to it.
func (c *client) login(user, pass string) *http.Response {
	c.t.Helper()
	_, body := c.get("/admin/login")
	resp, _ := c.post("/admin/login", url.Values{"csrf": {csrfOf(c.t, body)}, "user": {user}, "password": {pass}, "next": {"/admin/"}})
	return resp
}

// loggedIn returns a client with a live session and the page's CSRF token.
func (e *env) loggedIn(t *testing.T) (*client, string) {
	t.Helper()
	c := e.client(t)
	if resp := c.login(staff, password); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	resp, body := c.get("/admin/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/ after login: status %d", resp.StatusCode)
	}
	return c, csrfOf(t, body)
}

var pages = []string{
	"/admin/",
	"/admin/?year=2025",
	"/admin/unanswered",
	"/admin/export.xlsx?from=2025-01-01&to=2025-12-31",
	"/admin/export.csv?from=2025-01-01&to=2025-12-31",
}

func TestUnauthenticatedRefused(t *testing.T) {
	e := newEnv(t)
	for _, cookie := range []string{"", "lawbot_admin=forged-session-id"} {
		for _, p := range pages {
			t.Run("GET "+p+" "+cookie, func(t *testing.T) {
				req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				resp, err := e.client(t).c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := readBody(t, resp)
				loc := resp.Header.Get("Location")
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login?next=") {
					t.Errorf("GET %s = %d %q, want 303 to the login page", p, resp.StatusCode, loc)
				}
				if strings.Contains(body, "咨询") || strings.Contains(body, "PK") {
					t.Errorf("GET %s leaked content: %q", p, body)
				}
			})
		}
		for _, p := range []string{"/admin/logout", "/admin/unanswered/draft"} {
			t.Run("POST "+p+" "+cookie, func(t *testing.T) {
				req, _ := http.NewRequest("POST", e.srv.URL+p, strings.NewReader("csrf=x&id=x"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				readBody(t, resp)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s = %d, want 403", p, resp.StatusCode)
				}
			})
		}
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, user, pass string
		want             int
	}{
		{"wrong password", staff, "wrong password!", http.StatusUnauthorized},
		{"unknown user", "zhang.san", password, http.StatusUnauthorized},
		{"empty", "", "", http.StatusUnauthorized},
		{"right", staff, password, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.client(t)
			resp := c.login(tt.user, tt.pass)
			if resp.StatusCode != tt.want {
				t.Fatalf("login(%q, %q) = %d, want %d", tt.user, tt.pass, resp.StatusCode, tt.want)
			}
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "lawbot_admin" && ck.Value != "" {
					session = ck
				}
			}
			if tt.want != http.StatusSeeOther {
				if session != nil {
					t.Errorf("refused login set a session cookie")
				}
				if r, _ := c.get("/admin/"); r.StatusCode != http.StatusSeeOther {
					t.Errorf("GET /admin/ after refused login = %d, want 303", r.StatusCode)
				}
				return
			}
			if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || len(session.Value) < 20 {
				t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Strict, random", session)
			}
			if r, _ := c.get("/admin/"); r.StatusCode != http.StatusOK {
				t.Errorf("GET /admin/ after login = %d, want 200", r.StatusCode)
			}
		})
	}
}

func TestLoginNeedsCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	c.get("/admin/login") // sets the login cookie
	resp, _ := c.post("/admin/login", url.Values{"user": {staff}, "password": {password}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without csrf = %d, want 403", resp.StatusCode)
	}
}

func TestLoginLockout(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	for i := range 5 {
		if resp := c.login(staff, "guess number "+string(rune('0'+i))); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	if resp := c.login(staff, password); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password after 5 failures = %d, want 429", resp.StatusCode)
	}
	e.clock.Advance(16 * time.Minute)
	if resp := c.login(staff, password); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("right password 16 minutes later = %d, want 303", resp.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c, token := e.loggedIn(t)
	qs, err := e.store.Unanswered(context.Background(), stats.Query{From: at(1, 1, 0), To: at(12, 31, 0)}, 10)
	if err != nil || len(qs) != 1 {
		t.Fatalf("Unanswered = %v, %v; want 1 question", qs, err)
	}
	id := qs[0].ID
	for _, tt := range []struct {
		name  string
		token string
		want  int
	}{
		{"missing", "", http.StatusForbidden},
		{"wrong", token[:len(token)-1] + "x", http.StatusForbidden},
		{"right", token, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"id": {id}}
			if tt.token != "" {
				form.Set("csrf", tt.token)
			}
			if resp, _ := c.post("/admin/unanswered/draft", form); resp.StatusCode != tt.want {
				t.Errorf("POST draft with %s token = %d, want %d", tt.name, resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusForbidden {
				if resp, _ := c.post("/admin/logout", form); resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST logout with %s token = %d, want 403", tt.name, resp.StatusCode)
				}
			}
		})
	}
	// A cross-site POST is refused even with the token.
	req, _ := http.NewRequest("POST", e.srv.URL+"/admin/unanswered/draft", strings.NewReader(url.Values{"csrf": {token}, "id": {id}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	e := newEnv(t)
	c, _ := e.loggedIn(t)
	e.clock.Advance(8*time.Hour - time.Minute)
	if resp, _ := c.get("/admin/unanswered"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET after 7h59m = %d, want 200", resp.StatusCode)
	}
	e.clock.Advance(time.Minute)
	for _, p := range pages {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("GET %s after 8h = %d, want 303 to login", p, resp.StatusCode)
		}
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	c, token := e.loggedIn(t)
	old := c.c.Jar.Cookies(mustURL(t, e.srv.URL+"/admin/"))
	resp, _ := c.post("/admin/logout", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout = %d, want 303", resp.StatusCode)
	}
	// The old cookie, replayed, no longer works.
	replay := e.client(t)
	replay.c.Jar.SetCookies(mustURL(t, e.srv.URL+"/admin/"), old)
	if resp, _ := replay.get("/admin/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET with the logged-out cookie = %d, want 303", resp.StatusCode)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSafeRedirectAfterLogin(t *testing.T) {
	e := newEnv(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/admin/", "/elsewhere"} {
		c := e.client(t)
		_, body := c.get("/admin/login")
		resp, _ := c.post("/admin/login", url.Values{"csrf": {csrfOf(t, body)}, "user": {staff}, "password": {password}, "next": {next}})
		if loc := resp.Header.Get("Location"); loc != "/admin/" {
			t.Errorf("login with next=%q redirects to %q, want /admin/", next, loc)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	c, _ := e.loggedIn(t)
	for _, p := range []string{"/admin/login", "/admin/", "/admin/unanswered"} {
		resp, body := c.get(p)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, " style=") || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Errorf("GET %s: page has a script, inline style or outside resource", p)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", p, resp.Header.Get("Cache-Control"))
		}
	}
	resp, css := c.get("/admin/static/admin.css")
	if resp.StatusCode != http.StatusOK || !strings.Contains(css, "svg.chart") {
		t.Errorf("GET admin.css = %d", resp.StatusCode)
	}
}
