package plot

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNiceNum(t *testing.T) {
	tests := []struct {
		x     float64
		round bool
		m, e  int
	}{
		{1, false, 1, 0},
		{1.2, false, 2, 0},
		{3, false, 5, 0},
		{7, false, 1, 1},
		{0.3, false, 5, -1},
		{1.4, true, 1, 0},
		{2.5, true, 2, 0},
		{4, true, 5, 0},
		{8, true, 1, 1},
		{1667, true, 2, 3},
		{0.00025, true, 2, -4},
	}
	for _, tc := range tests {
		m, e := niceNum(tc.x, tc.round)
		if m != tc.m || e != tc.e {
			t.Errorf("niceNum(%g, %v) = %d·10^%d, want %d·10^%d", tc.x, tc.round, m, e, tc.m, tc.e)
		}
	}
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		name     string
		min, max float64
		n        int
		want     []float64
		labels   []string
	}{
		{"unit", 0, 1, 6, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{"hundred", 0, 100, 5, []float64{0, 20, 40, 60, 80, 100}, []string{"0", "20", "40", "60", "80", "100"}},
		{"negative start", -3.7, 12.1, 5, []float64{-5, 0, 5, 10, 15}, []string{"-5", "0", "5", "10", "15"}},
		// 0.1+0.2 != 0.3 in floating point; the ticks must still be the
		// doubles nearest to the decimals.
		{"tenths", 0.1, 0.3, 3, []float64{0.1, 0.2, 0.3}, []string{"0.1", "0.2", "0.3"}},
		{"reversed", 100, 0, 5, []float64{0, 20, 40, 60, 80, 100}, nil},
		{"constant", 5, 5, 5, []float64{4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6}, []string{"4.4", "4.6", "4.8", "5.0", "5.2", "5.4", "5.6"}},
		{"zero", 0, 0, 5, []float64{-1, -0.5, 0, 0.5, 1}, []string{"-1.0", "-0.5", "0.0", "0.5", "1.0"}},
		{"millions", 0, 3e6, 4, []float64{0, 2e6, 4e6}, []string{"0", "2e6", "4e6"}},
		{"tiny", 0, 3e-5, 4, []float64{0, 2e-5, 4e-5}, []string{"0", "2e-5", "4e-5"}},
		{"tiny steps", 1e-5, 3e-5, 3, []float64{1e-5, 2e-5, 3e-5}, []string{"1e-5", "2e-5", "3e-5"}},
		{"loss", 89.7, 187.3, 8, []float64{80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190}, nil},
		{"loss coarse", 89.7, 187.3, 5, []float64{80, 100, 120, 140, 160, 180, 200}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := linearAxis(tc.min, tc.max, tc.n)
			if !slices.Equal(a.major, tc.want) {
				t.Errorf("ticks = %v, want %v", a.major, tc.want)
			}
			if tc.labels != nil && !slices.Equal(a.labels, tc.labels) {
				t.Errorf("labels = %q, want %q", a.labels, tc.labels)
			}
			if a.lo != a.major[0] || a.hi != a.major[len(a.major)-1] {
				t.Errorf("range [%g, %g] is not the outer ticks of %v", a.lo, a.hi, a.major)
			}
			lo, hi := math.Min(tc.min, tc.max), math.Max(tc.min, tc.max)
			if a.lo > lo || a.hi < hi {
				t.Errorf("range [%g, %g] does not cover [%g, %g]", a.lo, a.hi, lo, hi)
			}
		})
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		name     string
		min, max float64
		n        int
		labels   []string
		minor    int // number of minor gridlines
	}{
		{"six decades", 0.001, 1000, 10, []string{"1e-3", "0.01", "0.1", "1", "10", "100", "1000"}, 6 * 8},
		{"partial decades", 0.5, 20, 10, []string{"0.1", "1", "10", "100"}, 3 * 8},
		{"exact powers", 1, 10000, 10, []string{"1", "10", "100", "1000", "10000"}, 4 * 8},
		{"one value", 10, 10, 5, []string{"1", "10", "100"}, 2 * 8},
		{"big", 1, 1e6, 10, []string{"1", "10", "100", "1000", "10000", "1e5", "1e6"}, 6 * 8},
		{"thinned", 1e-9, 1e9, 6, []string{"1e-10", "1e-5", "1", "1e5", "1e10"}, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := logAxis(tc.min, tc.max, tc.n)
			if !slices.Equal(a.labels, tc.labels) {
				t.Errorf("labels = %q, want %q", a.labels, tc.labels)
			}
			for i, v := range a.major {
				k := math.Log10(v)
				if math.Abs(k-math.Round(k)) > 1e-12 {
					t.Errorf("tick %d = %g is not a power of ten", i, v)
				}
			}
			if len(a.minor) != tc.minor {
				t.Errorf("%d minor gridlines, want %d", len(a.minor), tc.minor)
			}
			if a.lo > tc.min || a.hi < tc.max {
				t.Errorf("range [%g, %g] does not cover [%g, %g]", a.lo, a.hi, tc.min, tc.max)
			}
		})
	}
}

