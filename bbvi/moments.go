package bbvi

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Moment check: when k̂ is small enough for importance sampling to be
// trusted, the Pareto-smoothed weights correct q's draws towards the
// posterior, and the corrected moments say how far q's own are from it. A
// mean-field or low-rank q can have a small k̂ and still sit off the
// posterior's mean (a wide q in a wrong place has light-tailed ratios), or be
// too narrow in one coordinate where k̂ is driven by the others; the moments
// catch both (Yao et al. 2018, arXiv:1802.02538, sec. 2.4, use the same
// importance-weighted estimates).
const (
	// momentShift is the largest shift of a mean, in posterior sds, that the
	// check lets pass.
	momentShift = 0.2
	// momentRatio bounds q's sd against the corrected one: q's sd must lie in
	// [1/momentRatio, momentRatio] times it.
	momentRatio = 1.25
	// momentZ is how many standard errors an estimated discrepancy must
	// exceed before it counts: the check flags what it can see, not noise.
	momentZ = 3
	// maxMomentDim is the largest dimension for which the mean-field check
	// inverts the corrected covariance (O(draws·dim²)).
	maxMomentDim = 300
)

// momentReasons compares the moments of q's draws (one row per draw, in the
// constrained space) with their importance-weighted moments (w the normalized
// smoothed weights, ess their effective sample size) and returns one sentence
// per discrepancy: at most the worst mean and the worst sd. For a diagonal q
// (mean-field) the sds are compared, in q's own unconstrained coordinates
// (udraws, the same draws), with the best a diagonal Gaussian can do,
// 1/√(Σ⁻¹)_jj of the corrected covariance Σ, since a mean-field q of a
// correlated posterior is narrower than its marginals by design.
func momentReasons(draws, udraws [][]float64, w []float64, ess float64, diagonal bool, names []string) []string {
	n := len(draws)
	if n == 0 || len(w) != n || ess < 100 {
		return nil
	}
	d := len(draws[0])
	if d == 0 {
		return nil
	}
	name := func(j int) string {
		if j < len(names) && len(names) == d {
			return names[j]
		}
		return fmt.Sprintf("component %d", j)
	}
	qm, qv, pm, pv := drawMoments(draws, w)
	// Standard errors of the mean difference and of the log sd ratio, by the
	// delta method for self-normalized importance sampling.
	shiftJ, shift := -1, 0.0
	ratioJ, ratio := -1, 1.0
	target := pv
	spread := qv // q's own variances: 0 for a constant component (the unit diagonal of a correlation matrix)
	if diagonal {
		// q's variances and their best-diagonal targets, both in q's
		// coordinates: the ratio is then that of an exactly diagonal q.
		target, qv = nil, nil
		if len(udraws) == n && len(udraws[0]) == d {
			qv, target = diagonalTarget(udraws, w, ess)
		}
	}
	for j := 0; j < d; j++ {
		if !(pv[j] > 0) || spread[j] == 0 {
			continue
		}
		sd := math.Sqrt(pv[j])
		var se2, seLog2 float64
		for s, x := range draws {
			dw := w[s] - 1/float64(n)
			b := x[j] - pm[j]
			se2 += dw * dw * b * b
			u := b*b/pv[j] - 1
			seLog2 += w[s] * w[s] * u * u
		}
		z := math.Abs(qm[j]-pm[j]) / sd
		if z > momentShift && z > momentZ*math.Sqrt(se2)/sd && z > shift {
			shiftJ, shift = j, z
		}
		if target == nil || !(target[j] > 0) || !(qv[j] > 0) {
			continue
		}
		r := math.Sqrt(qv[j] / target[j])
		lr := math.Abs(math.Log(r))
		if lr > math.Log(momentRatio) && lr > momentZ*math.Sqrt(seLog2)/2 && lr > math.Abs(math.Log(ratio)) {
			ratioJ, ratio = j, r
		}
	}
	var out []string
	if shiftJ >= 0 {
		out = append(out, fmt.Sprintf("importance weighting moves the mean of %s by %.2f posterior sd: q is off the posterior", name(shiftJ), shift))
	}
	if ratioJ >= 0 {
		what := "the importance-weighted sd"
		if diagonal {
			what = "the best mean-field sd the importance weights give"
		}
		out = append(out, fmt.Sprintf("q's sd of %s is %.2f times %s", name(ratioJ), ratio, what))
	}
	return out
}

// drawMoments returns the means and variances of the draws (q's own,
// unweighted) and their importance-weighted means and variances under the
// normalized weights w.
func drawMoments(draws [][]float64, w []float64) (qm, qv, pm, pv []float64) {
	n, d := len(draws), len(draws[0])
	qm, pm = make([]float64, d), make([]float64, d)
	for s, x := range draws {
		for j, v := range x {
			qm[j] += v
			pm[j] += w[s] * v
		}
	}
	for j := range qm {
		qm[j] /= float64(n)
	}
	qv, pv = make([]float64, d), make([]float64, d)
	for s, x := range draws {
		for j, v := range x {
			a, b := v-qm[j], v-pm[j]
			qv[j] += a * a
			pv[j] += w[s] * b * b
		}
	}
	for j := range qv {
		qv[j] /= float64(n - 1)
	}
	return qm, qv, pm, pv
}

// diagonalTarget returns, for draws from a diagonal q with importance
// weights w, the variances of q (unweighted) and 1/(Σ⁻¹)_jj of the weighted
// covariance Σ: the variances of the best diagonal Gaussian of a Gaussian with
// covariance Σ. It returns nils (no check) when the dimension is too large for
// the draws or Σ is singular.
func diagonalTarget(draws [][]float64, w []float64, ess float64) (qv, target []float64) {
	d := len(draws[0])
	if d > maxMomentDim || ess < 10*float64(d) {
		return nil, nil
	}
	var m []float64
	_, qv, m, _ = drawMoments(draws, w)
	cov := mat.NewSymDense(d, nil)
	x := make([]float64, d)
	for s, row := range draws {
		for j, v := range row {
			x[j] = v - m[j]
		}
		cov.SymRankOne(cov, w[s], mat.NewVecDense(d, x))
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return nil, nil
	}
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		return nil, nil
	}
	target = make([]float64, d)
	for j := range target {
		target[j] = 1 / inv.At(j, j)
	}
	return qv, target
}
