// Package plot is a small, dependency-light PNG chart renderer.
//
// It draws the handful of figures the vigor command and its notebooks need:
//
//   - [LineChart]: one or more (x, y) series on linear or logarithmic axes,
//     for example VAE loss curves per epoch or estimator variance against the
//     number of Monte Carlo samples on a log-log plot;
//   - [Scatter]: points coloured by an integer class with a legend, for
//     example 2-D VAE latent codes coloured by digit label;
//   - [Grid]: a grey-scale mosaic of small images such as MNIST digits or
//     VAE reconstructions and samples.
//
// Charts have a title, axis labels, "nice" tick values (1, 2 or 5 times a
// power of ten on linear axes, powers of ten on logarithmic ones),
// gridlines and a legend drawn in a fixed colour-blind-friendly palette
// ([Palette], the Tableau 10 colours). Text uses the fixed 7×13 bitmap font
// of golang.org/x/image/font/basicfont, so only printable ASCII renders;
// other characters are drawn as a replacement glyph.
//
// Non-finite values (NaN, ±Inf), and on logarithmic axes non-positive
// values, are skipped; a line is broken where a point is skipped rather than
// joined across the gap.
//
// Rendering is deterministic: the same input always produces the same
// pixels. Save and [SaveImage] write files atomically (a temporary file in
// the same directory renamed over the target), so a reader never sees a
// partial PNG.
package plot
