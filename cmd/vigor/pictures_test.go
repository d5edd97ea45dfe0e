package main

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

	"gonum.org/v1/plot"

	"github.com/vigor-ml/vigor/bbvi/study"
)

func TestDigitGrid(t *testing.T) {
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
	g, err := digitGrid(images, rows, cols, h, w, scale)
	if err != nil {
		t.Fatal(err)
	}
	wantW, wantH := cols*(w*scale+1)+1, rows*(h*scale+1)+1
	if g.Bounds() != image.Rect(0, 0, wantW, wantH) {
		t.Fatalf("bounds %v, want %dx%d", g.Bounds(), wantW, wantH)
	}
	at := func(x, y int) uint8 { return g.GrayAt(x, y).Y }
	// Image 4's white pixel: cell origin (1+1·7, 1+1·7) = (8, 8), pixel
	// (r=1, c=0) at (8+0·3, 8+1·3) = (8, 11), magnified to a 3×3 block.
	for dy := 0; dy < scale; dy++ {
		for dx := 0; dx < scale; dx++ {
			if v := at(8+dx, 11+dy); v != 255 {
				t.Errorf("pixel (%d, %d) = %d, want 255", 8+dx, 11+dy, v)
			}
		}
	}
	for _, p := range []image.Point{{11, 11}, {8, 10}, {7, 11}} {
		if v := at(p.X, p.Y); v == 255 {
			t.Errorf("pixel %v = %d: the white block is only 3×3", p, v)
		}
	}
	for _, p := range []image.Point{{0, 0}, {7, 9}, {wantW - 1, 3}, {3, wantH - 1}, {7, 7}, {10, 7}} {
		if v := at(p.X, p.Y); v != gridBorder {
			t.Errorf("border pixel %v = %d, want %d", p, v, gridBorder)
		}
	}
	// Image 0, value by value (cell origin (1, 1)).
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
}

func TestDigitGridErrors(t *testing.T) {
	four := []float64{0, 0, 0, 0}
	tests := []struct {
		name                string
		images              [][]float64
		rows, cols, h, w, s int
		want                string
	}{
		{"zero rows", nil, 0, 1, 2, 2, 1, "bad size"},
		{"negative width", nil, 1, 1, 2, -2, 1, "bad size"},
		{"zero scale", nil, 1, 1, 2, 2, 0, "bad size"},
		{"too large", nil, 1 << 20, 1, 28, 28, 2, "too large"},
		{"huge cell", nil, 1, 1, 1 << 40, 1, 1 << 40, "too large"},
		{"too many images", [][]float64{four, four, four}, 1, 2, 2, 2, 1, "3 images for 1×2 cells"},
		{"short image", [][]float64{four, {0, 0, 0}}, 1, 2, 2, 2, 1, "image 1 has 3 values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := digitGrid(tc.images, tc.rows, tc.cols, tc.h, tc.w, tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("digitGrid = %v, %v; want an error containing %q", g, err, tc.want)
			}
		})
	}
}

// labels returns the labelled ticks' labels, and the number of ticks.
func labels(ticks []plot.Tick) ([]string, int) {
	var out []string
	for _, t := range ticks {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out, len(ticks)
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []string
		ticks  int // 0: not checked
	}{
		{1, 256, []string{"1", "10", "100"}, 9 + 9 + 2},
		{0.01, 100, []string{"0.01", "0.1", "1", "10", "100"}, 4*9 + 1},
		{1, 1e6, []string{"1e0", "1e1", "1e2", "1e3", "1e4", "1e5", "1e6"}, 6*9 + 1},
		{0.0005, 0.01, []string{"0.001", "0.01"}, 5 + 9 + 1},
		{0.00005, 0.01, []string{"1e-4", "1e-3", "1e-2"}, 0}, // 10⁻⁴ is below 10⁻³
		{0.2, 0.5, []string{"0.2", "0.5"}, 4},
		{0.25, 0.45, []string{"0.3", "0.4"}, 2}, // not 0.30000000000000004
		{3000, 7000, []string{"3000", "4000", "5000", "6000", "7000"}, 5},
		{1e-8, 1e10, []string{"1e-8", "1e-6", "1e-4", "1e-2", "1e0", "1e2", "1e4", "1e6", "1e8", "1e10"}, 10},
		{5e-324, math.MaxFloat64, nil, 0}, // checked below: no panic, a few labels
		{0, 10, nil, 0},
		{-1, 10, nil, 0},
		{1, math.Inf(1), nil, 0},
		{math.NaN(), 10, nil, 0},
	}
	for _, tc := range tests {
		got, n := labels(logTicks{}.Ticks(tc.lo, tc.hi))
		if tc.lo == 5e-324 {
			if len(got) < 2 || len(got) > 20 {
				t.Errorf("Ticks(%g, %g): labels %q", tc.lo, tc.hi, got)
			}
			continue
		}
		if !slices.Equal(got, tc.want) || (tc.ticks > 0 && n != tc.ticks) {
			t.Errorf("Ticks(%g, %g) = %q, %d ticks; want %q, %d ticks", tc.lo, tc.hi, got, n, tc.want, tc.ticks)
		}
	}
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		lo, hi  float64
		integer bool
		want    []string
		ticks   int // 0: not checked
	}{
		{185, 349, false, []string{"200", "220", "240", "260", "280", "300", "320", "340"}, 16},
		{1, 6, false, []string{"1", "2", "3", "4", "5", "6"}, 11},
		{1, 6, true, []string{"1", "2", "3", "4", "5", "6"}, 6},
		{1, 2, true, []string{"1", "2"}, 2},
		{0.5, 1.5, true, []string{"1"}, 1},
		{1, 10, true, []string{"2", "4", "6", "8", "10"}, 10},
		{-1.1, 1.1, false, []string{"-1.0", "-0.5", "0.0", "0.5", "1.0"}, 0},
		{0, 0.003, false, []string{"0.0000", "0.0005", "0.0010", "0.0015", "0.0020", "0.0025", "0.0030"}, 0},
		{1, 1, false, nil, 0},
		{2, 1, false, nil, 0},
		{math.NaN(), 1, false, nil, 0},
	}
	for _, tc := range tests {
		got, n := labels(linearTicks{integer: tc.integer}.Ticks(tc.lo, tc.hi))
		if !slices.Equal(got, tc.want) || (tc.ticks > 0 && n != tc.ticks) {
			t.Errorf("Ticks(%g, %g, integer %v) = %q, %d ticks; want %q, %d ticks", tc.lo, tc.hi, tc.integer, got, n, tc.want, tc.ticks)
		}
	}
	// The whole float range: no overflow, two or more labels.
	if got, _ := labels(linearTicks{}.Ticks(-math.MaxFloat64, math.MaxFloat64)); len(got) < 2 {
		t.Errorf("whole float range: labels %q", got)
	}
}

