package bbvi

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Pareto-k thresholds of Yao et al. (2018, arXiv:1802.02538) for the PSIS
// diagnostic of a variational fit.
const (
	// PSISGood: below it (k̂ < 0.5) the importance ratios have a finite
	// variance and the approximation is close to the target.
	PSISGood = 0.5
	// PSISOK: between PSISGood and PSISOK (0.5 ≤ k̂ ≤ 0.7) the approximation is
	// usable but not accurate; above it (k̂ > 0.7) the importance-sampling
	// estimates are unreliable and the fit should not be trusted.
	PSISOK = 0.7
)

// psisMinTail is the fewest tail ratios a generalized Pareto fit uses.
const psisMinTail = 5

// ErrTooFewDraws is matched (errors.Is) by the error of PSIS for fewer than 5
// log weights.
var ErrTooFewDraws = errors.New("too few draws")

// PSISResult is the outcome of Pareto-smoothed importance sampling (see PSIS).
// Its zero value holds no weights.
type PSISResult struct {
	// K is the estimated shape k̂ of the generalized Pareto distribution of the
	// largest importance ratios: the ratios have finite moments of order below
	// 1/k̂. It is never NaN: +Inf when no tail could be fitted (too few draws,
	// fewer positive weights than the tail, a tail far from a generalized
	// Pareto form), -Inf when the largest TailLen ratios are all equal (an atom
	// at the largest ratio: the ratios are bounded, the limit k → -∞ of the
	// generalized Pareto). Note says why K is infinite.
	K float64
	// Sigma is the fitted scale σ̂ of the tail exceedances, in units of the
	// largest raw ratio; NaN when no tail was fitted.
	Sigma float64
	// TailLen is M = ⌈min(S/5, 3√S)⌉, the number of largest ratios fitted.
	TailLen int
	// LogWeights are the smoothed, truncated and normalized log weights, one
	// per draw in the order of the input: log w̄_s with Σ_s w̄_s = 1. A draw
	// whose log ratio was -Inf keeps the weight 0 (log weight -Inf).
	LogWeights []float64
	// ESS is the effective sample size 1/Σ_s w̄_s² of the smoothed weights,
	// between 1 and S.
	ESS float64
	// KThreshold is the sample-size dependent threshold 1 - 1/log10(S) of
	// Vehtari et al. (2024, eq. 13): a k̂ above it means that S draws are too
	// few for a reliable Pareto-smoothed estimate (see MinSampleSize).
	KThreshold float64
	// Note is empty when the tail was fitted and smoothed; otherwise it says,
	// in a sentence, why K is infinite and the weights are not smoothed.
	Note string
}

