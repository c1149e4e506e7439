package admin

import (
	"slices"

	"golang.org/x/crypto/bcrypt"
)

// QuickHash hashes like HashPassword at bcrypt's lowest cost, to keep the
// tests fast under -race.
func QuickHash(password string) (string, error) { return hashPassword(password, bcrypt.MinCost) }

// Patterns returns the routes the handler serves, e.g. "GET /admin/{$}",
// so that the access tests can check they cover every one.
func (h *Handler) Patterns() []string { return slices.Clone(h.patterns) }
