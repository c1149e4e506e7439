package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/lawbot/lawbot/stats"
)

// Recipient states: the first byte of a recipient's value in a broadcast.
// The next 8 bytes are the unix milliseconds of the last attempt to send.
const (
	statePending = 'p'
	// stateSending is written, and committed, before the send. A recipient
	// found in it when a broadcast starts was in flight when the process
	// died: it may or may not have the message, and it is sent again.
	stateSending = 'i'
	stateSent    = 's'
	stateGone    = 'g'
)

// Broadcast states in Progress.State.
const (
	BroadcastSending = "sending"
	BroadcastDone    = "done"
	BroadcastHalted  = "halted"
)

// Progress is the state of one campaign's broadcast.
type Progress struct {
	Campaign string `json:"campaign"`
	State    string `json:"state"`
	// Total is the number of subscribers when the broadcast started.
	Total int `json:"total"`
	// Sent is the recipients Telegram accepted the message for.
	Sent int `json:"sent"`
	// Gone is the recipients unsubscribed because they blocked the bot or
	// their chat is gone.
	Gone int `json:"gone"`
	// Pending is the recipients still to reach.
	Pending int `json:"pending"`
	// Crashes is how often a run of the broadcast died with sends in flight;
	// Uncertain is how many sends were in flight then. Those recipients were
	// sent the message again and may have it twice.
	Crashes   int `json:"crashes"`
	Uncertain int `json:"uncertain"`
	// Halt says why a halted broadcast stopped.
	Halt string `json:"halt,omitempty"`
	// PausedUntil is the end of the last rate-limit pause.
	PausedUntil time.Time `json:"paused_until,omitzero"`
	Started     time.Time `json:"started,omitzero"`
	Updated     time.Time `json:"updated,omitzero"`
	Finished    time.Time `json:"finished,omitzero"`
}

// BroadcastOptions configure a Broadcaster. The zero value keeps within
// Telegram's limits for bots.
type BroadcastOptions struct {
	// Rate is the most messages sent per second overall; 0 means 25.
	Rate float64
	// PerChat is the least time between two messages to one chat; 0 means 1s.
	PerChat time.Duration
	// Window is the most sends in flight, and so the most residents who may
	// get the message twice after a crash; 0 means 25.
	Window int
	// Attempts is how often a transient failure (network, 5xx) is tried
	// before the run gives up, leaving the recipient pending; 0 means 3.
	Attempts int
	// Backoff is the wait after a transient failure; 0 means 1s.
	Backoff time.Duration
	// Lease, if set, makes only the replica holding it send.
	Lease *Lease
	// SettleWait is how long the outcomes of a batch already sent are
	// retried while the store cannot be reached (Redis restarting, say),
	// so that they are not sent again; 0 means half the lease's time to
	// live (no other replica can take over meanwhile), or 15s without a
	// lease. Past it the run stops, and the next resends that batch.
	SettleWait time.Duration
	// Recorder counts deliveries; nil counts nothing.
	Recorder Recorder
	// Compose makes the message for a chat; nil sends title and text.
	Compose func(c *Campaign, chat int64) (Message, error)
	// StatusDir, if set, receives campaign-status-<id>.json after every
	// batch, for `lawbot campaign status` while the server holds the file.
	StatusDir string
	// OnHalt, if set, is called when a broadcast halts, to alert the
	// volunteer or staff (the Progress carries the reason).
	OnHalt func(Progress)
	// Logger receives progress and errors; nil discards them.
	Logger *slog.Logger
}

// Broadcaster sends campaigns to every subscriber, paced, and resumes an
// interrupted broadcast where it stopped. Run at most one broadcast of a
// campaign at a time per file (with several replicas, set a Lease).
type Broadcaster struct {
	store Store
	send  Sender
	opt   BroadcastOptions
	lim   *limiter

	mu       sync.Mutex
	progress Progress
	lastSnap time.Time
}

