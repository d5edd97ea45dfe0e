//go:build amd64 && !purego

package vmath

import "github.com/vigor-ml/vigor/internal/blas32"

var hasAVX2 = blas32.HasAVX2()

// The AVX2 kernels below process x (and the other inputs) in blocks of 8
// from the start and return the number of elements written to dst: a
// multiple of 8 that stops before the first block containing an element they
// do not handle (see the package documentation), or before the final
// len%8 elements. All slices must have the same length.

//go:noescape
func expAVX2(dst, x []float32) int

//go:noescape
func softplusAVX2(dst, x []float32) int

//go:noescape
func sigmoidAVX2(dst, x []float32) int

//go:noescape
func bernoulliLogitsAVX2(dst, y, l []float32) int

//go:noescape
func bernoulliLogitsGradAVX2(dst, y, l, g []float32) int

// The float64 kernels process blocks of 4 and return the number of
// elements written, as above.

//go:noescape
func exp64AVX2(dst, x []float64) int

//go:noescape
func log1p64AVX2(dst, x []float64) int

//go:noescape
func softplus64AVX2(dst, x []float64) int

//go:noescape
func sigmoid64AVX2(dst, x []float64) int

//go:noescape
func logistic64AVX2(ll, r, y, eta []float64) int

//go:noescape
func poisson64AVX2(ll, r, y, eta []float64) int

//go:noescape
func bernoulli64AVX2(dst, y, l []float64) int
