package knowledge_test

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/knowledge"
)

func TestChineseNumber(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{1, "一"},
		{9, "九"},
		{10, "十"},
		{11, "十一"},
		{20, "二十"},
		{99, "九十九"},
		{100, "一百"},
		{101, "一百零一"},
		{110, "一百一十"},
		{111, "一百一十一"},
		{205, "二百零五"},
		{1000, "一千"},
		{1001, "一千零一"},
		{1010, "一千零一十"},
		{1079, "一千零七十九"},
		{1100, "一千一百"},
		{1260, "一千二百六十"},
		{2000, "二千"},
		{9999, "九千九百九十九"},
		// Out of range: digits, so nothing is silently lost.
		{0, "0"},
		{-3, "-3"},
		{10000, "10000"},
	}
	for _, tt := range tests {
		if got := knowledge.ChineseNumber(tt.n); got != tt.want {
			t.Errorf("ChineseNumber(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestArticleLabel(t *testing.T) {
	tests := []struct {
		no, sub int
		want    string
	}{
		{1079, 0, "第一千零七十九条"},
		{10, 0, "第十条"},
		{110, 0, "第一百一十条"},
		{1001, 0, "第一千零一条"},
		{175, 1, "第一百七十五条之一"},
		{120, 3, "第一百二十条之三"},
		{17, 1, "第十七条之一"},
	}
	for _, tt := range tests {
		if got := knowledge.ArticleLabel(tt.no, tt.sub); got != tt.want {
			t.Errorf("ArticleLabel(%d, %d) = %q, want %q", tt.no, tt.sub, got, tt.want)
		}
	}
}

// TestArticleLabelRoundTrip renders every article number statutes use (and
// more) and parses it back, in Chinese numerals and in digits.
func TestArticleLabelRoundTrip(t *testing.T) {
	seen := map[string]int{}
	for no := 1; no <= 9999; no++ {
		for _, sub := range []int{0, 1, 2, 9} {
			if no > 2000 && sub > 0 {
				continue
			}
			label := knowledge.ArticleLabel(no, sub)
			if sub == 0 {
				if prev, dup := seen[label]; dup {
					t.Fatalf("ArticleLabel(%d, 0) = %q, the same as for %d", no, label, prev)
				}
				seen[label] = no
			}
			gotNo, gotSub, rest, err := knowledge.ParseArticleLabel(label)
			if err != nil || gotNo != no || gotSub != sub || rest != "" {
				t.Fatalf("ParseArticleLabel(%q) = %d, %d, %q, %v, want %d, %d, \"\", nil", label, gotNo, gotSub, rest, err, no, sub)
			}
		}
		if no > 2000 {
			continue
		}
		digits := "第" + strconv.Itoa(no) + "条"
		gotNo, gotSub, rest, err := knowledge.ParseArticleLabel(digits)
		if err != nil || gotNo != no || gotSub != 0 || rest != "" {
			t.Fatalf("ParseArticleLabel(%q) = %d, %d, %q, %v, want %d, 0, \"\", nil", digits, gotNo, gotSub, rest, err, no)
		}
	}
}

func TestParseArticleLabel(t *testing.T) {
	tests := []struct {
		in       string
		no, sub  int
		rest     string
		wantErrs bool
	}{
		{in: "第一千零七十九条", no: 1079},
		{in: "第1079条", no: 1079},
		{in: "第10条之一", no: 10, sub: 1},
		{in: "第一百七十五条之一", no: 175, sub: 1},
		{in: "第二百六十二条之二", no: 262, sub: 2},
		{in: "第十条第二款", no: 10, rest: "第二款"},
		{in: "第十条 婚姻自由", no: 10, rest: " 婚姻自由"},
		{in: "第一条之一 为了", no: 1, sub: 1, rest: " 为了"},
		// Variants some collections use.
		{in: "第两百条", no: 200},
		{in: "第一千〇七十九条", no: 1079},
		{in: "第一十条", no: 10},

		{in: "", wantErrs: true},
		{in: "一千零七十九条", wantErrs: true},
		{in: "1079", wantErrs: true},
		{in: "第条", wantErrs: true},
		{in: "第一千零七十九", wantErrs: true},
		{in: "第零条", wantErrs: true},
		{in: "第0条", wantErrs: true},
		{in: "第-1条", wantErrs: true},
		{in: "第10001条", wantErrs: true},
		{in: "第abc条", wantErrs: true},
		{in: "第 十条", wantErrs: true},
		{in: "第千条", wantErrs: true},
		{in: "第百条", wantErrs: true},
		{in: "第一章 总则", wantErrs: true},
		{in: "第二款规定的条件", wantErrs: true},
		{in: "第十条之", wantErrs: true},
		{in: "第十条之零", wantErrs: true},
		{in: "第十条之x", wantErrs: true},
		// Typos must not silently name another article.
		{in: "第一二三条", wantErrs: true},
		{in: "第十十条", wantErrs: true},
		{in: "第一千七九条", wantErrs: true},
		{in: "第一千零七十九九条", wantErrs: true},
		{in: "第一〇七九条", wantErrs: true},
		{in: "第二十一百条", wantErrs: true},
		{in: "第一千零零九条", wantErrs: true},
		{in: "第一百零条", wantErrs: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			no, sub, rest, err := knowledge.ParseArticleLabel(tt.in)
			if tt.wantErrs {
				if err == nil {
					t.Errorf("ParseArticleLabel(%q) = %d, %d, %q, nil, want an error", tt.in, no, sub, rest)
				}
				return
			}
			if err != nil || no != tt.no || sub != tt.sub || rest != tt.rest {
				t.Errorf("ParseArticleLabel(%q) = %d, %d, %q, %v, want %d, %d, %q, nil", tt.in, no, sub, rest, err, tt.no, tt.sub, tt.rest)
			}
		})
	}
}

func TestParseCitation(t *testing.T) {
	long := strings.Repeat("法", 81)
	tests := []struct {
		in      string
		want    knowledge.Citation
		wantErr string // a part of the error; "" for none
	}{
		{in: "《中华人民共和国民法典》第一千零七十九条", want: knowledge.Citation{Law: "中华人民共和国民法典", ArticleNo: 1079}},
		{in: "  《劳动合同法》第10条\n", want: knowledge.Citation{Law: "劳动合同法", ArticleNo: 10}},
		{in: "《 民法典 》第一条", want: knowledge.Citation{Law: "民法典", ArticleNo: 1}},
		{in: "《中华人民共和国刑法》第一百七十五条之一", want: knowledge.Citation{Law: "中华人民共和国刑法", ArticleNo: 175, Sub: 1}},
		{
			in:   "《最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释》第十条",
			want: knowledge.Citation{Law: "最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释", ArticleNo: 10},
		},
		{
			in:   "《最高人民法院关于审理食品安全民事纠纷案件适用法律若干问题的解释（一）》第十一条",
			want: knowledge.Citation{Law: "最高人民法院关于审理食品安全民事纠纷案件适用法律若干问题的解释（一）", ArticleNo: 11},
		},

		{in: "", wantErr: "want 《法律名称》第N条"},
		{in: "民法典第一条", wantErr: "want 《法律名称》第N条"},
		{in: "《民法典第一条", wantErr: "missing 》"},
		{in: "《》第一条", wantErr: "empty or too long"},
		{in: "《  》第一条", wantErr: "empty or too long"},
		{in: "《" + long + "》第一条", wantErr: "empty or too long"},
		{in: "《民法典》", wantErr: "want 第N条"},
		{in: "《民法典》一千条", wantErr: "want 第N条"},
		{in: "《民法典》第零条", wantErr: "bad article number"},
		{in: "《民法典》第一千零七十九条第二款", wantErr: "cite one article per line"},
		{in: "《民法典》第一千零七十九条、第一千零八十条", wantErr: "cite one article per line"},
		{in: "《民法典》第十条之", wantErr: "之N"},
		{in: "《民法典》第一千七九条", wantErr: "bad article number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := knowledge.ParseCitation(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseCitation(%q) = %v, %v, want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseCitation(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCitationString(t *testing.T) {
	tests := []struct {
		c    knowledge.Citation
		want string
	}{
		{knowledge.Citation{Law: "中华人民共和国民法典", ArticleNo: 1079}, "《中华人民共和国民法典》第一千零七十九条"},
		{knowledge.Citation{Law: "刑法", ArticleNo: 175, Sub: 1}, "《刑法》第一百七十五条之一"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.c, got, tt.want)
		}
		if back, err := knowledge.ParseCitation(tt.want); err != nil || back != tt.c {
			t.Errorf("ParseCitation(%q) = %v, %v, want %v", tt.want, back, err, tt.c)
		}
	}
}

func TestNormalizeLawName(t *testing.T) {
	same := []struct{ a, b string }{
		{"《中华人民共和国劳动合同法》", "劳动合同法"},
		{"中华人民共和国劳动合同法", "劳动合同法"},
		{" 《劳动合同法》 ", "劳动合同法"},
		{"中华人民共和国 劳动合同法", "劳动合同法"},
		{"中华人民共和国　劳动合同法", "劳动合同法"},
		{"中华人民共和国民法典", "民法典"},
		{
			"最高人民法院关于适用〈中华人民共和国民法典〉有关担保制度的解释",
			"最高人民法院关于适用《民法典》有关担保制度的解释",
		},
		{
			"《最高人民法院关于适用〈中华人民共和国民法典〉有关担保制度的解释》",
			"最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释",
		},
		{
			"最高人民法院关于审理劳动争议案件适用法律问题的解释（一）",
			"《最高人民法院关于审理劳动争议案件适用法律问题的解释（一）》",
		},
	}
	for _, tt := range same {
		if a, b := knowledge.NormalizeLawName(tt.a), knowledge.NormalizeLawName(tt.b); a != b {
			t.Errorf("NormalizeLawName(%q) = %q, NormalizeLawName(%q) = %q, want them equal", tt.a, a, tt.b, b)
		}
	}
	differ := []struct{ a, b string }{
		{"劳动合同法", "劳动法"},
		{"中华人民共和国民法典", "中华人民共和国刑法"},
		{
			"最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释",
			"最高人民法院关于适用《中华人民共和国民法典》时间效力的若干规定",
		},
		{"最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "最高人民法院关于审理劳动争议案件适用法律问题的解释（二）"},
	}
	for _, tt := range differ {
		if a := knowledge.NormalizeLawName(tt.a); a == knowledge.NormalizeLawName(tt.b) {
			t.Errorf("NormalizeLawName(%q) = NormalizeLawName(%q) = %q, want them different", tt.a, tt.b, a)
		}
	}
	if got, want := knowledge.NormalizeLawName("《中华人民共和国劳动合同法》"), "劳动合同法"; got != want {
		t.Errorf("NormalizeLawName(%q) = %q, want %q", "《中华人民共和国劳动合同法》", got, want)
	}
}

func TestCitationKey(t *testing.T) {
	a := knowledge.Citation{Law: "中华人民共和国民法典", ArticleNo: 1079}.Key()
	b := knowledge.Article{Law: "民法典", No: 1079, Label: "第一千零七十九条"}.Key()
	if a != b {
		t.Errorf("Citation.Key() = %v, Article.Key() = %v, want them equal", a, b)
	}
	if c := (knowledge.Citation{Law: "民法典", ArticleNo: 1079, Sub: 1}).Key(); c == a {
		t.Errorf("Key() of 第一千零七十九条之一 = %v, the same as of 第一千零七十九条", c)
	}
}

// stardCorpus is the evaluation corpus shared beside the repository; it is
// read in place and never copied into the repo.
const stardCorpus = "../../shared/eval/stard/corpus.jsonl"

// TestArticleLabelSTARD checks that ArticleLabel writes every article label
// of the STARD corpus (58k articles of 1,300 laws) exactly as it is written.
func TestArticleLabelSTARD(t *testing.T) {
	f, err := os.Open(stardCorpus)
	if os.IsNotExist(err) {
		t.Skip("ArticleLabel: STARD corpus not found at " + stardCorpus)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	n, line := 0, 0
	for sc.Scan() {
		line++
		var rec struct {
			Article   string `json:"article"`
			ArticleNo int    `json:"article_no"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%s:%d: %v", stardCorpus, line, err)
		}
		sub := 0
		if _, s, ok := strings.Cut(rec.Article, "条之"); ok {
			for i, d := range []string{"一", "二", "三", "四", "五", "六", "七", "八", "九"} {
				if s == d {
					sub = i + 1
				}
			}
		}
		if got := knowledge.ArticleLabel(rec.ArticleNo, sub); got != rec.Article {
			t.Errorf("%s:%d: ArticleLabel(%d, %d) = %q, want %q", stardCorpus, line, rec.ArticleNo, sub, got, rec.Article)
		}
		if no, s, rest, err := knowledge.ParseArticleLabel(rec.Article); err != nil || no != rec.ArticleNo || s != sub || rest != "" {
			t.Errorf("%s:%d: ParseArticleLabel(%q) = %d, %d, %q, %v, want %d, %d, \"\", nil", stardCorpus, line, rec.Article, no, s, rest, err, rec.ArticleNo, sub)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Errorf("read %d records from %s, want the whole corpus", n, stardCorpus)
	}
}

func FuzzParseCitation(f *testing.F) {
	for _, s := range []string{
		"《中华人民共和国民法典》第一千零七十九条",
		"《劳动合同法》第10条",
		"《中华人民共和国刑法》第一百七十五条之一",
		"《最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释》第十条",
		"《最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）》第二条",
		"《民法典》第一千零七十九条第二款",
		"《民法典》第两百条",
		"《民法典》第一千〇七十九条",
		"《民法典》第十十条",
		"《民法典》第条",
		"《》第一条",
		"民法典第一条",
		"《民法典》第99999条",
		"《\xff》第一条",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := knowledge.ParseCitation(s)
		if err != nil {
			return
		}
		if c.Law == "" || c.ArticleNo < 1 || c.ArticleNo > 10000 || c.Sub < 0 || c.Sub > 9 {
			t.Fatalf("ParseCitation(%q) = %#v, want a law, an article 1..10000 and 之0..9", s, c)
		}
		back, err := knowledge.ParseCitation(c.String())
		if err != nil || back != c {
			t.Fatalf("ParseCitation(%q) = %#v; ParseCitation(%q) = %#v, %v, want the same citation", s, c, c.String(), back, err)
		}
		label := knowledge.ArticleLabel(c.ArticleNo, c.Sub)
		if no, sub, rest, err := knowledge.ParseArticleLabel(label); err != nil || no != c.ArticleNo || sub != c.Sub || rest != "" {
			t.Fatalf("ParseArticleLabel(%q) = %d, %d, %q, %v, want %d, %d", label, no, sub, rest, err, c.ArticleNo, c.Sub)
		}
	})
}
