package bbvi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// Posterior is a fitted approximate posterior, reported in the constrained
// space. Components are ordered as the model's latents, each latent's
// components in order (see Names).
//
// For a Gaussian family (MeanField, FullRank, LowRank) q(ζ) = N(UMean, UCov)
// over the unconstrained latent vector, pushed onto each latent's support:
// Mean, Cov and SD are exact for real-valued latents and by Gauss–Hermite
// quadrature otherwise, Quantile is exact.
//
// For a Diagonal family (MeanField) the Posterior needs no dim×dim matrix, so
// that a fit of many latents (50,000 features) takes memory in proportion to
// dim: UVar holds the variances, Mean, SD, Quantile and Sample take O(dim)
// memory, and UCov is filled (zero off the diagonal) only up to
// DenseDiagonalDim components, nil above. Cov still returns the dim×dim
// matrix, but only when called: prefer SD for many latents.
//
// A latent with a vector or matrix support (Ordered, PositiveOrdered,
// Simplex, CholeskyCorr, CholeskyCov) is reported as a whole: a simplex as K
// values summing to 1, a Cholesky factor as the K×K matrix L Lᵀ (see
// Support), so that Dim, the number of components, may exceed the
// unconstrained dimension len(UMean). Its summaries are Monte Carlo
// estimates, even for a Gaussian q, from PosteriorDraws draws of q made once,
// when the Posterior is built, from a PCG seeded with ParamSeed of q's mean
// and scale; the other latents keep their exact summaries.
//
// For a non-Gaussian family (Flow) the Posterior holds a frozen copy of q
// (Frozen) and its summaries are Monte Carlo estimates from PosteriorDraws
// draws of q made once, when the Posterior is built, from a PCG seeded
// deterministically (from the fitted parameters, for a fit): the same fit
// gives the same numbers, bit for bit. UMean and UCov are then the Monte Carlo
// mean and covariance of ζ, and Sample draws from q itself.
type Posterior struct {
	Latents   []Latent    // the model's latent declarations
	Names     []string    // one name per component
	UMean     []float64   // mean of q in the unconstrained space (Monte Carlo for a non-Gaussian q)
	UCov      []float64   // covariance of q in the unconstrained space, dim×dim row-major (Monte Carlo for a non-Gaussian q); nil for a Diagonal q of more than DenseDiagonalDim components
	UVar      []float64   // variances of q in the unconstrained space: the diagonal of UCov
	Family    string      // the variational family's name
	Estimator string      // the gradient estimator's name
	Trace     []ELBOPoint // ELBO evaluations; the last is at the reported parameters
	Steps     int         // optimizer steps taken
	Status    Status      // how the fit ended: Converged, StepLimit, NonFinite or Stopped
	Reason    string      // why, in a sentence
	Start     string      // where q started: "laplace" (at the mode, see Settings.Start) or "default"
	// Params holds the model's own parameters θ (every b.Param its functions
	// declare), learned jointly with q by maximizing the ELBO, a lower bound on
	// log p(x; θ) (variational EM), by name; nil when the model declares none.
	Params  map[string][]float64
	Seconds float64 // wall time of the fit
	// Diagnostics say whether q can be trusted (PSIS k̂ of fresh draws, the
	// ELBO with its standard error, a verdict and a hint); nil when the fit
	// skipped them (Settings.DiagnosticDraws < 0, a NaN or Inf, or a model
	// with discrete or continuous local latents).
	Diagnostics *Diagnostics
	// Local holds the fitted q of each continuous local latent (one normal per
	// data row and component), by name; nil when the model has none. The
	// components above (Names, UMean, ...) are the global latents only.
	Local map[string]*LocalPosterior
	// Derived holds draws and summaries of the model's derived quantities
	// (see Deriver); nil when the model declares none.
	Derived *Derived

	chol []float64 // lower Cholesky factor of UCov (Gaussian q, but Diagonal)
	diag []float64 // standard deviations of a Diagonal q; nil otherwise
	comp []component

	q     Frozen    // non-Gaussian q, nil for a Gaussian one
	cols  []int     // the components whose draws are kept
	draws []float64 // PosteriorDraws constrained draws of q, row-major, of the components cols
	means []float64 // the means of the kept draws, by column
}

// A component is one reported value of a Posterior.
type component struct {
	bij    graph.Bijector // the elementwise map of its latent (unused for a vector latent)
	u      int            // its unconstrained coordinate; -1 for a vector or matrix latent
	latent int            // its latent's index among the continuous latents
	col    int            // its column in draws; -1 if its draws are not kept
	dec    bool           // the map is decreasing (an upper bound)
}

