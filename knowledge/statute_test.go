package knowledge_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lawbot/lawbot/knowledge"
)

type wantRecordError struct {
	line int
	msg  string // a part of the message
}

// checkRecordErrors reports whether errs are exactly want, all in file.
func checkRecordErrors(t *testing.T, errs knowledge.ImportErrors, file string, want []wantRecordError) {
	t.Helper()
	ok := len(errs) == len(want)
	for i := 0; ok && i < len(want); i++ {
		e := errs[i]
		ok = e.File == file && e.Line == want[i].line && strings.Contains(e.Err.Error(), want[i].msg)
	}
	if !ok {
		t.Errorf("import errors:\n%v\nwant (in %s) %v", errs, file, want)
	}
}

func TestReadStatutesJSONL(t *testing.T) {
	lines := []string{
		/* 1 */ "\ufeff" + `{"id": 1, "law": "中华人民共和国民法典", "article": "第一千零七十九条", "article_no": 1079, "text": "夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。"}`,
		/* 2 */ `{"id": 2, "law": "中华人民共和国民法典", "article": "第一千零八十条"`,
		/* 3 */ `{"id": 3, "article": "第十条", "article_no": 10, "text": "某条文"}`,
		/* 4 */ `{"id": 4, "law": "劳动合同法", "article": "第十条", "article_no": 11, "text": "建立劳动关系，应当订立书面劳动合同。"}`,
		/* 5 */ "{\"id\": 5, \"law\": \"\xb2\xe2\xca\xd4\", \"article_no\": 1, \"text\": \"x\"}",
		/* 6 */ ``,
		/* 7 */ `  {"id": "laodong-82", "law": " 劳动合同法 ", "article_no": 82, "text": "  用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。\n\n用人单位违反本法规定不与劳动者订立无固定期限劳动合同的……  "}  `,
		/* 8 */ `{"id": "xingfa-175-1", "law": "中华人民共和国刑法", "article": "第一百七十五条之一", "article_no": 175, "text": "骗取贷款、票据承兑、金融票证罪"}`,
		/* 9 */ `{"law": "劳动法", "article": "第一条", "text": "x"}`,
		/* 10 */ `{"id": 10, "law": "劳动法", "article": "第X条", "text": "x"}`,
		/* 11 */ `{"id": 11, "law": "劳动法", "article": "第一条"}`,
		/* 12 */ `{"id": 12, "law": "劳动法", "text": "x"}`,
		/* 13 */ `{"id": 13, "law": "劳动法", "article_no": 0, "text": "x"}`,
		/* 14 */ `[1, 2, 3]`,
		/* 15 */ `{"id": 15, "law": "劳动法", "article": "第一条第二款", "text": "x"}`,
		/* 16 */ `{"id": "` + strings.Repeat("x", 65) + `", "law": "劳动法", "article": "第一条", "text": "x"}`,
		/* 17 */ `{"id": 17, "law": "` + strings.Repeat("法", 121) + `", "article": "第一条", "text": "x"}`,
		/* 18 */ `{"id": 18, "law": "劳动法", "article": "第一条", "text": "` + strings.Repeat("文", 20001) + `"}`,
		/* 19 */ `{"id": null, "law": "劳动法", "article": "第一条", "text": "x"}`,
		/* 20 */ `{"id": "\u52b3\u52a8\u6cd5#3", "law": "\u52b3\u52a8\u6cd5", "article": "\u7b2c\u4e09\u6761", "text": "\u52b3\u52a8\u8005"}`,
		/* 21 */ "\ufeff" + `{"id": 21, "law": "劳动法", "article": "第二条", "text": "x"}`,
	}
	in := strings.Join(lines, "\n") + "\n"
	arts, errs, err := knowledge.ReadStatutesJSONL(strings.NewReader(in), "laws.jsonl", nil)
	if err != nil {
		t.Fatalf("ReadStatutesJSONL() error: %v", err)
	}
	want := []knowledge.Article{
		{ID: "1", Law: "中华人民共和国民法典", Label: "第一千零七十九条", No: 1079, Text: "夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。"},
		{ID: "laodong-82", Law: "劳动合同法", Label: "第八十二条", No: 82, Text: "用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。\n\n用人单位违反本法规定不与劳动者订立无固定期限劳动合同的……"},
		{ID: "xingfa-175-1", Law: "中华人民共和国刑法", Label: "第一百七十五条之一", No: 175, Sub: 1, Text: "骗取贷款、票据承兑、金融票证罪"},
		{ID: "劳动法#3", Law: "劳动法", Label: "第三条", No: 3, Text: "劳动者"},
	}
	if !reflect.DeepEqual(arts, want) {
		t.Errorf("ReadStatutesJSONL() articles:\n%+v\nwant\n%+v", arts, want)
	}
	checkRecordErrors(t, errs, "laws.jsonl", []wantRecordError{
		{2, "not a JSON object"},
		{3, `missing "law"`},
		{4, `"article" "第十条" does not match "article_no" 11`},
		{5, "not valid UTF-8"},
		{9, `missing "id"`},
		{10, `bad "article" "第X条"`},
		{11, `missing "text"`},
		{12, `missing "article" and "article_no"`},
		{13, `bad "article_no" 0`},
		{14, "not a JSON object"},
		{15, `bad "article" "第一条第二款"`},
		{16, `"id" longer than 64`},
		{17, "law name longer than 120"},
		{18, "article text longer than 20000"},
		{19, `missing "id"`},
		{21, "not a JSON object"}, // a byte-order mark is only skipped on line 1
	})
	if msg := errs.Error(); !strings.HasPrefix(msg, "laws.jsonl:2: ") || strings.Count(msg, "\n") != len(errs)-1 {
		t.Errorf("ImportErrors.Error() = %q, want one file:line: message per line", msg)
	}
}

