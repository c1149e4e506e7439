package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserDashboard loads the dashboard in headless Chromium at phone
// width, checks the monthly chart in the DOM Chromium rendered and keeps a
// screenshot under the test's temporary directory (logged; set
// LAWBOT_SCREENSHOT to a file name to keep a copy). The session cookie is
// injected by a wrapper, since --screenshot cannot fill in a form.
func TestBrowserDashboard(t *testing.T) {
	chromium := os.Getenv("LAWBOT_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(chromium); err != nil {
		t.Skipf("headless browser test skipped: %s not installed (apt-get install -y chromium, or set LAWBOT_CHROMIUM)", chromium)
	}
	e := newEnv(t)
	cookie := e.h.SessionCookie(staff)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(cookie)
		e.h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		profile, err := os.MkdirTemp(dir, "profile-")
		if err != nil {
			t.Fatal(err)
		}
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=420,2600"}
		cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
		cmd.Dir = dir
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return string(out)
	}
	url := srv.URL + "/admin/?year=2025"

	dom := run("--dump-dom", url)
	got := bars(section(t, dom, "monthly"))
	if len(got) != 12 || got[0][1] != "3" || got[6][1] != "7" || got[11][1] != "7" {
		t.Errorf("monthly chart in Chromium = %v, want 3 in January, 7 in July and December", got)
	}

	shot := filepath.Join(dir, "dashboard.png")
	run("--screenshot="+shot, url)
	info, err := os.Stat(shot)
	if err != nil || info.Size() < 10_000 {
		t.Fatalf("screenshot %s: %v (size %v)", shot, err, info)
	}
	t.Logf("screenshot: %s", shot)
	if keep := os.Getenv("LAWBOT_SCREENSHOT"); keep != "" {
		b, _ := os.ReadFile(shot)
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			t.Errorf("keeping screenshot: %v", err)
		}
	}
}
