package vmath

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// testInputs returns a dense sweep of [-110, 110] in steps of 1e-3, values
// around every threshold of the scalar and vector code, special values and
// random bit patterns.
func testInputs() []float32 {
	var xs []float32
	for i := 0; i <= 220000; i++ {
		xs = append(xs, float32(-110+float64(i)*1e-3))
	}
	for _, c := range []float32{0, 1, 2, 20, 40, 80, 86, 87, 87.33, 87.5, 88, 88.72283935546875, 89, 100, 103.97208, 104, 126, 150} {
		for _, s := range []float32{1, -1} {
			v := s * c
			b := math.Float32bits(v)
			for d := -40; d <= 40; d++ {
				xs = append(xs, math.Float32frombits(uint32(int64(b)+int64(d))))
			}
		}
	}
	inf := float32(math.Inf(1))
	xs = append(xs, 0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc00000),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xff812345), // signalling NaNs
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		math.Float32frombits(0x00800000), math.Float32frombits(0x80800000))
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 1<<18; i++ {
		xs = append(xs, math.Float32frombits(rng.Uint32()))
	}
	for i := 0; i < 1<<16; i++ {
		xs = append(xs, float32(rng.NormFloat64()*30))
	}
	// Shuffle a copy so that easy and hard lanes share blocks of 8.
	sh := append([]float32(nil), xs...)
	rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
	return append(xs, sh...)
}

func same(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// nanOrder reports whether a and b are both NaN and at least two of the
// inputs are NaN: which input's payload an operation on two NaNs returns
// depends on the operand order the compiler chooses (it even differs
// between inlined and non-inlined copies of the same Go function), so only
// NaN-ness is defined then.
func nanOrder(a, b float32, in ...float32) bool {
	if a == a || b == b {
		return false
	}
	n := 0
	for _, v := range in {
		if v != v {
			n++
		}
	}
	return n >= 2
}

var fmaA, fmaC = float32(1 + 1.0/4096), -float32(1 + 2.0/4096)

// refFused reports whether the compiler fuses a float32 multiply-add written
// without conversions (as with GOAMD64=v3): a*a rounds to -c, so the
// unfused result is 0 and the fused one 2**-24. The verbatim reference code
// then no longer computes individually rounded operations.
func refFused() bool { return mulAdd(fmaA, fmaA, fmaC) != 0 }

//go:noinline
func mulAdd(a, b, c float32) float32 { return a*b + c }

// TestScalarMatchesReference checks that the fusion-proof scalar functions
// equal the verbatim reference code.
func TestScalarMatchesReference(t *testing.T) {
	if refFused() {
		t.Skip("the compiler fuses multiply-adds in the verbatim reference code")
	}
	for _, x := range testInputs() {
		if got, want := Exp32(x), refExp32(x); !same(got, want) {
			t.Fatalf("Exp32(%v [%#x]) = %v, reference %v", x, math.Float32bits(x), got, want)
		}
		if got, want := Softplus32(x), refSoftplus32(x); !same(got, want) {
			t.Fatalf("Softplus32(%v [%#x]) = %v, reference %v", x, math.Float32bits(x), got, want)
		}
		if got, want := Sigmoid32(x), refSigmoid32(x); !same(got, want) {
			t.Fatalf("Sigmoid32(%v [%#x]) = %v, reference %v", x, math.Float32bits(x), got, want)
		}
	}
}

func TestScalarValues(t *testing.T) {
	for _, x := range []float32{-100, -87.5, -50, -10, -1, -0.1, 0, 0.1, 1, 10, 50, 88} {
		if got, want := float64(Exp32(x)), math.Exp(float64(x)); math.Abs(got-want) > 4e-7*want+1e-45 {
			t.Errorf("Exp32(%v) = %v, want ≈ %v", x, got, want)
		}
		if got, want := float64(Softplus32(x)), math.Log1p(math.Exp(float64(x))); math.Abs(got-want) > 1e-6*want+3e-45 {
			t.Errorf("Softplus32(%v) = %v, want ≈ %v", x, got, want)
		}
		if got, want := float64(Sigmoid32(x)), 1/(1+math.Exp(-float64(x))); math.Abs(got-want) > 1e-6*want+1e-45 {
			t.Errorf("Sigmoid32(%v) = %v, want ≈ %v", x, got, want)
		}
	}
	if v := Exp32(-103); v == 0 || v >= math.Float32frombits(0x00800000) {
		t.Errorf("Exp32(-103) = %v, want a subnormal", v)
	}
	if v := Exp32(89); !math.IsInf(float64(v), 1) {
		t.Errorf("Exp32(89) = %v, want +Inf", v)
	}
}

type unary struct {
	name   string
	vec    func(dst, x []float32)
	scalar func(float32) float32
}

var unaries = []unary{
	{"Exp", Exp, Exp32},
	{"Softplus", Softplus, Softplus32},
	{"Sigmoid", Sigmoid, Sigmoid32},
}

// multi wraps the two- and three-input functions as functions of l with
// fixed y and g vectors derived from the index.
type multi struct {
	name   string
	vec    func(dst, y, l, g []float32)
	scalar func(y, l, g float32) float32 // the package's scalar code
	ref    func(y, l, g float32) float32 // the verbatim expression
	alias  int                           // number of inputs dst may alias
}

var multis = []multi{
	{"BernoulliLogits", func(dst, y, l, g []float32) { BernoulliLogits(dst, y, l) },
		func(y, l, g float32) float32 { return bernoulliLogits1(y, l) },
		func(y, l, g float32) float32 { return y*l - refSoftplus32(l) }, 2},
	{"BernoulliLogitsGrad", BernoulliLogitsGrad, bernoulliLogitsGrad1,
		func(y, l, g float32) float32 { return g * (y - refSigmoid32(l)) }, 3},
}

func auxInputs(n int, seed int64) (y, g []float32) {
	rng := rand.New(rand.NewSource(seed))
	y = make([]float32, n)
	g = make([]float32, n)
	special := []float32{0, 1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc12345), -0.5, 3}
	for i := range y {
		switch rng.Intn(20) {
		case 0:
			y[i] = special[rng.Intn(len(special))]
			g[i] = special[rng.Intn(len(special))]
		case 1:
			y[i] = math.Float32frombits(rng.Uint32())
			g[i] = math.Float32frombits(rng.Uint32())
		default:
			y[i] = float32(rng.Intn(2))
			g[i] = float32(rng.NormFloat64())
		}
	}
	return y, g
}

