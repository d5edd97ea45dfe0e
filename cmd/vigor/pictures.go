package main

// The pictures of `vigor vae train` (loss.png, latent.png, samples.png,
// recon.png) and `vigor study variance` (variance.png). Charts are drawn with
// gonum.org/v1/plot; digit grids are plain grey-scale images. Every PNG is
// written atomically.

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vigor-ml/vigor/bbvi/study"
	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// pictureDPI is the resolution of the charts: their sizes are given in
// pixels, their fonts in points (a 10 pt label is 13 pixels high).
const pictureDPI = 96

// palette holds the colours of lines and classes, in order: the Tableau 10
// set (2016 revision), distinguishable with the common forms of colour-vision
// deficiency. Line i and digit i get palette[i%10].
var palette = [...]color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, // blue
	{0xf2, 0x8e, 0x2b, 0xff}, // orange
	{0xe1, 0x57, 0x59, 0xff}, // red
	{0x76, 0xb7, 0xb2, 0xff}, // teal
	{0x59, 0xa1, 0x4f, 0xff}, // green
	{0xed, 0xc9, 0x48, 0xff}, // yellow
	{0xb0, 0x7a, 0xa1, 0xff}, // purple
	{0xff, 0x9d, 0xa7, 0xff}, // pink
	{0x9c, 0x75, 0x5f, 0xff}, // brown
	{0xba, 0xb0, 0xac, 0xff}, // grey
}

// errNoPoints is returned for a chart with no point that can be drawn.
var errNoPoints = errors.New("no finite points to draw")

// picture is one PNG: chart panels side by side with aligned axes and an
// optional legend in a column of its own at the right.
type picture struct {
	width, height int // pixels
	panels        []*plot.Plot
	legend        *plot.Legend // nil: none (or inside the panels)
	legendWidth   int          // pixels
}

// image renders the picture. It takes the Y-axis labels of logarithmic panels
// off while it draws and puts them back, so a picture must not be rendered by
// two goroutines at once.
func (pc *picture) image() image.Image {
	px := func(n int) vg.Length { return vg.Length(n) * vg.Inch / pictureDPI }
	c := vgimg.NewWith(vgimg.UseWH(px(pc.width), px(pc.height)), vgimg.UseDPI(pictureDPI))
	dc := draw.New(c)
	area := dc
	if pc.legend != nil {
		area = draw.Crop(dc, 0, -px(pc.legendWidth), 0, 0)
	}
	// gonum/plot v0.17 reserves room for the label of a logarithmic Y axis as
	// if the axis were linear, which can squash the panel: such labels are
	// taken off and drawn here.
	yLabels := make([]string, len(pc.panels))
	for j, p := range pc.panels {
		if isLog(&p.Y) {
			yLabels[j], p.Y.Label.Text = p.Y.Label.Text, ""
		}
	}
	defer func() {
		for j, p := range pc.panels {
			if yLabels[j] != "" {
				p.Y.Label.Text = yLabels[j]
			}
		}
	}()
	tiles := draw.Tiles{Rows: 1, Cols: len(pc.panels), PadX: vg.Points(24),
		PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(12)}
	dataTop := area.Max.Y
	for j, cv := range plot.Align([][]*plot.Plot{pc.panels}, tiles, area)[0] {
		p := pc.panels[j]
		if yLabels[j] != "" {
			sty := p.Y.Label.TextStyle
			sty.Rotation += math.Pi / 2
			h, descent := p.Y.Label.TextStyle.Height(yLabels[j]), sty.FontExtents().Descent
			cv = draw.Crop(cv, h+p.Y.Label.Padding, 0, 0, 0)
			data := p.DataCanvas(cv)
			cv.FillText(sty, vg.Point{X: cv.Min.X - p.Y.Label.Padding - descent, Y: data.Center().Y}, yLabels[j])
		}
		dataTop = min(dataTop, p.DataCanvas(cv).Max.Y)
		p.Draw(cv)
	}
	if pc.legend != nil {
		// In a column of its own, its top level with the top of the data.
		col := draw.Crop(dc, px(pc.width-pc.legendWidth), 0, 0, dataTop-dc.Max.Y)
		pc.legend.Draw(col)
	}
	return c.Image()
}

