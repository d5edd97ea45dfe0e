//go:build !amd64 || purego

package vmath

const hasAVX2 = false

// The kernels are never called when hasAVX2 is false.

func expAVX2(dst, x []float32) int { panic("vmath: no assembly on this platform") }

func softplusAVX2(dst, x []float32) int { panic("vmath: no assembly on this platform") }

func sigmoidAVX2(dst, x []float32) int { panic("vmath: no assembly on this platform") }

func bernoulliLogitsAVX2(dst, y, l []float32) int {
	panic("vmath: no assembly on this platform")
}

func bernoulliLogitsGradAVX2(dst, y, l, g []float32) int {
	panic("vmath: no assembly on this platform")
}

func exp64AVX2(dst, x []float64) int { panic("vmath: no assembly on this platform") }

func log1p64AVX2(dst, x []float64) int { panic("vmath: no assembly on this platform") }

func softplus64AVX2(dst, x []float64) int { panic("vmath: no assembly on this platform") }

func sigmoid64AVX2(dst, x []float64) int { panic("vmath: no assembly on this platform") }

func logistic64AVX2(ll, r, y, eta []float64) int { panic("vmath: no assembly on this platform") }

func poisson64AVX2(ll, r, y, eta []float64) int { panic("vmath: no assembly on this platform") }

func bernoulli64AVX2(dst, y, l []float64) int { panic("vmath: no assembly on this platform") }
