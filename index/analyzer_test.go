package index

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"老板拖欠工资", []string{"老板", "板拖", "拖欠", "欠工", "工资"}},
		{"老板的工资", []string{"老板", "工资"}},                                   // particles break runs
		{"交通事故私了签了协议", []string{"交通", "通事", "事故", "故私", "私了", "签", "协议"}}, // ...but not the words they are part of
		{"私了协议有效吗", []string{"私了", "协议", "议有", "有效"}},
		{"为了了结此事", []string{"为", "了结", "结此", "此事"}},
		{"孩子去网吧", []string{"孩子", "子去", "去网", "网吧"}},
		{"吸食吗啡", []string{"吸食", "吗啡"}},
		{"了", []string(nil)},
		{"ＡＢＣ１２３", []string{"abc123"}},       // full-width folded by NFKC
		{"離婚協議", []string{"离婚", "婚协", "协议"}}, // traditional → simplified
		{"离\u200b婚", []string{"离婚"}},         // zero-width space removed
		{"\u202e离婚\u202c", []string{"离婚"}},   // bidi controls removed
		{"我 想", []string{"我", "想"}},          // single characters stand alone
		{"Labor law 2024", []string{"labor", "law", "2024"}},
		{"😀😀", nil},
		{"", nil},
		{`+-:^~*?"()/.*/`, nil},
		{"房东\xff押金", []string{"房东", "押金"}}, // invalid UTF-8 becomes a break
		{strings.Repeat("a", 40), nil},     // over-long words carry no meaning
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		in       string
		want     []string // own terms (weight 1), in order
		expanded []string // some expansion terms that must be present
	}{
		{"老公不给钱怎么办", []string{"老公", "公不", "不给", "给钱"}, []string{"配偶"}},
		{"房东不退押金", []string{"房东", "东不", "不退", "退押", "押金"}, []string{"出租"}},
		{"请问怎么办？", nil, nil},
		{"", nil, nil},
	}
	for _, tt := range tests {
		terms := queryTerms(tt.in, nil, 0.5)
		var own []string
		all := map[string]bool{}
		for _, x := range terms {
			all[x.text] = true
			if x.weight >= 1 {
				own = append(own, x.text)
			}
		}
		if !reflect.DeepEqual(own, tt.want) {
			t.Errorf("queryTerms(%q) own = %q, want %q", tt.in, own, tt.want)
		}
		for _, e := range tt.expanded {
			if !all[e] {
				t.Errorf("queryTerms(%q) lacks expansion %q: %v", tt.in, e, terms)
			}
		}
	}
}

func TestQueryTermsBounded(t *testing.T) {
	long := strings.Repeat("邻居装修噪音扰民物业不管", 10000) // ~120 KB
	if n := len(queryTerms(long, nil, 0.5)); n > maxQueryTerms {
		t.Errorf("queryTerms(120 KB) = %d terms, want at most %d", n, maxQueryTerms)
	}
}

func TestSearchable(t *testing.T) {
	tests := map[string]bool{
		"邻居装修噪音太大怎么办": true,
		"   ":         false,
		"😀🙏":          false,
		"怎么办？":        false,
		"???":         false,
		"\xff\xfe":    false,
		"divorce":     true,
	}
	for in, want := range tests {
		if got := Searchable(in); got != want {
			t.Errorf("Searchable(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"老板拖欠工资怎么办", "ＡＢＣ", "離婚", "\u202e", `+-:^~*?"()/.*/`, "\xff", "a b c", "私了了结了", "网吧\xff吗"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(s) {
			if tok == "" || !utf8.ValidString(tok) || strings.ContainsAny(tok, " \t\n") {
				t.Fatalf("Tokens(%q) has bad token %q", s, tok)
			}
		}
		terms := queryTerms(s, nil, 0.5)
		if len(terms) > maxQueryTerms {
			t.Fatalf("queryTerms(%q) = %d terms", s, len(terms))
		}
		for _, tm := range terms {
			if tm.weight <= 0 || tm.text == "" {
				t.Fatalf("queryTerms(%q) has bad term %+v", s, tm)
			}
		}
	})
}

func BenchmarkTokens(b *testing.B) {
	q := "我和老公结婚五年了，他经常打我，现在想离婚，孩子的抚养权和房子应该怎么分？"
	b.ReportAllocs()
	for b.Loop() {
		Tokens(q)
	}
}
