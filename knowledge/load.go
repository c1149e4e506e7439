package knowledge

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

//go:embed faq/*.yaml
var shipped embed.FS

// Limits on knowledge files. A file or field over them is an error, so a
// pasted document or a runaway edit is caught in review, not in a chat.
const (
	MaxFileBytes     = 2 << 20
	MaxQuestionRunes = 100
	MaxPhrasingRunes = 200
	MaxAnswerRunes   = 2000
	MinPhrasings     = 3
	MaxPhrasings     = 30
	MaxCitations     = 10
)

// Problem is one thing wrong in a knowledge file.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Problems is every problem found while loading; it is the error Load
// returns, listing them all at once.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Base is a loaded, validated knowledge base.
type Base struct {
	Entries []Entry
	byID    map[string]int
}

// ByID returns the entry with the given id.
func (b *Base) ByID(id string) (Entry, bool) {
	i, ok := b.byID[id]
	if !ok {
		return Entry{}, false
	}
	return b.Entries[i], true
}

// Hash identifies the base's content, for deciding when its index is stale.
func (b *Base) Hash() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, e := range b.Entries {
		_ = enc.Encode(e) // hashing never fails
		for _, c := range e.Citations {
			_ = enc.Encode(c)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// LoadOptions says where entries come from and how strict loading is.
type LoadOptions struct {
	// Dir, when set, holds the deployer's own *.yaml files: their entries
	// are added, and replace shipped entries with the same id.
	Dir string
	// Lenient loads every good file and skips the bad ones (a file is never
	// half-loaded); the problems are still returned alongside the base.
	Lenient bool
	// Now is "today" for checking review dates; zero means time.Now.
	Now time.Time
}

// Load reads the shipped entries and the deployer's directory. In strict
// mode any problem fails the whole load with every problem listed.
func Load(opts LoadOptions) (*Base, Problems, error) {
	var files []loadedFile
	var probs Problems
	if err := readFS(shipped, "faq", "knowledge/faq", false, &files, &probs); err != nil {
		return nil, nil, err
	}
	if opts.Dir != "" {
		// fs.Glob ignores a missing directory: say so rather than load
		// none of the deployer's entries without a word.
		if _, err := fs.ReadDir(os.DirFS(opts.Dir), "."); err != nil {
			return nil, nil, fmt.Errorf("knowledge: read %s: %w", opts.Dir, err)
		}
		if err := readFS(os.DirFS(opts.Dir), ".", opts.Dir, true, &files, &probs); err != nil {
			return nil, nil, err
		}
	}
	return assemble(files, probs, opts)
}

// LoadFiles validates the given YAML documents (name → content) as a base of
// their own, for tests and `lawbot check` on files not yet deployed.
func LoadFiles(docs map[string][]byte, opts LoadOptions) (*Base, Problems, error) {
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	sort.Strings(names)
	var files []loadedFile
	var probs Problems
	for _, n := range names {
		f, ps := parseFile(n, docs[n], false)
		files = append(files, f)
		probs = append(probs, ps...)
	}
	return assemble(files, probs, opts)
}

type loadedFile struct {
	name     string
	deployer bool
	entries  []Entry
	bad      bool
}

func readFS(fsys fs.FS, dir, display string, deployer bool, files *[]loadedFile, probs *Problems) error {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return fmt.Errorf("knowledge: list %s: %w", display, err)
	}
	more, _ := fs.Glob(fsys, path.Join(dir, "*.yml"))
	names = append(names, more...)
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return fmt.Errorf("knowledge: read %s: %w", n, err)
		}
		shown := path.Join(display, path.Base(n))
		f, ps := parseFile(shown, b, deployer)
		*files = append(*files, f)
		*probs = append(*probs, ps...)
	}
	return nil
}

func assemble(files []loadedFile, probs Problems, opts LoadOptions) (*Base, Problems, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	base := &Base{byID: map[string]int{}}
	first := map[string]string{} // id → where it was first defined, per layer
	for fi := range files {
		f := &files[fi]
		for _, e := range f.entries {
			if e.Reviewed.After(now.Add(24 * time.Hour)) {
				probs = append(probs, problemAt(e.Source, "reviewed date %s is in the future", e.Reviewed.Format(time.DateOnly)))
				f.bad = true
			}
			key := fmt.Sprintf("%v/%s", f.deployer, e.ID)
			if prev, dup := first[key]; dup {
				probs = append(probs, problemAt(e.Source, "duplicate id %q (first defined at %s)", e.ID, prev))
				f.bad = true
				continue
			}
			first[key] = e.Source
		}
	}
	for _, f := range files {
		if f.bad {
			continue
		}
		for _, e := range f.entries {
			if i, ok := base.byID[e.ID]; ok {
				base.Entries[i] = e // a deployer's entry replaces the shipped one
				continue
			}
			base.byID[e.ID] = len(base.Entries)
			base.Entries = append(base.Entries, e)
		}
	}
	sort.SliceStable(probs, func(i, j int) bool {
		if probs[i].File != probs[j].File {
			return probs[i].File < probs[j].File
		}
		return probs[i].Line < probs[j].Line
	})
	if len(probs) > 0 && !opts.Lenient {
		return nil, probs, probs
	}
	return base, probs, nil
}