// NewBroadcaster returns a Broadcaster sending through send.
func NewBroadcaster(store Store, send Sender, opt BroadcastOptions) *Broadcaster {
	if opt.Rate <= 0 {
		opt.Rate = 25
	}
	if opt.PerChat <= 0 {
		opt.PerChat = time.Second
	}
	if opt.Window <= 0 {
		opt.Window = 25
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 3
	}
	if opt.Backoff <= 0 {
		opt.Backoff = time.Second
	}
	if opt.SettleWait <= 0 {
		opt.SettleWait = 15 * time.Second
		if opt.Lease != nil {
			opt.SettleWait = opt.Lease.ttl / 2
		}
	}
	if opt.Compose == nil {
		opt.Compose = PlainMessage
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Broadcaster{store: store, send: send, opt: opt, lim: &limiter{interval: time.Duration(float64(time.Second) / opt.Rate)}}
}

// PlainMessage is the campaign's title in bold and its message, escaped.
func PlainMessage(c *Campaign, _ int64) (Message, error) {
	return Message{Text: "<b>" + html.EscapeString(c.Title) + "</b>\n\n" + html.EscapeString(c.Message)}, nil
}

// Status returns the progress of the broadcast running or last run.
func (b *Broadcaster) Status() Progress {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.progress
}

// outcome is what became of one send.
type outcome struct {
	chat  int64
	at    time.Time // last attempt
	state byte      // stateSent, stateGone, statePending, or stateSending if unknown
	err   error     // the error that left it pending
}

// Run broadcasts campaign id to the subscribers, or resumes its broadcast.
// It returns when every recipient was reached or unsubscribed (nil), when
// Telegram refused the message (ErrHalted), or on ctx's end or a transient
// failure that outlasted the retries (the broadcast can be run again).
func (b *Broadcaster) Run(ctx context.Context, id string) (Progress, error) {
	if l := b.opt.Lease; l != nil {
		ok, err := l.Acquire(ctx)
		if err != nil {
			return Progress{}, fmt.Errorf("campaign: broadcast %s: %w", id, err)
		}
		if !ok {
			return Progress{}, fmt.Errorf("campaign: broadcast %s: %w", id, ErrLeaseHeld)
		}
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		stop := l.hold(ctx, cancel)
		defer func() {
			stop()
			cancel(nil)
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer rcancel()
			if err := l.Release(rctx); err != nil {
				b.opt.Logger.Warn("campaign: release lease", "err", err)
			}
		}()
	}
	p, err := b.run(ctx, id)
	if cause := context.Cause(ctx); err != nil && errors.Is(cause, ErrLeaseLost) {
		err = fmt.Errorf("campaign: broadcast %s: %w", id, ErrLeaseLost)
	}
	return p, err
}

func (b *Broadcaster) run(ctx context.Context, id string) (Progress, error) {
	c, err := b.store.Get(ctx, id)
	if err != nil {
		return Progress{}, err
	}
	p, err := b.store.startBroadcast(ctx, id, time.Now())
	b.publish(p, true)
	if err != nil {
		return p, err
	}
	switch p.State {
	case BroadcastDone:
		return p, nil
	case BroadcastHalted:
		return p, fmt.Errorf("campaign: broadcast %s: %w: %s", id, ErrHalted, p.Halt)
	}
	b.opt.Logger.Info("campaign: broadcast", "campaign", id, "total", p.Total, "pending", p.Pending, "uncertain", p.Uncertain)
	var cursor string
	for {
		if err := ctx.Err(); err != nil {
			return b.Status(), fmt.Errorf("campaign: broadcast %s: %w", id, err)
		}
		batch, next, err := b.store.claim(ctx, id, cursor, b.opt.Window)
		if err != nil {
			return b.Status(), err
		}
		if len(batch) == 0 {
			p, err := b.store.finish(ctx, id, time.Now())
			b.publish(p, true)
			b.opt.Logger.Info("campaign: broadcast done", "campaign", id, "sent", p.Sent, "gone", p.Gone)
			return p, err
		}
		cursor = next
		outs, halt := b.sendBatch(ctx, c, batch)
		b.recordDeliveries(ctx, c, outs)
		var pause time.Time
		b.lim.mu.Lock()
		pause = b.lim.pausedUntil
		b.lim.mu.Unlock()
		p, err := b.settle(ctx, id, outs, halt, pause)
		b.publish(p, false)
		if err != nil {
			return p, err
		}
		if halt != "" {
			b.opt.Logger.Error("campaign: broadcast halted", "campaign", id, "err", halt)
			if b.opt.OnHalt != nil {
				b.opt.OnHalt(p)
			}
			return p, fmt.Errorf("campaign: broadcast %s: %w: %s", id, ErrHalted, halt)
		}
		for _, o := range outs {
			if o.state == statePending && o.err != nil {
				return p, fmt.Errorf("campaign: broadcast %s: chat %d: %w", id, o.chat, o.err)
			}
		}
	}
}

// settle records the outcomes of a batch sent, retrying for SettleWait
// while the store fails: also when ctx ends, since the messages are out.
// Settling twice is harmless: a recipient settled is no longer being sent
// to, and is skipped.
func (b *Broadcaster) settle(ctx context.Context, id string, outs []outcome, halt string, pause time.Time) (Progress, error) {
	ctx = context.WithoutCancel(ctx)
	deadline := time.Now().Add(b.opt.SettleWait)
	wait := 50 * time.Millisecond
	for {
		p, err := b.store.settle(ctx, id, outs, halt, pause, time.Now())
		if err == nil || time.Now().Add(wait).After(deadline) {
			return p, err
		}
		b.opt.Logger.Warn("campaign: broadcast progress not saved; retrying", "campaign", id, "err", err, "retry_in", wait)
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}

// sendBatch sends to every recipient of batch, at most Window at once.
func (b *Broadcaster) sendBatch(ctx context.Context, c *Campaign, batch []outcome) ([]outcome, string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		haltMu  sync.Mutex
		haltMsg string
	)
	outs := make([]outcome, len(batch))
	for i, r := range batch {
		wg.Go(func() {
			o := b.sendOne(ctx, c, r)
			var bad *BadRequestError
			if errors.As(o.err, &bad) {
				haltMu.Lock()
				if haltMsg == "" {
					haltMsg = bad.Description
				}
				haltMu.Unlock()
				cancel() // the rest would fail the same way
			}
			outs[i] = o
		})
	}
	wg.Wait()
	return outs, haltMsg
}

// sendOne sends to one recipient, waiting out rate limits and retrying
// transient failures.
func (b *Broadcaster) sendOne(ctx context.Context, c *Campaign, r outcome) outcome {
	msg, err := b.opt.Compose(c, r.chat)
	if err != nil {
		r.state, r.err = statePending, &BadRequestError{Description: err.Error()}
		return r
	}
	for attempt := 1; ; attempt++ {
		// One chat at most once per PerChat, across restarts too: r.at is
		// the last attempt, stored with the recipient.
		if err := sleepUntil(ctx, r.at.Add(b.opt.PerChat)); err != nil {
			r.state, r.err = statePending, err
			return r
		}
		if err := b.lim.wait(ctx); err != nil {
			r.state, r.err = statePending, err
			return r
		}
		r.at = time.Now()
		err := b.send.Send(ctx, r.chat, msg)
		var ra *RetryAfterError
		var bad *BadRequestError
		switch {
		case err == nil:
			r.state, r.err = stateSent, nil
			return r
		case errors.As(err, &ra):
			until := b.lim.pause(ra.After)
			b.opt.Logger.Warn("campaign: rate limited", "campaign", c.ID, "retry_after", ra.After, "until", until)
			continue
		case errors.Is(err, ErrBlocked), errors.Is(err, ErrChatGone):
			r.state, r.err = stateGone, nil
			return r
		case errors.As(err, &bad):
			r.state, r.err = statePending, err
			return r
		case ctx.Err() != nil:
			// The request may have reached Telegram: leave it in flight,
			// to be counted and sent again by the next run.
			r.state, r.err = stateSending, ctx.Err()
			return r
		case attempt >= b.opt.Attempts:
			r.state, r.err = statePending, err
			return r
		default:
			if err := sleepUntil(ctx, time.Now().Add(b.opt.Backoff)); err != nil {
				r.state, r.err = statePending, err
				return r
			}
		}
	}
}

// recordDeliveries counts the messages delivered. A delivery's event ID
// names campaign and chat, so a resend after a crash is not counted twice.
func (b *Broadcaster) recordDeliveries(ctx context.Context, c *Campaign, outs []outcome) {
	rec := b.opt.Recorder
	if rec == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, o := range outs {
		if o.state != stateSent {
			continue
		}
		err := rec.Record(ctx, stats.Event{
			ID: "campaign:" + c.ID + ":delivery:" + strconv.FormatInt(o.chat, 10), Kind: stats.KindCampaignDelivery,
			Time: o.at, Community: c.Community, Channel: stats.ChannelTelegram,
			Resident: "tg:" + strconv.FormatInt(o.chat, 10), Campaign: c.ID,
		})
		if err != nil {
			b.opt.Logger.Warn("campaign: record delivery", "campaign", c.ID, "err", err)
			return
		}
	}
}

func (b *Broadcaster) publish(p Progress, force bool) {
	b.mu.Lock()
	b.progress = p
	snap := b.opt.StatusDir != "" && (force || time.Since(b.lastSnap) >= time.Second)
	if snap {
		b.lastSnap = time.Now()
	}
	b.mu.Unlock()
	if snap && p.Campaign != "" {
		if err := writeSnapshot(b.opt.StatusDir, p); err != nil {
			b.opt.Logger.Warn("campaign: status snapshot", "err", err)
		}
	}
}

// SnapshotName is the status file a Broadcaster writes for a campaign.
func SnapshotName(id string) string { return "campaign-status-" + id + ".json" }

func writeSnapshot(dir string, p Progress) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, SnapshotName(p.Campaign)+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, SnapshotName(p.Campaign)))
}

