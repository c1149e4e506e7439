package knowledge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Article is one imported statute article.
type Article struct {
	ID    string `json:"id"`    // the collection's id, or one lawbot assigned
	Law   string `json:"law"`   // the law's name as the collection writes it
	Label string `json:"label"` // 第一千零七十九条
	No    int    `json:"no"`
	Sub   int    `json:"sub,omitempty"`
	Text  string `json:"text"`
}

// Key identifies the article independently of how its law is named.
func (a Article) Key() ArticleKey {
	return ArticleKey{Law: NormalizeLawName(a.Law), No: a.No, Sub: a.Sub}
}

// Title renders 《法律名称》第N条.
func (a Article) Title() string { return "《" + a.Law + "》" + a.Label }

// Limits on imported records; a larger one is rejected, not truncated.
const (
	maxLawName     = 120
	maxArticleText = 20000
	maxLineBytes   = 1 << 20
)

// RecordError is one rejected record: where it was and why.
type RecordError struct {
	File string
	Line int
	Err  error
}

func (e RecordError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// ImportErrors collects every rejected record of an import.
type ImportErrors []RecordError

func (es ImportErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// corpusRecord is the JSONL form statute collections (and lawbot's eval
// corpus) use: {id, law, article, article_no, text}.
type corpusRecord struct {
	ID        json.RawMessage `json:"id"`
	Law       string          `json:"law"`
	Article   string          `json:"article"`
	ArticleNo *int            `json:"article_no"`
	Text      string          `json:"text"`
}

// ReadStatutesJSONL reads one article per line. Malformed records are
// collected in the returned ImportErrors (with their line numbers) while the
// good ones are kept; progress, when not nil, is called every 1000 lines.
func ReadStatutesJSONL(r io.Reader, name string, progress func(lines int)) ([]Article, ImportErrors, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLineBytes)
	var (
		arts []Article
		errs ImportErrors
		line int
	)
	for sc.Scan() {
		line++
		if progress != nil && line%1000 == 0 {
			progress(line)
		}
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		a, err := parseCorpusRecord(raw)
		if err != nil {
			errs = append(errs, RecordError{File: name, Line: line, Err: err})
			continue
		}
		arts = append(arts, a)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			errs = append(errs, RecordError{File: name, Line: line + 1, Err: fmt.Errorf("line longer than %d bytes; import stopped here", maxLineBytes)})
			return arts, errs, nil
		}
		return arts, errs, fmt.Errorf("read %s: %w", name, err)
	}
	return arts, errs, nil
}

func parseCorpusRecord(raw []byte) (Article, error) {
	if !utf8.Valid(raw) {
		return Article{}, errors.New("not valid UTF-8 (convert the file to UTF-8)")
	}
	var rec corpusRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Article{}, fmt.Errorf("not a JSON object: %v", err)
	}
	id, err := jsonID(rec.ID)
	switch {
	case err != nil:
		return Article{}, fmt.Errorf(`bad "id": %v`, err)
	case id == "":
		return Article{}, errors.New(`missing "id"`)
	case len(id) > 64:
		return Article{}, errors.New(`"id" longer than 64 characters`)
	}
	a := Article{ID: id, Law: strings.TrimSpace(rec.Law), Text: strings.TrimSpace(rec.Text)}
	if err := checkLawAndText(a.Law, a.Text); err != nil {
		return Article{}, err
	}
	label := strings.TrimSpace(rec.Article)
	if label == "" && rec.ArticleNo == nil {
		return Article{}, errors.New(`missing "article" and "article_no"`)
	}
	if label != "" {
		no, sub, rest, err := ParseArticleLabel(label)
		if err != nil || rest != "" {
			return Article{}, fmt.Errorf("bad \"article\" %q: want 第N条", label)
		}
		if rec.ArticleNo != nil && *rec.ArticleNo != no {
			return Article{}, fmt.Errorf("\"article\" %q does not match \"article_no\" %d", label, *rec.ArticleNo)
		}
		a.No, a.Sub = no, sub
	} else {
		if *rec.ArticleNo <= 0 || *rec.ArticleNo > 10000 {
			return Article{}, fmt.Errorf("bad \"article_no\" %d", *rec.ArticleNo)
		}
		a.No = *rec.ArticleNo
	}
	a.Label = ArticleLabel(a.No, a.Sub)
	return a, nil
}