func problemAt(source, format string, args ...any) Problem {
	file, line := source, 0
	if i := strings.LastIndexByte(source, ':'); i > 0 {
		file = source[:i]
		fmt.Sscanf(source[i+1:], "%d", &line)
	}
	return Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// rawEntry is an entry as written in YAML.
type rawEntry struct {
	ID        string   `yaml:"id"`
	Category  string   `yaml:"category"`
	Question  string   `yaml:"question"`
	Phrasings []string `yaml:"phrasings"`
	Answer    string   `yaml:"answer"`
	Citations []string `yaml:"citations"`
	NextSteps []string `yaml:"next_steps"`
	Tags      []string `yaml:"tags"`
	Reviewed  string   `yaml:"reviewed"`
	Urgent    bool     `yaml:"urgent"`
}

var knownFields = map[string]bool{
	"id": true, "category": true, "question": true, "phrasings": true, "answer": true,
	"citations": true, "next_steps": true, "tags": true, "reviewed": true, "urgent": true,
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{2,63}$`)

// parseFile parses and validates one file; on any problem the file is
// marked bad so that none of it loads.
func parseFile(name string, b []byte, deployer bool) (loadedFile, Problems) {
	f := loadedFile{name: name, deployer: deployer}
	var probs Problems
	bad := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case len(b) > MaxFileBytes:
		bad(1, "file is %d bytes, more than the %d allowed; split it by topic", len(b), MaxFileBytes)
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		bad(1, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM")
	case !utf8.Valid(b):
		bad(invalidUTF8Line(b), "not valid UTF-8 (GBK or another encoding?); save the file as UTF-8")
	}
	if len(probs) == 0 {
		for i, l := range bytes.Split(b, []byte("\n")) {
			indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
			if bytes.IndexByte(indent, '\t') >= 0 {
				bad(i+1, "tab used for indentation; YAML needs spaces")
			}
		}
	}
	if len(probs) > 0 {
		f.bad = true
		return f, probs
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		bad(yamlErrLine(err), "not valid YAML: %s", yamlErrMsg(err))
		f.bad = true
		return f, probs
	}
	// yaml.Unmarshal would read the first document only: entries after a
	// second "---" would not load, without a word.
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		line := more.Line
		if err != nil {
			line = yamlErrLine(err)
		}
		bad(line, "a second YAML document (after \"---\"); keep the file one list of entries")
		f.bad = true
		return f, probs
	}
	if len(doc.Content) == 0 {
		return f, nil // an empty file holds no entries
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		bad(list.Line, "want a list of entries (each starting with \"- id: ...\")")
		f.bad = true
		return f, probs
	}
	for _, n := range list.Content {
		e, ps := parseEntry(name, n)
		probs = append(probs, ps...)
		if len(ps) == 0 {
			f.entries = append(f.entries, e)
		}
	}
	f.bad = len(probs) > 0
	return f, probs
}

func invalidUTF8Line(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscanf(m[1], "%d", &n)
		return n
	}
	return 1
}

func yamlErrMsg(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

func parseEntry(file string, n *yaml.Node) (Entry, Problems) {
	var probs Problems
	bad := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "entry is not a mapping of fields")
		return Entry{}, probs
	}
	lines := map[string]int{}
	var citationLines []int
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !knownFields[k.Value] {
			bad(k.Line, "unknown field %q", k.Value)
		}
		lines[k.Value] = k.Line
		if k.Value == "citations" {
			citationLines = nil
			for _, c := range n.Content[i+1].Content {
				citationLines = append(citationLines, c.Line)
			}
		}
	}
	var r rawEntry
	if err := n.Decode(&r); err != nil {
		bad(n.Line, "fields of the wrong type: %s", yamlErrMsg(err))
		return Entry{}, probs
	}
	at := func(field string) int {
		if l, ok := lines[field]; ok {
			return l
		}
		return n.Line
	}
	e := Entry{
		ID: strings.TrimSpace(r.ID), Category: strings.TrimSpace(r.Category),
		Question: strings.TrimSpace(r.Question), Answer: strings.TrimSpace(r.Answer),
		Urgent: r.Urgent, Source: fmt.Sprintf("%s:%d", file, n.Line),
	}
	if !idPattern.MatchString(e.ID) {
		bad(at("id"), "id %q: use 3-64 lowercase letters, digits, '-' or '_'", e.ID)
	}
	if CategoryName(e.Category) == "" {
		bad(at("category"), "unknown category %q (known: %s)", e.Category, categoryKeys())
	}
	checkText(bad, at("question"), "question", e.Question, MaxQuestionRunes)
	checkText(bad, at("answer"), "answer", e.Answer, MaxAnswerRunes)
	seen := map[string]bool{e.Question: true}
	for _, p := range r.Phrasings {
		p = strings.TrimSpace(p)
		checkText(bad, at("phrasings"), "phrasing", p, MaxPhrasingRunes)
		if seen[p] {
			bad(at("phrasings"), "phrasing %q repeats the question or another phrasing", p)
		}
		seen[p] = true
		e.Phrasings = append(e.Phrasings, p)
	}
	if len(e.Phrasings) < MinPhrasings || len(e.Phrasings) > MaxPhrasings {
		bad(at("phrasings"), "%d phrasings; want %d to %d ways residents ask it", len(e.Phrasings), MinPhrasings, MaxPhrasings)
	}
	if len(r.Citations) == 0 || len(r.Citations) > MaxCitations {
		bad(at("citations"), "%d citations; want 1 to %d articles the answer rests on", len(r.Citations), MaxCitations)
	}
	for i, c := range r.Citations {
		line := at("citations")
		if i < len(citationLines) {
			line = citationLines[i] // the line of the citation itself
		}
		cit, err := ParseCitation(c)
		if err != nil {
			bad(line, "%v", err)
			continue
		}
		if msg := Repealed(cit.Law); msg != "" {
			bad(line, "%s: %s", cit, msg)
		}
		e.Citations = append(e.Citations, cit)
	}
	if len(r.NextSteps) == 0 {
		bad(at("next_steps"), "no next_steps; name at least one service (e.g. adviser, legal_aid, mediation, 12348)")
	}
	for _, s := range r.NextSteps {
		if _, ok := StepByKey(s); !ok {
			bad(at("next_steps"), "unknown next step %q", s)
		}
	}
	e.NextSteps = r.NextSteps
	e.Tags = r.Tags
	if d, err := time.Parse(time.DateOnly, strings.TrimSpace(r.Reviewed)); err != nil {
		bad(at("reviewed"), "reviewed %q: want a date like 2026-01-31", r.Reviewed)
	} else {
		e.Reviewed = d
	}
	if e.Urgent && !leadsWithEmergency(e.Answer) {
		bad(at("answer"), "urgent entry: the first sentence must give the emergency step (110, 120, 122, 96110 ...)")
	}
	return e, probs
}

func checkText(bad func(int, string, ...any), line int, what, s string, max int) {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		bad(line, "%s is empty", what)
	case n > max:
		bad(line, "%s has %d characters, more than %d", what, n, max)
	}
}

func categoryKeys() string {
	keys := make([]string, len(Categories))
	for i, c := range Categories {
		keys[i] = c.Key
	}
	return strings.Join(keys, ", ")
}

// repealedLaws were replaced (mostly by the Civil Code on 2021-01-01); an
// answer citing them would be wrong today.
var repealedLaws = map[string]string{
	"婚姻法":     "repealed 2021-01-01; cite the 民法典 婚姻家庭编",
	"继承法":     "repealed 2021-01-01; cite the 民法典 继承编",
	"合同法":     "repealed 2021-01-01; cite the 民法典 合同编",
	"物权法":     "repealed 2021-01-01; cite the 民法典 物权编",
	"侵权责任法":   "repealed 2021-01-01; cite the 民法典 侵权责任编",
	"担保法":     "repealed 2021-01-01; cite the 民法典",
	"收养法":     "repealed 2021-01-01; cite the 民法典",
	"民法通则":    "repealed 2021-01-01; cite the 民法典 总则编",
	"民法总则":    "repealed 2021-01-01; cite the 民法典 总则编",
	"信访条例":    "replaced by 信访工作条例 (2022)",
	"治安管理处罚法": "revised with new article numbers from 2026-01-01; the imported text may be the old numbering",
}

// Repealed says why a law may not be cited any more ("" when it may).
func Repealed(law string) string {
	n := NormalizeLawName(law)
	if msg, ok := repealedLaws[n]; ok {
		return msg
	}
	for old := range repealedLaws {
		if strings.Contains(n, "《"+old+"》") {
			return "interpretation of a repealed law"
		}
	}
	return ""
}

// emergencyMarks are what an urgent answer's first sentence must contain.
var emergencyMarks = []string{"110", "120", "122", "96110", "12338", "报警"}

func leadsWithEmergency(answer string) bool {
	first := answer
	if i := strings.IndexAny(answer, "。！\n"); i >= 0 {
		first = answer[:i]
	}
	for _, m := range emergencyMarks {
		if strings.Contains(first, m) {
			return true
		}
	}
	return false
}
