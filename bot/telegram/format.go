package telegram

import (
	"html"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lawbot/lawbot/answer"
	"github.com/lawbot/lawbot/bot"
)

// MaxMessage is Telegram's limit on a message's text, in UTF-16 code units
// after entities are parsed.
const MaxMessage = 4096

// pieceRunes is how long a piece of a split reply may be. It leaves room
// for a heading and for characters that take two UTF-16 units.
const pieceRunes = 3500

// piece is one message of a reply: its HTML and its plain text, sent when
// the HTML is refused.
type piece struct {
	html  string
	plain string
}

// formatReply renders a reply as HTML messages, each under MaxMessage.
func formatReply(r bot.Reply) []piece {
	if r.Answer != nil {
		return formatAnswer(r.Answer)
	}
	var out []piece
	for _, p := range split(r.Text) {
		out = append(out, piece{html: html.EscapeString(p), plain: p})
	}
	return out
}

// formatAnswer renders an answer: the matched question in bold, then the
// answer text with its section headings and emergency line in bold.
func formatAnswer(a *answer.Answer) []piece {
	var out []piece
	for i, p := range split(a.Text) {
		var h strings.Builder
		plain := p
		if i == 0 && a.Kind == answer.FAQ && a.Entry != nil {
			h.WriteString("<b>")
			h.WriteString(html.EscapeString(a.Entry.Question))
			h.WriteString("</b>\n\n")
			plain = a.Entry.Question + "\n\n" + p
		}
		for j, line := range strings.Split(p, "\n") {
			if j > 0 {
				h.WriteByte('\n')
			}
			if bold(line) {
				h.WriteString("<b>" + html.EscapeString(line) + "</b>")
			} else {
				h.WriteString(html.EscapeString(line))
			}
		}
		out = append(out, piece{html: h.String(), plain: plain})
	}
	return out
}

// bold reports whether a line of an answer is a heading or an emergency
// step, shown in bold.
func bold(line string) bool {
	switch line {
	case "法律依据：", "下一步可以：":
		return true
	}
	return strings.HasPrefix(line, "⚠️")
}

// split cuts text into pieces that fit a message, at sentence ends where it
// can (answer.Split).
func split(text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []string
	for _, p := range answer.Split(text, pieceRunes) {
		if utf16Len(p) > MaxMessage-200 {
			out = append(out, answer.Split(p, pieceRunes/2)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// truncateRunes cuts s to n characters and reports whether it did.
func truncateRunes(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	return string([]rune(s)[:n]), true
}
