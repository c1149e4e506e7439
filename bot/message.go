package bot

import (
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/stats"
)

// Message is one thing a resident did in a channel: typed text (a question,
// a command, an answer to a form) or pressed a button.
type Message struct {
	// ID is the message's idempotency key, unique per message or button
	// press in its channel, e.g. "tg:update:81523" or "web:<resident>:<id>".
	// Events recorded for the message derive their IDs from it.
	ID string
	// Channel is the channel the message came through.
	Channel stats.Channel
	// Resident identifies the resident within the channel, e.g. "tg:4711"
	// or "web:<anonymous id>". Sessions and rate limits are per resident.
	Resident string
	// Chat identifies the conversation the message belongs to: the chat the
	// buttons of a reply are shown in. Button data is signed for its chat, so
	// a button copied into another chat is rejected. For a private chat it
	// may equal Resident.
	Chat string
	// Group is true for a message in a group chat: replies there are seen by
	// everyone, so nothing personal is shown.
	Group bool
	// Text is what the resident typed, untrusted. Empty for a button press.
	Text string
	// Data is the data of a pressed button, untrusted: it is verified before
	// it is acted on.
	Data string
	// Ref identifies, within Chat, the reply the pressed button was on (a
	// Telegram message id, a web reply id). A rating is counted once per Ref.
	Ref string
	// Time is when the message arrived; zero means now.
	Time time.Time
}

// Result is what lawbot does in response to a Message.
type Result struct {
	// Replies are the messages to send, in order.
	Replies []Reply
	// Notice is a short acknowledgement of a pressed button, shown briefly
	// (Telegram: the answerCallbackQuery text).
	Notice string
}

// Reply is one message to the resident. Exactly one of Text and Answer is
// set: channels show Text as it is and format Answer in their own way.
type Reply struct {
	// Text is plain text.
	Text string
	// Answer is a composed answer to a legal question.
	Answer *answer.Answer
	// Buttons are rows of buttons shown under the reply.
	Buttons [][]Button
	// File is a document sent with the reply (an export, a poster); Text
	// is its caption. Channels that cannot send files show Text only.
	File *File
}

// File is a document a reply carries.
type File struct {
	Name string // file name with extension, e.g. "统计-2026.xlsx"
	Data []byte
}

// MaxFileSize is the largest file a reply may carry (the Bot API's limit
// for uploads is 50 MB).
const MaxFileSize = 50 << 20

// Button is an inline button under a reply.
type Button struct {
	// Text is the label.
	Text string
	// Data is signed, opaque to channels, at most MaxDataLen bytes; the
	// channel hands it back in Message.Data when the button is pressed.
	Data string
	// Rating marks the helpful / not helpful buttons, which a channel may
	// disable once one of them was pressed.
	Rating bool
}

// MaxDataLen is the longest button data, Telegram's callback_data limit.
const MaxDataLen = 64