// jsonID reads an id written as a JSON string or number; null or no id is "".
func jsonID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return strings.TrimSpace(s), nil
	case raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9':
		return string(raw), nil
	}
	return "", fmt.Errorf("want a string or a number, not %s", raw)
}

func checkLawAndText(law, text string) error {
	switch {
	case law == "":
		return errors.New(`missing "law"`)
	case utf8.RuneCountInString(law) > maxLawName:
		return fmt.Errorf("law name longer than %d characters", maxLawName)
	case text == "":
		return errors.New(`missing "text"`)
	case utf8.RuneCountInString(text) > maxArticleText:
		return fmt.Errorf("article text longer than %d characters", maxArticleText)
	}
	return nil
}

// ReadStatutesMarkdown reads one law from a Markdown file laid out as the
// public collections are: the law's name in the first "# " heading (else the
// file name), then each article starting a paragraph or heading with 第N条.
// Text before the first article (preamble, table of contents) and chapter
// headings are skipped. Article ids are "<law>#<no>".
func ReadStatutesMarkdown(r io.Reader, name string) ([]Article, ImportErrors, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLineBytes)
	law := ""
	var (
		arts  []Article
		errs  ImportErrors
		cur   *Article
		start int
		body  []string
	)
	flush := func() {
		if cur == nil {
			return
		}
		cur.Text = strings.TrimSpace(strings.Join(body, "\n"))
		if err := checkLawAndText(cur.Law, cur.Text); err != nil {
			errs = append(errs, RecordError{File: name, Line: start, Err: err})
		} else {
			arts = append(arts, *cur)
		}
		cur, body = nil, nil
	}
	seen := map[ArticleKey]int{}
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if !utf8.ValidString(text) {
			errs = append(errs, RecordError{File: name, Line: line, Err: errors.New("not valid UTF-8 (convert the file to UTF-8)")})
			return nil, errs, nil
		}
		t := strings.TrimSpace(text)
		h := strings.TrimSpace(strings.TrimLeft(t, "#"))
		h = strings.TrimSpace(strings.Trim(h, "*"))
		if law == "" && strings.HasPrefix(t, "# ") {
			law = h
			continue
		}
		if no, sub, rest, err := ParseArticleLabel(h); err == nil {
			flush()
			if law == "" {
				law = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
			}
			k := ArticleKey{Law: NormalizeLawName(law), No: no, Sub: sub}
			if prev, dup := seen[k]; dup {
				errs = append(errs, RecordError{File: name, Line: line, Err: fmt.Errorf("%s appears twice (first at line %d)", ArticleLabel(no, sub), prev)})
				continue
			}
			seen[k] = line
			cur = &Article{Law: law, No: no, Sub: sub, Label: ArticleLabel(no, sub)}
			cur.ID = law + "#" + strconv.Itoa(no)
			if sub > 0 {
				cur.ID += "-" + strconv.Itoa(sub)
			}
			start = line
			body = []string{strings.TrimSpace(strings.Trim(rest, "*"))}
			continue
		}
		if strings.HasPrefix(t, "#") {
			// A chapter or section heading ends the article before it.
			flush()
			continue
		}
		if cur != nil {
			body = append(body, t)
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return arts, errs, fmt.Errorf("read %s: %w", name, err)
	}
	return arts, errs, nil
}

// ReadStatutes imports a .jsonl file, a .md file, or every .jsonl and .md
// file below a directory (in name order).
func ReadStatutes(path string, progress func(file string, lines int)) ([]Article, ImportErrors, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("import statutes: %w", err)
	}
	var files []string
	if st.IsDir() {
		err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".jsonl" || ext == ".md") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("import statutes: %w", err)
		}
		sort.Strings(files)
	} else {
		files = []string{path}
	}
	var (
		all  []Article
		errs ImportErrors
	)
	for _, f := range files {
		arts, ferrs, err := readStatuteFile(f, progress)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, arts...)
		errs = append(errs, ferrs...)
	}
	return all, errs, nil
}

func readStatuteFile(path string, progress func(file string, lines int)) ([]Article, ImportErrors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("import statutes: %w", err)
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(path), ".md") {
		return ReadStatutesMarkdown(f, path)
	}
	var p func(int)
	if progress != nil {
		p = func(n int) { progress(path, n) }
	}
	return ReadStatutesJSONL(f, path, p)
}
