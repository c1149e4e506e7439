package stats

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"mobile", "我的电话是13812345678，请回电", "我的电话是[手机号]，请回电"},
		{"mobile with dashes", "电话138-1234-5678", "电话[手机号]"},
		{"mobile with spaces", "138 1234 5678 找我", "[手机号] 找我"},
		{"full-width mobile", "１３８１２３４５６７８", "[手机号]"},
		{"with country code", "+86 13812345678", "+[号码]"},
		{"landline", "座机 010-12345678", "座机 [号码]"},
		{"local landline", "打87654321", "打[号码]"},
		{"id card", "身份证号110101199003071234", "身份证号[身份证号]"},
		{"id card ending in X", "11010119900307123X 是我的", "[身份证号] 是我的"},
		{"old id card", "老身份证110101900307123", "老身份证[身份证号]"},
		{"bank card", "卡号 6222 0212 3456 7890 123 被冻结", "卡号 [银行卡号] 被冻结"},
		{"bank card 16", "6222021234567890", "[银行卡号]"},
		{"street address", "住在幸福路12号3栋2单元501室，漏水", "住在[地址]，漏水"},
		{"estate and building", "我家在阳光花园3号楼2单元，噪音", "我家在[地址]，噪音"},
		{"building and bare room", "3栋501的邻居漏水", "[地址]的邻居漏水"},
		{"village group", "张家村3组的土地被占", "[地址]的土地被占"},
		{"chinese numerals", "和平路十二号", "[地址]"},
		{"lead-in kept", "请问我住在幸福路12号", "请问我住在[地址]"},
		{"date kept", "2023-05-01 签的合同", "2023-05-01 签的合同"},
		{"date then phone", "2023-05-01 13812345678", "2023-05-01 [手机号]"},
		{"day of month kept", "5月3号发工资", "5月3号发工资"},
		{"floor kept", "在一楼开店", "在一楼开店"},
		{"money kept", "他借了我1500000元", "他借了我1500000元"},
		{"money with decimals", "赔偿1234567.50元", "赔偿1234567.50元"},
		{"grouped money kept", "欠款1,234,567元", "欠款1,234,567元"},
		{"short numbers kept", "第1079条，3年，500元", "第1079条，3年，500元"},
		{"order number", "订单号 2023050112345", "订单号 [号码]"},
		{"invalid utf-8", "电话\xff13812345678", "电话\uFFFD[手机号]"},
		{"empty", "", ""},
		{"plain", "房东不退押金怎么办？", "房东不退押金怎么办？"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// longDigits finds 11 or more digits in a row, spaces or dashes between
// them allowed: a phone, ID-card or bank-card number.
var longDigits = regexp.MustCompile(`[0-9０-９](?:[ \-]?[0-9０-９]){10,}`)

func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"我的电话是13812345678", "身份证11010119900307123X", "6222 0212 3456 7890 123",
		"住在幸福路12号3栋2单元501室", "2023-05-01 13812345678", "1500000元", "3栋501",
		"１３８１２３４５６７８", "路 - 12号", "2023-05-01-12345678", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Redact(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Redact(%q) = %q, not valid UTF-8", in, out)
		}
		if again := Redact(out); again != out {
			t.Fatalf("Redact is not idempotent: Redact(%q) = %q, Redact of that = %q", in, out, again)
		}
		for _, m := range longDigits.FindAllString(out, -1) {
			// Only a date followed by digits, or a money amount, may remain.
			if !strings.HasSuffix(out[strings.Index(out, m)+len(m):], "元") && !regexp.MustCompile(`^(19|20)\d\d-\d\d?-\d\d?`).MatchString(m) {
				t.Fatalf("Redact(%q) = %q keeps %q", in, out, m)
			}
		}
		if len(out) > len(in)*4+64 {
			t.Fatalf("Redact(%q) grew to %d bytes", in, len(out))
		}
	})
}
