package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/bot/telegram/telegramtest"
	"github.com/lawbot/lawbot/campaign"
)

// TestCampaignPoster runs `lawbot campaign poster` on a campaign file: the
// PNG and the HTML page are written, the username comes from -bot or from
// getMe, and a campaign file held by the server is refused with a hint.
func TestCampaignPoster(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	store, err := campaign.Open(data, campaign.StoreOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*campaign.Campaign{
		{Title: "宪法宣传周", Message: "m", Community: "c", Event: &campaign.Event{Place: "社区活动室", Time: time.Now().Add(48 * time.Hour), Capacity: 30}},
		{Title: "没有活动", Message: "m", Community: "c"},
	} {
		if err := store.Put(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	api := telegramtest.NewServer()
	defer api.Close()
	poster := func(getenv map[string]string, args ...string) (int, string, string) {
		var out, errb lockedBuffer
		e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return getenv[k] }}
		code := run(context.Background(), e, append([]string{"campaign", "poster", "-data", data}, args...))
		return code, out.String(), errb.String()
	}

	// While the server holds the file.
	if code, _, errs := poster(nil, "-id", "1", "-bot", "lawbot_test_bot"); code != 1 || !strings.Contains(errs, "/poster 1") {
		t.Errorf("poster while serve runs = %d %q, want a hint to use /poster", code, errs)
	}
	store.Close()

	out := filepath.Join(t.TempDir(), "ev1.png")
	code, stdout, errs := poster(nil, "-id", "1", "-o", out, "-bot", "@lawbot_test_bot")
	if code != 0 || !strings.Contains(stdout, "https://t.me/lawbot_test_bot?start=ev_1") {
		t.Fatalf("poster = %d %q %q", code, stdout, errs)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("%s is not a PNG: %v", out, err)
	}
	page, err := os.ReadFile(strings.TrimSuffix(out, ".png") + ".html")
	if err != nil || !strings.Contains(string(page), "宪法宣传周") || !strings.Contains(string(page), "社区活动室") {
		t.Errorf("HTML poster: %v %.200q", err, page)
	}

	// The username from getMe.
	out2 := filepath.Join(t.TempDir(), "p.png")
	env := map[string]string{"LAWBOT_TELEGRAM_TOKEN": telegramtest.Token, "LAWBOT_TELEGRAM_API_URL": api.URL()}
	if code, stdout, errs := poster(env, "-id", "1", "-o", out2); code != 0 || !strings.Contains(stdout, "t.me/"+telegramtest.Username+"?start=ev_1") {
		t.Errorf("poster with a token = %d %q %q", code, stdout, errs)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-bot", "x_bot"}, 2, "用法"},
		{[]string{"-id", "1"}, 2, "需要机器人的用户名"},
		{[]string{"-id", "9", "-bot", "lawbot_test_bot"}, 1, "没有编号为 9 的推送"},
		{[]string{"-id", "2", "-bot", "lawbot_test_bot"}, 1, "没有线下活动"},
	} {
		if code, _, errs := poster(nil, tt.args...); code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("poster %q = %d %q, want %d %q", tt.args, code, errs, tt.code, tt.want)
		}
	}
}
