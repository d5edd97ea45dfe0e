package plot

import "image/color"

// palette is the Tableau 10 colour set (the 2016 revision), designed to be
// distinguishable by readers with the common forms of colour-vision
// deficiency.
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

// Palette returns a copy of the colours used for series and classes, in
// order: series i of a [LineChart] and class i of a [Scatter] are drawn in
// Palette()[i%len(Palette())]. The palette is Tableau 10 and has 10
// colours.
func Palette() []color.RGBA {
	p := make([]color.RGBA, len(palette))
	copy(p, palette[:])
	return p
}

// colorFor returns the palette colour for series or class i (i >= 0).
func colorFor(i int) color.RGBA {
	return palette[i%len(palette)]
}

// Fixed colours of the chart furniture.
var (
	colBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colGridMajor  = color.RGBA{0xe3, 0xe3, 0xe3, 0xff}
	colGridMinor  = color.RGBA{0xf2, 0xf2, 0xf2, 0xff}
	colAxis       = color.RGBA{0x44, 0x44, 0x44, 0xff}
	colText       = color.RGBA{0x22, 0x22, 0x22, 0xff}
	colLegendEdge = color.RGBA{0xaa, 0xaa, 0xaa, 0xff}
)
