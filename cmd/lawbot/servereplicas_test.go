package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/internal/redistest"
	webadmin "github.com/lawbot/lawbot/web/admin"
)

// replicaSecret is the webhook secret of the replicas.
const replicaSecret = "0123456789abcdef-replicas"

// replica is one `lawbot serve` of several in webhook mode, sharing Redis.
type replica struct {
	t              *testing.T
	name           string
	api            *telegramtest.Server
	cw             *campaigns
	base, hook     string
	stdout, stderr lockedBuffer
	cancel         context.CancelFunc
	done           chan struct{} // closed once serve returned, with err
	err            error
}

// updateSeq numbers the updates the test posts: Telegram gives each an id
// of its own, whichever replica it is posted to.
var updateSeq atomic.Int64

// startReplica starts `lawbot serve` in webhook mode against the fake Bot
// API, with a data directory of its own (dir/name), the keys of dir/keys
// as every replica shares them, and the Redis at url under prefix. It
// returns once the webhook is served; the replica is stopped when the test
// ends, if not before.
func startReplica(t *testing.T, name, dir, url, prefix string, api *telegramtest.Server, vars map[string]string) *replica {
	t.Helper()
	fs, f := newServeFlags(io.Discard)
	c, sc, s := &f.c, &f.sc, &f.s
	err := fs.Parse([]string{"-addr", "127.0.0.1:0", "-data", filepath.Join(dir, name),
		"-resident-key", filepath.Join(dir, "keys", "resident.key"), "-button-key", filepath.Join(dir, "keys", "button.key"),
		"-communities", "桃园社区,李园社区", "-campaign-admins", "900", "-redis-prefix", prefix,
		"-webhook", "https://lawbot.example.org/tg/hook"})
	if err != nil {
		t.Fatal(err)
	}
	sc.redisURL = url // from the environment only
	s.token, s.secret, s.apiURL = telegramtest.Token, replicaSecret, api.URL()
	s.campaign.tick = 50 * time.Millisecond
	ready := make(chan *campaigns, 1)
	s.campaign.ready = func(cw *campaigns) { ready <- cw }

	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{t: t, name: name, api: api, cancel: cancel, done: make(chan struct{})}
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(40 * time.Second):
		}
	})
	e := &env{stdout: &r.stdout, stderr: &r.stderr, getenv: func(k string) string { return vars[k] }}
	log, err := newLogger(&r.stderr, "debug", "text")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		r.err = serve(ctx, e, log, c, sc, s)
	}()
	select {
	case r.cw = <-ready:
	case <-r.done:
		t.Fatalf("replica %s: serve: %v\n%s", name, r.err, r.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("replica %s: timed out waiting for the campaigns", name)
	}
	if r.cw.bc == nil {
		t.Fatalf("replica %s: no broadcaster with Telegram on", name)
	}
	addr := regexp.MustCompile(`http://(\S+)/`)
	wait(t, "replica "+name+" to start", func() bool { return addr.MatchString(r.stdout.String()) })
	r.base = "http://" + addr.FindStringSubmatch(r.stdout.String())[1]
	r.hook = r.base + "/tg/hook"
	wait(t, "replica "+name+"'s webhook", func() bool {
		resp, err := http.Get(r.base + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"telegram":"webhook"`)
	})
	return r
}

// post posts u to the replica's webhook as Telegram does, giving it the
// next update id if it has none, and returns it. The replica answers once
// the update's replies are sent.
func (r *replica) post(u models.Update) models.Update {
	r.t.Helper()
	if u.ID == 0 {
		u.ID = 7_000_000 + updateSeq.Add(1)
	}
	body, err := json.Marshal(u)
	if err != nil {
		r.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, r.hook, bytes.NewReader(body))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", replicaSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("replica %s: post update: %v", r.name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("replica %s: update %d answered %d\n%s", r.name, u.ID, resp.StatusCode, r.stderr.String())
	}
	return u
}

// slowDown is the answer to a resident who sends more than the bot takes
// (a burst of 5, then 1 a second, shared by the replicas).
const slowDown = "您发送得有点快，请稍等几秒再继续。"

// say types text as user in a private chat and returns what the replica
// sent the chat in reply. Told to slow down, the user waits and types
// again.
func (r *replica) say(user int64, text string) []telegramtest.Sent {
	r.t.Helper()
	for range 5 {
		before := len(r.api.SentTo(user))
		r.post(telegramtest.Text(user, text))
		sent := r.api.SentTo(user)[before:]
		if len(sent) > 0 && sent[0].Text != slowDown {
			return sent
		}
		time.Sleep(1100 * time.Millisecond)
	}
	r.t.Fatalf("replica %s: no reply to %q from %d", r.name, text, user)
	return nil
}

// press presses the button labelled label on msg as user, and returns the
// callback's answer and the messages sent to the chat meanwhile.
func (r *replica) press(user int64, msg telegramtest.Sent, label string) (string, []telegramtest.Sent) {
	r.t.Helper()
	data := ""
	for _, row := range msg.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.Text, label) && data == "" {
				data = b.Data
			}
		}
	}
	if data == "" {
		r.t.Fatalf("no button %q on %q: %+v", label, msg.Text, msg.Keyboard)
	}
	for range 5 {
		before := len(r.api.SentTo(user))
		u := r.post(telegramtest.Press(user, user, msg.MessageID, data))
		answer, answered := "", false
		for _, cb := range r.api.Callbacks() {
			if cb.ID == u.CallbackQuery.ID {
				answer, answered = cb.Text, true
			}
		}
		if !answered {
			r.t.Fatalf("replica %s: button %q not answered", r.name, label)
		}
		if answer != slowDown {
			return answer, r.api.SentTo(user)[before:]
		}
		time.Sleep(1100 * time.Millisecond)
	}
	r.t.Fatalf("replica %s: button %q: told to slow down again and again", r.name, label)
	return "", nil
}

const replicaStaffPassword = "correct horse battery staple"

// dashboard logs in to the replica's staff dashboard as "staff" and
// returns the page of this year.
func (r *replica) dashboard() string {
	r.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) string {
		resp, err := c.Get(r.base + path)
		if err != nil {
			r.t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(get("/admin/login"))
	if m == nil {
		r.t.Fatalf("replica %s: no CSRF token on the login page", r.name)
	}
	resp, err := c.PostForm(r.base+"/admin/login", url.Values{"csrf": {m[1]}, "user": {"staff"}, "password": {replicaStaffPassword}, "next": {"/admin/"}})
	if err != nil {
		r.t.Fatalf("replica %s: log in: %v", r.name, err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body) // redirected to the dashboard
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="campaigns"`) {
		r.t.Fatalf("replica %s: dashboard after logging in: %d\n%s", r.name, resp.StatusCode, page)
	}
	return string(page)
}

// stop stops the replica and checks it stopped cleanly.
func (r *replica) stop() {
	r.t.Helper()
	r.cancel()
	select {
	case <-r.done:
		if r.err != nil {
			r.t.Errorf("replica %s: serve: %v", r.name, r.err)
		}
	case <-time.After(40 * time.Second):
		r.t.Fatalf("replica %s did not stop", r.name)
	}
	if logs := r.stderr.String(); strings.Contains(logs, telegramtest.Token) {
		r.t.Errorf("replica %s: the log contains the token", r.name)
	}
}

// texts joins the texts of messages, for failure messages.
func texts(ms []telegramtest.Sent) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Text + "\n")
	}
	return b.String()
}

