package stats

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Placeholders that replace redacted text. They contain no digits, so
// redacting twice changes nothing.
const (
	RedactedMobile  = "[手机号]"
	RedactedIDCard  = "[身份证号]"
	RedactedBank    = "[银行卡号]"
	RedactedNumber  = "[号码]"
	RedactedAddress = "[地址]"
)

// Redact returns text with what could identify a resident replaced by
// placeholders: mobile and landline numbers, ID-card numbers, bank-card
// numbers (any run of 7 or more digits, spaces and dashes allowed between
// them, except dates and money amounts) and street addresses (a place name
// followed by house, building, unit or room numbers). Invalid UTF-8 is
// replaced. It errs on the side of removing too much.
func Redact(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = redactAddresses(text)
	return redactNumbers(text)
}

// addressRe matches an optional place name ending in a place suffix,
// followed by one or more number-unit pairs ("幸福路12号3栋2单元501室")
// and perhaps a bare room number ("3栋501").
var addressRe = regexp.MustCompile(
	`(\p{Han}{0,10}?)(省|市|区|县|镇|乡|街道|大街|大道|路|街|巷|弄|胡同|村|屯|小区|花园|家园|新村|公寓|大厦|广场|苑|园|府|庭|里|城|湾|社区)?` +
		`((?:[\s-]*[0-9０-９一二三四五六七八九十百千零〇两]+[\s]*(?:号楼|号院|号|栋|幢|单元|室|楼|层|弄|组|排|户|座|期|门)){1,8}(?:-?[0-9０-９]{1,5})?)`)

// numberUnitRe finds the number-unit pairs inside an address match.
var numberUnitRe = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百千零〇两]+\s*(号楼|号院|号|栋|幢|单元|室|楼|层|弄|组|排|户|座|期|门)`)

// leadIns end the words before an address: the place name starts after the
// last of them ("我住在幸福路" keeps "我住在").
// Characters common in place names (家, 和, 向, 来) are not lead-ins.
const leadIns = "在住于是到往去从与及的了我你他她址：:，,。；;、 "

func redactAddresses(text string) string {
	matches := addressRe.FindAllStringSubmatchIndex(text, -1)
	if matches == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		start, end := m[0], m[1]
		nameStart, nameEnd := m[2], m[3]
		hasSuffix := m[4] >= 0
		numbers := text[m[6]:m[7]]
		if !hasSuffix && !strongAddress(numbers) {
			continue
		}
		if hasSuffix {
			// Keep the words before the place name.
			name := text[nameStart:nameEnd]
			if i := lastLeadIn(name); i >= 0 {
				start = nameStart + i
			}
		} else {
			start = m[6]
		}
		// Leave the spacing before the numbers alone.
		for start < end && strings.IndexByte(" -\t\n\r\v\f", text[start]) >= 0 {
			start++
		}
		b.WriteString(text[last:start])
		b.WriteString(RedactedAddress)
		last = end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// lastLeadIn returns the byte offset just after the last lead-in rune of
// name, or -1 when it has none.
func lastLeadIn(name string) int {
	cut := -1
	for i, r := range name {
		if strings.ContainsRune(leadIns, r) {
			cut = i + utf8.RuneLen(r)
		}
	}
	return cut
}

// strongAddress reports whether number-unit pairs without a place name
// still look like an address: two or more pairs ("3栋2单元"), or a unit only
// buildings have. A lone "3号" or "5楼" may be a date or a floor.
func strongAddress(numbers string) bool {
	pairs := numberUnitRe.FindAllStringSubmatch(numbers, -1)
	if len(pairs) >= 2 {
		return true
	}
	for _, p := range pairs {
		switch p[1] {
		case "栋", "幢", "单元", "室", "号楼", "号院":
			return true
		}
	}
	return false
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

func isNumberSep(r rune) bool {
	return r == ' ' || r == '-' || r == '\u00a0' || r == '\u3000' || r == '－'
}

// redactNumbers replaces runs of 7 or more digits (single spaces or dashes
// allowed between digits) that are not dates or money amounts. Dates at
// the start of a run are kept and the rest of the run judged on its own.
func redactNumbers(text string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isDigit(r) {
			i += size
			continue
		}
		groups := scanRun(text, i)
		end := groups[len(groups)-1].end
		for len(groups) >= 3 && isDate(text, groups[:3]) {
			groups = groups[3:]
		}
		digits := 0
		for _, g := range groups {
			digits += g.digits
		}
		if digits >= 7 && !moneyAmount(text, end, digits, len(groups)) {
			// An ID card ends in a check character that may be X.
			if digits == 17 {
				if r, size := utf8.DecodeRuneInString(text[end:]); r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' {
					end += size
					digits++
				}
			}
			start := groups[0].start
			b.WriteString(text[last:start])
			b.WriteString(numberPlaceholder(text[start:end], digits))
			last = end
		}
		i = end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// digitGroup is a stretch of digits between separators.
type digitGroup struct {
	start, end int // byte offsets
	digits     int
}

// scanRun returns the digit groups of the run starting at i: digits, with
// single separators between them.
func scanRun(text string, i int) []digitGroup {
	var groups []digitGroup
	g := digitGroup{start: i, end: i}
	for g.end < len(text) {
		r, size := utf8.DecodeRuneInString(text[g.end:])
		if isDigit(r) {
			g.digits++
			g.end += size
			continue
		}
		if !isNumberSep(r) {
			break
		}
		if next, _ := utf8.DecodeRuneInString(text[g.end+size:]); !isDigit(next) {
			break
		}
		groups = append(groups, g)
		g = digitGroup{start: g.end + size, end: g.end + size}
	}
	return append(groups, g)
}

// isDate reports whether three groups spell an ASCII yyyy-m-d date.
func isDate(text string, g []digitGroup) bool {
	ascii := func(g digitGroup) bool { return g.end-g.start == g.digits }
	if !ascii(g[0]) || !ascii(g[1]) || !ascii(g[2]) || g[0].digits != 4 ||
		g[1].digits > 2 || g[2].digits > 2 {
		return false
	}
	if y := text[g[0].start : g[0].start+2]; y != "19" && y != "20" {
		return false
	}
	return text[g[0].end] == '-' && g[1].start == g[0].end+1 && text[g[1].end] == '-' && g[2].start == g[1].end+1
}

// moneyAmount reports whether a plain run of digits is followed by a unit of
// money ("1500000元").
func moneyAmount(text string, end, digits, groups int) bool {
	if groups != 1 || digits >= 11 {
		return false
	}
	rest := text[end:]
	if strings.HasPrefix(rest, ".") {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		rest = rest[j:]
	}
	for _, unit := range []string{"元", "块", "万", "亿", "圆"} {
		if strings.HasPrefix(rest, unit) {
			return true
		}
	}
	return false
}

func numberPlaceholder(run string, digits int) string {
	first, _ := utf8.DecodeRuneInString(run)
	switch {
	case digits == 11 && (first == '1' || first == '１'):
		return RedactedMobile
	case digits == 15 || digits == 18:
		return RedactedIDCard
	case digits >= 16 && digits <= 19:
		return RedactedBank
	}
	return RedactedNumber
}
