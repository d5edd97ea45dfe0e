package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
)

func genUnit(r *rand.Rand) float64   { return 0.01 + 0.98*r.Float64() }
func genMid(r *rand.Rand) float64    { return 2*r.Float64() - 1 }
func genLo(r *rand.Rand) float64     { return -1 - 2*r.Float64() }
func genHi(r *rand.Rand) float64     { return 1 + 2*r.Float64() }
func genCount(r *rand.Rand) float64  { return float64(r.IntN(16)) }
func genFew(r *rand.Rand) float64    { return float64(r.IntN(6)) }
func genTrials(r *rand.Rand) float64 { return float64(5 + r.IntN(8)) }
func genPhi(r *rand.Rand) float64    { return 0.3 + 10*r.Float64() }

// logisticRef is the logistic log-density with location and scale. (gonum's
// distuv.Logistic.LogProb ignores Mu and S: it is the standard density, so the
// reference standardizes first.)
func logisticRef(x, mu, s float64) float64 {
	return distuv.Logistic{Mu: 0, S: 1}.LogProb((x-mu)/s) - math.Log(s)
}

// contDistCases are the continuous densities of dist_cont.go, each against
// gonum's distuv (Cauchy and the half-t densities as Student-t with ν = 1 and
// twice the density on x ≥ 0).
var contDistCases = []distCase{
	{
		name:  "Cauchy",
		gens:  []func(*rand.Rand) float64{genReal, genReal, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.CauchyLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.StudentsT{Mu: a[1], Sigma: a[2], Nu: 1}.LogProb(a[0]) },
		edges: [][]float64{{0, 0, 1}, {1e3, 0, 1}, {-1e4, 3, 0.01}, {2, 2, 1e-3}},
	},
	{
		name:  "HalfCauchy",
		gens:  []func(*rand.Rand) float64{genPosX, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.HalfCauchyLogProb(a[0], a[1]) },
		ref: func(a []float64) float64 {
			return math.Ln2 + distuv.StudentsT{Mu: 0, Sigma: a[1], Nu: 1}.LogProb(a[0])
		},
		edges: [][]float64{{0, 1}, {0, 25}, {1e4, 0.1}, {1e-8, 1e3}},
	},
	{
		name:  "HalfStudentT",
		gens:  []func(*rand.Rand) float64{genPosX, genNu, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.HalfStudentTLogProb(a[0], a[1], a[2]) },
		ref: func(a []float64) float64 {
			return math.Ln2 + distuv.StudentsT{Mu: 0, Sigma: a[2], Nu: a[1]}.LogProb(a[0])
		},
		edges: [][]float64{{0, 3, 1}, {0, 1, 2.5}, {100, 0.5, 1}, {1, 30, 1e3}},
	},
	{
		name:  "LogNormal",
		gens:  []func(*rand.Rand) float64{genPosX, genReal, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.LogNormalLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.LogNormal{Mu: a[1], Sigma: a[2]}.LogProb(a[0]) },
		edges: [][]float64{{1, 0, 1}, {1e-6, 0, 1}, {1e4, 2, 3}, {2, math.Log(2), 1e-3}},
	},
	{
		name:  "Beta",
		gens:  []func(*rand.Rand) float64{genUnit, genScale, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.BetaLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.Beta{Alpha: a[1], Beta: a[2]}.LogProb(a[0]) },
		edges: [][]float64{{0.5, 1, 1}, {1e-6, 0.5, 2}, {1 - 1e-6, 3, 0.5}, {0.3, 50, 80}},
	},
	{
		name:  "Uniform",
		gens:  []func(*rand.Rand) float64{genMid, genLo, genHi},
		build: func(b *Builder, a []*Node) *Node { return b.UniformLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.Uniform{Min: a[1], Max: a[2]}.LogProb(a[0]) },
		// The bounds belong to the support; points outside have -Inf.
		edges: [][]float64{{-2, -2, 3}, {3, -2, 3}, {-2.5, -2, 3}, {3.25, -2, 3}, {0, -1e-3, 1e-3}},
	},
	{
		name:  "Logistic",
		gens:  []func(*rand.Rand) float64{genReal, genReal, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.LogisticLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return logisticRef(a[0], a[1], a[2]) },
		edges: [][]float64{{0, 0, 1}, {40, 0, 1}, {-40, 0, 1}, {1, 3, 1e-2}, {5, 5, 1e3}},
	},
	{
		name:  "Weibull",
		gens:  []func(*rand.Rand) float64{genPosX, genScale, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.WeibullLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.Weibull{K: a[1], Lambda: a[2]}.LogProb(a[0]) },
		edges: [][]float64{{1, 1, 1}, {1e-6, 0.5, 1}, {10, 3, 2}, {0.2, 10, 0.25}},
	},
	{
		name:  "InverseGamma",
		gens:  []func(*rand.Rand) float64{genPosX, genScale, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.InverseGammaLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.InverseGamma{Alpha: a[1], Beta: a[2]}.LogProb(a[0]) },
		edges: [][]float64{{1, 1, 1}, {1e-2, 2, 0.5}, {1e3, 0.5, 3}, {0.5, 20, 10}},
	},
}

