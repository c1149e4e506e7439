// Package review checks a knowledge base the way a careful editor would:
// citations that do not resolve, questions that nearly duplicate another
// entry's, and phrasings that retrieve some other entry than their own. It
// prints a table per category for `lawbot check`.
package review

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/lawbot/lawbot/index"
	"github.com/lawbot/lawbot/knowledge"
)

// NearDuplicate is the character-bigram Jaccard similarity from which two
// questions of different entries are reported as near-duplicates.
const NearDuplicate = 0.8

// Finding is one thing a reviewer should look at.
type Finding struct {
	Entry string // entry id
	Where string // file:line
	Kind  string // "citation", "duplicate", "retrieval"
	Msg   string
}

// CategoryStats are the per-category figures of the table.
type CategoryStats struct {
	Key, Name  string
	Entries    int
	Phrasings  int // title questions included
	Citations  int
	Unresolved int
	LOOHits    int // phrasings whose leave-one-out search ranks their own entry first
}

// Report is the result of a review.
type Report struct {
	Findings   []Finding
	Categories []CategoryStats
	// StatutesImported is false when citations could not be checked
	// because no statutes are imported.
	StatutesImported bool
}

// LOO is the share of phrasings that retrieve their own entry first with
// themselves left out.
func (r *Report) LOO() float64 {
	var hit, all int
	for _, c := range r.Categories {
		hit += c.LOOHits
		all += c.Phrasings
	}
	if all == 0 {
		return 0
	}
	return float64(hit) / float64(all)
}

// Unresolved counts citations that name no imported article.
func (r *Report) Unresolved() int {
	n := 0
	for _, c := range r.Categories {
		n += c.Unresolved
	}
	return n
}

// Run reviews base: citations against laws (skipped when laws is empty),
// near-duplicate questions, and leave-one-out retrieval through faq.
func Run(ctx context.Context, base *knowledge.Base, laws *knowledge.Statutes, faq *index.FAQIndex) (*Report, error) {
	r := &Report{StatutesImported: laws != nil && laws.Len() > 0}
	stats := map[string]*CategoryStats{}
	for _, c := range knowledge.Categories {
		stats[c.Key] = &CategoryStats{Key: c.Key, Name: c.Name}
	}
	for _, e := range base.Entries {
		cs := stats[e.Category]
		cs.Entries++
		cs.Citations += len(e.Citations)
		if r.StatutesImported {
			for _, c := range e.Citations {
				if _, ok := laws.Resolve(c); !ok {
					cs.Unresolved++
					r.Findings = append(r.Findings, Finding{e.ID, e.Source, "citation", c.String() + " 在已导入的法条中找不到"})
				}
			}
		}
		texts := append([]string{e.Question}, e.Phrasings...)
		for i, t := range texts {
			cs.Phrasings++
			hits, err := faq.SearchLeavingOut(ctx, t, 1, index.Phrasing{Entry: e.ID, Index: i})
			if err != nil {
				return nil, err
			}
			if len(hits) > 0 && hits[0].ID == e.ID {
				cs.LOOHits++
				continue
			}
			got := "（无）"
			if len(hits) > 0 {
				got = hits[0].ID
			}
			r.Findings = append(r.Findings, Finding{e.ID, e.Source, "retrieval", fmt.Sprintf("“%s” 检索到的是 %s", t, got)})
		}
	}
	r.Findings = append(r.Findings, nearDuplicates(base)...)
	for _, c := range knowledge.Categories {
		r.Categories = append(r.Categories, *stats[c.Key])
	}
	return r, nil
}

// nearDuplicates compares every question and phrasing with those of other
// entries, through an inverted index of bigrams so only pairs sharing a
// bigram are compared.
func nearDuplicates(base *knowledge.Base) []Finding {
	type text struct {
		entry int
		s     string
		grams map[string]bool
	}
	var texts []text
	post := map[string][]int{}
	for ei, e := range base.Entries {
		for _, s := range append([]string{e.Question}, e.Phrasings...) {
			g := map[string]bool{}
			for _, t := range index.Tokens(s) {
				g[t] = true
			}
			for t := range g {
				post[t] = append(post[t], len(texts))
			}
			texts = append(texts, text{ei, s, g})
		}
	}
	var out []Finding
	reported := map[[2]int]bool{}
	for i, a := range texts {
		shared := map[int]int{}
		for t := range a.grams {
			for _, j := range post[t] {
				if j > i && texts[j].entry != a.entry {
					shared[j]++
				}
			}
		}
		for j, n := range shared {
			b := texts[j]
			jac := float64(n) / float64(len(a.grams)+len(b.grams)-n)
			pair := [2]int{a.entry, b.entry}
			if jac >= NearDuplicate && !reported[pair] {
				reported[pair] = true
				ea, eb := base.Entries[a.entry], base.Entries[b.entry]
				out = append(out, Finding{ea.ID, ea.Source, "duplicate",
					fmt.Sprintf("“%s” 与 %s 的 “%s” 几乎相同（相似度 %.2f）", a.s, eb.ID, b.s, jac)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Entry < out[j].Entry })
	return out
}

// Print writes the findings and the table per category.
func (r *Report) Print(w io.Writer) {
	kinds := map[string]string{"citation": "引用无法解析", "duplicate": "问题重复", "retrieval": "说法检索到别的条目"}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s [%s] %s: %s\n", f.Where, kinds[f.Kind], f.Entry, f.Msg)
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "类别\t条目\t问法\t引用\t未解析\t留一检索命中\t")
	var tot CategoryStats
	for _, c := range r.Categories {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t\n", c.Name, c.Entries, c.Phrasings, c.Citations, unresolved(r, c.Unresolved), pct(c.LOOHits, c.Phrasings))
		tot.Entries += c.Entries
		tot.Phrasings += c.Phrasings
		tot.Citations += c.Citations
		tot.Unresolved += c.Unresolved
		tot.LOOHits += c.LOOHits
	}
	fmt.Fprintf(tw, "合计\t%d\t%d\t%d\t%s\t%s\t\n", tot.Entries, tot.Phrasings, tot.Citations, unresolved(r, tot.Unresolved), pct(tot.LOOHits, tot.Phrasings))
	tw.Flush()
	if !r.StatutesImported {
		fmt.Fprintln(w, "\n尚未导入法条，引用未核对。请先运行: lawbot import statutes 文件或目录")
	}
}

func unresolved(r *Report, n int) string {
	if !r.StatutesImported {
		return "未核对"
	}
	return fmt.Sprint(n)
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
}

// Summary is a one-line verdict for logs and CI.
func (r *Report) Summary() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("留一检索命中 %.1f%%", 100*r.LOO()))
	if r.StatutesImported {
		parts = append(parts, fmt.Sprintf("未解析引用 %d", r.Unresolved()))
	}
	parts = append(parts, fmt.Sprintf("问题 %d 处", len(r.Findings)))
	return strings.Join(parts, "，")
}
