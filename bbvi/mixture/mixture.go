package mixture

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// GaussianMixture is a mixture of K Gaussians with diagonal covariances in D
// dimensions,
//
//	x_i | z_i = k ~ Normal(μ_k, diag(σ_k²)),   z_i ~ Categorical(w),   i = 1..N,
//
// with, for the Bayesian fits (FitMarginal and the score-function fit FitScore),
// the priors below, written in standardized coordinates (each column centred at
// its mean and divided by its sd, s_d):
//
//	(μ_kd - x̄_d)/s_d ~ Normal(0, MeanPriorScale²)
//	σ_kd/s_d         ~ HalfNormal(ScalePriorScale)
//	w                ~ Dirichlet(WeightConcentration, ..., WeightConcentration)
//
// The priors are therefore relative to the data's location and spread: they
// are weakly informative whatever the units. FitEM ignores them (it maximizes
// the likelihood). The zero value is not usable (K is 0); the zero values of
// the other fields mean their defaults.
type GaussianMixture struct {
	// K is the number of components, 1 ≤ K ≤ N.
	K int
	// MeanPriorScale is the prior sd of the component means around the data
	// mean, in units of the data's per-column sd; 0 means 10.
	MeanPriorScale float64
	// ScalePriorScale is the half-normal prior scale of the component sds in
	// units of the data's per-column sd; 0 means 5, flat over the range of sds a
	// cluster of standardized data can have (below 1 or so) while keeping the
	// sds away from the improbably large.
	ScalePriorScale float64
	// WeightConcentration is the symmetric Dirichlet concentration of the
	// weights; 0 means 1 (uniform on the simplex).
	WeightConcentration float64
}

// Result is a fitted Gaussian mixture, in the data's own units, whatever
// the method.
type Result struct {
	Method  string      // "em", "bbvi-marginal" or "bbvi"
	K, D    int         // number of components, dimension
	Means   [][]float64 // K×D component means (posterior means for BBVI)
	Scales  [][]float64 // K×D component sds (posterior means for BBVI)
	Weights []float64   // K mixture weights, summing to 1 (posterior means for BBVI)
	// Resp holds the assignment probabilities, N×K: Resp[i][k] = p(z_i = k | x_i)
	// at (Means, Scales, Weights).
	Resp [][]float64
	// LogLik is the observed-data log-likelihood Σ_i log Σ_k w_k N(x_i; μ_k, σ_k²)
	// at (Means, Scales, Weights).
	LogLik float64
	// Trace is, for EM, the log-likelihood after each iteration (never
	// decreasing); for BBVI, the ELBO at each evaluation (the last one at the
	// reported parameters).
	Trace      []float64
	Iterations int  // EM iterations or BBVI optimizer steps
	Converged  bool // whether the method's tolerance was met
	// Posterior is, for BBVI, the fitted posterior over the global parameters;
	// nil for EM. Its latents are the fit's own: they are in standardized units
	// and in the fit's component order, which SortComponents does not change.
	Posterior *bbvi.Posterior
}

// ErrInput is the sentinel wrapped by the errors of the mixture fits for
// bad input: K out of range, empty, ragged or non-finite data, a constant
// column, bad settings. Match it with errors.Is.
var ErrInput = errors.New("bad mixture input")

// halfLog2Pi is log(2π)/2.
var halfLog2Pi = 0.5 * math.Log(2*math.Pi)

// orDefault returns v, or d when v is 0.
func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

func mixtureErrorf(format string, args ...any) error {
	return fmt.Errorf("bbvi: gaussian mixture: %w: %s", ErrInput, fmt.Sprintf(format, args...))
}

// mixtureData is the validated data of a mixture fit, with its standardization.
type mixtureData struct {
	x        [][]float64 // the data, N×D, as given
	std      [][]float64 // standardized: (x - loc)/scale, N×D
	loc, sd  []float64   // column means and sds (population sd, divisor N)
	n, d, k  int
	logSDSum float64 // Σ_d log sd_d: log-density of x = log-density of std - logSDSum
}

