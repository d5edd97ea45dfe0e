package blas64

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS implementation with Dgemm replaced
// by this package's packed, cache-blocked, SIMD Dgemm. All other routines
// come from the embedded gonum.Implementation.
type Implementation struct {
	gonum.Implementation
}

var (
	_ blas.Float64       = Implementation{}
	_ blas.Float64Level3 = Implementation{}
)

// Dgemm computes C = alpha·op(A)·op(B) + beta·C with the semantics of
// gonum's blas.Float64.Dgemm. See the package-level Dgemm.
func (Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