func TestCompactExp(t *testing.T) {
	for in, want := range map[string]string{
		"2.50e+06":  "2.5e6",
		"1e-05":     "1e-5",
		"3.0e+00":   "3",
		"-1.25e-12": "-1.25e-12",
	} {
		if got := compactExp(in); got != want {
			t.Errorf("compactExp(%q) = %q, want %q", in, got, want)
		}
	}
}

// hasColor reports whether c occurs within radius r of (x, y).
func hasColor(img *image.RGBA, x, y float64, r int, c color.RGBA) bool {
	cx, cy := int(math.Round(x)), int(math.Round(y))
	for py := cy - r; py <= cy+r; py++ {
		for px := cx - r; px <= cx+r; px++ {
			if (image.Point{px, py}).In(img.Rect) && img.RGBAAt(px, py) == c {
				return true
			}
		}
	}
	return false
}

// countColor counts the pixels of colour c in r.
func countColor(img *image.RGBA, r image.Rectangle, c color.RGBA) int {
	n := 0
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

func TestImageSize(t *testing.T) {
	ser := []Series{{Name: "a", X: []float64{1, 2, 3}, Y: []float64{1, 4, 9}}}
	tests := []struct {
		name string
		img  func() (*image.RGBA, error)
		w, h int
	}{
		{"line default", (&LineChart{Series: ser}).Image, 640, 420},
		{"line custom", (&LineChart{Title: "t", XLabel: "x", YLabel: "y", Series: ser, Width: 800, Height: 300}).Image, 800, 300},
		{"line only width", (&LineChart{Series: ser, Width: 500}).Image, 500, 420},
		{"line log-log", (&LineChart{Series: ser, LogX: true, LogY: true, Width: 321, Height: 201}).Image, 321, 201},
		{"scatter default", (&Scatter{X: []float64{1, 2}, Y: []float64{3, 4}}).Image, 640, 420},
		{"scatter custom", (&Scatter{X: []float64{1, 2}, Y: []float64{3, 4}, Class: []int{0, 1}, Width: 400, Height: 400}).Image, 400, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := tc.img()
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds(); got != image.Rect(0, 0, tc.w, tc.h) {
				t.Errorf("bounds %v, want %dx%d", got, tc.w, tc.h)
			}
		})
	}
}

