package review

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
)

const entryYAML = `- id: %s
  category: rental
  question: %s
  phrasings:
    - %s
    - 押金的事情怎么处理
    - 押金问题找谁
  answer: |-
    示例解答。
  citations:
    - 《示例租赁法》第一条
  next_steps: [mediation]
  reviewed: 2026-01-01
`

func entry(id, q, p string) string { return fmt.Sprintf(entryYAML, id, q, p) }

func TestRun(t *testing.T) {
	docs := map[string][]byte{
		"a.yaml": []byte(entry("rent-a", "房东不退押金怎么办", "房东扣着押金不给")),
		"b.yaml": []byte(entry("rent-b", "房东不退押金怎么办呢", "租期结束押金没退")),
	}
	base, probs, err := knowledge.LoadFiles(docs, knowledge.LoadOptions{})
	if err != nil {
		t.Fatalf("LoadFiles: %v %v", err, probs)
	}
	faq, err := index.BuildFAQ(context.Background(), t.TempDir(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer faq.Close()
	laws := knowledge.NewStatutes([]knowledge.Article{{ID: "1", Law: "示例租赁法", No: 2, Label: "第二条", Text: "示例。"}})
	r, err := Run(context.Background(), base, laws, faq)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range r.Findings {
		kinds[f.Kind]++
	}
	if kinds["citation"] != 2 {
		t.Errorf("citation findings = %d, want 2 (第一条 is not imported): %v", kinds["citation"], r.Findings)
	}
	if kinds["duplicate"] == 0 {
		t.Errorf("no duplicate finding for two nearly identical questions: %v", r.Findings)
	}
	if r.Unresolved() != 2 {
		t.Errorf("Unresolved() = %d, want 2", r.Unresolved())
	}
	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{"房屋租赁", "合计", "引用无法解析", "问题重复"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Print output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunShippedBase(t *testing.T) {
	base, _, err := knowledge.Load(knowledge.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	faq, err := index.BuildFAQ(context.Background(), t.TempDir(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer faq.Close()
	r, err := Run(context.Background(), base, knowledge.NewStatutes(nil), faq)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("shipped base: %s", r.Summary())
	if r.LOO() < 0.9 {
		t.Errorf("leave-one-out %.3f, want >= 0.90", r.LOO())
	}
	if r.StatutesImported {
		t.Error("StatutesImported with no statutes")
	}
}
