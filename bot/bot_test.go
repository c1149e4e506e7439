package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
	"github.com/lawbot/lawbot/bot/bottest"
	"github.com/lawbot/lawbot/stats"
)

func TestMain(m *testing.M) { bottest.Main(m) }

var msgSeq atomic.Int64

// chat is one resident talking to a Core in a private chat.
type chat struct {
	t        *testing.T
	core     *bot.Core
	resident string
}

func newChat(t *testing.T, core *bot.Core, resident string) *chat {
	return &chat{t: t, core: core, resident: resident}
}

func (c *chat) send(m bot.Message) bot.Result {
	c.t.Helper()
	if m.ID == "" {
		m.ID = fmt.Sprintf("test:msg:%d", msgSeq.Add(1))
	}
	m.Channel, m.Resident = stats.ChannelWeb, c.resident
	if m.Chat == "" {
		m.Chat = c.resident
	}
	res, err := c.core.Handle(context.Background(), m)
	if err != nil {
		c.t.Fatalf("Handle(%+v): %v", m, err)
	}
	checkResult(c.t, res)
	return res
}

func (c *chat) say(text string) bot.Result {
	c.t.Helper()
	return c.send(bot.Message{Text: text})
}

func (c *chat) press(b bot.Button, ref string) bot.Result {
	c.t.Helper()
	return c.send(bot.Message{Data: b.Data, Ref: ref})
}

// checkResult checks what every result must be: replies with text or an
// answer, button data that fits Telegram.
func checkResult(t *testing.T, res bot.Result) {
	t.Helper()
	for _, r := range res.Replies {
		if (r.Text == "") == (r.Answer == nil) {
			t.Errorf("reply has both or neither of text and answer: %+v", r)
		}
		if r.Answer != nil && strings.TrimSpace(r.Answer.Text) == "" {
			t.Errorf("answer with empty text: %+v", r.Answer)
		}
		for _, row := range r.Buttons {
			if len(row) == 0 {
				t.Errorf("empty button row in %q", r.Text)
			}
			for _, b := range row {
				if b.Text == "" || b.Data == "" || len(b.Data) > bot.MaxDataLen {
					t.Errorf("bad button %+v (%d bytes)", b, len(b.Data))
				}
			}
		}
	}
}

// findButton returns the first button whose label contains label.
func findButton(t *testing.T, res bot.Result, label string) bot.Button {
	t.Helper()
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return b
				}
			}
		}
	}
	t.Fatalf("no button %q in %+v", label, res)
	return bot.Button{}
}

func allText(res bot.Result) string {
	var b strings.Builder
	for _, r := range res.Replies {
		if r.Answer != nil {
			b.WriteString(r.Answer.Text)
		}
		b.WriteString(r.Text)
		b.WriteString("\n")
	}
	return b.String()
}

func answerOf(t *testing.T, res bot.Result) *answer.Answer {
	t.Helper()
	for _, r := range res.Replies {
		if r.Answer != nil {
			return r.Answer
		}
	}
	t.Fatalf("no answer in %+v", res)
	return nil
}

func TestAskAnswersAndCounts(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	c := newChat(t, core, "web:resident-ask-0001")

	res := c.say("房东不退押金怎么办？")
	a := answerOf(t, res)
	if a.Kind != answer.FAQ || a.Entry.Category != "rental" {
		t.Fatalf("answer = kind %v entry %+v, want a rental FAQ", a.Kind, a.Entry)
	}
	up := findButton(t, res, "有帮助")
	if !up.Rating {
		t.Errorf("helpful button not marked as rating: %+v", up)
	}
	findButton(t, res, "没帮助")
	findButton(t, res, "法律顾问")
	if !strings.Contains(allText(res), "社区") {
		t.Errorf("first answer without a community nudge: %q", allText(res))
	}

	got := rec.Events(stats.KindConsultation)
	if len(got) != 1 {
		t.Fatalf("consultations = %d, want 1", len(got))
	}
	e := got[0]
	if e.Category != "rental" || e.Entry != a.Entry.ID || e.Community != bot.NoCommunity || e.Channel != stats.ChannelWeb {
		t.Errorf("consultation = %+v", e)
	}

	// A question no entry answers is counted as unanswered, with its text
	// (the statistics store redacts and keeps it for review).
	res = c.say("我养的鹦鹉飞到邻居家不还给我了")
	a = answerOf(t, res)
	if a.Kind == answer.FAQ {
		t.Skipf("the knowledge base now answers the parrot question (%s); pick another", a.Entry.ID)
	}
	findButton(t, res, "法律援助")
	got = rec.Events(stats.KindConsultation)
	if len(got) != 2 || got[1].Category != stats.Unanswered || got[1].Question == "" {
		t.Errorf("unanswered consultation = %+v", got)
	}
}

