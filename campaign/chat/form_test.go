package chat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/stats"
)

// polite fails unless got is a refusal a volunteer can act on: no system
// error, no refusal of their role.
func polite(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) || strings.Contains(got, "系统繁忙") || strings.Contains(got, textForbidden) {
		t.Errorf("%s = %q, want a polite message saying %q", what, got, want)
	}
}

// TestNewCampaignForm fills in /new with buttons and typed text, with a
// wrong answer at every step, and sends the campaign from its preview.
func TestNewCampaignForm(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		step := func(text, want string) {
			t.Helper()
			if got := all(e.say(volunteer, private, text)); !strings.Contains(got, want) {
				t.Fatalf("%q = %q, want %q", text, got, want)
			}
		}
		// bad types text that must be refused at the current step.
		bad := func(text, want string) {
			t.Helper()
			before := e.snapshot()
			polite(t, "form input "+short(text), all(e.say(volunteer, private, text)), want)
			if after := e.snapshot(); after != before {
				t.Errorf("bad input %q changed the state:\n%s\nto\n%s", short(text), before, after)
			}
		}
		res := e.say(volunteer, private, "/new")
		bad("随便写点什么", "请点击上面的按钮")
		themeData := findButton(t, res, "3月 ")
		if got := all(e.press(volunteer, private, themeData)); !strings.Contains(got, "第 2/5 步") || !strings.Contains(got, "也可沿用主题标题") {
			t.Fatalf("theme = %q", got)
		}
		bad(strings.Repeat("标", 101), "标题不能为空，且不超过 100 字")
		step("3·15 消费者权益日：网购退货指南", "第 3/5 步")
		bad(strings.Repeat("文", 3001), "正文不能为空，且不超过 3000 字")
		res = e.say(volunteer, private, "/new") // start again: the old form is gone
		if !strings.Contains(all(res), "第 1/5 步") {
			t.Fatalf("/new again = %q", all(res))
		}
		if got := all(e.press(volunteer, private, themeData)); !strings.Contains(got, "第 2/5 步") {
			t.Fatalf("theme = %q", got)
		}
		step("3·15 消费者权益日：网购退货指南", "第 3/5 步")
		msg := e.say(volunteer, private, "网购商品七日内可无理由退货。")
		if !strings.Contains(all(msg), "第 4/5 步") {
			t.Fatalf("message = %q", all(msg))
		}
		bad("网购几天可以退货？", "请以“题：”开始")
		bad("题：网购几天可以退货？\nA. 3天\nB. 7天", "没有标出正确答案")
		step("题：网购几天可以退货？\nA. 3天\nB. 7天 *\n解：消费者权益保护法第二十五条。", "第 5/5 步")
		bad("社区活动室 30人", "请写明活动时间")
		when := time.Now().In(campaign.Zone).AddDate(0, 0, 3)
		bad("社区活动室 "+time.Now().In(campaign.Zone).AddDate(0, 0, -3).Format("2006-01-02")+" 14:00 30人", "已经过去")
		preview := e.say(volunteer, private, "社区活动室 "+when.Format("2006-01-02")+" 14:00 30人")
		got := all(preview)
		for _, want := range []string{"已保存为草稿，推送编号 2", "【预览 · 推送 2 · 草稿】", "网购几天可以退货？", "A. 3天", "社区活动室", "限 30 人"} {
			if !strings.Contains(got, want) {
				t.Errorf("preview lacks %q: %q", want, got)
			}
		}
		if e.hookState(volunteer) != "" {
			t.Errorf("form still open after the preview: %s", e.hookState(volunteer))
		}
		c := e.get("2")
		if c.Theme != "consumer-rights" || len(c.Quiz) != 1 || c.Quiz[0].Answer != 1 || c.Event == nil || c.Event.Capacity != 30 || c.By != volunteer {
			t.Errorf("stored campaign = %+v", c)
		}
		if got := all(e.press(volunteer, private, findButton(t, preview, "✅"))); !strings.Contains(got, "已安排") {
			t.Errorf("send button = %q", got)
		}
		if c := e.get("2"); c.Status != campaign.StatusScheduled {
			t.Errorf("status after send = %s", c.Status)
		}

		// With the theme's title and message, no quiz, no event.
		res = e.say(volunteer, private, "/new")
		e.press(volunteer, private, findButton(t, res, "12月"))
		res = e.say(volunteer, private, "宪法宣传周") // typed title
		res = e.press(volunteer, private, findButton(t, res, "沿用主题正文"))
		res = e.press(volunteer, private, findButton(t, res, "跳过问答"))
		res = e.press(volunteer, private, findButton(t, res, "跳过活动"))
		if got := all(res); !strings.Contains(got, "推送编号 3") {
			t.Fatalf("skip to the end = %q", got)
		}
		c = e.get("3")
		if th := e.svc.Calendar().Theme(c.Theme); th == nil || c.Message != th.Message || c.Quiz != nil || c.Event != nil {
			t.Errorf("campaign with the theme's message = %+v", c)
		}
		// Its buttons are dead now the form is over.
		if got := all(e.press(volunteer, private, findButton(t, res, "🗑"))); !strings.Contains(got, "已放弃") {
			t.Errorf("discard = %q", got)
		}
	})
}

