package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
)

// Errors returned for input that cannot be drawn. They are wrapped with
// details, so compare with [errors.Is].
var (
	// ErrNoSeries is returned by LineChart methods when Series is empty.
	ErrNoSeries = errors.New("plot: no series")
	// ErrNoPoints is returned when no point can be drawn: there is no data,
	// or every value is NaN, infinite or (on a log axis) not positive.
	ErrNoPoints = errors.New("plot: no finite points to plot")
	// ErrLength is returned when slices that must be parallel differ in
	// length (X and Y, Class and X, an image and h×w), or when Grid gets
	// more images than cells.
	ErrLength = errors.New("plot: mismatched lengths")
	// ErrSize is returned for a negative, too small or too large image or
	// grid size.
	ErrSize = errors.New("plot: invalid size")
	// ErrClass is returned by Scatter methods for a negative class.
	ErrClass = errors.New("plot: invalid class")
)

// Default size of a chart whose Width or Height is zero.
const (
	DefaultWidth  = 640
	DefaultHeight = 420
)

// maxPixels bounds the size of any image this package allocates.
const maxPixels = 1 << 26

// chartSize applies the defaults to a chart's Width and Height.
func chartSize(w, h int) (int, int, error) {
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	if w < 0 || h < 0 || w > maxPixels/h {
		return 0, 0, fmt.Errorf("%w: %d×%d", ErrSize, w, h)
	}
	return w, h, nil
}

// Layout constants, in pixels.
const (
	margin     = 8  // outer margin
	tickLen    = 5  // length of a major tick mark
	minorLen   = 3  // length of a minor tick mark
	tickGap    = 3  // gap between a tick mark and its label
	minPlot    = 20 // smallest plot area side accepted
	lineHalfW  = 1  // half-width of data lines
	legendPad  = 6  // inner padding of the legend box
	swatchW    = 22 // width of a legend swatch
	legendRowH = textHeight + 4
	maxNameLen = 40 // legend names are truncated to this many characters
)

// frame is a chart being drawn: the image, the plot area and the axes.
type frame struct {
	img    *image.RGBA
	plot   image.Rectangle // data area; the axis box is drawn just outside it
	x, y   axis
	title  string
	xlabel string
	ylabel string
	legend image.Rectangle // where the legend was drawn (empty if none)
}

// bounds is the range of the data along both axes.
type bounds struct {
	xmin, xmax, ymin, ymax float64
	n                      int
}

func newBounds() bounds {
	return bounds{xmin: math.Inf(1), xmax: math.Inf(-1), ymin: math.Inf(1), ymax: math.Inf(-1)}
}

func (b *bounds) add(x, y float64) {
	b.xmin, b.xmax = math.Min(b.xmin, x), math.Max(b.xmax, x)
	b.ymin, b.ymax = math.Min(b.ymin, y), math.Max(b.ymax, y)
	b.n++
}

// makeAxis builds a linear or log axis over [min, max] with about n ticks.
func makeAxis(min, max float64, log bool, n int) axis {
	if log {
		return logAxis(min, max, n)
	}
	return linearAxis(min, max, n)
}

// fitAxis builds an axis over [lo, hi] for a side of length pixels. It
// aims at about length/spacing ticks, but of the tick counts up to two more
// than that it takes the one whose range fits the data most tightly (nice
// numbers can otherwise leave half the axis empty), with a small penalty
// for straying from the aim, among those whose labels do not collide
// (need gives the pixels a tick interval must have for the labels).
func fitAxis(lo, hi float64, log bool, length, spacing int, need func(labels []string) int) axis {
	aim := length/spacing + 1
	var best axis
	bestScore := math.Inf(-1)
	for n := 2; n <= aim+2; n++ {
		a := makeAxis(lo, hi, log, n)
		if n > 2 && len(a.major) > 1 && length/(len(a.major)-1) < need(a.labels) {
			continue // labels would collide
		}
		cover := a.norm(hi) - a.norm(lo)
		if !finite(cover) {
			cover = 0
		}
		score := cover - 0.05*math.Abs(float64(len(a.major)-aim))
		if score > bestScore {
			best, bestScore = a, score
		}
	}
	return best
}

