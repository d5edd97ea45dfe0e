package models_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
)

// Probabilistic PCA by variational EM with minibatches: each row's latent
// z_i has its own q(z_i), updated only when the row is in the batch, and the
// loadings, mean and noise sd are learned. The fit lands on the closed-form
// maximum-likelihood subspace.
func ExamplePPCA() {
	const n, d, k = 200, 5, 2
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, n*d)
	for i := 0; i < n; i++ {
		z1, z2 := rng.NormFloat64(), rng.NormFloat64()
		for r := 0; r < d; r++ {
			x[i*d+r] = float64(r)*z1 + float64(d-r)*z2 + 0.3*rng.NormFloat64()
		}
	}
	model, err := models.NewPPCA(x, n, d, k, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := model.Data(x)
	set := &bbvi.Settings{BatchSize: 50, Draws: 4, MaxSteps: 4000, Tol: -1, EvalDraws: 16}
	post, err := bbvi.Fit(model, data, set, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fit, _ := model.FitOf(post)
	exact, _ := models.PPCAClosedForm(x, n, d, k)
	angle, _ := models.LargestPrincipalAngle(fit.W, exact.W, d, k)
	fmt.Printf("largest principal angle to the ML subspace under 1°: %v\n", angle < 1)
	fmt.Printf("noise sd %.2f (maximum likelihood %.2f)\n", fit.NoiseSD, exact.NoiseSD)
	fmt.Printf("row 0's latent mean has %d components\n", post.Local["z"].Size)
	// Output:
	// largest principal angle to the ML subspace under 1°: true
	// noise sd 0.31 (maximum likelihood 0.30)
	// row 0's latent mean has 2 components
}
