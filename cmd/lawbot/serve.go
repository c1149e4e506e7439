package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/bot/telegram"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/stats/redisstore"
	"github.com/lawbot/lawbot/web"
	"github.com/lawbot/lawbot/web/admin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
)

// defaultCommunities is used until LAWBOT_COMMUNITIES names the
// subdistrict's own.
const defaultCommunities = "东苑社区,西苑社区,南苑社区,北苑社区"

// serveConfig is what `lawbot serve` needs beyond answering and counting.
type serveConfig struct {
	addr       string
	title      string
	advisers   string
	staff      string
	buttonKey  string
	webhookURL string
	logLevel   string
	logFormat  string
	cache      int
	campaign   campaignConfig
	// From the environment only: secrets, and the Bot API server.
	token, secret, apiURL string
}

func (s *serveConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.addr, "addr", envOr("LAWBOT_ADDR", ":8080"), "address of the web chat, /healthz, /metrics and the Telegram webhook (LAWBOT_ADDR)")
	fs.StringVar(&s.title, "title", envOr("LAWBOT_TITLE", web.DefaultTitle), "title of the web chat page (LAWBOT_TITLE)")
	fs.StringVar(&s.advisers, "advisers", os.Getenv("LAWBOT_ADVISERS"), "file of lines 社区名=法律顾问及联系方式 (LAWBOT_ADVISERS)")
	fs.StringVar(&s.staff, "staff", os.Getenv("LAWBOT_STAFF"), "Telegram user ids of subdistrict staff, comma-separated (LAWBOT_STAFF)")
	fs.StringVar(&s.buttonKey, "button-key", envOr("LAWBOT_BUTTON_KEY_FILE", filepath.Join(filepath.Dir(defaultKeyFile()), "button.key")),
		"file holding the key that signs button data; every replica needs the same (LAWBOT_BUTTON_KEY_FILE)")
	fs.StringVar(&s.webhookURL, "webhook", os.Getenv("LAWBOT_TELEGRAM_WEBHOOK_URL"),
		"public HTTPS URL Telegram posts updates to; empty means long polling (LAWBOT_TELEGRAM_WEBHOOK_URL)")
	fs.StringVar(&s.logLevel, "log-level", envOr("LAWBOT_LOG_LEVEL", "info"), "debug, info, warn or error (LAWBOT_LOG_LEVEL)")
	fs.StringVar(&s.logFormat, "log-format", envOr("LAWBOT_LOG_FORMAT", "text"), "text or json (LAWBOT_LOG_FORMAT)")
	fs.IntVar(&s.cache, "answer-cache", envInt("LAWBOT_ANSWER_CACHE", defaultAnswerCache),
		"answers to recent questions kept in memory; 0 turns the cache off (LAWBOT_ANSWER_CACHE)")
	s.campaign.flags(fs)
}

// defaultAnswerCache is how many answers serve keeps: a few MB.
const defaultAnswerCache = 4096

// envInt is the integer in the environment variable key, or def when it
// is unset or not a number.
func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

// serveFlags are the configuration of `lawbot serve`, filled in by its
// flag set.
type serveFlags struct {
	c  config
	sc statsConfig
	s  serveConfig
}

// newServeFlags returns the flag set of `lawbot serve`, writing its usage
// and errors to out, and what it fills in.
func newServeFlags(out io.Writer) (*flag.FlagSet, *serveFlags) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	f := &serveFlags{}
	f.c.flags(fs)
	f.sc.flags(fs)
	f.s.flags(fs)
	return fs, f
}