// priors returns the prior settings with the defaults filled in, or an error.
func (m GaussianMixture) priors() (meanScale, scaleScale, alpha float64, err error) {
	meanScale = orDefault(m.MeanPriorScale, 10)
	scaleScale = orDefault(m.ScalePriorScale, 5)
	alpha = orDefault(m.WeightConcentration, 1)
	for _, p := range []struct {
		name string
		v    float64
	}{{"MeanPriorScale", meanScale}, {"ScalePriorScale", scaleScale}, {"WeightConcentration", alpha}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return 0, 0, 0, mixtureErrorf("%s %v must be positive and finite (or 0 for the default)", p.name, p.v)
		}
	}
	return meanScale, scaleScale, alpha, nil
}

// prepare validates K and the data and standardizes the data.
func (m GaussianMixture) prepare(x [][]float64) (*mixtureData, error) {
	n := len(x)
	if n == 0 {
		return nil, mixtureErrorf("no data")
	}
	d := len(x[0])
	if d == 0 {
		return nil, mixtureErrorf("row 0 has no values")
	}
	if m.K < 1 || m.K > n {
		return nil, mixtureErrorf("K = %d, want 1 ≤ K ≤ N = %d", m.K, n)
	}
	for i, row := range x {
		if len(row) != d {
			return nil, mixtureErrorf("row %d has %d values, row 0 has %d", i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, mixtureErrorf("row %d column %d: %v is not finite", i, j, v)
			}
		}
	}
	md := &mixtureData{x: x, n: n, d: d, k: m.K, loc: make([]float64, d), sd: make([]float64, d)}
	for j := 0; j < d; j++ {
		var s float64
		for _, row := range x {
			s += row[j]
		}
		mu := s / float64(n)
		var ss float64
		for _, row := range x {
			ss += (row[j] - mu) * (row[j] - mu)
		}
		sd := math.Sqrt(ss / float64(n))
		if !(sd > 0) || sd < 1e-12*math.Max(1, math.Abs(mu)) {
			return nil, mixtureErrorf("column %d is constant (%v): a mixture cannot be fitted to it", j, mu)
		}
		md.loc[j], md.sd[j] = mu, sd
		md.logSDSum += math.Log(sd)
	}
	md.std = make([][]float64, n)
	flat := make([]float64, n*d)
	for i, row := range x {
		r := flat[i*d : (i+1)*d]
		for j, v := range row {
			r[j] = (v - md.loc[j]) / md.sd[j]
		}
		md.std[i] = r
	}
	return md, nil
}

// unstandardize maps standardized means and sds (K×D) back to the data's units.
func (md *mixtureData) unstandardize(means, scales [][]float64) (m, s [][]float64) {
	m = make([][]float64, len(means))
	s = make([][]float64, len(scales))
	for k := range means {
		m[k] = make([]float64, md.d)
		s[k] = make([]float64, md.d)
		for j := 0; j < md.d; j++ {
			m[k][j] = md.loc[j] + md.sd[j]*means[k][j]
			s[k][j] = md.sd[j] * scales[k][j]
		}
	}
	return m, s
}

