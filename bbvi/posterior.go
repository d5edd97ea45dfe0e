package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// Posterior is a fitted approximate posterior: a Gaussian q(ζ) = N(UMean, UCov)
// over the unconstrained latent vector, pushed onto each latent's support. Its
// methods report in the constrained space. Components are ordered as the model's
// latents, each latent's components in order (see Names).
type Posterior struct {
	Latents   []Latent    // the model's latent declarations
	Names     []string    // one name per component
	UMean     []float64   // mean of q in the unconstrained space
	UCov      []float64   // covariance of q in the unconstrained space, dim×dim row-major
	Family    string      // the variational family's name
	Estimator string      // the gradient estimator's name
	Trace     []ELBOPoint // ELBO evaluations; the last is at the reported parameters
	Steps     int         // optimizer steps taken
	Status    Status      // how the fit ended: Converged, StepLimit, NonFinite or Stopped
	Reason    string      // why, in a sentence
	Start     string      // where q started: "laplace" (at the mode, see Settings.Start) or "default"
	Seconds   float64     // wall time of the fit
	// Diagnostics say whether q can be trusted (PSIS k̂ of fresh draws, the
	// ELBO with its standard error, a verdict and a hint); nil when the fit
	// skipped them (Settings.DiagnosticDraws < 0, a NaN or Inf, or a model
	// with discrete latents).
	Diagnostics *Diagnostics

	chol []float64 // lower Cholesky factor of UCov
	bij  []graph.Bijector
}

// NewPosterior returns the posterior with the given unconstrained mean and
// covariance (dim×dim, row-major; it must be symmetric positive definite) for a
// model with the given latents. Fit calls it; it is exported so that a fitted
// posterior can be rebuilt from saved numbers.
func NewPosterior(latents []Latent, mean, cov []float64) (*Posterior, error) {
	if err := validateLatents(latents); err != nil {
		return nil, err
	}
	return newPosteriorCov(latents, mean, cov)
}

func newPosteriorCov(latents []Latent, mean, cov []float64) (*Posterior, error) {
	d := len(mean)
	if len(cov) != d*d {
		return nil, fmt.Errorf("bbvi: posterior: covariance has %d entries for dimension %d", len(cov), d)
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...))) {
		return nil, errors.New("bbvi: posterior: covariance is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	scale := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			scale[i*d+j] = l.At(i, j)
		}
	}
	return newPosterior(latents, mean, scale)
}

// newPosterior builds a posterior from the mean and lower-triangular scale L of q.
func newPosterior(latents []Latent, mean, scale []float64) (*Posterior, error) {
	d := len(mean)
	if len(scale) != d*d {
		return nil, fmt.Errorf("bbvi: posterior: scale has %d entries for dimension %d", len(scale), d)
	}
	p := &Posterior{Latents: latents, UMean: append([]float64(nil), mean...), chol: append([]float64(nil), scale...)}
	for _, l := range latents {
		p.Names = append(p.Names, l.ComponentNames()...)
		for i := 0; i < l.size(); i++ {
			p.bij = append(p.bij, l.Support.Bijector())
		}
	}
	if len(p.Names) != d {
		return nil, fmt.Errorf("bbvi: posterior: latents have %d components, mean has %d", len(p.Names), d)
	}
	p.UCov = make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for k := 0; k <= j; k++ {
				s += scale[i*d+k] * scale[j*d+k]
			}
			p.UCov[i*d+j], p.UCov[j*d+i] = s, s
		}
	}
	return p, nil
}

// Dim returns the number of components.
func (p *Posterior) Dim() int { return len(p.UMean) }

// ELBO returns the last ELBO evaluation (NaN if there is none).
func (p *Posterior) ELBO() float64 {
	if len(p.Trace) == 0 {
		return math.NaN()
	}
	return p.Trace[len(p.Trace)-1].ELBO
}

func (p *Posterior) identity(j int) bool {
	_, ok := p.bij[j].(graph.Identity)
	return ok
}

func (p *Posterior) fwd(j int, x float64) float64 {
	var in, out [1]float64
	in[0] = x
	p.bij[j].Forward64(out[:], in[:])
	return out[0]
}

// Gauss–Hermite rules for E[f(X)], X Gaussian.
var gh1x, gh1w = ghRule(64)
var gh2x, gh2w = ghRule(24)