func short(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// TestFormCancelAndRedelivery cancels forms by command and button and
// types into a form with a redelivered update.
func TestFormCancelAndRedelivery(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		e.say(volunteer, private, "/new")
		if got := all(e.say(volunteer, private, "/cancel")); !strings.Contains(got, "已取消") || e.hookState(volunteer) != "" {
			t.Errorf("/cancel = %q, form %q", got, e.hookState(volunteer))
		}
		// After /cancel, text is a question again.
		if res := e.say(volunteer, private, "公司拖欠工资怎么办"); !strings.Contains(all(res), "[answer]") {
			t.Errorf("question after /cancel = %q", all(res))
		}
		res := e.say(volunteer, private, "/log")
		if got := all(e.press(volunteer, private, findButton(t, res, "取消"))); !strings.Contains(got, "已取消") || e.hookState(volunteer) != "" {
			t.Errorf("cancel button = %q, form %q", got, e.hookState(volunteer))
		}
		if got := all(e.press(volunteer, private, findButton(t, res, "讲座"))); !strings.Contains(got, "已经提交或取消") {
			t.Errorf("button of a cancelled form = %q", got)
		}

		// The same update twice takes the title once.
		res = e.say(volunteer, private, "/new")
		e.press(volunteer, private, findButton(t, res, txtNoTheme))
		first := all(e.sayID("tg:update:9001", volunteer, "标题一"))
		state := e.hookState(volunteer)
		if again := all(e.sayID("tg:update:9001", volunteer, "标题一")); again != first || e.hookState(volunteer) != state {
			t.Errorf("redelivered title: %q then %q; form %s then %s", first, again, state, e.hookState(volunteer))
		}
		if !strings.Contains(first, "第 3/5 步") {
			t.Errorf("title = %q", first)
		}
	})
}

const txtNoTheme = "不选主题"

