package cdp_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lawbot/lawbot/internal/cdp"
)

func TestSaveArtefact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "artefacts")
	t.Setenv("LAWBOT_TEST_ARTEFACTS", dir)
	path := cdp.SaveArtefact(t, "shot.png", []byte("png"))
	if want := filepath.Join(dir, "TestSaveArtefact-shot.png"); path != want {
		t.Errorf("SaveArtefact path = %s, want %s", path, want)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "png" {
		t.Errorf("artefact = %q, %v", b, err)
	}
}

// TestPage checks the driver on a page with no server: a script that
// finishes late, a value decoded from JSON, a screenshot.
func TestPage(t *testing.T) {
	chromium := cdp.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	page := cdp.Start(ctx, t, chromium).Open(t, `data:text/html,<h1>lawbot</h1><script>setTimeout(() => document.title = "ready", 200)</script>`)
	page.WaitFor(t, `document.title === "ready"`)
	var got struct{ Text string }
	page.EvalJSON(t, `({text: document.querySelector("h1").textContent})`, &got)
	if got.Text != "lawbot" {
		t.Errorf("h1 = %q, want lawbot", got.Text)
	}
	if _, err := page.TryEval(`no.such.thing`); err == nil {
		t.Error("TryEval of a failing expression = nil error")
	}
	if png := page.Screenshot(t, false); len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Errorf("Screenshot = %d bytes, want a PNG", len(png))
	}
}
