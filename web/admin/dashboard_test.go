package admin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/campaign"
	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/report"
	"github.com/lawbot/lawbot/stats"
	"github.com/lawbot/lawbot/web/admin"
	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"
)

// section returns the card with id from a page.
func section(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `<section class="card" id="`+id+`">`)
	if start < 0 {
		t.Fatalf("no section %q in page", id)
	}
	end := strings.Index(body[start:], "</section>")
	if end < 0 {
		t.Fatalf("section %q not closed:\n%s", id, body[start:])
	}
	return body[start : start+end]
}

var barRe = regexp.MustCompile(`<g class="bar" data-key="([^"]+)">.*?<text class="v"[^>]*>([^<]*)</text>`)

// bars reads an SVG chart's bars: key and the number written on it.
func bars(chart string) [][2]string {
	var out [][2]string
	for _, m := range barRe.FindAllStringSubmatch(chart, -1) {
		out = append(out, [2]string{html.UnescapeString(m[1]), html.UnescapeString(m[2])})
	}
	return out
}

func TestDashboardChart(t *testing.T) {
	e := newEnv(t)
	c, _ := e.loggedIn(t)
	resp, body := c.get("/admin/?year=2025")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/?year=2025 = %d", resp.StatusCode)
	}
	got := bars(section(t, body, "monthly"))
	if len(got) != 12 {
		t.Fatalf("monthly chart has %d bars, want 12: %v", len(got), got)
	}
	for m, n := range monthly {
		if m == 11 {
			n++ // the unanswered question in December
		}
		want := [2]string{fmt.Sprintf("2025-%02d", m+1), strconv.Itoa(n)}
		if got[m] != want {
			t.Errorf("bar %d = %v, want %v", m, got[m], want)
		}
	}

	// 29 answered, cycling labor, labor, marriage, rental within each
	// month, and the unanswered one.
	cats := map[string]string{}
	for _, b := range bars(section(t, body, "categories")) {
		cats[b[0]] = b[1]
	}
	wantCats := map[string]string{"劳动合同与工资": "19（63.33%）", "婚姻家庭": "6（20.00%）", "房屋租赁": "4（13.33%）", "未能解答": "1（3.33%）"}
	if fmt.Sprint(cats) != fmt.Sprint(wantCats) {
		t.Errorf("category chart = %v, want %v", cats, wantCats)
	}
	coms := map[string]string{}
	for _, b := range bars(section(t, body, "communities")) {
		coms[b[0]] = b[1]
	}
	if coms["east"] != "14（46.66%）" || coms["幸福里"] == "" {
		t.Errorf("community chart = %v, want east 14 of 30 and 幸福里", coms)
	}

	satis := bars(section(t, body, "satisfaction"))
	if len(satis) != 12 || satis[2][1] != "50.00%" || satis[6][1] != "100.00%" || satis[0][1] != "—" {
		t.Errorf("satisfaction chart = %v, want March 50.00%%, July 100.00%%, January —", satis)
	}
	for _, want := range []string{"<td>civil-code</td><td>—</td><td>1</td><td>1</td><td>100.00%</td>", "<td>2025-03</td><td>1</td><td>45</td>",
		"<td>合计</td><td>1</td><td>45</td><td>500</td><td>3</td><td>0</td>", "<dt>法律咨询</dt><dd>30次</dd>"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "13812345678") {
		t.Error("dashboard shows a phone number")
	}
	if resp, _ := c.get("/admin/?year=2099"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET ?year=2099 = %d, want 400", resp.StatusCode)
	}
}

