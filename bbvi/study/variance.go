package study

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/integrate/quad"
)

// VarianceStudy configures RunVarianceStudy, which compares the gradient
// estimators of this package empirically: for each problem, estimator and
// number of draws S it computes many ELBO gradient estimates at fixed
// variational parameters and reports their mean, variance and error against the
// exact gradient. The zero value (or nil) is the full study.
//
// The problems, two Bayesian logistic regressions with a mean-field Gaussian q
// (gradients with respect to the means μ and log-sds ω) and a discrete-latent
// VAE:
//
//	"toy"         one data point x = 2, y = 1, z ~ N(0, 1), q = N(-0.5, 1);
//	              exact gradient by 100-node Gauss–Hermite quadrature,
//	              ∂μ = E[∂z log p(x, z)],  ∂ω = E[∂z log p(x, z)·σε] + 1
//	              (exact to about 1e-13).
//	"logistic10"  an intercept and 9 correlated features (datasets.LogisticData,
//	              100 rows, seed fixed), priors N(0, 10²), q with means 0 and
//	              sds 0.5; exact gradient from a large pathwise estimate
//	              (ExactDraws antithetic draws, computed in plain Go, its
//	              standard error reported as ExactSE).
//	"bvae"        a variational autoencoder with 6 Bernoulli latents (vae
//	              package: 36 pixels, 32 tanh units) trained briefly with NVIL
//	              on stroke images, gradients of all its weights on a fixed
//	              batch of 16 binarized images, exact by enumerating the 2^6
//	              codes (vae.ExactGradient).
//
// The estimators of the logistic problems: "pathwise" (Reparam), its
// randomized quasi-Monte Carlo variant "pathwise+qmc" (bbvi.Settings.QMC; any
// estimator name takes the suffix "+qmc"), "stl" (sticking the landing,
// bbvi.STL: the pathwise gradient of log p - log q with the score term of
// log q dropped; unbiased, and of zero variance when q is the posterior, which
// the study's fixed q is not), "score" (ScoreFunction), and the score
// function with each control variate, "score-decay" (DecayingBaseline),
// "score-loo" (LeaveOneOut) and "score-optimal" (Optimal); the two stateful
// ones with Decay 0.99 rather than their default 0.9, since the parameters do
// not move and a memory of about 100 steps estimates the baseline and a* best
// (at S = 1 the optimal control variate relies on its memory alone). Each (problem,
// estimator, S) cell compiles the fit loop's graph once and runs it Burn + Reps
// times on fresh draws, as consecutive steps of a fit whose parameters do not
// move: the stateful control variates carry their state from step to step, and
// the first Burn estimates are dropped while it warms up. Every estimate is
// conditionally unbiased given the past, so the Reps estimates are
// uncorrelated and sqrt(Variance/Reps) is the standard error of their mean.
//
// On "bvae" run "score", the plain score function with the KL in closed form,
// and "nvil", the same with Mnih & Gregor's learned baseline C(x) and running
// centring (its division by the running sd is left out, so that the estimate
// stays unbiased and comparable): its baseline network first learns from
// 2000 one-draw estimates at the fixed weights, then goes on learning through
// the cell; S is the number of draws per image.
type VarianceStudy struct {
	// Draws lists the numbers of draws S; nil means 1, 2, 4, ..., 256.
	Draws []int
	// Reps is the number of recorded estimates per cell; 0 means 1000.
	Reps int
	// Burn is the number of estimates dropped first in each cell; 0 means 50, a
	// negative value none.
	Burn int
	// Seed seeds the random streams: each problem and S has its own stream
	// derived from Seed, shared by the estimators (common random numbers), so
	// the same seed gives the same rows whatever subset is run.
	Seed uint64
	// ExactDraws is the number of draws of the pathwise estimate that stands for
	// the exact gradient of "logistic10"; 0 means 2²⁰.
	ExactDraws int
	// Problems selects problems by name; nil means all three, "toy",
	// "logistic10" and "bvae".
	Problems []string
	// Estimators selects estimators by name (any name bbvi.EstimatorByName
	// knows whose objective is the ELBO, with "+qmc" appended for QMC draws,
	// and "nvil"; see CheckEstimator); nil means the eight of the study:
	// pathwise, pathwise+qmc, stl, score, score-decay, score-loo,
	// score-optimal and nvil. Each problem runs those that apply to it: "bvae"
	// runs score and nvil, the others all but nvil.
	Estimators []string
	// Progress, if not nil, is called after each cell.
	Progress func(problem, estimator string, draws int)
}

