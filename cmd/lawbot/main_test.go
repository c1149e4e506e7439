package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lawbot runs the command line in-process.
func lawbot(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), &env{stdout: &out, stderr: &errb, getenv: os.Getenv}, args)
	return out.String(), errb.String(), code
}

// toyCorpus writes invented articles (not statute text) in the JSONL form
// statute collections use, with one malformed line.
func toyCorpus(t *testing.T) string {
	t.Helper()
	lines := []string{
		`{"id": 1, "law": "示例租赁法", "article": "第一条", "article_no": 1, "text": "出租人应当在租赁期限届满后返还承租人交付的押金。"}`,
		`{"id": 2, "law": "示例租赁法", "article": "第二条", "article_no": 2, "text": "承租人应当按照约定支付租金。"}`,
		`{"id": 3, "law": "示例劳动法", "article": "第一条", "article_no": 1, "text": "用人单位应当按月足额支付劳动者的劳动报酬，不得拖欠。"}`,
		`{"id": 4, "law": "示例劳动法", "article": "第二条", "article_no": 3, "text": "编号与条文不一致的坏记录。"}`,
		`not json`,
	}
	p := filepath.Join(t.TempDir(), "corpus.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportStatutesIdempotent(t *testing.T) {
	data := t.TempDir()
	corpus := toyCorpus(t)
	out, errs, code := lawbot(t, "import", "statutes", "-data", data, corpus)
	if code != 0 || !strings.Contains(out, "新增 3 条") {
		t.Fatalf("import = %d, %q, %q; want 3 added", code, out, errs)
	}
	if !strings.Contains(errs, "corpus.jsonl:4:") || !strings.Contains(errs, "corpus.jsonl:5:") {
		t.Errorf("import errors %q lack the bad lines' numbers", errs)
	}
	out, _, code = lawbot(t, "import", "statutes", "-data", data, corpus)
	if code != 0 || !strings.Contains(out, "新增 0 条，更新 0 条") || !strings.Contains(out, "共 3 条") {
		t.Errorf("second import = %d, %q; want nothing changed", code, out)
	}
}

func TestEvalWritesOneLinePerQuery(t *testing.T) {
	dir := t.TempDir()
	queries := filepath.Join(dir, "q.jsonl")
	os.WriteFile(queries, []byte(`{"id": 10, "query": "房东不退押金怎么办", "relevant": [1]}
{"id": 11, "query": "老板拖欠工资", "relevant": [3]}
{"id": 12, "query": "😀"}
`), 0o644)
	train := filepath.Join(dir, "train.jsonl")
	os.WriteFile(train, []byte(`{"query": "押金被扣着不给", "relevant": [1]}`+"\n"), 0o644)
	out, errs, code := lawbot(t, "eval", "-data", filepath.Join(dir, "data"), "-corpus", toyCorpus(t), "-queries", queries, "-train", train, "-k", "2")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("eval wrote %d lines, want 3:\n%s", len(lines), out)
	}
	var first struct {
		ID             int     `json:"id"`
		Articles       []int   `json:"articles"`
		MS             float64 `json:"ms"`
		AnswerArticles []int   `json:"answer_articles"`
		FAQ            *string `json:"faq"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("line %q: %v", lines[0], err)
	}
	if first.ID != 10 || len(first.Articles) == 0 || first.Articles[0] != 1 || len(first.Articles) > 2 || first.FAQ == nil {
		t.Errorf("first line = %+v, want id 10, article 1 first, at most 2, faq present", first)
	}
	if !strings.Contains(errs, "R@10") || !strings.Contains(errs, "MRR@10") || !strings.Contains(errs, "p99") {
		t.Errorf("summary missing from stderr: %s", errs)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nonsense"},
		{"eval"},
		{"eval", "-corpus", "x", "-queries", "y", "-k", "0"},
		{"import"},
		{"ask"},
	} {
		if _, errs, code := lawbot(t, args...); code != 2 || errs == "" {
			t.Errorf("lawbot %v = exit %d, %q; want 2 and a message", args, code, errs)
		}
	}
}

func TestAskAndCheck(t *testing.T) {
	data := t.TempDir()
	out, errs, code := lawbot(t, "ask", "-data", data, "房东不退押金怎么办")
	if code != 0 || !strings.Contains(out, "押金") || !strings.Contains(errs, "rental-deposit-refund") {
		t.Errorf("ask = %d, %q, %q", code, out, errs)
	}
	out, _, code = lawbot(t, "check", "-data", data)
	if code != 0 || !strings.Contains(out, "合计") || !strings.Contains(out, "尚未导入法条") {
		t.Errorf("check = %d, %q", code, out)
	}
}
