//go:build !(openblas && cgo)

package graph

import "github.com/vigor-ml/vigor/internal/blas32"

// The default build computes float32 matrix products with Vigor's own kernels
// (internal/blas32: pure Go with AVX2/FMA assembly on amd64, gonum otherwise)
// and float64 ones with gonum.
func init() {
	name := "vigor-blas32 (portable)"
	if blas32.HasAVX2() {
		name = "vigor-blas32 (avx2)"
	}
	useBLAS(name, blas32.Implementation{})
}
