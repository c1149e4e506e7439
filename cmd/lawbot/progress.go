package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar draws "label [#####.....] done/total" on one terminal line,
// at most ten times a second. When the output is not a terminal (a log
// file, CI) it prints a plain line at every tenth instead.
type progressBar struct {
	w     io.Writer
	label string
	tty   bool
	last  time.Time
	tenth int
	shown bool
}

func newProgressBar(w io.Writer, label string) *progressBar {
	p := &progressBar{w: w, label: label, tenth: -1}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progressBar) update(done, total int) {
	if total <= 0 {
		return
	}
	if !p.tty {
		if t := done * 10 / total; t != p.tenth {
			p.tenth = t
			fmt.Fprintf(p.w, "%s %d/%d (%d%%)\n", p.label, done, total, t*10)
		}
		return
	}
	if time.Since(p.last) < 100*time.Millisecond && done < total {
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

// count shows how many lines of a file have been read when the total is
// not known in advance.
func (p *progressBar) count(file string, lines int) {
	if !p.tty {
		if lines%10000 == 0 {
			fmt.Fprintf(p.w, "%s %s: %d\n", p.label, file, lines)
		}
		return
	}
	fmt.Fprintf(p.w, "\r%s %s：%d 行", p.label, file, lines)
	p.shown = true
}