func TestHostileInput(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	tests := []struct {
		name    string
		text    string
		counted bool // a consultation is counted (anything searchable)
	}{
		{"empty", "", false},
		{"whitespace", " \t\n　 ", false},
		{"emoji", "🙂🙂🙏", false},
		{"symbols", "？？？！！！", false},
		{"100KB", strings.Repeat("房东不退押金怎么办", 100_000/27), true},
		{"invalid UTF-8", "房东\xff\xfe不退押金", true},
		{"bleve syntax", `+-:^~*?"()/.*/ 押金`, true},
		{"regexp", "/.*/", false},
		{"zero-width", "房\u200b东\u200d不退\ufeff押金", true},
		{"right-to-left", "\u202e金押退不东房", true},
		{"full-width", "ＡＢＣ　房东不退押金", true},
		{"traditional", "房東不退押金怎麼辦", true},
		{"english", "my landlord keeps my deposit", true},
		{"html", "<script>alert('x')</script>押金", true},
		{"control characters", "押金\x00\x07\x1b[31m", true},
		{"sql", "'; DROP TABLE users; --", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rec.Count(stats.KindConsultation)
			c := newChat(t, core, fmt.Sprintf("web:hostile-%04d-resident", i))
			res := c.say(tt.text)
			if len(res.Replies) == 0 || strings.TrimSpace(allText(res)) == "" {
				t.Fatalf("no reply to %q", tt.name)
			}
			counted := rec.Count(stats.KindConsultation) - before
			if a := findAnswer(res); a != nil && a.Kind != answer.Rephrase {
				if counted != 1 {
					t.Errorf("answered (%v) but counted %d consultations", a.Kind, counted)
				}
			} else if counted != 0 {
				t.Errorf("asked to rephrase but counted %d consultations", counted)
			}
			if tt.counted && counted != 1 {
				t.Errorf("counted %d consultations, want 1", counted)
			}
		})
	}
}

func findAnswer(res bot.Result) *answer.Answer {
	for _, r := range res.Replies {
		if r.Answer != nil {
			return r.Answer
		}
	}
	return nil
}

func TestRatingCountedOncePerAnswer(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	c := newChat(t, core, "web:resident-rate-0001")
	res := c.say("公司拖欠工资怎么办")
	up, down := findButton(t, res, "有帮助"), findButton(t, res, "没帮助")

	if got := c.press(up, "reply-1"); got.Notice != "感谢您的评价！" {
		t.Errorf("notice = %q", got.Notice)
	}
	// Pressed again, or the other button of the same answer: not counted.
	for _, b := range []bot.Button{up, down} {
		if got := c.press(b, "reply-1"); !strings.Contains(got.Notice, "已经评价") {
			t.Errorf("second press: notice = %q", got.Notice)
		}
	}
	ratings := rec.Events(stats.KindRating)
	if len(ratings) != 1 || ratings[0].Rating != 5 || ratings[0].Category != "labor" {
		t.Fatalf("ratings = %+v, want one 5 in labor", ratings)
	}

	// Not helpful on another answer: counted as 1, with a way forward.
	res = c.say("邻居装修噪音太大")
	got := c.press(findButton(t, res, "没帮助"), "reply-2")
	findButton(t, got, "法律顾问")
	if ratings := rec.Events(stats.KindRating); len(ratings) != 2 || ratings[1].Rating != 1 {
		t.Errorf("ratings = %+v, want a second one of 1", ratings)
	}
}

