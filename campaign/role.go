package campaign

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Role is what a user may do. Anyone not granted a role is a resident.
type Role string

// Roles, from least to most trusted.
const (
	RoleResident  Role = "resident"
	RoleVolunteer Role = "volunteer"
	RoleStaff     Role = "staff"
	RoleAdmin     Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleResident:
		return 1
	case RoleVolunteer:
		return 2
	case RoleStaff:
		return 3
	case RoleAdmin:
		return 4
	}
	return 0
}

// Label is the role's name in Chinese.
func (r Role) Label() string {
	return map[Role]string{RoleResident: "居民", RoleVolunteer: "志愿者", RoleStaff: "工作人员", RoleAdmin: "管理员"}[r]
}

// ParseRole parses a role name, in English or Chinese.
func ParseRole(s string) (Role, error) {
	for _, r := range []Role{RoleResident, RoleVolunteer, RoleStaff, RoleAdmin} {
		if s == string(r) || s == r.Label() {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: 未知角色 %q", ErrInvalid, s)
}

// Action is something a handler does on a user's behalf.
type Action string

// Actions, by the least role allowed to do them.
const (
	// Residents.
	ActSubscribe Action = "subscribe" // /subscribe, /unsubscribe
	ActView      Action = "view"      // /campaign, mark as read
	ActAnswer    Action = "answer"    // answer a quiz question
	ActSignup    Action = "signup"    // sign up for an event
	ActCheckIn   Action = "checkin"   // /start ev_<id>
	// Volunteers.
	ActCreate   Action = "create"   // create a campaign
	ActPreview  Action = "preview"  // preview a campaign
	ActSend     Action = "send"     // schedule or send a campaign
	ActStatus   Action = "status"   // see broadcast progress
	ActActivity Action = "activity" // log a lecture, leaflets, banners, visits
	// Staff.
	ActResume   Action = "resume"   // resume a halted broadcast
	ActCalendar Action = "calendar" // edit the theme calendar
	ActCorrect  Action = "correct"  // list and correct logged activities
	// Admins.
	ActGrant Action = "grant" // grant and revoke roles
)

// minRole is the least role allowed each action. An action not listed is
// denied to everyone.
var minRole = map[Action]Role{
	ActSubscribe: RoleResident, ActView: RoleResident, ActAnswer: RoleResident, ActSignup: RoleResident, ActCheckIn: RoleResident,
	ActCreate: RoleVolunteer, ActPreview: RoleVolunteer, ActSend: RoleVolunteer, ActStatus: RoleVolunteer, ActActivity: RoleVolunteer,
	ActResume: RoleStaff, ActCalendar: RoleStaff, ActCorrect: RoleStaff,
	ActGrant: RoleAdmin,
}

// Actions lists every action.
func Actions() []Action {
	return []Action{ActSubscribe, ActView, ActAnswer, ActSignup, ActCheckIn, ActCreate, ActPreview, ActSend, ActStatus, ActActivity, ActResume, ActCalendar, ActCorrect, ActGrant}
}

// Allowed reports whether role r may do a: deny by default.
func Allowed(r Role, a Action) bool {
	min, ok := minRole[a]
	return ok && r.rank() > 0 && r.rank() >= min.rank()
}

// Grant is a recorded change of a user's role.
type Grant struct {
	By   int64     `json:"by"`
	User int64     `json:"user"`
	Role Role      `json:"role"` // RoleResident for a revocation
	At   time.Time `json:"at"`
}

// Roles tells what users may do: admins (and staff) from configuration,
// other roles as granted by an admin and stored.
type Roles struct {
	store  Store
	admins map[int64]bool
	staff  map[int64]bool // configured staff: at least RoleStaff
	log    *slog.Logger
}

// NewRoles returns Roles with the given admins (Telegram user ids).
func NewRoles(store Store, admins []int64) *Roles {
	r := &Roles{store: store, admins: map[int64]bool{}, staff: map[int64]bool{}, log: slog.New(slog.DiscardHandler)}
	for _, a := range admins {
		r.admins[a] = true
	}
	return r
}

// Role returns user's role. If the store cannot be read, a granted role is
// not known and the user is a resident (configured admins and staff keep
// theirs): access is denied by default.
func (r *Roles) Role(user int64) Role {
	if r.admins[user] {
		return RoleAdmin
	}
	role, err := r.store.role(context.Background(), user)
	if err != nil {
		r.log.Warn("campaign: role not read; treated as resident", "err", err)
		role = RoleResident
	}
	if r.staff[user] && role.rank() < RoleStaff.rank() {
		role = RoleStaff
	}
	return role
}

// Can reports whether user may do a.
func (r *Roles) Can(user int64, a Action) bool { return Allowed(r.Role(user), a) }

// IsStaff reports whether resident (e.g. "tg:4711") is staff or admin. It
// makes Roles a bot.Roles.
func (r *Roles) IsStaff(_ context.Context, resident string) bool {
	id, err := strconv.ParseInt(strings.TrimPrefix(resident, "tg:"), 10, 64)
	if err != nil || !strings.HasPrefix(resident, "tg:") {
		return false
	}
	return r.Role(id).rank() >= RoleStaff.rank()
}

// Grant gives user role, on admin by's authority, and records it. Admins
// are named in configuration only; granting RoleResident revokes.
func (r *Roles) Grant(by, user int64, role Role, at time.Time) error {
	if !r.Can(by, ActGrant) {
		return ErrForbidden
	}
	if role.rank() == 0 || role == RoleAdmin {
		return fmt.Errorf("%w: 只能授予志愿者或工作人员角色", ErrInvalid)
	}
	if r.admins[user] {
		return fmt.Errorf("%w: 管理员由配置指定", ErrInvalid)
	}
	return r.store.grant(context.Background(), Grant{By: by, User: user, Role: role, At: at})
}

// Revoke makes user a resident again.
func (r *Roles) Revoke(by, user int64, at time.Time) error {
	return r.Grant(by, user, RoleResident, at)
}

// Grants returns every recorded grant and revocation, oldest first.
func (r *Roles) Grants() ([]Grant, error) { return r.store.grants(context.Background()) }
