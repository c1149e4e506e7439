package campaign

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"slices"
	"time"
)

// AlertHalt returns a BroadcastOptions.OnHalt that tells the campaign's
// author and the admins, in their private chats with the bot, that its
// broadcast halted: why, how far it got, and how to go on. What cannot be
// told is logged.
func AlertHalt(store Store, send Sender, admins []int64, log *slog.Logger) func(Progress) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(p Progress) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		to := slices.Clone(admins)
		title := ""
		if c, err := store.Get(ctx, p.Campaign); err != nil {
			log.Warn("campaign: halt alert: campaign not read", "campaign", p.Campaign, "err", err)
		} else {
			title = c.Title
			to = append(to, c.By)
		}
		slices.Sort(to)
		msg := Message{Text: haltNotice(p, title)}
		for _, chat := range slices.Compact(to) {
			if chat == 0 {
				continue
			}
			if err := send.Send(ctx, chat, msg); err != nil {
				log.Warn("campaign: halt alert not sent", "campaign", p.Campaign, "chat", chat, "err", err)
			}
		}
	}
}

// haltNotice is the alert about halted broadcast p of the campaign titled
// title, in HTML.
func haltNotice(p Progress, title string) string {
	name := p.Campaign + " "
	if title != "" {
		name = p.Campaign + "《" + title + "》"
	}
	return fmt.Sprintf("⚠️ 推送 %s已暂停：Telegram 拒绝了这条消息（%s）。为免所有居民都收到出错的消息，其余居民暂未发送。\n"+
		"已送达 %d 人，待发送 %d 人。问题解决后，工作人员发送 /resume %s 继续发送给尚未收到的居民；发送 /progress 查看进度。",
		html.EscapeString(name), html.EscapeString(p.Halt), p.Sent, p.Pending, html.EscapeString(p.Campaign))
}
