package bot

import "testing"

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13812345678", "13812345678", true},
		{"138 1234 5678", "13812345678", true},
		{"138-1234-5678", "13812345678", true},
		{"+86 138 1234 5678", "13812345678", true},
		{"１３８１２３４５６７８", "13812345678", true},
		{"010-12345678", "010-12345678", true},
		{"0755 8765 4321", "075587654321", true},
		{"12345", "", false},
		{"1381234567a", "", false},
		{"23812345678", "", false},
		{"我的电话13812345678", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := parsePhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parsePhone(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  押金  ", "押金"},
		{"押\x00金\x1b", "押金"},
		{"a\xffb", "a\uFFFDb"},
		{"第一行\n第二行", "第一行\n第二行"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := []rune(cleanText(string(make([]rune, 10000)) + "押金")); len(got) > MaxText {
		t.Errorf("cleanText kept %d characters, over %d", len(got), MaxText)
	}
}