// KMeansPP returns k initial centres for k-means chosen from the rows of x by
// greedy k-means++ seeding (Arthur & Vassilvitskii 2007, as in scikit-learn):
// the first centre is a row drawn uniformly at random; for each next one,
// 2 + ⌊ln k⌋ candidate rows are drawn with probability proportional to their
// squared distance to the nearest centre already chosen (uniformly among the
// rows not yet chosen if every distance is 0), and the candidate that most
// reduces the sum of those squared distances is kept. The greedy choice makes
// two centres in the same well-separated cluster much less likely than plain
// k-means++ does. The centres are copies of rows of x. Randomness comes only
// from rng: the same seed gives the same centres.
//
// It panics (programmer error) if rng is nil, k < 1, k > len(x) or the rows of
// x have different lengths; validate data first.
func KMeansPP(x [][]float64, k int, rng *rand.Rand) [][]float64 {
	if rng == nil {
		panic("bbvi: KMeansPP: nil *rand.Rand")
	}
	n := len(x)
	if k < 1 || k > n {
		panic(fmt.Sprintf("bbvi: KMeansPP: k = %d for %d rows", k, n))
	}
	for i, row := range x {
		if len(row) != len(x[0]) {
			panic(fmt.Sprintf("bbvi: KMeansPP: row %d has %d values, row 0 has %d", i, len(row), len(x[0])))
		}
	}
	dist2 := func(a, b []float64) float64 {
		var s float64
		for j := range a {
			s += (a[j] - b[j]) * (a[j] - b[j])
		}
		return s
	}
	trials := 2 + int(math.Log(float64(k)))
	chosen := make([]bool, n)
	centres := make([][]float64, 0, k)
	near := make([]float64, n) // squared distance to the nearest centre
	first := rng.IntN(n)
	chosen[first] = true
	centres = append(centres, append([]float64(nil), x[first]...))
	for i := range near {
		near[i] = dist2(x[i], x[first])
	}
	cand := make([]float64, n)
	best := make([]float64, n)
	for len(centres) < k {
		var total float64
		for _, v := range near {
			total += v
		}
		next := -1
		if total > 0 {
			bestPot := math.Inf(1)
			for t := 0; t < trials; t++ {
				u := rng.Float64() * total
				c := -1
				for i, v := range near {
					if v > 0 {
						c = i
						if u < v {
							break
						}
						u -= v
					}
				}
				var pot float64
				for i := range cand {
					cand[i] = math.Min(near[i], dist2(x[i], x[c]))
					pot += cand[i]
				}
				if pot < bestPot {
					bestPot, next = pot, c
					copy(best, cand)
				}
			}
			copy(near, best)
		} else {
			// Every row coincides with a centre: pick among the rows not chosen.
			r := rng.IntN(n - len(centres))
			for i := range chosen {
				if !chosen[i] {
					if r == 0 {
						next = i
						break
					}
					r--
				}
			}
		}
		chosen[next] = true
		centres = append(centres, append([]float64(nil), x[next]...))
	}
	return centres
}

// LogLik returns the observed-data log-likelihood of a diagonal Gaussian
// mixture,
//
//	ll = Σ_i log Σ_k w_k Π_d N(x_id; μ_kd, σ_kd²),
//
// and the assignment probabilities resp[i][k] = p(z_i = k | x_i), computed in
// the log domain with log-sum-exp so that neither underflows. A zero weight is
// allowed (that component gets probability 0).
//
// It panics (programmer error) if the shapes disagree: means and scales K×D,
// weights K, every row of x D values.
func LogLik(x [][]float64, means, scales [][]float64, weights []float64) (ll float64, resp [][]float64) {
	k := len(weights)
	if len(means) != k || len(scales) != k || k == 0 {
		panic(fmt.Sprintf("bbvi: LogLik: %d means, %d scales, %d weights", len(means), len(scales), k))
	}
	d := len(means[0])
	for c := 0; c < k; c++ {
		if len(means[c]) != d || len(scales[c]) != d {
			panic(fmt.Sprintf("bbvi: LogLik: component %d has %d means and %d scales, want %d", c, len(means[c]), len(scales[c]), d))
		}
	}
	// Per-component constant: log w_k - Σ_d log σ_kd - D/2 log 2π.
	norm := make([]float64, k)
	for c := 0; c < k; c++ {
		norm[c] = math.Log(weights[c]) - float64(d)*halfLog2Pi
		for _, s := range scales[c] {
			norm[c] -= math.Log(s)
		}
	}
	resp = make([][]float64, len(x))
	flat := make([]float64, len(x)*k)
	for i, row := range x {
		if len(row) != d {
			panic(fmt.Sprintf("bbvi: LogLik: row %d has %d values, want %d", i, len(row), d))
		}
		r := flat[i*k : (i+1)*k]
		mx := math.Inf(-1)
		for c := 0; c < k; c++ {
			var q float64
			for j, v := range row {
				z := (v - means[c][j]) / scales[c][j]
				q += z * z
			}
			r[c] = norm[c] - 0.5*q
			mx = math.Max(mx, r[c])
		}
		var s float64
		for c := range r {
			r[c] = math.Exp(r[c] - mx)
			s += r[c]
		}
		for c := range r {
			r[c] /= s
		}
		ll += mx + math.Log(s)
		resp[i] = r
	}
	return ll, resp
}

