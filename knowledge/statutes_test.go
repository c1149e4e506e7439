package knowledge_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/knowledge"
)

func art(id, law string, no, sub int, text string) knowledge.Article {
	return knowledge.Article{ID: id, Law: law, Label: knowledge.ArticleLabel(no, sub), No: no, Sub: sub, Text: text}
}

// checkStatutes checks that every article is found by its id and by its
// citation, and that no two share either.
func checkStatutes(t *testing.T, st *knowledge.Statutes) {
	t.Helper()
	ids := map[string]bool{}
	keys := map[knowledge.ArticleKey]bool{}
	if st.Len() != len(st.All()) {
		t.Errorf("Len() = %d, len(All()) = %d", st.Len(), len(st.All()))
	}
	for _, a := range st.All() {
		if ids[a.ID] || keys[a.Key()] {
			t.Errorf("article %s %s: id or law and number used twice in %v", a.ID, a.Title(), st.All())
		}
		ids[a.ID], keys[a.Key()] = true, true
		if got, ok := st.ByID(a.ID); !ok || got != a {
			t.Errorf("ByID(%q) = %v, %v, want %v", a.ID, got, ok, a)
		}
		c := knowledge.Citation{Law: a.Law, ArticleNo: a.No, Sub: a.Sub}
		if got, ok := st.Resolve(c); !ok || got != a {
			t.Errorf("Resolve(%v) = %v, %v, want %v", c, got, ok, a)
		}
	}
}

func TestStatutesMerge(t *testing.T) {
	civil1 := art("1", "中华人民共和国民法典", 1, 0, "为了保护民事主体的合法权益……制定本法。")
	civil2 := art("2", "中华人民共和国民法典", 2, 0, "民法调整平等主体的自然人、法人和非法人组织之间的人身关系和财产关系。")
	civil1Changed := civil1
	civil1Changed.Text = "为了保护民事主体的合法权益，调整民事关系……制定本法。"
	civil1NewID := civil1
	civil1NewID.ID = "民法典#1"
	civil1ShortName := civil1
	civil1ShortName.Law = "民法典"
	criminal1 := art("1", "中华人民共和国刑法", 1, 0, "为了惩罚犯罪，保护人民，制定本法。")
	civil3 := art("3", "中华人民共和国民法典", 3, 0, "民事主体的人身权利、财产权利以及其他合法权益受法律保护。")
	// The key of civil1 with the id of civil2, as when two collections
	// number the same articles differently.
	civil1AsID2 := civil1Changed
	civil1AsID2.ID = "2"

	tests := []struct {
		name            string
		merge           []knowledge.Article
		added, replaced int
		want            []knowledge.Article
	}{
		{"same articles again", []knowledge.Article{civil1, civil2}, 0, 0, []knowledge.Article{civil1, civil2}},
		{"nothing", nil, 0, 0, []knowledge.Article{civil1, civil2}},
		{"changed text", []knowledge.Article{civil1Changed}, 0, 1, []knowledge.Article{civil1Changed, civil2}},
		{"new article", []knowledge.Article{civil3, civil1}, 1, 0, []knowledge.Article{civil1, civil2, civil3}},
		{"same article, new id", []knowledge.Article{civil1NewID}, 0, 1, []knowledge.Article{civil1NewID, civil2}},
		{"law name written differently", []knowledge.Article{civil1ShortName}, 0, 1, []knowledge.Article{civil1ShortName, civil2}},
		{"same id, other article", []knowledge.Article{criminal1}, 0, 1, []knowledge.Article{criminal1, civil2}},
		{"twice in one import", []knowledge.Article{civil3, civil3, civil1Changed, civil1}, 1, 2, []knowledge.Article{civil1, civil2, civil3}},
		{"law and number of one, id of another", []knowledge.Article{civil1AsID2}, 0, 1, []knowledge.Article{civil1AsID2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := knowledge.NewStatutes([]knowledge.Article{civil1, civil2})
			added, replaced := st.Merge(tt.merge)
			if added != tt.added || replaced != tt.replaced {
				t.Errorf("Merge() = %d added, %d replaced, want %d, %d", added, replaced, tt.added, tt.replaced)
			}
			if !reflect.DeepEqual(st.All(), tt.want) {
				t.Errorf("All() = %v\nwant %v", st.All(), tt.want)
			}
			checkStatutes(t, st)

			// Importing the same again changes nothing (unless the import
			// itself holds two versions of an article).
			before := st.Hash()
			if tt.name == "twice in one import" {
				added, replaced = 0, 0
			} else if added, replaced := st.Merge(tt.merge); added != 0 || replaced != 0 || st.Hash() != before {
				t.Errorf("Merge() again = %d added, %d replaced, want 0, 0 and the same content", added, replaced)
			}

			// What is saved loads as it was.
			dir := t.TempDir()
			if err := st.Save(dir); err != nil {
				t.Fatal(err)
			}
			back, err := knowledge.LoadStatutes(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.All(), st.All()) {
				t.Errorf("LoadStatutes() after Save() = %v\nwant %v", back.All(), st.All())
			}
		})
	}
}

