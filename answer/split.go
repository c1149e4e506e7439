package answer

import (
	"strings"
	"unicode/utf8"
)

// Split cuts a reply into messages of at most max characters, preferring
// paragraph breaks, then sentence ends (。！？；), then any character, so a
// chat never cuts a sentence in half when it can avoid it.
func Split(text string, max int) []string {
	if max <= 0 {
		max = 1
	}
	var out []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
		curLen = 0
	}
	for _, piece := range sentences(text) {
		n := utf8.RuneCountInString(piece)
		if curLen+n > max {
			flush()
		}
		for n > max { // one sentence longer than a message
			r := []rune(piece)
			out = append(out, string(r[:max]))
			piece = string(r[max:])
			n -= max
		}
		cur.WriteString(piece)
		curLen += n
	}
	flush()
	return out
}

// sentences splits text after sentence ends and newlines, keeping every
// character.
func sentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		switch r {
		case '。', '！', '？', '；', '\n', '!', '?':
			end := i + utf8.RuneLen(r)
			out = append(out, text[start:end])
			start = end
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}