// TestServeReplicas runs two `lawbot serve` replicas in webhook mode
// sharing one Redis, Telegram posting each update to either: residents
// subscribe through both; an admin grants a volunteer role on A; the
// volunteer writes a campaign with /new on B and sends it; both replicas
// look for campaigns due, and every subscriber gets it exactly once, but a
// resident who unsubscribed on B before it was sent; /progress on either
// and `lawbot campaign status` show the broadcast done.
func TestServeReplicas(t *testing.T) {
	url := redistest.URL(t)
	rdb := redistest.Client(t, url)
	prefix := redistest.Prefix(t, rdb)
	api := telegramtest.NewServer()
	t.Cleanup(api.Close) // after the replicas stop
	dir := t.TempDir()
	const (
		admin     = int64(900)
		volunteer = int64(300)
		title     = "3·15 消费者权益日"
	)
	hash, err := webadmin.HashPassword(replicaStaffPassword)
	if err != nil {
		t.Fatal(err)
	}
	a := startReplica(t, "a", dir, url, prefix, api, nil)
	// B also serves the staff dashboard.
	b := startReplica(t, "b", dir, url, prefix, api, map[string]string{"LAWBOT_ADMIN_USERS": "staff:" + hash})
	if a.base == b.base {
		t.Fatalf("both replicas serve %s", a.base)
	}

	// Residents subscribe through either replica. An update Telegram
	// redelivers to the other replica is answered once.
	var residents []int64
	for i := range 12 {
		user, r := int64(101+i), a
		if i >= 6 {
			r = b
		}
		if got := texts(r.say(user, "/subscribe")); !strings.Contains(got, "订阅成功") {
			t.Fatalf("/subscribe by %d on %s = %q", user, r.name, got)
		}
		residents = append(residents, user)
	}
	u := a.post(telegramtest.Text(120, "/subscribe"))
	b.post(u) // the same update, redelivered to B
	if got := api.SentTo(120); len(got) != 1 || !strings.Contains(got[0].Text, "订阅成功") {
		t.Errorf("/subscribe on A redelivered to B: replies %q, want one", texts(got))
	}
	residents = append(residents, 120)
	// Resident 103 subscribed on A and unsubscribes on B.
	const gone = int64(103)
	if got := texts(b.say(gone, "/unsubscribe")); !strings.Contains(got, "已退订") {
		t.Fatalf("/unsubscribe on B = %q", got)
	}
	bg := context.Background()
	for _, r := range []*replica{a, b} {
		n, err := r.cw.store.Subscribers(bg)
		if err != nil || n != len(residents)-1 {
			t.Errorf("replica %s: Subscribers() = %d, %v, want %d", r.name, n, err, len(residents)-1)
		}
		if ok, err := r.cw.store.Subscribed(bg, gone); ok || err != nil {
			t.Errorf("replica %s: Subscribed(%d) = %v, %v after /unsubscribe on B", r.name, gone, ok, err)
		}
	}

	// The replicas share each resident's rate limit: a burst of 5 spread
	// over both, and the 6th message is refused whichever gets it.
	const flood = int64(150)
	for i := range 5 {
		r := []*replica{a, b}[i%2]
		if got := texts(r.say(flood, "/help")); strings.Contains(got, slowDown) {
			t.Fatalf("message %d of the burst on %s refused", i+1, r.name)
		}
	}
	before := len(api.SentTo(flood))
	b.post(telegramtest.Text(flood, "/help"))
	if got := api.SentTo(flood)[before:]; len(got) != 1 || got[0].Text != slowDown {
		t.Errorf("6th message in a row, on B after 3 on A and 2 on B: %q, want the slow-down message", texts(got))
	}

	// The admin, configured on both, grants the volunteer role on A; B
	// knows it.
	if got := texts(a.say(admin, "/grant 300 volunteer")); !strings.Contains(got, "已将用户 300 设为志愿者") {
		t.Fatalf("/grant on A = %q", got)
	}
	if got := b.cw.svc.Roles().Role(volunteer); got != campaign.RoleVolunteer {
		t.Fatalf("replica b: Role(%d) = %s, want %s", volunteer, got, campaign.RoleVolunteer)
	}

	// The volunteer writes the campaign with /new on B and sends it from
	// its preview.
	step := b.say(volunteer, "/new")
	if !strings.Contains(step[0].Text, "第 1/5 步") {
		t.Fatalf("/new on B = %q", texts(step))
	}
	_, sent := b.press(volunteer, step[0], "不选主题")
	if !strings.Contains(texts(sent), "第 2/5 步") {
		t.Fatalf("after the theme button: %q", texts(sent))
	}
	if got := texts(b.say(volunteer, title)); !strings.Contains(got, "第 3/5 步") {
		t.Fatalf("after the title: %q", got)
	}
	step = b.say(volunteer, "网购商品七日内可无理由退货。")
	if !strings.Contains(step[0].Text, "第 4/5 步") {
		t.Fatalf("after the message: %q", texts(step))
	}
	_, step = b.press(volunteer, step[len(step)-1], "跳过问答")
	if !strings.Contains(texts(step), "第 5/5 步") {
		t.Fatalf("after skipping the quiz: %q", texts(step))
	}
	_, step = b.press(volunteer, step[len(step)-1], "跳过活动")
	var preview telegramtest.Sent
	for _, m := range step {
		if strings.Contains(m.Text, "【预览 · 推送") {
			preview = m
		}
	}
	if preview.Text == "" || !strings.Contains(preview.Text, title) {
		t.Fatalf("after skipping the event: %q, want the preview", texts(step))
	}
	if got, _ := b.press(volunteer, preview, "✅"); got != "已安排" {
		t.Fatalf("send button on B answered %q", got)
	}
	cs, err := a.cw.store.List(bg)
	if err != nil || len(cs) != 1 || cs[0].Title != title || cs[0].By != volunteer {
		t.Fatalf("replica a: List() = %+v, %v, want the volunteer's campaign", cs, err)
	}
	id := cs[0].ID

	// Both replicas look for campaigns due every 50ms; the broadcast is
	// done once, whichever sends.
	wait(t, "the broadcast to be done", func() bool {
		ps, err := a.cw.store.Progress(bg, id)
		return err == nil && len(ps) == 1 && ps[0].State == campaign.BroadcastDone
	})
	time.Sleep(500 * time.Millisecond) // ten more ticks: nothing is sent again
	for _, user := range residents {
		got := api.SentTo(user)
		n := 0
		for _, m := range got {
			if strings.Contains(m.Text, title) {
				n++
			}
		}
		switch {
		case user == gone && (n != 0 || len(got) != 2):
			t.Errorf("resident %d, unsubscribed on B before the send: got %q, want the two replies only", user, texts(got))
		case user != gone && (n != 1 || len(got) != 2):
			t.Errorf("resident %d: got the campaign %d times in %q, want once after the reply to /subscribe", user, n, texts(got))
		}
	}
	want := campaign.Progress{Campaign: id, State: campaign.BroadcastDone, Total: len(residents) - 1, Sent: len(residents) - 1}
	line := fmt.Sprintf("推送 %s：已完成，共 %d 人，已送达 %d，已退订 0，待发送 0", id, want.Total, want.Sent)
	for _, r := range []*replica{a, b} {
		ps, err := r.cw.store.Progress(bg)
		if err != nil || len(ps) != 1 || ps[0].Campaign != id || ps[0].State != want.State || ps[0].Total != want.Total ||
			ps[0].Sent != want.Sent || ps[0].Pending != 0 || ps[0].Gone != 0 || ps[0].Uncertain != 0 {
			t.Errorf("replica %s: Progress() = %+v, %v, want %+v", r.name, ps, err, want)
		}
		if got := texts(r.say(volunteer, "/progress")); !strings.Contains(got, line) {
			t.Errorf("/progress on %s = %q, want %q", r.name, got, line)
		}
		c, err := r.cw.store.Get(bg, id)
		if err != nil || c.Status != campaign.StatusSent {
			t.Errorf("replica %s: Get(%s) = %+v, %v, want it sent", r.name, id, c, err)
		}
	}
	// `lawbot campaign status` reads the progress from Redis, not from a
	// data directory.
	var out, errb lockedBuffer
	renv := map[string]string{"LAWBOT_REDIS_URL": url, "LAWBOT_REDIS_PREFIX": prefix}
	if code := run(bg, &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return renv[k] }},
		[]string{"campaign", "status", "-data", t.TempDir()}); code != 0 || !strings.Contains(out.String(), line) {
		t.Errorf("campaign status = %d %q %q, want %q", code, out.String(), errb.String(), line)
	}

	// The dashboard on B names the campaign A or B sent, and counts the
	// subscribers of both.
	dash := b.dashboard()
	if !strings.Contains(dash, "<td>"+id+". "+title+"</td><td>已发送</td>") ||
		!strings.Contains(dash, fmt.Sprintf("<strong>%d</strong> 人", len(residents)-1)) {
		t.Errorf("dashboard on B lacks campaign %s %q (sent) or %d subscribers:\n%s", id, title, len(residents)-1, dash)
	}

	b.stop()
	a.stop()

	// Every key the replicas wrote is under -redis-prefix (checked when
	// the Redis is this test's own).
	if os.Getenv("LAWBOT_TEST_REDIS_URL") == "" {
		keys, err := rdb.Keys(bg, "*").Result()
		if err != nil || len(keys) == 0 {
			t.Fatalf("Keys() = %v, %v", keys, err)
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, "{"+prefix+"}:") && !strings.HasPrefix(k, "{"+prefix+":campaign}:") && !strings.HasPrefix(k, prefix+":") {
				t.Errorf("key %q is not under the prefix %q", k, prefix)
			}
		}
	}
}
