package graph

import (
	G "gorgonia.org/gorgonia"
)

// blasName names the BLAS that Gorgonia's matrix products use.
var blasName = "gonum"

// BLASName returns the name of the BLAS implementation in use for matrix
// products: "vigor-blas32 (avx2)" (the default: Vigor's own pure-Go float32
// kernels with AVX2/FMA assembly, gonum for float64), "vigor-blas32 (portable)"
// (the same without AVX2), or, in the cgo build with the openblas tag,
// "openblas + vigor-blas32 sgemm" (OpenBLAS except for float32 matrix products
// on AVX2 CPUs) or "openblas".
func BLASName() string { return blasName }

// useBLAS installs b for Gorgonia's matrix products.
func useBLAS(name string, b G.BLAS) {
	G.Use(b)
	blasName = name
}
