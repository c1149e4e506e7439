package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lawbot/lawbot/campaign"
)

// cmdCampaignPoster writes the check-in poster of a campaign's event: the
// PNG at -o and the printable HTML page beside it (see campaign.Poster for
// why two files). The bot's username comes from -bot, or from getMe when
// LAWBOT_TELEGRAM_TOKEN is set.
func cmdCampaignPoster(ctx context.Context, env *env, args []string) error {
	fset := flag.NewFlagSet("campaign poster", flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	dataDir := dataFlag(fset)
	id := fset.String("id", "", "campaign number (as /campaigns shows it)")
	out := fset.String("o", "", "PNG file to write; the HTML poster goes beside it (default poster-ev<id>.png)")
	name := fset.String("bot", env.getenv("LAWBOT_TELEGRAM_USERNAME"), "the bot's Telegram username, without @ (LAWBOT_TELEGRAM_USERNAME)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *id == "" || fset.NArg() > 0 {
		return usageError("用法：lawbot campaign poster -id 推送编号 [-o poster.png] [-bot 机器人用户名] [-data 目录]")
	}
	if *out == "" {
		*out = "poster-ev" + *id + ".png"
	}
	username := strings.TrimPrefix(*name, "@")
	if username == "" {
		token := env.getenv("LAWBOT_TELEGRAM_TOKEN")
		if token == "" {
			return usageError("需要机器人的用户名：请用 -bot 指定，或设置 LAWBOT_TELEGRAM_USERNAME 或 LAWBOT_TELEGRAM_TOKEN")
		}
		tg, err := campaignSender(slog.New(slog.DiscardHandler), &serveConfig{token: token, apiURL: env.getenv("LAWBOT_TELEGRAM_API_URL")})
		if err != nil {
			return err
		}
		gctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		username, err = tg.Username(gctx)
		cancel()
		if err != nil {
			return err
		}
	}
	c, err := posterCampaign(ctx, env, *dataDir, *id)
	if errors.Is(err, campaign.ErrNotFound) {
		return fmt.Errorf("没有编号为 %s 的推送", *id)
	}
	if err != nil {
		return err
	}
	p, err := campaign.MakePoster(c, username)
	var ue *campaign.UserError
	if errors.As(err, &ue) {
		return errors.New(ue.Text)
	}
	if err != nil {
		return err
	}
	page := strings.TrimSuffix(*out, filepath.Ext(*out)) + ".html"
	if err := os.WriteFile(*out, p.PNG, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(page, p.HTML, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "已生成签到海报：%s（二维码）和 %s（可打印的 A4 海报）\n二维码链接：%s\n", *out, page, p.URL)
	return nil
}

// posterCampaign reads campaign id: from Redis when LAWBOT_REDIS_URL is
// set, else from the data directory's campaign file.
func posterCampaign(ctx context.Context, env *env, dataDir, id string) (*campaign.Campaign, error) {
	get := func(s campaign.Store) (*campaign.Campaign, error) { return s.Get(ctx, id) }
	if url := env.getenv("LAWBOT_REDIS_URL"); url != "" {
		return withRedisCampaigns(ctx, env, url, get)
	}
	if _, err := os.Stat(filepath.Join(dataDir, campaign.FileName)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s 中没有推送数据（%s）", dataDir, campaign.FileName)
	}
	store, err := campaign.Open(dataDir, campaign.StoreOptions{ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if errors.Is(err, campaign.ErrLocked) {
		return nil, fmt.Errorf("lawbot serve 正在使用推送数据：请在 Telegram 中私聊机器人发送 /poster %s 获取海报，或停止服务后重试", id)
	}
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return get(store)
}
