package vmath

import (
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// testInputs64 returns a sweep of [-40, 40], values around every threshold
// of the scalar and vector code, special values and random bit patterns,
// followed by a shuffled copy so that easy and hard lanes share blocks of 4.
func testInputs64() []float64 {
	var xs []float64
	for i := 0; i <= 20000; i++ {
		xs = append(xs, -40+float64(i)*4e-3)
	}
	for _, c := range []float64{0, 0.5, 1, 2, 20, 36, 37, 40, 700, 707.9, 708, 708.4, 709, 709.782712893384, 710,
		744, 745, 745.1332191019411, 746, 1e300, log1pSqrt2M1, log1pSqrt2HalfM1, log1pSmall, log1pTiny,
		log1pTwo53, 1 << 54, math.Sqrt2 - 1, 1e-20, 1e-300} {
		for _, s := range []float64{1, -1} {
			b := math.Float64bits(s * c)
			for d := -20; d <= 20; d++ {
				xs = append(xs, math.Float64frombits(uint64(int64(b)+int64(d))))
			}
		}
	}
	inf := math.Inf(1)
	xs = append(xs, 0, math.Copysign(0, -1), inf, -inf, math.NaN(), -1, math.Nextafter(-1, 0), math.Nextafter(-1, -2),
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		math.Float64frombits(0x0010000000000000), math.Float64frombits(0x8010000000000000))
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 1<<15; i++ {
		xs = append(xs, math.Float64frombits(rng.Uint64()))
	}
	for i := 0; i < 1<<14; i++ {
		xs = append(xs, rng.NormFloat64()*30, rng.Float64()*4-1.5, math.Ldexp(rng.Float64(), -rng.Intn(80)))
	}
	sh := append([]float64(nil), xs...)
	rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
	return append(xs, sh...)
}

func same64(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// ulps returns the distance between a and the exact value want in units
// in the last place of a (0 if both are equal or both NaN).
func ulps(a float64, want *big.Float) float64 {
	w, _ := want.Float64()
	if a == w {
		return 0
	}
	d := new(big.Float).SetPrec(200).Sub(new(big.Float).SetFloat64(a), want)
	df, _ := d.Float64()
	u := math.Nextafter(math.Abs(w), math.Inf(1)) - math.Abs(w)
	return math.Abs(df) / u
}

// exact returns f evaluated with math/big at 200 bits via the Taylor series
// of exp and the atanh series of log (good for the moderate arguments used).
func bigExp(x float64) *big.Float {
	const prec = 200
	// e**x = (e**(x/2**m))**(2**m) with the series for the small argument.
	m := 12
	r := new(big.Float).SetPrec(prec).SetFloat64(x)
	r.SetMantExp(r, -m)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for n := 1; n < 60; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(n)))
		sum.Add(sum, term)
	}
	for i := 0; i < m; i++ {
		sum.Mul(sum, sum)
	}
	return sum
}

func bigLog1p(x float64) *big.Float {
	const prec = 200
	// log(1+x) = 2 atanh(s), s = x/(2+x), after halving the argument of log
	// with square roots: log(u) = 2**m log(u**(2**-m)).
	u := new(big.Float).SetPrec(prec).SetFloat64(x)
	u.Add(u, new(big.Float).SetPrec(prec).SetInt64(1))
	m := 0
	lo, hi := big.NewFloat(0.9), big.NewFloat(1.1)
	for u.Cmp(lo) < 0 || u.Cmp(hi) > 0 {
		u.Sqrt(u)
		m++
	}
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	num := new(big.Float).SetPrec(prec).Sub(u, one)
	den := new(big.Float).SetPrec(prec).Add(u, one)
	s := num.Quo(num, den)
	s2 := new(big.Float).SetPrec(prec).Mul(s, s)
	sum := new(big.Float).SetPrec(prec)
	pow := new(big.Float).SetPrec(prec).Set(s)
	for k := 0; k < 200; k++ {
		t := new(big.Float).SetPrec(prec).Quo(pow, new(big.Float).SetPrec(prec).SetInt64(int64(2*k+1)))
		sum.Add(sum, t)
		pow.Mul(pow, s2)
	}
	sum.Mul(sum, new(big.Float).SetPrec(prec).SetInt64(2))
	sum.SetMantExp(sum, m)
	return sum
}