// TestLogForm logs a lecture and a visit with the guided form.
func TestLogForm(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		before := e.counts()
		res := e.say(volunteer, private, "/log")
		res = e.press(volunteer, private, findButton(t, res, "讲座"))
		if !strings.Contains(all(res), "哪天") {
			t.Fatalf("kind = %q", all(res))
		}
		for _, tt := range []struct{ in, want string }{
			{"明年", "不是日期"},
			{time.Now().In(campaign.Zone).AddDate(0, 0, 2).Format("2006-01-02"), "还没到"},
			{"2026-02-30", "不存在"},
		} {
			state := e.hookState(volunteer)
			polite(t, "date "+tt.in, all(e.say(volunteer, private, tt.in)), tt.want)
			if e.hookState(volunteer) != state {
				t.Errorf("bad date %q changed the form", tt.in)
			}
		}
		if got := all(e.say(volunteer, private, "昨天")); !strings.Contains(got, "讲座地点") {
			t.Fatalf("date = %q", got)
		}
		polite(t, "long place", all(e.say(volunteer, private, strings.Repeat("室", 51))), "地点请不超过")
		e.say(volunteer, private, "社区活动室")
		for _, tt := range []struct{ in, want string }{
			{"很多", "不是数量"},
			{"0", "1 到 10000"},
			{"20户", "单位和讲座不符"},
		} {
			state := e.hookState(volunteer)
			polite(t, "count "+tt.in, all(e.say(volunteer, private, tt.in)), tt.want)
			if e.hookState(volunteer) != state {
				t.Errorf("bad count %q changed the form", tt.in)
			}
		}
		done := all(e.sayID("tg:update:7001", volunteer, "45人"))
		yesterday := time.Now().In(campaign.Zone).AddDate(0, 0, -1).Format("2006-01-02")
		if !strings.Contains(done, "已登记：讲座 "+yesterday+" 社区活动室 45人") || e.hookState(volunteer) != "" {
			t.Fatalf("count = %q, form %q", done, e.hookState(volunteer))
		}
		// Redelivered, the last input is answered as before and counted once.
		if again := all(e.sayID("tg:update:7001", volunteer, "45人")); again != done {
			t.Errorf("redelivered last input = %q, want %q", again, done)
		}
		// A visit: no place asked.
		res = e.say(volunteer, private, "/log")
		res = e.press(volunteer, private, findButton(t, res, "走访"))
		if got := all(e.press(volunteer, private, findButton(t, res, "今天"))); !strings.Contains(got, "走访的户数") {
			t.Fatalf("date button = %q", got)
		}
		e.say(volunteer, private, "20户")
		after := e.counts()
		if d := after.Quantity(stats.KindLecture) - before.Quantity(stats.KindLecture); d != 45 {
			t.Errorf("attendees counted %d, want 45", d)
		}
		if d := after.Events(stats.KindLecture) - before.Events(stats.KindLecture); d != 1 {
			t.Errorf("lectures counted %d, want 1", d)
		}
		if d := after.Quantity(stats.KindVisits) - before.Quantity(stats.KindVisits); d != 20 {
			t.Errorf("households counted %d, want 20", d)
		}
		as, _ := e.stats.Activities(context.Background(), 10)
		if len(as) != 3 || as[1].Place != "社区活动室" || as[1].Count != 45 {
			t.Errorf("activities = %+v", as)
		}
	})
}