// negBinomialRef is the negative binomial log-probability with mean e^eta and
// dispersion phi, the textbook formula.
func negBinomialRef(y, eta, phi float64) float64 {
	mu := math.Exp(eta)
	a, _ := math.Lgamma(y + phi)
	c, _ := math.Lgamma(y + 1)
	d, _ := math.Lgamma(phi)
	return a - c - d + y*math.Log(mu/(mu+phi)) + phi*math.Log(phi/(mu+phi))
}

// countDistCases are the count distributions of dist_count.go: Poisson and
// binomial against gonum's distuv, the negative binomial against its textbook
// formula (gonum has none; TestCountNormalization checks its sum and
// moments).
var countDistCases = []distCase{
	{
		name:  "PoissonLogRate",
		gens:  []func(*rand.Rand) float64{genCount, genReal},
		build: func(b *Builder, a []*Node) *Node { return b.PoissonLogRateLogProb(a[0], a[1]) },
		ref:   func(a []float64) float64 { return distuv.Poisson{Lambda: math.Exp(a[1])}.LogProb(a[0]) },
		edges: [][]float64{{0, 0}, {0, -10}, {30, math.Log(30)}, {1, 5}},
		data:  1,
	},
	{
		name:  "BinomialLogits",
		gens:  []func(*rand.Rand) float64{genFew, genTrials, genLogit},
		build: func(b *Builder, a []*Node) *Node { return b.BinomialLogitsLogProb(a[0], a[1], a[2]) },
		ref: func(a []float64) float64 {
			return distuv.Binomial{N: a[1], P: 1 / (1 + math.Exp(-a[2]))}.LogProb(a[0])
		},
		edges: [][]float64{{0, 10, 0}, {10, 10, 0}, {3, 20, -4}, {0, 1, 8}, {1, 1, 8}},
		data:  2,
	},
	{
		name:  "NegativeBinomialLogMean",
		gens:  []func(*rand.Rand) float64{genCount, genReal, genPhi},
		build: func(b *Builder, a []*Node) *Node { return b.NegativeBinomialLogMeanLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return negBinomialRef(a[0], a[1], a[2]) },
		edges: [][]float64{{0, 0, 1}, {0, -5, 0.5}, {40, 3, 2}, {5, 1, 1e3}},
		data:  1,
	},
}

// quadNodes returns n Gauss–Legendre nodes and weights on [lo, hi].
func quadNodes(n int, lo, hi float64) (x, w []float64) {
	x, w = make([]float64, n), make([]float64, n)
	quad.Legendre{}.FixedLocations(x, w, lo, hi)
	return x, w
}