// TestDashboardCheckIns checks the campaign section shows sign-ups and
// check-ins per campaign and in total, and that the export's campaign sheet
// has them too.
func TestDashboardCheckIns(t *testing.T) {
	e := newEnv(t)
	var es []stats.Event
	ev := func(id string, k stats.Kind, camp, resident string) {
		es = append(es, stats.Event{ID: id, Kind: k, Time: at(4, 15, 14), Community: "east", Channel: stats.ChannelTelegram,
			Resident: resident, Campaign: camp})
	}
	for i, r := range []string{"tg:1", "tg:2", "tg:3"} {
		ev(fmt.Sprint("s", i), stats.KindSignup, "civil-code", r)
	}
	ev("ci:1", stats.KindCheckIn, "civil-code", "tg:1")
	ev("ci:2", stats.KindCheckIn, "civil-code", "tg:2")
	ev("ci:3", stats.KindCheckIn, "anti-fraud", "tg:3") // came without signing up
	ev("ci:1", stats.KindCheckIn, "civil-code", "tg:1") // redelivered: counted once
	if err := e.store.RecordBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	c, _ := e.loggedIn(t)
	resp, body := c.get("/admin/?year=2025")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/?year=2025 = %d", resp.StatusCode)
	}
	sec := section(t, body, "campaigns")
	for _, want := range []string{"<th>报名</th><th>签到</th>",
		"<td>anti-fraud</td><td>—</td><td>0</td><td>0</td><td>—</td><td>0</td><td>0</td><td>1</td>",
		"<td>civil-code</td><td>—</td><td>1</td><td>1</td><td>100.00%</td><td>0</td><td>3</td><td>2</td>",
		`<tr class="total"><td>合计</td><td></td><td>1</td><td>1</td><td>100.00%</td><td>0</td><td>3</td><td>3</td>`,
		"每人每场活动只计1次"} {
		if !strings.Contains(sec, want) {
			t.Errorf("campaign section lacks %q:\n%s", want, sec)
		}
	}
	if !strings.Contains(body, "<dt>普法活动签到</dt><dd>3人次</dd>") {
		t.Errorf("figures lack the check-ins")
	}

	resp, body = c.get("/admin/export.xlsx?from=2025-01-01&to=2025-12-31")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET export.xlsx = %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("普法活动参与")
	if err != nil {
		t.Fatal(err)
	}
	header, total := rows[report.HeaderRow-1], rows[len(rows)-2]
	col := slices.Index(header, "活动签到")
	if col < 0 || total[0] != "合计" || col >= len(total) || total[col] != "3" {
		t.Errorf("普法活动参与: header %q, total %q; want 3 check-ins", header, total)
	}
}

func TestExportXLSX(t *testing.T) {
	e := newEnv(t)
	c, _ := e.loggedIn(t)
	resp, body := c.get("/admin/export.xlsx?from=2025-01-01&to=2025-12-31")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET export.xlsx = %d: %s", resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".xlsx") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("excelize.OpenReader: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("按月统计")
	if err != nil {
		t.Fatalf("GetRows(按月统计): %v", err)
	}
	if len(rows) < report.FirstRow+12 {
		t.Fatalf("按月统计 has %d rows", len(rows))
	}
	for m, n := range monthly {
		if m == 11 {
			n++
		}
		row := rows[report.FirstRow-1+m]
		if row[0] != fmt.Sprintf("2025-%02d", m+1) || row[1] != strconv.Itoa(n) {
			t.Errorf("按月统计 row %d = %v, want 2025-%02d with %d consultations", m, row[:2], m+1, n)
		}
	}
}

func TestExportCSV(t *testing.T) {
	e := newEnv(t)
	c, _ := e.loggedIn(t)
	resp, body := c.get("/admin/export.csv?from=2025-03-01&to=2025-03-31")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET export.csv = %d: %s", resp.StatusCode, body)
	}
	if !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(body, "2025-03-01,1,") || !strings.Contains(body, "【按日统计】") {
		t.Errorf("CSV for March, by day:\n%.400s", body)
	}
	for _, q := range []string{"from=2025-13-01&to=2025-12-31", "from=2025-02-01&to=2025-01-01", ""} {
		if resp, _ := c.get("/admin/export.csv?" + q); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET export.csv?%s = %d, want 400", q, resp.StatusCode)
		}
	}
}