// TestScalar64Accuracy checks Exp64, Log1p64, Softplus64 and Sigmoid64
// against 200-bit references: within 1 ulp for Exp64 and Log1p64 (fdlibm's
// bound), 2 ulps for the compositions.
func TestScalar64Accuracy(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	n := 1000
	if testing.Short() {
		n = 200
	}
	var worst [4]float64
	for i := 0; i < n; i++ {
		x := rng.NormFloat64() * 20
		if i%3 == 0 {
			x = math.Ldexp(rng.Float64(), -rng.Intn(40)) * float64(1-2*(i%2))
		}
		worst[0] = math.Max(worst[0], ulps(Exp64(x), bigExp(x)))
		if x > -1 {
			worst[1] = math.Max(worst[1], ulps(Log1p64(x), bigLog1p(x)))
		}
		// softplus(x) = max(x,0) + log1p(e**-|x|); sigmoid(x) = 1/(1 + e**-x).
		e := bigExp(-math.Abs(x))
		ef, _ := e.Float64()
		sp := bigLog1p(ef) // log1p of the rounded e**-|x|: within 0.5 ulp of e of the exact one
		if x > 0 {
			sp.Add(sp, new(big.Float).SetPrec(200).SetFloat64(x))
		}
		worst[2] = math.Max(worst[2], ulps(Softplus64(x), sp))
		den := new(big.Float).SetPrec(200).Add(bigExp(-x), big.NewFloat(1))
		sg := new(big.Float).SetPrec(200).Quo(big.NewFloat(1), den)
		worst[3] = math.Max(worst[3], ulps(Sigmoid64(x), sg))
	}
	t.Logf("worst ulps: exp %.3f log1p %.3f softplus %.3f sigmoid %.3f", worst[0], worst[1], worst[2], worst[3])
	for i, lim := range []float64{1, 1, 2, 2} {
		if worst[i] > lim {
			t.Errorf("function %d: error %.3f ulps > %v", i, worst[i], lim)
		}
	}
}