func TestLineColours(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name       string
		chart      LineChart
		on         [][3]float64 // {series, x, y}: series colour must appear here
		off        [][3]float64 // {series, x, y}: series colour must not appear here
		offBetween [][5]float64 // {series, x1, y1, x2, y2}: not at the midpoint
	}{
		{
			name: "two series",
			chart: LineChart{Series: []Series{
				{Name: "up", X: []float64{0, 10}, Y: []float64{0, 10}},
				{Name: "flat", X: []float64{0, 10}, Y: []float64{2, 2}, Dashed: true},
			}},
			on:  [][3]float64{{0, 0, 0}, {0, 5, 5}, {0, 10, 10}, {1, 0, 2}},
			off: [][3]float64{{0, 10, 0}, {1, 5, 8}, {0, 0, 10}},
		},
		{
			name: "NaN breaks the line",
			chart: LineChart{Series: []Series{
				{X: []float64{0, 1, 2, 3, 4}, Y: []float64{0, 1, nan, 3, 4}},
			}},
			on:         [][3]float64{{0, 0, 0}, {0, 1, 1}, {0, 3, 3}, {0, 4, 4}},
			offBetween: [][5]float64{{0, 1, 1, 3, 3}},
		},
		{
			name: "Inf breaks the line",
			chart: LineChart{Series: []Series{
				{X: []float64{0, 1, math.Inf(1), 3, 4}, Y: []float64{0, 1, 2, 3, 4}},
			}},
			on:         [][3]float64{{0, 1, 1}, {0, 3, 3}},
			offBetween: [][5]float64{{0, 1, 1, 3, 3}},
		},
		{
			name: "log-log skips non-positive",
			chart: LineChart{LogX: true, LogY: true, Series: []Series{
				{X: []float64{1, 10, 100, 1000, 10000}, Y: []float64{1000, 100, -1, 1, 0.1}},
			}},
			on:         [][3]float64{{0, 1, 1000}, {0, 10, 100}, {0, 1000, 1}, {0, 10000, 0.1}, {0, 3.1623, 316.23}},
			offBetween: [][5]float64{{0, 10, 100, 1000, 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.chart.render()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.on {
				c := colorFor(int(p[0]))
				x, y := f.px(p[1]), f.py(p[2])
				if !(image.Point{int(x), int(y)}).In(f.plot) {
					t.Errorf("(%g, %g) maps to (%.1f, %.1f), outside the plot area %v", p[1], p[2], x, y, f.plot)
				}
				if !hasColor(f.img, x, y, 1, c) {
					t.Errorf("series %d colour %v missing near (%g, %g) → (%.0f, %.0f)", int(p[0]), c, p[1], p[2], x, y)
				}
			}
			for _, p := range tc.off {
				c := colorFor(int(p[0]))
				if x, y := f.px(p[1]), f.py(p[2]); hasColor(f.img, x, y, 3, c) {
					t.Errorf("series %d colour found near (%g, %g), where nothing is drawn", int(p[0]), p[1], p[2])
				}
			}
			for _, p := range tc.offBetween {
				c := colorFor(int(p[0]))
				x := (f.px(p[1]) + f.px(p[3])) / 2
				y := (f.py(p[2]) + f.py(p[4])) / 2
				if hasColor(f.img, x, y, 3, c) {
					t.Errorf("series %d is joined across the gap between (%g, %g) and (%g, %g)", int(p[0]), p[1], p[2], p[3], p[4])
				}
			}
		})
	}
}

func TestIsolatedPointIsDrawn(t *testing.T) {
	c := LineChart{Series: []Series{{X: []float64{0, 1, 2}, Y: []float64{0, math.NaN(), 2}}}}
	f, err := c.render()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]float64{{0, 0}, {2, 2}} {
		if !hasColor(f.img, f.px(p[0]), f.py(p[1]), 1, colorFor(0)) {
			t.Errorf("isolated point (%g, %g) not drawn", p[0], p[1])
		}
	}
}

func TestDashedHasGaps(t *testing.T) {
	chart := func(dashed bool) int {
		c := LineChart{Series: []Series{{X: []float64{0, 1}, Y: []float64{1, 1}, Dashed: dashed}}}
		f, err := c.render()
		if err != nil {
			t.Fatal(err)
		}
		y := int(math.Round(f.py(1)))
		return countColor(f.img, image.Rect(f.plot.Min.X, y, f.plot.Max.X, y+1), colorFor(0))
	}
	solid, dashed := chart(false), chart(true)
	if solid < 500 {
		t.Fatalf("solid horizontal line covers only %d pixels of its row", solid)
	}
	if dashed > solid*3/4 || dashed < solid/3 {
		t.Errorf("dashed line covers %d pixels of its row, solid %d", dashed, solid)
	}
}

