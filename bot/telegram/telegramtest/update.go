package telegramtest

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"
)

var seq atomic.Int64

func next() int64 { return seq.Add(1) }

func user(id int64) *models.User {
	return &models.User{ID: id, FirstName: "居民" + strconv.FormatInt(id, 10), LanguageCode: "zh-hans"}
}

// Text is an update with a message a resident typed in a private chat.
func Text(userID int64, text string) models.Update {
	return models.Update{Message: &models.Message{
		ID: int(next()), From: user(userID), Date: int(time.Now().Unix()), Text: text,
		Chat: models.Chat{ID: userID, Type: models.ChatTypePrivate},
	}}
}

// GroupText is an update with a message typed in a group chat.
func GroupText(chatID, userID int64, text string) models.Update {
	return models.Update{Message: &models.Message{
		ID: int(next()), From: user(userID), Date: int(time.Now().Unix()), Text: text,
		Chat: models.Chat{ID: chatID, Type: models.ChatTypeSupergroup, Title: "幸福社区居民群"},
	}}
}

// ReplyToBot is a group message replying to the bot's message msgID.
func ReplyToBot(chatID, userID int64, msgID int, text string) models.Update {
	u := GroupText(chatID, userID, text)
	u.Message.ReplyToMessage = &models.Message{
		ID: msgID, From: &models.User{ID: BotID, IsBot: true, Username: Username},
		Chat: u.Message.Chat, Date: int(time.Now().Unix()),
	}
	return u
}

// Press is an update with a button pressed on message msgID in chatID.
func Press(chatID, userID int64, msgID int, data string) models.Update {
	typ := models.ChatTypePrivate
	if chatID < 0 {
		typ = models.ChatTypeSupergroup
	}
	return models.Update{CallbackQuery: &models.CallbackQuery{
		ID: strconv.FormatInt(4_000_000_000_000+next(), 10), From: *user(userID), Data: data,
		ChatInstance: "ci" + strconv.FormatInt(chatID, 10),
		Message: models.MaybeInaccessibleMessage{
			Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{
				ID: msgID, Date: int(time.Now().Unix()), Chat: models.Chat{ID: chatID, Type: typ},
				From: &models.User{ID: BotID, IsBot: true, Username: Username},
			},
		},
	}}
}