// save writes the picture to path as a PNG file.
func (pc *picture) save(path string) error { return savePNG(path, pc.image()) }

// savePNG writes img to path as a PNG file, atomically.
func savePNG(path string, img image.Image) error {
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}

// sans is the charts' typeface at a size in points.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// newChart returns an empty chart with a title, axis labels, light grid lines
// and the given axis scales.
func newChart(title, xLabel, yLabel string, logX, logY bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(14)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Marker = linearTicks{}
		a.Label.TextStyle.Font = sans(12)
		a.Tick.Label.Font = sans(10)
		a.Color = color.Gray{0x44}
		a.Tick.Color = color.Gray{0x44}
		a.Tick.Label.Color = color.Gray{0x22}
	}
	if logX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	if logY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	p.Legend.TextStyle.Font = sans(12)
	p.Legend.Top = true
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(10), -vg.Points(8)
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: color.Gray{0xe0}, Width: vg.Points(0.75)}
	g.Horizontal = g.Vertical
	p.Add(g)
	return p
}

// isLog reports whether a is on a logarithmic scale.
func isLog(a *plot.Axis) bool {
	_, ok := a.Scale.(plot.LogScale)
	return ok
}

// legendMark is a legend thumbnail: a short line, a dot, or both.
type legendMark struct {
	line  draw.LineStyle  // drawn when Width > 0
	glyph draw.GlyphStyle // drawn when Radius > 0
}

// Thumbnail draws the mark centred in c.
func (m legendMark) Thumbnail(c *draw.Canvas) {
	mid := c.Center()
	if m.line.Width > 0 {
		c.StrokeLine2(m.line, c.Min.X, mid.Y, c.Max.X, mid.Y)
	}
	if m.glyph.Radius > 0 {
		c.DrawGlyph(m.glyph, mid)
	}
}

// addLine draws the points (x[i], y[i]) of one series on p, joined in order,
// in colour col, with a dot at each point if dots is set. Points that cannot
// be drawn (a coordinate NaN, infinite, or ≤ 0 on a logarithmic axis) are
// left out and the line is broken there. It returns the number of points
// drawn and the series' legend mark. It panics if len(x) != len(y).
func addLine(p *plot.Plot, x, y []float64, col color.Color, dots bool) (int, legendMark) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("vigor: addLine: %d x and %d y values", len(x), len(y)))
	}
	mark := legendMark{line: draw.LineStyle{Color: col, Width: vg.Points(2)}}
	if dots {
		mark.glyph = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
	}
	logX, logY := isLog(&p.X), isLog(&p.Y)
	drawable := func(i int) bool {
		return finite(x[i]) && finite(y[i]) && (!logX || x[i] > 0) && (!logY || y[i] > 0)
	}
	n := 0
	var run plotter.XYs
	flush := func() {
		if len(run) == 0 {
			return
		}
		l := &plotter.Line{XYs: run, LineStyle: mark.line}
		p.Add(l)
		if dots || len(run) == 1 {
			s := &plotter.Scatter{XYs: run, GlyphStyle: mark.glyph}
			if !dots {
				s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
			}
			p.Add(s)
		}
		n += len(run)
		run = nil
	}
	for i := range x {
		if !drawable(i) {
			flush()
			continue
		}
		run = append(run, plotter.XY{X: x[i], Y: y[i]})
	}
	flush()
	return n, mark
}

