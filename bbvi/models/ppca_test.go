package models_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"gonum.org/v1/gonum/mat"
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

// PPCA with the rows' q(z_i) amortized by an affine inference network (exact
// here: the posterior mean is affine in x_i and its covariance constant)
// reaches the same closed-form solution with minibatches, and the network's
// means are the exact posterior means M⁻¹Wᵀ(x_i - μ), M = WᵀW + σ²I, at the
// fitted parameters.
func TestPPCAAmortized(t *testing.T) {
	const n, d, k = 200, 6, 2
	x := ppcaData(n, d, k, 0.5, 1)
	want, err := models.PPCAClosedForm(x, n, d, k)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.NewPPCA(x, n, d, k, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := m.Data(x)
	set := &bbvi.Settings{BatchSize: 40, Draws: 4, MaxSteps: 8000, Tol: -1, AverageSteps: 2000, EvalDraws: 16, Amortize: &bbvi.Amortize{Input: "X"}}
	post, err := bbvi.Fit(m, data, set, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := m.FitOf(post)
	ang, err := models.LargestPrincipalAngle(got.W, want.W, d, k)
	if err != nil {
		t.Fatal(err)
	}
	rel := got.NoiseSD/want.NoiseSD - 1
	t.Logf("amortized: angle %.3f°, noise sd %.4f vs %.4f (%.2f%%)", ang, got.NoiseSD, want.NoiseSD, 100*rel)
	if ang > 2 || math.Abs(rel) > 0.02 {
		t.Errorf("amortized: largest principal angle %.2f°, noise sd %.4f vs ML %.4f", ang, got.NoiseSD, want.NoiseSD)
	}
	// Exact posterior means at the fitted parameters.
	wm := mat.NewDense(d, k, got.W)
	var mm mat.Dense
	mm.Mul(wm.T(), wm)
	s2 := got.NoiseSD * got.NoiseSD
	for j := 0; j < k; j++ {
		mm.Set(j, j, mm.At(j, j)+s2)
	}
	var minv mat.Dense
	if err := minv.Inverse(&mm); err != nil {
		t.Fatal(err)
	}
	var proj mat.Dense
	proj.Mul(&minv, wm.T()) // k×d
	lp := post.Local["z"]
	var worst float64
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			var v float64
			for r := 0; r < d; r++ {
				v += proj.At(a, r) * (x[i*d+r] - got.Mean[r])
			}
			sd := math.Sqrt(s2 * minv.At(a, a))
			worst = math.Max(worst, math.Abs(lp.Mean[i*k+a]-v)/sd)
		}
	}
	t.Logf("largest error of a row's latent mean: %.3f posterior sds", worst)
	if worst > 0.1 {
		t.Errorf("the network's latent means are off by up to %.3f posterior sds", worst)
	}
}
