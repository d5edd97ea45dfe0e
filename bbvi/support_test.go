package bbvi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestConstrainedLatents fits conjugate models whose latents live on (0, ∞) and
// (0, 1), through the exp and sigmoid bijectors with their Jacobians, and compares
// the reported (constrained) posterior mean, sd and quantiles with the exact
// Gamma and Beta posteriors. The log-normal / logit-normal family cannot match them
// exactly; with many observations the posteriors are nearly Gaussian in the
// unconstrained space and 3% (mean) and 10% (sd) tolerances hold.
func TestConstrainedLatents(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	// Gamma–Poisson: λ ~ Gamma(2, 1), y_i ~ Poisson(λ): λ | y ~ Gamma(2 + Σy, 1 + n).
	const n = 80
	y := make([]float64, n)
	var sum float64
	for i := range y {
		y[i] = distuv.Poisson{Lambda: 3.5, Src: rng}.Rand()
		sum += y[i]
	}
	gp := FuncModel{
		Vars: []Latent{{Name: "lambda", Support: Positive()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Sum(b.GammaLogProb(z["lambda"], b.Scalar(2), b.Scalar(1)), 1)
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			lam := b.Reshape(z["lambda"], z["lambda"].Shape()[0]) // (S)
			ys := b.Reshape(x["y"], x["y"].Shape()[0], 1)         // (B, 1)
			return b.Sum(b.Sub(b.Mul(ys, b.Log(lam)), lam), 0)    // Σ y log λ - λ (+ const)
		},
	}
	exactG := distuv.Gamma{Alpha: 2 + sum, Beta: 1 + n}
	check(t, "gamma-poisson", gp, Data{{Name: "y", Values: y}}, exactG.Mean(), exactG.StdDev(), exactG.Quantile(0.05), exactG.Quantile(0.95))

	// Beta–Bernoulli: θ ~ Uniform(0, 1) as Interval(0, 1), y_i ~ Bernoulli(θ).
	k := 0.0
	coins := make([]float64, 120)
	for i := range coins {
		if rng.Float64() < 0.3 {
			coins[i] = 1
			k++
		}
	}
	bb := FuncModel{
		Vars: []Latent{{Name: "theta", Support: Interval(0, 1)}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Sum(b.Mul(z["theta"], b.Scalar(0)), 1) // flat on (0, 1)
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			th := b.Reshape(z["theta"], z["theta"].Shape()[0])
			ys := b.Reshape(x["y"], x["y"].Shape()[0], 1)
			ll := b.Add(b.Mul(ys, b.Log(th)), b.Mul(b.Sub(b.Scalar(1), ys), b.Log(b.Sub(b.Scalar(1), th))))
			return b.Sum(ll, 0)
		},
	}
	exactB := distuv.Beta{Alpha: 1 + k, Beta: 1 + float64(len(coins)) - k}
	check(t, "beta-bernoulli", bb, Data{{Name: "y", Values: coins}}, exactB.Mean(), exactB.StdDev(), exactB.Quantile(0.05), exactB.Quantile(0.95))
}

func check(t *testing.T, name string, m Model, data Data, mean, sd, q05, q95 float64) {
	t.Helper()
	post, err := Fit(m, data, nil, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	gm, gs := post.Mean()[0], post.SD()[0]
	lo, hi := post.Quantile(0.05)[0], post.Quantile(0.95)[0]
	t.Logf("%s: mean %.4f (exact %.4f) sd %.4f (%.4f) q05 %.4f (%.4f) q95 %.4f (%.4f)", name, gm, mean, gs, sd, lo, q05, hi, q95)
	if math.Abs(gm/mean-1) > 0.03 {
		t.Errorf("%s: mean %.4f, exact %.4f", name, gm, mean)
	}
	if math.Abs(gs/sd-1) > 0.10 {
		t.Errorf("%s: sd %.4f, exact %.4f", name, gs, sd)
	}
	if math.Abs(lo-q05) > 0.2*sd || math.Abs(hi-q95) > 0.2*sd {
		t.Errorf("%s: 90%% interval (%.4f, %.4f), exact (%.4f, %.4f)", name, lo, hi, q05, q95)
	}
	// Draws are in the support and match the reported mean within 4 standard errors.
	draws := post.Sample(nil, 4000, rand.New(rand.NewPCG(5, 5)))
	var s float64
	for _, v := range draws {
		if !(v > 0) {
			t.Fatalf("%s: draw %g outside the support", name, v)
		}
		s += v
	}
	if dm := s / 4000; math.Abs(dm-gm) > 4*gs/math.Sqrt(4000) {
		t.Errorf("%s: mean of draws %.4f, reported mean %.4f", name, dm, gm)
	}
}
