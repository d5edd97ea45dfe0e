package blas64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

const eps64 = 1.0 / (1 << 52)

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}

// sentinel fills the padding of matrices; it must never change.
var sentinel = float64(math.Float64frombits(0x7ff800000000dead)) // a NaN with a payload

// operand is a randomly filled matrix op(X) of size r×c stored with the
// given transpose and leading dimension, padding filled with sentinel.
type operand struct {
	data  []float64
	ld    int
	trans bool
}

func newOperand(rnd *rand.Rand, r, c int, trans bool, pad int) operand {
	sr, sc := r, c // stored shape
	if trans {
		sr, sc = c, r
	}
	ld := max(1, sc) + pad
	n := 0
	if sr > 0 {
		n = (sr-1)*ld + sc
	}
	n += pad // trailing elements past the last row
	d := make([]float64, n)
	for i := range d {
		d[i] = sentinel
	}
	for i := 0; i < sr; i++ {
		for j := 0; j < sc; j++ {
			d[i*ld+j] = float64(rnd.Float64()*2 - 1)
		}
	}
	return operand{d, ld, trans}
}

func (o operand) at(i, j int) float64 {
	if o.trans {
		return o.data[j*o.ld+i]
	}
	return o.data[i*o.ld+j]
}

// naive computes alpha·op(A)·op(B) + beta·C in float64 and, for each element,
// an error bound relative to k·eps64·|alpha|·|A||B| + |beta·C|.
func naive(m, n, k int, alpha float64, a, b operand, beta float64, c []float64, ldc int) (want, tol []float64) {
	want = make([]float64, m*n)
	tol = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for p := 0; p < k; p++ {
				x := float64(a.at(i, p)) * float64(b.at(p, j))
				s += x
				abs += math.Abs(x)
			}
			v := float64(alpha) * s
			bound := math.Abs(float64(alpha)) * abs
			if beta != 0 {
				cv := float64(beta) * float64(c[i*ldc+j])
				v += cv
				bound += math.Abs(cv)
			}
			want[i*n+j] = v
			tol[i*n+j] = 2*float64(k+2)*eps64*bound + 1e-30
		}
	}
	return want, tol
}

type config struct {
	tA, tB      blas.Transpose
	m, n, k     int
	alpha, beta float64
	pad         int
	nanC        bool
}

func (c config) String() string {
	return fmt.Sprintf("tA=%c tB=%c m=%d n=%d k=%d alpha=%g beta=%g pad=%d nanC=%v",
		c.tA, c.tB, c.m, c.n, c.k, c.alpha, c.beta, c.pad, c.nanC)
}

