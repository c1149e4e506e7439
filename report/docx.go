package report

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Fonts and sizes (half-points) of the document, after GB/T 9704: the body
// in 仿宋_GB2312 三号, headings in 黑体 三号, the title in 宋体 二号 bold;
// tables in 五号. Latin text and digits are in Times New Roman.
const (
	fontBody    = "仿宋_GB2312"
	fontHeading = "黑体"
	fontTitle   = "宋体"
	fontLatin   = "Times New Roman"
	sizeBody    = 32 // 三号, 16 pt
	sizeTitle   = 44 // 二号, 22 pt
	sizeTable   = 21 // 五号, 10.5 pt
)

// A4 in twentieths of a point, with the margins of GB/T 9704 (top 37 mm,
// bottom 35 mm, left 28 mm, right 26 mm).
const (
	pageW, pageH            = 11906, 16838
	marginTop, marginBottom = 2098, 1984
	marginLeft, marginRight = 1587, 1474
	textWidth               = pageW - marginLeft - marginRight
)

// Namespaces, relationship and content types of the package's parts.
const (
	xmlHeader     = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	wordNS        = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	officeRelNS   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	relsNS        = "http://schemas.openxmlformats.org/package/2006/relationships"
	corePropsNS   = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
	docRelType    = officeRelNS + "/officeDocument"
	stylesRelType = officeRelNS + "/styles"
	coreRelType   = relsNS + "/metadata/core-properties"
	wordMIME      = "application/vnd.openxmlformats-officedocument.wordprocessingml"
)

// zipTime is the modification time of every part, so that the same report
// gives the same file.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteDocx writes the report as a Word document (.docx) for staff to open
// and paste into their annual report: the title and period, the sentences
// as one paragraph, a check table with each written figure beside its
// exact value and counting rule, and the categories asked about most.
// banner, when not empty, heads the document in bold red (the demo-data
// notice).
func WriteDocx(w io.Writer, a *Annual, banner string) error {
	var doc docxBody
	doc.para("Title", a.title())
	doc.para("Period", a.period())
	if banner != "" {
		doc.para("Banner", banner)
	}
	doc.para("Heading1", "一、报告用语")
	doc.para("", strings.Join(a.Sentences(), ""))
	doc.para("Heading1", "二、核对表（报告写法／实数／统计口径）")
	rows := [][]string{{"项目", "报告写法", "实数", "统计口径"}}
	for _, f := range a.Figures {
		rows = append(rows, []string{f.Name, f.Written(), f.ExactText(), f.Rule})
	}
	doc.table([]int{1600, 1300, 2300, textWidth - 5200}, rows)
	if len(a.TopCategories) > 0 {
		doc.para("Heading1", "三、咨询较多的类别")
		rows := [][]string{{"类别", "咨询次数"}}
		for _, c := range a.TopCategories {
			rows = append(rows, []string{c.Name, fmt.Sprintf("%d次", c.Count)})
		}
		doc.table([]int{textWidth / 2, textWidth - textWidth/2}, rows)
	}

	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"docProps/core.xml", coreProps(a.title())},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/document.xml", doc.document()},
		{"word/styles.xml", styles},
	}
	zw := zip.NewWriter(w)
	for _, p := range parts {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return fmt.Errorf("report: write docx: %w", err)
		}
		if _, err := io.WriteString(fw, p.body); err != nil {
			return fmt.Errorf("report: write docx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report: write docx: %w", err)
	}
	return nil
}

// docxBody collects the body of word/document.xml.
type docxBody struct{ sb strings.Builder }

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var sb strings.Builder
	xml.EscapeText(&sb, []byte(s)) // writes to a strings.Builder: no error
	return sb.String()
}

// run writes text as runs, a line break for each newline.
func run(sb *strings.Builder, text string) {
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			sb.WriteString(`<w:r><w:br/></w:r>`)
		}
		fmt.Fprintf(sb, `<w:r><w:t xml:space="preserve">%s</w:t></w:r>`, esc(line))
	}
}

