package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats/redisstore"
)

// cmdCampaign runs `lawbot campaign status|themes|poster`.
func cmdCampaign(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 {
		return usageError("用法：lawbot campaign status [-data 目录] [推送编号...] | lawbot campaign themes [-themes 文件] | " +
			"lawbot campaign poster -id 推送编号 [-o poster.png] [-bot 机器人用户名]")
	}
	switch args[0] {
	case "status":
		return cmdCampaignStatus(ctx, env, args[1:])
	case "themes":
		return cmdCampaignThemes(env, args[1:])
	case "poster":
		return cmdCampaignPoster(ctx, env, args[1:])
	}
	return usageError(fmt.Sprintf("未知子命令 %q（可用：status、themes、poster）", args[0]))
}

// cmdCampaignStatus prints the progress of the broadcasts: from Redis when
// LAWBOT_REDIS_URL is set, else from the campaign file or, while the
// server holds it, from the status snapshots the broadcaster writes beside
// it.
func cmdCampaignStatus(ctx context.Context, env *env, args []string) error {
	fset := flag.NewFlagSet("campaign status", flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	dataDir := dataFlag(fset)
	if err := fset.Parse(args); err != nil {
		return err
	}
	var ps []campaign.Progress
	var err error
	if url := env.getenv("LAWBOT_REDIS_URL"); url != "" {
		ps, err = withRedisCampaigns(ctx, env, url, func(s campaign.Store) ([]campaign.Progress, error) { return s.Progress(ctx, fset.Args()...) })
	} else {
		ps, err = readProgress(ctx, *dataDir, fset.Args())
	}
	if errors.Is(err, campaign.ErrNotFound) {
		return fmt.Errorf("推送 %s 没有发送记录（尚未开始发送，或编号有误；发送 lawbot campaign status 查看全部）", strings.Join(fset.Args(), "、"))
	}
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		fmt.Fprintln(env.stdout, "暂无推送记录。")
		return nil
	}
	for _, p := range ps {
		fmt.Fprintln(env.stdout, campaign.FormatProgress(p))
	}
	return nil
}

// withRedisCampaigns runs fn on the campaign store in Redis at url, under
// the key prefix LAWBOT_REDIS_PREFIX (default "lawbot") as serve uses.
func withRedisCampaigns[T any](ctx context.Context, env *env, url string, fn func(campaign.Store) (T, error)) (T, error) {
	var zero T
	rdb, err := redisstore.NewClient(url)
	if err != nil {
		return zero, err
	}
	defer rdb.Close()
	s, err := campaign.NewRedisStore(rdb, campaign.RedisOptions{Prefix: env.getenv("LAWBOT_REDIS_PREFIX")})
	if err != nil {
		return zero, err
	}
	return fn(s)
}

func readProgress(ctx context.Context, dir string, ids []string) ([]campaign.Progress, error) {
	if _, err := os.Stat(filepath.Join(dir, campaign.FileName)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	store, err := campaign.Open(dir, campaign.StoreOptions{ReadOnly: true, LockTimeout: 500e6})
	if err == nil {
		defer store.Close()
		return store.Progress(ctx, ids...)
	}
	if !errors.Is(err, campaign.ErrLocked) {
		return nil, err
	}
	// The server is running: read its snapshots.
	pattern := filepath.Join(dir, campaign.SnapshotName("*"))
	if len(ids) == 1 {
		pattern = filepath.Join(dir, campaign.SnapshotName(ids[0]))
	}
	files, _ := filepath.Glob(pattern)
	var ps []campaign.Progress
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var p campaign.Progress
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("campaign status: %s: %w", f, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// cmdCampaignThemes checks a theme calendar file and prints it.
func cmdCampaignThemes(env *env, args []string) error {
	fset := flag.NewFlagSet("campaign themes", flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	path := fset.String("themes", envOr("LAWBOT_CAMPAIGN_THEMES", ""), "theme calendar file; empty means the built-in one (LAWBOT_CAMPAIGN_THEMES)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	cal, err := campaign.LoadCalendar(*path)
	if err != nil {
		return err
	}
	for _, t := range cal.Themes() {
		day := fmt.Sprintf("%d月", t.Month)
		if t.Day > 0 {
			day = fmt.Sprintf("%d月%d日", t.Month, t.Day)
		}
		fmt.Fprintf(env.stdout, "%-8s %-20s %s\n", day, t.Key, t.Title)
	}
	return nil
}