// PSIS runs Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao
// & Gabry, "Pareto Smoothed Importance Sampling", arXiv:1507.02646, JMLR 25(72)
// 2024) on the S log importance ratios
//
//	log r_s = log p(x, z_s) - log q(z_s),   z_s ~ q,
//
// and returns the Pareto k̂ diagnostic of the approximation q (Yao, Vehtari,
// Simpson & Gelman 2018, "Yes, but did it work?: Evaluating variational
// inference", arXiv:1802.02538) with the smoothed weights.
//
// The largest M = ⌈min(S/5, 3√S)⌉ ratios r_(S-M+1) ≤ … ≤ r_(S) are taken as the
// tail (as R's loo package does for r_eff = 1), and their exceedances
// x_i = r_(S-M+i) - u over the threshold u = r_(S-M) (the largest ratio not in
// the tail) are fitted by a generalized Pareto distribution
//
//	F(x) = 1 - (1 + k x/σ)^(-1/k)
//
// with the empirical-Bayes estimator of Zhang & Stephens (2009, Technometrics
// 51:316-325), in the parametrization θ = -k/σ: on the grid of m = 30 + ⌊√M⌋
// values
//
//	θ_j = 1/x_(M) + (1 - √(m/(j - 1/2))) / (3 x_(⌊M/4 + 1/2⌋)),   j = 1..m,
//
// the profile log-likelihood is ℓ(θ) = M (log(-θ/k(θ)) - k(θ) - 1) with
// k(θ) = (1/M) Σ_i log(1 - θ x_i); θ̂ is the posterior mean Σ_j θ_j w_j with
// w_j ∝ exp ℓ(θ_j), and k̂ = k(θ̂), σ̂ = -k̂/θ̂. As in loo and arviz, k̂ is then
// shrunk toward 0.5 by a weakly informative prior worth 10 observations,
// k̂ ← (M k̂ + 10·0.5)/(M + 10). The tail ratios are replaced by the expected
// order statistics of the fitted distribution,
//
//	r̃_(S-M+i) = u + F⁻¹((i - 1/2)/M),   F⁻¹(p) = σ̂ ((1-p)^(-k̂) - 1)/k̂,
//
// truncated at the largest raw ratio, and all the weights are normalized to sum
// to one. The computation is done on ratios scaled by the largest one, so it
// cannot overflow. On inputs without ties or -Inf entries the results agree
// with R's loo package (psis with r_eff = 1) to rounding.
//
// Reading k̂ (Yao et al. 2018; Vehtari et al. 2024): k̂ < 0.5 (PSISGood), the
// ratios have a finite variance and q is close to the posterior; 0.5 ≤ k̂ ≤ 0.7
// (PSISOK), usable but not accurate; k̂ > 0.7, unreliable. With S draws the
// estimate is reliable only if also k̂ ≤ 1 - 1/log10(S) (KThreshold);
// PSISResult.Reliable applies both.
//
// When the M largest ratios are all equal (q = p gives equal ratios) there is
// nothing to fit: the ratios are bounded, with an atom at the largest, which is
// the limit k → -∞ of the generalized Pareto distribution; K is then -Inf and
// the weights are not smoothed. (loo reports +Inf there, which would flag an
// exact fit as unreliable.) When a quarter of the tail ratios equal the
// threshold, or are negligible next to the largest (they underflow), the tail
// cannot be fitted: K is +Inf and the weights are not smoothed.
//
// Entries equal to -Inf are draws of zero weight (q puts mass where p has
// none); they stay at weight 0 and are never in the tail. A NaN or +Inf entry
// is an error that names its index and matches ErrNonFinite, as does an input
// that is -Inf everywhere; fewer than 5 entries is an error that matches
// ErrTooFewDraws. Inputs of 5 to 20 draws give a tail shorter than 5 ratios:
// then K is +Inf and the weights are the raw normalized ratios, as when fewer
// than M ratios are positive. Whenever K is infinite, Note says why. logw is
// not modified. The only allocations are of the order of len(logw).
func PSIS(logw []float64) (PSISResult, error) {
	S := len(logw)
	if S < psisMinTail {
		return PSISResult{}, fmt.Errorf("bbvi: PSIS: %d log weights, need at least %d: %w", S, psisMinTail, ErrTooFewDraws)
	}
	top, finite := math.Inf(-1), 0
	for i, v := range logw {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return PSISResult{}, fmt.Errorf("bbvi: PSIS: log weight %d is %v: %w", i, v, ErrNonFinite)
		}
		if !math.IsInf(v, -1) {
			finite++
			top = max(top, v)
		}
	}
	if finite == 0 {
		return PSISResult{}, fmt.Errorf("bbvi: PSIS: all %d log weights are -Inf (no draw has a positive weight): %w", S, ErrNonFinite)
	}

	M := psisTailLen(S)
	r := PSISResult{
		K:          math.Inf(1),
		Sigma:      math.NaN(),
		TailLen:    M,
		LogWeights: make([]float64, S),
		KThreshold: 1 - 1/math.Log10(float64(S)),
	}
	lw := r.LogWeights
	for i, v := range logw {
		lw[i] = v - top // the largest is 0; -Inf stays -Inf
	}

	switch {
	case M < psisMinTail:
		r.Note = fmt.Sprintf("%d draws give a tail of %d ratios, fewer than the %d needed to fit a generalized Pareto distribution", S, M, psisMinTail)
	case finite < M:
		r.Note = fmt.Sprintf("only %d of %d ratios are positive, fewer than the tail of %d: a few draws hold all the weight", finite, S, M)
	default:
		r.smoothTail(M)
	}

	// Normalize: after the shift the largest log weight is at most 0 and at
	// least the smallest smoothed tail value, so the sum cannot overflow.
	hi := math.Inf(-1)
	for _, v := range lw {
		hi = max(hi, v)
	}
	var sum float64
	for _, v := range lw {
		sum += math.Exp(v - hi)
	}
	lse := hi + math.Log(sum)
	var sq float64
	for i, v := range lw {
		lw[i] = v - lse
		sq += math.Exp(2 * lw[i])
	}
	r.ESS = 1 / sq
	return r, nil
}

// psisTailLen is ⌈min(S/5, 3√S)⌉, the tail length of loo for r_eff = 1.
func psisTailLen(S int) int {
	return int(math.Ceil(math.Min(0.2*float64(S), 3*math.Sqrt(float64(S)))))
}

