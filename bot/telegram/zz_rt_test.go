package telegram_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
)

func TestZZRoundTrip(t *testing.T) {
	api := telegramtest.NewServer()
	defer api.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	b, _ := tgbot.New(telegramtest.Token, tgbot.WithSkipGetMe(), tgbot.WithServerURL(api.URL()), tgbot.WithHTTPClient(time.Second, &http.Client{Transport: tr}))
	t0 := time.Now()
	for range 1000 {
		b.SendChatAction(context.Background(), &tgbot.SendChatActionParams{ChatID: 1, Action: models.ChatActionTyping})
	}
	t.Log("chat action", time.Since(t0)/1000)
	t0 = time.Now()
	for range 1000 {
		b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: 1, Text: "你好<b>x</b>", ParseMode: models.ParseModeHTML})
	}
	t.Log("send", time.Since(t0)/1000)
}
