package bbvi_test

import (
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
)

// history builds a History of a Gaussian q in d dimensions whose iterates are
// white noise of sd jitter around a mean that moves by drift (in marginal sds)
// per 1000 steps, with ELBO evaluations every 100 steps rising by rise per
// 1000 steps, over the given steps.
func history(steps, d int, jitter, drift, rise float64, seed uint64) *bbvi.History {
	rng := rand.New(rand.NewPCG(seed, 1))
	const thin = 5
	h := &bbvi.History{Step: steps, Thin: thin, Dim: d}
	for t := thin; t <= steps; t += thin {
		row := make([]float64, 2*d)
		for j := 0; j < d; j++ {
			row[j] = drift*float64(t)/1000 + jitter*rng.NormFloat64()
			row[d+j] = 0.01 * rng.NormFloat64() // log sd: sd 1
		}
		h.Iterates = append(h.Iterates, row)
	}
	if len(h.Iterates) > 200 {
		h.Iterates = h.Iterates[len(h.Iterates)-200:]
	}
	for t := 100; t <= steps; t += 100 {
		h.Trace = append(h.Trace, bbvi.ELBOPoint{Step: t, ELBO: -50 + rise*float64(t)/1000 + 0.05*rng.NormFloat64(), SE: 0.05})
	}
	return h
}

func TestStationary(t *testing.T) {
	c := bbvi.Stationary{}
	cases := []struct {
		name                string
		steps               int
		jitter, drift, rise float64
		want                bool
	}{
		{"stationary jitter", 3000, 0.3, 0, 0, true},
		{"tiny drift under the noise", 3000, 0.3, 0.05, 0, true},
		{"means still moving", 3000, 0.01, 1, 0, false},
		{"ELBO still rising", 3000, 0.3, 0, 2, false},
		{"window not full yet", 800, 0.3, 0, 0, false},
	}
	for _, tc := range cases {
		got := c.Converged(history(tc.steps, 5, tc.jitter, tc.drift, tc.rise, 3))
		if got != tc.want {
			t.Errorf("%s: Converged = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Stan's rule, for comparison: it only sees the relative ELBO change.
	r := bbvi.RelativeTolerance{Tol: 0.01}
	if !r.Converged(history(3000, 5, 0.01, 1, 0, 4)) {
		t.Error("RelativeTolerance(0.01) should pass a flat ELBO even with moving means (that is its blind spot)")
	}
}
