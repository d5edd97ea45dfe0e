package bbvi_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// The weight rises linearly from Start to 1 over Steps steps.
func TestAnnealWeight(t *testing.T) {
	a := &bbvi.Anneal{Kind: bbvi.KLWarmup, Steps: 100, Start: 0.2}
	for _, c := range []struct {
		t int
		w float64
	}{{1, 0.2}, {51, 0.6}, {101, 1}, {5000, 1}} {
		if got := a.Weight(c.t); math.Abs(got-c.w) > 1e-12 {
			t.Errorf("Weight(%d) = %v, want %v", c.t, got, c.w)
		}
	}
	if w := (*bbvi.Anneal)(nil).Weight(1); w != 1 {
		t.Errorf("nil schedule: weight %v", w)
	}
}

// The gradient under a schedule is that of the weighted objective, in closed
// form for y_i ~ N(μ, 1), μ ~ N(0, 10²) and q = N(m, s²):
//
//	E log p(y|μ) = -½ Σ ((y_i - m)² + s²) + c,   E log p(μ) = -(m² + s²)/200 + c,   H = log s + c,
//
// tempering weighs the first, KL warm-up the other two, by the weight of the
// first step. The reported ELBO stays the plain one.
func TestAnnealGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 20
	y := make([]float64, n)
	var sy float64
	for i := range y {
		y[i] = 1 + rng.NormFloat64()
		sy += y[i]
	}
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "mu"}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(10)), 1)
		},
		Points: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			return b.NormalLogProb(b.Reshape(d["y"], 1, n), z["mu"], b.Scalar(1))
		},
	}
	data := bbvi.Data{{Name: "y", Values: y}}
	mu, logsd := 0.4, -0.3
	s2 := math.Exp(2 * logsd)
	const w = 0.25
	for _, c := range []struct {
		kind   bbvi.AnnealKind
		gm, gs float64
	}{
		{bbvi.Tempering, w*(sy-n*mu) - mu/100, -w*n*s2 - s2/100 + 1},
		{bbvi.KLWarmup, (sy - n*mu) - w*mu/100, -n*s2 + w*(1-s2/100)},
	} {
		set := &bbvi.Settings{Anneal: &bbvi.Anneal{Kind: c.kind, Steps: 1000, Start: w}, Start: "default"}
		v, err := bbvi.NewSVI(m, data, set, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.SetParams(map[string][]float64{"q.mu": {mu}, "q.logsd": {logsd}}); err != nil {
			t.Fatal(err)
		}
		const reps = 2000
		var sm, ss, qm, qs float64
		for r := 0; r < reps; r++ {
			g, err := v.Gradient()
			if err != nil {
				t.Fatal(err)
			}
			sm += g["q.mu"][0]
			qm += g["q.mu"][0] * g["q.mu"][0]
			ss += g["q.logsd"][0]
			qs += g["q.logsd"][0] * g["q.logsd"][0]
		}
		mm, ms := sm/reps, ss/reps
		sem := math.Sqrt((qm/reps - mm*mm) / reps)
		ses := math.Sqrt(math.Max(qs/reps-ms*ms, 0) / reps)
		t.Logf("%v: ∂m %.4f ± %.4f (exact %.4f), ∂log s %.4f ± %.4f (exact %.4f)", c.kind, mm, sem, c.gm, ms, ses, c.gs)
		if math.Abs(mm-c.gm) > 4*sem+1e-9 || math.Abs(ms-c.gs) > 4*ses+1e-9 {
			t.Errorf("%v: gradient (%.4f, %.4f), exact (%.4f, %.4f)", c.kind, mm, ms, c.gm, c.gs)
		}
		v.Close()
	}
	// A schedule needs a pathwise ELBO estimator and sensible settings.
	e, _ := bbvi.EstimatorByName("score")
	for _, set := range []*bbvi.Settings{
		{Anneal: &bbvi.Anneal{Kind: bbvi.Tempering, Steps: 10}, Estimator: e},
		{Anneal: &bbvi.Anneal{Kind: bbvi.Tempering, Steps: 0}},
		{Anneal: &bbvi.Anneal{Kind: bbvi.KLWarmup, Steps: 10, Start: 1}},
		{Anneal: &bbvi.Anneal{Steps: 10}},
	} {
		if _, err := bbvi.NewSVI(m, data, set, rand.New(rand.NewPCG(1, 2))); err == nil {
			t.Errorf("accepted %+v", set.Anneal)
		}
	}
}

// A fit with a schedule still ends at the posterior: the converger waits for
// the end of the ramp.
func TestAnnealFit(t *testing.T) {
	m, data := normalMean(50, 2, false)
	plain, err := bbvi.Fit(m, data, &bbvi.Settings{Start: "default"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Start: "default", Anneal: &bbvi.Anneal{Kind: bbvi.KLWarmup, Steps: 2000}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if post.Steps <= 2000 {
		t.Errorf("the fit ended at step %d, inside the ramp", post.Steps)
	}
	for j, x := range post.Mean() {
		if d := math.Abs(x - plain.Mean()[j]); d > 0.1*plain.SD()[j] {
			t.Errorf("mean[%d] %.4f with warm-up, %.4f without", j, x, plain.Mean()[j])
		}
	}
}
