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
// followed by one or more number-unit pairs ("幸福路12号3栋2单元501室").
var addressRe = regexp.MustCompile(
	`(\p{Han}{0,10}?)(省|市|区|县|镇|乡|街道|大街|大道|路|街|巷|弄|胡同|村|屯|小区|花园|家园|新村|公寓|大厦|广场|苑|园|府|庭|里|城|湾|社区)?` +
		`((?:[\s-]*[0-9０-９一二三四五六七八九十百千零〇两]+[\s]*(?:号楼|号院|号|栋|幢|单元|室|楼|层|弄|组|排|户|座|期|门)){1,8})`)

// numberUnitRe finds the number-unit pairs inside an address match.
var numberUnitRe = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百千零〇两]+\s*(号楼|号院|号|栋|幢|单元|室|楼|层|弄|组|排|户|座|期|门)`)

// leadIns end the words before an address: the place name starts after the
// last of them ("我住在幸福路" keeps "我住在").
const leadIns = "在住于是到往去来从向和与及的了我你他她家址：:，,。；;、 "

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
// allowed between digits) that are not dates or money amounts.
func redactNumbers(text string) string {
	var b strings.Builder
	last := 0
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isDigit(r) {
			i += size
			continue
		}
		start := i
		end, digits, groups := scanRun(text, i)
		if dl := datePrefix(text[start:end], groups); dl > 0 {
			// A date: keep it and look at what follows on its own.
			i = start + dl
			continue
		}
		if digits >= 7 && !moneyAmount(text, end, digits, groups) {
			// An ID card ends in a check character that may be X.
			if digits == 17 {
				if r, size := utf8.DecodeRuneInString(text[end:]); r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' {
					end += size
					digits++
				}
			}
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

// scanRun returns the end of the digit run starting at i, its number of
// digits and the digit count of each group between separators.
func scanRun(text string, i int) (end, digits int, groups []int) {
	group := 0
	end = i
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if isDigit(r) {
			digits++
			group++
			end += size
			continue
		}
		if !isNumberSep(r) {
			break
		}
		if next, _ := utf8.DecodeRuneInString(text[end+size:]); !isDigit(next) {
			break
		}
		groups = append(groups, group)
		group = 0
		end += size
	}
	return end, digits, append(groups, group)
}

// datePrefix returns the byte length of a yyyy-mm-dd date at the start of
// run, or 0.
func datePrefix(run string, groups []int) int {
	if len(groups) < 3 || groups[0] != 4 || groups[1] < 1 || groups[1] > 2 || groups[2] < 1 || groups[2] > 2 {
		return 0
	}
	n := 4 + 1 + groups[1] + 1 + groups[2]
	if n > len(run) || !strings.HasPrefix(run, "19") && !strings.HasPrefix(run, "20") {
		return 0
	}
	if run[4] != '-' || run[5+groups[1]] != '-' {
		return 0
	}
	return n
}

// moneyAmount reports whether a plain run of digits is followed by a unit of
// money ("1500000元").
func moneyAmount(text string, end, digits int, groups []int) bool {
	if len(groups) != 1 || digits >= 11 {
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
