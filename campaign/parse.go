package campaign

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lawbot/lawbot/stats"
)

// What volunteers type is parsed here: the one-line /log, dates and times,
// the quiz and the event of a campaign. Every error is a *UserError whose
// Text says politely what is wrong, with an example.

// Zone is the zone dates and times are read and shown in: Asia/Shanghai.
// It has kept UTC+8 without daylight saving since 1991, so a fixed zone
// serves and needs no time-zone database on the server.
var Zone = stats.DefaultLocation()

func invalid(format string, args ...any) error {
	return &UserError{Err: ErrInvalid, Text: fmt.Sprintf(format, args...)}
}

// normalize turns full-width digits, letters and punctuation into ASCII
// and every kind of space into ' '.
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			return r - '０' + '0'
		case r == '：':
			return ':'
		case r == '（':
			return '('
		case r == '）':
			return ')'
		case r == '－' || r == '—' || r == '–':
			return '-'
		case r == '／':
			return '/'
		case r == '．':
			return '.'
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// ActivityLine is an offline activity as a volunteer typed it.
type ActivityLine struct {
	Kind  stats.Kind
	Count int
	// Date is the day, at noon in Zone.
	Date time.Time
	// Place is where; required for a lecture.
	Place string
}

// String writes a in the one-line form ParseActivity reads.
func (a ActivityLine) String() string {
	parts := []string{KindName(a.Kind), a.Date.In(Zone).Format(time.DateOnly)}
	if a.Place != "" {
		parts = append(parts, a.Place)
	}
	return strings.Join(append(parts, strconv.Itoa(a.Count)+kindUnits[a.Kind][0]), " ")
}

// activityKinds maps the words volunteers use to the offline kinds.
var activityKinds = map[string]stats.Kind{
	"讲座": stats.KindLecture, "法治讲座": stats.KindLecture, "普法讲座": stats.KindLecture, "lecture": stats.KindLecture,
	"传单": stats.KindLeaflets, "资料": stats.KindLeaflets, "宣传资料": stats.KindLeaflets, "宣传单": stats.KindLeaflets, "leaflets": stats.KindLeaflets,
	"横幅": stats.KindBanners, "条幅": stats.KindBanners, "banners": stats.KindBanners,
	"走访": stats.KindVisits, "入户": stats.KindVisits, "入户走访": stats.KindVisits, "visits": stats.KindVisits,
}

// kindUnits are the units a count of each kind may carry, the usual first.
var kindUnits = map[stats.Kind][]string{
	stats.KindLecture:  {"人", "人次", "名", "位"},
	stats.KindLeaflets: {"份", "张", "册", "本"},
	stats.KindBanners:  {"条", "幅", "张"},
	stats.KindVisits:   {"户", "家", "次"},
}

// KindName is the short Chinese name of an offline kind.
func KindName(k stats.Kind) string {
	return map[stats.Kind]string{stats.KindLecture: "讲座", stats.KindLeaflets: "传单", stats.KindBanners: "横幅", stats.KindVisits: "走访"}[k]
}

// Unit is the usual unit of a count of k: 人, 份, 条, 户.
func Unit(k stats.Kind) string {
	if u := kindUnits[k]; len(u) > 0 {
		return u[0]
	}
	return ""
}

var countRe = regexp.MustCompile(`^([0-9]+)(\p{Han}{0,2})$`)

const logExamples = "例如：/log 讲座 2026-03-15 社区活动室 45人、/log 传单 300、/log 横幅 2、/log 走访 20户"

