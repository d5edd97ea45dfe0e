package plot

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// face is the font of all text: 7 pixels wide, 13 high.
var face = basicfont.Face7x13

const (
	textHeight = 13 // line height of face in pixels
	textAscent = 11 // pixels from the top of a line to the baseline
)

// textWidth is the width in pixels of s drawn in face.
func textWidth(s string) int {
	return font.MeasureString(face, s).Ceil()
}

// drawText draws s with its top-left corner at (x, y).
func drawText(dst draw.Image, x, y int, s string, c color.Color) {
	d := font.Drawer{
		Dst:  dst,
		Src:  image.NewUniform(c),
		Face: face,
		Dot:  fixed.P(x, y+textAscent),
	}
	d.DrawString(s)
}

// drawTextUp draws s rotated 90° anticlockwise (reading bottom to top) with
// the top-left corner of its bounding box at (x, y); the box is textHeight
// wide and textWidth(s) high.
func drawTextUp(dst *image.RGBA, x, y int, s string, c color.RGBA) {
	w := textWidth(s)
	if w <= 0 {
		return
	}
	tmp := image.NewAlpha(image.Rect(0, 0, w, textHeight))
	d := font.Drawer{Dst: tmp, Src: image.Opaque, Face: face, Dot: fixed.P(0, textAscent)}
	d.DrawString(s)
	for ty := 0; ty < textHeight; ty++ {
		for tx := 0; tx < w; tx++ {
			if a := tmp.AlphaAt(tx, ty).A; a > 0 {
				blend(dst, x+ty, y+w-1-tx, c, float64(a)/255)
			}
		}
	}
}

// blend paints the opaque colour c over the pixel (x, y) of dst with
// coverage a ∈ [0, 1]; pixels outside dst are ignored.
func blend(dst *image.RGBA, x, y int, c color.RGBA, a float64) {
	if !(image.Point{x, y}).In(dst.Rect) || a <= 0 {
		return
	}
	i := dst.PixOffset(x, y)
	p := dst.Pix[i : i+4 : i+4]
	if a >= 1 {
		p[0], p[1], p[2], p[3] = c.R, c.G, c.B, 0xff
		return
	}
	mix := func(d, s uint8) uint8 {
		return uint8(math.Round(float64(d)*(1-a) + float64(s)*a))
	}
	p[0], p[1], p[2], p[3] = mix(p[0], c.R), mix(p[1], c.G), mix(p[2], c.B), 0xff
}

// fillRect paints r (clipped to dst) with the opaque colour c.
func fillRect(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// strokeRect draws the 1-pixel outline just inside r.
func strokeRect(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	if r.Empty() {
		return
	}
	fillRect(dst, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), c)
	fillRect(dst, image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), c)
	fillRect(dst, image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), c)
	fillRect(dst, image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), c)
}

// Dash pattern of dashed lines, in pixels of arc length.
const (
	dashOn     = 7.0
	dashPeriod = 12.0
)

// coverage is an anti-aliased coverage buffer the size of an image. Shapes
// of one colour are accumulated into it with max (so overlapping pieces of
// one polyline do not darken each other) and then composited in one go.
type coverage struct {
	w, h  int
	a     []float32
	clip  image.Rectangle // only pixels in clip are touched
	dirty image.Rectangle // bounding box of non-zero entries
}

func newCoverage(bounds image.Rectangle) *coverage {
	return &coverage{w: bounds.Dx(), h: bounds.Dy(), a: make([]float32, bounds.Dx()*bounds.Dy()), clip: bounds}
}

// set raises the coverage of pixel (x, y) to at least v.
func (c *coverage) set(x, y int, v float64) {
	if v <= 0 || !(image.Point{x, y}).In(c.clip) {
		return
	}
	if v > 1 {
		v = 1
	}
	i := y*c.w + x
	if float32(v) > c.a[i] {
		c.a[i] = float32(v)
	}
}

// touch records that pixels in the box [x0, x1]×[y0, y1] may have been set.
func (c *coverage) touch(x0, y0, x1, y1 float64) {
	r := image.Rect(
		clampInt(math.Floor(x0), c.clip.Min.X, c.clip.Max.X), clampInt(math.Floor(y0), c.clip.Min.Y, c.clip.Max.Y),
		clampInt(math.Ceil(x1)+1, c.clip.Min.X, c.clip.Max.X), clampInt(math.Ceil(y1)+1, c.clip.Min.Y, c.clip.Max.Y),
	)
	c.dirty = c.dirty.Union(r)
}

