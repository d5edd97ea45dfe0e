// Package blas64 provides a fast pure-Go (Go assembly, no cgo) double
// precision general matrix multiply, Dgemm, with exactly the row-major
// semantics of gonum's blas.Float64.Dgemm:
//
//	C = alpha·op(A)·op(B) + beta·C
//
// where op(X) is X or Xᵀ. It is internal/blas32's design in float64: op(A)
// and op(B) are packed block by block into contiguous micro-panels for a
// register-blocked micro-kernel (6×8 here: twelve YMM accumulators of four
// float64s), with KC = 256 (k cut into equal blocks of at most KC), MC = 120
// and NC = 1536, and products of at least 2²¹ multiply-adds split across up
// to GOMAXPROCS goroutines (the caller and internal/parallel's persistent
// pool). The argument checks, the loop nest over cache blocks and the
// parallel split are internal/gemm's generic driver, shared with
// internal/blas32; this package supplies the packing routines and the
// macro-kernels over the 6×8 tiles.
//
// # Same bits everywhere
//
// Every element of C is
//
//	acc = 0;  for p in 0..kc-1: acc = fma(a_ip, b_pj, acc)     (one rounding per step)
//	C   = alpha·acc                         if beta = 0 (first k block)
//	C   = fma(beta, C, alpha·acc)           otherwise (beta = 1 for later k blocks)
//
// with the k blocks taken in order. The AVX2 micro-kernel does exactly this
// with VFMADD231PD; the portable micro-kernel does it with math.FMA, which
// is the same correctly rounded operation (an FMA instruction on amd64 CPUs
// that have one and on arm64, exact software elsewhere). The blocking does
// not depend on the number of goroutines and each element of C is computed
// by one of them, so Dgemm gives the same bits on every CPU, with any
// GOMAXPROCS, with or without the assembly (GODEBUG=cpu.avx2=off, the
// purego build tag). The price: on an amd64 CPU without FMA (before 2013)
// the portable kernel's software FMA is much slower than gonum's Dgemm;
// graph.GonumBLAS is there for such machines. The results differ from
// gonum's (which rounds every product and sum) in the last bits.
//
// On amd64 CPUs with AVX2 and FMA (and an OS that saves YMM state, as
// golang.org/x/sys/cpu reports) the micro-kernel is assembly; packing is
// portable Go everywhere.
//
// Implementation wraps gonum's pure-Go BLAS and overrides only Dgemm.
package blas64
