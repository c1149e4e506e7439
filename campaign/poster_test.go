package campaign_test

import (
	"bytes"
	"errors"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lawbot/lawbot/campaign"
	"github.com/skip2/go-qrcode"
)

func posterCampaign(id string) *campaign.Campaign {
	return &campaign.Campaign{ID: id, Title: "宪法宣传周 <专题讲座>", Message: "m", Community: "hq",
		Event: &campaign.Event{Place: "社区活动室 & 二楼会议室", Time: time.Date(2026, 12, 4, 14, 30, 0, 0, campaign.Zone), Capacity: 30}}
}

// wantBitmap is the QR code of url as the library draws it, quiet zone
// included.
func wantBitmap(t *testing.T, url string) [][]bool {
	t.Helper()
	q, err := qrcode.New(url, campaign.QRLevel)
	if err != nil {
		t.Fatal(err)
	}
	return q.Bitmap()
}

// TestPosterPNG reads the QR code back from the PNG, module by module, and
// checks it is the code of the event's check-in link.
func TestPosterPNG(t *testing.T) {
	c := posterCampaign("42")
	p, err := campaign.MakePoster(c, "lawbot_test_bot")
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://t.me/lawbot_test_bot?start=ev_42"
	if p.URL != url || campaign.CheckInURL("lawbot_test_bot", "42") != url {
		t.Fatalf("URL = %q, want %q", p.URL, url)
	}
	img, err := png.Decode(bytes.NewReader(p.PNG))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	want := wantBitmap(t, url)
	x0, y0, mod := campaign.PosterQR(c.ID, len(want))
	if b := img.Bounds(); b.Dx() < x0+len(want)*mod || b.Dy() < y0+len(want)*mod {
		t.Fatalf("image %v too small for the QR code", b)
	}
	dark := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return r+g+b < 3*0x8000
	}
	bad := 0
	for y, row := range want {
		for x, w := range row {
			// Sample the module's centre and a corner: the whole square is one colour.
			for _, d := range []int{mod / 2, 0, mod - 1} {
				if dark(x0+x*mod+d, y0+y*mod+d) != w {
					bad++
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d module samples differ from the QR code of %q", bad, url)
	}
	// The code is the event's: another event's differs.
	other := wantBitmap(t, campaign.CheckInURL("lawbot_test_bot", "43"))
	same := len(other) == len(want)
	for y := range want {
		for x := range want[y] {
			same = same && other[y][x] == want[y][x]
		}
	}
	if same {
		t.Error("the QR codes of events 42 and 43 are the same")
	}
	// The caption below the code is drawn: there is ink under it.
	ink := 0
	for y := y0 + len(want)*mod; y < img.Bounds().Max.Y; y++ {
		for x := 0; x < img.Bounds().Max.X; x++ {
			if dark(x, y) {
				ink++
			}
		}
	}
	if ink == 0 {
		t.Error("no caption under the QR code")
	}
}

// TestPosterHTML checks the printable page: the Chinese text escaped, the
// same QR code as SVG, nothing loaded from elsewhere.
func TestPosterHTML(t *testing.T) {
	p, err := campaign.MakePoster(posterCampaign("7"), "lawbot_test_bot")
	if err != nil {
		t.Fatal(err)
	}
	page := string(p.HTML)
	for _, want := range []string{"宪法宣传周 &lt;专题讲座&gt;", "社区活动室 &amp; 二楼会议室", "2026年12月4日（周五）14:30", "名额：30 人",
		"https://t.me/lawbot_test_bot?start=ev_7", "<svg", `charset="utf-8"`} {
		if !strings.Contains(page, want) {
			t.Errorf("poster HTML lacks %q", want)
		}
	}
	for _, banned := range []string{"<专题讲座>", "<script", "<link", "src=", "@import", "url(", "@font-face"} {
		if strings.Contains(page, banned) {
			t.Errorf("poster HTML contains %q", banned)
		}
	}
	// Rebuild the bitmap from the SVG path.
	want := wantBitmap(t, p.URL)
	got := make([][]bool, len(want))
	for i := range got {
		got[i] = make([]bool, len(want))
	}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-\d+z`).FindAllStringSubmatch(page, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		for i := range n {
			got[y][x+i] = true
		}
	}
	for y := range want {
		for x := range want[y] {
			if got[y][x] != want[y][x] {
				t.Fatalf("SVG module (%d,%d) = %v, want %v", x, y, got[y][x], want[y][x])
			}
		}
	}
}

func TestPosterRefused(t *testing.T) {
	c := posterCampaign("1")
	for _, name := range []string{"", "a", "bad name", "evil\"><script>", "x/../y"} {
		if _, err := campaign.MakePoster(c, name); err == nil {
			t.Errorf("MakePoster(username %q) succeeded", name)
		}
	}
	c.Event = nil
	_, err := campaign.MakePoster(c, "lawbot_test_bot")
	var ue *campaign.UserError
	if !errors.As(err, &ue) || !strings.Contains(ue.Text, "没有线下活动") {
		t.Errorf("MakePoster(no event) = %v, want a polite refusal", err)
	}
}
