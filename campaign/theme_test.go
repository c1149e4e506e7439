package campaign_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
)

// TestDefaultCalendar checks the shipped themes cover every month and the
// national legal days named in the issue.
func TestDefaultCalendar(t *testing.T) {
	cal := campaign.DefaultCalendar()
	for m := time.January; m <= time.December; m++ {
		if len(cal.Month(m)) == 0 {
			t.Errorf("no theme in month %d", m)
		}
	}
	days := map[string][2]int{"consumer-rights": {3, 15}, "national-security": {4, 15}, "safety-month": {6, 0}, "anti-drug": {6, 26}, "constitution-day": {12, 4}}
	for key, md := range days {
		th := cal.Theme(key)
		if th == nil || th.Month != md[0] || th.Day != md[1] {
			t.Errorf("Theme(%q) = %+v, want %d.%d", key, th, md[0], md[1])
		}
	}
}

// TestParseCalendarErrors reports every problem of a deployer's file with
// its file and line.
func TestParseCalendarErrors(t *testing.T) {
	path := filepath.Join("testdata", "bad-themes.yaml")
	_, err := campaign.LoadCalendar(path)
	if !errors.Is(err, campaign.ErrInvalid) {
		t.Fatalf("LoadCalendar = %v, want ErrInvalid", err)
	}
	for _, want := range []string{
		path + ":6: key \"consumer-rights\" already used on line 1",
		path + ":7: month 13",
		path + ":10: key \"Bad Key\"",
		path + ":12: day 30: month 2 has 29 days",
		path + ":13: theme \"Bad Key\" has no title",
		path + ":15: unknown field \"colour\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestLoadCalendarOverride loads a deployer's file in place of the default.
func TestLoadCalendarOverride(t *testing.T) {
	path := filepath.Join(t.TempDir(), "themes.yaml")
	os.WriteFile(path, []byte("- key: local\n  month: 7\n  title: 本地主题\n  message: 内容\n"), 0o600)
	cal, err := campaign.LoadCalendar(path)
	if err != nil {
		t.Fatal(err)
	}
	if th := cal.Themes(); len(th) != 1 || th[0].Key != "local" {
		t.Errorf("Themes() = %+v", th)
	}
	if cal, err := campaign.LoadCalendar(""); err != nil || cal.Theme("constitution-day") == nil {
		t.Errorf("LoadCalendar(\"\") = %v, %v; want the default", cal, err)
	}
}

// TestEditCalendar lets staff replace a theme; the edit wins over the file.
func TestEditCalendar(t *testing.T) {
	forEachStore(t, testEditCalendar)
}

func testEditCalendar(t *testing.T, open opener) {
	svc, _, _ := newService(t, open)
	ctx := context.Background()
	th := campaign.Theme{Key: "anti-fraud", Month: 8, Title: "反诈骗宣传月（本街道）", Message: "新内容"}
	if _, err := svc.EditCalendar(ctx, private(staff), th); err != nil {
		t.Fatal(err)
	}
	if got := svc.Calendar().Theme("anti-fraud"); got == nil || got.Title != th.Title {
		t.Errorf("Theme after edit = %+v", got)
	}
	if _, err := svc.EditCalendar(ctx, private(staff), campaign.Theme{Key: "x", Month: 13, Title: "t", Message: "m"}); !errors.Is(err, campaign.ErrInvalid) {
		t.Errorf("bad edit = %v, want ErrInvalid", err)
	}
}