func TestStatutesImportTwice(t *testing.T) {
	read := func() []knowledge.Article {
		md, errs, err := knowledge.ReadStatutesMarkdown(strings.NewReader(sampleLaw), "示范法.md")
		if err != nil || len(errs) != 1 {
			t.Fatalf("ReadStatutesMarkdown() = %v, %v, want the one duplicate", errs, err)
		}
		js, errs, err := knowledge.ReadStatutesJSONL(strings.NewReader(
			`{"id": 1079, "law": "中华人民共和国民法典", "article": "第一千零七十九条", "text": "夫妻一方要求离婚的……"}`+"\n"+
				`{"id": "175-1", "law": "中华人民共和国刑法", "article": "第一百七十五条之一", "text": "以欺骗手段取得银行贷款……"}`), "x.jsonl", nil)
		if err != nil || len(errs) != 0 {
			t.Fatalf("ReadStatutesJSONL() = %v, %v", errs, err)
		}
		return append(md, js...)
	}
	arts := read()
	st := knowledge.NewStatutes(arts)
	n, hash := st.Len(), st.Hash()
	if n != len(arts) {
		t.Fatalf("NewStatutes(%d articles).Len() = %d", len(arts), n)
	}
	if added, replaced := st.Merge(read()); added != 0 || replaced != 0 || st.Len() != n || st.Hash() != hash {
		t.Errorf("Merge(same files) = %d added, %d replaced, Len %d, want 0, 0, %d and the same hash", added, replaced, st.Len(), n)
	}
	changed := read()
	changed[0].Text += "（修正）"
	if added, replaced := st.Merge(changed); added != 0 || replaced != 1 || st.Len() != n || st.Hash() == hash {
		t.Errorf("Merge(one text changed) = %d added, %d replaced, Len %d, want 0, 1, %d and a new hash", added, replaced, st.Len(), n)
	}
}

func TestStatutesSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	if st, err := knowledge.LoadStatutes(dir); err != nil || st.Len() != 0 {
		t.Fatalf("LoadStatutes(empty) = %v, %v, want an empty set", st, err)
	}
	arts := []knowledge.Article{
		art("1", "中华人民共和国民法典", 1079, 0, "夫妻一方要求离婚的，可以由有关组织进行调解。\n\n人民法院审理离婚案件，应当进行调解。"),
		art("刑法#175-1", "中华人民共和国刑法", 175, 1, `以欺骗手段取得银行贷款、<票据承兑>&"信用证"……`),
		art("x", "劳动合同法", 82, 0, "用人单位……应当向劳动者每月支付二倍的工资。"),
	}
	st := knowledge.NewStatutes(arts)
	if err := st.Save(dir); err != nil {
		t.Fatalf("Save(%s) error: %v", dir, err)
	}
	back, err := knowledge.LoadStatutes(dir)
	if err != nil {
		t.Fatalf("LoadStatutes(%s) error: %v", dir, err)
	}
	if !reflect.DeepEqual(back.All(), arts) || back.Hash() != st.Hash() {
		t.Errorf("LoadStatutes() after Save() = %v\nwant %v", back.All(), arts)
	}
	checkStatutes(t, back)

	raw, err := os.ReadFile(knowledge.StatutesPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if name := filepath.Base(knowledge.StatutesPath(dir)); len(entries) != 1 || entries[0].Name() != name {
		t.Errorf("Save left %v in %s, want only %s", entries, dir, name)
	}

	// Saving again replaces the file.
	st.Merge([]knowledge.Article{art("y", "劳动法", 1, 0, "为了保护劳动者的合法权益，制定本法。")})
	if err := st.Save(dir); err != nil {
		t.Fatal(err)
	}
	if back, err := knowledge.LoadStatutes(dir); err != nil || back.Len() != 4 || back.Hash() != st.Hash() {
		t.Errorf("LoadStatutes() after a second Save() = %v, %v, want the 4 articles saved", back, err)
	}

	// A damaged file is an error that names it, not an empty set.
	for _, damaged := range [][]byte{raw[:len(raw)/2], []byte("{not statutes\n")} {
		if err := os.WriteFile(knowledge.StatutesPath(dir), damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := knowledge.LoadStatutes(dir); err == nil || !strings.Contains(err.Error(), knowledge.StatutesPath(dir)) {
			t.Errorf("LoadStatutes(damaged) error = %v, want one naming %s", err, knowledge.StatutesPath(dir))
		}
	}
}

func TestStatutesSaveError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := knowledge.NewStatutes(nil).Save(file); err == nil {
		t.Errorf("Save(%s) into a file, not a directory: error = nil", file)
	}
}

func TestStatutesResolve(t *testing.T) {
	const guarantee = "最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释"
	st := knowledge.NewStatutes([]knowledge.Article{
		art("civil-1079", "中华人民共和国民法典", 1079, 0, "夫妻一方要求离婚的……"),
		art("labor-82", "劳动合同法", 82, 0, "用人单位自用工之日起超过一个月……"),
		art("guarantee-10", guarantee, 10, 0, "一人有限责任公司为其股东提供担保……"),
		art("criminal-175-1", "中华人民共和国刑法", 175, 1, "以欺骗手段取得银行贷款……"),
	})
	tests := []struct {
		citation string
		want     string // the article's id; "" for none
	}{
		{"《中华人民共和国民法典》第一千零七十九条", "civil-1079"},
		{"《民法典》第一千零七十九条", "civil-1079"},
		{"《民法典》第1079条", "civil-1079"},
		{"《中华人民共和国劳动合同法》第八十二条", "labor-82"},
		{"《劳动合同法》第八十二条", "labor-82"},
		{"《" + guarantee + "》第十条", "guarantee-10"},
		{"《最高人民法院关于适用〈中华人民共和国民法典〉有关担保制度的解释》第十条", "guarantee-10"},
		{"《最高人民法院关于适用《民法典》有关担保制度的解释》第十条", "guarantee-10"},
		{"《中华人民共和国刑法》第一百七十五条之一", "criminal-175-1"},
		{"《刑法》第一百七十五条之一", "criminal-175-1"},
		{"《刑法》第一百七十五条", ""},
		{"《民法典》第一千零八十条", ""},
		{"《劳动法》第八十二条", ""},
	}
	for _, tt := range tests {
		c, err := knowledge.ParseCitation(tt.citation)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := st.Resolve(c)
		if ok != (tt.want != "") || got.ID != tt.want {
			t.Errorf("Resolve(%q) = %q, %v, want %q", tt.citation, got.ID, ok, tt.want)
		}
	}
	if a, ok := st.ByID("labor-82"); !ok || a.No != 82 {
		t.Errorf("ByID(%q) = %v, %v, want 第八十二条", "labor-82", a, ok)
	}
	if _, ok := st.ByID("labor-83"); ok {
		t.Errorf("ByID(%q) found an article", "labor-83")
	}
}
