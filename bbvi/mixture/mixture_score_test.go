package mixture

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
)

// scoreClusters draws n points in 2-D from three well-separated clusters and
// returns them with the true means, sorted by the first coordinate.
func scoreClusters(seed uint64, n int) (x [][]float64, means [][]float64) {
	means = [][]float64{{-4, 0}, {0, 3}, {4, -1}}
	flat, _ := datasets.GaussianMixtureData(rand.New(rand.NewPCG(seed, 7)), n,
		[]float64{-4, 0, 0, 3, 4, -1}, []float64{0.5, 0.6, 0.4}, []float64{0.3, 0.4, 0.3})
	x = make([][]float64, n)
	for i := range x {
		x[i] = flat[2*i : 2*i+2]
	}
	return x, means
}

func maxAbsDiff(a, b [][]float64) float64 {
	var d float64
	for i := range a {
		for j := range a[i] {
			d = math.Max(d, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return d
}

// TestFitScoreRecovers fits well-separated clusters with discrete assignments
// and score-function gradients: the means are within 0.1 of the truth and of
// EM's, and the weights and sds agree with EM's.
func TestFitScoreRecovers(t *testing.T) {
	x, truth := scoreClusters(1, 600)
	m := GaussianMixture{K: 3}
	f, err := m.FitScore(x, nil, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	f.SortComponents()
	t.Logf("steps %d, converged %v, ELBO %.2f, log-lik %.2f", f.Iterations, f.Converged, f.Trace[len(f.Trace)-1], f.LogLik)
	if f.Method != "bbvi" || f.Posterior == nil || f.K != 3 || f.D != 2 {
		t.Errorf("method %q, posterior %v, K %d, D %d", f.Method, f.Posterior != nil, f.K, f.D)
	}
	if d := maxAbsDiff(f.Means, truth); d > 0.1 {
		t.Errorf("means %v, truth %v (max difference %.3f)", f.Means, truth, d)
	}
	em, err := m.FitEM(x, nil, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	em.SortComponents()
	if d := maxAbsDiff(f.Means, em.Means); d > 0.1 {
		t.Errorf("means %v, EM %v (max difference %.3f)", f.Means, em.Means, d)
	}
	if d := maxAbsDiff(f.Scales, em.Scales); d > 0.1 {
		t.Errorf("sds %v, EM %v", f.Scales, em.Scales)
	}
	for k := range f.Weights {
		if math.Abs(f.Weights[k]-em.Weights[k]) > 0.05 {
			t.Errorf("weights %v, EM %v", f.Weights, em.Weights)
			break
		}
	}
	// The ELBO bounds the evidence, which is below the maximized likelihood
	// plus the log prior density there.
	if elbo := f.Trace[len(f.Trace)-1]; !(elbo < em.LogLik) {
		t.Errorf("ELBO %.2f above EM's log-likelihood %.2f", elbo, em.LogLik)
	}
}

// TestFitScoreSmall covers K = 1, determinism, and the errors.
func TestFitScoreSmall(t *testing.T) {
	x, _ := scoreClusters(3, 90)
	set := &bbvi.Settings{MaxSteps: 300, AverageSteps: 100}
	f1, err := GaussianMixture{K: 1}.FitScore(x, set, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f1.Weights, []float64{1}) || len(f1.Means) != 1 {
		t.Errorf("K=1: weights %v, %d means", f1.Weights, len(f1.Means))
	}
	run := func() *Result {
		f, err := GaussianMixture{K: 3}.FitScore(x, set, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := run(), run()
	if !slices.Equal(a.Trace, b.Trace) || maxAbsDiff(a.Means, b.Means) != 0 {
		t.Error("two fits with the same seed differ")
	}
	if _, err := (GaussianMixture{K: 3}).FitScore(x, &bbvi.Settings{BatchSize: 10}, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInput) {
		t.Errorf("minibatch: error %v", err)
	}
	if _, err := (GaussianMixture{K: 0}).FitScore(x, nil, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInput) {
		t.Errorf("K=0: error %v", err)
	}
	if _, err := (GaussianMixture{K: 2}).FitScore(x, nil, nil); err == nil {
		t.Error("nil rng accepted")
	}
}

// TestFitScoreFromUniform starts every q(z_i) uniform instead of at the
// initial responsibilities, so the assignments must be learned by the
// score-function gradients: the means are still recovered (to 0.3 on 150
// points; the start's E-step is only a speed-up).
func TestFitScoreFromUniform(t *testing.T) {
	x, truth := scoreClusters(3, 150)
	opt, _ := bbvi.NewOptimizer("adam", 0.05)
	set := &bbvi.Settings{Optimizer: opt, MaxSteps: 2000, InitLogits: map[string][]float64{mixAssign: make([]float64, 3*len(x))}}
	f, err := GaussianMixture{K: 3}.FitScore(x, set, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	f.SortComponents()
	if d := maxAbsDiff(f.Means, truth); d > 0.3 {
		t.Errorf("means %v, truth %v (max difference %.3f)", f.Means, truth, d)
	}
}