// TestOneLineCommands logs activities, corrects one, schedules and grants
// with one command line each, with bad input refused politely and changing
// nothing, and redeliveries acting once.
func TestOneLineCommands(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		before := e.counts()
		yesterday := time.Now().In(campaign.Zone).AddDate(0, 0, -1).Format("2006-01-02")
		for i, line := range []string{"/log 讲座 " + yesterday + " 社区活动室 45人", "/log 传单 300", "/log 横幅 2", "/log 走访 20户"} {
			id := fmt.Sprintf("tg:update:%d", 8000+i)
			first := all(e.sayID(id, volunteer, line))
			if !strings.Contains(first, "已登记") {
				t.Errorf("%s = %q", line, first)
			}
			if again := all(e.sayID(id, volunteer, line)); again != first {
				t.Errorf("%s redelivered = %q, want %q", line, again, first)
			}
		}
		after := e.counts()
		for k, want := range map[stats.Kind]int64{stats.KindLecture: 45, stats.KindLeaflets: 300, stats.KindBanners: 2, stats.KindVisits: 20} {
			if d := after.Quantity(k) - before.Quantity(k); d != want {
				t.Errorf("%s counted %d, want %d", k, d, want)
			}
			if d := after.Events(k) - before.Events(k); d != 1 {
				t.Errorf("%s events counted %d, want 1", k, d)
			}
		}

		for _, tt := range []struct {
			user       int64
			text, want string
		}{
			{volunteer, "/log 聚餐 20人", "无法识别活动类型"},
			{volunteer, "/log 讲座 社区活动室 45人", "登记讲座需要日期、地点和人数"},
			{volunteer, "/log 传单 0", "1 到 100000"},
			{volunteer, "/log 走访 20人", "单位和走访不符"},
			{volunteer, "/send", "请写明推送编号"},
			{volunteer, "/send abc", "不是推送编号"},
			{volunteer, "/send 99", "没有编号为 99 的推送"},
			{volunteer, "/send 1 2020-01-01 9:00", "已经过去"},
			{volunteer, "/send 1 下周", "不是时间"},
			{volunteer, "/preview", "请写明推送编号"},
			{volunteer, "/poster 99", "没有编号为 99 的推送"},
			{staff, "/correct", "用法：/correct"},
			{staff, "/correct x 1 原因", "不是活动编号"},
			{staff, "/correct 1 -3 原因", "不是数量"},
			{staff, "/correct 1 3", "用法：/correct"},
			{staff, "/correct 99 1 原因", "没有编号为 99 的活动"},
			{staff, "/correct 1 20000 原因", "超出范围"},
			{admin, "/grant", "用法：/grant"},
			{admin, "/grant abc volunteer", "不是 Telegram 用户 id"},
			{admin, "/grant 5 admin", "只能授予"},
			{admin, "/grant 5 king", "只能授予"},
			{admin, "/grant 1 volunteer", "管理员由配置指定"},
			{admin, "/revoke", "用法：/revoke"},
		} {
			before := e.snapshot()
			polite(t, tt.text, all(e.say(tt.user, private, tt.text)), tt.want)
			if after := e.snapshot(); after != before {
				t.Errorf("%s changed the state:\n%s\nto\n%s", tt.text, before, after)
			}
		}

		// A correction: the original kept, the counts corrected, once.
		before = e.counts()
		for range 2 {
			got := all(e.sayID("tg:update:fix", staff, "/correct 1 25 五人提前离场未计入"))
			if !strings.Contains(got, "已更正活动 #1：30 → 25人") {
				t.Errorf("/correct = %q", got)
			}
		}
		if d := e.counts().Quantity(stats.KindLecture) - before.Quantity(stats.KindLecture); d != -5 {
			t.Errorf("attendees changed by %d, want -5", d)
		}
		list := all(e.say(staff, private, "/activities"))
		if !strings.Contains(list, "#1 ") || !strings.Contains(list, "老年活动中心 25人") || !strings.Contains(list, "由 tg:2 更正：30 → 25（五人提前离场未计入）") {
			t.Errorf("/activities = %q", list)
		}

		// Scheduling at a time.
		tomorrow := time.Now().In(campaign.Zone).AddDate(0, 0, 1)
		if got := all(e.say(volunteer, private, "/send 1 明天 9:00")); !strings.Contains(got, tomorrow.Format("2006-01-02")+" 09:00") {
			t.Errorf("/send 1 明天 9:00 = %q", got)
		}
		if c := e.get("1"); c.Status != campaign.StatusScheduled || c.At.In(campaign.Zone).Hour() != 9 {
			t.Errorf("campaign 1 = %s at %v", c.Status, c.At)
		}

		// Grants are recorded once, with who and whom.
		for range 2 {
			e.sayID("tg:update:grant", admin, "/grant 77 staff")
		}
		gs, _ := e.svc.Roles().Grants()
		if n := len(gs); n != 3 || gs[2].By != admin || gs[2].User != 77 || gs[2].Role != campaign.RoleStaff {
			t.Errorf("grants = %+v, want one more: admin made 77 staff", gs)
		}
		if got := all(e.say(77, private, "/activities")); strings.Contains(got, textForbidden) {
			t.Errorf("new staff refused: %q", got)
		}
	})
}

// TestPosterCommand checks /poster sends the PNG and the printable page.
func TestPosterCommand(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, store string) {
		e := newEnv(t, store)
		res := e.say(volunteer, private, "/poster 1")
		if len(res.Replies) != 2 {
			t.Fatalf("/poster = %+v", res)
		}
		png, page := res.Replies[0], res.Replies[1]
		if png.File == nil || png.File.Name != "poster-ev1.png" || !strings.HasPrefix(string(png.File.Data), "\x89PNG") {
			t.Errorf("first reply = %q with %+v, want the PNG", png.Text, png.File)
		}
		if !strings.Contains(png.Text, "https://t.me/"+username+"?start=ev_1") || !strings.Contains(png.Text, "社区活动室") {
			t.Errorf("caption = %q", png.Text)
		}
		if page.File == nil || !strings.HasSuffix(page.File.Name, ".html") || !strings.Contains(string(page.File.Data), "宪法宣传周") {
			t.Errorf("second reply = %q, want the HTML poster", page.Text)
		}
		// The link checks a resident in.
		if got := all(e.say(resident, private, "/start ev_1")); !strings.Contains(got, "签到成功") {
			t.Errorf("/start ev_1 = %q", got)
		}
	})
}
