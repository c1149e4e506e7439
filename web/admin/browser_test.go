package admin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/internal/cdp"
	"github.com/lawbot/lawbot/report"
	"github.com/xuri/excelize/v2"
)

// TestBrowserDashboard drives the dashboard in headless Chromium over the
// DevTools protocol, as staff use it: it fills in the login form and
// submits it, reads the monthly chart and the satisfaction figure from the
// page Chromium rendered, clicks the Excel download and opens the file that
// arrives, and checks the page fits a phone's width. Screenshots at desktop
// and phone width are kept as test artefacts (in LAWBOT_TEST_ARTEFACTS if
// set, else the test's temporary directory; the paths are logged).
func TestBrowserDashboard(t *testing.T) {
	chromium := cdp.Chromium(t)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := cdp.Start(ctx, t, chromium)
	downloads := t.TempDir()
	b.Call(t, "Browser.setDownloadBehavior", map[string]any{"behavior": "allow", "downloadPath": downloads})

	// The dashboard sends a visitor to the login form; staff log in.
	page := b.Open(t, e.srv.URL+"/admin/")
	page.Call(t, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false,
	})
	page.WaitFor(t, `location.pathname === "/admin/login" && document.querySelector("input[name=password]") !== null`)
	page.Eval(t, fmt.Sprintf(`(() => {
		document.querySelector("input[name=user]").value = %q;
		document.querySelector("input[name=password]").value = %q;
		document.querySelector("form button[type=submit]").click();
		return true;
	})()`, staff, password))
	page.WaitFor(t, `location.pathname === "/admin/" && document.querySelector("#monthly svg") !== null`)
	if got := page.Eval(t, `document.querySelector("header nav").innerText`).(string); !strings.Contains(got, staff) {
		t.Errorf("header after login = %q, want the staff name", got)
	}

	// The monthly chart, as rendered: labels, numbers, and column heights
	// in proportion to the numbers.
	var cols []struct {
		Key, Label, Text string
		Height           float64
	}
	page.EvalJSON(t, `[...document.querySelectorAll("#monthly g.bar")].map(g => ({
		key: g.dataset.key,
		label: g.querySelector("text.l").textContent,
		text: g.querySelector("text.v").textContent,
		height: g.querySelector("rect").getBoundingClientRect().height,
	}))`, &cols)
	if len(cols) != 12 {
		t.Fatalf("monthly chart shows %d columns, want 12: %+v", len(cols), cols)
	}
	tallest := cols[6].Height // July: 7, as December
	for m, n := range monthly {
		if m == 11 {
			n++ // the unanswered question in December
		}
		c := cols[m]
		if c.Key != fmt.Sprintf("2025-%02d", m+1) || c.Label != fmt.Sprintf("%d月", m+1) || c.Text != strconv.Itoa(n) {
			t.Errorf("column %d = %s %q %q, want %d月 with %d", m, c.Key, c.Label, c.Text, m+1, n)
		}
		if want := tallest * float64(n) / 7; c.Height < want-1 || c.Height > want+1 {
			t.Errorf("column %s is %.1fpx high, want %.1f (%d of 7)", c.Key, c.Height, want, n)
		}
	}
	if tallest < 50 {
		t.Errorf("tallest column is %.1fpx high: the chart is not visible", tallest)
	}
	// Satisfaction: ratings 5, 2 and 4, so two of three satisfied.
	figure := func(name string) string {
		return page.Eval(t, fmt.Sprintf(`[...document.querySelectorAll(".figures div")]
			.filter(d => d.querySelector("dt").textContent === %q)
			.map(d => [...d.querySelectorAll("dd")].map(x => x.textContent).join(" | "))[0] || ""`, name)).(string)
	}
	if got := figure("群众满意度"); got != "66.66% | 66.66%（2/3）" {
		t.Errorf("satisfaction figure = %q, want 66.66%% of 3 ratings", got)
	}
	if got := figure("法律咨询"); got != "30次 | 30次" {
		t.Errorf("consultations figure = %q, want 30次", got)
	}
	var satis []string
	page.EvalJSON(t, `[...document.querySelectorAll("#satisfaction g.bar text.v")].map(x => x.textContent)`, &satis)
	if len(satis) != 12 || satis[2] != "50.00%" || satis[6] != "100.00%" {
		t.Errorf("satisfaction trend = %q, want March 50.00%%, July 100.00%%", satis)
	}
	if page.Eval(t, `document.getElementById("health") === null`) != true {
		t.Error("a healthy store shows a health warning")
	}
	shot := page.Screenshot(t, true)
	if len(shot) < 10_000 || string(shot[1:4]) != "PNG" {
		t.Errorf("desktop screenshot: %d bytes, want a PNG", len(shot))
	}
	cdp.SaveArtefact(t, "dashboard.png", shot)

	// The Excel download: clicked as staff would, and read back.
	page.Eval(t, `document.querySelector('#export a.button[href^="/admin/export.xlsx"]').click(), true`)
	file := waitDownload(t, downloads, ".xlsx")
	if !strings.HasPrefix(filepath.Base(file), "法治宣传统计_2025-01-01_2025-12-31") {
		t.Errorf("downloaded %s, want the period in the name", filepath.Base(file))
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatalf("opening the download: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("按月统计")
	if err != nil {
		t.Fatalf("GetRows(按月统计): %v", err)
	}
	total := rows[len(rows)-1]
	if col := slices.Index(rows[report.HeaderRow-1], "法律咨询"); total[0] != "合计" || col < 0 || total[col] != "30" {
		t.Errorf("按月统计 total row = %q, want 30 consultations", total)
	}
	if col := slices.Index(rows[report.HeaderRow-1], "满意率"); col < 0 || total[col] != "66.66%" {
		t.Errorf("按月统计 total row = %q, want 66.66%% satisfaction", total)
	}

	// A phone: nothing wider than the screen (wide tables scroll inside
	// their card).
	page.Call(t, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": true,
	})
	page.Eval(t, `window.beforeReload = true`)
	page.Call(t, "Page.reload", map[string]any{})
	page.WaitFor(t, `window.beforeReload === undefined && document.readyState === "complete" && document.querySelector("#monthly svg") !== null`)
	var fit struct {
		Width, ScrollWidth float64
		Wide               []string
	}
	page.EvalJSON(t, `(() => {
		const w = window.innerWidth;
		const wide = [...document.querySelectorAll("body *")]
			.filter(el => !el.closest(".scroll") && el.getBoundingClientRect().right > w + 1)
			.map(el => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? "." + el.className : ""));
		return {width: w, scrollWidth: document.documentElement.scrollWidth, wide};
	})()`, &fit)
	if fit.Width != 375 || fit.ScrollWidth > fit.Width || len(fit.Wide) > 0 {
		t.Errorf("at phone width: viewport %v, document %v wide; too wide: %q", fit.Width, fit.ScrollWidth, fit.Wide)
	}
	cdp.SaveArtefact(t, "dashboard-phone.png", page.Screenshot(t, true))
}

// waitDownload waits for a finished download whose name ends in ext.
func waitDownload(t *testing.T, dir, ext string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ext) {
				return filepath.Join(dir, e.Name())
			}
		}
		if time.Now().After(deadline) {
			names := make([]string, len(entries))
			for i, e := range entries {
				names[i] = e.Name()
			}
			t.Fatalf("no %s download in %s after 10s; there are %q", ext, dir, names)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