// fixLogRanges sets the ranges of p's logarithmic axes: the Y axis is widened
// to whole powers of ten, so that both ends are labelled; an X axis whose data
// span a single value is widened to half and twice that value (gonum/plot
// would widen it by ±1, possibly to 0).
func fixLogRanges(p *plot.Plot) {
	if isLog(&p.Y) {
		// Powers of ten from 1e-323 to 1e308 are finite and non-zero.
		lo := min(307, max(-323, int(math.Floor(math.Log10(p.Y.Min)))))
		hi := min(308, max(lo+1, int(math.Ceil(math.Log10(p.Y.Max)))))
		p.Y.Min, p.Y.Max = math.Pow10(lo), math.Pow10(hi)
	}
	if isLog(&p.X) && p.X.Min == p.X.Max {
		p.X.Min, p.X.Max = p.X.Min/2, p.X.Max*2
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// logTicks marks a logarithmic axis: a labelled tick at every power of ten
// and unlabelled ones at its multiples 2…9 (over more than 16 decades, at
// every few powers of ten only). When fewer than two powers of ten fall in the
// range, the multiples 2 and 5 are labelled too, and if that still makes fewer
// than two labels, every tick is. Labels are plain numbers (0.001, 100000)
// when all of them lie between 10⁻³ and 10⁵, and otherwise all written as
// 1e-4, 2e6.
type logTicks struct{}

// Ticks returns the ticks for the range [lo, hi], 0 < lo ≤ hi.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	const slack = 1e-9 // a tick at the very end of the range counts
	e0, e1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	every := max(1, (e1-e0+15)/16)
	type mark struct{ m, e int }
	var marks []mark
	for e := e0; e <= e1; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v >= lo*(1-slack) && v <= hi*(1+slack) && (every == 1 || (m == 1 && e%every == 0)) {
				marks = append(marks, mark{m, e})
			}
		}
	}
	// Label the powers of ten; then, while fewer than two ticks are
	// labelled, 2 and 5 times them; then all.
	label := make([]bool, len(marks))
	for _, ms := range [][]int{{1}, {2, 5}, {3, 4, 6, 7, 8, 9}} {
		n := 0
		for i, k := range marks {
			label[i] = label[i] || slices.Contains(ms, k.m)
			if label[i] {
				n++
			}
		}
		if n >= 2 {
			break
		}
	}
	exp := false
	for i, k := range marks {
		exp = exp || (label[i] && (k.e < -3 || k.e > 5))
	}
	ticks := make([]plot.Tick, len(marks))
	for i, k := range marks {
		ticks[i].Value = float64(k.m) * math.Pow10(k.e)
		switch {
		case !label[i]:
		case exp:
			ticks[i].Label = strconv.Itoa(k.m) + "e" + strconv.Itoa(k.e)
		default:
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', max(0, -k.e), 64)
		}
	}
	return ticks
}

// linearTicks marks a linear axis with about six labelled ticks at a "nice"
// step (1, 2 or 5 times a power of ten) and an unlabelled tick half way
// between them. With integer set the step is a whole number (for epochs) and
// there are no half steps below 1.
type linearTicks struct{ integer bool }

