// Package web serves lawbot over HTTP: the web chat for residents without
// Telegram (a page embedded in the binary, working offline on the office
// LAN, and the JSON endpoint it talks to, on the same conversation core as
// the Telegram bot), /healthz and /metrics.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/stats"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed static
var static embed.FS

// DefaultTitle is the page title when none is configured.
const DefaultTitle = "社区法律服务助手"

// Server is the web chat and the service endpoints.
type Server struct {
	core     *bot.Core
	log      *slog.Logger
	gatherer prometheus.Gatherer
	health   func() stats.Health
	telegram func() string
	title    string
	perIP    *bot.Limiter
	page     *template.Template
	now      func() time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithMetrics serves the metrics g gathers at /metrics.
func WithMetrics(g prometheus.Gatherer) Option { return func(s *Server) { s.gatherer = g } }

// WithHealth reports the statistics store's health at /healthz.
func WithHealth(h func() stats.Health) Option { return func(s *Server) { s.health = h } }

// WithTelegram reports the Telegram mode ("polling", "webhook", "off") at
// /healthz.
func WithTelegram(mode func() string) Option { return func(s *Server) { s.telegram = mode } }

// WithTitle sets the page title, e.g. "某某街道法律服务助手".
func WithTitle(title string) Option { return func(s *Server) { s.title = title } }

// WithIPLimit limits chat requests per client address: rate a second on
// average, burst in a row. The default is 10 and 40: generous, since a
// whole office behind one address shares it.
func WithIPLimit(rate float64, burst int) Option {
	return func(s *Server) { s.perIP = bot.NewLimiter(rate, burst) }
}

// New returns the web server of core.
func New(core *bot.Core, opts ...Option) *Server {
	s := &Server{
		core: core, log: slog.New(slog.DiscardHandler), title: DefaultTitle,
		perIP: bot.NewLimiter(10, 40), now: time.Now,
		page: template.Must(template.ParseFS(static, "static/index.html")),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Handler returns the routes, with security headers on every response.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(static, "static")
	mux.HandleFunc("GET /{$}", s.index)
	mux.Handle("GET /static/", http.StripPrefix("/static/", noDirs(http.FileServerFS(assets))))
	mux.HandleFunc("POST /api/chat", s.chat)
	mux.HandleFunc("GET /healthz", s.healthz)
	if s.gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{}))
	}
	return secure(mux)
}

// csp allows the page's own script, style and requests only: no inline
// script or style, nothing from elsewhere, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.ServeHTTP(w, r)
	})
}

// noDirs refuses directory listings of the static files.
func noDirs(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || r.URL.Path[len(r.URL.Path)-1] == '/' {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if err := s.page.Execute(w, struct{ Title string }{s.title}); err != nil {
		s.log.Error("web: rendering the page", "err", err)
	}
}
