package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/bbvi"
)

// progressBar is a one-line terminal progress display, redrawn in place with a
// carriage return after every ELBO evaluation of a fit:
//
//	2400/20000 [===>                ] ELBO -231.42  rel 1.2e-03  1.3s
type progressBar struct {
	w     io.Writer
	start time.Time
	cells int // width of the bar between the brackets
	last  int // length of the line last drawn, to blank out leftovers
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	return &progressBar{w: w, start: time.Now(), cells: 24}
}

// update redraws the line for p; it is a bbvi.Settings.Progress callback.
func (b *progressBar) update(p bbvi.Progress) {
	frac := 0.0
	if p.MaxSteps > 0 {
		frac = math.Min(1, float64(p.Step)/float64(p.MaxSteps))
	}
	fill := int(frac * float64(b.cells))
	bar := strings.Repeat("=", fill)
	if fill < b.cells {
		bar += ">" + strings.Repeat(" ", b.cells-fill-1)
	}
	rel := "   -   "
	if !math.IsNaN(p.RelChange) && !math.IsInf(p.RelChange, 0) {
		rel = fmt.Sprintf("%.1e", p.RelChange)
	}
	width := len(fmt.Sprint(p.MaxSteps))
	line := fmt.Sprintf("%*d/%d [%s] ELBO %-10s rel %s  %s", width, p.Step, p.MaxSteps, bar, formatELBO(p.ELBO), rel, elapsed(time.Since(b.start)))
	if p.Averaging {
		line += "  averaging"
	}
	pad := ""
	if n := b.last - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.last = len(line)
	b.drawn = true
}

// finish ends the bar's line, if anything was drawn.
func (b *progressBar) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}
