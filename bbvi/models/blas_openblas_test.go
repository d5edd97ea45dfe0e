//go:build openblas && cgo

package models

import "github.com/vigor-ml/vigor/graph"

// In the openblas build the benchmarks measure OpenBLAS: choosing a BLAS is
// the program's explicit call, and this test binary makes it.
func init() {
	if k, ok := graph.OpenBLAS(); ok {
		graph.UseBLAS(k)
	}
}
