package blas32

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm"
)

// Register tile of the micro-kernel: it computes an mr×nr block of C.
const (
	mr = gemm.MR // 6
	nr = 16
)

// blocking are the cache blocking and threading parameters. They are
// variables only so that tests and benchmarks can explore them; MC must be a
// multiple of mr and NC a multiple of nr.
var blocking = gemm.Blocking{
	KC: 256,  // depth of a packed block: a kc×nr sliver of B (16 KiB) stays in L1
	MC: 192,  // rows of a packed block of A: mc×kc floats (192 KiB) stay in L2
	NC: 3072, // columns of a packed block of B: kc×nc floats (3 MiB)

	// Par: the number of multiply-adds (m·n·k) from which Sgemm
	// splits the product across goroutines: 2²² ≈ 4.2M, about 110 µs of
	// single-threaded work at 75 GFLOP/s. Handing work to a parked worker
	// costs roughly 5–20 µs (goroutine wake-up, shared packing, load
	// imbalance at the end), and on a loaded machine the second core is
	// often not available at all: measured there, splitting products of
	// about 1–4M multiply-adds (for example the 128×400·400×20 VAE layers)
	// was 10–30% slower than staying on one goroutine, while the 40M
	// multiply-add VAE layers gain up to 1.8× when a second core is free.
	Par: 1 << 22,

	// MaxShared: the largest packed operand (in float32s) that a parallel
	// call packs once and shares between its goroutines. Larger problems
	// are split statically instead, each goroutine packing what it needs.
	MaxShared: 4 << 20,
}

// kernels are this package's packing routines and macro-kernel for the
// driver in internal/gemm.
var kernels = &gemm.Kernels[float32]{NR: nr, PackA: packA, PackB: packB, MacroKernel: macroKernel}

// Sgemm computes
//
//	C = alpha·op(A)·op(B) + beta·C
//
// for row-major matrices, where op(X) is X if tX is blas.NoTrans and Xᵀ if
// tX is blas.Trans or blas.ConjTrans, op(A) is m×k, op(B) is k×n and C is
// m×n. Arguments are checked exactly as gonum's blas.Float32.Sgemm checks
// them and violations panic with the same messages. When beta is zero, C is
// overwritten without being read, so it may hold NaN or Inf. When alpha is
// zero or k is zero, A and B are not read and C is only scaled by beta.
//
// Sgemm uses the AVX2/FMA kernel when HasAVX2 reports true. On other amd64
// CPUs it delegates to gonum's Sgemm (whose SSE assembly beats portable Go
// there); on other architectures it uses the packed portable Go kernel.
// Large products are computed by up to GOMAXPROCS goroutines.
func Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if useGonum {
		gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm.Gemm(kernels, &blocking, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// macroKernel computes C = alpha·Ap·Bp + beta·C for the mc×nc block of C
// at c (row stride ldc) from the packed mc×kc block Ap of op(A) and kc×nc
// block Bp of op(B), one mr×nr tile at a time.
func macroKernel(c []float32, ldc int, ap, bp []float32, mc, nc, kc int, alpha, beta float32, ws *gemm.Workspace[float32]) {
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
					kernel6x16(kc, &a[0], &b[0], &c[off], ldc, alpha, beta)
				} else {
					kernelGeneric(kc, a, b, c[off:], ldc, alpha, beta)
				}
				continue
			}
			// Edge tile: compute the full tile into a scratch tile, then
			// copy the valid mm×nn part.
			t := ws.Tile[:mr*nr]
			if asm {
				kernel6x16(kc, &a[0], &b[0], &t[0], nr, 1, 0)
			} else {
				kernelGeneric(kc, a, b, t, nr, 1, 0)
			}
			for i := 0; i < mm; i++ {
				crow := c[off+i*ldc : off+i*ldc+nn]
				trow := t[i*nr : i*nr+nn]
				if beta == 0 {
					for j, v := range trow {
						crow[j] = alpha * v
					}
				} else {
					for j, v := range trow {
						crow[j] = alpha*v + beta*crow[j]
					}
				}
			}
		}
	}
}
