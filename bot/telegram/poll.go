package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
)

// job is one received update waiting for a worker.
type job struct {
	id  int64
	raw []byte
}

// Poll receives updates by long polling until ctx ends, then lets the
// updates being handled finish (for at most the grace period) and returns.
// Updates still waiting are in the inbox and are handled by the next Poll.
func (b *Bot) Poll(ctx context.Context) error {
	if b.inbox == nil {
		return errors.New("telegram: long polling needs an inbox")
	}
	// getUpdates does not work while a webhook is set.
	if err := b.call(ctx, "deleteWebhook", func(ctx context.Context) error {
		_, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
		return err
	}); err != nil {
		b.log.Warn("telegram: deleting webhook before polling", "err", err)
	}

	// Handling goes on after ctx ends, until the grace period is over.
	hctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	shards := make([]chan job, b.workers)
	var wg sync.WaitGroup
	mk := newMarker(b)
	defer mk.close() // after the workers, which mark
	for i := range shards {
		shards[i] = make(chan job, 16)
		wg.Add(1)
		go func(jobs <-chan job) {
			defer wg.Done()
			for j := range jobs {
				if hctx.Err() != nil {
					continue // left in the inbox for the next start
				}
				b.work(ctx, hctx, j, mk)
			}
		}(shards[i])
	}

	err := b.receive(ctx, shards)

	for _, s := range shards {
		close(s)
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(b.grace):
		b.log.Warn("telegram: grace period over; unhandled updates stay in the inbox")
		stop()
		<-finished
	}
	return err
}

// work handles one job from the inbox. Marking it done, a disk write, is
// left to the background: until it lands the update stays claimed, so a
// redelivery is still skipped.
func (b *Bot) work(ctx, hctx context.Context, j job, mk *marker) {
	err := b.handleThen(hctx, j.id, j.raw, func(_ context.Context, id int64) error {
		mk.mark(id)
		return nil
	})
	switch {
	case err == nil, errors.Is(err, errBusy):
	case ctx.Err() != nil:
		// Stopping: the claim was released and the update is still in the
		// inbox, so the next start handles it.
		b.log.Info("telegram: update left for next start", "update_id", j.id, "err", err)
	default:
		// Replies could not be sent (the resident blocked the bot, the Bot
		// API kept failing). Retrying later would answer out of order, so
		// the update is given up.
		b.log.Error("telegram: update not answered", "update_id", j.id, "err", err)
		if derr := b.journal.Done(hctx, j.id); derr != nil {
			b.log.Error("telegram: marking update done", "update_id", j.id, "err", derr)
		}
	}
}

// doneMany is a journal that marks many updates done in one write.
type doneMany interface {
	DoneMany(ctx context.Context, ids []int64) error
}

// marker marks handled updates done in the background, one goroutine
// writing whatever has been handled since its last write: under load each
// write covers many updates, and no goroutine waits for a commit per update.
type marker struct {
	b    *Bot
	ids  chan int64
	done chan struct{}
}

// maxMark is the most updates one write marks, and markEvery how long the
// marker waits after a write for more to gather: the file has one writer at
// a time, and receiving updates must not queue behind back-to-back marks.
const (
	maxMark   = 1024
	markEvery = 20 * time.Millisecond
)

func newMarker(b *Bot) *marker {
	m := &marker{b: b, ids: make(chan int64, 4*maxMark), done: make(chan struct{})}
	go m.run()
	return m
}

// mark queues id to be marked done; it waits only when the writes fall
// far behind.
func (m *marker) mark(id int64) { m.ids <- id }

// close marks what is queued and stops.
func (m *marker) close() {
	close(m.ids)
	<-m.done
}

