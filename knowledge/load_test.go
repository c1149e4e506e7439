package knowledge_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/lawbot/lawbot/knowledge"
)

// testNow is "today" for review dates in the tests that set it.
var testNow = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// entryTmpl is a valid entry of entryLines lines; entry changes it.
const entryTmpl = `- id: ID
  category: labor
  question: 公司拖欠工资怎么办？
  phrasings:
    - 老板三个月没发工资了
    - 工资被拖欠去哪里投诉
    - 辞职后公司不结工资怎么办
  answer: |-
    可以先和单位协商，协商不成向劳动保障监察投诉或者申请劳动仲裁。
    劳动仲裁不收费。
  citations:
    - 《中华人民共和国劳动合同法》第三十条
    - 《中华人民共和国劳动法》第五十条
  next_steps: [labor_arbitration, "12333"]
  tags: [欠薪]
  reviewed: 2026-01-15
`

// entryTmpl is 16 lines long. The fields of the second entry of a file are
// on these lines: id 17, category 18, question 19, phrasings 20 (items
// 21-23), answer 24, citations 27 (items 28-29), next_steps 30, tags 31,
// reviewed 32.

// entry returns a valid entry with the given id, changed by replacing each
// pair of old and new text.
func entry(id string, oldNew ...string) string {
	s := strings.Replace(entryTmpl, "- id: ID", "- id: "+id, 1)
	for i := 0; i+1 < len(oldNew); i += 2 {
		if !strings.Contains(s, oldNew[i]) {
			panic("entry: no " + oldNew[i])
		}
		s = strings.Replace(s, oldNew[i], oldNew[i+1], 1)
	}
	return s
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

type wantProblem struct {
	line int
	msg  string // a part of the message
}

// checkProblems reports whether probs are exactly want, all in file.
func checkProblems(t *testing.T, probs knowledge.Problems, file string, want []wantProblem) {
	t.Helper()
	ok := len(probs) == len(want)
	for i := 0; ok && i < len(want); i++ {
		p := probs[i]
		ok = p.File == file && p.Line == want[i].line && strings.Contains(p.Msg, want[i].msg)
	}
	if !ok {
		t.Errorf("problems:\n%v\nwant (in %s) %v", probs, file, want)
	}
}

func TestLoadFilesValid(t *testing.T) {
	docs := map[string][]byte{
		"b.yaml": []byte("# 劳动\n" + entry("labor-unpaid-wages") + entry("labor-overtime", "question: 公司拖欠工资怎么办？", "question: 加班费怎么算？")),
		"a.yml":  []byte(entry("labor-urgent", "  reviewed: 2026-01-15\n", "  reviewed: 2026-01-15\n  urgent: true\n", "可以先和单位协商", "被打伤请立即拨打 110 报警。可以先和单位协商")),
		"c.yaml": []byte("---\n" + entry("labor-after-document-start") + "...\n"),
		"empty":  nil,
	}
	base, probs, err := knowledge.LoadFiles(docs, knowledge.LoadOptions{Now: testNow})
	if err != nil || len(probs) != 0 {
		t.Fatalf("LoadFiles() = %v, %v, want no problems", probs, err)
	}
	ids := make([]string, len(base.Entries))
	for i, e := range base.Entries {
		ids[i] = e.ID
	}
	if got, want := strings.Join(ids, " "), "labor-urgent labor-unpaid-wages labor-overtime labor-after-document-start"; got != want {
		t.Errorf("LoadFiles() ids = %s, want %s (files in name order)", got, want)
	}
	e, ok := base.ByID("labor-overtime")
	if !ok {
		t.Fatalf("ByID(%q) found nothing", "labor-overtime")
	}
	want := knowledge.Entry{
		ID:        "labor-overtime",
		Category:  "labor",
		Question:  "加班费怎么算？",
		Phrasings: []string{"老板三个月没发工资了", "工资被拖欠去哪里投诉", "辞职后公司不结工资怎么办"},
		Answer:    "可以先和单位协商，协商不成向劳动保障监察投诉或者申请劳动仲裁。\n劳动仲裁不收费。",
		Citations: []knowledge.Citation{
			{Law: "中华人民共和国劳动合同法", ArticleNo: 30},
			{Law: "中华人民共和国劳动法", ArticleNo: 50},
		},
		NextSteps: []string{"labor_arbitration", "12333"},
		Tags:      []string{"欠薪"},
		Reviewed:  time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
		Source:    "b.yaml:18",
	}
	if !equalEntry(e, want) {
		t.Errorf("ByID(%q) = %+v, want %+v", "labor-overtime", e, want)
	}
	if u, _ := base.ByID("labor-urgent"); !u.Urgent {
		t.Errorf("ByID(%q).Urgent = false, want true", "labor-urgent")
	}
	if _, ok := base.ByID("no-such-entry"); ok {
		t.Errorf("ByID(%q) found an entry", "no-such-entry")
	}
}

func equalEntry(a, b knowledge.Entry) bool {
	return a.ID == b.ID && a.Category == b.Category && a.Question == b.Question &&
		strings.Join(a.Phrasings, "|") == strings.Join(b.Phrasings, "|") && a.Answer == b.Answer &&
		len(a.Citations) == len(b.Citations) && (len(a.Citations) == 0 || a.Citations[0] == b.Citations[0] && a.Citations[len(a.Citations)-1] == b.Citations[len(b.Citations)-1]) &&
		strings.Join(a.NextSteps, "|") == strings.Join(b.NextSteps, "|") && strings.Join(a.Tags, "|") == strings.Join(b.Tags, "|") &&
		a.Reviewed.Equal(b.Reviewed) && a.Urgent == b.Urgent && a.Source == b.Source
}

// TestLoadFilesBad loads a good file beside a bad one. Strict mode fails
// with the bad file's problems; lenient mode loads the good file and none
// of the bad one, not even its good first entry.
func TestLoadFilesBad(t *testing.T) {
	const good, bad = "a_good.yaml", "b_bad.yaml"
	ok := entry("bad-file-good-entry")
	tests := []struct {
		name string
		bad  []byte
		want []wantProblem
	}{
		{
			name: "broken citation",
			bad:  []byte(ok + entry("bad-citation", "《中华人民共和国劳动合同法》第三十条", "《中华人民共和国劳动合同法第三十条")),
			want: []wantProblem{{28, "missing 》"}},
		},
		{
			name: "citation of a part of an article",
			bad:  []byte(ok + entry("bad-citation", "《中华人民共和国劳动法》第五十条", "《中华人民共和国劳动法》第五十条第二款")),
			want: []wantProblem{{29, "cite one article per line"}},
		},
		{
			name: "mistyped article number",
			bad:  []byte(ok + entry("bad-citation", "第三十条", "第三十十条")),
			want: []wantProblem{{28, "bad article number"}},
		},
		{
			name: "bad citation after a comment",
			bad:  []byte(ok + entry("bad-citation", "    - 《中华人民共和国劳动法》第五十条", "    # 劳动法\n    - 《中华人民共和国劳动法》第五十")),
			want: []wantProblem{{30, "want 第N条"}},
		},
		{
			name: "bad citation in a flow list",
			bad: []byte(ok + entry("bad-citation",
				"  citations:\n    - 《中华人民共和国劳动合同法》第三十条\n    - 《中华人民共和国劳动法》第五十条\n",
				"  citations: [《中华人民共和国劳动合同法》第三十条, 劳动法第五十条]\n")),
			want: []wantProblem{{27, "want 《法律名称》第N条"}},
		},
		{
			name: "no citations",
			bad: []byte(ok + entry("no-citations",
				"  citations:\n    - 《中华人民共和国劳动合同法》第三十条\n    - 《中华人民共和国劳动法》第五十条\n", "")),
			want: []wantProblem{{17, "0 citations"}},
		},
		{
			name: "repealed law",
			bad:  []byte(ok + entry("repealed-law", "《中华人民共和国劳动合同法》第三十条", "《中华人民共和国婚姻法》第三十二条")),
			want: []wantProblem{{28, "repealed 2021-01-01; cite the 民法典 婚姻家庭编"}},
		},
		{
			name: "interpretation of a repealed law",
			bad:  []byte(ok + entry("repealed-law", "《中华人民共和国劳动法》第五十条", "《最高人民法院关于适用〈中华人民共和国婚姻法〉若干问题的解释（一）》第一条")),
			want: []wantProblem{{29, "interpretation of a repealed law"}},
		},
		{
			name: "unknown category",
			bad:  []byte(ok + entry("unknown-category", "category: labor", "category: wages")),
			want: []wantProblem{{18, `unknown category "wages"`}},
		},
		{
			name: "bad id",
			bad:  []byte(ok + entry("Labor Wages")),
			want: []wantProblem{{17, `id "Labor Wages"`}},
		},
		{
			name: "unknown next step",
			bad:  []byte(ok + entry("unknown-step", `"12333"]`, `"12333", lawyer]`)),
			want: []wantProblem{{30, `unknown next step "lawyer"`}},
		},
		{
			name: "no next steps",
			bad:  []byte(ok + entry("no-steps", "  next_steps: [labor_arbitration, \"12333\"]\n", "")),
			want: []wantProblem{{17, "no next_steps"}},
		},
		{
			name: "duplicate id in one file",
			bad:  []byte(ok + entry("bad-file-good-entry")),
			want: []wantProblem{{17, `duplicate id "bad-file-good-entry" (first defined at b_bad.yaml:1)`}},
		},
		{
			name: "duplicate id across files",
			bad:  []byte(ok + entry("good-one")),
			want: []wantProblem{{17, `duplicate id "good-one" (first defined at a_good.yaml:1)`}},
		},
		{
			name: "tab in indentation",
			bad:  []byte(ok + entry("tab-indent", "  category: labor", "\tcategory: labor")),
			want: []wantProblem{{18, "tab used for indentation"}},
		},
		{
			name: "tabs on several lines",
			bad:  []byte(ok + entry("tab-indent", "  category: labor", " \tcategory: labor", "    - 工资被拖欠去哪里投诉", "\t\t- 工资被拖欠去哪里投诉")),
			want: []wantProblem{{18, "tab"}, {22, "tab"}},
		},
		{
			name: "byte-order mark",
			bad:  []byte("\ufeff" + ok),
			want: []wantProblem{{1, "byte-order mark"}},
		},
		{
			name: "GBK",
			bad:  gbk(ok + entry("gbk-entry")),
			want: []wantProblem{{3, "not valid UTF-8"}},
		},
		{
			name: "invalid UTF-8 further down",
			bad:  []byte(ok + entry("latin1", "欠薪", "d\xe9j\xe0")),
			want: []wantProblem{{31, "not valid UTF-8"}},
		},
		{
			name: "10 MB file",
			bad:  append([]byte(ok), bytes.Repeat([]byte("# 这一行只是注释，用来把文件撑大。\n"), 10<<20/50)...),
			want: []wantProblem{{1, "more than the 2097152 allowed"}},
		},
		{
			name: "unknown field",
			bad:  []byte(ok + entry("unknown-field", "  category: labor\n", "  category: labor\n  priority: high\n")),
			want: []wantProblem{{19, `unknown field "priority"`}},
		},
		{
			name: "misspelt field",
			bad:  []byte(ok + entry("misspelt-field", "  next_steps:", "  next_step:")),
			want: []wantProblem{{17, "no next_steps"}, {30, `unknown field "next_step"`}},
		},
		{
			name: "too few phrasings",
			bad:  []byte(ok + entry("few-phrasings", "    - 工资被拖欠去哪里投诉\n    - 辞职后公司不结工资怎么办\n", "")),
			want: []wantProblem{{20, "1 phrasings; want 3 to 30"}},
		},
		{
			name: "phrasing repeats the question",
			bad:  []byte(ok + entry("same-phrasing", "    - 老板三个月没发工资了", "    - 公司拖欠工资怎么办？")),
			want: []wantProblem{{20, "repeats the question"}},
		},
		{
			name: "empty question",
			bad:  []byte(ok + entry("empty-question", "question: 公司拖欠工资怎么办？", `question: ""`)),
			want: []wantProblem{{19, "question is empty"}},
		},
		{
			name: "answer too long",
			bad:  []byte(ok + entry("long-answer", "劳动仲裁不收费。", strings.Repeat("很长", 1000))),
			want: []wantProblem{{24, "more than 2000"}},
		},
		{
			name: "urgent without an emergency number",
			bad:  []byte(ok + entry("urgent-no-number", "  reviewed: 2026-01-15\n", "  reviewed: 2026-01-15\n  urgent: true\n")),
			want: []wantProblem{{24, "urgent entry: the first sentence must give the emergency step"}},
		},
		{
			name: "urgent with the number in the second sentence",
			bad: []byte(ok + entry("urgent-late-number", "  reviewed: 2026-01-15\n", "  reviewed: 2026-01-15\n  urgent: true\n",
				"劳动仲裁不收费。", "有危险请拨打 110。")),
			want: []wantProblem{{24, "urgent entry"}},
		},
		{
			name: "reviewed in the future",
			bad:  []byte(ok + entry("future-review", "reviewed: 2026-01-15", "reviewed: 2026-06-03")),
			want: []wantProblem{{17, "reviewed date 2026-06-03 is in the future"}},
		},
		{
			name: "reviewed not a date",
			bad:  []byte(ok + entry("bad-review", "reviewed: 2026-01-15", "reviewed: 2026-13-01")),
			want: []wantProblem{{32, `reviewed "2026-13-01"`}},
		},
		{
			name: "field of the wrong type",
			bad:  []byte(ok + entry("wrong-type", "  tags: [欠薪]\n", "  tags: [欠薪]\n  urgent: 也许\n")),
			want: []wantProblem{{17, "fields of the wrong type"}},
		},
		{
			name: "not YAML",
			bad:  []byte(ok + entry("not-yaml", "question: 公司拖欠工资怎么办？", "question: 工资: 拖欠")),
			want: []wantProblem{{19, "not valid YAML: line 19: mapping values are not allowed"}},
		},
		{
			name: "field given twice",
			bad:  []byte(ok + entry("twice", "  category: labor\n", "  category: labor\n  category: debt\n")),
			want: []wantProblem{{17, `mapping key "category" already defined at line 18`}},
		},
		{
			name: "not a list",
			bad:  []byte(strings.ReplaceAll(strings.TrimPrefix(ok, "- "), "\n  ", "\n")),
			want: []wantProblem{{1, "want a list of entries"}},
		},
		{
			name: "second YAML document",
			bad:  []byte(ok + "---\n" + entry("second-document")),
			want: []wantProblem{{17, "a second YAML document"}},
		},
		{
			name: "entry not a mapping",
			bad:  []byte(ok + "- 这不是一个条目\n"),
			want: []wantProblem{{17, "entry is not a mapping"}},
		},
		{
			name: "several problems at once",
			bad: []byte(ok +
				entry("Bad ID", "category: labor", "category: nope", "《中华人民共和国劳动合同法》第三十条", "劳动合同法第三十条", `"12333"]`, `"12333", nobody]`) +
				entry("few-phrasings", "    - 工资被拖欠去哪里投诉\n    - 辞职后公司不结工资怎么办\n", "") +
				entry("bad-file-good-entry", "reviewed: 2026-01-15", "reviewed: 2027-01-01")),
			want: []wantProblem{
				{17, `id "Bad ID"`},
				{18, `unknown category "nope"`},
				{28, "want 《法律名称》第N条"},
				{30, `unknown next step "nobody"`},
				{36, "1 phrasings"},
				{47, "reviewed date 2027-01-01 is in the future"},
				{47, `duplicate id "bad-file-good-entry"`},
			},
		},
	}
	goodDoc := []byte(entry("good-one") + entry("good-two"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs := map[string][]byte{good: goodDoc, bad: tt.bad}

			base, probs, err := knowledge.LoadFiles(docs, knowledge.LoadOptions{Now: testNow})
			if err == nil || base != nil {
				t.Fatalf("LoadFiles(strict) = %v, %v, want no base and an error", base, err)
			}
			var ps knowledge.Problems
			if !errors.As(err, &ps) || len(ps) != len(probs) {
				t.Errorf("LoadFiles(strict) error = %v, want the Problems %v", err, probs)
			}
			checkProblems(t, probs, bad, tt.want)
			if msg := err.Error(); !strings.HasPrefix(msg, bad+":") {
				t.Errorf("LoadFiles(strict) error = %q, want it to start with %q", msg, bad+":")
			}

			base, lprobs, err := knowledge.LoadFiles(docs, knowledge.LoadOptions{Now: testNow, Lenient: true})
			if err != nil || base == nil {
				t.Fatalf("LoadFiles(lenient) = %v, %v, want a base and no error", base, err)
			}
			checkProblems(t, lprobs, bad, tt.want)
			var ids []string
			for _, e := range base.Entries {
				ids = append(ids, e.ID)
				if !strings.HasPrefix(e.Source, good+":") {
					t.Errorf("LoadFiles(lenient) loaded %s from %s, want nothing from the bad file", e.ID, e.Source)
				}
			}
			if got := strings.Join(ids, " "); got != "good-one good-two" {
				t.Errorf("LoadFiles(lenient) ids = %q, want %q", got, "good-one good-two")
			}
		})
	}
}

