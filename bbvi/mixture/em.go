package mixture

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
)

// EMSettings configure FitEM. The zero value (or a nil *EMSettings) gives the
// defaults each field documents.
type EMSettings struct {
	// MaxIter bounds the number of EM iterations. 0 means 1000.
	MaxIter int
	// Tol is the relative tolerance on the log-likelihood: EM has converged when
	// |ℓ_t - ℓ_{t-1}| ≤ Tol·|ℓ_t|. 0 means 1e-8; a negative value runs all
	// MaxIter iterations.
	Tol float64
	// MinScale is the floor on every component sd, as a fraction of the data
	// column's sd. The likelihood of a mixture is unbounded — a component that
	// shrinks onto one point has σ → 0 and ℓ → ∞ — and the floor keeps EM away
	// from those degenerate maxima. The floored M-step still maximizes its
	// objective over the constrained set, so the log-likelihood still never
	// decreases. 0 means 1e-3; it must not be negative.
	MinScale float64
}

// Defaults returns the settings with every zero field replaced by its default
// (a nil *EMSettings gives all the defaults). It does not validate them.
func (s *EMSettings) Defaults() EMSettings {
	var c EMSettings
	if s != nil {
		c = *s
	}
	if c.MaxIter == 0 {
		c.MaxIter = 1000
	}
	if c.Tol == 0 {
		c.Tol = 1e-8
	}
	if c.MinScale == 0 {
		c.MinScale = 1e-3
	}
	return c
}

func (s *EMSettings) withDefaults() (EMSettings, error) {
	c := s.Defaults()
	switch {
	case c.MaxIter < 0:
		return c, mixtureErrorf("EMSettings.MaxIter %d < 0", c.MaxIter)
	case math.IsNaN(c.Tol):
		return c, mixtureErrorf("EMSettings.Tol is NaN")
	case !(c.MinScale > 0) || math.IsInf(c.MinScale, 0):
		return c, mixtureErrorf("EMSettings.MinScale %v must be positive and finite (or 0 for the default)", c.MinScale)
	}
	return c, nil
}

// FitEM fits the mixture by maximum likelihood with the expectation-maximization
// algorithm (Dempster, Laird & Rubin 1977), ignoring the priors of m. It
// starts from k-means++ centres (KMeansPP on the standardized data, with rng),
// each component's sd and weight taken from the points nearest its centre.
//
// EM is the special case of variational inference in which the family for the
// assignments contains the exact posterior. For any q(z) = Π_i q_i(z_i),
//
//	log p(x | θ) = ELBO(q, θ) + Σ_i KL(q_i(z_i) ‖ p(z_i | x_i, θ)),
//	ELBO(q, θ)   = Σ_i E_{q_i}[log w_{z_i} + log N(x_i; μ_{z_i}, σ_{z_i}²)] + Σ_i H[q_i].
//
// The E-step maximizes the ELBO over q exactly: q_i(k) = r_ik = p(z_i = k | x_i, θ),
// the responsibilities, which makes the bound tight. The M-step maximizes it
// over θ in closed form,
//
//	N_k = Σ_i r_ik,   w_k = N_k / N,   μ_kd = Σ_i r_ik x_id / N_k,
//	σ_kd² = max(Σ_i r_ik (x_id - μ_kd)² / N_k, (MinScale·s_d)²),
//
// where s_d is the sd of column d. Hence ℓ(θ_{t+1}) ≥ ELBO(q_t, θ_{t+1}) ≥
// ELBO(q_t, θ_t) = ℓ(θ_t): the log-likelihood never decreases. A component
// whose N_k is below 1e-12 keeps its mean and sd (its weight is N_k/N ≈ 0).
//
// FitEM stops when the relative change of the log-likelihood is below Tol, or
// after MaxIter iterations. The result has Method "em", Trace holding the
// log-likelihood after each iteration, Resp the responsibilities at the final
// parameters, and no Posterior. Bad input returns an error wrapping
// ErrInput.
func (m GaussianMixture) FitEM(x [][]float64, set *EMSettings, rng *rand.Rand) (*Result, error) {
	if rng == nil {
		return nil, errors.New("bbvi: gaussian mixture: nil *rand.Rand (randomness must be explicit)")
	}
	s, err := set.withDefaults()
	if err != nil {
		return nil, err
	}
	md, err := m.prepare(x)
	if err != nil {
		return nil, err
	}
	n, d, k := md.n, md.d, md.k
	floor := s.MinScale * s.MinScale
	means, scales, weights := hardInit(md.std, KMeansPP(md.std, k, rng), s.MinScale)

	ll, resp := LogLik(md.std, means, scales, weights)
	fit := &Result{Method: "em", K: k, D: d}
	offset := float64(n) * md.logSDSum // ℓ(x) = ℓ(standardized x) - N Σ_d log s_d
	for it := 1; it <= s.MaxIter; it++ {
		// M-step.
		for c := 0; c < k; c++ {
			var nk float64
			mu := make([]float64, d)
			for i, row := range md.std {
				r := resp[i][c]
				nk += r
				for j, v := range row {
					mu[j] += r * v
				}
			}
			weights[c] = nk / float64(n)
			if nk < 1e-12 {
				continue
			}
			for j := range mu {
				mu[j] /= nk
			}
			v := make([]float64, d)
			for i, row := range md.std {
				r := resp[i][c]
				for j, x := range row {
					v[j] += r * (x - mu[j]) * (x - mu[j])
				}
			}
			for j := range v {
				scales[c][j] = math.Sqrt(math.Max(v[j]/nk, floor))
			}
			means[c] = mu
		}
		// E-step (and the log-likelihood at the new parameters).
		var next float64
		next, resp = LogLik(md.std, means, scales, weights)
		if math.IsNaN(next) || math.IsInf(next, 0) {
			return nil, &bbvi.NonFiniteError{Step: it, What: "EM log-likelihood"}
		}
		fit.Trace = append(fit.Trace, next-offset)
		fit.Iterations = it
		done := s.Tol > 0 && math.Abs(next-ll) <= s.Tol*math.Abs(next)
		ll = next
		if done {
			fit.Converged = true
			break
		}
	}
	fit.Means, fit.Scales = md.unstandardize(means, scales)
	fit.Weights = weights
	fit.Resp = resp
	fit.LogLik = ll - offset
	return fit, nil
}

