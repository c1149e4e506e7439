// Package admin serves the staff dashboard under /admin/: a login with
// expiring sessions, the year at a glance (consultations per month as a
// server-rendered SVG chart, categories, communities, satisfaction,
// campaign participation, offline activities), the unanswered questions
// with a draft FAQ entry for each, and the XLSX and CSV exports. When the
// store reports its health (a Health() stats.Health method, as the Redis
// store has), a degraded store is announced at the top of every page.
//
// Pages are rendered on the server with html/template and one embedded
// stylesheet; there is no script at all, and the Content-Security-Policy
// forbids any. Every POST needs the session's CSRF token.
package admin

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
	"golang.org/x/crypto/bcrypt"
)

//go:embed static templates
var assets embed.FS

// Prefix is the path the handler is mounted at.
const Prefix = "/admin/"

// DefaultSessionTTL is how long a login lasts when Options.SessionTTL is 0.
const DefaultSessionTTL = 8 * time.Hour

// Options configure the dashboard.
type Options struct {
	// Store is where the figures come from. Required.
	Store stats.Store
	// Users maps staff user names to password hashes made by HashPassword.
	// At least one is required.
	Users map[string]string
	// SessionTTL is how long a login lasts from the moment it is made;
	// 0 means DefaultSessionTTL.
	SessionTTL time.Duration
	// SecureCookie marks cookies Secure. Set it when staff reach the
	// dashboard over HTTPS (directly or through a proxy); browsers then never
	// send the session over plain HTTP.
	SecureCookie bool
	// Location is the zone months are cut in; nil means stats.DefaultLocation.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives login events and errors; nil discards them.
	Logger *slog.Logger
	// Banner, when set, heads every page, e.g. "【演示数据，并非真实统计】".
	Banner string
	// Campaigns names the campaigns the dashboard counts, and tells how
	// many residents subscribe; a campaign.Store is one. Nil shows the
	// campaigns by number only.
	Campaigns Campaigns
}

// Campaigns is what the dashboard reads of the campaigns.
type Campaigns interface {
	List(ctx context.Context) ([]*campaign.Campaign, error)
	Subscribers(ctx context.Context) (int, error)
}

// Handler is the dashboard; it is an http.Handler for paths under Prefix.
type Handler struct {
	store  stats.Store
	camps  Campaigns
	users  map[string][]byte
	dummy  []byte // hash compared against for unknown users, so they take as long
	ttl    time.Duration
	secure bool
	loc    *time.Location
	now    func() time.Time
	log    *slog.Logger
	banner string

	sessions *sessions
	limiter  *failures
	pages    map[string]*template.Template
	mux      http.Handler
	patterns []string // registered with mux, for the access tests
}

// New checks opts and returns the dashboard.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("admin: new: no statistics store")
	}
	if len(opts.Users) == 0 {
		return nil, errors.New("admin: new: no staff accounts")
	}
	if opts.SessionTTL < 0 {
		return nil, fmt.Errorf("admin: new: negative session lifetime %v", opts.SessionTTL)
	}
	h := &Handler{
		store: opts.Store, camps: opts.Campaigns, users: map[string][]byte{}, ttl: opts.SessionTTL, secure: opts.SecureCookie,
		loc: opts.Location, now: opts.Now, log: opts.Logger, banner: opts.Banner,
	}
	if h.ttl == 0 {
		h.ttl = DefaultSessionTTL
	}
	if h.loc == nil {
		h.loc = stats.DefaultLocation()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	maxCost := bcrypt.MinCost
	for name, hash := range opts.Users {
		if !validUser(name) {
			return nil, fmt.Errorf("admin: new: user name %q: use 1-32 letters, digits, '.', '_' or '-'", name)
		}
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil {
			return nil, fmt.Errorf("admin: new: password hash of %q is not a bcrypt hash (make one with HashPassword): %w", name, err)
		}
		maxCost = max(maxCost, cost)
		h.users[name] = []byte(hash)
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("lawbot-no-such-user"), maxCost)
	if err != nil {
		return nil, fmt.Errorf("admin: new: %w", err)
	}
	h.dummy = dummy
	h.sessions = newSessions(h.now, h.ttl)
	h.limiter = newFailures(h.now)
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	h.mux = h.routes()
	return h, nil
}

func (h *Handler) parseTemplates() error {
	h.pages = map[string]*template.Template{}
	for _, name := range []string{"login", "dashboard", "unanswered", "draft"} {
		t, err := template.New(name).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("admin: templates: %w", err)
		}
		h.pages[name] = t
	}
	return nil
}

func (h *Handler) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, handler http.Handler) {
		h.patterns = append(h.patterns, pattern)
		mux.Handle(pattern, handler)
	}
	static, _ := fs.Sub(assets, "static")
	handle("GET /admin/static/", http.StripPrefix("/admin/static/", http.FileServerFS(static)))
	handle("GET /admin/login", http.HandlerFunc(h.loginForm))
	handle("POST /admin/login", http.HandlerFunc(h.login))
	handle("POST /admin/logout", h.authPost(h.logout))
	handle("GET /admin/{$}", h.authGet(h.dashboard))
	handle("GET /admin/unanswered", h.authGet(h.unanswered))
	handle("POST /admin/unanswered/draft", h.authPost(h.draft))
	handle("GET /admin/export.xlsx", h.authGet(h.exportXLSX))
	handle("GET /admin/export.csv", h.authGet(h.exportCSV))
	// Cross-origin POSTs (by Sec-Fetch-Site or Origin) are refused before
	// the CSRF token is even looked at.
	return http.NewCrossOriginProtection().Handler(mux)
}

// csp allows the stylesheet and nothing else: no script, no inline style,
// forms only to this server, no framing.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"

// ServeHTTP serves the dashboard with security headers on every response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// page is what every template gets.
type page struct {
	Title   string
	Banner  string
	Warning string // the store's health, for logged-in staff
	User    string
	CSRF    string
	Data    any
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	p.Banner = h.banner
	if p.User != "" {
		p.Warning = h.healthWarning()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := h.pages[name].ExecuteTemplate(w, "layout", p); err != nil {
		h.log.Error("admin: render", "page", name, "err", err)
	}
}

// healthWarning tells staff, in their words, that the figures may lag
// behind: the store buffers events while its backend is unreachable, or is
// still writing buffered ones. It is "" for a healthy store and for stores
// that do not report their health (the embedded one is never degraded).
func (h *Handler) healthWarning() string {
	hs, ok := h.store.(interface{ Health() stats.Health })
	if !ok {
		return ""
	}
	st := hs.Health()
	var msg string
	switch {
	case st.Degraded:
		msg = fmt.Sprintf("统计数据库暂时无法写入（自 %s 起），%d 条记录暂存在本机，恢复后自动补写；在此之前本页数字不含这些记录。",
			st.Since.In(h.loc).Format("2006-01-02 15:04"), st.Pending)
	case st.Pending > 0:
		msg = fmt.Sprintf("统计数据库正在补写 %d 条暂存记录，本页数字可能略少。", st.Pending)
	default:
		return ""
	}
	if st.Full {
		msg += "暂存区已满，新的记录正在丢失，请立即联系管理员。"
	}
	return msg
}

// fail shows staff a friendly message; the log gets the detail.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	h.log.Error("admin: "+op, "path", r.URL.Path, "err", err)
	http.Error(w, "服务暂时出错，请稍后再试；如持续出现请联系管理员。", http.StatusInternalServerError)
}