// ParseActivity reads the one-line form of /log: the kind (讲座, 传单,
// 横幅, 走访), then in any order a date (2026-03-15, 3月15日, 今天, 昨天),
// the count with or without its unit (45人, 300, 2条, 20户) and the place.
// A lecture needs the date, the place and the attendees; the others a
// count, the date defaulting to today. now gives today and bounds the date:
// not after today, not before last year.
func ParseActivity(line string, now time.Time) (ActivityLine, error) {
	fields := strings.Fields(normalize(line))
	if len(fields) == 0 {
		return ActivityLine{}, invalid("请写明活动类型和数量，%s。", logExamples)
	}
	kind, ok := activityKinds[strings.ToLower(fields[0])]
	if !ok {
		return ActivityLine{}, invalid("无法识别活动类型“%s”。请用讲座、传单、横幅或走访，%s。", short(fields[0], 10), logExamples)
	}
	a := ActivityLine{Kind: kind}
	var countTok, dateTok string
	var place []string
	for _, f := range fields[1:] {
		if isDateToken(f) {
			if dateTok != "" {
				return ActivityLine{}, invalid("日期写了两次（%s 和 %s），请只写一个。", dateTok, short(f, 12))
			}
			d, err := ParseDate(f, now)
			if err != nil {
				return ActivityLine{}, err
			}
			dateTok, a.Date = f, d
			continue
		}
		if m := countRe.FindStringSubmatch(f); m != nil && (m[2] == "" || isUnit(m[2])) {
			if countTok != "" {
				return ActivityLine{}, invalid("数量写了两次（%s 和 %s），请只写一个。", countTok, short(f, 12))
			}
			n, err := ParseCount(f, kind)
			if err != nil {
				return ActivityLine{}, err
			}
			countTok, a.Count = f, n
			continue
		}
		place = append(place, f)
	}
	if kind == stats.KindLecture && (dateTok == "" || countTok == "" || len(place) == 0) {
		return ActivityLine{}, invalid("登记讲座需要日期、地点和人数，例如：/log 讲座 2026-03-15 社区活动室 45人。")
	}
	if countTok == "" {
		return ActivityLine{}, invalid("请写明%s的数量，例如：/log %s %d%s。", KindName(kind), KindName(kind), exampleCount[kind], Unit(kind))
	}
	if dateTok == "" {
		a.Date = noon(now)
	}
	p, err := CheckPlace(strings.Join(place, " "))
	if err != nil {
		return ActivityLine{}, err
	}
	a.Place = p
	return a, nil
}

var exampleCount = map[stats.Kind]int{stats.KindLecture: 45, stats.KindLeaflets: 300, stats.KindBanners: 2, stats.KindVisits: 20}

func isUnit(u string) bool {
	for _, us := range kindUnits {
		for _, x := range us {
			if x == u {
				return true
			}
		}
	}
	return false
}

// ParseCount reads the count of an activity of kind k: a whole number,
// perhaps with a unit that fits k ("45人", "300份", "300").
func ParseCount(s string, k stats.Kind) (int, error) {
	s = strings.TrimSpace(normalize(s))
	m := countRe.FindStringSubmatch(s)
	if m == nil {
		return 0, invalid("“%s”不是数量，请输入整数，例如 %d%s。", short(s, 12), exampleCount[k], Unit(k))
	}
	if m[2] != "" {
		ok := false
		for _, u := range kindUnits[k] {
			ok = ok || u == m[2]
		}
		if !ok {
			return 0, invalid("“%s”的单位和%s不符，请写成例如 %d%s。", s, KindName(k), exampleCount[k], Unit(k))
		}
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 || n > k.MaxCount() {
		return 0, invalid("%s的数量应在 1 到 %d 之间。", KindName(k), k.MaxCount())
	}
	return n, nil
}

// CheckPlace trims a place and checks its length.
func CheckPlace(s string) (string, error) {
	s = strings.Join(strings.Fields(normalize(s)), " ")
	if utf8.RuneCountInString(s) > stats.MaxPlace {
		return "", invalid("地点请不超过 %d 字。", stats.MaxPlace)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return "", invalid("地点中有无法显示的字符，请重新输入。")
		}
	}
	return s, nil
}

var (
	fullDateRe = regexp.MustCompile(`^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$`)
	dayDateRe  = regexp.MustCompile(`^([0-9]{1,2})[-/.月]([0-9]{1,2})日?$`)
	relDays    = map[string]int{"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2}
)

func isDateToken(s string) bool {
	_, rel := relDays[s]
	return rel || fullDateRe.MatchString(s) || dayDateRe.MatchString(s)
}

func noon(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, Zone)
}

