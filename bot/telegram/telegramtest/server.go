// Package telegramtest is a fake Telegram Bot API server for tests and load
// runs: it queues updates for getUpdates (honouring offsets and long-poll
// timeouts), records sendMessage, answerCallbackQuery, sendChatAction and
// setMyCommands, checks what a real server would refuse (HTML that does not
// parse, text over 4096 characters, bad callback data) and fails calls on
// request with 429 retry_after, 403, 400 or 5xx.
package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Token is the token the server accepts.
const Token = "123456:TEST-token_secret"

// Username is the bot's username.
const Username = "lawbot_test_bot"

// BotID is the bot's user id.
const BotID = 123456

// Sent is a message the bot sent.
type Sent struct {
	ChatID    int64
	MessageID int
	Text      string // as sent, with HTML markup
	ParseMode string
	Keyboard  [][]Button
	ReplyTo   int
	At        time.Time
	// Document is set for sendDocument: the file's name and content; Text
	// is then the caption.
	Document *Document
}

// Document is a file sent with sendDocument.
type Document struct {
	Name string
	Data []byte
}

// Button is an inline button of a sent message.
type Button struct {
	Text string
	Data string
}

// Callback is an answerCallbackQuery call.
type Callback struct {
	ID   string
	Text string
}

// Action is a sendChatAction call.
type Action struct {
	ChatID int64
	Action string
	At     time.Time
}

// Fault is a failure to return from the next call of a method.
type Fault struct {
	Code       int   // HTTP status and error_code: 429, 403, 400, 500, 502 ...
	RetryAfter int   // seconds, for 429
	ChatID     int64 // only for a call about this chat; 0 for any call
	// Description replaces the usual one, e.g. "Bad Request: can't parse
	// entities" for a 400 that is not about the chat.
	Description string
}

// Server is a fake Bot API.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	queue     []queued // not yet confirmed, in id order (redeliveries may repeat ids)
	nextID    int64
	wake      chan struct{}
	sent      []Sent
	callbacks []Callback
	actions   []Action
	commands  []models.BotCommand
	faults    map[string][]Fault
	calls     map[string]int
	nextMsg   int
	offsets   []int64
	onSend    func(Sent)
	sendDelay time.Duration
}

type queued struct {
	id    int64
	raw   []byte
	again bool // a redelivery: returned once whatever the offset
}

// NewServer starts a fake Bot API; Close stops it.
func NewServer() *Server {
	s := &Server{wake: make(chan struct{}), faults: map[string][]Fault{}, calls: map[string]int{}, nextMsg: 1000}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server's base URL, for bot.WithServerURL.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// OnSend sets a function called with every message sent.
func (s *Server) OnSend(f func(Sent)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onSend = f
}

// SetSendDelay makes sendMessage take d before answering.
func (s *Server) SetSendDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendDelay = d
}

// Push queues an update for getUpdates, giving it the next update id when
// it has none, and returns its id.
func (s *Server) Push(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 {
		s.nextID++
		u.ID = s.nextID
	} else {
		s.nextID = max(s.nextID, u.ID)
	}
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err) // a test built an update that does not encode
	}
	s.queue = append(s.queue, queued{id: u.ID, raw: raw})
	s.notify()
	return u.ID
}

// Redeliver queues an update with an id already delivered, as Telegram does
// when it did not learn that the update was received.
func (s *Server) Redeliver(u models.Update) {
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, queued{id: u.ID, raw: raw, again: true})
	s.notify()
}

func (s *Server) notify() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// Fail makes the next call of method fail with f; calls queue up.
func (s *Server) Fail(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], f)
}

// Sent returns the messages sent so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// SentTo returns the messages sent to chat.
func (s *Server) SentTo(chat int64) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.ChatID == chat {
			out = append(out, m)
		}
	}
	return out
}

// Callbacks returns the answerCallbackQuery calls so far.
func (s *Server) Callbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.callbacks)
}

// Actions returns the sendChatAction calls so far.
func (s *Server) Actions() []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.actions)
}

// Commands returns the commands last set with setMyCommands.
func (s *Server) Commands() []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// Calls returns how often method was called, failed calls included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Offsets returns the offsets getUpdates was called with.
func (s *Server) Offsets() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.offsets)
}

// Unconfirmed returns how many queued updates were not yet confirmed.
func (s *Server) Unconfirmed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Wait waits until cond holds or ctx ends, checking every few
// milliseconds, and reports whether cond held.
func (s *Server) Wait(ctx context.Context, cond func() bool) bool {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return cond()
		case <-t.C:
		}
	}
	return true
}

// WaitSent waits until at least n messages were sent or ctx ends, and
// returns the messages sent.
func (s *Server) WaitSent(ctx context.Context, n int) []Sent {
	s.Wait(ctx, func() bool { return len(s.Sent()) >= n })
	return s.Sent()
}

type apiResponse struct {
	OK          bool   `json:"ok"`
	Result      any    `json:"result,omitempty"`
	ErrorCode   int    `json:"error_code,omitempty"`
	Description string `json:"description,omitempty"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters,omitempty"`
}

func reply(w http.ResponseWriter, status int, r apiResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(r)
}

