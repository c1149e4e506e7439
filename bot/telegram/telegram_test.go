package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/bot/state"
	"github.com/lawbot/lawbot/bot/telegram"
	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/stats"
)

func TestMain(m *testing.M) { bottest.Main(m) }

func TestQuestionGetsAnswerWithButtons(t *testing.T) {
	h := start(t, setup{})
	const question = "房东不退押金怎么办？"
	h.api.Push(telegramtest.Text(1001, question))
	msgs := h.waitSentTo(1001, 1)
	ans := msgs[0]
	if ans.ParseMode != "HTML" || !strings.Contains(ans.Text, "<b>") || !strings.Contains(ans.Text, "押金") {
		t.Errorf("answer = %q (%s), want HTML with the matched question in bold", ans.Text, ans.ParseMode)
	}
	for _, label := range []string{"有帮助", "没帮助", "法律顾问"} {
		button(t, ans, label)
	}
	h.waitDone()
	h.shutdown()
	if n := h.count(stats.KindConsultation); n != 1 {
		t.Errorf("consultations = %d, want 1", n)
	}
	if strings.Contains(h.logs.String(), question) || strings.Contains(h.logs.String(), "押金") {
		t.Errorf("the log contains the resident's question:\n%s", h.logs.String())
	}
}

func TestCommandsAndConversation(t *testing.T) {
	h := start(t, setup{})
	if err := h.bot.SetCommands(context.Background()); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range h.api.Commands() {
		names = append(names, c.Command)
	}
	if got := strings.Join(names, " "); got != "start help topics adviser aid mediate campaign subscribe" {
		t.Errorf("commands = %q", got)
	}

	const user = 2002
	h.api.Push(telegramtest.Text(user, "/start"))
	msgs := h.waitSentTo(user, 2)
	choose := last(msgs)
	h.api.Push(telegramtest.Press(user, user, choose.MessageID, button(t, choose, "幸福社区")))
	msgs = h.waitSentTo(user, 3)
	if !strings.Contains(last(msgs).Text, "王律师") {
		t.Errorf("after choosing a community: %q", last(msgs).Text)
	}
	h.wait("callback answered", func() bool { return len(h.api.Callbacks()) == 1 })
	if cb := h.api.Callbacks()[0]; !strings.Contains(cb.Text, "幸福社区") {
		t.Errorf("callback notice = %q", cb.Text)
	}

	// Browse topics, open a question, rate it.
	h.api.Push(telegramtest.Text(user, "/topics"))
	msgs = h.waitSentTo(user, 4)
	h.api.Push(telegramtest.Press(user, user, last(msgs).MessageID, button(t, last(msgs), "劳动合同")))
	msgs = h.waitSentTo(user, 5)
	list := last(msgs)
	h.api.Push(telegramtest.Press(user, user, list.MessageID, list.Keyboard[0][0].Data))
	msgs = h.waitSentTo(user, 6)
	ans := last(msgs)
	h.api.Push(telegramtest.Press(user, user, ans.MessageID, button(t, ans, "有帮助")))
	h.wait("rating acknowledged", func() bool { return len(h.api.Callbacks()) == 4 })
	h.waitDone()
	h.shutdown()
	if c, r := h.count(stats.KindConsultation), h.count(stats.KindRating); c != 1 || r != 1 {
		t.Errorf("consultations, ratings = %d, %d; want 1, 1", c, r)
	}
}