// ParseDate reads the day of an activity that took place: 2026-03-15,
// 2026/3/15, 2026年3月15日, 3月15日 (this year, or last year if that is
// still to come), 今天, 昨天 or 前天. It returns noon of the day in Zone.
func ParseDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(normalize(s))
	today := noon(now)
	if n, ok := relDays[s]; ok {
		return today.AddDate(0, 0, n), nil
	}
	var y, m, d int
	if p := fullDateRe.FindStringSubmatch(s); p != nil {
		y, m, d = atoi(p[1]), atoi(p[2]), atoi(p[3])
	} else if p := dayDateRe.FindStringSubmatch(s); p != nil {
		y, m, d = today.Year(), atoi(p[1]), atoi(p[2])
		if t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, Zone); t.After(today) {
			y--
		}
	} else {
		return time.Time{}, invalid("“%s”不是日期，请写成 2026-03-15、3月15日或“今天”“昨天”。", short(s, 12))
	}
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, Zone)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, invalid("日期“%s”不存在，请检查。", s)
	}
	if t.After(today) {
		return time.Time{}, invalid("日期 %s 还没到，只能登记已经开展的活动。", t.Format(time.DateOnly))
	}
	if t.Year() < today.Year()-1 {
		return time.Time{}, invalid("日期 %s 太早了，只能登记去年和今年的活动。", t.Format(time.DateOnly))
	}
	return t, nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// whenRe matches a date and a time of day: 2026-03-15 14:00, 3月15日14:00,
// 3月15日 下午2点, 明天 9:30.
var whenRe = regexp.MustCompile(`(今天|明天|后天|(?:([0-9]{4})[-/.年])?([0-9]{1,2})[-/.月]([0-9]{1,2})日?)\s*(上午|中午|下午|晚上)?\s*([0-9]{1,2})(?::([0-9]{2})|点(?:([0-9]{1,2})分?|(半))?)`)

const whenExample = "2026-03-15 14:00 或 3月15日 下午2点"

// ParseWhen reads a time to come: a date (as ParseDate, or 今天, 明天,
// 后天) and a time of day (14:00, 下午2点, 9点半). A date without a year
// more than a month past is taken as next year's. The result must be after
// now and within a year.
func ParseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(normalize(s))
	loc := whenRe.FindStringSubmatchIndex(s)
	if loc == nil || loc[0] != 0 || loc[1] != len(s) {
		return time.Time{}, invalid("“%s”不是时间，请写成 %s。", short(s, 20), whenExample)
	}
	return when(s, loc, now)
}

func when(s string, loc []int, now time.Time) (time.Time, error) {
	group := func(i int) string {
		if loc[2*i] < 0 {
			return ""
		}
		return s[loc[2*i]:loc[2*i+1]]
	}
	today := now.In(Zone)
	y, m, d := today.Date()
	var day time.Time
	switch group(1) {
	case "今天":
		day = time.Date(y, m, d, 0, 0, 0, 0, Zone)
	case "明天":
		day = time.Date(y, m, d+1, 0, 0, 0, 0, Zone)
	case "后天":
		day = time.Date(y, m, d+2, 0, 0, 0, 0, Zone)
	default:
		yy, mm, dd := y, atoi(group(3)), atoi(group(4))
		if group(2) != "" {
			yy = atoi(group(2))
		}
		day = time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, Zone)
		if day.Year() != yy || int(day.Month()) != mm || day.Day() != dd {
			return time.Time{}, invalid("日期“%s”不存在，请检查。", group(1))
		}
		if group(2) == "" && day.Before(today.AddDate(0, -1, 0)) {
			day = day.AddDate(1, 0, 0)
		}
	}
	hour, minute := atoi(group(6)), 0
	switch {
	case group(7) != "":
		minute = atoi(group(7))
	case group(8) != "":
		minute = atoi(group(8))
	case group(9) != "":
		minute = 30
	}
	switch group(5) {
	case "下午", "晚上":
		if hour < 12 {
			hour += 12
		}
	case "中午":
		if hour < 6 {
			hour += 12
		}
	}
	if hour > 23 || minute > 59 {
		return time.Time{}, invalid("时间“%s”不存在，请写成 %s。", s[loc[0]:loc[1]], whenExample)
	}
	t := day.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	switch {
	case !t.After(now):
		return time.Time{}, invalid("时间 %s 已经过去了，请填写将来的时间。", t.Format("2006-01-02 15:04"))
	case t.After(now.AddDate(1, 0, 0)):
		return time.Time{}, invalid("时间 %s 太远了，请填写一年以内的时间。", t.Format("2006-01-02 15:04"))
	}
	return t, nil
}