// VarianceRow is one line of the study's results: one gradient component (or
// the total over all components) of one estimator at one S.
type VarianceRow struct {
	Problem   string
	Estimator string
	Draws     int    // S, the number of draws per estimate
	Param     string // the component: "mu", "logsd" ("mu[j]", "logsd[j]" for several latents), or "total" ("encoder", "decoder" and "total" for bvae)
	// Exact is the exact gradient component, with its own standard error
	// ExactSE (0 when computed by quadrature). For "total" rows Exact is the
	// Euclidean norm of the exact gradient and ExactSE the root sum of squares.
	Exact, ExactSE float64
	// Mean is the mean of the Reps estimates (for "total": its norm).
	Mean float64
	// Variance is the sample variance of one estimate (for "total": the sum over
	// components, the trace of the covariance).
	Variance float64
	// Error is Mean - Exact (for "total": the norm of the error vector), and SE
	// the standard error of Mean, sqrt(Variance/Reps).
	Error, SE float64
	// MSE is the mean squared error of one estimate against Exact, Variance +
	// Error² up to the Monte Carlo error (for "total": summed).
	MSE float64
}

// qmcSuffix, appended to an estimator's name, runs it with randomized
// quasi-Monte Carlo draws (bbvi.Settings.QMC).
const qmcSuffix = "+qmc"

// studyDecay is the memory of the stateful control variates in the study: the
// parameters do not move, so a long memory (about 100 steps) estimates the
// baseline and a* best.
const studyDecay = 0.99

// Names of the study's problems and estimators.
var (
	studyProblems   = []string{"toy", "logistic10", "bvae"}
	studyEstimators = []string{"pathwise", "pathwise+qmc", "stl", "score", "score-decay", "score-loo", "score-optimal", "nvil"}
)

// DefaultEstimators returns the estimators the study runs when
// VarianceStudy.Estimators is nil, in order: pathwise, pathwise+qmc, stl,
// score, score-decay, score-loo, score-optimal and nvil.
func DefaultEstimators() []string { return append([]string(nil), studyEstimators...) }

// Problems returns the names of the study's problems, in order: toy,
// logistic10 and bvae.
func Problems() []string { return append([]string(nil), studyProblems...) }

// CheckEstimator returns nil if RunVarianceStudy accepts the estimator name,
// and otherwise an error that says why: "nvil", or any name that
// bbvi.EstimatorByName knows, optionally followed by "+qmc", whose objective
// is the ELBO. The importance-weighted estimators "iwae" and "dreg" (and their
// aliases) are refused: they estimate the gradient of the bound
// log (1/S) Σ_s p(x, ζ_s)/q(ζ_s), which differs from the ELBO's for S > 1, so
// the study's exact ELBO gradient is not their target and their variances
// would not be comparable; "stl" is the ELBO estimator that drops the score
// term as DReG does.
func CheckEstimator(name string) error {
	if name == "nvil" {
		return nil
	}
	_, err := studyEstimator(name)
	return err
}

// studyEstimator returns the estimator registered in bbvi under name (see
// bbvi.EstimatorByName; the study accepts any of them), with the study's long
// memory for the stateful control variates, whose state would otherwise be
// tuned for moving parameters.
func studyEstimator(name string) (bbvi.Estimator, error) {
	if strings.TrimSpace(strings.TrimSuffix(name, qmcSuffix)) == "" {
		return nil, fmt.Errorf("bbvi: variance study: empty estimator name %q", name)
	}
	if strings.TrimSuffix(name, qmcSuffix) == "nvil" {
		return nil, errors.New(`bbvi: variance study: "nvil+qmc": nvil's latents are discrete, QMC draws are for continuous ones`)
	}
	e, err := bbvi.EstimatorByName(strings.TrimSuffix(name, qmcSuffix))
	if err != nil {
		return nil, fmt.Errorf("bbvi: variance study: %w", err)
	}
	if _, ok := e.(bbvi.IWAE); ok {
		return nil, fmt.Errorf("bbvi: variance study: estimator %q does not fit the study: it estimates the gradient of the importance-weighted bound log (1/S) Σ_s w_s, "+
			"not of the ELBO whose exact gradient the study measures (the two differ for S > 1); stl is its ELBO counterpart", name)
	}
	if sf, ok := e.(bbvi.ScoreFunction); ok {
		switch sf.Control.(type) {
		case bbvi.DecayingBaseline:
			sf.Control = bbvi.DecayingBaseline{Decay: studyDecay}
		case bbvi.Optimal:
			sf.Control = bbvi.Optimal{Decay: studyDecay}
		}
		e = sf
	}
	return e, nil
}