func TestMediationFormOverTelegram(t *testing.T) {
	h := start(t, setup{})
	const user = 2003
	h.api.Push(telegramtest.Text(user, "/mediate"))
	msgs := h.waitSentTo(user, 2)
	h.api.Push(telegramtest.Press(user, user, last(msgs).MessageID, button(t, last(msgs), "光明社区")))
	msgs = h.waitSentTo(user, 4)
	h.api.Push(telegramtest.Press(user, user, last(msgs).MessageID, button(t, last(msgs), "婚姻家庭")))
	h.waitSentTo(user, 5)
	// The resident's own text comes back in the confirmation: it must be
	// escaped, or the Bot API refuses the message.
	h.api.Push(telegramtest.Text(user, "<script>alert('x')</script> 丈夫 & 我 为了房子吵架，想请调解员帮忙"))
	h.waitSentTo(user, 6)
	h.api.Push(telegramtest.Text(user, "13812345678"))
	msgs = h.waitSentTo(user, 7)
	confirm := last(msgs)
	if !strings.Contains(confirm.Text, "&lt;script&gt;") || !strings.Contains(confirm.Text, "&amp;") || strings.Contains(confirm.Text, "<script>") {
		t.Errorf("confirmation = %q, want the description escaped", confirm.Text)
	}
	h.api.Push(telegramtest.Press(user, user, confirm.MessageID, button(t, confirm, "提交")))
	msgs = h.waitSentTo(user, 8)
	if !strings.Contains(last(msgs).Text, "已提交") {
		t.Errorf("after submitting: %q", last(msgs).Text)
	}
	h.waitDone()
	reqs, _ := h.mem.Mediations(context.Background(), 10)
	h.shutdown()
	if n := h.count(stats.KindMediation); n != 1 || len(reqs) != 1 || reqs[0].Community != "光明社区" {
		t.Errorf("mediation events = %d, requests = %+v", n, reqs)
	}
}

func TestRedeliveredUpdatesAnsweredAndCountedOnce(t *testing.T) {
	h := start(t, setup{})
	const user = 3003
	q := telegramtest.Text(user, "公司拖欠工资怎么办")
	q.ID = h.api.Push(q)
	msgs := h.waitSentTo(user, 1)
	h.waitDone()
	rate := telegramtest.Press(user, user, msgs[0].MessageID, button(t, msgs[0], "有帮助"))
	rate.ID = h.api.Push(rate)
	h.wait("rating acknowledged", func() bool { return len(h.api.Callbacks()) == 1 })
	h.waitDone()

	// Telegram delivers both again, and the resident presses the button
	// once more (a new callback query).
	sent := len(h.api.SentTo(user)) // the answer, and a nudge to choose a community
	h.api.Redeliver(q)
	h.api.Redeliver(rate)
	again := telegramtest.Press(user, user, msgs[0].MessageID, button(t, msgs[0], "有帮助"))
	h.api.Push(again)
	h.wait("second press acknowledged", func() bool { return len(h.api.Callbacks()) == 2 })
	h.waitDone()
	h.shutdown()

	if n := len(h.api.SentTo(user)); n != sent || len(answers(h.api.SentTo(user))) != 1 {
		t.Errorf("messages sent = %d, want %d (the answer, once)", n, sent)
	}
	if cbs := h.api.Callbacks(); cbs[0].ID != rate.CallbackQuery.ID || cbs[1].ID != again.CallbackQuery.ID || !strings.Contains(cbs[1].Text, "已经评价") {
		t.Errorf("callbacks = %+v, want the first press and the second, each once", cbs)
	}
	if c, r := h.count(stats.KindConsultation), h.count(stats.KindRating); c != 1 || r != 1 {
		t.Errorf("consultations, ratings = %d, %d; want 1, 1", c, r)
	}
	if d := h.metric("lawbot_telegram_updates_total", map[string]string{"result": "duplicate"}); d != 2 {
		t.Errorf("duplicates counted = %v, want 2", d)
	}
}

func TestForgedCallbackRejected(t *testing.T) {
	h := start(t, setup{})
	const user = 4004
	h.api.Push(telegramtest.Text(user, "公司拖欠工资怎么办"))
	msgs := h.waitSentTo(user, 1)
	real := button(t, msgs[0], "有帮助")
	for _, data := range []string{
		"r|-|5~AAAAAAAAAAA",
		strings.Replace(real, "|5~", "|1~", 1),
		"c|xxxxxxxx",
	} {
		h.api.Push(telegramtest.Press(user, user, msgs[0].MessageID, data))
	}
	// A real button copied into another chat is refused too.
	h.api.Push(telegramtest.Press(5005, 5005, msgs[0].MessageID, real))
	h.wait("callbacks answered", func() bool { return len(h.api.Callbacks()) == 4 })
	h.waitDone()
	h.shutdown()
	for _, cb := range h.api.Callbacks() {
		if !strings.Contains(cb.Text, "失效") {
			t.Errorf("forged callback answered with %q", cb.Text)
		}
	}
	if n := h.count(stats.KindRating); n != 0 {
		t.Errorf("ratings = %d, want 0", n)
	}
	if n := len(h.api.SentTo(5005)); n != 0 {
		t.Errorf("messages sent to the other chat = %d, want none", n)
	}
}

