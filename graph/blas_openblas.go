//go:build openblas && cgo

package graph

import "gonum.org/v1/netlib/blas/netlib"

// With the openblas build tag (and cgo), matrix products go through OpenBLAS:
//
//	apt-get install -y libopenblas-dev
//	CGO_LDFLAGS=-lopenblas go build -tags openblas ./...
func init() { useBLAS("openblas", netlib.Implementation{}) }