// limiter spaces sends interval apart overall and stops them all during a
// rate-limit pause.
type limiter struct {
	interval time.Duration

	mu          sync.Mutex
	next        time.Time
	pausedUntil time.Time
}

// wait blocks until the caller may send.
func (l *limiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		t := time.Now()
		if l.next.After(t) {
			t = l.next
		}
		if l.pausedUntil.After(t) {
			t = l.pausedUntil
		}
		l.next = t.Add(l.interval)
		l.mu.Unlock()
		if err := sleepUntil(ctx, t); err != nil {
			return err
		}
		l.mu.Lock()
		paused := time.Now().Before(l.pausedUntil)
		l.mu.Unlock()
		if !paused {
			return nil
		}
	}
}

// pause stops all sending for d from now and returns its end.
func (l *limiter) pause(d time.Duration) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := time.Now().Add(d); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	return l.pausedUntil
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RunDue runs the broadcast of every campaign due at now, one after the
// other. Call it from a ticker: it is also how an interrupted broadcast
// resumes after a restart. Halted broadcasts and a lease held elsewhere are
// not errors here.
func (b *Broadcaster) RunDue(ctx context.Context, now time.Time) error {
	cs, err := Due(ctx, b.store, now)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cs {
		_, err := b.Run(ctx, c.ID)
		switch {
		case err == nil, errors.Is(err, ErrHalted), errors.Is(err, ErrLeaseHeld):
		default:
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
