package gemm

import (
	"runtime"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas"
)

// Float is the element type of a product.
type Float interface{ float32 | float64 }

// MR is the number of rows of the micro-tile, the same for both float types.
const MR = 6

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

// Kernels are a float type's routines that run inside one cache block. A
// Kernels value holds the type's pools of workspaces and parallel jobs: it
// is created once (a package-level variable) and used through a pointer.
type Kernels[T Float] struct {
	// NR is the number of columns of the micro-tile, at most MaxNR.
	NR int

	// PackA copies the mc×kc block op(A)[i0:i0+mc, p0:p0+kc] into dst as
	// MR-row micro-panels: panel q at dst[q·MR·kc:], element (i, p) of a
	// panel at p·MR+i. Rows of the last panel beyond mc may hold anything.
	PackA func(dst, a []T, lda int, trans bool, i0, mc, p0, kc int)

	// PackB copies the kc×nc block op(B)[p0:p0+kc, j0:j0+nc] into dst as
	// NR-column micro-panels: panel q at dst[q·NR·kc:], element (p, j) of a
	// panel at p·NR+j. Columns of the last panel beyond nc must be zero or
	// finite.
	PackB func(dst, b []T, ldb int, trans bool, p0, kc, j0, nc int)

	// MacroKernel computes C = alpha·Ap·Bp + beta·C for the mc×nc block
	// of C that starts at c[0] (row stride ldc), where Ap is a packed mc×kc
	// block of op(A) and Bp a packed kc×nc block of op(B), one MR×NR tile
	// at a time; ws.Tile is its scratch tile. If beta is zero, C is not
	// read.
	MacroKernel func(c []T, ldc int, ap, bp []T, mc, nc, kc int, alpha, beta T, ws *Workspace[T])

	// Direct, if not nil, is used in place of PackA and MacroKernel in the
	// loop nest of a product with n ≤ DirectMaxN (not in the chunks of a
	// shared parallel split): it computes the same block, with the same
	// bits, from the mc×kc block of op(A) read in place, which starts at
	// a[0] with element (i, p) at a[i·lda+p], or a[p·lda+i] if trans
	// (packing it where it must, into ws.ABuf).
	Direct     func(c []T, ldc int, a []T, lda int, trans bool, bp []T, mc, nc, kc int, alpha, beta T, ws *Workspace[T])
	DirectMaxN int

	workspaces sync.Pool
	jobs       sync.Pool
}

// Blocking are the cache blocking and threading parameters of one call.
// MC must be a multiple of MR and NC a multiple of Kernels.NR.
type Blocking struct {
	KC, MC, NC int // depth, rows and columns of the packed blocks
	Par        int // multiply-adds (m·n·k) from which a product is split across goroutines
	MaxShared  int // largest packed operand (in elements) shared by the goroutines of a call
}

// product holds the validated arguments of one call.
type product[T Float] struct {
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    T
	a              []T
	lda            int
	b              []T
	ldb            int
	c              []T
	ldc            int

	// kc is the depth of the packed blocks: k split into equal parts of at
	// most Blocking.KC, so that no block is left with a short remainder.
	kc int

	// directA: op(A) is read in place by Kernels.Direct rather than packed.
	directA bool

	kern *Kernels[T]
	blk  *Blocking
}

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices with
// the float type's Kernels and blocking (which must not change during the
// call). Arguments are checked
// exactly as gonum's blas.Float32.Sgemm and blas.Float64.Dgemm check them
// and violations panic with the same messages. When beta is zero, C is
// overwritten without being read; when alpha or k is zero, A and B are not
// read.
func Gemm[T Float](kern *Kernels[T], blk *Blocking, tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
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

	p := product[T]{
		aTrans: aTrans, bTrans: bTrans,
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a: a, lda: lda,
		b: b, ldb: ldb,
		c: c, ldc: ldc,
		kern: kern, blk: blk,
	}
	nk := (k + blk.KC - 1) / blk.KC
	p.kc = (k + nk - 1) / nk
	p.directA = kern.Direct != nil && n <= kern.DirectMaxN
	if w := p.numWorkers(); w > 1 {
		p.runParallel(w)
		return
	}
	ws := kern.getWorkspace()
	p.compute(0, m, 0, n, ws)
	kern.workspaces.Put(ws)
}

