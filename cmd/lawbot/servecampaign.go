package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/redis/go-redis/v9"

	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/campaign/chat"
	"github.com/lawbot/lawbot/stats"
)

// defaultCampaignTick is how often `lawbot serve` looks for campaigns due.
const defaultCampaignTick = 30 * time.Second

// campaignLeaseSuffix ends the Redis key of the lease that lets one replica
// send, after the prefix: "lawbot:campaign:broadcast".
const campaignLeaseSuffix = ":campaign:broadcast"

// campaignConfig is what `lawbot serve` needs for the monthly campaigns.
type campaignConfig struct {
	admins string
	themes string
	// Set by tests only: how often due campaigns are looked for (0 means
	// defaultCampaignTick), and a function given the campaigns once built.
	tick  time.Duration
	ready func(*campaigns)
}

func (c *campaignConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.admins, "campaign-admins", os.Getenv("LAWBOT_CAMPAIGN_ADMINS"),
		"Telegram user ids of the campaign admins, comma-separated (LAWBOT_CAMPAIGN_ADMINS)")
	fs.StringVar(&c.themes, "themes", os.Getenv("LAWBOT_CAMPAIGN_THEMES"),
		"theme calendar file; empty means the built-in one (LAWBOT_CAMPAIGN_THEMES)")
}

// campaigns is the campaign wiring of `lawbot serve`.
type campaigns struct {
	store campaign.Store
	svc   *campaign.Service
	bc    *campaign.Broadcaster // nil without Telegram
}

// newCampaignCore builds the campaigns (store, roles, themes, service and
// chat hooks), then the core with them, wired in the order campaign/chat
// asks for; with Telegram on it starts broadcasting the campaigns due. cw
// is nil when campaigns are off (the file held by another process). With
// rdb (the chat state's Redis client, nil without Redis) they live in Redis
// under prefix, shared by the replicas. stop
// ends the broadcasting and closes the campaign store: call it once the core
// handles no more messages.
func newCampaignCore(ctx context.Context, log *slog.Logger, dataDir string, rdb redis.UniversalClient, prefix string, s *serveConfig,
	rec campaign.Recorder, cfg bot.Config) (core *bot.Core, cw *campaigns, stop func(), err error) {
	cc := &s.campaign
	admins, err := userIDs(cc.admins)
	if err != nil {
		return nil, nil, nil, usageError("-campaign-admins: " + err.Error())
	}
	staff, _ := userIDs(s.staff) // as staffList: ids that do not parse are skipped
	cal, err := campaign.LoadCalendar(cc.themes)
	if err != nil {
		return nil, nil, nil, err
	}
	var closers []func() error
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
	}
	// With Redis, every replica shares the subscribers, roles, campaigns
	// and broadcasts, and one at a time sends (the lease); without it they
	// are in the data directory's campaign.db.
	var store campaign.Store
	if rdb != nil {
		if store, err = campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: prefix}); err != nil {
			return nil, nil, nil, err
		}
		warnUnusedCampaignFile(ctx, log, dataDir, store)
	} else {
		bs, err := campaign.Open(dataDir, campaign.StoreOptions{})
		if errors.Is(err, campaign.ErrLocked) {
			// Another process shares this data directory and holds the
			// file: answer as before, without campaigns.
			log.Warn("campaigns off: the campaign file is held by another process; give the servers a Redis to share it", "data", dataDir)
			core, err := bot.New(cfg)
			return core, nil, func() {}, err
		}
		if err != nil {
			return nil, nil, nil, err
		}
		store = bs
	}
	closers = append(closers, store.Close)

	var send *campaign.Telegram
	if s.token != "" {
		if send, err = campaignSender(log, s); err != nil {
			closeAll()
			return nil, nil, nil, err
		}
	}
	hooks := chat.New(log)
	ccfg := campaign.Config{
		Admins: admins, Staff: staff, Key: cfg.Key, Community: bot.NoCommunity,
		Recorder: rec, Calendar: cal, Button: hooks.Button, Logger: log,
	}
	if a, ok := rec.(stats.Activities); ok {
		ccfg.Activities = a // staff's /activities and /correct
	}
	if send != nil {
		ccfg.Username = send.Username // the check-in link of /poster
	}
	svc, err := campaign.New(store, ccfg)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	hooks.SetService(svc)
	// The campaign roles know the configured staff, the admins and the
	// roles granted since.
	cfg.Campaigns, cfg.Roles = hooks, svc.Roles()
	core, err = bot.New(cfg)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	hooks.SetCore(core)
	cw = &campaigns{store: store, svc: svc}

	bctx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	if send != nil {
		opt := campaign.BroadcastOptions{Recorder: rec, Compose: svc.Compose, StatusDir: dataDir, Logger: log,
			OnHalt: campaign.AlertHalt(store, send, admins, log)} // tell the author and the admins
		if rdb != nil {
			opt.Lease = campaign.NewLease(rdb, prefix+campaignLeaseSuffix, 0)
		}
		cw.bc = campaign.NewBroadcaster(store, send, opt)
		tick := cc.tick
		if tick <= 0 {
			tick = defaultCampaignTick
		}
		running.Go(func() { runDue(bctx, log, cw.bc, tick) })
	}
	subs, err := store.Subscribers(ctx)
	if err != nil {
		log.Warn("campaigns: store not reachable yet; residents are asked to try again until it is", "err", err)
	}
	log.Info("campaigns on", "store", map[bool]string{true: "redis", false: "file"}[rdb != nil], "admins", len(admins), "staff", len(staff),
		"themes", len(cal.Themes()), "subscribers", subs, "broadcasting", cw.bc != nil, "lease", rdb != nil && cw.bc != nil)
	if cc.ready != nil {
		cc.ready(cw)
	}
	return core, cw, func() {
		cancel()
		running.Wait()
		closeAll()
	}, nil
}