func checkAll(t *testing.T) {
	xs := testInputs()
	for _, f := range unaries {
		dst := make([]float32, len(xs))
		f.vec(dst, xs)
		for i, x := range xs {
			if want := f.scalar(x); !same(dst[i], want) {
				t.Fatalf("%s: x[%d] = %v [%#x]: got %v [%#x], want %v [%#x]", f.name, i, x, math.Float32bits(x),
					dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
			}
		}
	}
	y, g := auxInputs(len(xs), 2)
	for _, f := range multis {
		dst := make([]float32, len(xs))
		f.vec(dst, y, xs, g)
		for i, l := range xs {
			if ref := f.ref(y[i], l, g[i]); !refFused() && !same(dst[i], ref) && !nanOrder(dst[i], ref, y[i], l, g[i]) {
				t.Fatalf("%s: y, l, g = %v, %v, %v [%#x %#x %#x]: got %v [%#x], verbatim expression %v [%#x]", f.name, y[i], l, g[i],
					math.Float32bits(y[i]), math.Float32bits(l), math.Float32bits(g[i]),
					dst[i], math.Float32bits(dst[i]), ref, math.Float32bits(ref))
			}
			if want := f.scalar(y[i], l, g[i]); !same(dst[i], want) && !nanOrder(dst[i], want, y[i], l, g[i]) {
				t.Fatalf("%s: y, l, g = %v, %v, %v [%#x %#x %#x]: got %v [%#x], want %v [%#x]", f.name, y[i], l, g[i],
					math.Float32bits(y[i]), math.Float32bits(l), math.Float32bits(g[i]),
					dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
			}
		}
	}
}

func checkLengths(t *testing.T) {
	xs := testInputs()
	rng := rand.New(rand.NewSource(3))
	easy := make([]float32, 64)
	for i := range easy {
		easy[i] = float32(rng.NormFloat64() * 20)
	}
	hard := []float32{float32(math.NaN()), 90, -90, -100, 200, float32(math.Inf(-1))}
	for n := 0; n <= 40; n++ {
		var inputs [][]float32
		for off := 0; off < 8; off++ {
			inputs = append(inputs, xs[1000*off+off:][:n], easy[off:][:n])
		}
		// One hard value at each position of an otherwise easy vector.
		for p := 0; p < n; p++ {
			v := append([]float32(nil), easy[:n]...)
			v[p] = hard[p%len(hard)]
			inputs = append(inputs, v)
		}
		for _, x := range inputs {
			y, g := auxInputs(n, int64(n))
			for _, f := range unaries {
				dst := make([]float32, n+1)
				dst[n] = 42
				f.vec(dst[:n], x)
				if dst[n] != 42 {
					t.Fatalf("%s: n=%d wrote past the end", f.name, n)
				}
				alias := append([]float32(nil), x...)
				f.vec(alias, alias)
				for i := range x {
					want := f.scalar(x[i])
					if !same(dst[i], want) || !same(alias[i], want) {
						t.Fatalf("%s: n=%d i=%d x=%v: got %v (aliased %v), want %v", f.name, n, i, x[i], dst[i], alias[i], want)
					}
				}
			}
			for _, f := range multis {
				dst := make([]float32, n+1)
				dst[n] = 42
				f.vec(dst[:n], y, x, g)
				if dst[n] != 42 {
					t.Fatalf("%s: n=%d wrote past the end", f.name, n)
				}
				for a := 0; a < f.alias; a++ {
					yy := append([]float32(nil), y...)
					ll := append([]float32(nil), x...)
					gg := append([]float32(nil), g...)
					d := [][]float32{yy, ll, gg}[a]
					f.vec(d, yy, ll, gg)
					for i := range x {
						want := f.scalar(y[i], x[i], g[i])
						ok := func(v float32) bool { return same(v, want) || nanOrder(v, want, y[i], x[i], g[i]) }
						if !ok(dst[i]) || !ok(d[i]) {
							t.Fatalf("%s: n=%d i=%d alias=%d: got %v (aliased %v), want %v", f.name, n, i, a, dst[i], d[i], want)
						}
					}
				}
			}
		}
	}
}

func withPortable(t *testing.T, f func(*testing.T)) {
	saved := useAsm
	useAsm = false
	defer func() { useAsm = saved }()
	f(t)
}

func TestAll(t *testing.T) {
	t.Logf("useAsm = %v", useAsm)
	checkAll(t)
}

func TestLengths(t *testing.T) { checkLengths(t) }

func TestAllPortable(t *testing.T) { withPortable(t, checkAll) }

func TestLengthsPortable(t *testing.T) { withPortable(t, checkLengths) }

func TestPanics(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	for name, f := range map[string]func(){
		"Exp":                   func() { Exp(a, b) },
		"Softplus":              func() { Softplus(b, a) },
		"Sigmoid":               func() { Sigmoid(a, b) },
		"BernoulliLogits/y":     func() { BernoulliLogits(a, b, a) },
		"BernoulliLogits/l":     func() { BernoulliLogits(a, a, b) },
		"BernoulliLogitsGrad/y": func() { BernoulliLogitsGrad(a, b, a, a) },
		"BernoulliLogitsGrad/l": func() { BernoulliLogitsGrad(a, a, b, a) },
		"BernoulliLogitsGrad/g": func() { BernoulliLogitsGrad(a, a, a, b) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on length mismatch", name)
				}
			}()
			f()
		}()
	}
}