// scaleC computes C = beta·C, writing zeros without reading C if beta is 0.
func scaleC[T Float](m, n int, beta T, c []T, ldc int) {
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

// compute computes the block C[i0:i1, j0:j1] of the product using the
// packing buffers in ws. It is the serial BLIS loop nest (jc, pc, ic, jr, ir).
func (p *product[T]) compute(i0, i1, j0, j1 int, ws *Workspace[T]) {
	kern, mcBlock, ncBlock := p.kern, p.blk.MC, p.blk.NC
	mc0 := min(mcBlock, RoundUp(i1-i0, MR))
	nc0 := min(ncBlock, RoundUp(j1-j0, kern.NR))
	ap := ws.ABuf(mc0 * p.kc)
	bp := ws.BBuf(nc0 * p.kc)
	for jc := j0; jc < j1; jc += ncBlock {
		nc := min(ncBlock, j1-jc)
		for pc := 0; pc < p.k; pc += p.kc {
			kc := min(p.kc, p.k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			kern.PackB(bp, p.b, p.ldb, p.bTrans, pc, kc, jc, nc)
			for ic := i0; ic < i1; ic += mcBlock {
				mc := min(mcBlock, i1-ic)
				cb := p.c[ic*p.ldc+jc:]
				if p.directA {
					aOff := ic*p.lda + pc
					if p.aTrans {
						aOff = pc*p.lda + ic
					}
					kern.Direct(cb, p.ldc, p.a[aOff:], p.lda, p.aTrans, bp, mc, nc, kc, p.alpha, beta, ws)
					continue
				}
				kern.PackA(ap, p.a, p.lda, p.aTrans, ic, mc, pc, kc)
				kern.MacroKernel(cb, p.ldc, ap, bp, mc, nc, kc, p.alpha, beta, ws)
			}
		}
	}
}

// RoundUp rounds x ≥ 0 up to a multiple of m.
func RoundUp(x, m int) int { return (x + m - 1) / m * m }

// Workspace holds the packing buffers and scratch tile of one goroutine.
type Workspace[T Float] struct {
	a, b []T

	// Tile is an MR×NR scratch tile for the macro-kernel's edge tiles
	// (room for NR ≤ MaxNR).
	Tile [MR * MaxNR]T
}

// MaxNR is the widest micro-tile a Kernels may have.
const MaxNR = 16

func (kern *Kernels[T]) getWorkspace() *Workspace[T] {
	if ws, ok := kern.workspaces.Get().(*Workspace[T]); ok {
		return ws
	}
	return kern.newWorkspace()
}

func (kern *Kernels[T]) newWorkspace() *Workspace[T] {
	if kern.NR < 1 || kern.NR > MaxNR {
		panic("gemm: Kernels.NR out of range")
	}
	return new(Workspace[T])
}

// ABuf returns a packing buffer for A of length n, aligned to 64 bytes.
func (w *Workspace[T]) ABuf(n int) []T {
	if cap(w.a) < n {
		w.a = AlignedSlice[T](n)
	}
	return w.a[:n]
}

// BBuf returns a packing buffer for B of length n, aligned to 64 bytes.
func (w *Workspace[T]) BBuf(n int) []T {
	if cap(w.b) < n {
		w.b = AlignedSlice[T](n)
	}
	return w.b[:n]
}

// AlignedSlice returns a slice of n elements whose first element is 64-byte
// aligned, so that packed micro-panels do not straddle cache lines.
func AlignedSlice[T Float](n int) []T {
	size := int(unsafe.Sizeof(T(0)))
	align := 64 / size
	s := make([]T, n+align)
	off := int(uintptr(unsafe.Pointer(&s[0]))&63) / size
	if off != 0 {
		off = align - off
	}
	return s[off : off+n : off+n]
}

// numWorkers returns how many goroutines should compute the product.
func (p *product[T]) numWorkers() int {
	if int64(p.m)*int64(p.n)*int64(p.k) < int64(p.blk.Par) {
		return 1 // without asking GOMAXPROCS, which takes the scheduler's lock
	}
	procs := runtime.GOMAXPROCS(0)
	if procs < 2 {
		return 1
	}
	// Each worker gets at least two micro-tiles along the split dimension.
	if p.n >= p.m {
		return max(1, min(procs, (p.n+p.kern.NR-1)/p.kern.NR/2))
	}
	return max(1, min(procs, (p.m+MR-1)/MR/2))
}