func TestReadStatutesJSONLIDs(t *testing.T) {
	tests := []struct {
		id      string
		want    string
		wantErr bool
	}{
		{id: `1`, want: "1"},
		{id: `100001`, want: "100001"},
		{id: `"民法典#1079"`, want: "民法典#1079"},
		{id: `"\u6c11\u6cd5\u5178#1079"`, want: "民法典#1079"},
		{id: `"a\"b"`, want: `a"b`},
		{id: `" x "`, want: "x"},
		{id: `""`, wantErr: true},
		{id: `null`, wantErr: true},
		{id: `true`, wantErr: true},
		{id: `[1]`, wantErr: true},
		{id: `{"a": 1}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			line := `{"id": ` + tt.id + `, "law": "劳动法", "article": "第一条", "text": "x"}`
			arts, errs, err := knowledge.ReadStatutesJSONL(strings.NewReader(line), "x.jsonl", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr {
				if len(errs) != 1 || len(arts) != 0 {
					t.Errorf("ReadStatutesJSONL(%s) = %v, %v, want an error", line, arts, errs)
				}
				return
			}
			if len(errs) != 0 || len(arts) != 1 || arts[0].ID != tt.want {
				t.Errorf("ReadStatutesJSONL(%s) = %v, %v, want id %q", line, arts, errs, tt.want)
			}
		})
	}
}

func TestReadStatutesJSONLHugeLine(t *testing.T) {
	good := `{"id": 1, "law": "劳动法", "article": "第一条", "text": "为了保护劳动者的合法权益，制定本法。"}`
	huge := `{"id": 2, "law": "劳动法", "article": "第二条", "text": "` + strings.Repeat("长", 400_000) + `"}`
	in := good + "\n" + huge + "\n" + strings.Replace(good, `"id": 1`, `"id": 3`, 1) + "\n"
	arts, errs, err := knowledge.ReadStatutesJSONL(strings.NewReader(in), "big.jsonl", nil)
	if err != nil {
		t.Fatalf("ReadStatutesJSONL() error: %v", err)
	}
	if len(arts) < 1 || arts[0].ID != "1" {
		t.Errorf("ReadStatutesJSONL() = %v, want the good line before the huge one kept", arts)
	}
	checkRecordErrors(t, errs, "big.jsonl", []wantRecordError{{2, "longer than"}})
}

func TestReadStatutesJSONLProgress(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&b, `{"id": %d, "law": "某法", "article_no": %d, "text": "第%d条的文字"}`+"\n", i, i, i)
	}
	var calls []int
	arts, errs, err := knowledge.ReadStatutesJSONL(strings.NewReader(b.String()), "x.jsonl", func(n int) { calls = append(calls, n) })
	if err != nil || len(errs) != 0 || len(arts) != 2500 {
		t.Fatalf("ReadStatutesJSONL() = %d articles, %v, %v, want 2500", len(arts), errs, err)
	}
	if fmt.Sprint(calls) != "[1000 2000]" {
		t.Errorf("progress calls = %v, want [1000 2000]", calls)
	}
	if a := arts[1999]; a.No != 2000 || a.Label != "第二千条" {
		t.Errorf("article 2000 = %+v, want 第二千条", a)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestReadStatutesReadError(t *testing.T) {
	boom := fmt.Errorf("disk on fire")
	if _, _, err := knowledge.ReadStatutesJSONL(errReader{boom}, "x.jsonl", nil); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("ReadStatutesJSONL(failing reader) error = %v, want the read error", err)
	}
	if _, _, err := knowledge.ReadStatutesMarkdown(errReader{boom}, "x.md"); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("ReadStatutesMarkdown(failing reader) error = %v, want the read error", err)
	}
}

// sampleLaw is a small law laid out as the public Markdown collections are.
const sampleLaw = `# 中华人民共和国社区调解示范法

> 2026年1月1日 示范文本

目录

第一章 总则
第二章 调解程序

## 第一章 总则

第一条 为了规范社区调解工作，及时化解民间纠纷，制定本法。

第二条 本法所称社区调解，是指社区调解委员会通过说服、疏导等方法，促使当事人在平等协商基础上自愿达成调解协议，解决民间纠纷的活动。

社区调解应当遵循下列原则：

（一）在当事人自愿、平等的基础上进行调解；

（二）不违背法律、法规和国家政策。

## 第二章 调解程序

### 第一节 一般规定

**第三条** 当事人可以向社区调解委员会申请调解；调解委员会也可以主动调解。

第三条之一　当事人一方明确拒绝调解的，不得调解。

第四条
调解不收费。

第四条 重复的第四条。

第五条 调解达成协议的，可以制作调解协议书。
`

func TestReadStatutesMarkdown(t *testing.T) {
	arts, errs, err := knowledge.ReadStatutesMarkdown(strings.NewReader(sampleLaw), "laws/示范法.md")
	if err != nil {
		t.Fatalf("ReadStatutesMarkdown() error: %v", err)
	}
	const law = "中华人民共和国社区调解示范法"
	want := []knowledge.Article{
		{ID: law + "#1", Law: law, Label: "第一条", No: 1, Text: "为了规范社区调解工作，及时化解民间纠纷，制定本法。"},
		{ID: law + "#2", Law: law, Label: "第二条", No: 2, Text: "本法所称社区调解，是指社区调解委员会通过说服、疏导等方法，促使当事人在平等协商基础上自愿达成调解协议，解决民间纠纷的活动。\n\n" +
			"社区调解应当遵循下列原则：\n\n（一）在当事人自愿、平等的基础上进行调解；\n\n（二）不违背法律、法规和国家政策。"},
		{ID: law + "#3", Law: law, Label: "第三条", No: 3, Text: "当事人可以向社区调解委员会申请调解；调解委员会也可以主动调解。"},
		{ID: law + "#3-1", Law: law, Label: "第三条之一", No: 3, Sub: 1, Text: "当事人一方明确拒绝调解的，不得调解。"},
		{ID: law + "#4", Law: law, Label: "第四条", No: 4, Text: "调解不收费。"},
		{ID: law + "#5", Law: law, Label: "第五条", No: 5, Text: "调解达成协议的，可以制作调解协议书。"},
	}
	if !reflect.DeepEqual(arts, want) {
		t.Errorf("ReadStatutesMarkdown() articles:\n%+v\nwant\n%+v", arts, want)
	}
	checkRecordErrors(t, errs, "laws/示范法.md", []wantRecordError{{33, "第四条 appears twice (first at line 30)"}})
}

func TestReadStatutesMarkdownEdgeCases(t *testing.T) {
	tests := []struct {
		name     string
		file, in string
		want     []string // Title() of each article
		errs     []wantRecordError
	}{
		{
			name: "law from the file name",
			file: "dir/劳动法.md",
			in:   "第一条 为了保护劳动者的合法权益，制定本法。\n第二条 在中华人民共和国境内的企业适用本法。\n",
			want: []string{"《劳动法》第一条", "《劳动法》第二条"},
		},
		{
			name: "byte-order mark",
			file: "x.md",
			in:   "\ufeff# 劳动法\n\n第一条 为了保护劳动者的合法权益，制定本法。\n",
			want: []string{"《劳动法》第一条"},
		},
		{
			name: "article without text",
			file: "x.md",
			in:   "# 劳动法\n第一条\n\n第二条 适用本法。\n",
			want: []string{"《劳动法》第二条"},
			errs: []wantRecordError{{2, `missing "text"`}},
		},
		{
			name: "heading ends an article",
			file: "x.md",
			in:   "# 劳动法\n第一条 总则的最后一条。\n## 附则\n这一段不属于任何条文。\n第二条 本法自公布之日起施行。\n",
			want: []string{"《劳动法》第一条", "《劳动法》第二条"},
		},
		{
			name: "invalid UTF-8",
			file: "x.md",
			in:   "# 劳动法\n第一条 为了保护劳动者。\n第二条 \xb2\xe2\xca\xd4\n",
			errs: []wantRecordError{{3, "not valid UTF-8"}},
		},
		{
			name: "no articles",
			file: "x.md",
			in:   "# 说明\n\n这个文件只有说明文字。\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arts, errs, err := knowledge.ReadStatutesMarkdown(strings.NewReader(tt.in), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range arts {
				got = append(got, a.Title())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadStatutesMarkdown(%q) = %v, want %v", tt.in, got, tt.want)
			}
			checkRecordErrors(t, errs, tt.file, tt.errs)
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadStatutes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.jsonl"),
		`{"id": 1, "law": "中华人民共和国民法典", "article": "第一千零七十九条", "text": "夫妻一方要求离婚的……"}`+"\n"+`{"id": 2}`+"\n")
	writeFile(t, filepath.Join(dir, "b.md"), sampleLaw)
	writeFile(t, filepath.Join(dir, "notes.txt"), "第一条 这不是法律文件。\n")
	writeFile(t, filepath.Join(dir, "sub", "c.MD"), "# 劳动法\n第一条 为了保护劳动者的合法权益，制定本法。\n")

	var progressed []string
	arts, errs, err := knowledge.ReadStatutes(dir, func(file string, lines int) { progressed = append(progressed, file) })
	if err != nil {
		t.Fatalf("ReadStatutes(%s) error: %v", dir, err)
	}
	var titles []string
	for _, a := range arts {
		titles = append(titles, a.Title())
	}
	want := "《中华人民共和国民法典》第一千零七十九条 " +
		"《中华人民共和国社区调解示范法》第一条 《中华人民共和国社区调解示范法》第二条 《中华人民共和国社区调解示范法》第三条 " +
		"《中华人民共和国社区调解示范法》第三条之一 《中华人民共和国社区调解示范法》第四条 《中华人民共和国社区调解示范法》第五条 " +
		"《劳动法》第一条"
	if got := strings.Join(titles, " "); got != want {
		t.Errorf("ReadStatutes(%s) = %s\nwant %s", dir, got, want)
	}
	if len(errs) != 2 || errs[0].File != filepath.Join(dir, "a.jsonl") || errs[0].Line != 2 ||
		errs[1].File != filepath.Join(dir, "b.md") || errs[1].Line != 33 {
		t.Errorf("ReadStatutes(%s) errors:\n%v\nwant a.jsonl:2 and b.md:33", dir, errs)
	}
	if len(progressed) != 0 {
		t.Errorf("progress called for %v on small files", progressed)
	}

	one, _, err := knowledge.ReadStatutes(filepath.Join(dir, "sub", "c.MD"), nil)
	if err != nil || len(one) != 1 || one[0].Title() != "《劳动法》第一条" {
		t.Errorf("ReadStatutes(c.MD) = %v, %v, want 《劳动法》第一条", one, err)
	}
	if _, _, err := knowledge.ReadStatutes(filepath.Join(dir, "missing"), nil); err == nil {
		t.Errorf("ReadStatutes(missing) error = nil, want one")
	}
}

func FuzzReadStatutesJSONL(f *testing.F) {
	f.Add([]byte(`{"id": 1, "law": "中华人民共和国民法典", "article": "第一千零七十九条", "article_no": 1079, "text": "夫妻一方要求离婚的……"}` + "\n"))
	f.Add([]byte("\ufeff" + `{"id": "x", "law": "刑法", "article": "第一百七十五条之一", "text": "x"}` + "\n{\n"))
	f.Add([]byte(`{"id": 3, "law": "劳动法", "article_no": 10001, "text": "x"}`))
	f.Add([]byte(`{"id": "\u6c11", "law": "劳动法", "article": "第十条", "article_no": 11, "text": "x"}`))
	f.Add([]byte("{\"id\": 5, \"law\": \"\xb2\xe2\", \"article_no\": 1, \"text\": \"x\"}\n\n[]\nnull\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, errs, err := knowledge.ReadStatutesJSONL(bytes.NewReader(data), "f.jsonl", nil)
		if err != nil {
			t.Fatalf("ReadStatutesJSONL() error: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.File != "f.jsonl" || e.Line < 1 || e.Line > lines || e.Err == nil {
				t.Errorf("import error %v: want f.jsonl and a line in 1..%d", e, lines)
			}
		}
		checkArticles(t, arts)
		st := knowledge.NewStatutes(arts)
		checkStatutes(t, st)
	})
}

func FuzzReadStatutesMarkdown(f *testing.F) {
	f.Add([]byte(sampleLaw))
	f.Add([]byte("第一条 为了保护劳动者的合法权益，制定本法。\n第一条 重复\n"))
	f.Add([]byte("\ufeff# 劳动法\n**第二条** 在中华人民共和国境内的企业适用本法。\n## 第二章\n"))
	f.Add([]byte("# \n# 第一条\n第一条之一\n第一条之一 x\n"))
	f.Add([]byte("# 劳动法\n第一条 \xff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, errs, err := knowledge.ReadStatutesMarkdown(bytes.NewReader(data), "f.md")
		if err != nil {
			t.Fatalf("ReadStatutesMarkdown() error: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.File != "f.md" || e.Line < 1 || e.Line > lines || e.Err == nil {
				t.Errorf("import error %v: want f.md and a line in 1..%d", e, lines)
			}
		}
		checkArticles(t, arts)
		st := knowledge.NewStatutes(arts)
		if st.Len() != len(arts) {
			t.Errorf("NewStatutes(%d articles of one file).Len() = %d, want no article to replace another", len(arts), st.Len())
		}
		checkStatutes(t, st)
	})
}

// checkArticles checks what every imported article must satisfy.
func checkArticles(t *testing.T, arts []knowledge.Article) {
	t.Helper()
	for _, a := range arts {
		if a.ID == "" || a.Law == "" || a.Text == "" || a.No < 1 || a.No > 10000 || a.Sub < 0 || a.Sub > 9 ||
			a.Label != knowledge.ArticleLabel(a.No, a.Sub) || !utf8.ValidString(a.Law) || !utf8.ValidString(a.Text) ||
			a.Law != strings.TrimSpace(a.Law) || a.Text != strings.TrimSpace(a.Text) {
			t.Errorf("imported article %+v: want an id, a trimmed law and text in UTF-8, a label for its number", a)
		}
	}
}
