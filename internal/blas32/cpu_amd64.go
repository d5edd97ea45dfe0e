//go:build amd64 && !purego

package blas32

import "golang.org/x/sys/cpu"

// kernel6x16 computes the 6×16 tile
//
//	C = alpha·Ap·Bp + beta·C
//
// where Ap is a packed 6×k micro-panel of A (column-major, stride 6), Bp a
// packed k×16 micro-panel of B (row-major, stride 16) and C has row stride
// ldc (in elements). If beta is ±0, C is not read. k must be ≥ 0.
//
//go:noescape
func kernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)

// hasAVX2FMA reports whether the CPU supports AVX, AVX2 and FMA and the OS
// saves and restores the YMM registers (golang.org/x/sys/cpu checks XCR0 for
// its AVX flags). As with the Go runtime, GODEBUG=cpu.avx2=off (or cpu.fma=off,
// cpu.all=off) turns the assembly off.
var hasAVX2FMA = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA

// asmKernels reports whether this build has the assembly kernels.
const asmKernels = true

// packBNoTrans16 copies, for p in [0,kc) and q in [0,panels), the 16 floats
// at src[p·ldb+16q:] to dst[16·kc·q+16p:]. It needs AVX.
//
//go:noescape
func packBNoTrans16(kc, panels int, src *float32, ldb int, dst *float32)

// packBTrans16 transposes the 16×kc8 block whose row j is
// src[j·ldb:j·ldb+kc8] into dst, element (j, p) going to dst[16p+j].
// kc8 must be a multiple of 8. It needs AVX.
//
//go:noescape
func packBTrans16(kc8 int, src *float32, ldb int, dst *float32)

// packATrans6 copies, for p in [0,kc) and q in [0,panels), the 6 floats at
// src[p·lda+6q:] to dst[6·kc·q+6p:].
//
//go:noescape
func packATrans6(kc, panels int, src *float32, lda int, dst *float32)

// packANoTrans6 transposes the 6×kc8 block whose row i is
// src[i·lda:i·lda+kc8] into dst, element (i, p) going to dst[6p+i]. kc8
// must be a multiple of 8. It also writes dst[6·kc8:6·kc8+2], which the
// caller must own and overwrite. It needs AVX.
//
//go:noescape
func packANoTrans6(kc8 int, src *float32, lda int, dst *float32)