// SortComponents reorders the components by their means, lexicographically:
// by Means[k][0], ties broken by Means[k][1], and so on. It permutes Means,
// Scales, Weights and the columns of Resp consistently, so that the fit
// describes the same mixture; it removes the label-switching ambiguity when
// fits are compared. Posterior is not changed (see Result).
func (f *Result) SortComponents() {
	k := len(f.Means)
	perm := make([]int, k)
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		return slices.Compare(f.Means[a], f.Means[b])
	})
	f.Means = permuteRows(f.Means, perm)
	if len(f.Scales) == k {
		f.Scales = permuteRows(f.Scales, perm)
	}
	if len(f.Weights) == k {
		w := make([]float64, k)
		for i, p := range perm {
			w[i] = f.Weights[p]
		}
		f.Weights = w
	}
	buf := make([]float64, k)
	for _, row := range f.Resp {
		if len(row) != k {
			continue
		}
		for i, p := range perm {
			buf[i] = row[p]
		}
		copy(row, buf)
	}
}

func permuteRows(rows [][]float64, perm []int) [][]float64 {
	out := make([][]float64, len(perm))
	for i, p := range perm {
		out[i] = rows[p]
	}
	return out
}

// Names of the latents of the Bayesian mixture fits, in standardized units.
const (
	mixMeans   = "mu"    // K·D component means, component-major
	mixScales  = "sigma" // K·D component sds (positive)
	mixWeights = "v"     // K-1 unconstrained stick-breaking values of the weights (K > 1 only)
)

// mixtureModel is the Bayesian Gaussian mixture with the assignments summed
// out, over standardized data (the array "x", N×D): the Model of FitMarginal.
// Its latents are mixMeans, mixScales and, for K > 1, mixWeights, whose
// stick-breaking Jacobian is part of LogPrior (so the weights' Dirichlet prior
// is a density over v).
type mixtureModel struct {
	k, d                         int
	meanScale, scaleScale, alpha float64
	logSDSum                     float64 // Σ_d log s_d, to report the likelihood of the data in its own units
}

func (m GaussianMixture) model(md *mixtureData) (*mixtureModel, error) {
	ms, ss, a, err := m.priors()
	if err != nil {
		return nil, err
	}
	return &mixtureModel{k: md.k, d: md.d, meanScale: ms, scaleScale: ss, alpha: a, logSDSum: md.logSDSum}, nil
}

// Latents implements Model.
func (mm *mixtureModel) Latents() []bbvi.Latent {
	kd := mm.k * mm.d
	mu := make([]string, kd)
	sig := make([]string, kd)
	for c := 0; c < mm.k; c++ {
		for j := 0; j < mm.d; j++ {
			mu[c*mm.d+j] = fmt.Sprintf("%s[%d,%d]", mixMeans, c, j)
			sig[c*mm.d+j] = fmt.Sprintf("%s[%d,%d]", mixScales, c, j)
		}
	}
	ls := []bbvi.Latent{
		{Name: mixMeans, Size: kd, Labels: mu},
		{Name: mixScales, Size: kd, Support: bbvi.Positive(), Labels: sig},
	}
	if mm.k > 1 {
		ls = append(ls, bbvi.Latent{Name: mixWeights, Size: mm.k - 1})
	}
	return ls
}

// logWeights returns the log weights, shape (S, K), and the log-density of the
// weights' prior including the stick-breaking Jacobian, shape (S); for K = 1
// both are nil.
func (mm *mixtureModel) logWeights(b *graph.Builder, z bbvi.Vars) (logw, logPrior *graph.Node) {
	if mm.k == 1 {
		return nil, nil
	}
	v := z[mixWeights]
	sb := graph.StickBreaking{}
	logw = sb.LogForward(b, v)
	k := float64(mm.k)
	a := mm.alpha
	norm, _ := math.Lgamma(k * a)
	lga, _ := math.Lgamma(a)
	logPrior = b.Shift(sb.LogDetJacobian(b, v), norm-k*lga)
	if a != 1 {
		logPrior = b.Add(logPrior, b.Scale(b.Sum(logw, 1), a-1))
	}
	return logw, logPrior
}

// LogPrior implements Model.
func (mm *mixtureModel) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	lp := b.Add(
		b.Sum(b.NormalLogProb(z[mixMeans], b.Scalar(0), b.Scalar(mm.meanScale)), 1),
		b.Sum(b.HalfNormalLogProb(z[mixScales], b.Scalar(mm.scaleScale)), 1),
	)
	if _, lw := mm.logWeights(b, z); lw != nil {
		lp = b.Add(lp, lw)
	}
	return lp
}