func TestDraftEntry(t *testing.T) {
	e := newEnv(t)
	c, _ := e.loggedIn(t)
	_, list := c.get("/admin/unanswered")
	if !strings.Contains(list, "宠物狗咬伤了邻居谁负责？") || strings.Contains(list, "13812345678") {
		t.Fatalf("unanswered list should show the redacted question:\n%s", list)
	}
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(list)
	if id == nil {
		t.Fatal("no draft button in the list")
	}
	resp, page := c.post("/admin/unanswered/draft", url.Values{"csrf": {csrfOf(t, list)}, "id": {html.UnescapeString(id[1])}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST draft = %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`(?s)<pre class="yaml" id="draft">(.*?)</pre>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no YAML in draft page:\n%s", page)
	}
	text := html.UnescapeString(m[1])
	t.Logf("draft:\n%s", text)
	var entries []knowledge.Entry
	if err := yaml.Unmarshal([]byte(text), &entries); err != nil {
		t.Fatalf("draft is not YAML: %v", err)
	}
	if len(entries) != 1 {
		t.Fatalf("draft has %d entries, want 1", len(entries))
	}
	got := entries[0]
	if !strings.Contains(got.Question, "宠物狗咬伤了邻居谁负责？") || strings.Contains(text, "13812345678") || len(got.Phrasings) < 3 || got.Answer == "" {
		t.Errorf("draft entry = %+v", got)
	}
	for _, key := range []string{"id:", "category:", "citations:", "next_steps:", "reviewed: 2025-12-20"} {
		if !bytes.Contains([]byte(text), []byte(key)) {
			t.Errorf("draft lacks %q", key)
		}
	}
	if resp, _ := c.post("/admin/unanswered/draft", url.Values{"csrf": {csrfOf(t, list)}, "id": {"no-such"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST draft of an unknown id = %d, want 404", resp.StatusCode)
	}
}

// fakeCampaigns is the campaign store as the dashboard reads it.
type fakeCampaigns struct {
	list []*campaign.Campaign
	subs int
	err  error
}

func (f fakeCampaigns) List(context.Context) ([]*campaign.Campaign, error) { return f.list, f.err }
func (f fakeCampaigns) Subscribers(context.Context) (int, error)           { return f.subs, f.err }

// TestDashboardNamesCampaigns shows each campaign with its number, title
// and status, in number order (2 before 10), and the number of residents
// subscribed; if the campaigns cannot be read, the counts still show, by
// number.
func TestDashboardNamesCampaigns(t *testing.T) {
	events := func(e *env) {
		var es []stats.Event
		for i, camp := range []string{"10", "2", "2"} {
			es = append(es, stats.Event{ID: fmt.Sprint("d", i), Kind: stats.KindCampaignDelivery, Time: at(5, 4, 9),
				Community: "east", Channel: stats.ChannelTelegram, Resident: fmt.Sprint("tg:", i), Campaign: camp})
		}
		if err := e.store.RecordBatch(context.Background(), es); err != nil {
			t.Fatal(err)
		}
	}
	camps := fakeCampaigns{subs: 1234, list: []*campaign.Campaign{
		{ID: "2", Title: "宪法宣传周 <专题>", Status: campaign.StatusSent},
		{ID: "10", Title: "防范电信诈骗", Status: campaign.StatusSending},
	}}
	e := newEnvWith(t, nil, func(o *admin.Options) { o.Campaigns = camps })
	events(e)
	c, _ := e.loggedIn(t)
	_, body := c.get("/admin/?year=2025")
	sec := section(t, body, "campaigns")
	two := strings.Index(sec, "<td>2. 宪法宣传周 &lt;专题&gt;</td><td>已发送</td><td>2</td>")
	ten := strings.Index(sec, "<td>10. 防范电信诈骗</td><td>发送中</td><td>1</td>")
	if two < 0 || ten < 0 || ten < two {
		t.Errorf("campaign rows (2 then 10, titled, escaped) not found in order:\n%s", sec)
	}
	if !strings.Contains(sec, `<p id="subscribers">目前订阅每月普法推送的居民：<strong>1234</strong> 人。</p>`) {
		t.Errorf("no subscriber count:\n%s", sec)
	}

	e = newEnvWith(t, nil, func(o *admin.Options) { o.Campaigns = fakeCampaigns{err: errors.New("redis down")} })
	events(e)
	c, _ = e.loggedIn(t)
	resp, body := c.get("/admin/?year=2025")
	sec = section(t, body, "campaigns")
	if resp.StatusCode != http.StatusOK || !strings.Contains(sec, "<td>2</td><td>—</td><td>2</td>") || strings.Contains(sec, "subscribers") {
		t.Errorf("with the campaigns unreadable: %d\n%s", resp.StatusCode, sec)
	}
}
