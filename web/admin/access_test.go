package admin_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// publicRoutes are the routes anyone may reach: the stylesheet and the
// login form.
var publicRoutes = []string{"GET /admin/static/", "GET /admin/login", "POST /admin/login"}

// staffRequests has a request for every route behind the login. A route
// the handler serves that is in neither list fails TestEveryStaffRoute.
var staffRequests = map[string]string{
	"GET /admin/{$}":               "/admin/?year=2025",
	"GET /admin/unanswered":        "/admin/unanswered",
	"GET /admin/export.xlsx":       "/admin/export.xlsx?from=2025-01-01&to=2025-12-31",
	"GET /admin/export.csv":        "/admin/export.csv?from=2025-01-01&to=2025-12-31",
	"POST /admin/unanswered/draft": "/admin/unanswered/draft",
	"POST /admin/logout":           "/admin/logout",
}

// TestEveryStaffRoute checks that every route but the public ones is
// refused to visitors without a live staff session: no cookie, a forged
// one, a resident who only loaded the login form, a failed login, a
// session logged out, and one expired. Pages redirect to the login form
// and show nothing; forms are refused with 403.
func TestEveryStaffRoute(t *testing.T) {
	e := newEnv(t)
	for _, p := range e.h.Patterns() {
		if _, ok := staffRequests[p]; !ok && !slices.Contains(publicRoutes, p) {
			t.Errorf("route %q has no access test: add it to staffRequests (or publicRoutes)", p)
		}
	}

	visitors := []struct {
		name string
		make func(t *testing.T) (c *client, csrf string)
	}{
		{"no cookie", func(t *testing.T) (*client, string) { return e.client(t), "" }},
		{"forged session", func(t *testing.T) (*client, string) {
			c := e.client(t)
			c.c.Jar.SetCookies(mustURL(t, e.srv.URL+"/admin/"), []*http.Cookie{{Name: "lawbot_admin", Value: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}})
			return c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
		}},
		{"resident with the login form", func(t *testing.T) (*client, string) {
			// Anyone gets the login form's cookie and token; neither opens
			// a staff page.
			c := e.client(t)
			_, body := c.get("/admin/login")
			return c, csrfOf(t, body)
		}},
		{"failed login", func(t *testing.T) (*client, string) {
			c := e.client(t)
			if resp := c.login(staff, "not the password"); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong password: status %d", resp.StatusCode)
			}
			_, body := c.get("/admin/login")
			return c, csrfOf(t, body)
		}},
		{"logged out", func(t *testing.T) (*client, string) {
			c, token := e.loggedIn(t)
			if resp, _ := c.post("/admin/logout", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout: status %d", resp.StatusCode)
			}
			return c, token
		}},
	}
	check := func(t *testing.T, c *client, csrf string) {
		for pattern, path := range staffRequests {
			method, _, _ := strings.Cut(pattern, " ")
			var resp *http.Response
			var body string
			if method == http.MethodPost {
				resp, body = c.post(path, url.Values{"csrf": {csrf}, "id": {"x"}})
			} else {
				resp, body = c.get(path)
			}
			switch {
			case method == http.MethodPost && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s = %d, want 403", pattern, resp.StatusCode)
			case method == http.MethodGet && (resp.StatusCode != http.StatusSeeOther ||
				!strings.HasPrefix(resp.Header.Get("Location"), "/admin/login?next=")):
				t.Errorf("%s = %d %q, want 303 to the login form", pattern, resp.StatusCode, resp.Header.Get("Location"))
			}
			if strings.Contains(body, "咨询") || strings.HasPrefix(body, "PK") || strings.Contains(body, "统计口径") {
				t.Errorf("%s showed figures to a visitor: %.80q", pattern, body)
			}
		}
	}
	for _, v := range visitors {
		t.Run(v.name, func(t *testing.T) {
			c, csrf := v.make(t)
			check(t, c, csrf)
		})
	}
	// Last, as it moves the clock: a session past its lifetime.
	t.Run("expired", func(t *testing.T) {
		c, token := e.loggedIn(t)
		e.clock.Advance(8 * time.Hour)
		check(t, c, token)
	})
}

// sickStore is a store that reports the given health, as the Redis store
// does while Redis is unreachable.
type sickStore struct {
	stats.Store
	health stats.Health
}

func (s sickStore) Health() stats.Health { return s.health }

func TestHealthWarning(t *testing.T) {
	since := time.Date(2025, 12, 20, 9, 30, 0, 0, cst)
	tests := []struct {
		name   string
		health stats.Health
		want   []string // in the warning; none means no warning
	}{
		{"healthy", stats.Health{}, nil},
		{"degraded", stats.Health{Degraded: true, Since: since, Pending: 12, Err: "dial tcp: refused"},
			[]string{"2025-12-20 09:30", "12 条记录暂存在本机"}},
		{"full", stats.Health{Degraded: true, Since: since, Pending: 100000, Full: true},
			[]string{"100000 条记录", "暂存区已满"}},
		{"replaying", stats.Health{Pending: 3}, []string{"正在补写 3 条"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvWith(t, func(s stats.Store) stats.Store { return sickStore{s, tt.health} })
			_, login := e.client(t).get("/admin/login")
			if strings.Contains(login, `id="health"`) {
				t.Error("the login form tells visitors the store's health")
			}
			c, _ := e.loggedIn(t)
			for _, p := range []string{"/admin/", "/admin/unanswered"} {
				_, body := c.get(p)
				has := strings.Contains(body, `id="health"`)
				if has != (tt.want != nil) {
					t.Errorf("GET %s: warning shown = %v, want %v", p, has, tt.want != nil)
				}
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("GET %s: warning lacks %q", p, w)
					}
				}
				if strings.Contains(body, "dial tcp") {
					t.Errorf("GET %s shows the store's error to staff", p)
				}
			}
		})
	}
}
