package gemmtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// Float is the element type of a product.
type Float interface{ float32 | float64 }

// Func is the signature of Sgemm and Dgemm.
type Func[T Float] func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// Transposes are the three values of blas.Transpose a GEMM accepts.
var Transposes = []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}

// Eps returns the unit roundoff of T: 2⁻²³ for float32, 2⁻⁵² for float64.
func Eps[T Float]() float64 {
	if isFloat32[T]() {
		return 1.0 / (1 << 23)
	}
	return 1.0 / (1 << 52)
}

func isFloat32[T Float]() bool {
	_, ok := any(T(0)).(float32)
	return ok
}

// Bits returns the bits of v (math.Float32bits or math.Float64bits).
func Bits[T Float](v T) uint64 {
	switch v := any(v).(type) {
	case float32:
		return uint64(math.Float32bits(v))
	default:
		return math.Float64bits(any(v).(float64))
	}
}

// Sentinel returns the value that fills the padding of operands: a NaN with
// a payload, which must never change.
func Sentinel[T Float]() T {
	var s T
	switch p := any(&s).(type) {
	case *float32:
		*p = math.Float32frombits(0x7fc0dead)
	case *float64:
		*p = math.Float64frombits(0x7ff800000000dead)
	}
	return s
}

// Operand is a randomly filled matrix op(X) stored with a transpose and a
// leading dimension, its padding filled with Sentinel.
type Operand[T Float] struct {
	Data  []T
	LD    int
	Trans bool
}

// NewOperand returns a random r×c matrix op(X) with entries uniform in
// [−1, 1), stored transposed if trans, with pad extra elements per row and
// pad trailing elements.
func NewOperand[T Float](rnd *rand.Rand, r, c int, trans bool, pad int) Operand[T] {
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
	d := make([]T, n)
	s := Sentinel[T]()
	for i := range d {
		d[i] = s
	}
	for i := 0; i < sr; i++ {
		for j := 0; j < sc; j++ {
			d[i*ld+j] = T(rnd.Float64()*2 - 1)
		}
	}
	return Operand[T]{d, ld, trans}
}

// At returns op(X)[i, j].
func (o Operand[T]) At(i, j int) T {
	if o.Trans {
		return o.Data[j*o.LD+i]
	}
	return o.Data[i*o.LD+j]
}

// Naive computes alpha·op(A)·op(B) + beta·C in float64 and, for each
// element, the error bound of the package documentation.
func Naive[T Float](m, n, k int, alpha T, a, b Operand[T], beta T, c []T, ldc int) (want, tol []float64) {
	eps := Eps[T]()
	want = make([]float64, m*n)
	tol = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for p := 0; p < k; p++ {
				x := float64(a.At(i, p)) * float64(b.At(p, j))
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
			tol[i*n+j] = 2*float64(k+2)*eps*bound + 1e-30
		}
	}
	return want, tol
}

// Config is one call to check.
type Config[T Float] struct {
	TA, TB      blas.Transpose
	M, N, K     int
	Alpha, Beta T
	Pad         int  // padding of every operand (see NewOperand)
	NaNC        bool // C holds NaN (which beta = 0 must overwrite)
}

// String describes the configuration for test failures.
func (c Config[T]) String() string {
	return fmt.Sprintf("tA=%c tB=%c m=%d n=%d k=%d alpha=%g beta=%g pad=%d nanC=%v",
		c.TA, c.TB, c.M, c.N, c.K, c.Alpha, c.Beta, c.Pad, c.NaNC)
}

