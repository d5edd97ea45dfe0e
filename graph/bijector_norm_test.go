package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/distuv"
)

// A normCase is a bijector with a normalized density on its constrained
// space, with respect to the measure its Jacobian is taken onto (Lebesgue on
// the free coordinates). Pushed back through the bijector,
// p(f(x))·|det J(x)| is a density on R^in, so it integrates to one.
type normCase struct {
	name    string
	bij     Bijector
	in      int
	logDens func(y []float64) float64 // nil: logBatch
	// logBatch evaluates the density of n constrained rows at once (a graph
	// density), for the matrix cases.
	logBatch func(t *testing.T, ys []float64, n int) []float64
	// The importance-sampling proposal: Student-t coordinates with these
	// locations (nil: 0) and scales (nil: scale, or 1.5 if it is 0), near the
	// pulled-back density.
	loc, scales []float64
	scale       float64
}

func normCases() []normCase {
	gamma := distuv.Gamma{Alpha: 2, Beta: 1}
	beta := distuv.Beta{Alpha: 2, Beta: 3}
	dir := distmv.NewDirichlet([]float64{1.5, 2, 0.7, 3}, nil)
	uniform := distmv.NewDirichlet([]float64{1, 1, 1, 1, 1}, nil)
	stdNormal := distuv.UnitNormal
	lkj := func(k int, eta float64) func(t *testing.T, ys []float64, n int) []float64 {
		return func(t *testing.T, ys []float64, n int) []float64 {
			b := NewBuilder(Float64)
			lp := b.LKJCholeskyLogProb(b.Constant("L", ys, n, k, k), b.Scalar(eta))
			runGraph(t, b)
			return Values(lp)
		}
	}
	return []normCase{
		{name: "LowerBound/Gamma", bij: LowerBound{Lower: -2}, in: 1,
			logDens: func(y []float64) float64 { return gamma.LogProb(y[0] + 2) }},
		{name: "UpperBound/Gamma", bij: UpperBound{Upper: 3}, in: 1,
			logDens: func(y []float64) float64 { return gamma.LogProb(3 - y[0]) }},
		{name: "Sigmoid/Beta", bij: Sigmoid{Lower: -2, Upper: 5}, in: 1,
			logDens: func(y []float64) float64 { return beta.LogProb((y[0]+2)/7) - math.Log(7) }},
		// The order statistics of 3 standard normals: 3! Π φ(y_i) on y_0 < y_1 < y_2.
		{name: "Ordered/normal order statistics", bij: Ordered{}, in: 3,
			logDens: func(y []float64) float64 {
				return math.Log(6) + stdNormal.LogProb(y[0]) + stdNormal.LogProb(y[1]) + stdNormal.LogProb(y[2])
			}},
		// The order statistics of 3 unit exponentials.
		{name: "PositiveOrdered/exponential order statistics", bij: PositiveOrdered{}, in: 3,
			logDens: func(y []float64) float64 { return math.Log(6) - y[0] - y[1] - y[2] }},
		{name: "StickBreaking/Dirichlet", bij: StickBreaking{}, in: 3, logDens: dir.LogProb},
		{name: "StickBreaking/uniform", bij: StickBreaking{}, in: 4, logDens: uniform.LogProb},
		{name: "CorrCholesky/LKJ(2) K=3", bij: CorrCholesky{}, in: 3, logBatch: lkj(3, 2), scale: 0.6},
		{name: "CorrCholesky/LKJ(1) K=4", bij: CorrCholesky{N: 4}, in: 6, logBatch: lkj(4, 1), scale: 0.7},
		{name: "CorrCholesky/LKJ(0.7) K=2", bij: CorrCholesky{}, in: 1, logBatch: lkj(2, 0.7)},
		// Bartlett's decomposition of Wishart(ν = 6, I): entries below the
		// diagonal standard normal, L_ii = √χ²(ν - i).
		{name: "LowerCholesky/Bartlett", bij: LowerCholesky{}, in: 6,
			loc: []float64{0.85, 0, 0.8, 0, 0, 0.7}, scales: []float64{0.4, 1.2, 0.4, 1.2, 1.2, 0.4},
			logDens: func(y []float64) float64 {
				const n, nu = 3, 6
				var lp float64
				for i := 0; i < n; i++ {
					for j := 0; j < i; j++ {
						lp += stdNormal.LogProb(y[i*n+j])
					}
					c := y[i*n+i]
					lp += distuv.ChiSquared{K: float64(nu - i)}.LogProb(c*c) + math.Log(2*c)
				}
				return lp
			}},
	}
}

