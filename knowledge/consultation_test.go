package knowledge_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/knowledge"
)

func TestReadConsultations(t *testing.T) {
	lines := []string{
		/* 1 */ "\ufeff" + `{"id": 7, "query": "老公打我怎么办", "relevant": [1079, "反家庭暴力法#23"]}`,
		/* 2 */ `{"id": "q-8", "query": "  公司不签劳动合同  ", "answer": "可以要求二倍工资。", "relevant": ["82"]}`,
		/* 3 */ `{"query": "邻居漏水不赔"}`,
		/* 4 */ `{"id": 9, "answer": "只有回答"}`,
		/* 5 */ `{"id": 10, "query": "   "}`,
		/* 6 */ ``,
		/* 7 */ `{"id": 11, "query": "x", "relevant": [null]}`,
		/* 8 */ `{"id": 12, "query": "x", "relevant": [""]}`,
		/* 9 */ `{"id": 13, "query": "x"`,
		/* 10 */ "{\"id\": 14, \"query\": \"\xb2\xe2\xca\xd4\"}",
		/* 11 */ `{"id": 15, "query": "` + strings.Repeat("问", 5001) + `"}`,
		/* 12 */ `{"id": null, "query": "没有编号", "relevant": []}`,
		/* 13 */ `{"id": "\u95ee-16", "query": "\u600e\u4e48\u529e", "relevant": ["\u6c11\u6cd5\u5178#1"]}`,
		/* 14 */ `{"id": [17], "query": "x"}`,
		/* 15 */ `{"id": 18, "query": "x", "relevant": [{"id": 1}]}`,
	}
	got, errs, err := knowledge.ReadConsultations(strings.NewReader(strings.Join(lines, "\n")), "history.jsonl")
	if err != nil {
		t.Fatalf("ReadConsultations() error: %v", err)
	}
	want := []knowledge.Consultation{
		{ID: "7", Query: "老公打我怎么办", Relevant: []string{"1079", "反家庭暴力法#23"}},
		{ID: "q-8", Query: "公司不签劳动合同", Answer: "可以要求二倍工资。", Relevant: []string{"82"}},
		{ID: "3", Query: "邻居漏水不赔"},
		{ID: "12", Query: "没有编号"},
		{ID: "问-16", Query: "怎么办", Relevant: []string{"民法典#1"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadConsultations() =\n%+v\nwant\n%+v", got, want)
	}
	checkRecordErrors(t, errs, "history.jsonl", []wantRecordError{
		{4, `missing "query"`},
		{5, `missing "query"`},
		{7, `empty id in "relevant"`},
		{8, `empty id in "relevant"`},
		{9, "not a JSON object"},
		{10, "not valid UTF-8"},
		{11, "longer than 5000"},
		{14, `bad "id"`},
		{15, `bad id in "relevant"`},
	})
}

func TestReadConsultationsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	if err := os.WriteFile(path, []byte(`{"id": 1, "query": "欠钱不还怎么办", "relevant": ["675"]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, errs, err := knowledge.ReadConsultationsFile(path)
	if err != nil || len(errs) != 0 || len(got) != 1 || got[0].Query != "欠钱不还怎么办" {
		t.Errorf("ReadConsultationsFile(%s) = %v, %v, %v, want one consultation", path, got, errs, err)
	}
	if _, _, err := knowledge.ReadConsultationsFile(path + ".missing"); err == nil {
		t.Errorf("ReadConsultationsFile(missing) error = nil, want one")
	}
}

func TestBaseConsultations(t *testing.T) {
	docs := map[string][]byte{"labor.yaml": []byte(
		entry("labor-wages") +
			entry("labor-unresolved", "《中华人民共和国劳动合同法》第三十条", "《中华人民共和国工会法》第一条",
				"《中华人民共和国劳动法》第五十条", "《中华人民共和国工会法》第二条"))}
	base, _, err := knowledge.LoadFiles(docs, knowledge.LoadOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	st := knowledge.NewStatutes([]knowledge.Article{
		art("ldht-30", "劳动合同法", 30, 0, "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。"),
		art("ldf-50", "中华人民共和国劳动法", 50, 0, "工资应当以货币形式按月支付给劳动者本人。"),
		art("ldf-51", "中华人民共和国劳动法", 51, 0, "劳动者在法定休假日和婚丧假期间……"),
	})
	got := base.Consultations(st)
	e, _ := base.ByID("labor-wages")
	var want []knowledge.Consultation
	for i, q := range append([]string{e.Question}, e.Phrasings...) {
		want = append(want, knowledge.Consultation{
			ID: "faq:labor-wages:" + string(rune('0'+i)), Query: q, Answer: e.Answer, Relevant: []string{"ldht-30", "ldf-50"},
		})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Consultations() =\n%+v\nwant\n%+v", got, want)
	}
	if got := base.Consultations(knowledge.NewStatutes(nil)); len(got) != 0 {
		t.Errorf("Consultations(no statutes) = %v, want none", got)
	}
}
