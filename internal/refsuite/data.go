package refsuite

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/vigor-ml/vigor/bbvi"
)

// gen draws the synthetic data of a problem from a fixed PCG seed. Every real
// value is rounded to six significant digits, so that the data file Stan reads
// holds exactly the numbers Vigor fits.
type gen struct{ rng *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, 0x7265667375697465))} }

// round6 rounds v to six significant digits.
func round6(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return r
}

// normal returns a draw from N(m, s²), rounded.
func (g *gen) normal(m, s float64) float64 { return round6(m + s*g.rng.NormFloat64()) }

// uniform returns a draw from U(lo, hi), rounded.
func (g *gen) uniform(lo, hi float64) float64 { return round6(lo + (hi-lo)*g.rng.Float64()) }

// poisson returns a draw from Poisson(lambda) by Knuth's method (lambda is
// small here).
func (g *gen) poisson(lambda float64) float64 {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.rng.Float64()
		if p <= l {
			return float64(k)
		}
		k++
	}
}

// correlated returns an n×d design (row-major) whose columns are standard
// normal with pairwise correlation rho, through a common factor.
func (g *gen) correlated(n, d int, rho float64) []float64 {
	X := make([]float64, n*d)
	a, c := math.Sqrt(rho), math.Sqrt(1-rho)
	for i := 0; i < n; i++ {
		f := g.rng.NormFloat64()
		for j := 0; j < d; j++ {
			X[i*d+j] = round6(a*f + c*g.rng.NormFloat64())
		}
	}
	return X
}

// oneHot returns the n×k indicator matrix of the 0-based indices idx.
func oneHot(idx []int, k int) []float64 {
	out := make([]float64, len(idx)*k)
	for i, j := range idx {
		out[i*k+j] = 1
	}
	return out
}

// Stan data entries.

func stanInt(name string, v int) StanVar {
	return StanVar{Name: name, Int: true, Values: []float64{float64(v)}}
}

func stanVec(name string, v []float64) StanVar {
	return StanVar{Name: name, Dims: []int{len(v)}, Values: v}
}

func stanIntVec(name string, v []float64) StanVar {
	return StanVar{Name: name, Int: true, Dims: []int{len(v)}, Values: v}
}

func stanMat(name string, rows, cols int, v []float64) StanVar {
	return StanVar{Name: name, Dims: []int{rows, cols}, Values: v}
}

// regression is the data of a regression problem: a design X (N×K, no
// intercept column) and targets y.
type regression struct {
	N, K int
	X, y []float64
}

func (r regression) data() bbvi.Data {
	return bbvi.Data{{Name: "X", Cols: r.K, Values: r.X}, {Name: "y", Values: r.y}}
}

func (r regression) stan(intY bool) []StanVar {
	y := stanVec("y", r.y)
	y.Int = intY
	return []StanVar{stanInt("N", r.N), stanInt("K", r.K), stanMat("X", r.N, r.K, r.X), y}
}

// linPred64 returns beta[0] + x·beta[1:].
func linPred64(beta, x []float64) float64 {
	s := beta[0]
	for j, v := range x {
		s += beta[j+1] * v
	}
	return s
}