// TestBijectorNormalizes checks that a normalized density on each
// constrained space, pulled back through the bijector with its log|det J|,
// still integrates to one: by importance sampling from a product of Student-t
// densities (whose tails are heavier than the pulled-back densities', so that
// the weights have a finite variance), within four Monte Carlo standard
// errors, which the test requires to be below 0.01.
func TestBijectorNormalizes(t *testing.T) {
	const n = 100000
	for ci, c := range normCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, uint64(ci)))
			prop := make([]distuv.StudentsT, c.in)
			for i := range prop {
				prop[i] = distuv.StudentsT{Sigma: 1.5, Nu: 4, Src: rng}
				if c.loc != nil {
					prop[i].Mu = c.loc[i]
				}
				if c.scale > 0 {
					prop[i].Sigma = c.scale
				}
				if c.scales != nil {
					prop[i].Sigma = c.scales[i]
				}
			}
			out := c.bij.OutDim(c.in)
			x := make([]float64, c.in)
			ys := make([]float64, n*out)
			logw := make([]float64, n)
			for s := 0; s < n; s++ {
				var lq float64
				for i := range x {
					x[i] = prop[i].Rand()
					lq += prop[i].LogProb(x[i])
				}
				y := ys[s*out : (s+1)*out]
				c.bij.Forward64(y, x)
				logw[s] = c.bij.LogDetJacobian64(x) - lq
				if c.logDens != nil {
					logw[s] += c.logDens(y)
				}
			}
			if c.logBatch != nil {
				for s, v := range c.logBatch(t, ys, n) {
					logw[s] += v
				}
			}
			var sum, sq float64
			for _, lw := range logw {
				w := math.Exp(lw)
				sum += w
				sq += w * w
			}
			mean := sum / n
			se := math.Sqrt((sq/n - mean*mean) / n)
			t.Logf("∫ = %.5f ± %.5f", mean, se)
			if se > 0.01 || math.Abs(mean-1) > 4*se {
				t.Errorf("integral %.5f ± %.5f, want 1", mean, se)
			}
		})
	}
}

// TestBijectorNormalizesQuadrature checks the one-dimensional cases exactly:
// ∫ p(f(x))·|f'(x)| dx = 1 by Gauss–Legendre quadrature on [-40, 40].
func TestBijectorNormalizesQuadrature(t *testing.T) {
	for _, c := range normCases() {
		if c.in != 1 || c.logDens == nil {
			continue
		}
		y := make([]float64, 1)
		got := quad.Fixed(func(x float64) float64 {
			c.bij.Forward64(y, []float64{x})
			return math.Exp(c.logDens(y) + c.bij.LogDetJacobian64([]float64{x}))
		}, -40, 40, 4000, nil, 0)
		if math.Abs(got-1) > 1e-9 {
			t.Errorf("%s: ∫ = %.12f, want 1", c.name, got)
		}
	}
}

// TestCorrCholeskyProperties checks that the factors are those of
// correlation matrices: unit rows, a positive diagonal, zeros above it, and
// that x = 0 gives the identity.
func TestCorrCholeskyProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 1))
	for _, k := range []int{2, 3, 5} {
		c := CorrCholesky{}
		m := k * (k - 1) / 2
		l := make([]float64, k*k)
		for rep := 0; rep < 20; rep++ {
			c.Forward64(l, randRow(rng, m))
			for i := 0; i < k; i++ {
				var ss float64
				for j := 0; j < k; j++ {
					ss += l[i*k+j] * l[i*k+j]
					if j > i && l[i*k+j] != 0 {
						t.Fatalf("K=%d: entry (%d, %d) = %g above the diagonal", k, i, j, l[i*k+j])
					}
				}
				if math.Abs(ss-1) > 1e-14 || !(l[i*k+i] > 0) {
					t.Errorf("K=%d: row %d has squared length %v and diagonal %v", k, i, ss, l[i*k+i])
				}
			}
		}
		c.Forward64(l, make([]float64, m))
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				if want := float64(btoi(i == j)); l[i*k+j] != want {
					t.Errorf("K=%d: Forward64(0)[%d,%d] = %v, want %v", k, i, j, l[i*k+j], want)
				}
			}
		}
	}
	// K = 2: Ω_10 = L_10 = tanh(x).
	l := make([]float64, 4)
	CorrCholesky{}.Forward64(l, []float64{0.3})
	if math.Abs(l[2]-math.Tanh(0.3)) > 1e-15 || math.Abs(l[3]-math.Sqrt(1-math.Tanh(0.3)*math.Tanh(0.3))) > 1e-15 {
		t.Errorf("K=2: L = %v", l)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestBijectorsExtreme checks that large inputs give finite outputs, log det
// and gradients for the new bijectors, in both float types.
func TestBijectorsExtreme(t *testing.T) {
	xs := []float64{-300, 0, 300, -30, 30, 60}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, bij := range []Bijector{CorrCholesky{}, Ordered{}} {
			t.Run(fmt.Sprintf("%v/%v", dt, bij), func(t *testing.T) {
				b := NewBuilder(dt)
				p := b.Param("x", xs, 2, 3)
				y := bij.Forward(b, p)
				ld := bij.LogDetJacobian(b, p)
				cost := b.Add(b.Sum(ld), b.Sum(b.Square(y)))
				if _, ok := bij.(Ordered); ok {
					cost = b.Sum(ld) // exp(300) overflows in y; the log det stays finite
				}
				g := b.Grad(cost, p)
				runGraph(t, b)
				for name, vals := range map[string][]float64{"log det": Values(ld), "gradient": Values(g[0])} {
					for i, v := range vals {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Errorf("%s[%d] = %v", name, i, v)
						}
					}
				}
				if _, ok := bij.(CorrCholesky); ok {
					for i, v := range Values(y) {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Errorf("L[%d] = %v", i, v)
						}
					}
				}
			})
		}
	}
}