// TestScalar64Specials checks the special values and the limits.
func TestScalar64Specials(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name      string
		f         func(float64) float64
		x, want   float64
		wantIsNaN bool
	}{
		{"exp NaN", Exp64, nan, 0, true},
		{"exp +Inf", Exp64, inf, inf, false},
		{"exp -Inf", Exp64, -inf, 0, false},
		{"exp 0", Exp64, 0, 1, false},
		{"exp 710", Exp64, 710, inf, false},
		{"exp 709.78", Exp64, 709.78, math.Exp(709.78), false},
		{"exp -745.2", Exp64, -745.2, 0, false},
		{"exp -745", Exp64, -745, math.Exp(-745), false},
		{"exp -740", Exp64, -740, math.Exp(-740), false},
		{"log1p NaN", Log1p64, nan, 0, true},
		{"log1p -2", Log1p64, -2, 0, true},
		{"log1p -1", Log1p64, -1, -inf, false},
		{"log1p +Inf", Log1p64, inf, inf, false},
		{"log1p 0", Log1p64, 0, 0, false},
		{"log1p 1e-300", Log1p64, 1e-300, 1e-300, false},
		{"log1p 1", Log1p64, 1, math.Ln2, false},
		{"log1p 1e300", Log1p64, 1e300, math.Log1p(1e300), false},
		{"softplus NaN", Softplus64, nan, 0, true},
		{"softplus +Inf", Softplus64, inf, inf, false},
		{"softplus -Inf", Softplus64, -inf, 0, false},
		{"softplus 0", Softplus64, 0, math.Ln2, false},
		{"softplus 800", Softplus64, 800, 800, false},
		{"softplus -800", Softplus64, -800, 0, false},
		{"sigmoid 0", Sigmoid64, 0, 0.5, false},
		{"sigmoid +Inf", Sigmoid64, inf, 1, false},
		{"sigmoid -Inf", Sigmoid64, -inf, 0, false},
		{"sigmoid 800", Sigmoid64, 800, 1, false},
		{"sigmoid NaN", Sigmoid64, nan, 0, true},
	}
	for _, c := range cases {
		got := c.f(c.x)
		if c.wantIsNaN {
			if got == got {
				t.Errorf("%s = %v, want NaN", c.name, got)
			}
			continue
		}
		if got != c.want && math.Abs(got-c.want) > 2e-16*math.Abs(c.want) {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
}

// check64 compares the slice functions with their scalar twins, bit for
// bit, on every test input, at every offset of the blocks of four.
func check64(t *testing.T) {
	xs := testInputs64()
	rng := rand.New(rand.NewSource(3))
	y := make([]float64, len(xs))
	for i := range y {
		y[i] = float64(rng.Intn(2))
		if i%7 == 0 {
			y[i] = float64(rng.Intn(20))
		}
	}
	y[5] = math.NaN()
	unary := []struct {
		name string
		vec  func(dst, x []float64)
		f    func(float64) float64
	}{
		{"Exp64", Exp64s, Exp64}, {"Log1p64", Log1p64s, Log1p64},
		{"Softplus64", Softplus64s, Softplus64}, {"Sigmoid64", Sigmoid64s, Sigmoid64},
	}
	for off := 0; off < 4; off++ {
		x := xs[off:]
		dst := make([]float64, len(x))
		for _, u := range unary {
			u.vec(dst, x)
			for i, v := range x {
				if w := u.f(v); !same64(dst[i], w) {
					t.Fatalf("%s(%v) [%#x]: slice %v [%#x], scalar %v", u.name, v, math.Float64bits(v), dst[i], math.Float64bits(dst[i]), w)
				}
			}
		}
		Bernoulli64s(dst, y[off:], x)
		for i, v := range x {
			w := Bernoulli1(y[off+i], v)
			if !(y[off+i] != y[off+i] && v != v) && !same64(dst[i], w) {
				t.Fatalf("Bernoulli64(y=%v, l=%v): slice %v, scalar %v", y[off+i], v, dst[i], w)
			}
			if wl, _ := Logistic1(y[off+i], v); !same64(w, wl) && w == w {
				t.Fatalf("Bernoulli1(%v, %v) = %v, Logistic1's ll %v", y[off+i], v, w, wl)
			}
		}
		r := make([]float64, len(x))
		two := []struct {
			name string
			vec  func(ll, r, y, eta []float64)
			f    func(y, eta float64) (float64, float64)
		}{{"Logistic64", Logistic64s, Logistic1}, {"Poisson64", Poisson64s, Poisson1}}
		for _, k := range two {
			k.vec(dst, r, y[off:], x)
			for i, v := range x {
				wl, wr := k.f(y[off+i], v)
				nanPair := y[off+i] != y[off+i] && v != v
				if !nanPair && (!same64(dst[i], wl) || !same64(r[i], wr)) {
					t.Fatalf("%s(y=%v, eta=%v): slice (%v, %v), scalar (%v, %v)", k.name, y[off+i], v, dst[i], r[i], wl, wr)
				}
			}
		}
	}
}

func TestSlices64(t *testing.T) { check64(t) }

func TestSlices64Portable(t *testing.T) { withPortable(t, check64) }

func TestSlices64InPlace(t *testing.T) {
	xs := testInputs64()[:1000]
	want := make([]float64, len(xs))
	Softplus64s(want, xs)
	got := append([]float64(nil), xs...)
	Softplus64s(got, got)
	for i := range got {
		if !same64(got[i], want[i]) {
			t.Fatalf("in place: %v, want %v", got[i], want[i])
		}
	}
}

func TestPanics64(t *testing.T) {
	for name, f := range map[string]func(){
		"exp":      func() { Exp64s(make([]float64, 2), make([]float64, 3)) },
		"log1p":    func() { Log1p64s(make([]float64, 2), make([]float64, 3)) },
		"softplus": func() { Softplus64s(make([]float64, 2), make([]float64, 3)) },
		"sigmoid":  func() { Sigmoid64s(make([]float64, 2), make([]float64, 3)) },
		"logistic": func() { Logistic64s(make([]float64, 2), make([]float64, 2), make([]float64, 2), make([]float64, 3)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on a length mismatch", name)
				}
			}()
			f()
		}()
	}
}

func BenchmarkUnary64(b *testing.B) {
	x := make([]float64, 100000)
	rng := rand.New(rand.NewSource(1))
	for i := range x {
		x[i] = rng.NormFloat64() * 5
	}
	dst := make([]float64, len(x))
	for _, c := range []struct {
		name string
		vec  func(dst, x []float64)
		f    func(float64) float64
	}{
		{"Exp64", Exp64s, Exp64}, {"Softplus64", Softplus64s, Softplus64}, {"Sigmoid64", Sigmoid64s, Sigmoid64},
		{"MathExp", nil, math.Exp}, {"MathLog1p", nil, math.Log1p},
	} {
		if c.vec != nil {
			b.Run(c.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					c.vec(dst, x)
				}
			})
		}
		b.Run(c.name+"Scalar", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for j, v := range x {
					dst[j] = c.f(v)
				}
			}
		})
	}
}