// studyProblem is one problem of the study: a logistic regression with a
// mean-field q at fixed parameters and its exact gradient.
type studyProblem struct {
	name      string
	model     *models.LogisticRegression
	data      bbvi.Data
	mu, omega []float64
	exact, se []float64 // (∂μ..., ∂ω...)
	names     []string
}

// Toy problem constants.
const (
	toyX, toyY, toyMu, toyOmega = 2.0, 1.0, -0.5, 0.0
	toyNodes                    = 100
)

// ToyExactGradient returns the exact ELBO gradient (∂μ, ∂ω) of the study's toy
// problem — p(z) = N(0, 1), p(y | x, z) = Bernoulli(sigmoid(xz)), q = N(μ, e^{2ω}) —
// at (mu, omega), by Gauss–Hermite quadrature with n nodes:
//
//	∂μ ELBO = E[g(z)],   ∂ω ELBO = E[g(z) σε] + 1,   g(z) = x(y - sigmoid(xz)) - z,   z = μ + σε.
//
// The integrand is smooth, so about 100 nodes give the gradient to 1e-13.
func ToyExactGradient(x, y, mu, omega float64, n int) (dmu, domega float64) {
	xs := make([]float64, n)
	ws := make([]float64, n)
	quad.Hermite{}.FixedLocations(xs, ws, math.Inf(-1), math.Inf(1))
	sd := math.Exp(omega)
	for i := range xs {
		e := math.Sqrt2 * xs[i]
		w := ws[i] / math.SqrtPi
		z := mu + sd*e
		g := x*(y-sigmoid(x*z)) - z
		dmu += w * g
		domega += w * g * sd * e
	}
	return dmu, domega + 1
}

func toyProblem() *studyProblem {
	p := &studyProblem{
		name:  "toy",
		model: &models.LogisticRegression{Features: []string{"x"}, PriorScale: 1},
		data:  bbvi.Data{{Name: "X", Cols: 1, Values: []float64{toyX}}, {Name: "y", Values: []float64{toyY}}},
		mu:    []float64{toyMu}, omega: []float64{toyOmega},
		names: []string{"mu", "logsd"},
	}
	gm, gw := ToyExactGradient(toyX, toyY, toyMu, toyOmega, toyNodes)
	p.exact = []float64{gm, gw}
	p.se = []float64{0, 0}
	return p
}

// logistic10 problem constants.
const (
	l10Rows, l10Features = 100, 9
	l10Seed              = 20140101
	l10SD                = 0.5
	l10PriorScale        = 10
)

func logistic10Problem(exactDraws int, seed uint64) *studyProblem {
	rng := rand.New(rand.NewPCG(l10Seed, 0x10))
	beta := []float64{1, -0.5, 0.8, 0, -1.2, 0.3, 0.6, -0.2, 0.9}
	X, y := datasets.LogisticData(rng, l10Rows, beta, -0.5, 0.5)
	feats := make([]string, l10Features)
	for j := range feats {
		feats[j] = fmt.Sprintf("x%d", j+1)
	}
	m := &models.LogisticRegression{Features: feats, Intercept: true, PriorScale: l10PriorScale}
	data, _ := m.Data(X, y) // cannot fail: the shapes and targets are right by construction
	d := l10Features + 1
	p := &studyProblem{name: "logistic10", model: m, data: data, mu: make([]float64, d), omega: make([]float64, d)}
	for j := range p.omega {
		p.omega[j] = math.Log(l10SD)
	}
	for _, part := range []string{"mu", "logsd"} {
		for j := 0; j < d; j++ {
			p.names = append(p.names, fmt.Sprintf("%s[%d]", part, j))
		}
	}
	p.exact, p.se = logisticPathwiseGradient(X, y, l10Features, l10PriorScale, p.mu, p.omega, exactDraws,
		rand.New(rand.NewPCG(seed, 0xe8ac7)))
	return p
}

