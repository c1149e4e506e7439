// Package state keeps the conversation's own data: residents' sessions,
// mediation requests, and for Telegram which updates were handled (so that
// a redelivered update is answered once) and which were received but not
// yet handled (so that none is lost when lawbot stops).
//
// Three backends: Memory for tests, Bolt (a file in the data directory, for
// one machine: the default and the only one holding an inbox for long
// polling) and Redis (for several replicas behind a load balancer in
// webhook mode). All pass the same conformance tests.
package state

import (
	"time"

	"github.com/lawbot/lawbot/bot"
)

// Options configure retention. Zero fields take the defaults.
type Options struct {
	// SessionTTL is how long an idle resident's session is kept; 0 means
	// 180 days.
	SessionTTL time.Duration
	// MediationRetention is how long mediation requests (with the phone
	// number residents gave) are kept; 0 means 90 days.
	MediationRetention time.Duration
	// UpdateTTL is how long handled update ids are remembered; 0 means 48
	// hours (Telegram keeps undelivered updates for 24).
	UpdateTTL time.Duration
	// ClaimTTL is how long a claim on an update being handled lasts before
	// another replica may take it over (Redis); 0 means 2 minutes.
	ClaimTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults for Options.
const (
	DefaultSessionTTL         = 180 * 24 * time.Hour
	DefaultMediationRetention = 90 * 24 * time.Hour
	DefaultUpdateTTL          = 48 * time.Hour
	DefaultClaimTTL           = 2 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.MediationRetention <= 0 {
		o.MediationRetention = DefaultMediationRetention
	}
	if o.UpdateTTL <= 0 {
		o.UpdateTTL = DefaultUpdateTTL
	}
	if o.ClaimTTL <= 0 {
		o.ClaimTTL = DefaultClaimTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Interface checks: every backend keeps sessions and mediation requests.
var (
	_ bot.Sessions   = (*Memory)(nil)
	_ bot.Mediations = (*Memory)(nil)
	_ bot.Sessions   = (*Bolt)(nil)
	_ bot.Mediations = (*Bolt)(nil)
	_ bot.Sessions   = (*Redis)(nil)
	_ bot.Mediations = (*Redis)(nil)
)

// Claim is what claiming an update found.
type Claim int

const (
	// Claimed: the caller handles the update, then calls Done or Release.
	Claimed Claim = iota
	// Handled: the update was handled before; it must not be answered again.
	Handled
	// Busy: the update is being handled (by this process or, with Redis,
	// another replica). If that handler dies, the claim lapses after
	// ClaimTTL (Redis) or with the process (Bolt, Memory).
	Busy
)

// storedSession is a session with the time it was saved, for expiry.
type storedSession struct {
	S bot.Session `json:"s"`
	T time.Time   `json:"t"`
}

func clampLimit(limit int) int {
	if limit <= 0 || limit > 1000 {
		return 1000
	}
	return limit
}