// DenseDiagonalDim is the largest dimension for which the Posterior of a
// Diagonal q (MeanField) fills UCov: above it UCov is nil and UVar alone holds
// the variances, so that memory stays in proportion to the dimension.
const DenseDiagonalDim = 1024

// PosteriorDraws is the number of draws of a non-Gaussian q (Flow) from which
// its Posterior's Mean, Cov, SD and Quantile are estimated. Their Monte Carlo
// standard errors, for independent draws, are about SD/√4000 ≈ 0.016·SD for a
// mean, 1.1% of an SD (for a near-normal marginal), √(p(1-p)/4000)/density at
// the quantile for a p-quantile (≈ 0.02·SD at the median, 0.034·SD at the 5%
// and 95% quantiles of a near-normal marginal), and of a correlation
// (1-ρ²)/√4000. The draws are kept in memory: 4000·dim float64s.
const PosteriorDraws = 4000

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

// setLatents fills Latents, Names and the components, and checks that the
// continuous latents have d unconstrained coordinates.
func (p *Posterior) setLatents(latents []Latent, d int) error {
	p.Latents = latents
	p.Names = nil
	p.comp = nil
	u := 0
	for li, l := range latents {
		p.Names = append(p.Names, l.ComponentNames()...)
		bij := l.Support.Bijector()
		vec := !l.Support.Elementwise()
		for i := 0; i < l.components(); i++ {
			c := component{bij: bij, u: -1, latent: li, col: -1, dec: l.Support.Kind == UpperBounded}
			if !vec {
				c.u = u + i
			}
			p.comp = append(p.comp, c)
		}
		u += l.free()
	}
	if u != d {
		return fmt.Errorf("bbvi: posterior: latents have %d unconstrained coordinates, mean has %d", u, d)
	}
	return nil
}

// vector reports whether some latent has a vector or matrix support.
func (p *Posterior) vector() bool {
	for _, c := range p.comp {
		if c.u < 0 {
			return true
		}
	}
	return false
}

// constrain writes into dst (Dim values) the reported values of one
// unconstrained draw zeta.
func (p *Posterior) constrain(dst, zeta []float64) {
	u, off := 0, 0
	for _, l := range p.Latents {
		n, m := l.free(), l.components()
		l.forward64(dst[off:off+m], zeta[u:u+n])
		u += n
		off += m
	}
}

// keepDraws makes PosteriorDraws draws of ζ with next (which writes one draw
// into its argument), maps them onto the supports and keeps the columns cols.
func (p *Posterior) keepDraws(cols []int, next func(zeta []float64)) {
	const n = PosteriorDraws
	p.cols = cols
	for j := range p.comp {
		p.comp[j].col = -1
	}
	for c, j := range cols {
		p.comp[j].col = c
	}
	w := len(cols)
	p.draws = make([]float64, n*w)
	p.means = make([]float64, w)
	zeta := make([]float64, len(p.UMean))
	row := make([]float64, p.Dim())
	for s := 0; s < n; s++ {
		next(zeta)
		p.constrain(row, zeta)
		for c, j := range cols {
			p.draws[s*w+c] = row[j]
			p.means[c] += row[j]
		}
	}
	for c := range p.means {
		p.means[c] /= n
	}
}

// drawGaussian keeps Monte Carlo draws of a Gaussian q for the vector and
// matrix latents, from a PCG seeded with ParamSeed of the mean and scale: of
// their components only for a Diagonal q (whose latents are independent), of
// every component otherwise (for the covariances between latents).
func (p *Posterior) drawGaussian() {
	if !p.vector() {
		return
	}
	var cols []int
	for j, c := range p.comp {
		if p.diag == nil || c.u < 0 {
			cols = append(cols, j)
		}
	}
	scale := p.chol
	if p.diag != nil {
		scale = p.diag
	}
	rng := rand.New(rand.NewPCG(ParamSeed(p.UMean, scale), 0x5eed))
	eps := make([]float64, len(p.UMean))
	p.keepDraws(cols, func(zeta []float64) { p.gaussian(zeta, eps, rng) })
}

// gaussian writes one draw of the Gaussian q into zeta, using eps for the
// standard normal noise.
func (p *Posterior) gaussian(zeta, eps []float64, rng *rand.Rand) {
	d := len(p.UMean)
	for i := range eps {
		eps[i] = rng.NormFloat64()
	}
	if p.diag != nil {
		for i, sd := range p.diag {
			zeta[i] = p.UMean[i] + sd*eps[i]
		}
		return
	}
	for i := 0; i < d; i++ {
		v := p.UMean[i]
		for k := 0; k <= i; k++ {
			v += p.chol[i*d+k] * eps[k]
		}
		zeta[i] = v
	}
}