// logisticPathwiseGradient estimates the ELBO gradient (∂μ..., ∂ω...) of a
// logistic regression with an intercept (first latent) and Normal(0, s²) priors
// under q = N(μ, diag e^{2ω}), with n antithetic pathwise draws in plain Go, and
// returns it with its standard error.
func logisticPathwiseGradient(X, y []float64, d int, s float64, mu, omega []float64, n int, rng *rand.Rand) (grad, se []float64) {
	k := d + 1
	sd := make([]float64, k)
	for j := range sd {
		sd[j] = math.Exp(omega[j])
	}
	sum := make([]float64, 2*k)
	sumsq := make([]float64, 2*k)
	eps := make([]float64, k)
	z := make([]float64, k)
	gz := make([]float64, k)
	pair := make([]float64, 2*k)
	grad1 := func(sign float64) {
		for j := range z {
			z[j] = mu[j] + sign*sd[j]*eps[j]
			gz[j] = -z[j] / (s * s)
		}
		for i, yi := range y {
			row := X[i*d : (i+1)*d]
			eta := z[0]
			for j, v := range row {
				eta += v * z[j+1]
			}
			r := yi - sigmoid(eta)
			gz[0] += r
			for j, v := range row {
				gz[j+1] += r * v
			}
		}
		for j := 0; j < k; j++ {
			pair[j] += gz[j] / 2
			pair[k+j] += (gz[j]*sign*sd[j]*eps[j] + 1) / 2
		}
	}
	pairs := max(1, n/2)
	for t := 0; t < pairs; t++ {
		for j := range eps {
			eps[j] = rng.NormFloat64()
		}
		clear(pair)
		grad1(1)
		grad1(-1)
		for j, v := range pair {
			sum[j] += v
			sumsq[j] += v * v
		}
	}
	grad = make([]float64, 2*k)
	se = make([]float64, 2*k)
	np := float64(pairs)
	for j := range grad {
		grad[j] = sum[j] / np
		v := math.Max(sumsq[j]-np*grad[j]*grad[j], 0) / math.Max(np-1, 1)
		se[j] = math.Sqrt(v / np)
	}
	return grad, se
}

// cellStream returns the random stream of the cells of one problem and S. The
// estimators all draw their noise in the same way (S×dim standard normals per
// step), so they see the same draws: their comparison uses common random
// numbers, which makes the differences between their variances much less noisy
// than the variances themselves.
func cellStream(seed uint64, problem string, draws int) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", problem, draws)
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// RunVarianceStudy runs the study configured by cfg (nil means the full study;
// see VarianceStudy) and returns its rows, problem by problem, then estimator
// by estimator, then S, each cell's components in order followed by its
// "total" row. The same configuration gives the same rows, bit for bit.
func RunVarianceStudy(cfg *VarianceStudy) ([]VarianceRow, error) {
	c := cfg.withDefaults()
	switch {
	case c.Reps < 2:
		return nil, fmt.Errorf("bbvi: variance study: Reps %d (want at least 2)", c.Reps)
	case c.ExactDraws < 2:
		return nil, fmt.Errorf("bbvi: variance study: ExactDraws %d (want at least 2)", c.ExactDraws)
	case len(c.Draws) == 0 || len(c.Problems) == 0 || len(c.Estimators) == 0:
		return nil, errors.New("bbvi: variance study: nothing to run (empty Draws, Problems or Estimators)")
	}
	for _, s := range c.Draws {
		if s < 1 {
			return nil, fmt.Errorf("bbvi: variance study: %d draws (want at least 1)", s)
		}
	}
	ests := make([]bbvi.Estimator, len(c.Estimators))
	for i, name := range c.Estimators {
		if _, ok := bvaeEstimators[name]; ok && name != "score" {
			continue // a VAE estimator
		}
		e, err := studyEstimator(name)
		if err != nil {
			return nil, err
		}
		ests[i] = e
	}
	var rows []VarianceRow
	for _, pname := range c.Problems {
		if pname == "bvae" {
			p, err := newBVAEProblem(c.Seed)
			if err != nil {
				return nil, fmt.Errorf("bbvi: variance study bvae: %w", err)
			}
			for _, name := range c.Estimators {
				if !applies(pname, name) {
					continue
				}
				for _, s := range c.Draws {
					cell, err := p.run(name, s, c.Reps, c.Burn, cellStream(c.Seed, pname, s))
					if err != nil {
						return nil, err
					}
					rows = append(rows, cell...)
					if c.Progress != nil {
						c.Progress(pname, name, s)
					}
				}
			}
			continue
		}
		var p *studyProblem
		switch pname {
		case "toy":
			p = toyProblem()
		case "logistic10":
			p = logistic10Problem(c.ExactDraws, c.Seed)
		default:
			return nil, fmt.Errorf("bbvi: variance study: unknown problem %q (want one of %v)", pname, studyProblems)
		}
		for i, est := range ests {
			if !applies(pname, c.Estimators[i]) {
				continue
			}
			for _, s := range c.Draws {
				cell, err := p.run(est, c.Estimators[i], s, c.Reps, c.Burn, cellStream(c.Seed, p.name, s))
				if err != nil {
					return nil, err
				}
				rows = append(rows, cell...)
				if c.Progress != nil {
					c.Progress(p.name, c.Estimators[i], s)
				}
			}
		}
	}
	return rows, nil
}