// maxWidth is the width in pixels of the widest label.
func maxWidth(labels []string) int {
	w := 0
	for _, l := range labels {
		w = max(w, textWidth(l))
	}
	return w
}

// newFrame lays out a w×h chart for data within b and draws its
// background and gridlines.
func newFrame(w, h int, title, xlabel, ylabel string, b bounds, logX, logY bool) (*frame, error) {
	f := &frame{
		img:    image.NewRGBA(image.Rect(0, 0, w, h)),
		title:  title,
		xlabel: xlabel,
		ylabel: ylabel,
	}
	top := margin + 2
	if title != "" {
		top += textHeight + 8
	}
	bottom := 1 + tickLen + tickGap + textHeight + margin
	if xlabel != "" {
		bottom += textHeight + 6
	}
	plotH := h - top - bottom
	if plotH < minPlot {
		return nil, fmt.Errorf("%w: %d×%d leaves no room for the plot", ErrSize, w, h)
	}
	f.y = fitAxis(b.ymin, b.ymax, logY, plotH, 45, func([]string) int { return textHeight + 6 })

	left := margin + maxWidth(f.y.labels) + tickGap + tickLen + 1
	if ylabel != "" {
		left += textHeight + 8
	}
	right := 2 * margin
	for try := 0; ; try++ {
		plotW := w - left - right
		if plotW < minPlot {
			return nil, fmt.Errorf("%w: %d×%d leaves no room for the plot", ErrSize, w, h)
		}
		f.x = fitAxis(b.xmin, b.xmax, logX, plotW, 90, func(l []string) int { return maxWidth(l) + 12 })
		// The last x label is centred on the right edge of the plot.
		half := textWidth(f.x.labels[len(f.x.labels)-1])/2 + 4
		if half <= right || try > 0 {
			break
		}
		right = half
	}
	f.plot = image.Rect(left, top, w-right, h-bottom)
	f.drawGrid()
	return f, nil
}

// px maps an x data value to a (fractional) pixel column.
func (f *frame) px(v float64) float64 {
	return float64(f.plot.Min.X) + f.x.norm(v)*float64(f.plot.Dx()-1)
}

// py maps a y data value to a (fractional) pixel row.
func (f *frame) py(v float64) float64 {
	return float64(f.plot.Max.Y-1) - f.y.norm(v)*float64(f.plot.Dy()-1)
}

