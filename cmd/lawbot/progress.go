package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws "label [#####.....] done/total" on one terminal line,
// at most ten times a second.
type progressBar struct {
	w     io.Writer
	label string
	last  time.Time
	shown bool
}

func newProgressBar(w io.Writer, label string) *progressBar {
	return &progressBar{w: w, label: label}
}

func (p *progressBar) update(done, total int) {
	if total <= 0 || (time.Since(p.last) < 100*time.Millisecond && done < total) {
		return
	}
	p.last = time.Now()
	const width = 30
	n := done * width / total
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d", p.label, strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
	p.shown = true
}

func (p *progressBar) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