// render renders pc and decodes it back from its PNG encoding.
func render(t *testing.T, pc *picture) *image.RGBA {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, pc.image()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	if b := rgba.Bounds(); b != image.Rect(0, 0, pc.width, pc.height) {
		t.Errorf("image bounds %v, want %d×%d", b, pc.width, pc.height)
	}
	if c := rgba.RGBAAt(0, 0); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("background %v, want white", c)
	}
	return rgba
}

// colourRows returns, for the pixels of img in r that have exactly colour c,
// their number and the first and last rows where they occur.
func colourRows(img *image.RGBA, r image.Rectangle, c color.RGBA) (n, top, bottom int) {
	top = math.MaxInt
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				n++
				top, bottom = min(top, y), max(bottom, y)
			}
		}
	}
	return n, top, bottom
}

func TestLossPicture(t *testing.T) {
	history := []epochMetrics{{1, 350, 236, 1}, {2, 225, 214, 1}, {3, 212, 208, 1}, {4, math.NaN(), 199, 1}, {5, 196, math.Inf(1), 1}}
	pc, err := lossPicture(history)
	if err != nil {
		t.Fatal(err)
	}
	img := render(t, pc)
	for i, name := range []string{"train", "test"} {
		if n, _, _ := colourRows(img, img.Rect, palette[i]); n < 200 {
			t.Errorf("%s line: %d pixels of its colour", name, n)
		}
	}
	// One epoch: a dot per series.
	pc, err = lossPicture(history[:1])
	if err != nil {
		t.Fatal(err)
	}
	img = render(t, pc)
	for i := range 2 {
		if n, _, _ := colourRows(img, img.Rect, palette[i]); n < 10 {
			t.Errorf("one epoch, series %d: %d pixels of its colour", i, n)
		}
	}
	if _, err := lossPicture([]epochMetrics{{1, math.NaN(), math.NaN(), 1}}); !errors.Is(err, errNoPoints) {
		t.Errorf("no finite loss: err = %v, want errNoPoints", err)
	}
}

func TestLatentPicture(t *testing.T) {
	var codes [][]float64
	var digits []uint8
	for i := range 3000 {
		a := float64(i) * 2.399963 // golden angle: a disc of points
		r := math.Sqrt(float64(i)) / 20
		codes = append(codes, []float64{r * math.Cos(a), r * math.Sin(a)})
		digits = append(digits, uint8(i%10))
	}
	codes[7] = []float64{math.NaN(), 1}
	codes[8] = []float64{1, math.Inf(-1)}
	pc, err := latentPicture(codes, digits)
	if err != nil {
		t.Fatal(err)
	}
	img := render(t, pc)
	legend := image.Rect(pc.width-pc.legendWidth, 0, pc.width, pc.height)
	plotArea := image.Rect(0, 0, pc.width-pc.legendWidth, pc.height)
	for d := range 10 {
		if n, _, _ := colourRows(img, legend, palette[d]); n < 20 {
			t.Errorf("digit %d: %d pixels of its colour in the legend", d, n)
		}
		if n, _, _ := colourRows(img, plotArea, palette[d]); n < 100 {
			t.Errorf("digit %d: %d pixels of its colour in the plot", d, n)
		}
	}
	// Only digits that occur are in the legend.
	pc, err = latentPicture(codes[:2], digits[:2])
	if err != nil {
		t.Fatal(err)
	}
	img = render(t, pc)
	legend = image.Rect(pc.width-pc.legendWidth, 0, pc.width, pc.height)
	for d := range 10 {
		if n, _, _ := colourRows(img, legend, palette[d]); (n > 0) != (d < 2) {
			t.Errorf("two codes of digits 0 and 1: digit %d has %d pixels in the legend", d, n)
		}
	}
	if _, err := latentPicture([][]float64{{math.NaN(), 0}}, []uint8{3}); !errors.Is(err, errNoPoints) {
		t.Errorf("no finite code: err = %v, want errNoPoints", err)
	}
}