// point maps a data point to pixel coordinates; ok is false when the
// mapping is not finite.
func (f *frame) point(x, y float64) (p [2]float64, ok bool) {
	p = [2]float64{f.px(x), f.py(y)}
	return p, finite(p[0]) && finite(p[1])
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// drawGrid paints the background and the gridlines.
func (f *frame) drawGrid() {
	fillRect(f.img, f.img.Rect, colBackground)
	vline := func(v float64, c color.RGBA) {
		x := int(math.Round(f.px(v)))
		fillRect(f.img, image.Rect(x, f.plot.Min.Y, x+1, f.plot.Max.Y), c)
	}
	hline := func(v float64, c color.RGBA) {
		y := int(math.Round(f.py(v)))
		fillRect(f.img, image.Rect(f.plot.Min.X, y, f.plot.Max.X, y+1), c)
	}
	for _, v := range f.x.minor {
		vline(v, colGridMinor)
	}
	for _, v := range f.y.minor {
		hline(v, colGridMinor)
	}
	for _, v := range f.x.major {
		vline(v, colGridMajor)
	}
	for _, v := range f.y.major {
		hline(v, colGridMajor)
	}
}

// drawAxes draws the axis box, tick marks, tick labels, axis labels and
// title.
func (f *frame) drawAxes() {
	p := f.plot
	strokeRect(f.img, image.Rect(p.Min.X-1, p.Min.Y-1, p.Max.X+1, p.Max.Y+1), colAxis)
	for _, v := range f.x.minor {
		x := int(math.Round(f.px(v)))
		fillRect(f.img, image.Rect(x, p.Max.Y+1, x+1, p.Max.Y+1+minorLen), colAxis)
	}
	for _, v := range f.y.minor {
		y := int(math.Round(f.py(v)))
		fillRect(f.img, image.Rect(p.Min.X-1-minorLen, y, p.Min.X-1, y+1), colAxis)
	}
	labelTop := p.Max.Y + 1 + tickLen + tickGap
	for i, v := range f.x.major {
		x := int(math.Round(f.px(v)))
		fillRect(f.img, image.Rect(x, p.Max.Y+1, x+1, p.Max.Y+1+tickLen), colAxis)
		l := f.x.labels[i]
		drawText(f.img, x-textWidth(l)/2, labelTop, l, colText)
	}
	for i, v := range f.y.major {
		y := int(math.Round(f.py(v)))
		fillRect(f.img, image.Rect(p.Min.X-1-tickLen, y, p.Min.X-1, y+1), colAxis)
		l := f.y.labels[i]
		drawText(f.img, p.Min.X-1-tickLen-tickGap-textWidth(l), y-textHeight/2-1, l, colText)
	}
	cx := (p.Min.X + p.Max.X) / 2
	if f.xlabel != "" {
		drawText(f.img, cx-textWidth(f.xlabel)/2, labelTop+textHeight+6, f.xlabel, colText)
	}
	if f.ylabel != "" {
		drawTextUp(f.img, margin, (p.Min.Y+p.Max.Y)/2-textWidth(f.ylabel)/2, f.ylabel, colText)
	}
	if f.title != "" {
		x := cx - textWidth(f.title)/2
		x = max(margin, min(x, f.img.Rect.Dx()-margin-textWidth(f.title)))
		// Drawn twice, one pixel apart, for a bold face.
		drawText(f.img, x, margin+2, f.title, colText)
		drawText(f.img, x+1, margin+2, f.title, colText)
	}
}

// legendEntry is one row of a legend.
type legendEntry struct {
	name   string
	col    color.RGBA
	dashed bool // line swatch drawn dashed
	marker bool // swatch is a dot rather than a line
}

// truncate shortens s to at most n characters, marking the cut with "...".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// isInk reports whether a pixel is data rather than background or grid.
func isInk(c color.RGBA) bool {
	return c != colBackground && c != colGridMajor && c != colGridMinor
}

// drawLegend draws a legend box in the corner of the plot area that hides
// the least data (top right, top left, bottom right, bottom left on ties).
func (f *frame) drawLegend(entries []legendEntry) {
	if len(entries) == 0 {
		return
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = truncate(e.name, maxNameLen)
	}
	w := legendPad + swatchW + 6 + maxWidth(names) + legendPad
	h := 2*legendPad + len(entries)*legendRowH - 4
	p := f.plot.Inset(margin)
	corners := []image.Point{
		{p.Max.X - w, p.Min.Y},
		{p.Min.X, p.Min.Y},
		{p.Max.X - w, p.Max.Y - h},
		{p.Min.X, p.Max.Y - h},
	}
	best, bestInk := image.Rectangle{}, -1
	for _, c := range corners {
		r := image.Rect(c.X, c.Y, c.X+w, c.Y+h)
		ink := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if (image.Point{x, y}).In(f.plot) && isInk(f.img.RGBAAt(x, y)) {
					ink++
				}
			}
		}
		if bestInk < 0 || ink < bestInk {
			best, bestInk = r, ink
		}
	}
	r := best
	fillRect(f.img, r, colBackground)
	strokeRect(f.img, r, colLegendEdge)
	cov := newCoverage(f.img.Rect)
	cov.clip = r.Inset(1)
	for i, e := range entries {
		top := r.Min.Y + legendPad + i*legendRowH
		cy := float64(top + textHeight/2)
		x0 := float64(r.Min.X + legendPad)
		if e.marker {
			cov.disc(x0+swatchW/2, cy, 3.5)
		} else {
			cov.segment(x0, cy, x0+swatchW-1, cy, lineHalfW, e.dashed, 0)
		}
		cov.composite(f.img, e.col)
		drawText(f.img, r.Min.X+legendPad+swatchW+6, top, names[i], colText)
	}
	f.legend = r
}
