package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Cookie names. The login cookie carries the CSRF token of the login form
// (double submit) before there is a session.
const (
	sessionCookie = "lawbot_admin"
	loginCookie   = "lawbot_admin_login"
)

// Login throttling: after maxFailures failed logins for one user name, or
// maxIPFailures from one address, within failureWindow, logins for it are
// refused until failureWindow has passed since the last failure.
const (
	maxFailures   = 5
	maxIPFailures = 20
	failureWindow = 15 * time.Minute
)

// HashPassword returns the bcrypt hash (cost 12) of password for
// Options.Users. Passwords must be 8 to 72 bytes long (bcrypt reads no
// more than 72).
func HashPassword(password string) (string, error) {
	return hashPassword(password, 12)
}

func hashPassword(password string, cost int) (string, error) {
	if len(password) < 8 {
		return "", errors.New("admin: hash password: shorter than 8 characters")
	}
	if len(password) > 72 {
		return "", errors.New("admin: hash password: longer than 72 bytes")
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("admin: hash password: %w", err)
	}
	return string(b), nil
}

// ParseUsers reads staff accounts written "name:hash,name:hash", as in
// LAWBOT_ADMIN_USERS. bcrypt hashes contain neither ':' nor ','.
func ParseUsers(s string) (map[string]string, error) {
	users := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, hash, ok := strings.Cut(item, ":")
		if !ok || !validUser(name) || hash == "" {
			return nil, fmt.Errorf("admin: parse users: %q is not name:hash", truncate(item, 12))
		}
		if _, dup := users[name]; dup {
			return nil, fmt.Errorf("admin: parse users: %q given twice", name)
		}
		users[name] = hash
	}
	return users, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func validUser(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// randomToken returns 128 random bits as base32 text.
func randomToken() string { return rand.Text() }

// session is a logged-in staff member.
type session struct {
	user    string
	csrf    string
	expires time.Time
}

// sessions are kept in memory: a restart logs everyone out. They are keyed
// by the SHA-256 of the cookie value, so a map lookup's timing says nothing
// about valid ids and a memory dump holds no usable cookie.
type sessions struct {
	mu   sync.Mutex
	m    map[[32]byte]*session
	now  func() time.Time
	ttl  time.Duration
	last time.Time // last sweep
}

func newSessions(now func() time.Time, ttl time.Duration) *sessions {
	return &sessions{m: map[[32]byte]*session{}, now: now, ttl: ttl}
}

// create starts a session for user and returns its id.
func (s *sessions) create(user string) (id string, sess *session) {
	id = randomToken()
	sess = &session{user: user, csrf: randomToken(), expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.m[sha256.Sum256([]byte(id))] = sess
	return id, sess
}

// get returns the live session with id.
func (s *sessions) get(id string) (*session, bool) {
	if id == "" {
		return nil, false
	}
	key := sha256.Sum256([]byte(id))
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[key]
	if !ok {
		return nil, false
	}
	if !s.now().Before(sess.expires) {
		delete(s.m, key)
		return nil, false
	}
	return sess, true
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sha256.Sum256([]byte(id)))
}

// sweep drops expired sessions, at most once a minute; s.mu is held.
func (s *sessions) sweep() {
	now := s.now()
	if now.Sub(s.last) < time.Minute {
		return
	}
	s.last = now
	for k, sess := range s.m {
		if !now.Before(sess.expires) {
			delete(s.m, k)
		}
	}
}

// failures counts failed logins by user name and by client address.
type failures struct {
	mu  sync.Mutex
	m   map[string]failure
	now func() time.Time
}

type failure struct {
	n    int
	last time.Time
}

func newFailures(now func() time.Time) *failures {
	return &failures{m: map[string]failure{}, now: now}
}

// locked reports whether logins for key are refused for now.
func (f *failures) locked(key string, limit int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m[key]
	if !ok {
		return false
	}
	if f.now().Sub(e.last) >= failureWindow {
		delete(f.m, key)
		return false
	}
	return e.n >= limit
}

func (f *failures) add(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if len(f.m) > 10_000 { // someone is spraying names: forget the stale ones
		for k, e := range f.m {
			if now.Sub(e.last) >= failureWindow {
				delete(f.m, k)
			}
		}
	}
	e := f.m[key]
	if now.Sub(e.last) >= failureWindow {
		e.n = 0
	}
	e.n++
	e.last = now
	f.m[key] = e
}

func (f *failures) reset(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, key)
}