// withDefaults returns the configuration with its zero fields defaulted.
func (cfg *VarianceStudy) withDefaults() VarianceStudy {
	var c VarianceStudy
	if cfg != nil {
		c = *cfg
	}
	if c.Draws == nil {
		c.Draws = []int{1, 2, 4, 8, 16, 32, 64, 128, 256}
	}
	if c.Reps == 0 {
		c.Reps = 1000
	}
	if c.Burn == 0 {
		c.Burn = 50
	}
	c.Burn = max(c.Burn, 0)
	if c.ExactDraws == 0 {
		c.ExactDraws = 1 << 20
	}
	if c.Problems == nil {
		c.Problems = studyProblems
	}
	if c.Estimators == nil {
		c.Estimators = studyEstimators
	}
	return c
}

// run computes one cell of the study.
func (p *studyProblem) run(est bbvi.Estimator, label string, draws, reps, burn int, rng *rand.Rand) ([]VarianceRow, error) {
	set := &bbvi.Settings{Estimator: est, Draws: draws, Dtype: graph.Float64, QMC: strings.HasSuffix(label, qmcSuffix)}
	v, err := bbvi.NewSVI(p.model, p.data, set, rng)
	if err != nil {
		return nil, fmt.Errorf("bbvi: variance study %s/%s: %w", p.name, label, err)
	}
	defer v.Close()
	if err := v.SetParams(map[string][]float64{"q.mu": p.mu, "q.logsd": p.omega}); err != nil {
		return nil, err
	}
	k := len(p.exact)
	sum := make([]float64, k)
	sumsq := make([]float64, k)
	sqerr := make([]float64, k)
	for r := 0; r < burn+reps; r++ {
		grad, err := v.Gradient()
		if err != nil {
			return nil, err
		}
		if r < burn {
			continue
		}
		g := append(grad["q.mu"], grad["q.logsd"]...)
		for j, v := range g {
			sum[j] += v
			sumsq[j] += v * v
			e := v - p.exact[j]
			sqerr[j] += e * e
		}
	}
	n := float64(reps)
	rows := make([]VarianceRow, 0, k+1)
	tot := VarianceRow{Problem: p.name, Estimator: label, Draws: draws, Param: "total"}
	var meanSq, exactSq, errSq, seSq, exactSESq float64
	for j := 0; j < k; j++ {
		m := sum[j] / n
		v := math.Max(sumsq[j]-n*m*m, 0) / (n - 1)
		r := VarianceRow{
			Problem: p.name, Estimator: label, Draws: draws, Param: p.names[j],
			Exact: p.exact[j], ExactSE: p.se[j], Mean: m, Variance: v,
			Error: m - p.exact[j], SE: math.Sqrt(v / n), MSE: sqerr[j] / n,
		}
		rows = append(rows, r)
		meanSq += m * m
		exactSq += p.exact[j] * p.exact[j]
		errSq += r.Error * r.Error
		seSq += r.SE * r.SE
		exactSESq += r.ExactSE * r.ExactSE
		tot.Variance += v
		tot.MSE += r.MSE
	}
	tot.Mean, tot.Exact, tot.Error = math.Sqrt(meanSq), math.Sqrt(exactSq), math.Sqrt(errSq)
	tot.SE, tot.ExactSE = math.Sqrt(seSq), math.Sqrt(exactSESq)
	return append(rows, tot), nil
}

// sigmoid is the logistic function, computed without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
