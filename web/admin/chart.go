package admin

import (
	"fmt"
	"html/template"
	"strings"
)

// bar is one column of a column chart.
type bar struct {
	Key   string // e.g. "2025-05", for data-key
	Label string // under the column, e.g. "5月"
	Value int64  // height
	Text  string // written on the column
}

// Column chart geometry, in SVG user units; the chart scales to the width
// of the screen through its viewBox.
const (
	chartW      = 640
	chartH      = 240
	chartTop    = 22 // room for the number over the tallest column
	chartBottom = 24 // room for the labels
)

var esc = template.HTMLEscapeString

// columnChart draws bars as columns with their numbers written above them.
// The tallest column is top, or the largest value when top is 0.
func columnChart(title string, bars []bar, top int64) template.HTML {
	if top == 0 {
		for _, b := range bars {
			top = max(top, b.Value)
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, esc(title))
	fmt.Fprintf(&sb, `<title>%s</title>`, esc(title))
	plot := float64(chartH - chartTop - chartBottom)
	base := float64(chartH - chartBottom)
	fmt.Fprintf(&sb, `<line class="axis" x1="0" y1="%.1f" x2="%d" y2="%.1f"/>`, base, chartW, base)
	if len(bars) == 0 {
		return template.HTML(sb.String() + `</svg>`)
	}
	slot := float64(chartW) / float64(len(bars))
	width := slot * 0.7
	for i, b := range bars {
		h := 0.0
		if top > 0 {
			h = plot * float64(b.Value) / float64(top)
		}
		x := slot*float64(i) + (slot-width)/2
		cx := slot*float64(i) + slot/2
		fmt.Fprintf(&sb, `<g class="bar" data-key="%s"><title>%s：%s</title>`, esc(b.Key), esc(b.Label), esc(b.Text))
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x, base-h, width, h)
		fmt.Fprintf(&sb, `<text class="v" x="%.1f" y="%.1f">%s</text>`, cx, base-h-5, esc(b.Text))
		fmt.Fprintf(&sb, `<text class="l" x="%.1f" y="%d">%s</text></g>`, cx, chartH-6, esc(b.Label))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// barList draws shares as horizontal bars, name on the left and the count
// after the bar.
func barList(title string, items []share) template.HTML {
	const rowH, labelW, width, numW = 26, 140, 640, 140
	h := rowH*len(items) + 4
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart hbars" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`,
		width, h, esc(title), esc(title))
	var top int64
	for _, it := range items {
		top = max(top, it.N)
	}
	for i, it := range items {
		y := rowH*i + 2
		w := 0.0
		if top > 0 {
			w = float64(width-labelW-numW) * float64(it.N) / float64(top)
		}
		fmt.Fprintf(&sb, `<g class="bar" data-key="%s">`, esc(it.Name))
		fmt.Fprintf(&sb, `<text class="n" x="%d" y="%d">%s</text>`, labelW-6, y+17, esc(it.Name))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.1f" height="%d"/>`, labelW, y+4, w, rowH-8)
		fmt.Fprintf(&sb, `<text class="v" x="%.1f" y="%d">%d（%s）</text></g>`, float64(labelW)+w+5, y+17, it.N, esc(it.Pct))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}