func ghRule(n int) ([]float64, []float64) {
	x := make([]float64, n)
	w := make([]float64, n)
	quad.Hermite{}.FixedLocations(x, w, math.Inf(-1), math.Inf(1))
	// Change variables for a standard normal: E f(Z) = Σ w_i f(√2 x_i) / √π.
	for i := range x {
		x[i] *= math.Sqrt2
		w[i] /= math.SqrtPi
	}
	return x, w
}

func (p *Posterior) sd(j int) float64 { return math.Sqrt(p.UCov[j*p.Dim()+j]) }

// Mean returns the posterior mean of each component in the constrained space:
// exact for real-valued latents, by 64-point Gauss–Hermite quadrature otherwise.
func (p *Posterior) Mean() []float64 {
	out := make([]float64, p.Dim())
	for j := range out {
		if p.identity(j) {
			out[j] = p.UMean[j]
			continue
		}
		m, s := p.UMean[j], p.sd(j)
		for i, x := range gh1x {
			out[j] += gh1w[i] * p.fwd(j, m+s*x)
		}
	}
	return out
}

// Cov returns the posterior covariance in the constrained space (dim×dim,
// row-major): exact between real-valued latents, by Gauss–Hermite quadrature on
// the one- or two-dimensional marginals otherwise.
func (p *Posterior) Cov() []float64 {
	d := p.Dim()
	cov := make([]float64, d*d)
	mean := p.Mean()
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			var c float64
			switch {
			case (p.identity(i) && p.identity(j)) || (i != j && p.UCov[i*d+j] == 0):
				c = p.UCov[i*d+j] // exact; independent components have zero covariance
			case i == j:
				m, s := p.UMean[i], p.sd(i)
				for k, x := range gh1x {
					v := p.fwd(i, m+s*x) - mean[i]
					c += gh1w[k] * v * v
				}
			default:
				// (ζ_i, ζ_j) = m + L2 (z1, z2) with L2 the Cholesky factor of the 2×2 block.
				si := p.sd(i)
				rho := p.UCov[i*d+j] / si
				sj2 := p.UCov[j*d+j] - rho*rho
				sj := math.Sqrt(math.Max(sj2, 0))
				for a, x1 := range gh2x {
					vi := p.fwd(i, p.UMean[i]+si*x1) - mean[i]
					for b, x2 := range gh2x {
						vj := p.fwd(j, p.UMean[j]+rho*x1+sj*x2) - mean[j]
						c += gh2w[a] * gh2w[b] * vi * vj
					}
				}
			}
			cov[i*d+j], cov[j*d+i] = c, c
		}
	}
	return cov
}

// SD returns the posterior standard deviation of each component (constrained).
func (p *Posterior) SD() []float64 {
	d := p.Dim()
	cov := p.Cov()
	out := make([]float64, d)
	for j := range out {
		out[j] = math.Sqrt(cov[j*d+j])
	}
	return out
}

// Quantile returns the q-quantile (0 < q < 1) of each component's marginal in the
// constrained space. It is exact: the support maps are increasing, so they carry
// the Gaussian quantiles over. It panics if q is outside (0, 1).
func (p *Posterior) Quantile(q float64) []float64 {
	if !(q > 0 && q < 1) {
		panic(fmt.Sprintf("bbvi: quantile %g outside (0, 1)", q))
	}
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	out := make([]float64, p.Dim())
	for j := range out {
		out[j] = p.fwd(j, p.UMean[j]+p.sd(j)*z)
	}
	return out
}

// Sample draws n joint samples in the constrained space into dst (n×dim,
// row-major) and returns it; a nil or short dst is replaced by a new slice.
// Randomness comes only from rng.
func (p *Posterior) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	d := p.Dim()
	if len(dst) < n*d {
		dst = make([]float64, n*d)
	}
	dst = dst[:n*d]
	eps := make([]float64, d)
	for s := 0; s < n; s++ {
		for i := range eps {
			eps[i] = rng.NormFloat64()
		}
		row := dst[s*d : (s+1)*d]
		for i := 0; i < d; i++ {
			v := p.UMean[i]
			for k := 0; k <= i; k++ {
				v += p.chol[i*d+k] * eps[k]
			}
			row[i] = p.fwd(i, v)
		}
	}
	return dst
}

// Index returns the component index of a name from Names, or -1.
func (p *Posterior) Index(name string) int {
	for i, n := range p.Names {
		if n == name {
			return i
		}
	}
	return -1
}