var (
	capacityRe = regexp.MustCompile(`(?:名额|限|人数)\s*:?\s*([0-9]+)\s*(?:人|名|位)?|([0-9]+)\s*(?:人|名|位)`)
	bareNumRe  = regexp.MustCompile(`(?:^|\s)([0-9]+)\s*$`)
	punctRe    = regexp.MustCompile(`[:;,，；、。]`)
	labelRe    = regexp.MustCompile(`地点|时间|名额|人数`)
)

const eventExample = "例如：社区活动室 2026-03-15 14:00 30人"

// maxCapacity is the most places an event may offer.
const maxCapacity = 10_000

// ParseEvent reads an event in one message: its place, time and capacity in
// any order, e.g. "社区活动室 2026-03-15 14:00 30人" or
// "地点：社区活动室；时间：3月15日下午2点；名额：30".
func ParseEvent(s string, now time.Time) (*Event, error) {
	s = strings.TrimSpace(normalize(s))
	loc := whenRe.FindStringSubmatchIndex(s)
	if loc == nil {
		return nil, invalid("请写明活动时间，%s。", eventExample)
	}
	at, err := when(s, loc, now)
	if err != nil {
		return nil, err
	}
	rest := punctRe.ReplaceAllString(s[:loc[0]]+" "+s[loc[1]:], " ")
	var capacity string
	if m := capacityRe.FindStringSubmatchIndex(rest); m != nil {
		if m[2] >= 0 {
			capacity = rest[m[2]:m[3]]
		} else {
			capacity = rest[m[4]:m[5]]
		}
		rest = rest[:m[0]] + " " + rest[m[1]:]
	} else if m := bareNumRe.FindStringSubmatchIndex(rest); m != nil {
		capacity = rest[m[2]:m[3]]
		rest = rest[:m[0]] + " " + rest[m[1]:]
	}
	if capacity == "" {
		return nil, invalid("请写明活动名额，%s。", eventExample)
	}
	n, err := strconv.Atoi(capacity)
	if err != nil || n < 1 || n > maxCapacity {
		return nil, invalid("名额应在 1 到 %d 之间。", maxCapacity)
	}
	place, err := CheckPlace(labelRe.ReplaceAllString(rest, " "))
	if err != nil {
		return nil, err
	}
	if place == "" {
		return nil, invalid("请写明活动地点，%s。", eventExample)
	}
	return &Event{Place: place, Time: at, Capacity: n}, nil
}

// Limits on a quiz as volunteers type it, in characters.
const (
	maxQuestionText = 200
	maxOptionText   = 60
	maxExplainText  = 300
)

var (
	questionRe = regexp.MustCompile(`^(?:(?:题|问|问题|Q|q)\s*[0-9]*|[0-9]+)\s*[:.、)]\s*(.*)$`)
	optionRe   = regexp.MustCompile(`^([A-Da-d])(?:[.、:)]|\s)\s*(.*?)\s*([*✓✔√])?\s*$`)
	answerRe   = regexp.MustCompile(`^(?:答案|答)\s*:\s*([A-Da-d])\s*$`)
	explainRe  = regexp.MustCompile(`^(?:解析|解|说明)\s*:\s*(.*)$`)
	extraRe    = regexp.MustCompile(`^[E-Ze-z][.、:)]`)
)