// check runs Dgemm for one configuration and compares with naive.
func check(t *testing.T, rnd *rand.Rand, cfg config) {
	t.Helper()
	a := newOperand(rnd, cfg.m, cfg.k, cfg.tA != blas.NoTrans, cfg.pad)
	b := newOperand(rnd, cfg.k, cfg.n, cfg.tB != blas.NoTrans, cfg.pad)
	cc := newOperand(rnd, cfg.m, cfg.n, false, cfg.pad)
	if cfg.nanC {
		for i := 0; i < cfg.m; i++ {
			for j := 0; j < cfg.n; j++ {
				cc.data[i*cc.ld+j] = float64(math.NaN())
			}
		}
	}
	want, tol := naive(cfg.m, cfg.n, cfg.k, cfg.alpha, a, b, cfg.beta, cc.data, cc.ld)
	aCopy := append([]float64(nil), a.data...)
	bCopy := append([]float64(nil), b.data...)
	c := append([]float64(nil), cc.data...)

	Dgemm(cfg.tA, cfg.tB, cfg.m, cfg.n, cfg.k, cfg.alpha, a.data, a.ld, b.data, b.ld, cfg.beta, c, cc.ld)

	bad := 0
	for i := range c {
		row, col := i/cc.ld, i%cc.ld
		if row < cfg.m && col < cfg.n {
			got, w := float64(c[i]), want[row*cfg.n+col]
			if !(math.Abs(got-w) <= tol[row*cfg.n+col]) {
				if bad < 3 {
					t.Errorf("%v: C[%d,%d] = %v, want %v (tol %g)", cfg, row, col, got, w, tol[row*cfg.n+col])
				}
				bad++
			}
			continue
		}
		if math.Float64bits(c[i]) != math.Float64bits(cc.data[i]) {
			if bad < 3 {
				t.Errorf("%v: padding C[%d] (row %d col %d) changed to %v", cfg, i, row, col, c[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%v: %d bad elements", cfg, bad)
	}
	for i := range a.data {
		if math.Float64bits(a.data[i]) != math.Float64bits(aCopy[i]) {
			t.Fatalf("%v: A modified", cfg)
		}
	}
	for i := range b.data {
		if math.Float64bits(b.data[i]) != math.Float64bits(bCopy[i]) {
			t.Fatalf("%v: B modified", cfg)
		}
	}
}

var (
	alphas = []float64{1, 0.5, 0}
	betas  = []float64{0, 1, -2}
)

// sweep checks many shapes with all transposes, alphas, betas and padding.
func sweep(t *testing.T, seed uint64, sizes []int, random int) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	var shapes [][3]int
	for _, s := range sizes {
		shapes = append(shapes, [3]int{s, s, s})
	}
	shapes = append(shapes, [3]int{1, 1, 1}, [3]int{0, 5, 3}, [3]int{5, 0, 3},
		[3]int{5, 3, 0}, [3]int{0, 0, 0}, [3]int{1, 37, 1}, [3]int{37, 1, 1},
		[3]int{7, 17, 1}, [3]int{6, 16, 1}, [3]int{12, 32, 4})
	for i := 0; i < random; i++ {
		shapes = append(shapes, [3]int{rnd.IntN(70), rnd.IntN(70), rnd.IntN(70)})
	}
	for _, s := range shapes {
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, alpha := range alphas {
					for _, beta := range betas {
						pad := rnd.IntN(2) * (1 + rnd.IntN(5))
						check(t, rnd, config{tA, tB, s[0], s[1], s[2], alpha, beta, pad, false})
					}
				}
				// beta = 0 must overwrite NaN.
				check(t, rnd, config{tA, tB, s[0], s[1], s[2], 0.5, 0, 3, true})
				check(t, rnd, config{tA, tB, s[0], s[1], s[2], 0, 0, 0, true})
			}
		}
	}
}

var smallSizes = []int{1, 2, 3, 5, 6, 7, 15, 16, 17, 23, 33}

func TestDgemm(t *testing.T) {
	sweep(t, 1, smallSizes, 12)
}

// TestDgemmGeneric forces the portable micro-kernel.
func TestDgemmGeneric(t *testing.T) {
	defer func(v bool) { useAsm = v }(useAsm)
	useAsm = false
	sweep(t, 2, smallSizes, 8)
}

// TestDgemmBlocks shrinks the cache blocks so that small problems cross
// every block boundary (several jc, pc and ic blocks, partial blocks).
func TestDgemmBlocks(t *testing.T) {
	for _, asm := range []bool{true, false} {
		if asm && !hasAVX2FMA {
			continue
		}
		t.Run(fmt.Sprintf("asm=%v", asm), func(t *testing.T) {
			defer func(v bool, kc, mc, nc int) {
				useAsm, kcBlock, mcBlock, ncBlock = v, kc, mc, nc
			}(useAsm, kcBlock, mcBlock, ncBlock)
			useAsm = asm
			kcBlock, mcBlock, ncBlock = 5, 12, 32
			sweep(t, 3, []int{13, 40, 67}, 10)
		})
	}
}

// TestDgemmParallel forces the parallel path on small problems, with more
// workers than cores.
func TestDgemmParallel(t *testing.T) {
	defer func(p int) { parThreshold = p }(parThreshold)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(5))
	parThreshold = 0
	t.Run("shared", func(t *testing.T) { sweep(t, 4, []int{1, 7, 33, 70, 101}, 6) })
	t.Run("static", func(t *testing.T) {
		defer func(v int) { maxShared = v }(maxShared)
		maxShared = 0
		sweep(t, 8, []int{1, 7, 70}, 4)
	})
	t.Run("smallblocks", func(t *testing.T) {
		defer func(kc, mc, nc int) { kcBlock, mcBlock, ncBlock = kc, mc, nc }(kcBlock, mcBlock, ncBlock)
		kcBlock, mcBlock, ncBlock = 5, 12, 32
		sweep(t, 9, []int{40, 67}, 4)
	})
}

// TestDgemmLarge checks shapes that cross the default cache blocks and the
// parallel threshold, including the VAE shapes.
func TestDgemmLarge(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	shapes := [][3]int{{128, 400, 784}, {70, 3100, 40}, {401, 129, 517}}
	if testing.Short() {
		shapes = shapes[:1]
	}
	for _, s := range shapes {
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				if tA == tB {
					check(t, rnd, config{tA, tB, s[0], s[1], s[2], 0.5, -2, 1, false})
				} else {
					check(t, rnd, config{tA, tB, s[0], s[1], s[2], 1, 0, 0, true})
				}
			}
		}
	}
}

