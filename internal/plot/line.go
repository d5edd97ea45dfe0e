package plot

import (
	"fmt"
	"image"
)

// Series is one line of a [LineChart]: the points (X[i], Y[i]) joined in
// order. Name labels it in the legend (series without a name are left out
// of the legend); Dashed draws it dashed.
type Series struct {
	Name   string
	X, Y   []float64
	Dashed bool
}

// LineChart draws one or more series as lines on linear or logarithmic
// axes. Series i is drawn in Palette()[i%10].
//
// Points with a NaN or infinite coordinate, and on a log axis points with
// a coordinate ≤ 0, are skipped and the line is broken there. A point with
// no drawable neighbour is drawn as a dot.
//
// Width and Height give the image size in pixels; zero means
// DefaultWidth×DefaultHeight (640×420).
type LineChart struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	Series                []Series
	Width, Height         int
}

// drawable reports whether (x, y) can be placed on the chart's axes.
func (c *LineChart) drawable(x, y float64) bool {
	return finite(x) && finite(y) && (!c.LogX || x > 0) && (!c.LogY || y > 0)
}

// render validates the chart and draws it.
func (c *LineChart) render() (*frame, error) {
	if len(c.Series) == 0 {
		return nil, ErrNoSeries
	}
	b := newBounds()
	for i, s := range c.Series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("%w: series %d (%q) has %d x and %d y values", ErrLength, i, s.Name, len(s.X), len(s.Y))
		}
		for j := range s.X {
			if c.drawable(s.X[j], s.Y[j]) {
				b.add(s.X[j], s.Y[j])
			}
		}
	}
	if b.n == 0 {
		return nil, ErrNoPoints
	}
	w, h, err := chartSize(c.Width, c.Height)
	if err != nil {
		return nil, err
	}
	f, err := newFrame(w, h, c.Title, c.XLabel, c.YLabel, b, c.LogX, c.LogY)
	if err != nil {
		return nil, err
	}

	cov := newCoverage(f.img.Rect)
	cov.clip = f.plot
	var entries []legendEntry
	for i, s := range c.Series {
		var run [][2]float64
		flush := func() {
			if len(run) > 0 {
				cov.polyline(run, lineHalfW, lineHalfW+1.5, s.Dashed)
			}
			run = run[:0]
		}
		for j := range s.X {
			if !c.drawable(s.X[j], s.Y[j]) {
				flush()
				continue
			}
			p, ok := f.point(s.X[j], s.Y[j])
			if !ok {
				flush()
				continue
			}
			run = append(run, p)
		}
		flush()
		col := colorFor(i)
		cov.composite(f.img, col)
		if s.Name != "" {
			entries = append(entries, legendEntry{name: s.Name, col: col, dashed: s.Dashed})
		}
	}
	f.drawAxes()
	f.drawLegend(entries)
	return f, nil
}

// Image renders the chart. It returns ErrNoSeries, ErrLength (a series
// with len(X) != len(Y)), ErrNoPoints (nothing drawable) or ErrSize.
func (c *LineChart) Image() (*image.RGBA, error) {
	f, err := c.render()
	if err != nil {
		return nil, err
	}
	return f.img, nil
}

// PNG renders the chart and encodes it as PNG. Errors are those of Image.
func (c *LineChart) PNG() ([]byte, error) {
	img, err := c.Image()
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// Save renders the chart and writes it as a PNG file at path, atomically
// (see SaveImage). Errors are those of Image or of writing the file.
func (c *LineChart) Save(path string) error {
	data, err := c.PNG()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}