// segment adds a line from (x0, y0) to (x1, y1) of half-width hw with
// round caps. Coordinates are pixel indices (pixel (i, j) is centred on
// (i, j)). When dashed, only the parts whose arc length, counted from arc0 at
// (x0, y0), falls in the "on" phase of the dash pattern are drawn.
func (c *coverage) segment(x0, y0, x1, y1, hw float64, dashed bool, arc0 float64) {
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		if !dashed || math.Mod(arc0, dashPeriod) < dashOn {
			c.disc(x0, y0, hw)
		}
		return
	}
	length := math.Sqrt(l2)
	pad := 2*hw + 3
	c.touch(math.Min(x0, x1)-pad, math.Min(y0, y1)-pad, math.Max(x0, x1)+pad, math.Max(y0, y1)+pad)
	pix := func(px, py int) {
		fx, fy := float64(px), float64(py)
		t := ((fx-x0)*dx + (fy-y0)*dy) / l2
		t = math.Max(0, math.Min(1, t))
		ex, ey := fx-(x0+t*dx), fy-(y0+t*dy)
		d := math.Sqrt(ex*ex + ey*ey)
		v := hw + 0.5 - d
		if v <= 0 {
			return
		}
		if dashed && math.Mod(arc0+t*length, dashPeriod) >= dashOn {
			return
		}
		c.set(px, py, v)
	}
	band := 1.5*hw + 2
	// Walk along the major direction; in the minor one only a narrow band
	// around the line can be covered because |slope| ≤ 1 there.
	if math.Abs(dx) >= math.Abs(dy) {
		xa, xb := math.Min(x0, x1)-hw-1, math.Max(x0, x1)+hw+1
		pa, pb := clampInt(xa, c.clip.Min.X, c.clip.Max.X-1), clampInt(xb, c.clip.Min.X, c.clip.Max.X-1)
		for px := pa; px <= pb; px++ {
			t := math.Max(0, math.Min(1, (float64(px)-x0)/dx))
			yc := y0 + t*dy
			for py := int(math.Floor(yc - band)); py <= int(math.Ceil(yc+band)); py++ {
				pix(px, py)
			}
		}
		return
	}
	ya, yb := math.Min(y0, y1)-hw-1, math.Max(y0, y1)+hw+1
	pa, pb := clampInt(ya, c.clip.Min.Y, c.clip.Max.Y-1), clampInt(yb, c.clip.Min.Y, c.clip.Max.Y-1)
	for py := pa; py <= pb; py++ {
		t := math.Max(0, math.Min(1, (float64(py)-y0)/dy))
		xc := x0 + t*dx
		for px := int(math.Floor(xc - band)); px <= int(math.Ceil(xc+band)); px++ {
			pix(px, py)
		}
	}
}

// clampInt rounds v to the nearest integer in [lo, hi] (NaN maps to lo).
func clampInt(v float64, lo, hi int) int {
	switch {
	case !(v > float64(lo)):
		return lo
	case v > float64(hi):
		return hi
	}
	return int(math.Round(v))
}

// polyline adds the connected segments through pts with half-width hw,
// carrying the dash phase across vertices. A single point is drawn as a
// dot of radius dot so that isolated points stay visible.
func (c *coverage) polyline(pts [][2]float64, hw, dot float64, dashed bool) {
	if len(pts) == 1 {
		c.disc(pts[0][0], pts[0][1], dot)
		return
	}
	arc := 0.0
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		c.segment(p[0], p[1], q[0], q[1], hw, dashed, arc)
		arc += math.Hypot(q[0]-p[0], q[1]-p[1])
	}
}

// disc adds a filled anti-aliased disc of radius r centred on (x, y).
func (c *coverage) disc(x, y, r float64) {
	c.touch(x-r-1, y-r-1, x+r+1, y+r+1)
	for py := int(math.Floor(y - r - 1)); py <= int(math.Ceil(y+r+1)); py++ {
		for px := int(math.Floor(x - r - 1)); px <= int(math.Ceil(x+r+1)); px++ {
			c.set(px, py, r+0.5-math.Hypot(float64(px)-x, float64(py)-y))
		}
	}
}

// composite paints col over dst wherever the buffer has coverage and then
// clears the buffer for reuse.
func (c *coverage) composite(dst *image.RGBA, col color.RGBA) {
	r := c.dirty
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.a[y*c.w : (y+1)*c.w]
		for x := r.Min.X; x < r.Max.X; x++ {
			if v := row[x]; v > 0 {
				blend(dst, x, y, col, float64(v))
				row[x] = 0
			}
		}
	}
	c.dirty = image.Rectangle{}
}