func TestLoadFilesEmpty(t *testing.T) {
	for _, doc := range []string{"", "\n\n", "# 只有注释\n", "[]\n"} {
		base, probs, err := knowledge.LoadFiles(map[string][]byte{"x.yaml": []byte(doc)}, knowledge.LoadOptions{})
		if err != nil || len(probs) != 0 || base == nil || len(base.Entries) != 0 {
			t.Errorf("LoadFiles(%q) = %v, %v, %v, want an empty base", doc, base, probs, err)
		}
	}
}

func TestLoadShipped(t *testing.T) {
	base, probs, err := knowledge.Load(knowledge.LoadOptions{})
	if err != nil {
		t.Fatalf("Load() error:\n%v", err)
	}
	if len(probs) != 0 {
		t.Fatalf("Load() problems:\n%v", probs)
	}
	if n := len(base.Entries); n < 300 {
		t.Errorf("Load() has %d entries, want at least 300", n)
	}
	cats := map[string]int{}
	ids := map[string]bool{}
	for i, e := range base.Entries {
		if ids[e.ID] {
			t.Errorf("%s: id %q is used twice", e.Source, e.ID)
		}
		ids[e.ID] = true
		if got, ok := base.ByID(e.ID); !ok || got.Source != e.Source {
			t.Errorf("ByID(%q) = %v, %v, want entry %d", e.ID, got.Source, ok, i)
		}
		cats[e.Category]++
		if knowledge.CategoryName(e.Category) == "" {
			t.Errorf("%s: unknown category %q", e.Source, e.Category)
		}
		if len(e.Phrasings) < 3 || len(e.Citations) < 1 || len(e.NextSteps) < 1 {
			t.Errorf("%s: %d phrasings, %d citations, %d next steps, want at least 3, 1, 1", e.Source, len(e.Phrasings), len(e.Citations), len(e.NextSteps))
		}
		if !strings.HasPrefix(e.Source, "knowledge/faq/") {
			t.Errorf("%s: source not in knowledge/faq/", e.Source)
		}
	}
	if len(cats) < 15 {
		t.Errorf("Load() covers %d categories, want at least 15: %v", len(cats), cats)
	}
	again, _, err := knowledge.Load(knowledge.LoadOptions{})
	if err != nil || again.Hash() != base.Hash() {
		t.Errorf("Load() twice: hashes %s and %s, want them equal", base.Hash(), again.Hash())
	}
}