func fail(w http.ResponseWriter, code int, desc string) {
	reply(w, code, apiResponse{ErrorCode: code, Description: desc})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	if token != Token {
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	params, err := readParams(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	s.mu.Lock()
	s.calls[method]++
	var fault *Fault
	for i, f := range s.faults[method] {
		if f.ChatID == 0 || strconv.FormatInt(f.ChatID, 10) == params["chat_id"] {
			fault = &f
			s.faults[method] = slices.Delete(s.faults[method], i, i+1)
			break
		}
	}
	s.mu.Unlock()
	if fault != nil {
		resp := apiResponse{ErrorCode: fault.Code, Description: http.StatusText(fault.Code)}
		switch fault.Code {
		case http.StatusTooManyRequests:
			resp.Description = fmt.Sprintf("Too Many Requests: retry after %d", fault.RetryAfter)
			resp.Parameters = &struct {
				RetryAfter int `json:"retry_after"`
			}{fault.RetryAfter}
		case http.StatusForbidden:
			resp.Description = "Forbidden: bot was blocked by the user"
		case http.StatusBadRequest:
			resp.Description = "Bad Request: chat not found"
		}
		if fault.Description != "" {
			resp.Description = fault.Description
		}
		reply(w, fault.Code, resp)
		return
	}
	switch method {
	case "getMe":
		reply(w, http.StatusOK, apiResponse{OK: true, Result: models.User{ID: BotID, IsBot: true, FirstName: "法律助手", Username: Username}})
	case "getUpdates":
		s.getUpdates(w, r, params)
	case "sendMessage":
		s.sendMessage(w, params)
	case "sendDocument":
		s.sendDocument(w, params)
	case "answerCallbackQuery":
		text := params["text"]
		if len([]rune(text)) > 200 {
			fail(w, http.StatusBadRequest, "Bad Request: text is too long")
			return
		}
		s.mu.Lock()
		s.callbacks = append(s.callbacks, Callback{ID: params["callback_query_id"], Text: text})
		s.mu.Unlock()
		reply(w, http.StatusOK, apiResponse{OK: true, Result: true})
	case "sendChatAction":
		chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		s.mu.Lock()
		s.actions = append(s.actions, Action{ChatID: chat, Action: params["action"], At: time.Now()})
		s.mu.Unlock()
		reply(w, http.StatusOK, apiResponse{OK: true, Result: true})
	case "setMyCommands":
		var cmds []models.BotCommand
		if err := json.Unmarshal([]byte(params["commands"]), &cmds); err != nil || len(cmds) == 0 {
			fail(w, http.StatusBadRequest, "Bad Request: can't parse commands")
			return
		}
		for _, c := range cmds {
			if c.Command == "" || len(c.Command) > 32 || strings.ToLower(c.Command) != c.Command || c.Description == "" {
				fail(w, http.StatusBadRequest, "Bad Request: BOT_COMMAND_INVALID")
				return
			}
		}
		s.mu.Lock()
		s.commands = cmds
		s.mu.Unlock()
		reply(w, http.StatusOK, apiResponse{OK: true, Result: true})
	case "deleteWebhook", "setWebhook":
		reply(w, http.StatusOK, apiResponse{OK: true, Result: true})
	default:
		fail(w, http.StatusNotFound, "Not Found: method not found")
	}
}

// readParams reads a JSON, urlencoded or multipart request into strings;
// JSON values that are not strings keep their JSON text.
func readParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if len(body) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				out[k] = str
			} else {
				out[k] = string(v)
			}
		}
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, err
		}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break // also the library's empty body for no parameters
			}
			if err != nil {
				return nil, err
			}
			v, err := io.ReadAll(io.LimitReader(p, 50<<20))
			if err != nil {
				return nil, err
			}
			if name := p.FileName(); name != "" {
				// A file: its name and content, as "name\x00content".
				out[p.FormName()] = name + "\x00" + string(v)
				continue
			}
			out[p.FormName()] = string(v)
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	return out, nil
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, params map[string]string) {
	offset, _ := strconv.ParseInt(params["offset"], 10, 64)
	limit, _ := strconv.Atoi(params["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(params["timeout"])
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	s.mu.Lock()
	s.offsets = append(s.offsets, offset)
	for {
		// Updates below offset are confirmed. A redelivery is returned
		// once whatever the offset, then forgotten.
		var keep []queued
		var batch []json.RawMessage
		for _, q := range s.queue {
			switch {
			case q.again && len(batch) < limit:
				batch = append(batch, q.raw)
			case q.again:
				keep = append(keep, q)
			case q.id < offset:
			case len(batch) < limit:
				batch = append(batch, q.raw)
				keep = append(keep, q)
			default:
				keep = append(keep, q)
			}
		}
		s.queue = keep
		if len(batch) > 0 || timeout == 0 {
			s.mu.Unlock()
			reply(w, http.StatusOK, apiResponse{OK: true, Result: batch})
			return
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-deadline.C:
			reply(w, http.StatusOK, apiResponse{OK: true, Result: []json.RawMessage{}})
			return
		case <-r.Context().Done():
			return
		}
		s.mu.Lock()
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, params map[string]string) {
	chat, err := strconv.ParseInt(params["chat_id"], 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	text, mode := params["text"], params["parse_mode"]
	visible := text
	if mode == "HTML" {
		if visible, err = parseHTML(text); err != nil {
			fail(w, http.StatusBadRequest, "Bad Request: can't parse entities: "+err.Error())
			return
		}
	}
	switch n := utf16Len(visible); {
	case strings.TrimSpace(visible) == "":
		fail(w, http.StatusBadRequest, "Bad Request: message text is empty")
		return
	case n > 4096:
		fail(w, http.StatusBadRequest, "Bad Request: message is too long")
		return
	}
	kb, ok := keyboardParam(w, params)
	if !ok {
		return
	}
	var replyTo int
	if rp := params["reply_parameters"]; rp != "" {
		var p models.ReplyParameters
		if json.Unmarshal([]byte(rp), &p) == nil {
			replyTo = p.MessageID
		}
	}
	s.mu.Lock()
	delay := s.sendDelay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	s.mu.Lock()
	s.nextMsg++
	m := Sent{ChatID: chat, MessageID: s.nextMsg, Text: text, ParseMode: mode, Keyboard: kb, ReplyTo: replyTo, At: time.Now()}
	s.sent = append(s.sent, m)
	onSend := s.onSend
	s.mu.Unlock()
	if onSend != nil {
		onSend(m)
	}
	reply(w, http.StatusOK, apiResponse{OK: true, Result: models.Message{
		ID: m.MessageID, Date: int(m.At.Unix()), Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, Text: visible,
		From: &models.User{ID: BotID, IsBot: true, Username: Username},
	}})
}

// sendDocument takes an uploaded file as the Bot API does: a caption of at
// most 1024 characters, a file of at most 50 MB that is not empty.
func (s *Server) sendDocument(w http.ResponseWriter, params map[string]string) {
	chat, err := strconv.ParseInt(params["chat_id"], 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	name, data, ok := strings.Cut(params["document"], "\x00")
	switch {
	case !ok:
		fail(w, http.StatusBadRequest, "Bad Request: there is no document in the request")
		return
	case data == "":
		fail(w, http.StatusBadRequest, "Bad Request: file must be non-empty")
		return
	case len(data) > 50<<20:
		fail(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	case utf16Len(params["caption"]) > 1024:
		fail(w, http.StatusBadRequest, "Bad Request: message caption is too long")
		return
	}
	kb, ok := keyboardParam(w, params)
	if !ok {
		return
	}
	s.mu.Lock()
	s.nextMsg++
	m := Sent{ChatID: chat, MessageID: s.nextMsg, Text: params["caption"], Keyboard: kb, At: time.Now(),
		Document: &Document{Name: name, Data: []byte(data)}}
	s.sent = append(s.sent, m)
	onSend := s.onSend
	s.mu.Unlock()
	if onSend != nil {
		onSend(m)
	}
	reply(w, http.StatusOK, apiResponse{OK: true, Result: models.Message{
		ID: m.MessageID, Date: int(m.At.Unix()), Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate},
		Caption: m.Text, From: &models.User{ID: BotID, IsBot: true, Username: Username},
		Document: &models.Document{FileID: fmt.Sprintf("doc%d", m.MessageID), FileName: name, FileSize: int64(len(data))},
	}})
}

// keyboardParam reads the reply_markup parameter; on a bad keyboard it
// fails the request as the Bot API does and returns false.
func keyboardParam(w http.ResponseWriter, params map[string]string) ([][]Button, bool) {
	m := params["reply_markup"]
	if m == "" {
		return nil, true
	}
	kb, err := parseKeyboard(m)
	if err != nil {
		fail(w, http.StatusBadRequest, "Bad Request: "+err.Error())
		return nil, false
	}
	return kb, true
}

// parseKeyboard checks an inline keyboard as the Bot API does.
func parseKeyboard(markup string) ([][]Button, error) {
	var k struct {
		InlineKeyboard [][]struct {
			Text         string           `json:"text"`
			CallbackData string           `json:"callback_data"`
			CopyText     *json.RawMessage `json:"copy_text"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &k); err != nil {
		return nil, fmt.Errorf("can't parse reply keyboard markup JSON object")
	}
	out := make([][]Button, 0, len(k.InlineKeyboard))
	for _, row := range k.InlineKeyboard {
		r := make([]Button, 0, len(row))
		for _, b := range row {
			if b.CopyText != nil {
				var c struct{ Text string }
				if json.Unmarshal(*b.CopyText, &c) != nil || c.Text == "" {
					return nil, fmt.Errorf("BUTTON_COPY_TEXT_INVALID")
				}
			}
			switch {
			case strings.TrimSpace(b.Text) == "":
				return nil, fmt.Errorf("BUTTON_TEXT_EMPTY")
			case b.CallbackData == "" || len(b.CallbackData) > 64:
				return nil, fmt.Errorf("BUTTON_DATA_INVALID")
			}
			r = append(r, Button{Text: b.Text, Data: b.CallbackData})
		}
		out = append(out, r)
	}
	return out, nil
}