// componentLogProbs returns log w_k + Σ_d log N(x_id; μ_kd, σ_kd²) for every
// row of the batch, draw and component, shape (B, S, K). It expands the square
// so that the work on (B, S·K) arrays is three matrix products:
//
//	-½ Σ_d (x_d - μ_d)²/σ_d² = x²·(-½τ) + x·(μτ) - ½ Σ_d μ_d² τ_d,   τ = 1/σ²,
//
// the per-component constant entering through the outer product of a column
// of ones with it (a broadcast whose gradient is a matrix product too).
func (mm *mixtureModel) componentLogProbs(b *graph.Builder, z bbvi.Vars, x *graph.Node) *graph.Node {
	mu, sig := z[mixMeans], z[mixScales]
	if x == nil || mu == nil || sig == nil {
		b.Failf("bbvi: gaussian mixture: missing latents or data")
		return nil
	}
	s, bsz := mu.Shape()[0], x.Shape()[0]
	sk := s * mm.k
	mu = b.Reshape(mu, sk, mm.d)
	sig = b.Reshape(sig, sk, mm.d)
	tau := b.Div(b.Scalar(1), b.Square(sig))
	mutau := b.Mul(mu, tau)
	// c_k = log w_k - Σ_d log σ_kd - ½ Σ_d μ_kd² τ_kd - D/2 log 2π, shape (S·K).
	c := b.Shift(b.Neg(b.Sum(b.Add(b.Log(sig), b.Scale(b.Mul(mu, mutau), 0.5)), 1)), -float64(mm.d)*halfLog2Pi)
	if logw, _ := mm.logWeights(b, z); logw != nil {
		c = b.Add(c, b.Reshape(logw, sk))
	}
	ones := b.Constant("ones", onesN(bsz), bsz, 1)
	lp := b.AddN(
		b.MatMul(b.Square(x), b.T(b.Scale(tau, -0.5))),
		b.MatMul(x, b.T(mutau)),
		b.MatMul(ones, b.Reshape(c, 1, sk)),
	) // (B, S·K)
	return b.Reshape(lp, bsz, s, mm.k)
}