// Ticks returns the ticks for the range [lo, hi], lo < hi.
func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !finite(lo) || !finite(hi) || !(lo < hi) {
		return nil
	}
	span := hi/6 - lo/6 // no overflow for the whole float range
	e := math.Floor(math.Log10(span))
	step := math.Pow(10, e)
	switch f := span / step; {
	case f >= 7:
		step *= 10
	case f >= 3:
		step *= 5
	case f >= 1.5:
		step *= 2
	}
	if t.integer && step < 1 {
		step = 1
	}
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	half := step / 2
	if t.integer && half < 1 {
		half = step
	}
	k0, k1 := math.Ceil(lo/half), math.Floor(hi/half)
	if k1-k0 > 1000 { // the range is too wide for float64 steps
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 3, 64)}, {Value: hi, Label: strconv.FormatFloat(hi, 'g', 3, 64)}}
	}
	var ticks []plot.Tick
	for k := k0; k <= k1; k++ {
		v := k * half
		tk := plot.Tick{Value: v}
		if r := v / step; math.Abs(r-math.Round(r)) < 1e-6 {
			if v == 0 {
				v = 0 // not -0
			}
			tk.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// lossPicture charts the train and test loss (negative ELBO) per epoch.
func lossPicture(history []epochMetrics) (*picture, error) {
	p := newChart("VAE loss (negative ELBO, nats per image)", "epoch", "loss", false, false)
	p.X.Tick.Marker = linearTicks{integer: true}
	ep := make([]float64, len(history))
	trl := make([]float64, len(history))
	tel := make([]float64, len(history))
	for i, r := range history {
		ep[i], trl[i], tel[i] = float64(r.Epoch), r.TrainLoss, r.TestLoss
	}
	n := 0
	for i, s := range []struct {
		name string
		y    []float64
	}{{"train", trl}, {"test", tel}} {
		k, mark := addLine(p, ep, s.y, palette[i], true)
		n += k
		p.Legend.Add(s.name, mark)
	}
	if n == 0 {
		return nil, fmt.Errorf("loss chart: %w", errNoPoints)
	}
	if p.X.Min == p.X.Max { // one epoch
		p.X.Min, p.X.Max = p.X.Min-0.5, p.X.Max+0.5
	}
	return &picture{width: 800, height: 500, panels: []*plot.Plot{p}}, nil
}

// latentPicture plots 2-D latent codes coloured by their digit labels, with
// the legend at the right. Codes with a non-finite coordinate are left out.
// It panics if codes and labels differ in length or a code has fewer than two
// coordinates.
func latentPicture(codes [][]float64, labels []uint8) (*picture, error) {
	if len(codes) != len(labels) {
		panic(fmt.Sprintf("vigor: latentPicture: %d codes and %d labels", len(codes), len(labels)))
	}
	p := newChart("Test codes (mean of q(z|x)) by digit", "z₁", "z₂", false, false)
	var pts plotter.XYs
	var cls []uint8
	for i, c := range codes {
		if finite(c[0]) && finite(c[1]) {
			pts = append(pts, plotter.XY{X: c[0], Y: c[1]})
			cls = append(cls, labels[i])
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("latent chart: %w", errNoPoints)
	}
	r := vg.Points(2)
	if len(pts) > 2000 {
		r = vg.Points(1.4)
	}
	dot := func(k uint8, r vg.Length) draw.GlyphStyle {
		return draw.GlyphStyle{Color: palette[int(k)%len(palette)], Radius: r, Shape: draw.CircleGlyph{}}
	}
	// One scatter in data order, so that no digit is drawn over all others.
	p.Add(&plotter.Scatter{XYs: pts, GlyphStyleFunc: func(i int) draw.GlyphStyle { return dot(cls[i], r) }})

	legend := plot.NewLegend()
	legend.TextStyle.Font = sans(12)
	legend.Top, legend.Left = true, true
	legend.ThumbnailWidth = vg.Points(10)
	present := [256]bool{}
	for _, k := range cls {
		present[k] = true
	}
	for k := range present {
		if present[k] {
			legend.Add(strconv.Itoa(k), legendMark{glyph: dot(uint8(k), vg.Points(4))})
		}
	}
	return &picture{width: 720, height: 600, panels: []*plot.Plot{p}, legend: &legend, legendWidth: 70}, nil
}

// variancePicture charts, one log-log panel per problem side by side, the
// total variance of each estimator's gradient estimate against the number of
// draws S, each estimator in the same colour in every panel, with one legend
// at the right.
func variancePicture(rows []study.VarianceRow, problems, estimators []string) (*picture, error) {
	legend := plot.NewLegend()
	legend.TextStyle.Font = sans(12)
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(4)
	var panels []*plot.Plot
	inLegend := map[string]bool{}
	for _, prob := range problems {
		p := newChart("Gradient variance, "+prob, "draws S", "total variance of the gradient estimate", true, true)
		n := 0
		for i, est := range estimators {
			var x, y []float64
			for _, r := range rows {
				if r.Problem == prob && r.Estimator == est && r.Param == "total" {
					x = append(x, float64(r.Draws))
					y = append(y, r.Variance)
				}
			}
			k, mark := addLine(p, x, y, palette[i%len(palette)], true)
			n += k
			if k > 0 && !inLegend[est] { // some estimators run on some problems only
				legend.Add(est, mark)
				inLegend[est] = true
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("variance chart of %s: %w", prob, errNoPoints)
		}
		fixLogRanges(p)
		panels = append(panels, p)
	}
	return &picture{width: 60 + 560*len(panels) + 170, height: 480, panels: panels, legend: &legend, legendWidth: 170}, nil
}

// gridBorder is the grey level of the lines that digitGrid draws around and
// between its cells.
const gridBorder = 128

// digitGrid tiles up to rows×cols grey-scale images of h×w pixels into one
// image, row by row: image i sits in row i/cols, column i%cols. Each image is
// a row-major slice of h·w values in [0, 1] (values outside are clamped, NaN
// counts as 0), 1 being white ink on black as in MNIST; value v becomes grey
// level uint8(255·v). Each pixel is magnified to a scale×scale block. Cells are
// separated from each other and from the edge by 1-pixel lines of grey
// gridBorder; cells without an image stay black. The result is
// cols·(w·scale+1)+1 pixels wide and rows·(h·scale+1)+1 high.
//
// It returns an error for a non-positive rows, cols, h, w or scale, a result
// of more than 2²⁶ pixels, more than rows·cols images or an image whose length
// is not h·w.
func digitGrid(images [][]float64, rows, cols, h, w, scale int) (*image.Gray, error) {
	if rows <= 0 || cols <= 0 || h <= 0 || w <= 0 || scale <= 0 {
		return nil, fmt.Errorf("digit grid: bad size: %d×%d cells of %d×%d pixels at scale %d", rows, cols, h, w, scale)
	}
	const maxSide = 1 << 13 // 2¹³ × 2¹³ = 2²⁶ pixels
	cw, ch := int64(w)*int64(scale)+1, int64(h)*int64(scale)+1
	if cw > maxSide || ch > maxSide || int64(cols)*cw+1 > maxSide || int64(rows)*ch+1 > maxSide {
		return nil, fmt.Errorf("digit grid: %d×%d cells of %d×%d pixels at scale %d is too large", rows, cols, h, w, scale)
	}
	if len(images) > rows*cols {
		return nil, fmt.Errorf("digit grid: %d images for %d×%d cells", len(images), rows, cols)
	}
	for i, im := range images {
		if len(im) != h*w {
			return nil, fmt.Errorf("digit grid: image %d has %d values, want %d×%d", i, len(im), h, w)
		}
	}
	W, H := cols*int(cw)+1, rows*int(ch)+1
	out := image.NewGray(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			if x%int(cw) == 0 || y%int(ch) == 0 {
				out.Pix[y*out.Stride+x] = gridBorder
			}
		}
	}
	for i, im := range images {
		x0, y0 := 1+(i%cols)*int(cw), 1+(i/cols)*int(ch)
		for r := 0; r < h; r++ {
			for c := 0; c < w; c++ {
				v := im[r*w+c]
				var g uint8
				switch {
				case !(v > 0): // also NaN
				case v >= 1:
					g = 255
				default:
					g = uint8(255 * v)
				}
				for dy := 0; dy < scale; dy++ {
					row := out.Pix[(y0+r*scale+dy)*out.Stride:]
					for dx := 0; dx < scale; dx++ {
						row[x0+c*scale+dx] = g
					}
				}
			}
		}
	}
	return out, nil
}

// saveGrid writes images as a rows×cols digit grid, each pixel magnified
// twice, to path as a PNG file.
func saveGrid(path string, images [][]float64, rows, cols, h, w int) error {
	g, err := digitGrid(images, rows, cols, h, w, 2)
	if err != nil {
		return err
	}
	return savePNG(path, g)
}
