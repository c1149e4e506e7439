package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/lawbot/lawbot/report"
)

// docxPart reads one part of a Word package.
func docxPart(t *testing.T, zr *zip.Reader, name string) []byte {
	t.Helper()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("docx has no %s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return b
}

// wellFormed decodes every token of an XML part.
func wellFormed(t *testing.T, name string, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
	}
}

// docxText returns the text of word/document.xml: one line per paragraph
// outside tables, one line per table row with its cells joined by " | ".
func docxText(t *testing.T, b []byte) []string {
	t.Helper()
	const w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	d := xml.NewDecoder(bytes.NewReader(b))
	var lines, cells []string
	var text strings.Builder
	inTable, inText := 0, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return lines
		}
		if err != nil {
			t.Fatalf("document.xml: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Space != w {
				t.Fatalf("document.xml: element %s outside the WordprocessingML namespace", tok.Name.Local)
			}
			switch tok.Name.Local {
			case "tbl":
				inTable++
			case "tr":
				cells = nil
			case "t":
				inText = true
			}
		case xml.CharData:
			if inText {
				text.Write(tok)
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "t":
				inText = false
			case "tbl":
				inTable--
			case "tc":
				cells = append(cells, text.String())
				text.Reset()
			case "tr":
				lines = append(lines, strings.Join(cells, " | "))
			case "p":
				if inTable == 0 && text.Len() > 0 {
					lines = append(lines, text.String())
					text.Reset()
				}
			}
		}
	}
}

func TestWriteDocx(t *testing.T) {
	a, err := report.Year(context.Background(), fixtureStore(t), 2025, fixtureNow)
	if err != nil {
		t.Fatalf("Year(2025) = %v", err)
	}
	var buf bytes.Buffer
	if err := report.WriteDocx(&buf, a, ""); err != nil {
		t.Fatalf("WriteDocx() = %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("the docx is not a zip file: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		parts[f.Name] = docxPart(t, zr, f.Name)
		wellFormed(t, f.Name, parts[f.Name])
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels", "word/document.xml", "word/styles.xml"} {
		if parts[name] == nil {
			t.Errorf("docx lacks %s", name)
		}
	}
	types := string(parts["[Content_Types].xml"])
	for _, want := range []string{`PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"`,
		`PartName="/word/styles.xml"`, `Extension="rels"`} {
		if !strings.Contains(types, want) {
			t.Errorf("[Content_Types].xml lacks %s", want)
		}
	}
	if !strings.Contains(string(parts["_rels/.rels"]), `Target="word/document.xml"`) {
		t.Error("_rels/.rels does not point at word/document.xml")
	}
	styles := string(parts["word/styles.xml"])
	for _, want := range []string{`w:eastAsia="仿宋_GB2312"`, `w:eastAsia="黑体"`, `w:eastAsia="zh-CN"`, `w:styleId="Heading1"`, `w:styleId="TableGrid"`} {
		if !strings.Contains(styles, want) {
			t.Errorf("styles.xml lacks %s", want)
		}
	}
	doc := parts["word/document.xml"]
	if !bytes.Contains(doc, []byte(`<w:pgSz w:w="11906" w:h="16838"/>`)) {
		t.Error("document.xml: page is not A4")
	}

	// The text: title, period, the sentences as one paragraph, and a row
	// for every figure with its written and exact values and rule.
	lines := docxText(t, doc)
	golden(t, "year-2025.docx.golden", []byte(strings.Join(lines, "\n")+"\n"))
	if want := strings.Join(a.Sentences(), ""); !slices.Contains(lines, want) {
		t.Errorf("document lacks the sentences %q", want)
	}
	for _, f := range a.Figures {
		if row := strings.Join([]string{f.Name, f.Written(), f.ExactText(), f.Rule}, " | "); !slices.Contains(lines, row) {
			t.Errorf("document lacks the row %q", row)
		}
	}
	for _, want := range []string{"270余次", "273次", "3000余人", "3046人", "12场次", "15幅", "99.31%（144/145）"} {
		if !strings.Contains(strings.Join(lines, "\n"), want) {
			t.Errorf("document lacks %q", want)
		}
	}

	// The same report gives the same file; a banner heads it.
	var again, banner bytes.Buffer
	report.WriteDocx(&again, a, "")
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("WriteDocx wrote two different files for one report")
	}
	if err := report.WriteDocx(&banner, a, "【演示数据，并非真实统计】"); err != nil {
		t.Fatal(err)
	}
	zr, _ = zip.NewReader(bytes.NewReader(banner.Bytes()), int64(banner.Len()))
	if lines := docxText(t, docxPart(t, zr, "word/document.xml")); len(lines) < 3 || lines[2] != "【演示数据，并非真实统计】" {
		t.Errorf("document with a banner starts %q, want the banner after the title and period", lines[:3])
	}
}

func TestWriteDocxEscapes(t *testing.T) {
	a := emptyYear(t)
	a.Figures[0].Name = `<法律咨询 & "其他">`
	var buf bytes.Buffer
	if err := report.WriteDocx(&buf, a, "a < b & c"); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	doc := docxPart(t, zr, "word/document.xml")
	wellFormed(t, "word/document.xml", doc)
	text := strings.Join(docxText(t, doc), "\n")
	if !strings.Contains(text, `<法律咨询 & "其他">`) || !strings.Contains(text, "a < b & c") {
		t.Errorf("document text = %q, want the names as written", text)
	}
}
