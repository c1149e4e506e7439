package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats/redisstore"
	"github.com/redis/go-redis/v9"
)

// cmdCampaign runs `lawbot campaign status|themes|poster`.
func cmdCampaign(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 {
		return usageError("用法：lawbot campaign status [-data 目录] [推送编号...] | lawbot campaign themes [-themes 文件] | " +
			"lawbot campaign poster -id 推送编号 [-o poster.png] [-bot 机器人用户名] | lawbot campaign migrate [-data 目录] [-back]")
	}
	switch args[0] {
	case "status":
		return cmdCampaignStatus(ctx, env, args[1:])
	case "themes":
		return cmdCampaignThemes(env, args[1:])
	case "poster":
		return cmdCampaignPoster(ctx, env, args[1:])
	case "migrate":
		return cmdCampaignMigrate(ctx, env, args[1:])
	}
	return usageError(fmt.Sprintf("未知子命令 %q（可用：status、themes、poster、migrate）", args[0]))
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
	// A one-off command reports a Redis it cannot reach itself, in Chinese:
	// the client's own log lines would only repeat it.
	redis.SetLogger(quietRedis{})
	rdb, err := redisstore.NewClient(url)
	if err != nil {
		return zero, err
	}
	defer rdb.Close()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = rdb.Ping(pctx).Err()
	cancel()
	if err != nil {
		return zero, fmt.Errorf("无法连接 Redis（%v）：请检查 LAWBOT_REDIS_URL 和 Redis 服务", err)
	}
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

// quietRedis drops the Redis client's log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// errNothingToMigrate is returned when the store to migrate from is empty.
var errNothingToMigrate = errors.New("nothing to migrate")

// cmdCampaignMigrate copies the campaign file of the data directory into
// the Redis at LAWBOT_REDIS_URL, for an office moving to several servers;
// with -back, from Redis into a new campaign file. The destination must be
// empty and every server stopped.
func cmdCampaignMigrate(ctx context.Context, env *env, args []string) error {
	fset := flag.NewFlagSet("campaign migrate", flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	dataDir := dataFlag(fset)
	back := fset.Bool("back", false, "copy from Redis into the data directory's campaign file instead")
	if err := fset.Parse(args); err != nil {
		return err
	}
	url := env.getenv("LAWBOT_REDIS_URL")
	if url == "" || fset.NArg() > 0 {
		return usageError("用法：LAWBOT_REDIS_URL=redis://… lawbot campaign migrate [-data 目录] [-back]（先停止所有 lawbot serve）")
	}
	file := filepath.Join(*dataDir, campaign.FileName)
	_, err := os.Stat(file)
	existed := err == nil
	if !*back && !existed {
		return fmt.Errorf("%s 中没有推送数据（%s），无需迁移", *dataDir, campaign.FileName)
	}
	bs, err := campaign.Open(*dataDir, campaign.StoreOptions{LockTimeout: 500 * time.Millisecond})
	if errors.Is(err, campaign.ErrLocked) {
		return errors.New("lawbot serve 正在使用推送数据：请先停止所有服务再迁移")
	}
	if err != nil {
		return err
	}
	n, err := withRedisCampaigns(ctx, env, url, func(rs campaign.Store) (campaign.CopyCounts, error) {
		from, to := campaign.Store(bs), rs
		if *back {
			from, to = rs, bs
		}
		if empty, err := campaign.IsEmpty(ctx, from); err != nil || empty {
			return campaign.CopyCounts{}, cmp.Or(err, errNothingToMigrate)
		}
		return campaign.Copy(ctx, to, from)
	})
	bs.Close()
	if err != nil && *back && !existed {
		os.Remove(file) // made by Open just now: leave the directory as it was
	}
	if errors.Is(err, errNothingToMigrate) {
		if *back {
			return fmt.Errorf("Redis（键名前缀 %s）中没有推送数据，无需迁移；请检查 LAWBOT_REDIS_URL 和 LAWBOT_REDIS_PREFIX", cmp.Or(env.getenv("LAWBOT_REDIS_PREFIX"), "lawbot"))
		}
		return fmt.Errorf("%s 中没有推送数据，无需迁移", file)
	}
	if errors.Is(err, campaign.ErrNotEmpty) {
		if *back {
			return fmt.Errorf("%s 中已有推送数据，未迁移；请换一个空的数据目录", file)
		}
		return errors.New("Redis 中已有推送数据，未迁移（各台服务器可能已在使用 Redis）；如需合并请联系开发人员")
	}
	if err != nil {
		return err
	}
	from, to := file, "Redis"
	if *back {
		from, to = to, from
	}
	fmt.Fprintf(env.stdout, "已从 %s 迁移到 %s：订阅居民 %d 人，推送 %d 条（其中发送记录 %d 条），角色 %d 个，授权记录 %d 条，答题 %d 次，报名 %d 人次，签到 %d 人次，主题修改 %d 条。\n",
		from, to, n.Subscribers, n.Campaigns, n.Broadcasts, n.Roles, n.Grants, n.Answers, n.Signups, n.CheckIns, n.Themes)
	return nil
}
