package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lawbot/lawbot/knowledge"
	"github.com/lawbot/lawbot/stats"
	"gopkg.in/yaml.v3"
)

// maxQuestions is how many kept questions the list shows.
const maxQuestions = 200

type questionRow struct {
	ID, Time, Community, Category, Confidence, Text string
}

type draftView struct {
	Question questionRow
	YAML     string
	File     string
}

// questions returns the kept questions of the past year, newest first.
// Questions are purged after the retention period (90 days by default),
// so a year reaches back to every one still kept.
func (h *Handler) questions(r *http.Request) ([]stats.Question, error) {
	now := h.now().In(h.loc)
	q := stats.Query{From: now.AddDate(-1, 0, 0), To: now.AddDate(0, 0, 1), By: stats.ByTotal}
	return h.store.Unanswered(r.Context(), q, maxQuestions)
}

func (h *Handler) row(q stats.Question) questionRow {
	conf := "未找到答案"
	if q.Category != stats.Unanswered {
		conf = fmt.Sprintf("把握不大（%.0f%%）", q.Confidence*100)
	}
	return questionRow{ID: q.ID, Time: q.Time.In(h.loc).Format("2006-01-02 15:04"), Community: q.Community,
		Category: categoryName(q.Category), Confidence: conf, Text: q.Text}
}

func (h *Handler) unanswered(w http.ResponseWriter, r *http.Request, sess *session) {
	qs, err := h.questions(r)
	if err != nil {
		h.fail(w, r, "unanswered", err)
		return
	}
	rows := make([]questionRow, len(qs))
	for i, q := range qs {
		rows[i] = h.row(q)
	}
	h.render(w, http.StatusOK, "unanswered", page{Title: "未能解答的问题", User: sess.user, CSRF: sess.csrf, Data: rows})
}

func (h *Handler) draft(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PostFormValue("id")
	qs, err := h.questions(r)
	if err != nil {
		h.fail(w, r, "draft", err)
		return
	}
	for _, q := range qs {
		if q.ID == id && id != "" {
			y, err := draftYAML(q, h.now().In(h.loc))
			if err != nil {
				h.fail(w, r, "draft yaml", err)
				return
			}
			file := "knowledge/faq/（类别）.yaml"
			if knowledge.CategoryName(q.Category) != "" {
				file = "knowledge/faq/" + q.Category + ".yaml"
			}
			h.log.Info("admin: draft faq entry", "user", sess.user, "question_id", id)
			h.render(w, http.StatusOK, "draft", page{Title: "FAQ 条目草稿", User: sess.user, CSRF: sess.csrf,
				Data: draftView{Question: h.row(q), YAML: y, File: file}})
			return
		}
	}
	http.Error(w, "找不到这个问题，可能已超过保存期限被删除。", http.StatusNotFound)
}

// draftYAML writes a draft FAQ entry for q in the knowledge-base format
// (README, 知识库格式): the question as asked, placeholders for the rest,
// each commented with what to fill in. Staff copy it into the category's
// file and complete it; loading rejects it until they do.
func draftYAML(q stats.Question, now time.Time) (string, error) {
	sum := sha256.Sum256([]byte(q.ID))
	cat := q.Category
	catNote := "类别，见 knowledge/entry.go"
	if knowledge.CategoryName(cat) == "" {
		keys := make([]string, len(knowledge.Categories))
		for i, c := range knowledge.Categories {
			keys[i] = c.Key
		}
		cat = "待定"
		catNote = "请改为其中之一：" + strings.Join(keys, ", ")
	}
	idPrefix := q.Category
	if knowledge.CategoryName(idPrefix) == "" {
		idPrefix = "draft"
	}
	str := func(v, comment string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: v, LineComment: comment}
	}
	seq := func(flow bool, comment string, items ...string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.SequenceNode, LineComment: comment}
		if flow {
			n.Style = yaml.FlowStyle
		}
		for _, it := range items {
			n.Content = append(n.Content, str(it, ""))
		}
		return n
	}
	entry := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		k := str(key, "")
		if v.Kind == yaml.SequenceNode && v.Style != yaml.FlowStyle {
			// yaml.v3 writes a block sequence's line comment after its
			// first item; on the key it stays on the key's line.
			k.LineComment, v.LineComment = v.LineComment, ""
		}
		entry.Content = append(entry.Content, k, v)
	}
	add("id", str(idPrefix+"-"+hex.EncodeToString(sum[:3]), "唯一、稳定的编号，请改成有意义的英文短语"))
	add("category", str(cat, catNote))
	add("question", str(q.Text, "居民原话（已去除个人信息），请改写成规范的问题"))
	add("phrasings", seq(false, "至少 3 种居民实际的问法", q.Text, "（待补充）", "（待补充）"))
	answer := str("（待填写：用大白话写解答，先说该怎么做）\n（待填写）", "")
	answer.Style = yaml.LiteralStyle
	add("answer", answer)
	add("citations", seq(false, "解答所依据的条文，每行一条", "《中华人民共和国……》第……条"))
	add("next_steps", seq(true, "下一步，如 mediation, adviser, legal_aid", "adviser"))
	add("tags", seq(true, "", "待补充"))
	add("reviewed", str(now.Format("2006-01-02"), "审核通过后改为审核日期"))
	doc := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{entry}}
	var sb strings.Builder
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", fmt.Errorf("admin: draft entry: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("admin: draft entry: %w", err)
	}
	return sb.String(), nil
}