func TestRateLimitMessage(t *testing.T) {
	frozen := time.Now()
	h := start(t, setup{edit: func(cfg *bot.Config) {
		cfg.Rate, cfg.Burst, cfg.Now = 1, 5, func() time.Time { return frozen }
	}})
	const user = 6006
	for range 8 {
		h.api.Push(telegramtest.Text(user, "公司拖欠工资怎么办"))
	}
	h.waitDone()
	h.shutdown()
	msgs := h.api.SentTo(user)
	if n := len(answers(msgs)); n != 5 {
		t.Errorf("answers = %d, want 5", n)
	}
	if !strings.Contains(last(msgs).Text, "稍等") {
		t.Errorf("last message = %q, want the slow-down message", last(msgs).Text)
	}
	if n := h.count(stats.KindConsultation); n != 5 {
		t.Errorf("consultations = %d, want 5", n)
	}
	if n := h.metric("lawbot_rate_limited_total", nil); n != 3 {
		t.Errorf("rate-limited = %v, want 3", n)
	}
}

func TestGroupChatOnlyWhenAddressed(t *testing.T) {
	h := start(t, setup{})
	const group, user = -100777, 7007
	for _, text := range []string{
		"房东不退押金怎么办",                      // to the group, not to lawbot
		"/help@other_bot",                // another bot's command
		"@lawbot_test_bot_fan 房东不退押金怎么办", // someone else
	} {
		h.api.Push(telegramtest.GroupText(group, user, text))
	}
	addressed := telegramtest.GroupText(group, user, "@LawBot_Test_Bot 房东不退押金怎么办")
	h.api.Push(addressed)
	msgs := h.waitSentTo(group, 1)
	if msgs[0].ReplyTo != addressed.Message.ID || !strings.Contains(msgs[0].Text, "押金") {
		t.Errorf("reply = %+v, want an answer replying to the mention", msgs[0])
	}
	h.api.Push(telegramtest.GroupText(group, user, "/help@lawbot_test_bot"))
	h.api.Push(telegramtest.ReplyToBot(group, user, msgs[0].MessageID, "公司拖欠工资怎么办"))
	msgs = h.waitSentTo(group, 3)
	h.waitDone()
	h.shutdown()
	if len(msgs) != 3 {
		t.Errorf("group messages = %d, want 3", len(msgs))
	}
	if n := h.count(stats.KindConsultation); n != 2 {
		t.Errorf("consultations = %d, want 2", n)
	}
}

// longAnswers makes every answer longer than one Telegram message.
type longAnswers struct{ *answer.Composer }

func (l longAnswers) Ask(ctx context.Context, q string) (answer.Answer, error) {
	a, err := l.Composer.Ask(ctx, q)
	a.Text = strings.Repeat(a.Text+"\n\n", 4096/len([]rune(a.Text))*2+1)
	return a, err
}

func TestLongAnswersSplit(t *testing.T) {
	h := start(t, setup{edit: func(cfg *bot.Config) { cfg.Answerer = longAnswers{bottest.Composer(t)} }})
	const user = 8008
	h.api.Push(telegramtest.Text(user, "房东不退押金怎么办"))
	h.waitDone()
	msgs := h.api.SentTo(user)
	msgs = msgs[:len(msgs)-1] // the nudge to choose a community
	if len(msgs) < 2 {
		t.Fatalf("messages = %d, want the answer in several", len(msgs))
	}
	for i, m := range msgs {
		if n := len(utf16.Encode([]rune(m.Text))); n >= telegram.MaxMessage {
			t.Errorf("message %d has %d UTF-16 units", i, n)
		}
		if (m.Keyboard != nil) != (i == len(msgs)-1) {
			t.Errorf("message %d: keyboard %v; want buttons on the last message only", i, m.Keyboard != nil)
		}
	}
}