// TestContinuousNormalization integrates each continuous density over its
// support by Gauss–Legendre quadrature after a smoothing substitution (x =
// loc + scale·sinh u on the real line, x = e^u on the positive half-line, x =
// σ(u) on (0, 1)), evaluating the density in the graph in both float types.
func TestContinuousNormalization(t *testing.T) {
	type norm struct {
		name   string
		lo, hi float64                         // range of u
		x      func(u float64) (x, dx float64) // the substitution and dx/du
		build  func(b *Builder, x *Node) *Node
	}
	line := func(loc, scale float64) func(float64) (float64, float64) {
		return func(u float64) (float64, float64) { return loc + scale*math.Sinh(u), scale * math.Cosh(u) }
	}
	pos := func(u float64) (float64, float64) { return math.Exp(u), math.Exp(u) }
	unit := func(u float64) (float64, float64) { s := sigmoid64(u); return s, s * (1 - s) }
	ident := func(u float64) (float64, float64) { return u, 1 }
	c := func(b *Builder, v float64) *Node { return b.Scalar(v) }
	cases := []norm{
		{"Cauchy(1, 2)", -40, 40, line(1, 2), func(b *Builder, x *Node) *Node { return b.CauchyLogProb(x, c(b, 1), c(b, 2)) }},
		{"Cauchy(-3, 0.3)", -40, 40, line(-3, 0.3), func(b *Builder, x *Node) *Node { return b.CauchyLogProb(x, c(b, -3), c(b, 0.3)) }},
		{"Logistic(0.5, 1.5)", -8, 8, line(0.5, 1.5), func(b *Builder, x *Node) *Node { return b.LogisticLogProb(x, c(b, 0.5), c(b, 1.5)) }},
		{"HalfCauchy(0.5)", -40, 40, pos, func(b *Builder, x *Node) *Node { return b.HalfCauchyLogProb(x, c(b, 0.5)) }},
		{"HalfCauchy(3)", -40, 40, pos, func(b *Builder, x *Node) *Node { return b.HalfCauchyLogProb(x, c(b, 3)) }},
		{"HalfStudentT(3, 2)", -40, 40, pos, func(b *Builder, x *Node) *Node { return b.HalfStudentTLogProb(x, c(b, 3), c(b, 2)) }},
		{"HalfStudentT(0.8, 1)", -40, 60, pos, func(b *Builder, x *Node) *Node { return b.HalfStudentTLogProb(x, c(b, 0.8), c(b, 1)) }},
		{"LogNormal(0.3, 0.8)", -10, 10, pos, func(b *Builder, x *Node) *Node { return b.LogNormalLogProb(x, c(b, 0.3), c(b, 0.8)) }},
		{"Weibull(0.6, 2)", -60, 10, pos, func(b *Builder, x *Node) *Node { return b.WeibullLogProb(x, c(b, 0.6), c(b, 2)) }},
		{"Weibull(3, 0.5)", -15, 5, pos, func(b *Builder, x *Node) *Node { return b.WeibullLogProb(x, c(b, 3), c(b, 0.5)) }},
		{"InverseGamma(0.7, 2)", -5, 60, pos, func(b *Builder, x *Node) *Node { return b.InverseGammaLogProb(x, c(b, 0.7), c(b, 2)) }},
		{"InverseGamma(3, 1)", -5, 20, pos, func(b *Builder, x *Node) *Node { return b.InverseGammaLogProb(x, c(b, 3), c(b, 1)) }},
		// On (0, 1), β ≥ 1 where float32 rounds σ(u) to 1.
		{"Beta(2, 3)", -45, 16, unit, func(b *Builder, x *Node) *Node { return b.BetaLogProb(x, c(b, 2), c(b, 3)) }},
		{"Beta(0.7, 2.5)", -60, 16, unit, func(b *Builder, x *Node) *Node { return b.BetaLogProb(x, c(b, 0.7), c(b, 2.5)) }},
		{"Beta(5, 1.2)", -20, 30, unit, func(b *Builder, x *Node) *Node { return b.BetaLogProb(x, c(b, 5), c(b, 1.2)) }},
		{"Uniform(-2, 5)", -2, 5, ident, func(b *Builder, x *Node) *Node { return b.UniformLogProb(x, c(b, -2), c(b, 5)) }},
	}
	const n = 600
	for _, dt := range []Dtype{Float64, Float32} {
		tol := 1e-8
		if dt == Float32 {
			tol = 2e-5
		}
		for _, tc := range cases {
			us, ws := quadNodes(n, tc.lo, tc.hi)
			xs, jac := make([]float64, n), make([]float64, n)
			for i, u := range us {
				xs[i], jac[i] = tc.x(u)
			}
			b := NewBuilder(dt)
			lp := tc.build(b, b.Constant("x", xs, n))
			runGraph(t, b)
			var total float64
			for i, v := range Values(lp) {
				total += ws[i] * jac[i] * math.Exp(v)
			}
			if math.Abs(total-1) > tol {
				t.Errorf("%v %s: integrates to %.12f", dt, tc.name, total)
			}
		}
	}
}