func TestForgedButtonData(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	c := newChat(t, core, "web:resident-forge-001")
	res := c.say("公司拖欠工资怎么办")
	up := findButton(t, res, "有帮助")
	payload, sig, _ := strings.Cut(up.Data, "~")

	forged := []string{
		"r|-|5",                  // no signature
		payload + "~AAAAAAAAAAA", // wrong signature
		strings.Replace(payload, "|5", "|4", 1) + "~" + sig, // changed payload
		"c|" + strings.Repeat("A", 60) + "~" + sig,          // too long
		"~",
		"\xff\xfe~\x00",
	}
	for _, data := range forged {
		got := c.press(bot.Button{Data: data}, "reply-x")
		if got.Notice == "" || len(got.Replies) != 0 {
			t.Errorf("forged %q: %+v, want a notice only", data, got)
		}
	}
	// Signed for another chat: rejected too.
	other := newChat(t, core, "web:someone-else-0001")
	if got := other.press(up, "reply-x"); got.Notice == "" || strings.Contains(got.Notice, "感谢") {
		t.Errorf("button from another chat: %+v", got)
	}
	if n := rec.Count(stats.KindRating); n != 0 {
		t.Errorf("forged data counted %d ratings", n)
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestStaffCommandRefusedToResidents(t *testing.T) {
	core, mem := bottest.NewCore(t, nil, func(cfg *bot.Config) {
		cfg.Roles = bot.StaffList{"web:staff-member-0001": true}
	})
	_ = mem.AddMediation(context.Background(), bot.MediationRequest{
		ID: "m1", Number: "MABCDEF", Time: time.Now(), Community: "幸福社区", Kind: "neighbor",
		Description: "楼上漏水", Phone: "13812345678",
	})
	if got := allText(newChat(t, core, "web:resident-plain-01").say("/mediations")); !strings.Contains(got, "工作人员") || strings.Contains(got, "13812345678") {
		t.Errorf("resident got %q", got)
	}
	staff := newChat(t, core, "web:staff-member-0001")
	if got := allText(staff.say("/mediations")); !strings.Contains(got, "13812345678") {
		t.Errorf("staff got %q, want the request", got)
	}
	if got := allText(staff.send(bot.Message{Text: "/mediations", Group: true, Chat: "web:group"})); strings.Contains(got, "13812345678") {
		t.Errorf("staff in a group got personal data: %q", got)
	}
}

func TestCommunityChoice(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	c := newChat(t, core, "web:resident-comm-0001")
	res := c.say("/start")
	if !strings.Contains(allText(res), "法律咨询助手") {
		t.Errorf("welcome = %q", allText(res))
	}
	got := c.press(findButton(t, res, "幸福社区"), "r1")
	if !strings.Contains(allText(got), "王律师") {
		t.Errorf("after choosing 幸福社区: %q, want its adviser", allText(got))
	}
	if !strings.Contains(allText(c.say("/adviser")), "王律师") {
		t.Error("/adviser does not name the community's adviser")
	}
	res = c.say("公司拖欠工资怎么办")
	if strings.Contains(allText(res), "还没有选择") {
		t.Error("nudged to choose a community after choosing one")
	}
	if e := rec.Events(stats.KindConsultation); len(e) != 1 || e[0].Community != "幸福社区" {
		t.Errorf("consultation = %+v, want community 幸福社区", e)
	}
	if got := allText(c.say("/start")); !strings.Contains(got, "您所在的社区：幸福社区") {
		t.Errorf("second /start = %q", got)
	}
}

func TestTopics(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	c := newChat(t, core, "web:resident-topic-001")
	res := c.say("/topics")
	list := c.press(findButton(t, res, "房屋租赁"), "r1")
	if !strings.Contains(allText(list), "房屋租赁") {
		t.Fatalf("category list = %q", allText(list))
	}
	next := c.press(findButton(t, list, "下一页"), "r2")
	if !strings.Contains(allText(next), "第 2/") {
		t.Errorf("next page = %q", allText(next))
	}
	q := list.Replies[0].Buttons[0][0]
	got := c.press(q, "r3")
	a := answerOf(t, got)
	if a.Kind != answer.FAQ || a.Entry.Category != "rental" || a.Confidence != 1 {
		t.Errorf("picked entry answer = %v %+v", a.Kind, a.Entry)
	}
	if e := rec.Events(stats.KindConsultation); len(e) != 1 || e[0].Entry != a.Entry.ID {
		t.Errorf("consultations = %+v", e)
	}
	c.press(findButton(t, list, "返回"), "r4")
}

func TestMediationForm(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, mem := bottest.NewCore(t, rec)
	c := newChat(t, core, "web:resident-mediate-1")

	res := c.say("/mediate")
	res = c.press(findButton(t, res, "和平社区"), "r1") // community first
	res = c.press(findButton(t, res, "物业与邻里"), "r2")
	if !strings.Contains(allText(res), "说明纠纷情况") {
		t.Fatalf("after the kind: %q", allText(res))
	}
	if got := allText(c.say("吵")); !strings.Contains(got, "多写几句") {
		t.Errorf("too short a description: %q", got)
	}
	c.say("楼上邻居每天晚上十二点以后还在装修敲打，沟通过两次没有改善，希望调解。")
	if got := allText(c.say("12345")); !strings.Contains(got, "号码好像不对") {
		t.Errorf("bad phone: %q", got)
	}
	res = c.say("138 1234 5678")
	if got := allText(res); !strings.Contains(got, "13812345678") || !strings.Contains(got, "和平社区") {
		t.Fatalf("confirmation = %q", got)
	}
	submit := findButton(t, res, "提交")
	done := c.press(submit, "r3")
	if got := allText(done); !strings.Contains(got, "已提交") {
		t.Fatalf("after submit: %q", got)
	}
	if again := c.press(submit, "r3"); strings.Contains(allText(again), "已提交，编号") {
		t.Error("submitted twice")
	}
	reqs, _ := mem.Mediations(context.Background(), 10)
	if len(reqs) != 1 || reqs[0].Phone != "13812345678" || reqs[0].Kind != "neighbor" || reqs[0].Community != "和平社区" {
		t.Errorf("requests = %+v", reqs)
	}
	if ev := rec.Events(stats.KindMediation); len(ev) != 1 || ev[0].Category != "neighbor" {
		t.Errorf("mediation events = %+v", ev)
	}
	// The form is over: text is a question again.
	if findAnswer(c.say("公司拖欠工资怎么办")) == nil {
		t.Error("question after the form not answered")
	}
}

func TestMediationCancelAndGroups(t *testing.T) {
	core, _ := bottest.NewCore(t, nil)
	c := newChat(t, core, "web:resident-mediate-2")
	c.say("/mediate")
	if got := allText(c.say("/cancel")); !strings.Contains(got, "已取消") {
		t.Errorf("/cancel = %q", got)
	}
	if got := allText(c.say("/cancel")); !strings.Contains(got, "没有正在填写") {
		t.Errorf("second /cancel = %q", got)
	}
	if got := allText(c.send(bot.Message{Text: "/mediate", Group: true, Chat: "web:group-1"})); !strings.Contains(got, "私聊") {
		t.Errorf("/mediate in a group = %q", got)
	}
}

func TestLegalAid(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	res := newChat(t, core, "web:resident-aid-00001").say("/aid")
	if len(res.Replies) < 1 || !strings.Contains(allText(res), "法律援助") {
		t.Errorf("/aid = %q", allText(res))
	}
	if n := rec.Count(stats.KindLegalAid); n != 1 {
		t.Errorf("legal-aid referrals = %d, want 1", n)
	}
}

func TestDefaultEntriesExist(t *testing.T) {
	base := bottest.Base(t)
	for _, id := range append(bot.DefaultEntries.Aid, bot.DefaultEntries.Adviser) {
		if _, ok := base.ByID(id); !ok {
			t.Errorf("bot.DefaultEntries names %q, which the shipped knowledge base does not have", id)
		}
	}
}

type fakeCampaigns struct{ payload string }

func (f *fakeCampaigns) Campaign(context.Context, bot.Message) (bot.Result, error) {
	return bot.Result{Replies: []bot.Reply{{Text: "本月主题：宪法宣传"}}}, nil
}
func (f *fakeCampaigns) Subscribe(_ context.Context, _ bot.Message, on bool) (bot.Result, error) {
	return bot.Result{Replies: []bot.Reply{{Text: fmt.Sprint("订阅 ", on)}}}, nil
}
func (f *fakeCampaigns) Start(_ context.Context, _ bot.Message, payload string) (bot.Result, error) {
	f.payload = payload
	return bot.Result{Replies: []bot.Reply{{Text: "签到成功"}}}, nil
}
func (f *fakeCampaigns) Press(_ context.Context, _ bot.Message, data string, _ *bot.HookForm) (bot.Result, error) {
	return bot.Result{Notice: "答案：" + data}, nil
}
func (f *fakeCampaigns) Command(context.Context, bot.Message, string, string, *bot.HookForm) (bot.Result, bool, error) {
	return bot.Result{}, false, nil
}
func (f *fakeCampaigns) Input(context.Context, bot.Message, *bot.HookForm) (bot.Result, error) {
	return bot.Result{}, nil
}

func TestCampaignHooks(t *testing.T) {
	core, _ := bottest.NewCore(t, nil)
	c := newChat(t, core, "web:resident-camp-0001")
	for _, cmd := range []string{"/campaign", "/subscribe", "/start ev_12"} {
		if got := allText(c.say(cmd)); !strings.Contains(got, "目前没有") && !strings.Contains(got, "暂未开通") {
			t.Errorf("%s without campaigns = %q", cmd, got)
		}
	}

	hook := &fakeCampaigns{}
	core, _ = bottest.NewCore(t, nil, func(cfg *bot.Config) { cfg.Campaigns = hook })
	c = newChat(t, core, "web:resident-camp-0002")
	if got := allText(c.say("/start ev_12")); got != "签到成功\n" || hook.payload != "ev_12" {
		t.Errorf("/start ev_12 = %q, payload %q", got, hook.payload)
	}
	if got := allText(c.say("/unsubscribe")); got != "订阅 false\n" {
		t.Errorf("/unsubscribe = %q", got)
	}
	btn, err := core.CampaignButton(bot.Message{Chat: c.resident}, "A", "q1.a")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.press(btn, "r1"); got.Notice != "答案：q1.a" {
		t.Errorf("campaign button = %+v", got)
	}
}

func TestStatisticsNeverBlockAnswers(t *testing.T) {
	rec := bottest.NewRecorder(t)
	rec.FailWith(errors.New("statistics down"))
	core, _ := bottest.NewCore(t, rec)
	res, err := core.Handle(context.Background(), bot.Message{
		ID: "t:1", Channel: stats.ChannelWeb, Resident: "web:resident-statsdown", Chat: "web:resident-statsdown", Text: "公司拖欠工资怎么办",
	})
	if findAnswer(res) == nil {
		t.Errorf("no answer while statistics fail: %+v", res)
	}
	if err == nil || !strings.Contains(err.Error(), "statistics down") {
		t.Errorf("err = %v, want the statistics error for the log", err)
	}

	// A slow store delays no answer beyond the deadline, and the event is
	// still recorded.
	slow := &slowRecorder{Recorder: bottest.NewRecorder(t), release: make(chan struct{})}
	core, _ = bottest.NewCore(t, slow, func(cfg *bot.Config) { cfg.StatsTimeout = 10 * time.Millisecond })
	res, err = core.Handle(context.Background(), bot.Message{
		ID: "t:2", Channel: stats.ChannelWeb, Resident: "web:resident-statshang", Chat: "web:resident-statshang", Text: "公司拖欠工资怎么办",
	})
	if findAnswer(res) == nil || !errors.Is(err, bot.ErrStatsSlow) {
		t.Errorf("slow store: answer %v, err %v; want an answer and ErrStatsSlow", findAnswer(res) != nil, err)
	}
	close(slow.release)
	core.Wait()
	if n := slow.Count(stats.KindConsultation); n != 1 {
		t.Errorf("slow store: %d consultations recorded, want 1", n)
	}
}

// slowRecorder records once released.
type slowRecorder struct {
	*bottest.Recorder
	release chan struct{}
}

func (s *slowRecorder) Record(ctx context.Context, e stats.Event) error {
	select {
	case <-s.release:
		return s.Recorder.Record(ctx, e)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// scripted answers questions from a table, for testing follow-ups.
type scripted struct {
	*answer.Composer
	answers map[string]string // question -> entry id
}

func (s scripted) Ask(ctx context.Context, q string) (answer.Answer, error) {
	if id, ok := s.answers[q]; ok {
		return s.Entry(id)
	}
	return answer.Answer{Kind: answer.NoMatch, Text: "没有找到"}, nil
}

func TestFollowUp(t *testing.T) {
	comp := bottest.Composer(t)
	first, second := bottest.Base(t).Entries[0], bottest.Base(t).Entries[1]
	if first.Category != second.Category {
		t.Fatalf("first two entries in different categories: %s, %s", first.Category, second.Category)
	}
	s := scripted{Composer: comp, answers: map[string]string{
		"第一个问题":                       first.ID,
		first.Question + " " + "那怎么办": second.ID,
	}}
	core, _ := bottest.NewCore(t, nil, func(cfg *bot.Config) { cfg.Answerer = s })
	c := newChat(t, core, "web:resident-follow-01")
	c.say("第一个问题")
	res := c.say("那怎么办")
	if a := answerOf(t, res); a.Entry == nil || a.Entry.ID != second.ID || !strings.Contains(allText(res), "上一个问题") {
		t.Errorf("follow-up = %q", allText(res))
	}
	// A question on its own is not read as a follow-up.
	if a := answerOf(t, c.say("完全无关的一句很长的话呀")); a.Kind != answer.NoMatch {
		t.Errorf("unrelated question answered as a follow-up: %+v", a.Entry)
	}
}

func TestConcurrentResidents(t *testing.T) {
	rec := bottest.NewRecorder(t)
	core, _ := bottest.NewCore(t, rec)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 3 {
				_, err := core.Handle(context.Background(), bot.Message{
					ID: fmt.Sprintf("t:%d:%d", i, j), Channel: stats.ChannelWeb,
					Resident: fmt.Sprintf("web:concurrent-%04d", i), Chat: fmt.Sprintf("web:concurrent-%04d", i),
					Text: "公司拖欠工资怎么办",
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := rec.Count(stats.KindConsultation); n != 60 {
		t.Errorf("consultations = %d, want 60", n)
	}
}

func FuzzHandle(f *testing.F) {
	core, _ := bottest.NewCore(f, bottest.NewRecorder(f), func(cfg *bot.Config) { cfg.Rate = 1e9; cfg.Burst = 1e9 })
	res, _ := core.Handle(context.Background(), bot.Message{ID: "f:0", Channel: stats.ChannelWeb, Resident: "web:fuzz", Chat: "web:fuzz", Text: "/topics"})
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				f.Add("", b.Data)
			}
		}
	}
	f.Add("房东不退押金怎么办", "")
	f.Add("/start ev_1", "")
	f.Add("", "r|-|5~AAAAAAAAAAA")
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, text, data string) {
		m := bot.Message{ID: fmt.Sprintf("f:%d", n.Add(1)), Channel: stats.ChannelWeb, Resident: "web:fuzz", Chat: "web:fuzz", Text: text, Data: data}
		res, _ := core.Handle(context.Background(), m)
		if data != "" && res.Notice == "" && len(res.Replies) == 0 {
			t.Errorf("button %q: nothing to show", data)
		}
		if data == "" && len(res.Replies) == 0 {
			t.Errorf("text %q: no reply", text)
		}
	})
}