const quizExample = "题：国家宪法日是哪天？\nA. 12月4日\nB. 3月15日\n答：A\n解：2014年设立。"

// ParseQuiz reads a quiz typed in one message: for each question a line
// "题：…", two to four options "A. …" and the answer, either a line
// "答：A" or a '*' after the right option, then perhaps an explanation
// "解：…". At most five questions.
func ParseQuiz(s string) ([]Question, error) {
	var quiz []Question
	var q *Question
	answered := false
	finish := func() error {
		if q == nil {
			return nil
		}
		n := len(quiz) + 1
		switch {
		case len(q.Options) < 2:
			return invalid("第 %d 题至少需要两个选项（A. … B. …）。", n)
		case !answered:
			return invalid("第 %d 题没有标出正确答案：请加一行“答：A”，或在正确选项后加 *。", n)
		}
		quiz = append(quiz, *q)
		q, answered = nil, false
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, raw := range lines {
		line := strings.TrimSpace(normalize(raw))
		if line == "" {
			continue
		}
		lineNo := i + 1
		switch {
		case questionRe.MatchString(line):
			if err := finish(); err != nil {
				return nil, err
			}
			if len(quiz) == maxQuestions {
				return nil, invalid("问答最多 %d 题。", maxQuestions)
			}
			text := strings.TrimSpace(questionRe.FindStringSubmatch(line)[1])
			if text == "" || utf8.RuneCountInString(text) > maxQuestionText {
				return nil, invalid("第 %d 行：题目不能为空，且不超过 %d 字。", lineNo, maxQuestionText)
			}
			q = &Question{Text: text}
		case q == nil:
			return nil, invalid("第 %d 行：请以“题：”开始每道题，格式如下：\n%s", lineNo, quizExample)
		case answerRe.MatchString(line):
			a := int(unicode.ToUpper(rune(answerRe.FindStringSubmatch(line)[1][0])) - 'A')
			if a >= len(q.Options) {
				return nil, invalid("第 %d 行：答案 %c 不在选项中。", lineNo, 'A'+a)
			}
			if answered && q.Answer != a {
				return nil, invalid("第 %d 行：这道题标了两个不同的答案。", lineNo)
			}
			q.Answer, answered = a, true
		case explainRe.MatchString(line):
			text := strings.TrimSpace(explainRe.FindStringSubmatch(line)[1])
			if utf8.RuneCountInString(q.Explain+text) > maxExplainText {
				return nil, invalid("第 %d 行：解析请不超过 %d 字。", lineNo, maxExplainText)
			}
			q.Explain += text
		case optionRe.MatchString(line):
			m := optionRe.FindStringSubmatch(line)
			letter := int(unicode.ToUpper(rune(m[1][0])) - 'A')
			if letter != len(q.Options) {
				return nil, invalid("第 %d 行：选项应按 A、B、C、D 的顺序排列。", lineNo)
			}
			if m[2] == "" || utf8.RuneCountInString(m[2]) > maxOptionText {
				return nil, invalid("第 %d 行：选项不能为空，且不超过 %d 字。", lineNo, maxOptionText)
			}
			q.Options = append(q.Options, m[2])
			if m[3] != "" {
				if answered && q.Answer != letter {
					return nil, invalid("第 %d 行：这道题标了两个不同的答案。", lineNo)
				}
				q.Answer, answered = letter, true
			}
		case extraRe.MatchString(line):
			return nil, invalid("第 %d 行：每题最多 %d 个选项（A 到 D）。", lineNo, maxOptions)
		default:
			return nil, invalid("第 %d 行看不懂：“%s”。每行应以“题：”“A.”“答：”或“解：”开头，例如：\n%s", lineNo, short(line, 20), quizExample)
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(quiz) == 0 {
		return nil, invalid("没有读到题目，格式如下：\n%s", quizExample)
	}
	return quiz, nil
}

// short cuts s to n characters with an ellipsis.
func short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