// smoothTail fits the generalized Pareto distribution to the M largest of
// r.LogWeights (shifted so that the largest is 0, at least M of them finite and
// M < len) and replaces them by the fitted expected order statistics; it sets
// K, Sigma and, when it cannot smooth, Note.
func (r *PSISResult) smoothTail(M int) {
	lw := r.LogWeights
	S := len(lw)
	idx := make([]int, S)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(lw[a], lw[b]) })
	tail := idx[S-M:]
	if lw[tail[0]] == lw[tail[M-1]] {
		r.K = math.Inf(-1)
		r.Note = fmt.Sprintf("the %d largest ratios are equal: the ratios are bounded with an atom at the largest (k → -Inf), there is nothing to smooth", M)
		return
	}
	u := math.Exp(lw[idx[S-M-1]]) // the threshold: 0 if that draw has weight 0
	x := make([]float64, M)
	for i, j := range tail {
		x[i] = max(math.Exp(lw[j])-u, 0)
	}
	k, sigma, ok := gpdFit(x)
	if !ok {
		r.Note = fmt.Sprintf("a quarter of the %d tail ratios equal the threshold, or are negligible next to the largest ratio: the tail is far from a generalized Pareto distribution", M)
		return
	}
	k = (float64(M)*k + 10*0.5) / float64(M+10)
	if math.IsNaN(k) || math.IsInf(k, 0) || !(sigma > 0) || math.IsInf(sigma, 1) {
		r.Note = fmt.Sprintf("the generalized Pareto fit of the %d tail ratios failed (k̂ = %v, σ̂ = %v)", M, k, sigma)
		return
	}
	r.K, r.Sigma = k, sigma
	for i, j := range tail {
		p := (float64(i) + 0.5) / float64(M)
		lw[j] = min(math.Log(u+gpdQuantile(p, k, sigma)), 0) // truncated at the largest raw ratio
	}
}

// gpdQuantile is the p-quantile σ((1-p)^(-k) - 1)/k of the generalized Pareto
// distribution with location 0, shape k and scale σ (σ(-log(1-p)) at k = 0).
func gpdQuantile(p, k, sigma float64) float64 {
	if k == 0 {
		return -sigma * math.Log1p(-p)
	}
	return sigma * math.Expm1(-k*math.Log1p(-p)) / k
}

// gpdFit estimates the shape k and scale σ of a generalized Pareto
// distribution with location 0 from the ascending sample x ≥ 0 by the
// empirical-Bayes estimator of Zhang & Stephens (2009), with the grid of
// 30 + ⌊√n⌋ points of loo and posterior (see PSIS). It does not apply the
// weakly informative prior on k. ok is false when the point x_(⌊n/4+1/2⌋) that
// scales the grid is 0 (a quarter of the sample at the threshold: the grid is
// undefined) or the fit is not finite. (R's posterior package, from version
// 1.5, also refuses a sample whose point x_(⌊n/4+1/2⌋) equals its minimum, and
// so every sample of 5; loo 2.5.1, and this function, fit it.)
func gpdFit(x []float64) (k, sigma float64, ok bool) {
	n := len(x)
	xstar := x[int(math.Floor(float64(n)/4+0.5))-1]
	if !(xstar > 0) {
		return math.NaN(), math.NaN(), false
	}
	m := 30 + int(math.Sqrt(float64(n)))
	theta := make([]float64, m)
	l := make([]float64, m)
	nf := float64(n)
	lmax := math.Inf(-1)
	for j := range theta {
		t := 1/x[n-1] + (1-math.Sqrt(float64(m)/(float64(j)+0.5)))/(3*xstar)
		kt := gpdMeanLog(x, t)
		lj := nf * (math.Log(-t/kt) - kt - 1)
		if math.IsNaN(lj) {
			lj = math.Inf(-1)
		}
		theta[j], l[j] = t, lj
		lmax = max(lmax, lj)
	}
	if math.IsInf(lmax, 0) {
		return math.NaN(), math.NaN(), false
	}
	var z, th float64
	for j, t := range theta {
		w := math.Exp(l[j] - lmax)
		z += w
		th += w * t
	}
	th /= z
	k = gpdMeanLog(x, th)
	sigma = -k / th
	ok = !math.IsNaN(k) && !math.IsInf(k, 0) && sigma > 0 && !math.IsInf(sigma, 1)
	return k, sigma, ok
}

// gpdMeanLog is k(θ) = (1/n) Σ log(1 - θ x_i).
func gpdMeanLog(x []float64, theta float64) float64 {
	var s float64
	for _, v := range x {
		s += math.Log1p(-theta * v)
	}
	return s / float64(len(x))
}