// A Diagonal is a Gaussian q with independent components, N(μ, diag(σ²)):
// MeanSD gives μ and σ in O(dim) memory, where MeanScale's dim×dim factor
// would not fit for many latents. The fit uses it, when q has it, for the
// Converger's summaries and for a Posterior without a dim×dim matrix.
// MeanField's q is a Diagonal.
type Diagonal interface {
	Gaussian
	// MeanSD returns the mean and the standard deviations (dim each) of q at
	// the parameters' current values: MeanScale's mean and the diagonal of its
	// scale factor, the same numbers.
	MeanSD() (mean, sd []float64)
}

// newPosterior builds a posterior from the mean and lower-triangular scale L of q.
func newPosterior(latents []Latent, mean, scale []float64) (*Posterior, error) {
	d := len(mean)
	if len(scale) != d*d {
		return nil, fmt.Errorf("bbvi: posterior: scale has %d entries for dimension %d", len(scale), d)
	}
	p := &Posterior{UMean: append([]float64(nil), mean...), chol: append([]float64(nil), scale...)}
	if err := p.setLatents(latents, d); err != nil {
		return nil, err
	}
	p.UCov = make([]float64, d*d)
	p.UVar = make([]float64, d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for k := 0; k <= j; k++ {
				s += scale[i*d+k] * scale[j*d+k]
			}
			p.UCov[i*d+j], p.UCov[j*d+i] = s, s
		}
		p.UVar[i] = p.UCov[i*d+i]
	}
	p.drawGaussian()
	return p, nil
}

// newDiagPosterior builds a posterior from the mean and standard deviations
// of a Diagonal q, in O(dim) memory above DenseDiagonalDim components. Its
// numbers are those newPosterior gives for the diagonal scale factor diag(sd).
func newDiagPosterior(latents []Latent, mean, sd []float64) (*Posterior, error) {
	d := len(mean)
	if len(sd) != d {
		return nil, fmt.Errorf("bbvi: posterior: %d standard deviations for dimension %d", len(sd), d)
	}
	p := &Posterior{UMean: append([]float64(nil), mean...), diag: append([]float64(nil), sd...)}
	if err := p.setLatents(latents, d); err != nil {
		return nil, err
	}
	p.UVar = make([]float64, d)
	for i, s := range sd {
		p.UVar[i] = s * s
	}
	if d <= DenseDiagonalDim {
		p.UCov = make([]float64, d*d)
		for i, v := range p.UVar {
			p.UCov[i*d+i] = v
		}
	}
	p.drawGaussian()
	return p, nil
}

// NewSampledPosterior returns the posterior of a non-Gaussian q, frozen out of
// a fit (Freezer), for a model with the given latents. It draws
// PosteriorDraws draws of q once, from a PCG seeded with seed, and keeps them
// in the constrained space for Mean, Cov, SD and Quantile; UMean and UCov are
// their Monte Carlo moments in the unconstrained space. A fit seeds it with a
// hash of the fitted parameters (ParamSeed), so the same fit gives the same
// numbers.
func NewSampledPosterior(latents []Latent, q Frozen, seed uint64) (*Posterior, error) {
	if err := validateLatents(latents); err != nil {
		return nil, err
	}
	return newSampledPosterior(latents, q, seed)
}

func newSampledPosterior(latents []Latent, q Frozen, seed uint64) (*Posterior, error) {
	if q == nil {
		return nil, errors.New("bbvi: posterior: nil Frozen q")
	}
	d := q.Dim()
	p := &Posterior{q: q}
	if err := p.setLatents(latents, d); err != nil {
		return nil, err
	}
	const n = PosteriorDraws
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	p.UMean = make([]float64, d)
	p.UCov = make([]float64, d*d)
	p.UVar = make([]float64, d)
	// Welford's updates of the mean and the co-moments of ζ.
	dev := make([]float64, d)
	k := 0.0
	cols := make([]int, p.Dim())
	for j := range cols {
		cols[j] = j
	}
	p.keepDraws(cols, func(row []float64) {
		q.Sample(row, rng)
		k++
		for i, v := range row {
			dev[i] = v - p.UMean[i]
			p.UMean[i] += dev[i] / k
		}
		for i := 0; i < d; i++ {
			for j := 0; j <= i; j++ {
				p.UCov[i*d+j] += dev[i] * (row[j] - p.UMean[j])
			}
		}
	})
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			c := p.UCov[i*d+j] / (n - 1)
			p.UCov[i*d+j], p.UCov[j*d+i] = c, c
		}
		p.UVar[i] = p.UCov[i*d+i]
	}
	if !finite(p.UMean) || !finite(p.UCov) {
		return nil, errors.New("bbvi: posterior: q gives non-finite draws")
	}
	return p, nil
}

