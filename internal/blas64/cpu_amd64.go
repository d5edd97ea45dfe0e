//go:build amd64 && !purego

package blas64

import "golang.org/x/sys/cpu"

// kernel6x8 computes the 6×8 tile
//
//	C = alpha·Ap·Bp + beta·C
//
// where Ap is a packed 6×k micro-panel of A (column-major, stride 6), Bp a
// packed k×8 micro-panel of B (row-major, stride 8) and C has row stride
// ldc (in elements), exactly as kernelGeneric does. If beta is ±0, C is not
// read. k must be ≥ 0.
//
//go:noescape
func kernel6x8(k int, a, b, c *float64, ldc int, alpha, beta float64)

// hasAVX2FMA reports whether the CPU supports AVX, AVX2 and FMA and the OS
// saves and restores the YMM registers. GODEBUG=cpu.avx2=off (or cpu.fma=off)
// turns the assembly off.
var hasAVX2FMA = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA

// asmKernels reports whether this build has the assembly kernels.
const asmKernels = true

// kernel6x8s is kernel6x8 with the A panel read in place: element (r, p)
// of the 6×k panel is at a[r·rs + p·ps] (strides in elements).
//
//go:noescape
func kernel6x8s(k int, a *float64, rs, ps int, b, c *float64, ldc int, alpha, beta float64)
