package plot

import (
	"fmt"
	"image"
	"math"
)

// GridBorder is the grey level of the 1-pixel lines that [Grid] draws
// around and between its cells.
const GridBorder = 128

// Grid tiles up to rows×cols grey-scale images of h×w pixels into one
// image, row by row, for example a mosaic of MNIST digits or of VAE
// samples.
//
// Each image is a row-major slice of h·w values in [0, 1] (values outside
// are clamped, NaN counts as 0) where 1 is white ink on a black background,
// as in MNIST: value v becomes grey level uint8(255·v). Every pixel is
// magnified to a scale×scale block (scale 0 means 2). Cells are separated
// from each other and from the edge by 1-pixel lines of grey GridBorder;
// cells without an image (len(images) < rows·cols) stay black. The result
// is cols·w·scale + cols + 1 pixels wide and rows·h·scale + rows + 1 high,
// and the image with index i sits in row i/cols, column i%cols.
//
// Grid returns ErrSize for a non-positive rows, cols, h or w, a negative
// scale or a result that is too large, and ErrLength for more than
// rows·cols images or an image whose length is not h·w.
func Grid(images [][]float64, rows, cols, h, w, scale int) (*image.Gray, error) {
	if scale == 0 {
		scale = 2
	}
	if rows <= 0 || cols <= 0 || h <= 0 || w <= 0 || scale < 0 {
		return nil, fmt.Errorf("%w: grid %d×%d of %d×%d images at scale %d", ErrSize, rows, cols, h, w, scale)
	}
	// Check the output size before multiplying further, to avoid overflow.
	limit := int64(math.Sqrt(maxPixels))
	cw, ch := int64(w)*int64(scale)+1, int64(h)*int64(scale)+1
	if cw > limit || ch > limit || int64(cols)*cw+1 > limit || int64(rows)*ch+1 > limit {
		return nil, fmt.Errorf("%w: grid %d×%d of %d×%d images at scale %d is too large", ErrSize, rows, cols, h, w, scale)
	}
	if len(images) > rows*cols {
		return nil, fmt.Errorf("%w: %d images for a %d×%d grid", ErrLength, len(images), rows, cols)
	}
	for i, im := range images {
		if len(im) != h*w {
			return nil, fmt.Errorf("%w: image %d has %d values, want %d×%d = %d", ErrLength, i, len(im), h, w, h*w)
		}
	}
	W, H := cols*int(cw)+1, rows*int(ch)+1
	out := image.NewGray(image.Rect(0, 0, W, H))
	// Paint the borders: every row and column of pixels on a cell boundary.
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			if x%int(cw) == 0 || y%int(ch) == 0 {
				out.Pix[y*out.Stride+x] = GridBorder
			}
		}
	}
	for i, im := range images {
		x0 := 1 + (i%cols)*int(cw)
		y0 := 1 + (i/cols)*int(ch)
		for r := 0; r < h; r++ {
			for c := 0; c < w; c++ {
				g := grey(im[r*w+c])
				if g == 0 {
					continue
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

// grey maps a value in [0, 1] (clamped; NaN → 0) to a grey level.
func grey(v float64) uint8 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1:
		return 255
	}
	return uint8(255 * v)
}