func TestLegend(t *testing.T) {
	x := []float64{0, 1, 2}
	named := LineChart{Series: []Series{
		{Name: "train", X: x, Y: []float64{3, 2, 1}},
		{Name: "test", X: x, Y: []float64{3.5, 2.5, 1.5}, Dashed: true},
		{X: x, Y: []float64{1, 1, 1}}, // unnamed: not in the legend
	}}
	f, err := named.render()
	if err != nil {
		t.Fatal(err)
	}
	r := f.legend
	if r.Empty() || !r.In(f.plot) {
		t.Fatalf("legend at %v, want a box inside the plot area %v", r, f.plot)
	}
	if rows := (r.Dy() + 4 - 2*legendPad) / legendRowH; rows != 2 {
		t.Errorf("legend has %d rows, want 2", rows)
	}
	for i := 0; i < 2; i++ {
		if countColor(f.img, r, colorFor(i)) == 0 {
			t.Errorf("legend lacks the colour of series %d", i)
		}
	}
	if countColor(f.img, r, colorFor(2)) != 0 {
		t.Error("legend shows the unnamed series")
	}
	if n := countColor(f.img, r, colText); n < 20 {
		t.Errorf("legend has %d text pixels, want its names drawn", n)
	}
	if countColor(f.img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), colLegendEdge) != r.Dx() {
		t.Error("legend box has no top edge")
	}
	// The curves fall from top left to bottom right, so the legend should
	// avoid the top-left corner.
	if r.Min.X < (f.plot.Min.X+f.plot.Max.X)/2 {
		t.Errorf("legend at %v covers the data in the top-left corner", r)
	}

	// Without names there is no legend, and the corner stays blank.
	unnamed := named
	unnamed.Series = []Series{{X: x, Y: []float64{3, 2, 1}}}
	g, err := unnamed.render()
	if err != nil {
		t.Fatal(err)
	}
	if !g.legend.Empty() {
		t.Errorf("legend drawn at %v for unnamed series", g.legend)
	}
	if countColor(g.img, r, colText) != 0 {
		t.Error("text where the legend would be")
	}
}

func TestScatter(t *testing.T) {
	s := Scatter{
		X:          []float64{-1, 1, 1, -1, 0, math.NaN()},
		Y:          []float64{-1, -1, 1, 1, 0, 0},
		Class:      []int{0, 1, 2, 3, 9, 4},
		ClassNames: []string{"zero", "one", "", "three"},
	}
	f, err := s.render()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		c := colorFor(s.Class[i])
		if !hasColor(f.img, f.px(s.X[i]), f.py(s.Y[i]), 1, c) {
			t.Errorf("point %d (class %d) not drawn in %v", i, s.Class[i], c)
		}
	}
	// Class 4 has only a NaN point: neither drawn nor in the legend.
	if countColor(f.img, f.img.Rect, colorFor(4)) != 0 {
		t.Error("class 4 (only NaN points) appears in the image")
	}
	if f.legend.Empty() {
		t.Fatal("no legend")
	}
	if rows := (f.legend.Dy() + 4 - 2*legendPad) / legendRowH; rows != 5 {
		t.Errorf("legend has %d rows, want 5 (classes 0, 1, 2, 3, 9)", rows)
	}
	for _, k := range []int{0, 1, 2, 3, 9} {
		if countColor(f.img, f.legend, colorFor(k)) == 0 {
			t.Errorf("legend lacks class %d", k)
		}
	}
	// Legend width fits the longest name, "three" (5 characters).
	if want := legendPad + swatchW + 6 + textWidth("three") + legendPad; f.legend.Dx() != want {
		t.Errorf("legend %d wide, want %d", f.legend.Dx(), want)
	}

	plain := Scatter{X: []float64{1, 2}, Y: []float64{1, 2}}
	g, err := plain.render()
	if err != nil {
		t.Fatal(err)
	}
	if !g.legend.Empty() {
		t.Error("legend drawn without classes")
	}
	if !hasColor(g.img, g.px(2), g.py(2), 1, colorFor(0)) {
		t.Error("unclassed point not drawn in the first colour")
	}
}

func TestErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := []Series{{X: []float64{1, 2}, Y: []float64{1, 2}}}
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"no series", func() error { _, err := (&LineChart{}).Image(); return err }, ErrNoSeries},
		{"mismatched series", func() error {
			_, err := (&LineChart{Series: []Series{ok[0], {X: []float64{1}, Y: []float64{1, 2}}}}).Image()
			return err
		}, ErrLength},
		{"all NaN", func() error {
			_, err := (&LineChart{Series: []Series{{X: []float64{1, nan}, Y: []float64{nan, 2}}}}).Image()
			return err
		}, ErrNoPoints},
		{"empty series", func() error {
			_, err := (&LineChart{Series: []Series{{Name: "empty"}}}).PNG()
			return err
		}, ErrNoPoints},
		{"infinite", func() error {
			_, err := (&LineChart{Series: []Series{{X: []float64{inf}, Y: []float64{1}}}}).Image()
			return err
		}, ErrNoPoints},
		{"log of non-positive", func() error {
			_, err := (&LineChart{LogY: true, Series: []Series{{X: []float64{1, 2}, Y: []float64{0, -1}}}}).Image()
			return err
		}, ErrNoPoints},
		{"negative width", func() error { _, err := (&LineChart{Series: ok, Width: -1}).Image(); return err }, ErrSize},
		{"too small", func() error { _, err := (&LineChart{Series: ok, Width: 40, Height: 40}).Image(); return err }, ErrSize},
		{"too large", func() error { _, err := (&LineChart{Series: ok, Width: 1 << 20, Height: 1 << 20}).Image(); return err }, ErrSize},
		{"save bad chart", func() error { return (&LineChart{}).Save(filepath.Join(t.TempDir(), "x.png")) }, ErrNoSeries},
		{"scatter mismatch", func() error { _, err := (&Scatter{X: []float64{1}, Y: nil}).Image(); return err }, ErrLength},
		{"scatter classes", func() error {
			_, err := (&Scatter{X: []float64{1, 2}, Y: []float64{1, 2}, Class: []int{1}}).Image()
			return err
		}, ErrLength},
		{"scatter negative class", func() error {
			_, err := (&Scatter{X: []float64{1, 2}, Y: []float64{1, 2}, Class: []int{1, -1}}).Image()
			return err
		}, ErrClass},
		{"scatter empty", func() error { _, err := (&Scatter{}).PNG(); return err }, ErrNoPoints},
		{"scatter NaN", func() error { _, err := (&Scatter{X: []float64{nan}, Y: []float64{1}}).Image(); return err }, ErrNoPoints},
		{"grid zero rows", func() error { _, err := Grid(nil, 0, 1, 2, 2, 1); return err }, ErrSize},
		{"grid negative scale", func() error { _, err := Grid(nil, 1, 1, 2, 2, -1); return err }, ErrSize},
		{"grid huge", func() error { _, err := Grid(nil, 1<<20, 1<<20, 28, 28, 4); return err }, ErrSize},
		{"grid too many images", func() error {
			_, err := Grid([][]float64{make([]float64, 4), make([]float64, 4)}, 1, 1, 2, 2, 1)
			return err
		}, ErrLength},
		{"grid wrong image size", func() error { _, err := Grid([][]float64{make([]float64, 3)}, 1, 1, 2, 2, 1); return err }, ErrLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestGrid(t *testing.T) {
	const rows, cols, h, w, scale = 2, 3, 2, 2, 3
	images := make([][]float64, 5)
	for i := range images {
		images[i] = make([]float64, h*w)
	}
	images[4][1*w+0] = 1 // image 4: row 1, column 1; its pixel (r=1, c=0)
	images[0][0] = 2     // clamped to white
	images[0][1] = 0.5   // mid grey
	images[0][2] = -1    // clamped to black
	images[0][3] = math.NaN()
	g, err := Grid(images, rows, cols, h, w, scale)
	if err != nil {
		t.Fatal(err)
	}
	wantW, wantH := cols*(w*scale+1)+1, rows*(h*scale+1)+1
	if g.Bounds() != image.Rect(0, 0, wantW, wantH) {
		t.Fatalf("bounds %v, want %dx%d", g.Bounds(), wantW, wantH)
	}
	at := func(x, y int) uint8 { return g.GrayAt(x, y).Y }
	// Image 4's white pixel: tile origin (1+1·7, 1+1·7) = (8, 8), pixel
	// (r=1, c=0) at (8+0·3, 8+1·3) = (8, 11), magnified to a 3×3 block.
	for dy := 0; dy < scale; dy++ {
		for dx := 0; dx < scale; dx++ {
			if v := at(8+dx, 11+dy); v != 255 {
				t.Errorf("pixel (%d, %d) = %d, want 255", 8+dx, 11+dy, v)
			}
		}
	}
	for _, p := range []image.Point{{11, 11}, {8, 10}, {8, 14}} {
		if v := at(p.X, p.Y); v == 255 {
			t.Errorf("pixel %v is white; the white block is only 3×3", p)
		}
	}
	// Borders.
	for _, p := range []image.Point{{0, 0}, {7, 9}, {wantW - 1, 3}, {3, wantH - 1}, {7, 7}, {10, 7}} {
		if v := at(p.X, p.Y); v != GridBorder {
			t.Errorf("border pixel %v = %d, want %d", p, v, GridBorder)
		}
	}
	// Image 0, value by value (tile origin (1, 1)).
	for i, want := range []uint8{255, 127, 0, 0} {
		x, y := 1+(i%w)*scale, 1+(i/w)*scale
		if v := at(x+1, y+1); v != want {
			t.Errorf("image 0 value %d at (%d, %d) = %d, want %d", i, x+1, y+1, v, want)
		}
	}
	// The sixth cell has no image and stays black.
	if v := at(1+2*(w*scale+1)+2, 1+(h*scale+1)+2); v != 0 {
		t.Errorf("empty cell pixel = %d, want 0", v)
	}

	d, err := Grid([][]float64{{1}}, 1, 1, 1, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Bounds() != image.Rect(0, 0, 4, 4) || d.GrayAt(2, 2).Y != 255 {
		t.Errorf("default scale: bounds %v, centre %d; want 4x4 with a 2×2 white block", d.Bounds(), d.GrayAt(2, 2).Y)
	}
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	chart := &LineChart{Title: "loss", Series: []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{2, 1}}}, Width: 300, Height: 200}
	grid, err := Grid([][]float64{{1, 0, 0, 1}}, 1, 1, 2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		save   func(path string) error
		bounds image.Rectangle
	}{
		{"line chart", chart.Save, image.Rect(0, 0, 300, 200)},
		{"scatter", (&Scatter{X: []float64{1}, Y: []float64{1}, Width: 250, Height: 250}).Save, image.Rect(0, 0, 250, 250)},
		{"grid", func(p string) error { return SaveImage(p, grid) }, image.Rect(0, 0, 4, 4)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".png")
			for round := 0; round < 2; round++ { // create, then replace
				if err := tc.save(path); err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("saved file is not a PNG: %v", err)
				}
				if img.Bounds() != tc.bounds {
					t.Errorf("bounds %v, want %v", img.Bounds(), tc.bounds)
				}
			}
		})
	}
	want := []string{"grid.png", "line_chart.png", "scatter.png"}
	if names := dirNames(t, dir); !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q (no temporary files)", names, want)
	}

	// PNG and Save produce the same bytes.
	b, err := chart.PNG()
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "line_chart.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, saved) {
		t.Error("Save wrote different bytes from PNG")
	}
}

func TestSaveFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	chart := &LineChart{Series: []Series{{X: []float64{1, 2}, Y: []float64{2, 1}}}, Width: 200, Height: 150}
	if err := chart.Save(filepath.Join(dir, "missing", "x.png")); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
	// A directory in the way of the target: the rename must fail and the
	// temporary file must be removed.
	if err := os.Mkdir(filepath.Join(dir, "taken.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chart.Save(filepath.Join(dir, "taken.png")); err == nil {
		t.Error("saving over a directory succeeded")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"taken.png"}) {
		t.Errorf("directory holds %q after failed saves, want only the directory", names)
	}
}

func TestSaveRenameFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "chart.png")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	chart := &LineChart{Series: []Series{{X: []float64{1, 2}, Y: []float64{2, 1}}}, Width: 200, Height: 150}

	failure := errors.New("rename refused")
	renameFile = func(string, string) error { return failure }
	err := chart.Save(path)
	renameFile = os.Rename
	if !errors.Is(err, failure) {
		t.Fatalf("Save error %v, want the rename failure", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"chart.png"}) {
		t.Errorf("directory holds %q after a failed save, want only chart.png", names)
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("failed save changed the existing file to %q", data)
	}

	// A successful save replaces the file and keeps its permissions.
	if err := chart.Save(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file has mode %v, want 0600", fi.Mode().Perm())
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"chart.png"}) {
		t.Errorf("directory holds %q, want only chart.png", names)
	}
}

