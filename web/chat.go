package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
)

// MaxRequestBytes is the largest chat request body accepted.
const MaxRequestBytes = 16 << 10

// ChatRequest is what the page posts to /api/chat: typed text, or a
// pressed button's action with the id of the reply it was on.
type ChatRequest struct {
	// Resident is the browser's anonymous id: random, kept in localStorage.
	Resident string `json:"resident"`
	// ID is the message's id, random per message; a retried request keeps
	// it, so it is counted once.
	ID     string `json:"id"`
	Text   string `json:"text,omitempty"`
	Action string `json:"action,omitempty"`
	Ref    string `json:"ref,omitempty"`
}

// ChatResponse is the reply to a ChatRequest.
type ChatResponse struct {
	Replies []ReplyJSON `json:"replies"`
	Notice  string      `json:"notice,omitempty"`
	Error   string      `json:"error,omitempty"`
}

// ReplyJSON is one reply. ID is what the page sends as Ref when one of the
// reply's buttons is pressed.
type ReplyJSON struct {
	ID      string         `json:"id"`
	Text    string         `json:"text,omitempty"`
	Answer  *AnswerJSON    `json:"answer,omitempty"`
	Buttons [][]ButtonJSON `json:"buttons,omitempty"`
}

// AnswerJSON is a composed answer as the page shows it.
type AnswerJSON struct {
	Kind     string        `json:"kind"` // faq, articles, nomatch, rephrase
	Question string        `json:"question,omitempty"`
	Category string        `json:"category,omitempty"`
	Text     string        `json:"text"`
	Urgent   bool          `json:"urgent,omitempty"`
	Articles []ArticleJSON `json:"articles,omitempty"`
}

// ArticleJSON is an article an answer rests on, with its full text.
type ArticleJSON struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// ButtonJSON is a button under a reply.
type ButtonJSON struct {
	Text   string `json:"text"`
	Action string `json:"action"`
	Rating bool   `json:"rating,omitempty"`
}

// Friendly errors, shown in the chat.
const (
	errTooLong   = "消息太长了，请精简到几句话后再发送。"
	errBadInput  = "没有收到有效的消息，请刷新页面后重试。"
	errTooMany   = "请求太频繁，请稍等片刻再试。"
	errNeedsJSON = "请求格式不对，请刷新页面后重试。"
)

var (
	residentID = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	messageID  = regexp.MustCompile(`^[A-Za-z0-9_-]{8,40}$`)
	replyRef   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,48}$`)
)

// parseChat decodes and checks a chat request.
func parseChat(body []byte) (ChatRequest, error) {
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return ChatRequest{}, errors.New(errBadInput)
	}
	switch {
	case !residentID.MatchString(req.Resident), !messageID.MatchString(req.ID):
		return ChatRequest{}, errors.New(errBadInput)
	case req.Text == "" && req.Action == "":
		return ChatRequest{}, errors.New(errBadInput)
	case req.Text != "" && req.Action != "":
		return ChatRequest{}, errors.New(errBadInput)
	case len(req.Action) > bot.MaxDataLen:
		return ChatRequest{}, errors.New(errBadInput)
	case req.Ref != "" && !replyRef.MatchString(req.Ref):
		return ChatRequest{}, errors.New(errBadInput)
	}
	return req, nil
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, ChatResponse{Error: errNeedsJSON})
		return
	}
	if ok, _ := s.perIP.Allow(clientIP(r), start); !ok {
		w.Header().Set("Retry-After", "2")
		writeJSON(w, http.StatusTooManyRequests, ChatResponse{Error: errTooMany})
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, ChatResponse{Error: errTooLong})
			return
		}
		writeJSON(w, http.StatusBadRequest, ChatResponse{Error: errBadInput})
		return
	}
	req, err := parseChat(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ChatResponse{Error: err.Error()})
		return
	}
	resident := "web:" + req.Resident
	m := bot.Message{
		ID: resident + ":" + req.ID, Channel: stats.ChannelWeb, Resident: resident, Chat: resident,
		Text: req.Text, Data: req.Action, Ref: req.Ref,
	}
	res, err := s.core.Handle(r.Context(), m)
	if err != nil {
		s.log.Warn("web: handling message", "dur", s.now().Sub(start), "err", err)
	}
	writeJSON(w, http.StatusOK, toJSON(req.ID, res))
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
}

// clientIP is the address the request came from. Behind a reverse proxy
// all residents share the proxy's address, which the per-address limit's
// generous default allows for.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// toJSON renders a result; reply ids are the message id and the reply's
// position.
func toJSON(msgID string, res bot.Result) ChatResponse {
	out := ChatResponse{Notice: res.Notice, Replies: make([]ReplyJSON, 0, len(res.Replies))}
	for i, r := range res.Replies {
		rj := ReplyJSON{ID: msgID + "." + strconv.Itoa(i), Text: r.Text}
		if r.Answer != nil {
			rj.Answer = answerJSON(r.Answer)
		}
		for _, row := range r.Buttons {
			var bs []ButtonJSON
			for _, b := range row {
				bs = append(bs, ButtonJSON{Text: b.Text, Action: b.Data, Rating: b.Rating})
			}
			rj.Buttons = append(rj.Buttons, bs)
		}
		out.Replies = append(out.Replies, rj)
	}
	return out
}

func answerJSON(a *answer.Answer) *AnswerJSON {
	aj := &AnswerJSON{Text: a.Text, Urgent: a.Urgent}
	switch a.Kind {
	case answer.FAQ:
		aj.Kind = "faq"
	case answer.Articles:
		aj.Kind = "articles"
	case answer.NoMatch:
		aj.Kind = "nomatch"
	default:
		aj.Kind = "rephrase"
	}
	if a.Entry != nil {
		aj.Question = a.Entry.Question
		aj.Category = knowledge.CategoryName(a.Entry.Category)
	}
	for _, art := range a.Articles {
		aj.Articles = append(aj.Articles, ArticleJSON{Title: art.Title(), Text: art.Text})
	}
	return aj
}

// healthz reports whether lawbot is up and how statistics are recorded.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	type statsJSON struct {
		Degraded bool       `json:"degraded"`
		Since    *time.Time `json:"since,omitempty"`
		Pending  int        `json:"pending"`
		Full     bool       `json:"full"`
		Error    string     `json:"error,omitempty"`
		Summary  string     `json:"summary"`
	}
	out := struct {
		Status     string     `json:"status"`
		Statistics *statsJSON `json:"statistics,omitempty"`
		Telegram   string     `json:"telegram,omitempty"`
	}{Status: "ok"}
	if s.health != nil {
		h := s.health()
		sj := &statsJSON{Degraded: h.Degraded, Pending: h.Pending, Full: h.Full, Error: h.Err, Summary: h.String()}
		if h.Degraded {
			sj.Since = &h.Since
			out.Status = "degraded"
		}
		out.Statistics = sj
	}
	if s.telegram != nil {
		out.Telegram = s.telegram()
	}
	writeJSON(w, http.StatusOK, out)
}