func TestHTMLEscapingOfQuestions(t *testing.T) {
	h := start(t, setup{})
	const user = 9009
	for _, q := range []string{"<script>alert(1)</script>", "<b>押金</b> & 房东 <不退>", "&lt;&amp;"} {
		h.api.Push(telegramtest.Text(user, q))
	}
	msgs := h.waitSentTo(user, 3)
	for _, m := range msgs {
		if strings.Contains(m.Text, "<script>") || strings.Contains(m.Text, "<不退>") {
			t.Errorf("unescaped resident text in %q", m.Text)
		}
	}
}

func TestBotAPIErrors(t *testing.T) {
	h := start(t, setup{options: []telegram.Option{telegram.WithMaxRetryWait(10 * time.Second)}})
	// 429: wait retry_after, then send.
	h.api.Fail("sendMessage", telegramtest.Fault{Code: 429, RetryAfter: 1, ChatID: 1101})
	h.api.Push(telegramtest.Text(1101, "公司拖欠工资怎么办"))
	h.waitSentTo(1101, 1)

	// 5xx twice: retried.
	h.api.Fail("sendMessage", telegramtest.Fault{Code: 502, ChatID: 1102})
	h.api.Fail("sendMessage", telegramtest.Fault{Code: 500, ChatID: 1102})
	h.api.Push(telegramtest.Text(1102, "公司拖欠工资怎么办"))
	h.waitSentTo(1102, 1)

	// 403 (blocked) and 400: not retried, the update is done.
	h.api.Fail("sendMessage", telegramtest.Fault{Code: 403, ChatID: 1103})
	h.api.Push(telegramtest.Text(1103, "公司拖欠工资怎么办"))
	h.api.Fail("sendMessage", telegramtest.Fault{Code: 400, ChatID: 1104})
	h.api.Push(telegramtest.Text(1104, "公司拖欠工资怎么办"))
	// getUpdates failing: polling goes on.
	h.api.Fail("getUpdates", telegramtest.Fault{Code: 502})
	h.api.Fail("getUpdates", telegramtest.Fault{Code: 429, RetryAfter: 1})
	h.api.Push(telegramtest.Text(1105, "公司拖欠工资怎么办"))
	h.waitSentTo(1105, 1)
	h.waitDone()
	// A failed answerCallbackQuery does not stop the replies.
	h.api.Fail("answerCallbackQuery", telegramtest.Fault{Code: 400}) // its params carry no chat
	h.api.Push(telegramtest.Text(1106, "/topics"))
	msgs := h.waitSentTo(1106, 1)
	h.api.Push(telegramtest.Press(1106, 1106, msgs[0].MessageID, msgs[0].Keyboard[0][0].Data))
	h.waitSentTo(1106, 2)
	h.waitDone()
	h.shutdown()

	if n := len(h.api.SentTo(1103)) + len(h.api.SentTo(1104)); n != 0 {
		t.Errorf("refused messages were sent anyway: %d", n)
	}
	for _, c := range []struct {
		method, reason string
		want           float64
	}{
		{"sendMessage", "429", 1}, {"sendMessage", "5xx", 2}, {"sendMessage", "403", 1},
		{"sendMessage", "400", 1}, {"getUpdates", "5xx", 1}, {"getUpdates", "429", 1},
		{"answerCallbackQuery", "400", 1},
	} {
		if got := h.metric("lawbot_telegram_errors_total", map[string]string{"method": c.method, "reason": c.reason}); got != c.want {
			t.Errorf("telegram errors %s %s = %v, want %v", c.method, c.reason, got, c.want)
		}
	}
	if n := h.count(stats.KindConsultation); n != 5 {
		t.Errorf("consultations = %d, want 5 (counted even when the reply was refused)", n)
	}
}