// ParamSeed returns a seed for NewSampledPosterior that depends only on the
// values: the 64-bit FNV-1a hash of their IEEE 754 bits, in order.
func ParamSeed(values ...[]float64) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, vs := range values {
		for _, v := range vs {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write(buf[:])
		}
	}
	return h.Sum64()
}

// Frozen returns the frozen q of a non-Gaussian posterior, nil for a Gaussian
// one.
func (p *Posterior) Frozen() Frozen { return p.q }

// sampled reports whether the summaries are Monte Carlo (a non-Gaussian q).
func (p *Posterior) sampled() bool { return p.q != nil }

// mc reports whether component j is summarized by Monte Carlo: every
// component of a non-Gaussian q, those of vector and matrix latents otherwise.
func (p *Posterior) mc(j int) bool { return p.q != nil || p.comp[j].u < 0 }

// column returns component j's kept draws.
func (p *Posterior) column(j int) []float64 {
	w, c := len(p.cols), p.comp[j].col
	out := make([]float64, PosteriorDraws)
	for s := range out {
		out[s] = p.draws[s*w+c]
	}
	return out
}

// Dim returns the number of components, len(Names): the length of Mean and
// of a row of Sample. It is the unconstrained dimension len(UMean) unless a
// latent has a vector or matrix support (a simplex of K values has K-1
// unconstrained coordinates, a K×K Cholesky latent K(K±1)/2).
func (p *Posterior) Dim() int { return len(p.Names) }

// ELBO returns the last ELBO evaluation (NaN if there is none).
func (p *Posterior) ELBO() float64 {
	if len(p.Trace) == 0 {
		return math.NaN()
	}
	return p.Trace[len(p.Trace)-1].ELBO
}

func (p *Posterior) identity(j int) bool {
	_, ok := p.comp[j].bij.(graph.Identity)
	return ok
}

// fwd maps the unconstrained value x of the elementwise component j onto its
// support.
func (p *Posterior) fwd(j int, x float64) float64 {
	var in, out [1]float64
	in[0] = x
	p.comp[j].bij.Forward64(out[:], in[:])
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

// um and sd return the unconstrained mean and sd of the elementwise
// component j.
func (p *Posterior) um(j int) float64 { return p.UMean[p.comp[j].u] }
func (p *Posterior) sd(j int) float64 { return math.Sqrt(p.UVar[p.comp[j].u]) }

// Mean returns the posterior mean of each component in the constrained space:
// exact for real-valued latents, by 64-point Gauss–Hermite quadrature for
// the other elementwise ones, Monte Carlo for vector and matrix latents and
// for a non-Gaussian q (see PosteriorDraws).
func (p *Posterior) Mean() []float64 {
	out := make([]float64, p.Dim())
	for j := range out {
		switch {
		case p.mc(j):
			out[j] = p.means[p.comp[j].col]
		case p.identity(j):
			out[j] = p.um(j)
		default:
			m, s := p.um(j), p.sd(j)
			for i, x := range gh1x {
				out[j] += gh1w[i] * p.fwd(j, m+s*x)
			}
		}
	}
	return out
}

// mcCov returns the sample covariance (divided by n-1) of the kept draws of
// components i and j.
func (p *Posterior) mcCov(i, j int) float64 {
	w, a, b := len(p.cols), p.comp[i].col, p.comp[j].col
	ma, mb := p.means[a], p.means[b]
	var c float64
	for s := 0; s < PosteriorDraws; s++ {
		row := p.draws[s*w : (s+1)*w]
		c += (row[a] - ma) * (row[b] - mb)
	}
	return c / (PosteriorDraws - 1)
}

// Cov returns the posterior covariance in the constrained space (Dim×Dim,
// row-major): exact between real-valued latents, by Gauss–Hermite quadrature
// on the one- or two-dimensional marginals of the other elementwise ones,
// and the sample covariance (divided by n-1) of the kept draws when a vector
// or matrix latent is involved, or for a non-Gaussian q. For a Diagonal q
// the latents are independent: it is zero off the diagonal but within a
// vector or matrix latent; it takes Dim×Dim memory all the same, allocated by
// this call: for many latents use SD.
func (p *Posterior) Cov() []float64 {
	d := p.Dim()
	cov := make([]float64, d*d)
	mean := p.Mean()
	du := len(p.UMean)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			var c float64
			ci, cj := p.comp[i], p.comp[j]
			switch {
			case p.mc(i) || p.mc(j):
				if ci.col >= 0 && cj.col >= 0 && (p.diag == nil || ci.latent == cj.latent) {
					c = p.mcCov(i, j)
				}
			case i == j:
				c = p.variance(i, mean)
			case p.diag != nil:
				// independent components
			case (p.identity(i) && p.identity(j)) || p.UCov[ci.u*du+cj.u] == 0:
				c = p.UCov[ci.u*du+cj.u] // exact; independent components have zero covariance
			default:
				// (ζ_i, ζ_j) = m + L2 (z1, z2) with L2 the Cholesky factor of the 2×2 block.
				si := p.sd(i)
				rho := p.UCov[ci.u*du+cj.u] / si
				sj2 := p.UVar[cj.u] - rho*rho
				sj := math.Sqrt(math.Max(sj2, 0))
				for a, x1 := range gh2x {
					vi := p.fwd(i, p.um(i)+si*x1) - mean[i]
					for b, x2 := range gh2x {
						vj := p.fwd(j, p.um(j)+rho*x1+sj*x2) - mean[j]
						c += gh2w[a] * gh2w[b] * vi * vj
					}
				}
			}
			cov[i*d+j], cov[j*d+i] = c, c
		}
	}
	return cov
}

