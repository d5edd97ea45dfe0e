package blas64

import (
	"math"

	"gonum.org/v1/gonum/blas"
)

// Panic strings, identical to gonum's blas/gonum package.
const (
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badTranspose = "blas: illegal transpose"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// Register tile of the micro-kernel: it computes an mr×nr block of C.
const (
	mr = 6
	nr = 8
)

// Cache blocking parameters. They are variables only so that tests and
// benchmarks can explore them; mcBlock must be a multiple of mr and ncBlock
// a multiple of nr.
var (
	kcBlock = 256  // depth of a packed block: a kc×nr sliver of B (16 KiB) stays in L1
	mcBlock = 120  // rows of a packed block of A: mc×kc float64s (240 KiB) stay in L2
	ncBlock = 1536 // columns of a packed block of B: kc×nc float64s (3 MiB)
)

// Dgemm computes
//
//	C = alpha·op(A)·op(B) + beta·C
//
// for row-major matrices, where op(X) is X if tX is blas.NoTrans and Xᵀ if
// tX is blas.Trans or blas.ConjTrans, op(A) is m×k, op(B) is k×n and C is
// m×n. Arguments are checked exactly as gonum's blas.Float32.Dgemm checks
// them and violations panic with the same messages. When beta is zero, C is
// overwritten without being read, so it may hold NaN or Inf. When alpha is
// zero or k is zero, A and B are not read and C is only scaled by beta.
//
// Dgemm uses the AVX2/FMA kernel when HasAVX2 reports true and the portable
// Go kernel otherwise; both give the same bits (see the package
// documentation). Large products are computed by up to GOMAXPROCS
// goroutines, with the same bits as on one.
func Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	switch tA {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	switch tB {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	aTrans := tA == blas.Trans || tA == blas.ConjTrans
	if aTrans {
		if lda < max(1, m) {
			panic(badLdA)
		}
	} else {
		if lda < max(1, k) {
			panic(badLdA)
		}
	}
	bTrans := tB == blas.Trans || tB == blas.ConjTrans
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else {
		if ldb < max(1, n) {
			panic(badLdB)
		}
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}

	// Quick return if possible.
	if m == 0 || n == 0 {
		return
	}

	// For zero matrix size the following slice length checks are trivially satisfied.
	if aTrans {
		if len(a) < (k-1)*lda+m {
			panic(shortA)
		}
	} else {
		if len(a) < (m-1)*lda+k {
			panic(shortA)
		}
	}
	if bTrans {
		if len(b) < (n-1)*ldb+k {
			panic(shortB)
		}
	} else {
		if len(b) < (k-1)*ldb+n {
			panic(shortB)
		}
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}

	// Quick return if possible.
	if (alpha == 0 || k == 0) && beta == 1 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}

	g := gemm{
		aTrans: aTrans, bTrans: bTrans,
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a: a, lda: lda,
		b: b, ldb: ldb,
		c: c, ldc: ldc,
	}
	nk := (k + kcBlock - 1) / kcBlock
	g.kc = (k + nk - 1) / nk
	g.directA = n <= 2*nr
	if w := numWorkers(m, n, k); w > 1 {
		runParallel(&g, w)
		return
	}
	ws := getWorkspace()
	g.compute(0, m, 0, n, ws)
	putWorkspace(ws)
}

// scaleC computes C = beta·C, writing zeros without reading C if beta is 0.
func scaleC(m, n int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemm holds the validated arguments of one Dgemm call.
type gemm struct {
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    float64
	a              []float64
	lda            int
	b              []float64
	ldb            int
	c              []float64
	ldc            int

	// kc is the depth of the packed blocks: k split into equal parts of at
	// most kcBlock, so that no block is left with a short remainder.
	kc int

	// directA: op(A) is read in place rather than packed (see
	// macroKernelDirect).
	directA bool
}

// compute computes the block C[i0:i1, j0:j1] of the product using the
// packing buffers in ws. It is the serial BLIS loop nest (jc, pc, ic, jr, ir).
func (g *gemm) compute(i0, i1, j0, j1 int, ws *workspace) {
	mc0 := min(mcBlock, roundUp(i1-i0, mr))
	nc0 := min(ncBlock, roundUp(j1-j0, nr))
	ap := ws.aBuf(mc0 * g.kc)
	bp := ws.bBuf(nc0 * g.kc)
	for jc := j0; jc < j1; jc += ncBlock {
		nc := min(ncBlock, j1-jc)
		for pc := 0; pc < g.k; pc += g.kc {
			kc := min(g.kc, g.k-pc)
			beta := g.beta
			if pc > 0 {
				beta = 1
			}
			packB(bp, g.b, g.ldb, g.bTrans, pc, kc, jc, nc)
			for ic := i0; ic < i1; ic += mcBlock {
				mc := min(mcBlock, i1-ic)
				if g.directA {
					g.macroKernelDirect(bp, ic, mc, jc, nc, pc, kc, beta, ws)
					continue
				}
				packA(ap, g.a, g.lda, g.aTrans, ic, mc, pc, kc)
				g.macroKernel(ap, bp, ic, mc, jc, nc, kc, beta, ws)
			}
		}
	}
}

// macroKernel multiplies the packed mc×kc block of op(A) by the packed kc×nc
// block of op(B) into C[ic:ic+mc, jc:jc+nc], one mr×nr tile at a time.
func (g *gemm) macroKernel(ap, bp []float64, ic, mc, jc, nc, kc int, beta float64, ws *workspace) {
	alpha := g.alpha
	c, ldc := g.c, g.ldc
	asm := useAsm
	for jr := 0; jr < nc; jr += nr {
		nn := min(nr, nc-jr)
		b := bp[jr*kc : jr*kc+nr*kc]
		for ir := 0; ir < mc; ir += mr {
			mm := min(mr, mc-ir)
			a := ap[ir*kc : ir*kc+mr*kc]
			off := (ic+ir)*ldc + jc + jr
			if mm == mr && nn == nr {
				if asm {
					kernel6x8(kc, &a[0], &b[0], &c[off], ldc, alpha, beta)
				} else {
					kernelGeneric(kc, a, b, c[off:], ldc, alpha, beta)
				}
				continue
			}
			// Edge tile: compute the full tile into a scratch tile, then
			// copy the valid mm×nn part.
			t := ws.tile[:]
			if asm {
				kernel6x8(kc, &a[0], &b[0], &t[0], nr, 1, 0)
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
					// As the kernels store: one rounding of beta·C + (alpha·acc).
					for j, v := range trow {
						crow[j] = math.FMA(beta, crow[j], alpha*v)
					}
				}
			}
		}
	}
}

// macroKernelDirect is macroKernel for a product whose A panels would each
// be used at most twice (n ≤ 2·nr): instead of packing the mc×kc block of
// op(A), the assembly kernel reads each full 6-row panel in place, with the
// same arithmetic (so the same bits). Edge panels, and every panel without
// the assembly, are packed one at a time.
func (g *gemm) macroKernelDirect(bp []float64, ic, mc, jc, nc, pc, kc int, beta float64, ws *workspace) {
	// Strides of op(A)(i, p) in a, in elements.
	rs, ps := g.lda, 1
	if g.aTrans {
		rs, ps = 1, g.lda
	}
	c, ldc := g.c, g.ldc
	for ir := 0; ir < mc; ir += mr {
		mm := min(mr, mc-ir)
		i := ic + ir
		var ap []float64
		if mm < mr || !useAsm {
			ap = ws.aBuf(mr * kc)
			packA(ap, g.a, g.lda, g.aTrans, i, mm, pc, kc)
		} else {
			// Bounds for the assembly: the last element it reads.
			_ = g.a[i*rs+pc*ps+(mr-1)*rs+(kc-1)*ps]
		}
		for jr := 0; jr < nc; jr += nr {
			nn := min(nr, nc-jr)
			b := bp[jr*kc : jr*kc+nr*kc]
			off := i*ldc + jc + jr
			if ap == nil && nn == nr {
				kernel6x8s(kc, &g.a[i*rs+pc*ps], rs, ps, &b[0], &c[off], ldc, g.alpha, beta)
				continue
			}
			t := ws.tile[:]
			if ap == nil {
				kernel6x8s(kc, &g.a[i*rs+pc*ps], rs, ps, &b[0], &t[0], nr, 1, 0)
			} else if useAsm {
				kernel6x8(kc, &ap[0], &b[0], &t[0], nr, 1, 0)
			} else {
				kernelGeneric(kc, ap, b, t, nr, 1, 0)
			}
			g.storeTile(t, off, mm, nn, beta)
		}
	}
}

// storeTile writes the valid mm×nn part of the tile t (alpha·acc not yet
// applied) into C at off, as the kernels store: alpha·acc, or
// fma(beta, C, alpha·acc).
func (g *gemm) storeTile(t []float64, off, mm, nn int, beta float64) {
	alpha, c, ldc := g.alpha, g.c, g.ldc
	for i := 0; i < mm; i++ {
		crow := c[off+i*ldc : off+i*ldc+nn]
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

func roundUp(x, m int) int { return (x + m - 1) / m * m }