func (m *marker) run() {
	defer close(m.done)
	ctx := context.Background()
	many, _ := m.b.journal.(doneMany)
	batch := make([]int64, 0, maxMark)
	var wait <-chan time.Time
	for id := range m.ids {
		if wait != nil && len(m.ids) < cap(m.ids)/2 {
			<-wait
		}
		batch = append(batch[:0], id)
	more:
		for len(batch) < maxMark {
			select {
			case id, ok := <-m.ids:
				if !ok {
					break more
				}
				batch = append(batch, id)
			default:
				break more
			}
		}
		if many != nil {
			if err := many.DoneMany(ctx, batch); err != nil {
				m.b.log.Error("telegram: marking updates done", "updates", len(batch), "err", err)
			}
			wait = time.After(markEvery)
			continue
		}
		for _, id := range batch {
			if err := m.b.journal.Done(ctx, id); err != nil {
				m.b.log.Error("telegram: marking update done", "update_id", id, "err", err)
			}
		}
	}
}

// receive polls until ctx ends. Each batch is kept in the inbox before it
// is confirmed, which the next getUpdates does by asking for a higher
// offset; updates left in the inbox by an earlier run go first.
func (b *Bot) receive(ctx context.Context, shards []chan job) error {
	pending, err := b.inbox.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		b.log.Info("telegram: handling updates left from the last run", "count", len(pending))
	}
	b.dispatch(ctx, shards, pending)

	var offset int64
	var backoff time.Duration
	for ctx.Err() == nil {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
		}
		batch, retryAfter, err := b.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			backoff = max(retryAfter, min(max(2*backoff, 100*time.Millisecond), 5*time.Second))
			b.log.Warn("telegram: getUpdates", "err", err, "retry_in", backoff)
			continue
		}
		if err := b.inbox.Receive(ctx, batch); err != nil {
			// Not confirmed: Telegram sends the batch again.
			backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
			b.log.Error("telegram: keeping updates in the inbox", "err", err)
			continue
		}
		backoff = 0
		for id := range batch {
			offset = max(offset, id+1)
		}
		b.dispatch(ctx, shards, batch)
	}
	return nil
}

// dispatch hands updates to workers in update order, each chat always to
// the same worker so that a chat's updates are answered in order.
func (b *Bot) dispatch(ctx context.Context, shards []chan job, batch map[int64][]byte) {
	ids := make([]int64, 0, len(batch))
	for id := range batch {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		raw := batch[id]
		select {
		case shards[shardOf(raw, len(shards))] <- job{id: id, raw: raw}:
		case <-ctx.Done():
			return
		}
	}
}

// shardOf picks a worker by the update's chat.
func shardOf(raw []byte, n int) int {
	var u struct {
		Message *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"message"`
		Callback *struct {
			From struct{ ID int64 } `json:"from"`
		} `json:"callback_query"`
	}
	_ = json.Unmarshal(raw, &u) // an undecodable update goes to worker 0
	var chat int64
	switch {
	case u.Message != nil:
		chat = u.Message.Chat.ID
	case u.Callback != nil:
		chat = u.Callback.From.ID
	}
	h := fnv.New32a()
	h.Write(strconv.AppendInt(nil, chat, 10))
	return int(h.Sum32() % uint32(n))
}

// getUpdates asks for the updates from offset on, waiting up to the poll
// timeout for one. It returns them by id, raw, and on 429 how long to wait.
func (b *Bot) getUpdates(ctx context.Context, offset int64) (map[int64][]byte, time.Duration, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "limit": 100, "timeout": int(b.pollTimeout.Seconds()),
		"allowed_updates": allowedUpdates,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.server+"/bot"+b.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("telegram: getUpdates: %s", b.redact(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		b.metrics.TelegramError("getUpdates", "network")
		return nil, 0, fmt.Errorf("telegram: getUpdates: %s", b.redact(err))
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		b.metrics.TelegramError("getUpdates", "network")
		return nil, 0, fmt.Errorf("telegram: getUpdates: HTTP %d: %s", resp.StatusCode, b.redact(err))
	}
	if !r.OK {
		reason := strconv.Itoa(r.ErrorCode)
		if r.ErrorCode >= 500 {
			reason = "5xx"
		}
		b.metrics.TelegramError("getUpdates", reason)
		return nil, time.Duration(r.Parameters.RetryAfter) * time.Second,
			fmt.Errorf("telegram: getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	batch := make(map[int64][]byte, len(r.Result))
	for _, raw := range r.Result {
		var head struct {
			ID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			continue
		}
		batch[head.ID] = raw
	}
	return batch, 0, nil
}