// variance returns the constrained variance of the elementwise component j
// of a Gaussian q, given the means: exact for a real-valued latent, by
// 64-point Gauss–Hermite quadrature otherwise.
func (p *Posterior) variance(j int, mean []float64) float64 {
	if p.identity(j) {
		return p.UVar[p.comp[j].u]
	}
	var c float64
	m, s := p.um(j), p.sd(j)
	for k, x := range gh1x {
		v := p.fwd(j, m+s*x) - mean[j]
		c += gh1w[k] * v * v
	}
	return c
}

// SD returns the posterior standard deviation of each component (constrained):
// the square roots of Cov's diagonal, computed in O(Dim) memory.
func (p *Posterior) SD() []float64 {
	mean := p.Mean()
	out := make([]float64, p.Dim())
	for j := range out {
		if p.mc(j) {
			out[j] = math.Sqrt(p.mcCov(j, j))
		} else {
			out[j] = math.Sqrt(p.variance(j, mean))
		}
	}
	return out
}

// Quantile returns the q-quantile (0 < q < 1) of each component's marginal in the
// constrained space. It is exact for the elementwise latents of a Gaussian
// q: the support maps are monotone, so they carry the Gaussian quantiles
// over. For vector and matrix latents, and for a non-Gaussian q, it is the
// sample quantile of the PosteriorDraws draws, interpolated linearly between
// order statistics (the usual definition 7 of Hyndman & Fan 1996). It panics
// if q is outside (0, 1).
func (p *Posterior) Quantile(q float64) []float64 {
	if !(q > 0 && q < 1) {
		panic(fmt.Sprintf("bbvi: quantile %g outside (0, 1)", q))
	}
	out := make([]float64, p.Dim())
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	for j := range out {
		if p.mc(j) {
			col := p.column(j)
			sort.Float64s(col)
			h := q * float64(len(col)-1)
			lo := int(h)
			hi := min(lo+1, len(col)-1)
			out[j] = col[lo] + (h-float64(lo))*(col[hi]-col[lo])
			continue
		}
		zj := z
		if p.comp[j].dec {
			zj = -z
		}
		out[j] = p.fwd(j, p.um(j)+p.sd(j)*zj)
	}
	return out
}

// Sample draws n joint samples in the constrained space into dst (n×Dim,
// row-major) and returns it; a nil or short dst is replaced by a new slice.
// Randomness comes only from rng. A non-Gaussian q draws from its frozen copy.
func (p *Posterior) Sample(dst []float64, n int, rng *rand.Rand) []float64 {
	d := p.Dim()
	if len(dst) < n*d {
		dst = make([]float64, n*d)
	}
	dst = dst[:n*d]
	du := len(p.UMean)
	zeta := make([]float64, du)
	eps := make([]float64, du)
	for s := 0; s < n; s++ {
		if p.sampled() {
			p.q.Sample(zeta, rng)
		} else {
			p.gaussian(zeta, eps, rng)
		}
		p.constrain(dst[s*d:(s+1)*d], zeta)
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