func benchInput(n int) []float32 {
	rng := rand.New(rand.NewSource(4))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 5)
	}
	return x
}

const benchN = 100000

func BenchmarkUnary(b *testing.B) {
	x := benchInput(benchN)
	dst := make([]float32, benchN)
	for _, f := range unaries {
		for _, impl := range []string{"vec", "scalar"} {
			b.Run(fmt.Sprintf("%s/%s", f.name, impl), func(b *testing.B) {
				for b.Loop() {
					if impl == "vec" {
						f.vec(dst, x)
					} else {
						for i, v := range x {
							dst[i] = f.scalar(v)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
			})
		}
	}
}

func BenchmarkBernoulli(b *testing.B) {
	l := benchInput(benchN)
	rng := rand.New(rand.NewSource(5))
	y := make([]float32, benchN)
	g := make([]float32, benchN)
	for i := range y {
		y[i] = float32(rng.Intn(2))
		g[i] = float32(rng.NormFloat64())
	}
	dst := make([]float32, benchN)
	for _, impl := range []string{"vec", "scalar"} {
		b.Run("BernoulliLogits/"+impl, func(b *testing.B) {
			for b.Loop() {
				if impl == "vec" {
					BernoulliLogits(dst, y, l)
				} else {
					for i := range l {
						dst[i] = bernoulliLogits1(y[i], l[i])
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
		})
		b.Run("BernoulliLogitsGrad/"+impl, func(b *testing.B) {
			for b.Loop() {
				if impl == "vec" {
					BernoulliLogitsGrad(dst, y, l, g)
				} else {
					for i := range l {
						dst[i] = bernoulliLogitsGrad1(y[i], l[i], g[i])
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
		})
	}
}
