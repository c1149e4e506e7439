package bot

import (
	"context"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// Session is what lawbot remembers of one resident between messages. It
// holds no question text: the last answer is remembered by its entry id.
type Session struct {
	// Community is the name of the resident's community, "" until chosen.
	Community string `json:"com,omitempty"`
	// LastEntry is the entry of the last confident answer, for follow-up
	// questions such as "那需要什么材料？".
	LastEntry string `json:"last,omitempty"`
	// LastAt is when LastEntry was answered.
	LastAt time.Time `json:"at,omitzero"`
	// Rated lists the replies (Message.Ref) the resident already rated,
	// newest last, at most maxRated.
	Rated []string `json:"rated,omitempty"`
	// Nudged is set once the resident was asked to choose a community.
	Nudged bool `json:"nudged,omitempty"`
	// Form is a mediation request being filled in.
	Form *Form `json:"form,omitempty"`
	// Hook is a form of the campaigns hook being filled in.
	Hook HookForm `json:"hook,omitzero"`
}

// HookForm is a guided form the campaigns hook runs with a volunteer or
// staff member: creating a campaign, logging an offline activity. Core
// keeps it in the session, hands it to the hook with every message and
// button press of the resident, and drops it on /cancel, when the resident
// starts another form, or after hookFormIdle. It is a plain value, so that
// sessions copy it whole.
type HookForm struct {
	// State is the hook's own encoding of the form, opaque to Core; ""
	// when no form is open.
	State string `json:"s,omitempty"`
	// Last is the ID of the last message the hook took as form input. A
	// redelivery of it goes to the hook again, also after the form ended,
	// so that the hook can answer it as before instead of as a question.
	Last string `json:"last,omitempty"`
	// Updated is when State last changed.
	Updated time.Time `json:"t,omitzero"`
}

// Form is a mediation request in progress.
type Form struct {
	Step        string    `json:"step"`
	Kind        string    `json:"kind,omitempty"`
	Description string    `json:"desc,omitempty"`
	Phone       string    `json:"phone,omitempty"`
	Updated     time.Time `json:"t"`
}

// Mediation form steps.
const (
	stepCommunity = "community"
	stepKind      = "kind"
	stepDesc      = "desc"
	stepPhone     = "phone"
	stepConfirm   = "confirm"
)

const maxRated = 20

// Sessions keeps residents' sessions. A resident without one gets the zero
// Session and no error.
type Sessions interface {
	Session(ctx context.Context, resident string) (Session, error)
	SaveSession(ctx context.Context, resident string, s Session) error
}

// MediationRequest is a resident's request for people's mediation, for the
// community's mediation committee to follow up. It holds the contact the
// resident gave for this purpose and no channel id.
type MediationRequest struct {
	// ID is the idempotency key: adding a request with a known ID is a no-op.
	ID string `json:"id"`
	// Number is the short number the resident is told, e.g. "M7Q2KX".
	Number      string        `json:"no"`
	Time        time.Time     `json:"t"`
	Community   string        `json:"com"`
	Channel     stats.Channel `json:"ch"`
	Kind        string        `json:"kind,omitempty"` // a knowledge category key, or "" for other
	Description string        `json:"desc"`
	Phone       string        `json:"phone"`
}

// Mediations keeps mediation requests until the retention period ends.
type Mediations interface {
	AddMediation(ctx context.Context, r MediationRequest) error
	// Mediations returns up to limit requests, newest first.
	Mediations(ctx context.Context, limit int) ([]MediationRequest, error)
}
