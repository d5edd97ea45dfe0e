//go:build !amd64 || purego

package blas64

const hasAVX2FMA = false

// asmKernels reports whether this build has the assembly kernels.
const asmKernels = false

// kernel6x8 is never called when hasAVX2FMA is false.
func kernel6x8(k int, a, b, c *float64, ldc int, alpha, beta float64) {
	panic("blas64: no assembly kernel on this platform")
}

// kernel6x8s is never called when hasAVX2FMA is false.
func kernel6x8s(k int, a *float64, rs, ps int, b, c *float64, ldc int, alpha, beta float64) {
	panic("blas64: no assembly kernel on this platform")
}
