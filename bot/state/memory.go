package state

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/lawbot/lawbot/bot"
)

// Memory keeps everything in memory: for tests and trials. It is lost when
// the process ends.
type Memory struct {
	opts Options

	mu         sync.Mutex
	sessions   map[string]storedSession
	mediations []bot.MediationRequest // oldest first
	done       map[int64]time.Time
	busy       map[int64]bool
	inbox      map[int64][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory(opts Options) *Memory {
	return &Memory{
		opts: opts.withDefaults(), sessions: map[string]storedSession{},
		done: map[int64]time.Time{}, busy: map[int64]bool{}, inbox: map[int64][]byte{},
	}
}

// Session returns the resident's session, or the zero Session.
func (m *Memory) Session(_ context.Context, resident string) (bot.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[resident]
	if !ok || m.opts.Now().Sub(s.T) > m.opts.SessionTTL {
		return bot.Session{}, nil
	}
	return cloneSession(s.S), nil
}

// SaveSession stores the resident's session.
func (m *Memory) SaveSession(_ context.Context, resident string, s bot.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[resident] = storedSession{S: cloneSession(s), T: m.opts.Now()}
	return nil
}

func cloneSession(s bot.Session) bot.Session {
	s.Rated = slices.Clone(s.Rated)
	if s.Form != nil {
		f := *s.Form
		s.Form = &f
	}
	return s
}

// AddMediation keeps r unless a request with its ID is kept already.
func (m *Memory) AddMediation(_ context.Context, r bot.MediationRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, old := range m.mediations {
		if old.ID == r.ID {
			return nil
		}
	}
	m.mediations = append(m.mediations, r)
	return nil
}

// Mediations returns up to limit requests within retention, newest first.
func (m *Memory) Mediations(_ context.Context, limit int) ([]bot.MediationRequest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cutoff := m.opts.Now().Add(-m.opts.MediationRetention)
	var out []bot.MediationRequest
	for i := len(m.mediations) - 1; i >= 0 && len(out) < clampLimit(limit); i-- {
		if r := m.mediations[i]; r.Time.After(cutoff) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Claim reserves update id for handling.
func (m *Memory) Claim(_ context.Context, id int64) (Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.done[id]; ok && m.opts.Now().Sub(t) <= m.opts.UpdateTTL {
		return Handled, nil
	}
	if m.busy[id] {
		return Busy, nil
	}
	m.busy[id] = true
	return Claimed, nil
}

// Done marks update id handled and drops it from the inbox.
func (m *Memory) Done(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.busy, id)
	delete(m.inbox, id)
	m.done[id] = m.opts.Now()
	return nil
}

// Release drops the claim on update id so that it can be handled again.
func (m *Memory) Release(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.busy, id)
	return nil
}

// Receive keeps received updates until they are Done.
func (m *Memory) Receive(_ context.Context, updates map[int64][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, raw := range updates {
		if _, done := m.done[id]; !done {
			m.inbox[id] = slices.Clone(raw)
		}
	}
	return nil
}

// Pending returns the updates received and not yet Done.
func (m *Memory) Pending(_ context.Context) (map[int64][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[int64][]byte, len(m.inbox))
	for id, raw := range m.inbox {
		out[id] = slices.Clone(raw)
	}
	return out, nil
}

// Close does nothing.
func (m *Memory) Close() error { return nil }