// runDue broadcasts the campaigns due, now and every tick, until ctx ends.
// The first run resumes a broadcast a restart interrupted.
func runDue(ctx context.Context, log *slog.Logger, bc *campaign.Broadcaster, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := bc.RunDue(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("campaign: broadcast not finished; retrying", "err", err, "retry_in", tick)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// campaignSender is the Telegram client of the campaigns: it sends the
// broadcasts and tells posters the bot's username. It is a Bot API client
// of its own, as the chat's is not exposed. The library keeps the token out
// of its errors.
func campaignSender(log *slog.Logger, s *serveConfig) (*campaign.Telegram, error) {
	opts := []tgbot.Option{
		tgbot.WithSkipGetMe(),
		tgbot.WithErrorsHandler(func(err error) { log.Warn("campaign: telegram library", "err", err) }),
	}
	if s.apiURL != "" {
		opts = append(opts, tgbot.WithServerURL(s.apiURL))
	}
	api, err := tgbot.New(s.token, opts...)
	if err != nil {
		return nil, errors.New("campaign: telegram client: " + strings.ReplaceAll(err.Error(), s.token, "<token>"))
	}
	return campaign.NewTelegram(api), nil
}

// userIDs parses "4711, 4712" into Telegram user ids; the error names the
// first entry that is not one.
func userIDs(list string) ([]int64, error) {
	var ids []int64
	var bad error
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			if bad == nil {
				bad = fmt.Errorf("%q 不是 Telegram 用户 id", f)
			}
			continue
		}
		ids = append(ids, n)
	}
	return ids, bad
}

// warnUnusedCampaignFile warns when a data directory's campaign.db holds
// subscribers while the campaigns run on a Redis that has none: they were
// not migrated.
func warnUnusedCampaignFile(ctx context.Context, log *slog.Logger, dataDir string, shared campaign.Store) {
	if _, err := os.Stat(filepath.Join(dataDir, campaign.FileName)); err != nil {
		return
	}
	old, err := campaign.Open(dataDir, campaign.StoreOptions{ReadOnly: true, LockTimeout: 100 * time.Millisecond})
	if err != nil {
		return
	}
	defer old.Close()
	if n, err := shared.Subscribers(ctx); err != nil || n > 0 {
		return
	}
	if n, err := old.Subscribers(ctx); err == nil && n > 0 {
		log.Warn("campaigns: running on Redis; the data directory's campaign.db is not used: stop the servers and run `lawbot campaign migrate` to move its subscribers and campaigns",
			"file", filepath.Join(dataDir, campaign.FileName), "subscribers", n)
	}
}
