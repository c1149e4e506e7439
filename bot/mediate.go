package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// disputeKinds are the choices of the mediation form: knowledge categories
// the mediation committees commonly handle, then "other" ("").
var disputeKinds = []string{"neighbor", "marriage", "elderly", "inheritance", "debt", "rental", "labor", "consumer", "injury", ""}

func kindName(kind string) string {
	if kind == "" {
		return txtOtherKind
	}
	if n := knowledge.CategoryName(kind); n != "" {
		return n
	}
	return txtOtherKind
}

func validKind(kind string) bool {
	for _, k := range disputeKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// startForm begins (or restarts) the mediation form.
func (c *Core) startForm(m Message, st *state) Result {
	if m.Group {
		return text(txtPrivateOnly)
	}
	st.Form = &Form{Step: stepKind, Updated: c.now()}
	st.Hook.State = "" // one form at a time
	if st.Community == "" && len(c.communities) > 0 {
		st.Form.Step = stepCommunity
	}
	st.touch()
	return Result{Replies: []Reply{{Text: txtMediateIntro}, c.formPrompt(m, st)}}
}

func (c *Core) cancelForm(st *state) Result {
	if st.Form == nil {
		return text(txtNothingCancel)
	}
	st.Form = nil
	st.touch()
	return text(txtMediateCancels)
}

// formPrompt asks for what the form's current step needs.
func (c *Core) formPrompt(m Message, st *state) Reply {
	f := st.Form
	switch f.Step {
	case stepCommunity:
		return Reply{Text: txtChooseCommunity, Buttons: c.communityButtons(m)}
	case stepKind:
		var rows [][]Button
		var r []Button
		for _, k := range disputeKinds {
			r = append(r, c.btn(m, kindName(k), "m", "k", orDash(k)))
			if len(r) == 2 {
				rows, r = append(rows, row(r...)), nil
			}
		}
		if len(r) > 0 {
			rows = append(rows, row(r...))
		}
		rows = append(rows, row(c.btn(m, txtMediateCancel, "m", "no")))
		return Reply{Text: txtMediateKind, Buttons: rows}
	case stepDesc:
		return Reply{Text: fmt.Sprintf(txtMediateDesc, maxFormText)}
	case stepPhone:
		return Reply{Text: txtMediatePhone}
	}
	com := st.Community
	if com == "" {
		com = NoCommunity
	}
	return Reply{
		Text: fmt.Sprintf(txtMediateConfirm, com, kindName(f.Kind), f.Description, f.Phone),
		Buttons: [][]Button{row(
			c.btn(m, txtMediateSubmit, "m", "ok"),
			c.btn(m, txtMediateCancel, "m", "no"),
		)},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// formInput takes typed text while the form is open.
func (c *Core) formInput(_ context.Context, m Message, st *state) (Result, error) {
	f := st.Form
	switch f.Step {
	case stepDesc:
		n := utf8.RuneCountInString(m.Text)
		switch {
		case n < 5:
			return text(txtMediateShort), nil
		case n > maxFormText:
			return text(fmt.Sprintf(txtMediateLong, maxFormText)), nil
		}
		f.Description, f.Step = m.Text, stepPhone
	case stepPhone:
		phone, ok := parsePhone(m.Text)
		if !ok {
			return text(txtMediateBadTel), nil
		}
		f.Phone, f.Step = phone, stepConfirm
	default:
		p := c.formPrompt(m, st)
		return Result{Replies: []Reply{{Text: txtMediatePress}, p}}, nil
	}
	f.Updated = c.now()
	st.touch()
	return Result{Replies: []Reply{c.formPrompt(m, st)}}, nil
}

var (
	mobile   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landline = regexp.MustCompile(`^0[0-9]{2,3}-?[0-9]{7,8}$`)
)

// parsePhone accepts a mainland mobile or landline number written with
// spaces, dashes or full-width digits, and returns it normalised.
func parsePhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '-' || r == '－':
			b.WriteByte('-')
		case r == ' ' || r == '　' || r == '+':
		default:
			return "", false
		}
	}
	p := strings.TrimPrefix(b.String(), "86")
	if mobile.MatchString(strings.ReplaceAll(p, "-", "")) {
		return strings.ReplaceAll(p, "-", ""), true
	}
	if landline.MatchString(p) {
		return p, true
	}
	return "", false
}

// formPress handles the form's buttons.
func (c *Core) formPress(ctx context.Context, m Message, st *state, act action) (Result, error) {
	f := st.Form
	if act.arg(0) == "no" {
		if f == nil {
			return Result{Notice: txtMediateGone}, nil
		}
		return c.cancelForm(st), nil
	}
	if f == nil {
		return Result{Notice: txtMediateGone, Replies: []Reply{{Text: txtMediateGone}}}, nil
	}
	switch {
	case act.arg(0) == "k" && f.Step == stepKind:
		kind := act.arg(1)
		if kind == "-" {
			kind = ""
		}
		if !validKind(kind) {
			return Result{Notice: txtForged}, nil
		}
		f.Kind, f.Step, f.Updated = kind, stepDesc, c.now()
		st.touch()
		return Result{Notice: kindName(kind), Replies: []Reply{c.formPrompt(m, st)}}, nil
	case act.arg(0) == "ok" && f.Step == stepConfirm:
		return c.submitForm(ctx, m, st)
	}
	// A button of an earlier step: show the current one again.
	return Result{Replies: []Reply{c.formPrompt(m, st)}}, nil
}

// submitForm keeps the request, counts it and tells the resident its number.
func (c *Core) submitForm(ctx context.Context, m Message, st *state) (Result, error) {
	f := st.Form
	e := c.event(m, st, stats.KindMediation, m.ID)
	e.Category = f.Kind
	req := MediationRequest{
		ID: m.ID, Number: requestNumber(m.ID), Time: c.now(), Community: e.Community,
		Channel: m.Channel, Kind: f.Kind, Description: f.Description, Phone: f.Phone,
	}
	if err := c.mediations.AddMediation(ctx, req); err != nil {
		// Keep the form so that the resident can press submit again.
		return Result{Notice: txtBusy, Replies: []Reply{{Text: txtBusy}}}, fmt.Errorf("bot: keep mediation request: %w", err)
	}
	st.Form = nil
	st.touch()
	c.record(ctx, st, e)
	com := st.Community
	if com == "" {
		com = "街道"
	}
	return Result{Notice: txtMediateSubmit, Replies: []Reply{{Text: fmt.Sprintf(txtMediateDone, req.Number, com)}}}, nil
}

// requestNumber derives the short number a resident quotes from the
// request's idempotency key, so that a retried submit gets the same number.
func requestNumber(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "M" + base32.StdEncoding.EncodeToString(sum[:5])[:6]
}
