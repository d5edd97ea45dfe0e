//go:build !(openblas && cgo)

package graph

// openBLASImpl is nil in this build: OpenBLAS needs the openblas build tag and
// cgo (see OpenBLAS).
var openBLASImpl *blasImpl