func cmdServe(ctx context.Context, env *env, args []string) error {
	fs, f := newServeFlags(env.stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, sc, s := &f.c, &f.sc, &f.s
	if fs.NArg() > 0 {
		return usageError("用法: lawbot serve [-addr :8080] [-data DIR] [-communities 甲社区,乙社区]")
	}
	s.token = env.getenv("LAWBOT_TELEGRAM_TOKEN")
	s.secret = env.getenv("LAWBOT_TELEGRAM_WEBHOOK_SECRET")
	s.apiURL = env.getenv("LAWBOT_TELEGRAM_API_URL")
	if s.webhookURL != "" && (s.token == "" || len(s.secret) < 16) {
		return usageError("webhook 模式需要 LAWBOT_TELEGRAM_TOKEN 和至少 16 个字符的 LAWBOT_TELEGRAM_WEBHOOK_SECRET")
	}
	log, err := newLogger(env.stderr, s.logLevel, s.logFormat)
	if err != nil {
		return err
	}
	return serve(ctx, env, log, c, sc, s)
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError("-log-level: " + err.Error())
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, usageError("-log-format: text or json")
}

// serve wires the engine, the stores, the conversation, the web chat and
// Telegram together and runs them until ctx ends.
func serve(ctx context.Context, env *env, log *slog.Logger, c *config, sc *statsConfig, s *serveConfig) error {
	if sc.redisURL != "" {
		// The Redis client's own lines (a dial that failed, say) go to the
		// server's log in its format, not as bare lines on stderr.
		redis.SetLogger(&slogRedis{log: log})
	}
	communities, err := loadCommunities(sc, s.advisers)
	if err != nil {
		return err
	}
	if os.Getenv("LAWBOT_COMMUNITIES") == "" && sc.communities == defaultCommunities {
		log.Warn("no communities configured; using examples: set LAWBOT_COMMUNITIES", "communities", defaultCommunities)
	}
	eng, err := openEngine(ctx, env, c)
	if err != nil {
		return err
	}
	defer eng.Close()
	if s.cache > 0 {
		eng.composer.Cache = answer.NewCache(s.cache)
	}

	// Statistics also accept residents who chose no community.
	saved := sc.communities
	sc.communities += "," + bot.NoCommunity
	store, err := openStats(ctx, c.dataDir, sc)
	sc.communities = saved
	if err != nil {
		return err
	}
	defer store.Close()
	health := func() stats.Health { return stats.Health{} }
	if h, ok := store.(interface{ Health() stats.Health }); ok {
		health = h.Health
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := bot.NewMetrics(reg)
	metrics.SetOutbox(func() int { return health().Pending })
	if cache := eng.composer.Cache; cache != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lawbot_answer_cache_hits_total",
			Help: "Questions answered from the cache of recent answers.",
		}, func() float64 { hits, _ := cache.Stats(); return float64(hits) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lawbot_answer_cache_misses_total",
			Help: "Questions composed because the cache did not hold their answer.",
		}, func() float64 { _, misses := cache.Stats(); return float64(misses) }))
	}

	st, err := openChatState(c.dataDir, sc.redisURL, sc.redisPrefix, s.webhookURL != "")
	if err != nil {
		return err
	}
	defer st.close()

	key, err := buttonKey(s.buttonKey)
	if err != nil {
		return err
	}
	core, cw, stopCampaigns, err := newCampaignCore(ctx, log, c.dataDir, st.rdb, sc.redisPrefix, s, store, bot.Config{
		Answerer: eng.composer, Base: eng.base, Communities: communities,
		Sessions: st.sessions, Mediations: st.mediations, Recorder: store, Limits: st.limits,
		Roles: staffList(s.staff), Exporter: statsExporter{store}, Key: key, Metrics: metrics, Logger: log,
	})
	if err != nil {
		return err
	}
	defer stopCampaigns()

	var tgMode atomic.Value
	tgMode.Store("off")
	webSrv := web.New(core, web.WithLogger(log), web.WithMetrics(reg), web.WithHealth(health),
		web.WithTitle(s.title), web.WithTelegram(func() string { return tgMode.Load().(string) }))
	mux := http.NewServeMux()
	mux.Handle("/", webSrv.Handler())
	if users := env.getenv("LAWBOT_ADMIN_USERS"); users != "" {
		adm, err := newAdmin(users, store, cw, log)
		if err != nil {
			return err
		}
		mux.Handle(admin.Prefix, adm)
		log.Info("staff dashboard on", "path", admin.Prefix)
	}
	var hook atomic.Pointer[http.Handler]
	if s.webhookURL != "" {
		u, err := url.Parse(s.webhookURL)
		if err != nil || u.Scheme != "https" || u.Path == "" || u.Path == "/" {
			return usageError("-webhook: 需要形如 https://域名/telegram/webhook 的地址")
		}
		mux.HandleFunc("POST "+u.Path, func(w http.ResponseWriter, r *http.Request) {
			if h := hook.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			w.Header().Set("Retry-After", "5")
			http.Error(w, "starting", http.StatusServiceUnavailable)
		})
	}

	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := &http.Server{
		Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 90 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(env.stdout, "lawbot 已启动：网页咨询 http://%s/\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "data", c.dataDir, "statistics", storeKind(sc),
		"telegram", telegramMode(s), "communities", len(communities))

	var tgDone sync.WaitGroup
	if s.token != "" {
		tgDone.Add(1)
		go func() {
			defer tgDone.Done()
			runTelegram(ctx, log, core, metrics, st, s, &tgMode, &hook)
		}()
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down: finishing answers in progress")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx) // waits for web answers and webhook updates in progress
	tgDone.Wait()            // polling lets its updates in progress finish
	core.Wait()              // statistics still being recorded
	log.Info("stopped")
	return err
}

// runTelegram connects to Telegram, retrying while it cannot, and then
// polls or serves the webhook until ctx ends. The web chat works meanwhile.
func runTelegram(ctx context.Context, log *slog.Logger, core *bot.Core, metrics *bot.Metrics, st *chatState,
	s *serveConfig, mode *atomic.Value, hook *atomic.Pointer[http.Handler]) {
	opts := []telegram.Option{telegram.WithLogger(log), telegram.WithMetrics(metrics)}
	if s.apiURL != "" {
		opts = append(opts, telegram.WithServerURL(s.apiURL))
	}
	if s.webhookURL != "" {
		opts = append(opts, telegram.WithJournal(st.journal), telegram.WithWebhookSecret(s.secret))
	} else {
		opts = append(opts, telegram.WithInbox(st.inbox))
	}
	mode.Store("starting")
	wait := time.Second
	for {
		tg, err := connectTelegram(ctx, core, s, opts)
		if err == nil {
			if s.webhookURL == "" {
				mode.Store("polling")
				if err := tg.Poll(ctx); err != nil {
					log.Error("telegram polling stopped", "err", err)
				}
				return
			}
			h := tg.Webhook()
			hook.Store(&h)
			mode.Store("webhook")
			<-ctx.Done()
			return
		}
		mode.Store("unreachable")
		log.Error("telegram: not connected; the web chat works meanwhile", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

func connectTelegram(ctx context.Context, core *bot.Core, s *serveConfig, opts []telegram.Option) (*telegram.Bot, error) {
	tg, err := telegram.New(ctx, s.token, core, opts...)
	if err != nil {
		return nil, err
	}
	if err := tg.SetCommands(ctx); err != nil {
		return nil, err
	}
	if s.webhookURL != "" {
		if err := tg.SetWebhook(ctx, s.webhookURL); err != nil {
			return nil, err
		}
	}
	return tg, nil
}

func telegramMode(s *serveConfig) string {
	switch {
	case s.token == "":
		return "off"
	case s.webhookURL != "":
		return "webhook"
	}
	return "polling"
}

func storeKind(sc *statsConfig) string {
	if sc.redisURL != "" {
		return "redis"
	}
	return "bolt"
}

// chatState is where the conversation keeps its own data: the bolt file in
// the data directory, or Redis for several replicas in webhook mode.
type chatState struct {
	sessions   bot.Sessions
	mediations bot.Mediations
	journal    telegram.Journal
	inbox      telegram.Inbox
	limits     bot.Limits // shared by the replicas; nil on one server
	// rdb is the Redis client of the chat state, which the campaigns
	// share; nil without Redis.
	rdb     redis.UniversalClient
	closers []func() error
}

func (c *chatState) close() {
	for i := len(c.closers) - 1; i >= 0; i-- {
		_ = c.closers[i]()
	}
}

func openChatState(dataDir, redisURL, prefix string, webhook bool) (*chatState, error) {
	st := &chatState{}
	if redisURL != "" {
		rdb, err := redisstore.NewClient(redisURL)
		if err != nil {
			return nil, err
		}
		r, err := state.NewRedis(rdb, prefix, state.Options{})
		if err != nil {
			rdb.Close()
			return nil, err
		}
		st.closers = append(st.closers, rdb.Close)
		st.rdb = rdb
		st.sessions, st.mediations, st.journal = r, r, r
		if webhook {
			// Several replicas: a resident's messages may reach any of
			// them, so they share the rate limit too.
			st.limits = r
			return st, nil
		}
	}
	// Long polling runs on one machine: its inbox is a local file.
	b, err := state.OpenBolt(dataDir, state.Options{})
	if err != nil {
		st.close()
		return nil, err
	}
	st.closers = append(st.closers, b.Close)
	st.inbox = b
	if st.sessions == nil {
		st.sessions, st.mediations, st.journal = b, b, b
	}
	return st, nil
}

// loadCommunities reads the community list (the default when none is
// configured) and the advisers file.
func loadCommunities(sc *statsConfig, advisersFile string) ([]bot.Community, error) {
	if strings.TrimSpace(sc.communities) == "" {
		sc.communities = defaultCommunities
	}
	var out []bot.Community
	index := map[string]int{}
	for _, name := range sc.communityList() {
		if name == bot.NoCommunity || strings.ContainsAny(name, " \t") {
			return nil, usageError(fmt.Sprintf("-communities: 社区名 %q 不可用", name))
		}
		index[name] = len(out)
		out = append(out, bot.Community{Name: name})
	}
	if advisersFile == "" {
		return out, nil
	}
	f, err := os.Open(advisersFile)
	if err != nil {
		return nil, fmt.Errorf("advisers: %w", err)
	}
	defer f.Close()
	sc2 := bufio.NewScanner(f)
	for n := 1; sc2.Scan(); n++ {
		line := strings.TrimSpace(sc2.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, adviser, ok := strings.Cut(line, "=")
		name, adviser = strings.TrimSpace(name), strings.TrimSpace(adviser)
		i, known := index[name]
		if !ok || adviser == "" || !known {
			return nil, fmt.Errorf("%s:%d: 应为“社区名=法律顾问及联系方式”，且社区在 -communities 中", advisersFile, n)
		}
		out[i].Adviser = adviser
	}
	if err := sc2.Err(); err != nil {
		return nil, fmt.Errorf("advisers: %w", err)
	}
	return out, nil
}

// staffList turns "4711, 4712" into the residents "tg:4711", "tg:4712".
func staffList(ids string) bot.Roles {
	list := bot.StaffList{}
	for _, id := range strings.Split(ids, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64); err == nil {
			list["tg:"+strconv.FormatInt(n, 10)] = true
		}
	}
	return list
}

// slogRedis passes the Redis client's log lines to a slog.Logger, at most
// one every redisLogEvery: while Redis is down, every connection attempt
// would otherwise log a line.
type slogRedis struct {
	log        *slog.Logger
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

const redisLogEvery = 10 * time.Second

func (l *slogRedis) Printf(ctx context.Context, format string, v ...any) {
	l.mu.Lock()
	now := time.Now()
	if now.Sub(l.last) < redisLogEvery {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()
	l.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...), "lines_since_last", n)
}

// newAdmin builds the staff dashboard from LAWBOT_ADMIN_USERS
// ("name:bcrypt-hash,..."; make a hash with `lawbot admin-hash`).
// LAWBOT_ADMIN_SECURE_COOKIE=1 marks its cookie Secure for HTTPS.
func newAdmin(users string, store stats.Store, cw *campaigns, log *slog.Logger) (*admin.Handler, error) {
	u, err := admin.ParseUsers(users)
	if err != nil {
		return nil, fmt.Errorf("LAWBOT_ADMIN_USERS: %w", err)
	}
	opts := admin.Options{Store: store, Users: u, Logger: log,
		SecureCookie: os.Getenv("LAWBOT_ADMIN_SECURE_COOKIE") == "1"}
	if cw != nil {
		opts.Campaigns = cw.store // titles and subscribers on the dashboard
	}
	return admin.New(opts)
}

// buttonKey reads the button-signing key: LAWBOT_BUTTON_KEY (hex) when
// set, else the key file, created on first use.
func buttonKey(file string) ([]byte, error) {
	if v := os.Getenv("LAWBOT_BUTTON_KEY"); v != "" {
		k, err := hex.DecodeString(strings.TrimSpace(v))
		if err != nil || len(k) < 16 {
			return nil, errors.New("LAWBOT_BUTTON_KEY: want at least 32 hex digits")
		}
		return k, nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, fmt.Errorf("button key: %w", err)
	}
	return stats.LoadOrCreateKey(file)
}
