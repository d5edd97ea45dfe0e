package main

import "github.com/vigor-ml/vigor/graph"

// The benchmark's graphs use OpenBLAS when it was built for it (the openblas
// build tag, with cgo; see graph.OpenBLAS), as the vigor command does, and
// graph's default kernels otherwise; the "blas" field of its output names the
// choice.
func init() {
	if k, ok := graph.OpenBLAS(); ok {
		graph.UseBLAS(k)
	}
}
