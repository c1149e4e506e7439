package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sender delivers one message to one chat. Implementations return the errors
// below so the Broadcaster can tell a rate limit from a resident who left;
// any other error is taken as transient and retried.
type Sender interface {
	Send(ctx context.Context, chatID int64, msg Message) error
}

// Message is what is sent: HTML text (already escaped) and inline buttons.
type Message struct {
	Text    string
	Buttons [][]Button
}

// Button is an inline button; Data is signed callback data.
type Button struct {
	Text string
	Data string
}

// Errors a Sender returns.
var (
	// ErrBlocked means the resident blocked the bot (Telegram 403).
	ErrBlocked = errors.New("campaign: bot blocked by the user")
	// ErrChatGone means the chat no longer exists or the user was
	// deactivated (Telegram 400 "chat not found").
	ErrChatGone = errors.New("campaign: chat not found")
)

// RetryAfterError is a rate limit (Telegram 429): nothing may be sent to
// anyone for After.
type RetryAfterError struct {
	After time.Duration
}

// Error describes the rate limit.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("campaign: rate limited, retry after %s", e.After)
}

// BadRequestError is a request Telegram refused for a reason that would
// apply to every recipient (Telegram 400: a formatting error, text too long).
type BadRequestError struct {
	Description string
}

// Error describes the refused request.
func (e *BadRequestError) Error() string {
	return "campaign: bad request: " + e.Description
}
