package refprob

import (
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/datasets"
	"gonum.org/v1/gonum/mat"
)

// Linear is a Bayesian linear regression with known noise sd and a Normal(0, s²)
// prior on the intercept and every coefficient: its posterior over
// (intercept, β) is Gaussian with precision Λ = I/s² + AᵀA/σ² and mean
// Λ⁻¹Aᵀy/σ², where A = [1 X].
type Linear struct {
	N, D       int
	X, Y       []float64 // X is N×D row-major
	NoiseSD    float64
	PriorScale float64
	Mean       []float64 // exact posterior mean, intercept first
	Cov        []float64 // exact posterior covariance, (D+1)×(D+1) row-major
	Precision  []float64 // exact posterior precision
}

// NewLinear draws the standard reference problem: n rows, d features correlated
// with ρ = 0.5, known noise sd 1, prior scale 10.
func NewLinear(seed uint64, n, d int) *Linear {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	beta := make([]float64, d)
	for j := range beta {
		beta[j] = float64(j%3) - 1 + 0.5*rng.NormFloat64()
	}
	X, y := datasets.LinearData(rng, n, beta, 0.7, 0.5, 1)
	return ExactLinear(X, y, d, 1, 10)
}

// ExactLinear computes the exact posterior for data X (n×d), y.
func ExactLinear(X, y []float64, d int, noiseSD, priorScale float64) *Linear {
	n := len(y)
	k := d + 1
	a := mat.NewDense(n, k, nil)
	for i := 0; i < n; i++ {
		a.Set(i, 0, 1)
		for j := 0; j < d; j++ {
			a.Set(i, j+1, X[i*d+j])
		}
	}
	var prec mat.SymDense
	prec.SymOuterK(1/(noiseSD*noiseSD), a.T())
	for i := 0; i < k; i++ {
		prec.SetSym(i, i, prec.At(i, i)+1/(priorScale*priorScale))
	}
	var ch mat.Cholesky
	if !ch.Factorize(&prec) {
		panic("refprob: posterior precision is not positive definite")
	}
	var cov mat.SymDense
	if err := ch.InverseTo(&cov); err != nil {
		panic(err)
	}
	aty := mat.NewVecDense(k, nil)
	aty.MulVec(a.T(), mat.NewVecDense(n, y))
	aty.ScaleVec(1/(noiseSD*noiseSD), aty)
	var mean mat.VecDense
	mean.MulVec(&cov, aty)
	l := &Linear{N: n, D: d, X: X, Y: y, NoiseSD: noiseSD, PriorScale: priorScale}
	l.Mean = mean.RawVector().Data
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			l.Cov = append(l.Cov, cov.At(i, j))
			l.Precision = append(l.Precision, prec.At(i, j))
		}
	}
	return l
}

// MeanFieldVar returns the variances of the optimal mean-field Gaussian
// approximation, 1/diag(Λ).
func (l *Linear) MeanFieldVar() []float64 {
	k := l.D + 1
	out := make([]float64, k)
	for i := range out {
		out[i] = 1 / l.Precision[i*k+i]
	}
	return out
}

// Logistic2D is a logistic regression with an intercept and one feature and a
// Normal(0, s²) prior, whose posterior mean and covariance are computed by
// quadrature on a fine grid.
type Logistic2D struct {
	X, Y       []float64 // X has one column
	PriorScale float64
	Mean       []float64 // (intercept, slope)
	Cov        []float64 // 2×2 row-major
}

// NewLogistic2D draws n points with intercept -0.5 and slope 1.5 and computes the
// reference posterior on a grid of g×g points.
func NewLogistic2D(seed uint64, n, g int) *Logistic2D {
	rng := rand.New(rand.NewPCG(seed, 0x10c))
	X, y := datasets.LogisticData(rng, n, []float64{1.5}, -0.5, 0)
	r := &Logistic2D{X: X, Y: y, PriorScale: 10}
	logp := func(a, b float64) float64 {
		s := -(a*a + b*b) / (2 * r.PriorScale * r.PriorScale)
		for i, x := range X {
			eta := a + b*x
			// y log σ(η) + (1-y) log σ(-η) = yη - softplus(η)
			s += y[i]*eta - softplus(eta)
		}
		return s
	}
	// Find the mode roughly, then integrate on a box of ±8 Laplace sds around it.
	ma, mb := 0.0, 0.0
	for it := 0; it < 50; it++ { // Newton's method
		var ga, gb, haa, hab, hbb float64
		ga, gb = -ma/(r.PriorScale*r.PriorScale), -mb/(r.PriorScale*r.PriorScale)
		haa, hbb = -1/(r.PriorScale*r.PriorScale), -1/(r.PriorScale*r.PriorScale)
		for i, x := range X {
			p := 1 / (1 + math.Exp(-(ma + mb*x)))
			ga += y[i] - p
			gb += (y[i] - p) * x
			w := p * (1 - p)
			haa -= w
			hab -= w * x
			hbb -= w * x * x
		}
		det := haa*hbb - hab*hab
		ma -= (hbb*ga - hab*gb) / det
		mb -= (-hab*ga + haa*gb) / det
		if it == 49 {
			sa, sb := math.Sqrt(-hbb/det), math.Sqrt(-haa/det)
			var w, s1a, s1b, s2aa, s2ab, s2bb float64
			lp0 := logp(ma, mb)
			for i := 0; i < g; i++ {
				a := ma + sa*(-8+16*(float64(i)+0.5)/float64(g))
				for j := 0; j < g; j++ {
					b := mb + sb*(-8+16*(float64(j)+0.5)/float64(g))
					p := math.Exp(logp(a, b) - lp0)
					w += p
					s1a += p * a
					s1b += p * b
					s2aa += p * a * a
					s2ab += p * a * b
					s2bb += p * b * b
				}
			}
			mua, mub := s1a/w, s1b/w
			r.Mean = []float64{mua, mub}
			cab := s2ab/w - mua*mub
			r.Cov = []float64{s2aa/w - mua*mua, cab, cab, s2bb/w - mub*mub}
		}
	}
	return r
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}
