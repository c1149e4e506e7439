package knowledge

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Citation names one article of one law, as an FAQ answer cites it:
// 《中华人民共和国民法典》第一千零七十九条.
type Citation struct {
	Law       string // the law's name as written, without 《》
	ArticleNo int    // 1079
	Sub       int    // 1 for "第一百七十五条之一", else 0
}

// String renders the citation the way answers write it.
func (c Citation) String() string {
	return "《" + c.Law + "》" + ArticleLabel(c.ArticleNo, c.Sub)
}

// Key is the normalised law name and article number used to resolve the
// citation against imported statutes.
func (c Citation) Key() ArticleKey {
	return ArticleKey{Law: NormalizeLawName(c.Law), No: c.ArticleNo, Sub: c.Sub}
}

// ArticleKey identifies an article independently of how its law is named.
type ArticleKey struct {
	Law string
	No  int
	Sub int
}

// NormalizeLawName maps the spellings of one law's name to one key: it drops
// the outer 《》, spaces and the "中华人民共和国" that collections use
// inconsistently (also inside an interpretation's title), and writes inner
// 〈〉 as 《》, so 《中华人民共和国劳动合同法》 and 劳动合同法 match, and so do
// 最高人民法院关于适用〈中华人民共和国民法典〉… and 最高人民法院关于适用《民法典》….
func NormalizeLawName(name string) string {
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "《") && strings.HasSuffix(name, "》") {
		name = strings.TrimSuffix(strings.TrimPrefix(name, "《"), "》")
	}
	return lawNameFolder.Replace(name)
}

var lawNameFolder = strings.NewReplacer(" ", "", "　", "", "中华人民共和国", "", "〈", "《", "〉", "》")

// ParseCitation parses 《法律名称》第N条 with N in Chinese numerals or digits and
// an optional 之一/之二 suffix. Anything else is an error that says why.
func ParseCitation(s string) (Citation, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "《") {
		return Citation{}, fmt.Errorf("citation %q: want 《法律名称》第N条", s)
	}
	end := strings.LastIndex(s, "》")
	if end < 0 {
		return Citation{}, fmt.Errorf("citation %q: missing 》", s)
	}
	law := strings.TrimSpace(s[len("《"):end])
	if law == "" || utf8.RuneCountInString(law) > 80 {
		return Citation{}, fmt.Errorf("citation %q: law name is empty or too long", s)
	}
	no, sub, rest, err := ParseArticleLabel(s[end+len("》"):])
	if err != nil {
		return Citation{}, fmt.Errorf("citation %q: %w", s, err)
	}
	if rest != "" {
		return Citation{}, fmt.Errorf("citation %q: unexpected %q after the article number (cite one article per line)", s, rest)
	}
	return Citation{Law: law, ArticleNo: no, Sub: sub}, nil
}

// ParseArticleLabel reads "第一千零七十九条" (or "第1079条", "第一百七十五条之一")
// from the start of s and returns the number, the 之N suffix and what follows.
func ParseArticleLabel(s string) (no, sub int, rest string, err error) {
	if !strings.HasPrefix(s, "第") {
		return 0, 0, s, fmt.Errorf("want 第N条")
	}
	s = s[len("第"):]
	i := strings.Index(s, "条")
	if i <= 0 {
		return 0, 0, s, fmt.Errorf("want 第N条")
	}
	no, err = parseNumber(s[:i])
	if err != nil || no <= 0 || no > 10000 {
		return 0, 0, s, fmt.Errorf("bad article number %q", s[:i])
	}
	rest = s[i+len("条"):]
	if strings.HasPrefix(rest, "之") {
		r := []rune(rest[len("之"):])
		if len(r) == 0 {
			return 0, 0, rest, fmt.Errorf("bad 之N suffix")
		}
		d, ok := digitValue(r[0])
		if !ok || d == 0 {
			return 0, 0, rest, fmt.Errorf("bad 之N suffix")
		}
		sub = d
		rest = string(r[1:])
	}
	return no, sub, rest, nil
}

// ArticleLabel renders 1079 as "第一千零七十九条" and (175, 1) as
// "第一百七十五条之一".
func ArticleLabel(no, sub int) string {
	l := "第" + ChineseNumber(no) + "条"
	if sub > 0 {
		l += "之" + ChineseNumber(sub)
	}
	return l
}

var digitRunes = []rune("零一二三四五六七八九")

func digitValue(r rune) (int, bool) {
	for i, d := range digitRunes {
		if d == r {
			return i, true
		}
	}
	if r == '两' {
		return 2, true
	}
	if r == '〇' {
		return 0, true
	}
	return 0, false
}

// parseNumber reads digits or Chinese numerals up to 9999.
func parseNumber(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	total, cur := 0, -1
	for _, r := range s {
		if d, ok := digitValue(r); ok {
			cur = d
			continue
		}
		unit := 0
		switch r {
		case '十':
			unit = 10
		case '百':
			unit = 100
		case '千':
			unit = 1000
		default:
			return 0, fmt.Errorf("not a number: %q", s)
		}
		if cur < 0 {
			if unit != 10 {
				return 0, fmt.Errorf("not a number: %q", s)
			}
			cur = 1 // 十二 = 12
		}
		total += cur * unit
		cur = -1
	}
	if cur > 0 {
		total += cur
	}
	// Only the standard way of writing a number is accepted, so that a typo
	// (第一千七九条, 第十十条) is an error rather than another article.
	canon := numeralVariants.Replace(s)
	if strings.HasPrefix(canon, "一十") {
		canon = canon[len("一"):] // 一十二 = 十二
	}
	if canon != ChineseNumber(total) {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return total, nil
}

var numeralVariants = strings.NewReplacer("两", "二", "〇", "零")

// ChineseNumber writes n (1..9999) the way statute article labels do.
func ChineseNumber(n int) string {
	if n <= 0 || n > 9999 {
		return strconv.Itoa(n)
	}
	units := []struct {
		v int
		r rune
	}{{1000, '千'}, {100, '百'}, {10, '十'}}
	var b strings.Builder
	zero := false
	started := false
	for _, u := range units {
		d := n / u.v
		n %= u.v
		if d == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteRune('零')
			zero = false
		}
		if !(u.v == 10 && d == 1 && !started) {
			b.WriteRune(digitRunes[d])
		}
		b.WriteRune(u.r)
		started = true
	}
	if n > 0 {
		if zero {
			b.WriteRune('零')
		}
		b.WriteRune(digitRunes[n])
	}
	return b.String()
}
