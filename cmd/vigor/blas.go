package main

import "github.com/vigor-ml/vigor/graph"

// The command's graphs use OpenBLAS when the command was built for it (the
// openblas build tag, with cgo; see graph.OpenBLAS) and graph's default
// kernels otherwise. The choice is the program's: importing graph changes no
// BLAS.
func init() {
	if k, ok := graph.OpenBLAS(); ok {
		graph.UseBLAS(k)
	}
}
