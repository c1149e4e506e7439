package knowledge_test

import (
	"testing"

	"github.com/lawbot/lawbot/knowledge"
)

func TestCategories(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range knowledge.Categories {
		if c.Key == "" || c.Name == "" || seen[c.Key] {
			t.Errorf("category %+v: want a unique key and a name", c)
		}
		seen[c.Key] = true
		if got := knowledge.CategoryName(c.Key); got != c.Name {
			t.Errorf("CategoryName(%q) = %q, want %q", c.Key, got, c.Name)
		}
	}
	for _, key := range []string{"", "Labor", "wages", "婚姻家庭"} {
		if got := knowledge.CategoryName(key); got != "" {
			t.Errorf("CategoryName(%q) = %q, want \"\"", key, got)
		}
	}
}

func TestSteps(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range knowledge.Steps {
		if s.Key == "" || s.Name == "" || s.How == "" || seen[s.Key] {
			t.Errorf("step %+v: want a unique key, a name and how to reach it", s)
		}
		seen[s.Key] = true
		if got, ok := knowledge.StepByKey(s.Key); !ok || got != s {
			t.Errorf("StepByKey(%q) = %+v, %v, want %+v", s.Key, got, ok, s)
		}
	}
	for _, key := range []string{"", "lawyer", "法律援助"} {
		if got, ok := knowledge.StepByKey(key); ok {
			t.Errorf("StepByKey(%q) = %+v, true, want none", key, got)
		}
	}
}
