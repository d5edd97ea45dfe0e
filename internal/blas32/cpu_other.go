//go:build !amd64 || purego

package blas32

const hasAVX2FMA = false

// asmKernels reports whether this build has the assembly kernels.
const asmKernels = false

// kernel6x16 is never called when hasAVX2FMA is false.
func kernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	panic("blas32: no assembly kernel on this platform")
}

func packBNoTrans16(kc, panels int, src *float32, ldb int, dst *float32) {
	panic("blas32: no assembly kernel on this platform")
}

func packBTrans16(kc8 int, src *float32, ldb int, dst *float32) {
	panic("blas32: no assembly kernel on this platform")
}

func packATrans6(kc, panels int, src *float32, lda int, dst *float32) {
	panic("blas32: no assembly kernel on this platform")
}

func packANoTrans6(kc8 int, src *float32, lda int, dst *float32) {
	panic("blas32: no assembly kernel on this platform")
}
