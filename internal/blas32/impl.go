package blas32

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS implementation with Sgemm replaced
// by this package's packed, cache-blocked, SIMD Sgemm. All other routines
// (float32, float64, complex64 and complex128) come from the embedded
// gonum.Implementation, so Implementation satisfies blas.Float32,
// blas.Float64, blas.Complex64 and blas.Complex128 and can be passed to
// gorgonia.Use.
type Implementation struct {
	gonum.Implementation
}

var (
	_ blas.Float32    = Implementation{}
	_ blas.Float64    = Implementation{}
	_ blas.Complex64  = Implementation{}
	_ blas.Complex128 = Implementation{}
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C with the semantics of
// gonum's blas.Float32.Sgemm. See the package-level Sgemm.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
