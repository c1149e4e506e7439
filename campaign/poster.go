package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"

	"github.com/skip2/go-qrcode"
)

// Poster is the printable check-in poster of a campaign's event, in two
// files, because lawbot ships no CJK font to draw Chinese into an image:
//
//   - PNG is the QR code, large enough to print, with the event number and
//     time below it in ASCII drawn by a small built-in bitmap font. It can
//     be pasted into any poster the community designs.
//   - HTML is a complete A4 poster: the Chinese title, time, place and
//     capacity set in the reader's own fonts, the same QR code as inline
//     SVG, and the link written out. It loads nothing from elsewhere (no
//     CDN, no web fonts), so it prints from a browser offline.
//
// The QR code encodes the check-in deep link, CheckInURL: scanning it opens
// the bot, which receives "/start ev_<id>".
type Poster struct {
	Campaign *Campaign
	URL      string
	PNG      []byte
	HTML     []byte
}

// CheckInURL is the deep link of event check-in for campaign id.
func CheckInURL(username, id string) string {
	return "https://t.me/" + username + "?start=ev_" + id
}

// usernameRe is what Telegram allows in a bot's username.
var usernameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)

// QRLevel is the error correction of posters' QR codes: a quarter of the
// code may be soiled or torn and it still scans.
const QRLevel = qrcode.High

// Poster layout, in pixels.
const (
	qrModule   = 12 // one QR module
	fontScale  = 5  // one pixel of the 5x7 font
	textMargin = 24
)

// MakePoster renders the poster of c's event; username is the bot's
// Telegram username.
func MakePoster(c *Campaign, username string) (*Poster, error) {
	if c.Event == nil {
		return nil, &UserError{Err: ErrInvalid, Text: fmt.Sprintf("推送 %s 没有线下活动，无需签到海报。", c.ID)}
	}
	if !usernameRe.MatchString(username) {
		return nil, fmt.Errorf("campaign: poster: bad bot username %q", username)
	}
	url := CheckInURL(username, c.ID)
	q, err := qrcode.New(url, QRLevel)
	if err != nil {
		return nil, fmt.Errorf("campaign: poster: %w", err)
	}
	bitmap := q.Bitmap() // with the quiet zone
	when := c.Event.Time.In(Zone)
	lines := []string{"EVENT #" + c.ID, when.Format("2006-01-02 15:04")}
	pngData, err := posterPNG(bitmap, lines)
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	err = posterHTML.Execute(&page, map[string]any{
		"Title": c.Title, "Place": c.Event.Place, "Capacity": c.Event.Capacity, "ID": c.ID, "URL": url,
		"Time": fmt.Sprintf("%d年%d月%d日（%s）%s", when.Year(), when.Month(), when.Day(), weekdays[when.Weekday()], when.Format("15:04")),
		"QR":   template.HTML(qrSVG(bitmap)),
	})
	if err != nil {
		return nil, fmt.Errorf("campaign: poster: %w", err)
	}
	return &Poster{Campaign: c, URL: url, PNG: pngData, HTML: page.Bytes()}, nil
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// qrPlacement is where posterPNG draws the QR code: module (x, y) of the
// bitmap fills the square of side module at (x0+x*module, y0+y*module).
type qrPlacement struct{ x0, y0, module int }

// posterGeometry lays out a poster of n modules across and text lines.
func posterGeometry(n int, lines []string) (width, height int, g qrPlacement) {
	qr := n * qrModule
	width = qr
	for _, l := range lines {
		width = max(width, len(l)*6*fontScale+2*textMargin)
	}
	height = qr + len(lines)*10*fontScale + textMargin
	return width, height, qrPlacement{x0: (width - qr) / 2, y0: 0, module: qrModule}
}

func posterPNG(bitmap [][]bool, lines []string) ([]byte, error) {
	width, height, g := posterGeometry(len(bitmap), lines)
	img := image.NewPaletted(image.Rect(0, 0, width, height), color.Palette{color.White, color.Black})
	fill := func(x, y, w, h int) {
		for yy := y; yy < y+h; yy++ {
			for xx := x; xx < x+w; xx++ {
				img.SetColorIndex(xx, yy, 1)
			}
		}
	}
	for y, row := range bitmap {
		for x, dark := range row {
			if dark {
				fill(g.x0+x*g.module, g.y0+y*g.module, g.module, g.module)
			}
		}
	}
	top := len(bitmap) * qrModule
	for i, l := range lines {
		x := (width - len(l)*6*fontScale) / 2
		y := top + i*10*fontScale
		for _, r := range l {
			glyph := font5x7[r]
			for gy, bits := range glyph {
				for gx, b := range bits {
					if b == '#' {
						fill(x+gx*fontScale, y+gy*fontScale, fontScale, fontScale)
					}
				}
			}
			x += 6 * fontScale
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("campaign: poster: %w", err)
	}
	return buf.Bytes(), nil
}

// qrSVG draws the bitmap as an SVG path, one run of dark modules a
// segment.
func qrSVG(bitmap [][]bool) string {
	n := len(bitmap)
	var d strings.Builder
	for y, row := range bitmap {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 0
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run
		}
	}
	return fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="签到二维码">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`, n, n, n, n, d.String())
}

var posterHTML = template.Must(template.New("poster").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.Title}} - 活动签到海报</title>
<style>
@page { size: A4; margin: 15mm; }
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: #111; text-align: center; margin: 0; }
h1 { font-size: 30pt; margin: 12mm 0 8mm; line-height: 1.3; }
.meta { font-size: 17pt; line-height: 1.9; margin-bottom: 8mm; }
.qr { width: 95mm; height: 95mm; }
.how { font-size: 15pt; margin: 6mm 0 2mm; }
.link { font-size: 10pt; color: #444; word-break: break-all; }
.id { font-size: 10pt; color: #666; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<div class="meta">
<div>时间：{{.Time}}</div>
<div>地点：{{.Place}}</div>
<div>名额：{{.Capacity}} 人</div>
</div>
{{.QR}}
<p class="how">到场后请用手机扫描二维码，在 Telegram 中签到</p>
<p class="link">{{.URL}}</p>
<p class="id">活动编号 EVENT #{{.ID}}</p>
</body>
</html>
`))

// Poster makes the check-in poster of campaign id's event for a volunteer.
func (s *Service) Poster(ctx context.Context, u User, id string) (*Poster, error) {
	if err := s.authorize(u, ActPreview); err != nil {
		return nil, err
	}
	c, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, notFound(err, id)
	}
	if c.Event == nil {
		return nil, &UserError{Err: ErrInvalid, Text: fmt.Sprintf("推送 %s 没有线下活动，无需签到海报。", c.ID)}
	}
	if s.cfg.Username == nil {
		return nil, &UserError{Err: errNoUsername, Text: "暂时无法生成海报：机器人尚未连接 Telegram。"}
	}
	name, err := s.cfg.Username(ctx)
	if err != nil {
		return nil, fmt.Errorf("campaign: poster: bot username: %w", err)
	}
	return MakePoster(c, name)
}

var errNoUsername = errors.New("campaign: bot username unknown")

// font5x7 draws the ASCII the PNG poster needs, 5x7 pixels a glyph.
var font5x7 = map[rune][7]string{
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'-': {".....", ".....", ".....", "#####", ".....", ".....", "....."},
	':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
	'#': {".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."},
	'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
	'V': {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."},
	'N': {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"},
	'T': {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},
}