func TestWebhook(t *testing.T) {
	const secret = "s3cret-token_for-webhook"
	h := start(t, setup{webhook: true, options: []telegram.Option{
		telegram.WithWebhookSecret(secret), telegram.WithMaxRetryWait(300 * time.Millisecond),
	}})
	hook := h.bot.Webhook()
	u := telegramtest.Text(1201, "公司拖欠工资怎么办")
	u.ID = 555
	body, _ := json.Marshal(u)
	post := func(token string, body []byte) int {
		req := httptest.NewRequest(http.MethodPost, "/telegram/webhook", bytes.NewReader(body))
		if token != "" {
			req.Header.Set(telegram.SecretHeader, token)
		}
		rec := httptest.NewRecorder()
		hook.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, token := range []string{"", "wrong", secret + "x", secret[:len(secret)-1]} {
		if code := post(token, body); code != http.StatusUnauthorized {
			t.Errorf("secret %q: status %d, want 401", token, code)
		}
	}
	if n := len(h.api.Sent()); n != 0 {
		t.Fatalf("an unauthorised update was answered")
	}
	if code := post(secret, []byte("{not json")); code != http.StatusBadRequest {
		t.Errorf("bad body: status %d, want 400", code)
	}
	if code := post(secret, bytes.Repeat([]byte(" "), telegram.MaxUpdateBytes+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: status %d, want 413", code)
	}
	for i := range 2 { // delivered, then redelivered
		if code := post(secret, body); code != http.StatusOK {
			t.Errorf("delivery %d: status %d, want 200", i+1, code)
		}
	}
	if n := len(answers(h.api.SentTo(1201))); n != 1 {
		t.Errorf("answers = %d, want 1", n)
	}
	// A failure makes Telegram deliver again, and the retry is answered.
	h.api.Fail("sendMessage", telegramtest.Fault{Code: 500})
	h.api.Fail("sendMessage", telegramtest.Fault{Code: 500})
	u2 := telegramtest.Text(1202, "公司拖欠工资怎么办")
	u2.ID = 556
	body2, _ := json.Marshal(u2)
	if code := post(secret, body2); code != http.StatusInternalServerError {
		t.Errorf("failed handling: status %d, want 500", code)
	}
	if code := post(secret, body2); code != http.StatusOK || len(answers(h.api.SentTo(1202))) != 1 {
		t.Errorf("retry: status %d, answers %d; want 200, 1", code, len(answers(h.api.SentTo(1202))))
	}
	h.shutdown()
	if n := h.count(stats.KindConsultation); n != 2 {
		t.Errorf("consultations = %d, want 2", n)
	}
}

func TestWebhookBusyElsewhere(t *testing.T) {
	const secret = "another-secret"
	journal := state.NewMemory(state.Options{})
	h := start(t, setup{webhook: true, options: []telegram.Option{telegram.WithWebhookSecret(secret), telegram.WithJournal(journal)}})
	u := telegramtest.Text(1301, "公司拖欠工资怎么办")
	u.ID = 777
	if _, err := journal.Claim(context.Background(), 777); err != nil { // another replica has it
		t.Fatal(err)
	}
	body, _ := json.Marshal(u)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set(telegram.SecretHeader, secret)
	rec := httptest.NewRecorder()
	h.bot.Webhook().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("status %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestNoUpdateLostAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	api := telegramtest.NewServer()
	defer api.Close()

	// First run: answers slowly; stopped while an answer is being sent.
	api.SetSendDelay(300 * time.Millisecond)
	h := start(t, setup{api: api, dir: dir})
	first := telegramtest.Text(1401, "公司拖欠工资怎么办")
	first.ID = api.Push(first)
	h.wait("the answer being sent", func() bool { return api.Calls("sendMessage") > 0 })
	h.shutdown() // graceful: the answer in flight is finished
	if n := len(answers(api.SentTo(1401))); n != 1 {
		t.Fatalf("in-flight answer sent %d times, want 1", n)
	}
	sent := len(api.SentTo(1401))

	// Updates received but not handled when lawbot stopped (as after a
	// crash): in the inbox, already confirmed to Telegram.
	inbox, err := state.OpenBolt(dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pending := map[int64][]byte{}
	for i, text := range []string{"房东不退押金怎么办", "邻居装修噪音太大"} {
		u := telegramtest.Text(int64(1402+i), text)
		u.ID = int64(900 + i)
		pending[u.ID], _ = json.Marshal(u)
	}
	if err := inbox.Receive(context.Background(), pending); err != nil {
		t.Fatal(err)
	}
	inbox.Close()
	api.SetSendDelay(0)

	// Second run: handles the inbox; Telegram redelivers the first update,
	// whose answer it never learnt was sent.
	api.Redeliver(first)
	h = start(t, setup{api: api, dir: dir})
	h.waitSentTo(1402, 1)
	h.waitSentTo(1403, 1)
	h.waitDone()
	h.shutdown()
	if n := len(api.SentTo(1401)); n != sent {
		t.Errorf("redelivered update: %d messages in all, want %d", n, sent)
	}
	if n := h.count(stats.KindConsultation); n != 3 {
		t.Errorf("consultations = %d, want 3", n)
	}
}

func TestNewFailsWithoutJournalOrOnBadToken(t *testing.T) {
	api := telegramtest.NewServer()
	defer api.Close()
	core, _ := bottest.NewCore(t, nil)
	if _, err := telegram.New(context.Background(), telegramtest.Token, core, telegram.WithServerURL(api.URL())); err == nil {
		t.Error("New without a journal succeeded")
	}
	const bad = "999:BAD-token-value"
	_, err := telegram.New(context.Background(), bad, core, telegram.WithServerURL(api.URL()), telegram.WithJournal(state.NewMemory(state.Options{})))
	if err == nil || strings.Contains(err.Error(), bad) || !errors.Is(err, errUnauthorized(err)) {
		t.Errorf("New with a bad token: %v; want an error without the token", err)
	}
}

// errUnauthorized returns err itself if it wraps the library's 401 error.
func errUnauthorized(err error) error {
	if err != nil && strings.Contains(err.Error(), "unauthorized") {
		return err
	}
	return errors.New("not a 401")
}

// slowAnswerer takes its time over every question.
type slowAnswerer struct {
	bot.Answerer
	delay time.Duration
}

func (s slowAnswerer) Ask(ctx context.Context, q string) (answer.Answer, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return answer.Answer{}, ctx.Err()
	}
	return s.Answerer.Ask(ctx, q)
}

// "typing…" is shown while a slow answer is composed, before the answer,
// and not at all for an answer that comes before the delay.
func TestTypingWhileSlowAnswer(t *testing.T) {
	// A delay no answer takes even on a loaded test machine.
	fast := start(t, setup{options: []telegram.Option{telegram.WithTypingDelay(5 * time.Second)}})
	fast.api.Push(telegramtest.Text(1501, "房东不退押金怎么办"))
	fast.waitSentTo(1501, 1)
	fast.waitDone()
	if acts := fast.api.Actions(); len(acts) != 0 {
		t.Errorf("quick answer: chat actions %+v, want none", acts)
	}

	slow := start(t, setup{edit: func(c *bot.Config) {
		c.Answerer = slowAnswerer{c.Answerer, telegram.DefaultTypingDelay + 400*time.Millisecond}
	}})
	slow.api.Push(telegramtest.Text(1502, "房东不退押金怎么办"))
	msgs := slow.waitSentTo(1502, 1)
	acts := slow.api.Actions()
	if len(acts) != 1 || acts[0].ChatID != 1502 || acts[0].Action != "typing" {
		t.Fatalf("slow answer: chat actions %+v, want one typing in 1502", acts)
	}
	if !acts[0].At.Before(msgs[0].At) {
		t.Errorf("typing at %v, answer at %v: want typing first", acts[0].At, msgs[0].At)
	}

	always := start(t, setup{options: []telegram.Option{telegram.WithTypingDelay(0)}})
	always.api.Push(telegramtest.Text(1503, "房东不退押金怎么办"))
	always.waitSentTo(1503, 1)
	always.waitDone()
	if acts := always.api.Actions(); len(acts) != 1 || acts[0].Action != "typing" {
		t.Errorf("delay 0: chat actions %+v, want one typing", acts)
	}
}
