package plot

import (
	"fmt"
	"image"
	"slices"
	"strconv"
)

// Scatter draws the points (X[i], Y[i]) as dots coloured by class, with a
// legend, on linear axes; for example 2-D latent codes of a VAE coloured by
// digit label.
//
// Class, when not nil, must have one entry per point; class k (≥ 0) is
// drawn in Palette()[k%10]. A nil Class puts every point in class 0. The
// legend lists the classes that have drawable points, in increasing order,
// named ClassNames[k] (or the number k when ClassNames has no non-empty
// entry for it); it is shown when Class or ClassNames is set.
//
// Points with a NaN or infinite coordinate are skipped. Points are drawn in
// order, so later points cover earlier ones. Width and Height give the
// image size in pixels; zero means DefaultWidth×DefaultHeight (640×420).
type Scatter struct {
	Title, XLabel, YLabel string
	X, Y                  []float64
	Class                 []int
	ClassNames            []string
	Width, Height         int
}

// class returns the class of point i.
func (s *Scatter) class(i int) int {
	if s.Class == nil {
		return 0
	}
	return s.Class[i]
}

// render validates the scatter plot and draws it.
func (s *Scatter) render() (*frame, error) {
	if len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("%w: %d x and %d y values", ErrLength, len(s.X), len(s.Y))
	}
	if s.Class != nil && len(s.Class) != len(s.X) {
		return nil, fmt.Errorf("%w: %d classes for %d points", ErrLength, len(s.Class), len(s.X))
	}
	b := newBounds()
	present := map[int]bool{}
	for i := range s.X {
		k := s.class(i)
		if k < 0 {
			return nil, fmt.Errorf("%w: point %d has class %d", ErrClass, i, k)
		}
		if finite(s.X[i]) && finite(s.Y[i]) {
			b.add(s.X[i], s.Y[i])
			present[k] = true
		}
	}
	if b.n == 0 {
		return nil, ErrNoPoints
	}
	w, h, err := chartSize(s.Width, s.Height)
	if err != nil {
		return nil, err
	}
	f, err := newFrame(w, h, s.Title, s.XLabel, s.YLabel, b, false, false)
	if err != nil {
		return nil, err
	}

	r := 2.5
	if b.n > 2000 {
		r = 1.5
	}
	cov := newCoverage(f.img.Rect)
	cov.clip = f.plot
	for i := range s.X {
		if !finite(s.X[i]) || !finite(s.Y[i]) {
			continue
		}
		p, ok := f.point(s.X[i], s.Y[i])
		if !ok {
			continue
		}
		cov.disc(p[0], p[1], r)
		cov.composite(f.img, colorFor(s.class(i)))
	}
	f.drawAxes()

	if s.Class != nil || len(s.ClassNames) > 0 {
		classes := make([]int, 0, len(present))
		for k := range present {
			classes = append(classes, k)
		}
		slices.Sort(classes)
		entries := make([]legendEntry, len(classes))
		for i, k := range classes {
			name := strconv.Itoa(k)
			if k < len(s.ClassNames) && s.ClassNames[k] != "" {
				name = s.ClassNames[k]
			}
			entries[i] = legendEntry{name: name, col: colorFor(k), marker: true}
		}
		f.drawLegend(entries)
	}
	return f, nil
}

// Image renders the scatter plot. It returns ErrLength (len(X) != len(Y),
// or Class set with len(Class) != len(X)), ErrClass (a negative class),
// ErrNoPoints (no point with finite coordinates) or ErrSize.
func (s *Scatter) Image() (*image.RGBA, error) {
	f, err := s.render()
	if err != nil {
		return nil, err
	}
	return f.img, nil
}

// PNG renders the scatter plot and encodes it as PNG. Errors are those of
// Image.
func (s *Scatter) PNG() ([]byte, error) {
	img, err := s.Image()
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// Save renders the scatter plot and writes it as a PNG file at path,
// atomically (see SaveImage). Errors are those of Image or of writing the
// file.
func (s *Scatter) Save(path string) error {
	data, err := s.PNG()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}
