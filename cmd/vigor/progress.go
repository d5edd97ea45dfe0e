package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/vae"
)

// isTerminal reports whether f is a terminal, where a progress bar redrawn in
// place makes sense. Pipes, files and character devices that are not terminals,
// such as /dev/null, are not.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

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

// newProgressBar returns a bar that draws on w, its clock started now.
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

// drawLine redraws the bar's line in place.
func (b *progressBar) drawLine(line string) {
	pad := ""
	if n := b.last - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.last = len(line)
	b.drawn = true
}

// bar returns the bar's cells for a fraction done.
func (b *progressBar) bar(frac float64) string {
	frac = math.Max(0, math.Min(1, frac))
	fill := int(frac * float64(b.cells))
	s := strings.Repeat("=", fill)
	if fill < b.cells {
		s += ">" + strings.Repeat(" ", b.cells-fill-1)
	}
	return s
}

// epochBar shows the progress of a training epoch on a terminal:
//
//	epoch 3  200/469 [==========>             ] loss 104.21  5120 img/s  0:04 left
//
// It draws nothing when stderr is not a terminal or with quiet.
type epochBar struct {
	*progressBar
	lastDraw time.Time
}

// newEpochBar returns the bar of a training epoch, which draws nothing unless
// stderr is a terminal and quiet is false.
func newEpochBar(e *env, quiet bool) *epochBar {
	if quiet || !e.isTTY {
		return &epochBar{}
	}
	return &epochBar{progressBar: newProgressBar(e.stderr)}
}

// update is a vae.TrainSettings.Progress callback; it redraws at most ten
// times a second, and always at the end of an epoch.
func (b *epochBar) update(p vae.BatchProgress) {
	if b.progressBar == nil {
		return
	}
	if p.Batch < p.Of && time.Since(b.lastDraw) < 100*time.Millisecond {
		return
	}
	b.lastDraw = time.Now()
	w := len(fmt.Sprint(p.Of))
	b.drawLine(fmt.Sprintf("epoch %d  %*d/%d [%s] loss %.2f  %.0f img/s  %s left", p.Epoch, w, p.Batch, p.Of,
		b.bar(float64(p.Batch)/float64(p.Of)), p.Loss, p.ImagesPerSec, elapsed(p.Left)))
}

// finish ends the bar's line, if anything was drawn.
func (b *epochBar) finish() {
	if b.progressBar != nil {
		b.progressBar.finish()
	}
}

// countBar shows the progress of a long computation: a bar on a terminal;
// elsewhere nothing, or, if made by newCountLog, a line at every tenth of the
// work (for logs of runs that take many minutes).
type countBar struct {
	*progressBar
	label string
	unit  string    // what is counted, in the log lines
	log   io.Writer // non-terminal stderr, or nil
	tenth int       // tenths already logged
}

// newCountBar returns a bar labelled label, which draws nothing unless stderr
// is a terminal and quiet is false.
func newCountBar(e *env, quiet bool, label string) *countBar {
	if quiet || !e.isTTY {
		return &countBar{}
	}
	return &countBar{progressBar: newProgressBar(e.stderr), label: label}
}

// newCountLog is newCountBar that also logs progress lines ("label: 3000/10000
// unit, 5m0s left") when stderr is not a terminal.
func newCountLog(e *env, quiet bool, label, unit string) *countBar {
	if !quiet && !e.isTTY {
		return &countBar{log: e.stderr, label: label, unit: unit}
	}
	return newCountBar(e, quiet, label)
}

// update is a vae.EvalSettings.Progress callback.
func (b *countBar) update(done, total int, el time.Duration) {
	if total == 0 {
		return
	}
	left := time.Duration(0)
	if done > 0 {
		left = time.Duration(float64(el) * float64(total-done) / float64(done))
	}
	if b.log != nil {
		if t := done * 10 / total; t > b.tenth && done < total {
			b.tenth = t
			fmt.Fprintf(b.log, "%s: %d/%d %s, %s left\n", b.label, done, total, b.unit, elapsed(left))
		}
		return
	}
	if b.progressBar == nil {
		return
	}
	b.drawLine(fmt.Sprintf("%s  %d/%d [%s] %s left", b.label, done, total, b.bar(float64(done)/float64(total)), elapsed(left)))
}

// finish ends the bar's line, if anything was drawn.
func (b *countBar) finish() {
	if b.progressBar != nil {
		b.progressBar.finish()
	}
}
