package knowledge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Consultation is a past question whose relevant articles were confirmed
// (by the legal adviser, or by experts in an evaluation set). lawbot learns
// from them: a new question like an old one is pointed at the same
// articles.
type Consultation struct {
	ID       string   `json:"id"`
	Query    string   `json:"query"`
	Answer   string   `json:"answer,omitempty"`
	Relevant []string `json:"relevant"`
}

// maxQueryRunes bounds a stored question or answer; longer ones are
// rejected so one pasted document cannot dominate the index.
const maxQueryRunes = 5000

type consultationRecord struct {
	ID       json.RawMessage   `json:"id"`
	Query    string            `json:"query"`
	Answer   string            `json:"answer"`
	Relevant []json.RawMessage `json:"relevant"`
}

// ReadConsultations reads {id?, query, answer?, relevant?} lines. Records
// without relevant articles are kept (they are still queries); malformed
// ones are reported with their line numbers and skipped.
func ReadConsultations(r io.Reader, name string) ([]Consultation, ImportErrors, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLineBytes)
	var (
		out  []Consultation
		errs ImportErrors
		line int
	)
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		if len(raw) == 0 {
			continue
		}
		c, err := parseConsultation(raw)
		if err != nil {
			errs = append(errs, RecordError{File: name, Line: line, Err: err})
			continue
		}
		if c.ID == "" {
			c.ID = strconv.Itoa(line)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return out, errs, fmt.Errorf("read %s: %w", name, err)
	}
	return out, errs, nil
}

func parseConsultation(raw []byte) (Consultation, error) {
	if !utf8.Valid(raw) {
		return Consultation{}, errors.New("not valid UTF-8")
	}
	var rec consultationRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Consultation{}, fmt.Errorf("not a JSON object: %v", err)
	}
	id, err := jsonID(rec.ID)
	if err != nil {
		return Consultation{}, fmt.Errorf(`bad "id": %v`, err)
	}
	c := Consultation{
		ID:     id,
		Query:  strings.TrimSpace(rec.Query),
		Answer: strings.TrimSpace(rec.Answer),
	}
	if c.Query == "" {
		return Consultation{}, errors.New(`missing "query"`)
	}
	if utf8.RuneCountInString(c.Query) > maxQueryRunes || utf8.RuneCountInString(c.Answer) > maxQueryRunes {
		return Consultation{}, fmt.Errorf("query or answer longer than %d characters", maxQueryRunes)
	}
	for _, r := range rec.Relevant {
		id, err := jsonID(r)
		if err != nil {
			return Consultation{}, fmt.Errorf(`bad id in "relevant": %v`, err)
		}
		if id == "" {
			return Consultation{}, errors.New(`empty id in "relevant"`)
		}
		c.Relevant = append(c.Relevant, id)
	}
	return c, nil
}

// ReadConsultationsFile is ReadConsultations on a file.
func ReadConsultationsFile(path string) ([]Consultation, ImportErrors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read consultations: %w", err)
	}
	defer f.Close()
	return ReadConsultations(f, path)
}

// Consultations turns the base's entries into past consultations: each way
// of asking an entry, with its answer, points at the articles the entry
// cites (those that resolve in st). The statute search learns from them as
// it learns from the office's own history.
func (b *Base) Consultations(st *Statutes) []Consultation {
	var out []Consultation
	for _, e := range b.Entries {
		var rel []string
		for _, c := range e.Citations {
			if a, ok := st.Resolve(c); ok {
				rel = append(rel, a.ID)
			}
		}
		if len(rel) == 0 {
			continue
		}
		for i, q := range append([]string{e.Question}, e.Phrasings...) {
			out = append(out, Consultation{ID: fmt.Sprintf("faq:%s:%d", e.ID, i), Query: q, Answer: e.Answer, Relevant: rel})
		}
	}
	return out
}
