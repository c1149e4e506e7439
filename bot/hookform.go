package bot

import "context"

// The campaigns hook runs forms of its own (see HookForm); Core keeps their
// state in the session and routes to the hook what belongs to them.

// hookCommand hands a command Core does not know to the campaigns hook.
func (c *Core) hookCommand(ctx context.Context, m Message, st *state, name, arg string) (Result, error) {
	if c.campaigns == nil {
		return text(txtUnknownCmd), nil
	}
	f := st.Hook
	res, handled, err := c.campaigns.Command(ctx, m, name, arg, &f)
	if !handled && err == nil {
		return text(txtUnknownCmd), nil
	}
	c.setHook(st, f)
	return res, err
}

// hookInputs reports whether typed text goes to the hook's form: in a
// private chat while it is open, or a redelivery of the text that last
// went to it.
func (c *Core) hookInputs(m Message, st *state) bool {
	return c.campaigns != nil && !m.Group && (st.Hook.State != "" || m.ID != "" && st.Hook.Last == m.ID)
}

func (c *Core) hookInput(ctx context.Context, m Message, st *state) (Result, error) {
	f := st.Hook
	f.Last = m.ID
	res, err := c.campaigns.Input(ctx, m, &f)
	c.setHook(st, f)
	return res, err
}

func (c *Core) hookPress(ctx context.Context, m Message, st *state, data string) (Result, error) {
	if c.campaigns == nil {
		return Result{Notice: txtNoCampaign}, nil
	}
	f := st.Hook
	res, err := c.campaigns.Press(ctx, m, data, &f)
	c.setHook(st, f)
	return res, err
}

// setHook keeps the hook form f in the session if it changed. A hook form
// being opened closes the mediation form: one form at a time.
func (c *Core) setHook(st *state, f HookForm) {
	if f.State == st.Hook.State && f.Last == st.Hook.Last {
		return
	}
	if f.State != st.Hook.State {
		f.Updated = c.now()
	}
	if f.State != "" {
		st.Form = nil
	}
	st.Hook = f
	st.touch()
}

func (c *Core) cancelHook(st *state) Result {
	st.Hook.State = ""
	st.touch()
	return text(txtHookCancelled)
}