func TestLoadDir(t *testing.T) {
	shipped, _, err := knowledge.Load(knowledge.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	override := shipped.Entries[0]

	dir := t.TempDir()
	local := entry(override.ID, "category: labor", "category: "+override.Category, "question: 公司拖欠工资怎么办？", "question: 本街道的版本") +
		entry("local-only-entry")
	if err := os.WriteFile(filepath.Join(dir, "local.yaml"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not yaml: ["), 0o644); err != nil {
		t.Fatal(err)
	}
	base, probs, err := knowledge.Load(knowledge.LoadOptions{Dir: dir})
	if err != nil || len(probs) != 0 {
		t.Fatalf("Load(Dir) = %v, %v, want no problems", probs, err)
	}
	if got, want := len(base.Entries), len(shipped.Entries)+1; got != want {
		t.Errorf("Load(Dir) has %d entries, want %d", got, want)
	}
	if e, ok := base.ByID(override.ID); !ok || e.Question != "本街道的版本" || e.Source != filepath.Join(dir, "local.yaml")+":1" {
		t.Errorf("ByID(%q) = %q from %s, want the deployer's version", override.ID, e.Question, e.Source)
	}
	if base.Entries[0].ID != override.ID {
		t.Errorf("Entries[0] = %s, want the overridden entry %s kept in its place", base.Entries[0].ID, override.ID)
	}
	if _, ok := base.ByID("local-only-entry"); !ok {
		t.Errorf("ByID(%q) found nothing, want the deployer's entry", "local-only-entry")
	}
	if base.Hash() == shipped.Hash() {
		t.Errorf("Hash() did not change with the deployer's entries")
	}

	// A bad deployer file fails a strict load and is skipped by a lenient one.
	if err := os.WriteFile(filepath.Join(dir, "more.yml"), []byte(entry("local-only-entry")), 0o644); err != nil {
		t.Fatal(err)
	}
	if base, _, err := knowledge.Load(knowledge.LoadOptions{Dir: dir}); err == nil || base != nil {
		t.Fatalf("Load(Dir) with a duplicate id = %v, nil, want an error", base)
	}
	base, probs, err = knowledge.Load(knowledge.LoadOptions{Dir: dir, Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, probs, filepath.Join(dir, "more.yml"), []wantProblem{{1, `duplicate id "local-only-entry"`}})
	if got, want := len(base.Entries), len(shipped.Entries)+1; got != want {
		t.Errorf("Load(Dir, Lenient) has %d entries, want %d", got, want)
	}
}

func TestLoadDirMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no-such-dir")
	if base, _, err := knowledge.Load(knowledge.LoadOptions{Dir: dir, Lenient: true}); err == nil {
		t.Errorf("Load(Dir: %q) = %d entries, nil, want an error", dir, len(base.Entries))
	}
}

// TestLoadDirShippedFiles points the deployer's directory at a copy of the
// shipped files under the same path, as when a deployer starts from them.
func TestLoadDirShippedFiles(t *testing.T) {
	shipped, _, err := knowledge.Load(knowledge.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("..")
	base, probs, err := knowledge.Load(knowledge.LoadOptions{Dir: "knowledge/faq"})
	if err != nil || len(probs) != 0 {
		t.Fatalf("Load(Dir: knowledge/faq) = %.300v, %.300v, want no problems", probs, err)
	}
	if len(base.Entries) != len(shipped.Entries) {
		t.Errorf("Load(Dir: knowledge/faq) has %d entries, want %d", len(base.Entries), len(shipped.Entries))
	}
}

func TestProblemsError(t *testing.T) {
	ps := knowledge.Problems{{File: "a.yaml", Line: 3, Msg: "x"}, {File: "b.yaml", Line: 1, Msg: "y"}}
	if got, want := ps.Error(), "a.yaml:3: x\nb.yaml:1: y"; got != want {
		t.Errorf("Problems.Error() = %q, want %q", got, want)
	}
}

func FuzzLoadFiles(f *testing.F) {
	f.Add([]byte(entry("labor-unpaid-wages")))
	f.Add([]byte(entry("a") + entry("a")))
	f.Add([]byte(entry("repealed", "《中华人民共和国劳动合同法》第三十条", "《中华人民共和国婚姻法》第三十二条")))
	f.Add([]byte(entry("urgent", "  reviewed: 2026-01-15\n", "  reviewed: 2026-01-15\n  urgent: true\n")))
	f.Add([]byte(entry("flow", "  citations:\n    - 《中华人民共和国劳动合同法》第三十条\n", "  citations: [《中华人民共和国劳动合同法》第三十条, x]\n")))
	f.Add([]byte("- id: &a x\n  category: *a\n"))
	f.Add([]byte("- {id: abc, phrasings: [a, b, c], citations: [《民法典》第一条]}\n"))
	f.Add([]byte("\ufeff- id: x\n"))
	f.Add(gbk(entry("gbk")))
	f.Add([]byte("a: b\n"))
	f.Add([]byte("- - -\n"))
	f.Add([]byte("---\n- id: x\n---\n- id: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs := map[string][]byte{"f.yaml": data}
		base, probs, err := knowledge.LoadFiles(docs, knowledge.LoadOptions{Now: testNow, Lenient: true})
		if err != nil {
			t.Fatalf("LoadFiles(lenient) error: %v", err)
		}
		for _, p := range probs {
			if p.File != "f.yaml" || p.Line < 1 || p.Msg == "" {
				t.Errorf("problem %q: want f.yaml, a line and a message", p)
			}
		}
		if len(probs) > 0 && len(base.Entries) > 0 {
			t.Errorf("LoadFiles(lenient) loaded %d entries from a file with problems:\n%v", len(base.Entries), probs)
		}
		for _, e := range base.Entries {
			if got, ok := base.ByID(e.ID); !ok || got.Source != e.Source {
				t.Errorf("ByID(%q) = %v, %v, want %s", e.ID, got.Source, ok, e.Source)
			}
			if knowledge.CategoryName(e.Category) == "" || len(e.Phrasings) < knowledge.MinPhrasings || len(e.Citations) == 0 || len(e.NextSteps) == 0 {
				t.Errorf("LoadFiles loaded an invalid entry %+v", e)
			}
		}
		sbase, sprobs, err := knowledge.LoadFiles(docs, knowledge.LoadOptions{Now: testNow})
		if (err != nil) != (len(sprobs) > 0) || (err != nil) != (sbase == nil) || len(sprobs) != len(probs) {
			t.Errorf("LoadFiles(strict) = %v, %d problems, %v; lenient found %d problems", sbase, len(sprobs), err, len(probs))
		}
	})
}