// clientIP is the connection's address. Behind a reverse proxy every
// client shares the proxy's address; the per-user limit still holds.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Prefix, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode,
	})
}

func (h *Handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
}

// current returns the request's live session and its id.
func (h *Handler) current(r *http.Request) (*session, string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, "", false
	}
	sess, ok := h.sessions.get(c.Value)
	return sess, c.Value, ok
}

type authedFunc func(w http.ResponseWriter, r *http.Request, sess *session)

// authGet sends visitors without a live session to the login page.
func (h *Handler) authGet(next authedFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, _, ok := h.current(r)
		if !ok {
			http.Redirect(w, r, "/admin/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r, sess)
	})
}

// authPost refuses a POST without a live session or without its CSRF token.
func (h *Handler) authPost(next authedFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		sess, _, ok := h.current(r)
		if !ok {
			http.Error(w, "登录已过期，请重新登录。", http.StatusForbidden)
			return
		}
		if !sameToken(r.PostFormValue("csrf"), sess.csrf) {
			h.log.Warn("admin: csrf token missing or wrong", "path", r.URL.Path, "user", sess.user)
			http.Error(w, "页面已过期，请返回刷新后重试。", http.StatusForbidden)
			return
		}
		next(w, r, sess)
	})
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

type loginData struct {
	Next  string
	Error string
}

// safeNext keeps the redirect after login inside the dashboard.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix
	}
	return next
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := h.current(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.showLogin(w, http.StatusOK, r.URL.Query().Get("next"), "")
}

func (h *Handler) showLogin(w http.ResponseWriter, status int, next, msg string) {
	token := randomToken()
	h.setCookie(w, loginCookie, token, time.Hour)
	h.render(w, status, "login", page{Title: "工作人员登录", CSRF: token, Data: loginData{Next: safeNext(next), Error: msg}})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	next := r.PostFormValue("next")
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		h.showLogin(w, http.StatusForbidden, next, "页面已过期，请重新输入。")
		return
	}
	name, password := r.PostFormValue("user"), r.PostFormValue("password")
	ip := clientIP(r)
	if h.limiter.locked("u:"+name, maxFailures) || h.limiter.locked("ip:"+ip, maxIPFailures) {
		h.log.Warn("admin: login refused, too many failures", "user", name, "ip", ip)
		h.showLogin(w, http.StatusTooManyRequests, next, "登录失败次数过多，请15分钟后再试。")
		return
	}
	hash, known := h.users[name]
	if !known {
		hash = h.dummy
	}
	// bcrypt compares in constant time; unknown names cost the same.
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !known {
		h.limiter.add("u:" + name)
		h.limiter.add("ip:" + ip)
		h.log.Warn("admin: login failed", "user", name, "ip", ip)
		h.showLogin(w, http.StatusUnauthorized, next, "用户名或密码不正确。")
		return
	}
	h.limiter.reset("u:" + name)
	if _, old, ok := h.current(r); ok {
		h.sessions.delete(old)
	}
	id, _ := h.sessions.create(name)
	h.setCookie(w, sessionCookie, id, h.ttl)
	h.clearCookie(w, loginCookie)
	h.log.Info("admin: login", "user", name, "ip", ip)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	if _, id, ok := h.current(r); ok {
		h.sessions.delete(id)
	}
	h.clearCookie(w, sessionCookie)
	h.log.Info("admin: logout", "user", sess.user)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}
