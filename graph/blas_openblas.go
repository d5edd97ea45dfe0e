//go:build openblas && cgo

package graph

import (
	"github.com/vigor-ml/vigor/internal/blas32"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// openBLAS sends every BLAS call to OpenBLAS except the float32 matrix product
// on CPUs with AVX2, which stays on Vigor's kernel: on the VAE's shapes it
// measured about 1.5× faster than Debian's OpenBLAS 0.3.21 through cgo (see
// BENCHMARKS.md).
type openBLAS struct{ netlib.Implementation }

// Sgemm implements blas.Float32Level3.
func (o openBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if blas32.HasAVX2() {
		blas32.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	o.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// openBLASImpl is the BLAS that OpenBLAS returns in this build.
var openBLASImpl = func() *blasImpl {
	name := "openblas"
	if blas32.HasAVX2() {
		name = "openblas + vigor-blas sgemm"
	}
	return &blasImpl{name: name, f32: openBLAS{}, f64: netlib.Implementation{}}
}()
