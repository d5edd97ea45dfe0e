package bbvi_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/optimize"
)

// A model parameter θ declared with b.Param is learned jointly with q: with
// y_i ~ N(μ, e^{2s}), μ ~ N(0, 10²) and s a parameter, full-rank q is exact
// for μ given s, so the ELBO is log p(y; s) at its optimum and the fitted s is
// the maximum marginal likelihood estimate.
func TestModelParamsLearned(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 80
	y := make([]float64, n)
	for i := range y {
		y[i] = 2 + 0.6*rng.NormFloat64()
	}
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "mu", Size: 1}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(10)), 1)
		},
		Points: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			s := b.Param("s", nil, 1) // log noise sd, starts at 0
			return b.NormalLogProb(b.Reshape(d["y"], 1, d["y"].Shape()[0]), z["mu"], b.Exp(s))
		},
	}
	post, err := bbvi.Fit(m, bbvi.Data{{Name: "y", Values: y}}, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// log p(y; s): y ~ N(0, e^{2s} I + 100 11ᵀ).
	var sy, syy float64
	for _, v := range y {
		sy += v
		syy += v * v
	}
	logml := func(s float64) float64 {
		v := math.Exp(2 * s)
		// (σ²I + τ²11ᵀ)⁻¹ = (I - τ²/(σ²+nτ²) 11ᵀ)/σ²; det = σ^{2(n-1)} (σ² + nτ²)
		q := (syy - 100/(v+n*100)*sy*sy) / v
		return -0.5*q - 0.5*(float64(n-1)*math.Log(v)+math.Log(v+n*100)) - n/2*math.Log(2*math.Pi)
	}
	res, err := optimize.Minimize(optimize.Problem{Func: func(x []float64) float64 { return -logml(x[0]) }}, []float64{0}, nil, &optimize.NelderMead{})
	if err != nil {
		t.Fatal(err)
	}
	want := res.X[0]
	got := post.Params["s"]
	t.Logf("s: fitted %.4f, maximum marginal likelihood %.4f; %v", got, want, post.Status)
	if len(got) != 1 || math.Abs(got[0]-want) > 0.02 {
		t.Errorf("learned s = %v, maximum marginal likelihood %.4f", got, want)
	}
	if d := post.Diagnostics; d == nil || math.Abs(d.ELBO-logml(want)) > 0.02+4*d.ELBOSE {
		t.Errorf("ELBO at the fit %v, log p(y; ŝ) %.4f", d, logml(want))
	}

	// A parameter that the log density does not use cannot be learned: an error.
	bad := m
	bad.Prior = func(b *graph.Builder, z bbvi.Vars) *graph.Node {
		b.Param("unused", nil, 2)
		return b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(10)), 1)
	}
	if _, err := bbvi.Fit(bad, bbvi.Data{{Name: "y", Values: y}}, nil, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "b.Param") {
		t.Errorf("an unused parameter: %v", err)
	}
}