func onesN(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// LogLikelihood implements Model: Σ_i log Σ_k w_k N(x_i; μ_k, σ_k²), shape (S),
// for the data in their own units (the standardization's Jacobian, -Σ_d log s_d
// per row, is included).
func (mm *mixtureModel) LogLikelihood(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
	xs := x["x"]
	lp := mm.componentLogProbs(b, z, xs)
	if lp == nil {
		return nil
	}
	ll := b.Sum(b.LogSumExp(lp, 2), 0) // (S)
	return b.Shift(ll, -float64(xs.Shape()[0])*mm.logSDSum)
}

// initMean returns the initial mean of q in the unconstrained space: k-means++
// centres of the standardized data for the means, the sds and shares of the
// points nearest each centre for the scales (log) and the weights (stick-breaking
// inverse).
func (mm *mixtureModel) initMean(md *mixtureData, rng *rand.Rand) []float64 {
	means, scales, weights := hardInit(md.std, KMeansPP(md.std, md.k, rng), 0.05)
	init := make([]float64, 0, 2*md.k*md.d+md.k-1)
	for _, row := range means {
		init = append(init, row...)
	}
	for _, row := range scales {
		for _, s := range row {
			init = append(init, math.Log(s))
		}
	}
	if md.k > 1 {
		v := make([]float64, md.k-1)
		// Cannot fail: hardInit's weights are positive and sum to 1.
		_ = graph.StickBreaking{}.Inverse64(v, weights)
		init = append(init, v...)
	}
	return init
}

// mixtureWeightDraws is the number of posterior draws FitMarginal (and FitScore)
// average to report the posterior mean of the weights.
const mixtureWeightDraws = 4000

// summarize turns a fitted posterior whose latents are laid out as those of
// mixtureModel (mixMeans, mixScales, then mixWeights for K > 1) into a
// Result in the data's units: posterior means of the means and sds
// (exact, and by quadrature), of the weights by Monte Carlo over
// mixtureWeightDraws draws from rng; Resp and LogLik at those values.
func (md *mixtureData) summarize(method string, post *bbvi.Posterior, rng *rand.Rand) *Result {
	k, d := md.k, md.d
	kd := k * d
	pm := post.Mean()
	means := make([][]float64, k)
	scales := make([][]float64, k)
	for c := 0; c < k; c++ {
		means[c] = pm[c*d : (c+1)*d]
		scales[c] = pm[kd+c*d : kd+(c+1)*d]
	}
	weights := []float64{1}
	if k > 1 {
		weights = make([]float64, k)
		dim := post.Dim()
		draws := post.Sample(nil, mixtureWeightDraws, rng)
		w := make([]float64, k)
		for s := 0; s < mixtureWeightDraws; s++ {
			off := s*dim + 2*kd
			graph.StickBreaking{}.Forward64(w, draws[off:off+k-1])
			for c, v := range w {
				weights[c] += v
			}
		}
		for c := range weights {
			weights[c] /= mixtureWeightDraws
		}
	}
	fit := &Result{Method: method, K: k, D: d, Weights: weights, Posterior: post,
		Iterations: post.Steps, Converged: post.Status == bbvi.Converged}
	fit.Means, fit.Scales = md.unstandardize(means, scales)
	fit.LogLik, fit.Resp = LogLik(md.x, fit.Means, fit.Scales, fit.Weights)
	for _, p := range post.Trace {
		fit.Trace = append(fit.Trace, p.ELBO)
	}
	return fit
}

// FitMarginal fits the Bayesian mixture of m (see GaussianMixture) by black-box
// variational inference with the assignments summed out of the likelihood,
//
//	log p(x | μ, σ, w) = Σ_i log Σ_k w_k Π_d N(x_id; μ_kd, σ_kd²),
//
// computed with log-sum-exp, vectorized over the draws and the minibatch. The
// remaining latents are global and continuous, so the pathwise
// (reparameterization) gradient applies: μ real, σ positive (through exp) and
// w on the simplex through the stick-breaking bijector (graph.StickBreaking,
// K-1 unconstrained values, with its log|det J|), as in Stan. The fit works in
// standardized coordinates for good conditioning; the likelihood includes the
// standardization's Jacobian, so the ELBO is a lower bound on log p(x) in the
// data's own units.
//
// set is used as in Fit (nil means defaults; its Estimator must be a pathwise
// one, nil meaning Reparam{}). InitMean nil means: the k-means++ centres
// (KMeansPP with rng) for the means and, for the scales and weights, the sds
// and shares of the points nearest each centre; a given InitMean is in the
// unconstrained space of Posterior's latents (means, log sds, stick-breaking
// values). MeanField and FullRank start with sd 0.1 in every unconstrained
// direction rather than 1: the start is already close, and unit noise would
// smear the components over each other. set is not modified.
//
// The result has Method "bbvi-marginal"; Means and Scales are posterior means,
// Weights the posterior mean of w estimated from 4000 draws from rng (Monte
// Carlo error ≈ 1.6% of its posterior sd); Resp and LogLik are evaluated at
// those means; Trace holds the ELBO evaluations. As with Fit, a NaN or Inf
// returns the fit at the last finite parameters together with a
// *NonFiniteError; bad input returns an error wrapping ErrInput.
func (m GaussianMixture) FitMarginal(x [][]float64, set *bbvi.Settings, rng *rand.Rand) (*Result, error) {
	if rng == nil {
		return nil, errors.New("bbvi: gaussian mixture: nil *rand.Rand (randomness must be explicit)")
	}
	md, err := m.prepare(x)
	if err != nil {
		return nil, err
	}
	mm, err := m.model(md)
	if err != nil {
		return nil, err
	}
	var s bbvi.Settings
	if set != nil {
		s = *set
	}
	if s.InitMean == nil {
		s.InitMean = mm.initMean(md, rng)
	}
	if s.Family == nil {
		s.Family = bbvi.MeanField{}
	}
	if s.InitSD == 0 {
		s.InitSD = mixtureInitSD
	}
	flat := make([]float64, 0, md.n*md.d)
	for _, row := range md.std {
		flat = append(flat, row...)
	}
	post, err := bbvi.Fit(mm, bbvi.Data{{Name: "x", Cols: md.d, Values: flat}}, &s, rng)
	if post == nil {
		return nil, err
	}
	return md.summarize("bbvi-marginal", post, rng), err
}

// mixtureInitSD is the initial sd of q in the unconstrained space for the
// mixture fits, instead of the families' 1: the k-means++ start is already
// close, and unit noise on standardized means and log sds would smear the
// components over each other and cost hundreds of steps to undo.
const mixtureInitSD = 0.1
