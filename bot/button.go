package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Button data is "<op>|<arg>|<arg>~<mac>": a short payload and an HMAC of
// the chat and the payload, so that a resident cannot make up data (rate an
// answer five times, pick a community that does not exist, reach another
// command's state) and a button copied into another chat does not work.
//
// Ops:
//
//	c|<community ref>          choose a community
//	t                          list the categories
//	t|<category>|<page>        list a category's questions
//	q|<entry ref>              show an entry's answer
//	r|<entry ref or ->|<1|5>   rate an answer
//	a                          the legal adviser
//	l                          legal aid
//	m|k|<kind>  m|ok  m|no     the mediation form
//	x|<data>                   the campaigns hook
const (
	sigSep = "~"
	argSep = "|"
	sigLen = 11 // base64 characters of the MAC kept: 66 bits
)

// ErrForged is returned for button data that was not made by this lawbot for
// this chat, or is malformed.
var ErrForged = errors.New("bot: forged or malformed button data")

// action is verified button data.
type action struct {
	op   string
	args []string
}

// arg returns argument i, or "" when there are fewer.
func (a action) arg(i int) string {
	if i < len(a.args) {
		return a.args[i]
	}
	return ""
}

// signer signs and verifies button data.
type signer struct{ key []byte }

func (s signer) mac(chat, payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(chat))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:sigLen]
}

// sign returns the data for a button with op and args in chat.
func (s signer) sign(chat, op string, args ...string) (string, error) {
	payload := op
	for _, a := range args {
		if strings.Contains(a, argSep) || strings.Contains(a, sigSep) {
			return "", fmt.Errorf("bot: button argument %q contains a separator", a)
		}
		payload += argSep + a
	}
	data := payload + sigSep + s.mac(chat, payload)
	if len(data) > MaxDataLen {
		return "", fmt.Errorf("bot: button data for %q is %d bytes, over %d", op, len(data), MaxDataLen)
	}
	return data, nil
}

// verify checks data against chat and decodes it.
func (s signer) verify(chat, data string) (action, error) {
	if len(data) > MaxDataLen {
		return action{}, ErrForged
	}
	payload, sig, ok := cutLast(data, sigSep)
	if !ok || len(sig) != sigLen || payload == "" {
		return action{}, ErrForged
	}
	if !hmac.Equal([]byte(sig), []byte(s.mac(chat, payload))) {
		return action{}, ErrForged
	}
	parts := strings.Split(payload, argSep)
	return action{op: parts[0], args: parts[1:]}, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// shortRef is a stable 8-character reference to a longer key (an entry id,
// a community name) that fits in button data.
func shortRef(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}