func TestVariancePicture(t *testing.T) {
	problems := []string{"toy", "wide"}
	estimators := []string{"pathwise", "score", "score-optimal"}
	var rows []study.VarianceRow
	for p, prob := range problems {
		for e, est := range estimators {
			for _, s := range []int{1, 2, 4, 8, 16, 32, 64, 128, 256} {
				v := math.Pow(10, float64(e+3*p)) * 50 / float64(s)
				if est == "score" && s == 4 {
					v = 0 // not drawable on a log axis: the line breaks
				}
				if est == "score" && s == 16 {
					v = math.NaN()
				}
				rows = append(rows,
					study.VarianceRow{Problem: prob, Estimator: est, Draws: s, Param: "total", Variance: v},
					study.VarianceRow{Problem: prob, Estimator: est, Draws: s, Param: "mu", Variance: 1e-9})
			}
		}
	}
	pc, err := variancePicture(rows, problems, estimators)
	if err != nil {
		t.Fatal(err)
	}
	if len(pc.panels) != 2 || pc.width <= pc.height {
		t.Fatalf("%d panels in %d×%d, want 2 side by side", len(pc.panels), pc.width, pc.height)
	}
	img := render(t, pc)
	legend := image.Rect(pc.width-pc.legendWidth, 0, pc.width, pc.height)
	for e := range estimators {
		if n, _, _ := colourRows(img, legend, palette[e]); n < 20 {
			t.Errorf("estimator %d: %d pixels of its colour in the legend", e, n)
		}
		for p := range 2 {
			panel := image.Rect(p*(pc.width-pc.legendWidth)/2, 0, (p+1)*(pc.width-pc.legendWidth)/2, pc.height)
			if n, _, _ := colourRows(img, panel, palette[e]); n < 200 {
				t.Errorf("estimator %d, panel %d: %d pixels of its colour", e, p, n)
			}
		}
	}
	// The data fill most of the height: the long label of the log Y axis
	// does not squash the panel (gonum/plot v0.17 would).
	_, top, _ := colourRows(img, image.Rect(0, 0, pc.width-pc.legendWidth, pc.height), palette[2])
	_, _, bottom := colourRows(img, image.Rect(0, 0, pc.width-pc.legendWidth, pc.height), palette[0])
	if span := float64(bottom-top) / float64(pc.height); span < 0.6 {
		t.Errorf("data span rows %d to %d, %.0f%% of the height; want ≥ 60%%", top, bottom, 100*span)
	}
	// Rendering again gives the same pixels, and the label is back.
	if again := render(t, pc); !bytes.Equal(again.Pix, img.Pix) {
		t.Error("two renderings differ")
	}
	if got := pc.panels[0].Y.Label.Text; got != "total variance of the gradient estimate" {
		t.Errorf("Y label after rendering: %q", got)
	}
	if _, err := variancePicture(rows, []string{"none"}, estimators); !errors.Is(err, errNoPoints) {
		t.Errorf("problem without rows: err = %v, want errNoPoints", err)
	}
}

func TestSavePictures(t *testing.T) {
	dir := t.TempDir()
	pc, err := lossPicture([]epochMetrics{{1, 3, 2, 1}, {2, 2, 1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	grid := filepath.Join(dir, "grid.png")
	chart := filepath.Join(dir, "loss.png")
	for range 2 { // create, then replace
		if err := saveGrid(grid, [][]float64{{1, 0, 0, 1}}, 1, 2, 2, 2); err != nil {
			t.Fatal(err)
		}
		if err := pc.save(chart); err != nil {
			t.Fatal(err)
		}
	}
	for path, bounds := range map[string]image.Rectangle{grid: image.Rect(0, 0, 2*5+1, 6), chart: image.Rect(0, 0, pc.width, pc.height)} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if img.Bounds() != bounds {
			t.Errorf("%s: bounds %v, want %v", path, img.Bounds(), bounds)
		}
	}
	if err := saveGrid(filepath.Join(dir, "no", "grid.png"), nil, 1, 1, 2, 2); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("directory holds %d entries, want grid.png and loss.png only", len(ents))
	}
}