// TestMatchesGonum compares with gonum's Dgemm, bit for bit where the
// result is exact (small integers) and including k = 0.
func TestMatchesGonum(t *testing.T) {
	rnd := rand.New(rand.NewPCG(6, 6))
	for _, s := range [][3]int{{3, 4, 0}, {9, 21, 5}, {64, 70, 300}, {130, 200, 20}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, beta := range betas {
					a := make([]float64, (m+1)*(k+1))
					b := make([]float64, (k+1)*(n+1))
					c := make([]float64, m*n)
					for i := range a {
						a[i] = float64(rnd.IntN(9) - 4)
					}
					for i := range b {
						b[i] = float64(rnd.IntN(9) - 4)
					}
					for i := range c {
						c[i] = float64(rnd.IntN(9) - 4)
					}
					lda, ldb := max(1, k), max(1, n)
					if tA != blas.NoTrans {
						lda = max(1, m)
					}
					if tB != blas.NoTrans {
						ldb = max(1, k)
					}
					want := append([]float64(nil), c...)
					gonum.Implementation{}.Dgemm(tA, tB, m, n, k, 2, a, lda, b, ldb, beta, want, n)
					Implementation{}.Dgemm(tA, tB, m, n, k, 2, a, lda, b, ldb, beta, c, n)
					for i := range c {
						if c[i] != want[i] {
							t.Fatalf("m=%d n=%d k=%d tA=%c tB=%c beta=%v: C[%d] = %v, gonum %v", m, n, k, tA, tB, beta, i, c[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestPanics checks that invalid arguments panic with gonum's messages.
func TestPanics(t *testing.T) {
	type args struct {
		tA, tB        blas.Transpose
		m, n, k       int
		lda, ldb, ldc int
		la, lb, lc    int
	}
	ok := args{blas.NoTrans, blas.NoTrans, 3, 4, 5, 5, 4, 4, 15, 20, 12}
	cases := []func(*args){
		func(a *args) { a.tA = 'X' },
		func(a *args) { a.tB = 0 },
		func(a *args) { a.m = -1 },
		func(a *args) { a.n = -1 },
		func(a *args) { a.k = -1 },
		func(a *args) { a.lda = 4 },
		func(a *args) { a.tA = blas.Trans; a.lda = 2 },
		func(a *args) { a.ldb = 3 },
		func(a *args) { a.tB = blas.Trans; a.ldb = 4 },
		func(a *args) { a.ldc = 3 },
		func(a *args) { a.ldc = 0; a.n = 0 },
		func(a *args) { a.la = 14 },
		func(a *args) { a.lb = 19 },
		func(a *args) { a.lc = 11 },
		func(a *args) { a.tA = blas.Trans; a.lda = 3; a.la = 14 },
		func(a *args) { a.tB = blas.ConjTrans; a.ldb = 5; a.lb = 19 },
		func(a *args) { a.m = 0; a.la = 0; a.lc = 0 }, // valid: quick return
		func(a *args) { a.k = 0; a.lda = 1; a.la = 0; a.lb = 0 },
	}
	run := func(f func(blas.Transpose, blas.Transpose, int, int, int, float64, []float64, int, []float64, int, float64, []float64, int), a args) (msg any) {
		defer func() { msg = recover() }()
		f(a.tA, a.tB, a.m, a.n, a.k, 1, make([]float64, a.la), a.lda, make([]float64, a.lb), a.ldb, 0, make([]float64, a.lc), a.ldc)
		return nil
	}
	for i, mod := range cases {
		a := ok
		mod(&a)
		got := run(Dgemm, a)
		want := run(gonum.Implementation{}.Dgemm, a)
		if got != want {
			t.Errorf("case %d %+v: panic %v, gonum panics %v", i, a, got, want)
		}
		if i < len(cases)-2 && got == nil {
			t.Errorf("case %d %+v: no panic", i, a)
		}
	}
}

func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, s := range [][3]int{{5, 7, 9}, {128, 400, 20}, {128, 400, 784}} {
		m, n, k := s[0], s[1], s[2]
		a := newOperand(rnd, m, k, false, 0).data
		b := newOperand(rnd, k, n, false, 0).data
		c := make([]float64, m*n)
		f := func() { Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n) }
		f()
		if allocs := testing.AllocsPerRun(20, f); allocs > 0.5 {
			t.Errorf("m=%d n=%d k=%d: %v allocations per call", m, n, k, allocs)
		}
	}
}

// TestAllocsParallel checks the parallel path, which AllocsPerRun cannot
// (it sets GOMAXPROCS to 1).
func TestAllocsParallel(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(p, s int) { parThreshold, maxShared = p, s }(parThreshold, maxShared)
	parThreshold = 0
	rnd := rand.New(rand.NewPCG(7, 8))
	for _, shared := range []int{maxShared, 0} {
		maxShared = shared
		for _, s := range [][3]int{{128, 400, 784}, {784, 400, 128}} {
			m, n, k := s[0], s[1], s[2]
			a := newOperand(rnd, m, k, false, 0).data
			b := newOperand(rnd, k, n, false, 0).data
			c := make([]float64, m*n)
			f := func() { Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n) }
			for i := 0; i < 5; i++ {
				f()
			}
			const runs = 50
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 0; i < runs; i++ {
				f()
			}
			runtime.ReadMemStats(&after)
			if allocs := float64(after.Mallocs-before.Mallocs) / runs; allocs > 0.5 {
				t.Errorf("maxShared=%d m=%d n=%d k=%d: %v allocations per parallel call", shared, m, n, k, allocs)
			}
		}
	}
}