// TestCountNormalization sums each count distribution over its support and
// checks its mean and variance: e^η for the Poisson, nσ(l) and nσ(l)(1-σ(l))
// for the binomial, μ and μ + μ²/φ for the negative binomial.
func TestCountNormalization(t *testing.T) {
	type norm struct {
		name     string
		ymax     int
		build    func(b *Builder, y *Node) *Node
		mean, vr float64
	}
	sig := func(l float64) float64 { return 1 / (1 + math.Exp(-l)) }
	c := func(b *Builder, v float64) *Node { return b.Scalar(v) }
	mu := math.Exp(2.0)
	cases := []norm{
		{name: "Poisson(e^1.3)", ymax: 200, build: func(b *Builder, y *Node) *Node { return b.PoissonLogRateLogProb(y, c(b, 1.3)) },
			mean: math.Exp(1.3), vr: math.Exp(1.3)},
		{name: "Binomial(12, σ(0.4))", ymax: 12, build: func(b *Builder, y *Node) *Node {
			return b.BinomialLogitsLogProb(y, c(b, 12), c(b, 0.4))
		}, mean: 12 * sig(0.4), vr: 12 * sig(0.4) * (1 - sig(0.4))},
		{name: "Binomial(7, σ(-3))", ymax: 7, build: func(b *Builder, y *Node) *Node {
			return b.BinomialLogitsLogProb(y, c(b, 7), c(b, -3))
		}, mean: 7 * sig(-3), vr: 7 * sig(-3) * (1 - sig(-3))},
		{name: "NegativeBinomial(e^2, 1.5)", ymax: 600, build: func(b *Builder, y *Node) *Node {
			return b.NegativeBinomialLogMeanLogProb(y, c(b, 2), c(b, 1.5))
		}, mean: mu, vr: mu + mu*mu/1.5},
		{name: "NegativeBinomial(e^2, 0.3)", ymax: 3000, build: func(b *Builder, y *Node) *Node {
			return b.NegativeBinomialLogMeanLogProb(y, c(b, 2), c(b, 0.3))
		}, mean: mu, vr: mu + mu*mu/0.3},
	}
	for _, dt := range []Dtype{Float64, Float32} {
		tol := 1e-9
		if dt == Float32 {
			tol = 1e-4
		}
		for _, tc := range cases {
			ys := make([]float64, tc.ymax+1)
			for i := range ys {
				ys[i] = float64(i)
			}
			b := NewBuilder(dt)
			lp := tc.build(b, b.Constant("y", ys, len(ys)))
			runGraph(t, b)
			var s0, s1, s2 float64
			for y, v := range Values(lp) {
				p := math.Exp(v)
				s0 += p
				s1 += p * float64(y)
				s2 += p * float64(y*y)
			}
			vr := s2/s0 - (s1/s0)*(s1/s0)
			if math.Abs(s0-1) > tol || math.Abs(s1-tc.mean) > tol*100*tc.mean || math.Abs(vr-tc.vr) > tol*1e3*tc.vr {
				t.Errorf("%v %s: sum %.12f, mean %.10g (want %.10g), variance %.10g (want %.10g)", dt, tc.name, s0, s1, tc.mean, vr, tc.vr)
			}
		}
	}
	// As φ grows the negative binomial tends to the Poisson with the same mean.
	b := NewBuilder(Float64)
	y := b.Constant("y", []float64{0, 1, 4, 9}, 4)
	nb := b.NegativeBinomialLogMeanLogProb(y, b.Scalar(1.2), b.Scalar(1e7))
	po := b.PoissonLogRateLogProb(y, b.Scalar(1.2))
	runGraph(t, b)
	for i, v := range Values(nb) {
		if w := Values(po)[i]; math.Abs(v-w) > 1e-5 {
			t.Errorf("NegativeBinomial φ = 1e7 at y %d: %v, Poisson %v", i, v, w)
		}
	}
}

// The Uniform density has a zero gradient in x, also outside the support,
// and the gradient of -log(hi - lo) in the bounds: with three points and
// hi - lo = 3, d/dlo = 3/3 = 1 and d/dhi = -1.
func TestUniformGradient(t *testing.T) {
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		x := b.Param("x", []float64{0.5, -3, 1.9}, 3) // -3 is outside [lo, hi]
		lo := b.Param("lo", []float64{-1}, 1)
		hi := b.Param("hi", []float64{2}, 1)
		g := b.Grad(b.Sum(b.UniformLogProb(x, lo, hi)), x, lo, hi)
		runGraph(t, b)
		want := [][]float64{{0, 0, 0}, {1}, {-1}}
		for k, gk := range g {
			if got := Values(gk); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", want[k]) {
				t.Errorf("%v gradient %d: %v, want %v", dt, k, got, want[k])
			}
		}
	}
}
