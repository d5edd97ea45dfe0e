package bbvi_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// gaussTarget is a model without data whose posterior is N(m, diag(s²)).
func gaussTarget(m, s []float64) bbvi.Model {
	return bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "z", Size: len(m)}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["z"], b.Constant("m", m, len(m)), b.Constant("s", s, len(s))), 1)
		},
	}
}

// gradStats returns the mean, the standard error and the variance of reps
// gradient estimates of the estimator est at the mean-field q = N(mu, e^{2 logsd}).
func gradStats(t *testing.T, m bbvi.Model, est string, draws, reps int, mu, logsd []float64) (mean, se, variance []float64) {
	t.Helper()
	e, err := bbvi.EstimatorByName(est)
	if err != nil {
		t.Fatal(err)
	}
	v, err := bbvi.NewSVI(m, nil, &bbvi.Settings{Estimator: e, Draws: draws, Start: "default"}, rand.New(rand.NewPCG(11, 12)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.SetParams(map[string][]float64{"q.mu": mu, "q.logsd": logsd}); err != nil {
		t.Fatal(err)
	}
	d := 2 * len(mu)
	sum, sq := make([]float64, d), make([]float64, d)
	for r := 0; r < reps; r++ {
		g, err := v.Gradient()
		if err != nil {
			t.Fatal(err)
		}
		x := append(append([]float64(nil), g["q.mu"]...), g["q.logsd"]...)
		for j, y := range x {
			sum[j] += y
			sq[j] += y * y
		}
	}
	n := float64(reps)
	mean, se, variance = make([]float64, d), make([]float64, d), make([]float64, d)
	for j := range sum {
		mean[j] = sum[j] / n
		variance[j] = math.Max(sq[j]/n-mean[j]*mean[j], 0) * n / (n - 1)
		se[j] = math.Sqrt(variance[j] / n)
	}
	return mean, se, variance
}

// STL is unbiased for ∇ELBO (closed form for a Gaussian target and a
// mean-field q) and has exactly zero variance at q = p, where the
// closed-form-entropy reparameterization gradient does not.
func TestSTLUnbiasedZeroVarianceAtOptimum(t *testing.T) {
	m, s := []float64{1, -2, 0.5}, []float64{0.5, 2, 1}
	model := gaussTarget(m, s)
	mu, logsd := []float64{0.2, -1, 1.5}, []float64{0.3, 0.1, -0.7}
	// ELBO = Σ_j -((μ-m)² + σ²)/(2s²) + log σ + const:
	// ∂/∂μ = -(μ-m)/s², ∂/∂log σ = 1 - σ²/s².
	want := make([]float64, 6)
	for j := range m {
		sd := math.Exp(logsd[j])
		want[j] = -(mu[j] - m[j]) / (s[j] * s[j])
		want[3+j] = 1 - sd*sd/(s[j]*s[j])
	}
	got, se, _ := gradStats(t, model, "stl", 4, 4000, mu, logsd)
	for j := range want {
		if z := (got[j] - want[j]) / se[j]; math.Abs(z) > 4 {
			t.Errorf("stl gradient[%d] = %.4f ± %.4f, exact %.4f", j, got[j], se[j], want[j])
		}
	}
	logS := make([]float64, 3)
	for j := range s {
		logS[j] = math.Log(s[j])
	}
	_, _, vs := gradStats(t, model, "stl", 4, 200, m, logS)
	_, _, vr := gradStats(t, model, "reparam", 4, 200, m, logS)
	for j := range vs {
		if vs[j] > 1e-20 || !(vr[j] > 1e-3) {
			t.Errorf("at q = p, component %d: stl variance %g (want 0), reparam %g (want > 0)", j, vs[j], vr[j])
		}
	}
}

// DReG and IWAE estimate the same gradient of the importance-weighted bound:
// their means agree within the Monte Carlo error, far from the posterior as
// near it. Near the posterior DReG's variance for q's parameters is far
// lower (it vanishes at q = p, where every weight is equal; Tucker et al.
// 2018), though far from it, with a q much narrower than p, it need not be.
func TestDReGUnbiasedLowerVariance(t *testing.T) {
	m, s := []float64{1, -2}, []float64{0.5, 2}
	model := gaussTarget(m, s)
	const k = 16
	for _, c := range []struct {
		name      string
		mu, logsd []float64
		near      bool
	}{
		{"far", []float64{0.3, -0.5}, []float64{-1, 1.2}, false},
		{"near", []float64{0.8, -1.5}, []float64{-0.5, 0.9}, true},
	} {
		gi, sei, vi := gradStats(t, model, "iwae", k, 4000, c.mu, c.logsd)
		gd, sed, vd := gradStats(t, model, "dreg", k, 4000, c.mu, c.logsd)
		for j := range gi {
			if z := (gd[j] - gi[j]) / math.Hypot(sei[j], sed[j]); math.Abs(z) > 4 {
				t.Errorf("%s, component %d: dreg %.4f ± %.4f, iwae %.4f ± %.4f", c.name, j, gd[j], sed[j], gi[j], sei[j])
			}
			t.Logf("%s, component %d: mean %.4f ± %.4f (iwae) %.4f ± %.4f (dreg), variance %.4g (iwae) %.4g (dreg)", c.name, j, gi[j], sei[j], gd[j], sed[j], vi[j], vd[j])
			if c.near && !(vd[j] < vi[j]/10) {
				t.Errorf("near q, component %d: dreg variance %.4g is not a tenth of iwae's %.4g", j, vd[j], vi[j])
			}
		}
	}
	logS := []float64{math.Log(s[0]), math.Log(s[1])}
	_, _, v0 := gradStats(t, model, "dreg", k, 100, m, logS)
	for j, v := range v0 {
		if v > 1e-20 {
			t.Errorf("at q = p, dreg variance of component %d is %g (want 0)", j, v)
		}
	}
}

// The IW estimators refuse minibatches.
func TestIWAERefusesMinibatches(t *testing.T) {
	m, data := normalMean(50, 2, false)
	for _, name := range []string{"iwae", "dreg"} {
		e, _ := bbvi.EstimatorByName(name)
		if _, err := bbvi.NewSVI(m, data, &bbvi.Settings{Estimator: e, BatchSize: 10}, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%s accepted a minibatch", name)
		}
	}
}

// With DReG, q's parameters follow the DReG surrogate and the model's own
// parameters θ the gradient of the bound itself: θ is still learned. For
// y_i ~ N(μ, e^{2s}), μ ~ N(0, 10²) and a full-rank q, which can be exact,
// the IW bound's maximum in s is the maximum marginal likelihood estimate
// ŝ = log √(Σ(y-ȳ)²/(n-1)) up to the prior's O(1/(n·100)) pull.
func TestDReGLearnsTheta(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 60
	y := make([]float64, n)
	var sy float64
	for i := range y {
		y[i] = 2 + 0.6*rng.NormFloat64()
		sy += y[i]
	}
	var ss float64
	for _, v := range y {
		ss += (v - sy/n) * (v - sy/n)
	}
	want := 0.5 * math.Log(ss/(n-1))
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "mu", Size: 1}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(10)), 1)
		},
		Points: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			s := b.Param("s", nil, 1)
			return b.NormalLogProb(b.Reshape(d["y"], 1, n), z["mu"], b.Exp(s))
		},
	}
	e, _ := bbvi.EstimatorByName("dreg")
	post, err := bbvi.Fit(m, bbvi.Data{{Name: "y", Values: y}}, &bbvi.Settings{Estimator: e, Draws: 8, MaxSteps: 4000, DiagnosticDraws: -1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	got := post.Params["s"]
	t.Logf("s: %v, maximum marginal likelihood %.4f", got, want)
	if len(got) != 1 || math.Abs(got[0]-want) > 0.02 {
		t.Errorf("learned s = %v, want %.4f", got, want)
	}
}
