package admin

import (
	"net/http"

	"golang.org/x/crypto/bcrypt"
)

// QuickHash hashes like HashPassword at bcrypt's lowest cost, to keep the
// tests fast under -race.
func QuickHash(password string) (string, error) { return hashPassword(password, bcrypt.MinCost) }

// SessionCookie logs user in without the form, for the browser test.
func (h *Handler) SessionCookie(user string) *http.Cookie {
	id, _ := h.sessions.create(user)
	return &http.Cookie{Name: sessionCookie, Value: id, Path: Prefix}
}