// Reliable reports whether the importance-sampling estimates, and so the
// variational fit they check, can be trusted: k̂ ≤ min(0.7, 1 - 1/log10(S))
// (PSISOK and KThreshold).
// A K of -Inf (bounded ratios) is reliable, +Inf is not.
func (r PSISResult) Reliable() bool {
	return r.K <= min(PSISOK, r.KThreshold)
}

// MinSampleSize is the smallest number of draws for a reliable
// Pareto-smoothed estimate at this k̂, 10^(1/(1 - max(k̂, 0))) (Vehtari et al.
// 2024, eq. 11); +Inf when k̂ ≥ 1.
func (r PSISResult) MinSampleSize() float64 {
	if !(r.K < 1) {
		return math.Inf(1)
	}
	return math.Pow(10, 1/(1-max(r.K, 0)))
}

// Diagnosis says in one line what k̂ means: good, ok or unreliable (with the
// reason when K is infinite), and whether S draws are too few.
func (r PSISResult) Diagnosis() string {
	var s string
	switch {
	case math.IsInf(r.K, 1):
		return fmt.Sprintf("Pareto k̂ = +Inf: unreliable (%s)", r.Note)
	case math.IsInf(r.K, -1):
		return fmt.Sprintf("Pareto k̂ = -Inf: good (%s)", r.Note)
	case r.K < PSISGood:
		s = fmt.Sprintf("Pareto k̂ = %.2f < %.1f: good", r.K, PSISGood)
	case r.K <= PSISOK:
		s = fmt.Sprintf("Pareto k̂ = %.2f in [%.1f, %.1f]: ok, but the approximation is not accurate", r.K, PSISGood, PSISOK)
	default:
		s = fmt.Sprintf("Pareto k̂ = %.2f > %.1f: unreliable, the approximation should not be trusted", r.K, PSISOK)
	}
	if r.K <= PSISOK && r.K > r.KThreshold {
		s += fmt.Sprintf("; but %d draws are too few for this k̂ (threshold %.2f; at least %.0f draws needed)",
			len(r.LogWeights), r.KThreshold, r.MinSampleSize())
	}
	return s
}

// Weights writes the normalized smoothed weights w̄_s = exp(LogWeights[s])
// (summing to one) into dst and returns it; a nil or short dst is replaced by a
// new slice.
func (r PSISResult) Weights(dst []float64) []float64 {
	S := len(r.LogWeights)
	if len(dst) < S {
		dst = make([]float64, S)
	}
	dst = dst[:S]
	for i, v := range r.LogWeights {
		dst[i] = math.Exp(v)
	}
	return dst
}

// Resample draws n draw indices with probabilities given by the smoothed
// weights, for importance resampling of the draws, into dst and returns it; a
// nil or short dst is replaced by a new slice. It uses systematic resampling:
// one uniform U from rng and the points (i + U)/n, i = 0..n-1, on the
// cumulative weights. Index s then appears ⌊n w̄_s⌋ or ⌈n w̄_s⌉ times (a lower
// variance than multinomial draws), a draw of weight 0 never, and the indices
// come out in ascending order, not independent of one another: shuffle them if
// the order matters. Randomness comes only from rng. It panics (programmer
// error) if n < 0, rng is nil with n > 0, or r holds no weights.
func (r PSISResult) Resample(dst []int, n int, rng *rand.Rand) []int {
	if n < 0 {
		panic(fmt.Sprintf("bbvi: PSISResult.Resample: n = %d < 0", n))
	}
	if len(dst) < n {
		dst = make([]int, n)
	}
	dst = dst[:n]
	if n == 0 {
		return dst
	}
	if rng == nil {
		panic("bbvi: PSISResult.Resample: nil *rand.Rand (randomness must be explicit)")
	}
	lw := r.LogWeights
	last := -1
	var total float64
	for s, v := range lw {
		if w := math.Exp(v); w > 0 {
			total += w
			last = s
		}
	}
	if last < 0 {
		panic("bbvi: PSISResult.Resample: no weights (a zero PSISResult?)")
	}
	// The points t_i = total·(i + U)/n with U in (0, 1] lie in (0, total];
	// draw s is chosen when c_{s-1} < t_i ≤ c_s, c the running sum of the
	// weights in the order of total, so never a zero weight nor past last.
	u := 1 - rng.Float64()
	s := 0
	c := math.Exp(lw[0])
	for i := range dst {
		t := total * (float64(i) + u) / float64(n)
		for t > c && s < last {
			s++
			c += math.Exp(lw[s])
		}
		dst[i] = s
	}
	return dst
}