// para adds a paragraph of style ("" is the body text).
func (d *docxBody) para(style, text string) {
	d.sb.WriteString(`<w:p>`)
	if style != "" {
		fmt.Fprintf(&d.sb, `<w:pPr><w:pStyle w:val="%s"/></w:pPr>`, style)
	}
	run(&d.sb, text)
	d.sb.WriteString(`</w:p>`)
}

// table adds a bordered table whose first row is a header, repeated on
// every page; widths are the columns' in twentieths of a point.
func (d *docxBody) table(widths []int, rows [][]string) {
	sb := &d.sb
	sb.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(sb, `<w:gridCol w:w="%d"/>`, w)
	}
	sb.WriteString(`</w:tblGrid>`)
	for i, row := range rows {
		sb.WriteString(`<w:tr>`)
		if i == 0 {
			sb.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for j, cell := range row {
			fmt.Fprintf(sb, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>`, widths[j])
			if i == 0 {
				fmt.Fprintf(sb, `<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>`, esc(cell))
			} else {
				run(sb, cell)
			}
			sb.WriteString(`</w:p></w:tc>`)
		}
		sb.WriteString(`</w:tr>`)
	}
	sb.WriteString(`</w:tbl>`)
	// Word needs a paragraph between two tables, and after the last.
	d.sb.WriteString(`<w:p/>`)
}

func (d *docxBody) document() string {
	return xmlHeader + `<w:document xmlns:w="` + wordNS + `" xmlns:r="` + officeRelNS + `"><w:body>` + d.sb.String() +
		fmt.Sprintf(`<w:sectPr><w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`,
			pageW, pageH, marginTop, marginRight, marginBottom, marginLeft) +
		`</w:body></w:document>`
}

var contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="` + wordMIME + `.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="` + wordMIME + `.styles+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`</Types>`

var packageRels = xmlHeader + `<Relationships xmlns="` + relsNS + `">` +
	`<Relationship Id="rId1" Type="` + docRelType + `" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="` + coreRelType + `" Target="docProps/core.xml"/>` +
	`</Relationships>`

var documentRels = xmlHeader + `<Relationships xmlns="` + relsNS + `">` +
	`<Relationship Id="rId1" Type="` + stylesRelType + `" Target="styles.xml"/>` +
	`</Relationships>`

func coreProps(title string) string {
	return xmlHeader + `<cp:coreProperties xmlns:cp="` + corePropsNS + `" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
		`<dc:title>` + esc(title) + `</dc:title><dc:creator>lawbot</dc:creator><dc:language>zh-CN</dc:language></cp:coreProperties>`
}

// fonts is a w:rFonts element: Latin text in fontLatin, Chinese in east.
func fonts(east string) string {
	return fmt.Sprintf(`<w:rFonts w:ascii="%s" w:hAnsi="%s" w:eastAsia="%s" w:cs="%s"/>`, fontLatin, fontLatin, east, fontLatin)
}

func size(halfPoints int) string {
	return fmt.Sprintf(`<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, halfPoints, halfPoints)
}

// styles: the body indented two characters with a fixed 28 pt line, as in
// official documents; headings and the title without indent.
var styles = xmlHeader + `<w:styles xmlns:w="` + wordNS + `">` +
	`<w:docDefaults><w:rPrDefault><w:rPr>` + fonts(fontBody) + size(sizeBody) +
	`<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="560" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:spacing w:before="240" w:after="240" w:line="240" w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr>` +
	`<w:rPr>` + fonts(fontTitle) + `<w:b/><w:bCs/>` + size(sizeTitle) + `</w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Period"><w:name w:val="Period"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr><w:rPr>` + fonts("楷体_GB2312") + `</w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Banner"><w:name w:val="Banner"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val="C00000"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:spacing w:before="240"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr>` + fonts(fontHeading) + `</w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/>` +
	`<w:pPr><w:spacing w:line="300" w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/></w:pPr><w:rPr>` + size(sizeTable) + `</w:rPr></w:style>` +
	`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>` +
	`<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders>` +
	`<w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`<w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`</w:tblBorders></w:tblPr></w:style>` +
	`</w:styles>`
