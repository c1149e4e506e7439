package bot

import (
	"context"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/stats"
)

// Answerer composes answers; *answer.Composer is one.
type Answerer interface {
	// Ask answers a question a resident typed.
	Ask(ctx context.Context, question string) (answer.Answer, error)
	// Entry answers with one knowledge-base entry the resident picked.
	Entry(id string) (answer.Answer, error)
}

// Recorder counts what happened; a stats.Store is one. Recording must be
// idempotent by event Kind and ID.
type Recorder interface {
	Record(ctx context.Context, e stats.Event) error
}

// Campaigns is what the chat needs of the monthly legal-education campaigns.
// Without one, lawbot tells residents that no campaign is running.
type Campaigns interface {
	// Campaign answers /campaign: the running campaign, if any.
	Campaign(ctx context.Context, m Message) (Result, error)
	// Subscribe answers /subscribe (on) and /unsubscribe (off).
	Subscribe(ctx context.Context, m Message, on bool) (Result, error)
	// Start answers /start with a deep-link payload such as "ev_42"
	// (event check-in from a poster's QR code).
	Start(ctx context.Context, m Message, payload string) (Result, error)
	// Press handles a pressed button made by Core.CampaignButton, with the
	// verified data given to it. form is the resident's hook form, which
	// the hook may start, change or end.
	Press(ctx context.Context, m Message, data string, form *HookForm) (Result, error)
	// Command answers a command Core does not know: the volunteers',
	// staff's and admins' commands (which are not in Commands). handled is
	// false when the hook does not know it either. The hook checks the
	// sender's role and the chat type itself: deny by default.
	Command(ctx context.Context, m Message, name, arg string, form *HookForm) (res Result, handled bool, err error)
	// Input takes text typed in a private chat while the hook's form is
	// open, or a redelivery of the text that last went to the form.
	Input(ctx context.Context, m Message, form *HookForm) (Result, error)
}

// Roles tells staff from residents. Without one, everyone is a resident.
type Roles interface {
	IsStaff(ctx context.Context, resident string) bool
}

// StaffList is Roles from a fixed set of residents (e.g. "tg:4711").
type StaffList map[string]bool

// IsStaff reports whether resident is in the list.
func (s StaffList) IsStaff(_ context.Context, resident string) bool { return s[resident] }
