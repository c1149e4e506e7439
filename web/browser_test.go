package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/internal/cdp"
	"github.com/lawbot/lawbot/stats"
)

// TestBrowserChat drives the web chat in headless Chromium over the
// DevTools protocol (on a pipe, so only the standard library is needed):
// it types a question, sees the answer and rates it. A screenshot is kept
// as a test artefact (see cdp.SaveArtefact).
func TestBrowserChat(t *testing.T) {
	chromium := cdp.Chromium(t)
	h, rec := newServer(t)
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := cdp.Start(ctx, t, chromium)
	page := b.Open(t, srv.URL+"/")
	page.Call(t, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 420, "height": 900, "deviceScaleFactor": 1, "mobile": true,
	})

	// The page greets the resident and offers the communities.
	page.WaitFor(t, `document.querySelectorAll(".msg.bot .btn").length >= 3`)
	page.Eval(t, `(() => {
		const t = document.getElementById("text");
		t.value = "房东不退押金怎么办？";
		t.dispatchEvent(new Event("input"));
		document.getElementById("send").click();
		return true;
	})()`)
	page.WaitFor(t, `document.querySelector(".msg.answer .btn.rating") !== null`)
	answer := page.Eval(t, `document.querySelector(".msg.answer").innerText`).(string)
	if !strings.Contains(answer, "押金") || !strings.Contains(answer, "有帮助") {
		t.Errorf("answer shown = %q", answer)
	}
	if q := page.Eval(t, `document.querySelector(".msg.user .text").textContent`); q != "房东不退押金怎么办？" {
		t.Errorf("question shown = %q", q)
	}
	page.Eval(t, `document.querySelector(".msg.answer .btn.rating").click(), true`)
	page.WaitFor(t, `document.querySelector(".msg.answer .btn.rating").disabled && !document.getElementById("notice").hidden`)
	if n := page.Eval(t, `document.getElementById("notice").textContent`); n != "感谢您的评价！" {
		t.Errorf("notice = %q", n)
	}
	if got := rec.Events(stats.KindRating); len(got) != 1 || got[0].Rating != 5 {
		t.Errorf("ratings = %+v, want one 5", got)
	}
	if got := rec.Events(stats.KindConsultation); len(got) != 1 || got[0].Category != "rental" || got[0].Channel != stats.ChannelWeb {
		t.Errorf("consultations = %+v, want one about rental from the web", got)
	}
	// The anonymous id survives a reload, so the session does too.
	id := page.Eval(t, `localStorage.getItem("lawbot.resident")`).(string)
	if len(id) != 32 {
		t.Errorf("resident id = %q, want 32 hex characters", id)
	}

	cdp.SaveArtefact(t, "chat.png", page.Screenshot(t, false))
}