func TestExtremeData(t *testing.T) {
	big := math.MaxFloat64
	rnd := make([]float64, 5000) // random order: long segments crisscross the plot
	seq := make([]float64, len(rnd))
	for i := range rnd {
		seq[i] = float64(i)
		rnd[i] = float64((i * 7919) % len(rnd))
	}
	tests := []struct {
		name string
		c    LineChart
	}{
		{"single point", LineChart{Series: []Series{{X: []float64{3}, Y: []float64{4}}}}},
		{"constant", LineChart{Series: []Series{{X: []float64{1, 1, 1}, Y: []float64{2, 2, 2}}}}},
		{"whole float range", LineChart{Series: []Series{{X: []float64{-big, big}, Y: []float64{big, -big}}}}},
		{"tiny relative range", LineChart{Series: []Series{{X: []float64{1e300, 1e300 * (1 + 1e-15)}, Y: []float64{1, 2}}}}},
		{"log extremes", LineChart{LogX: true, LogY: true, Series: []Series{{X: []float64{1e-320, big}, Y: []float64{1e-300, 1e300}}}}},
		{"random order", LineChart{Series: []Series{{X: rnd, Y: seq}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.c.render()
			if err != nil {
				t.Fatal(err)
			}
			if countColor(f.img, f.img.Rect, colorFor(0)) == 0 {
				t.Error("no data drawn")
			}
			s := tc.c.Series[0]
			for i := range s.X {
				p, ok := f.point(s.X[i], s.Y[i])
				if !ok || !(image.Point{int(math.Round(p[0])), int(math.Round(p[1]))}).In(f.plot) {
					t.Errorf("(%g, %g) maps to %v, outside the plot area %v", s.X[i], s.Y[i], p, f.plot)
				}
			}
			for _, a := range []axis{f.x, f.y} {
				if len(a.labels) < 2 || !(a.lo < a.hi) || !finite(a.lo) || !finite(a.hi) {
					t.Errorf("bad axis: range [%g, %g], labels %q", a.lo, a.hi, a.labels)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	c := LineChart{Title: "t", Series: []Series{{Name: "a", X: []float64{1, 2, 3}, Y: []float64{1, 3, 2}}}}
	a, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renderings of one chart differ")
	}
}

func TestPalette(t *testing.T) {
	p := Palette()
	if len(p) < 10 {
		t.Fatalf("palette has %d colours, want ≥ 10", len(p))
	}
	seen := map[color.RGBA]bool{}
	for _, c := range p {
		if seen[c] || c.A != 0xff {
			t.Errorf("colour %v repeated or not opaque", c)
		}
		seen[c] = true
	}
	p[0] = color.RGBA{}
	if Palette()[0] == p[0] {
		t.Error("Palette returns the package's own slice")
	}
}
