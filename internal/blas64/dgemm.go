package blas64

import (
	"math"

	"gonum.org/v1/gonum/blas"

	"github.com/vigor-ml/vigor/internal/gemm"
)

// Register tile of the micro-kernel: it computes an mr×nr block of C.
const (
	mr = gemm.MR // 6
	nr = 8
)

// blocking are the cache blocking and threading parameters. They are
// variables only so that tests and benchmarks can explore them; MC must be a
// multiple of mr and NC a multiple of nr.
var blocking = gemm.Blocking{
	KC: 256,  // depth of a packed block: a kc×nr sliver of B (16 KiB) stays in L1
	MC: 120,  // rows of a packed block of A: mc×kc float64s (240 KiB) stay in L2
	NC: 1536, // columns of a packed block of B: kc×nc float64s (3 MiB)

	// Par: the number of multiply-adds (m·n·k) from which Dgemm
	// splits the product across goroutines: 2²¹ ≈ 2.1M, about 100 µs of
	// single-threaded work at 40 GFLOP/s (half of blas32's threshold,
	// float64 being half as fast). Handing work to a parked worker costs
	// roughly 5–20 µs (goroutine wake-up, shared packing, load imbalance at
	// the end), and on a loaded machine the second core is often not
	// available at all (blas32 measured a loss below about 4M float32
	// multiply-adds). The split never changes the result: every element of
	// C is computed by one goroutine, in the same order.
	Par: 1 << 21,

	// MaxShared: the largest packed operand (in float64s) that a parallel
	// call packs once and shares between its goroutines. Larger problems
	// are split statically instead, each goroutine packing what it needs.
	MaxShared: 2 << 20,
}

// kernels are this package's packing routines and macro-kernels for the
// driver in internal/gemm. Products with n ≤ 2·nr read op(A) in place
// (macroKernelDirect): each of its panels would be used at most twice.
var kernels = &gemm.Kernels[float64]{
	NR: nr, PackA: packA, PackB: packB, MacroKernel: macroKernel,
	Direct: macroKernelDirect, DirectMaxN: 2 * nr,
}

// Dgemm computes
//
//	C = alpha·op(A)·op(B) + beta·C
//
// for row-major matrices, where op(X) is X if tX is blas.NoTrans and Xᵀ if
// tX is blas.Trans or blas.ConjTrans, op(A) is m×k, op(B) is k×n and C is
// m×n. Arguments are checked exactly as gonum's blas.Float64.Dgemm checks
// them and violations panic with the same messages. When beta is zero, C is
// overwritten without being read, so it may hold NaN or Inf. When alpha is
// zero or k is zero, A and B are not read and C is only scaled by beta.
//
// Dgemm uses the AVX2/FMA kernel when HasAVX2 reports true and the portable
// Go kernel otherwise; both give the same bits (see the package
// documentation). Large products are computed by up to GOMAXPROCS
// goroutines, with the same bits as on one.
func Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm.Gemm(kernels, &blocking, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// macroKernel computes C = alpha·Ap·Bp + beta·C for the mc×nc block of C
// at c (row stride ldc) from the packed mc×kc block Ap of op(A) and kc×nc
// block Bp of op(B), one mr×nr tile at a time.
func macroKernel(c []float64, ldc int, ap, bp []float64, mc, nc, kc int, alpha, beta float64, ws *gemm.Workspace[float64]) {
	asm := useAsm
	for jr := 0; jr < nc; jr += nr {
		nn := min(nr, nc-jr)
		b := bp[jr*kc : jr*kc+nr*kc]
		for ir := 0; ir < mc; ir += mr {
			mm := min(mr, mc-ir)
			a := ap[ir*kc : ir*kc+mr*kc]
			off := ir*ldc + jr
			if mm == mr && nn == nr {
				if asm {
					kernel6x8(kc, &a[0], &b[0], &c[off], ldc, alpha, beta)
				} else {
					kernelGeneric(kc, a, b, c[off:], ldc, alpha, beta)
				}
				continue
			}
			// Edge tile: compute the full tile into a scratch tile, then
			// store the valid mm×nn part.
			t := ws.Tile[:mr*nr]
			if asm {
				kernel6x8(kc, &a[0], &b[0], &t[0], nr, 1, 0)
			} else {
				kernelGeneric(kc, a, b, t, nr, 1, 0)
			}
			storeTile(c[off:], ldc, t, mm, nn, alpha, beta)
		}
	}
}

// macroKernelDirect is macroKernel for a product whose A panels would each
// be used at most twice (n ≤ 2·nr): instead of packing the mc×kc block of
// op(A), which starts at a with element (i, p) at a[i·lda+p] (a[p·lda+i] if
// trans), the assembly kernel reads each full 6-row panel in place, with
// the same arithmetic (so the same bits). Edge panels, and every panel
// without the assembly, are packed one at a time.
func macroKernelDirect(c []float64, ldc int, a []float64, lda int, trans bool, bp []float64, mc, nc, kc int, alpha, beta float64, ws *gemm.Workspace[float64]) {
	// Strides of op(A)(i, p) in a, in elements.
	rs, ps := lda, 1
	if trans {
		rs, ps = 1, lda
	}
	for ir := 0; ir < mc; ir += mr {
		mm := min(mr, mc-ir)
		var ap []float64
		if mm < mr || !useAsm {
			ap = ws.ABuf(mr * kc)
			packA(ap, a, lda, trans, ir, mm, 0, kc)
		} else {
			// Bounds for the assembly: the last element it reads.
			_ = a[ir*rs+(mr-1)*rs+(kc-1)*ps]
		}
		for jr := 0; jr < nc; jr += nr {
			nn := min(nr, nc-jr)
			b := bp[jr*kc : jr*kc+nr*kc]
			off := ir*ldc + jr
			if ap == nil && nn == nr {
				kernel6x8s(kc, &a[ir*rs], rs, ps, &b[0], &c[off], ldc, alpha, beta)
				continue
			}
			t := ws.Tile[:mr*nr]
			if ap == nil {
				kernel6x8s(kc, &a[ir*rs], rs, ps, &b[0], &t[0], nr, 1, 0)
			} else if useAsm {
				kernel6x8(kc, &ap[0], &b[0], &t[0], nr, 1, 0)
			} else {
				kernelGeneric(kc, ap, b, t, nr, 1, 0)
			}
			storeTile(c[off:], ldc, t, mm, nn, alpha, beta)
		}
	}
}

// storeTile writes the valid mm×nn part of the tile t (alpha·acc not yet
// applied) into C at c, as the kernels store: alpha·acc, or
// fma(beta, C, alpha·acc). It is not inlined: inlined into the
// macro-kernels, its loop compiles to more instructions (register pressure).
//
//go:noinline
func storeTile(c []float64, ldc int, t []float64, mm, nn int, alpha, beta float64) {
	for i := 0; i < mm; i++ {
		crow := c[i*ldc : i*ldc+nn]
		trow := t[i*nr : i*nr+nn]
		if beta == 0 {
			for j, v := range trow {
				crow[j] = alpha * v
			}
		} else {
			for j, v := range trow {
				crow[j] = math.FMA(beta, crow[j], alpha*v)
			}
		}
	}
}
