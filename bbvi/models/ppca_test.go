package models_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
)

// ppcaData draws n rows of a D-dimensional PPCA with K latent dimensions.
func ppcaData(n, d, k int, sigma float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := make([]float64, d*k)
	for i := range w {
		w[i] = 2 * rng.NormFloat64()
	}
	x := make([]float64, n*d)
	z := make([]float64, k)
	for i := 0; i < n; i++ {
		for j := range z {
			z[j] = rng.NormFloat64()
		}
		for r := 0; r < d; r++ {
			v := 1 + float64(r) + sigma*rng.NormFloat64()
			for j := 0; j < k; j++ {
				v += w[r*k+j] * z[j]
			}
			x[i*d+r] = v
		}
	}
	return x
}

// PPCA fitted by variational EM with per-row q(z_i), on all rows at every
// step and on minibatches, reaches the closed-form maximum-likelihood
// subspace and noise sd (Tipping & Bishop 1999).
func TestPPCAMatchesClosedForm(t *testing.T) {
	const n, d, k = 200, 6, 2
	x := ppcaData(n, d, k, 0.5, 1)
	want, err := models.PPCAClosedForm(x, n, d, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ batch, steps int }{{0, 3000}, {40, 5000}} {
		batch := c.batch
		m, err := models.NewPPCA(x, n, d, k, rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		data, err := m.Data(x)
		if err != nil {
			t.Fatal(err)
		}
		set := &bbvi.Settings{BatchSize: batch, Draws: 4, MaxSteps: c.steps, Tol: -1, AverageSteps: 1000, EvalDraws: 16}
		post, err := bbvi.Fit(m, data, set, rand.New(rand.NewPCG(3, 3)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.FitOf(post)
		if err != nil {
			t.Fatal(err)
		}
		ang, err := models.LargestPrincipalAngle(got.W, want.W, d, k)
		if err != nil {
			t.Fatal(err)
		}
		rel := got.NoiseSD/want.NoiseSD - 1
		t.Logf("batch %d: angle %.3f°, noise sd %.4f vs %.4f (%.2f%%), %v, %d steps", batch, ang, got.NoiseSD, want.NoiseSD, 100*rel, post.Status, post.Steps)
		if ang > 2 || math.Abs(rel) > 0.02 {
			t.Errorf("batch %d: largest principal angle %.2f° (want < 2°), noise sd %.4f vs ML %.4f", batch, ang, got.NoiseSD, want.NoiseSD)
		}
	}
}