// hardInit turns centres into starting parameters: each row goes to its nearest
// centre; a component's sd is the sd of its rows in each coordinate (1, the
// data's sd, for fewer than two rows; at least minScale) and its weight the
// share of its rows (at least half a row, so that none starts at zero).
func hardInit(x, centres [][]float64, minScale float64) (means, scales [][]float64, weights []float64) {
	k, d := len(centres), len(centres[0])
	cnt := make([]float64, k)
	sum := make([][]float64, k)
	sq := make([][]float64, k)
	for c := range sum {
		sum[c] = make([]float64, d)
		sq[c] = make([]float64, d)
	}
	for _, row := range x {
		best, bd := 0, math.Inf(1)
		for c, ctr := range centres {
			var s float64
			for j, v := range row {
				s += (v - ctr[j]) * (v - ctr[j])
			}
			if s < bd {
				best, bd = c, s
			}
		}
		cnt[best]++
		for j, v := range row {
			sum[best][j] += v
			sq[best][j] += v * v
		}
	}
	means = make([][]float64, k)
	scales = make([][]float64, k)
	weights = make([]float64, k)
	var tot float64
	for c := 0; c < k; c++ {
		means[c] = append([]float64(nil), centres[c]...)
		scales[c] = make([]float64, d)
		for j := 0; j < d; j++ {
			sd := 1.0
			if cnt[c] >= 2 {
				mu := sum[c][j] / cnt[c]
				sd = math.Sqrt(math.Max(sq[c][j]/cnt[c]-mu*mu, 0))
			}
			scales[c][j] = math.Max(sd, minScale)
		}
		weights[c] = math.Max(cnt[c], 0.5)
		tot += weights[c]
	}
	for c := range weights {
		weights[c] /= tot
	}
	return means, scales, weights
}

// String describes the settings with defaults filled in, for reports.
func (s *EMSettings) String() string {
	c, err := s.withDefaults()
	if err != nil {
		return "invalid EM settings"
	}
	return fmt.Sprintf("em(max_iter=%d, tol=%g, min_scale=%g)", c.MaxIter, c.Tol, c.MinScale)
}