// Check runs f for one configuration on random operands and compares with
// Naive; it also checks that the padding of C and all of A and B are
// unchanged.
func Check[T Float](t testing.TB, rnd *rand.Rand, f Func[T], cfg Config[T]) {
	t.Helper()
	a := NewOperand[T](rnd, cfg.M, cfg.K, cfg.TA != blas.NoTrans, cfg.Pad)
	b := NewOperand[T](rnd, cfg.K, cfg.N, cfg.TB != blas.NoTrans, cfg.Pad)
	cc := NewOperand[T](rnd, cfg.M, cfg.N, false, cfg.Pad)
	if cfg.NaNC {
		for i := 0; i < cfg.M; i++ {
			for j := 0; j < cfg.N; j++ {
				cc.Data[i*cc.LD+j] = T(math.NaN())
			}
		}
	}
	want, tol := Naive(cfg.M, cfg.N, cfg.K, cfg.Alpha, a, b, cfg.Beta, cc.Data, cc.LD)
	aCopy := append([]T(nil), a.Data...)
	bCopy := append([]T(nil), b.Data...)
	c := append([]T(nil), cc.Data...)

	f(cfg.TA, cfg.TB, cfg.M, cfg.N, cfg.K, cfg.Alpha, a.Data, a.LD, b.Data, b.LD, cfg.Beta, c, cc.LD)

	bad := 0
	for i := range c {
		row, col := i/cc.LD, i%cc.LD
		if row < cfg.M && col < cfg.N {
			got, w := float64(c[i]), want[row*cfg.N+col]
			if !(math.Abs(got-w) <= tol[row*cfg.N+col]) {
				if bad < 3 {
					t.Errorf("%v: C[%d,%d] = %v, want %v (tol %g)", cfg, row, col, got, w, tol[row*cfg.N+col])
				}
				bad++
			}
			continue
		}
		if Bits(c[i]) != Bits(cc.Data[i]) {
			if bad < 3 {
				t.Errorf("%v: padding C[%d] (row %d col %d) changed to %v", cfg, i, row, col, c[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%v: %d bad elements", cfg, bad)
	}
	for i := range a.Data {
		if Bits(a.Data[i]) != Bits(aCopy[i]) {
			t.Fatalf("%v: A modified", cfg)
		}
	}
	for i := range b.Data {
		if Bits(b.Data[i]) != Bits(bCopy[i]) {
			t.Fatalf("%v: B modified", cfg)
		}
	}
}

// Alphas and Betas are the scalars of a sweep: the special values 0 and 1
// and general ones.
var (
	Alphas = []float64{1, 0.5, 0}
	Betas  = []float64{0, 1, -2}
)

// SmallSizes are square sizes around the micro-tiles (6×8 and 6×16).
var SmallSizes = []int{1, 2, 3, 5, 6, 7, 15, 16, 17, 23, 33}

// Sweep checks f on the square shapes of sizes, fixed degenerate and
// tile-sized shapes and random shapes below 70, each with all transposes,
// alphas, betas, random padding, and beta = 0 over a C of NaN.
func Sweep[T Float](t testing.TB, f Func[T], seed uint64, sizes []int, random int) {
	t.Helper()
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
		for _, tA := range Transposes {
			for _, tB := range Transposes {
				for _, alpha := range Alphas {
					for _, beta := range Betas {
						pad := rnd.IntN(2) * (1 + rnd.IntN(5))
						Check(t, rnd, f, Config[T]{tA, tB, s[0], s[1], s[2], T(alpha), T(beta), pad, false})
					}
				}
				// beta = 0 must overwrite NaN.
				Check(t, rnd, f, Config[T]{tA, tB, s[0], s[1], s[2], 0.5, 0, 3, true})
				Check(t, rnd, f, Config[T]{tA, tB, s[0], s[1], s[2], 0, 0, 0, true})
			}
		}
	}
}

// Large checks f on shapes that cross the default cache blocks and the
// parallel thresholds: each shape with NoTrans and Trans for A and B, with
// beta = −2 when the transposes agree and over a C of NaN otherwise.
func Large[T Float](t testing.TB, f Func[T], seed uint64, shapes [][3]int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(seed, seed))
	for _, s := range shapes {
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				if tA == tB {
					Check(t, rnd, f, Config[T]{tA, tB, s[0], s[1], s[2], 0.5, -2, 1, false})
				} else {
					Check(t, rnd, f, Config[T]{tA, tB, s[0], s[1], s[2], 1, 0, 0, true})
				}
			}
		}
	}
}

// MatchesGonum compares f with gonum's ref bit for bit on small-integer
// operands, where both are exact, for all transposes and Betas, including
// k = 0.
func MatchesGonum[T Float](t testing.TB, f, ref Func[T]) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(6, 6))
	for _, s := range [][3]int{{3, 4, 0}, {9, 21, 5}, {64, 70, 300}, {130, 200, 20}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range Transposes {
			for _, tB := range Transposes {
				for _, beta := range Betas {
					a := make([]T, (m+1)*(k+1))
					b := make([]T, (k+1)*(n+1))
					c := make([]T, m*n)
					for i := range a {
						a[i] = T(rnd.IntN(9) - 4)
					}
					for i := range b {
						b[i] = T(rnd.IntN(9) - 4)
					}
					for i := range c {
						c[i] = T(rnd.IntN(9) - 4)
					}
					lda, ldb := max(1, k), max(1, n)
					if tA != blas.NoTrans {
						lda = max(1, m)
					}
					if tB != blas.NoTrans {
						ldb = max(1, k)
					}
					want := append([]T(nil), c...)
					ref(tA, tB, m, n, k, 2, a, lda, b, ldb, T(beta), want, n)
					f(tA, tB, m, n, k, 2, a, lda, b, ldb, T(beta), c, n)
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

// Panics checks that f panics on invalid arguments exactly as gonum's ref
// does (same message), and does not panic on the valid quick returns.
func Panics[T Float](t testing.TB, f, ref Func[T]) {
	t.Helper()
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
	run := func(f Func[T], a args) (msg any) {
		defer func() { msg = recover() }()
		f(a.tA, a.tB, a.m, a.n, a.k, 1, make([]T, a.la), a.lda, make([]T, a.lb), a.ldb, 0, make([]T, a.lc), a.ldc)
		return nil
	}
	for i, mod := range cases {
		a := ok
		mod(&a)
		got := run(f, a)
		want := run(ref, a)
		if got != want {
			t.Errorf("case %d %+v: panic %v, gonum panics %v", i, a, got, want)
		}
		if i < len(cases)-2 && got == nil {
			t.Errorf("case %d %+v: no panic", i, a)
		}
	}
}

// AllocsPerCall returns the mean number of heap allocations of one call
// f(NoTrans, NoTrans, m, n, k, …) on random operands, after warm-up calls.
// Unlike testing.AllocsPerRun it keeps GOMAXPROCS, so it also measures the
// parallel path.
func AllocsPerCall[T Float](f Func[T], rnd *rand.Rand, m, n, k int) float64 {
	a := NewOperand[T](rnd, m, k, false, 0).Data
	b := NewOperand[T](rnd, k, n, false, 0).Data
	c := make([]T, m*n)
	call := func() { f(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, max(1, k), b, max(1, n), 0, c, max(1, n)) }
	for i := 0; i < 5; i++ {
		call()
	}
	const runs = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		call()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / runs
}
