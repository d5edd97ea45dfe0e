package models_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
)

// Bayesian linear regression with a learned noise scale, from plain slices.
func ExampleLinearRegression() {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 100
	X := make([]float64, n)
	y := make([]float64, n)
	for i := range X {
		X[i] = rng.NormFloat64()
		y[i] = 1 + 2*X[i] + 0.5*rng.NormFloat64()
	}
	model := &models.LinearRegression{Features: []string{"x"}, Intercept: true}
	data, err := model.Data(X, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	post, err := bbvi.Fit(model, data, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		fmt.Println(err)
		return
	}
	mean, sd := post.Mean(), post.SD()
	for i, name := range post.Names {
		fmt.Printf("%s %.2f ± %.2f\n", name, mean[i], sd[i])
	}
	// Output:
	// intercept 1.05 ± 0.04
	// x 2.08 ± 0.04
	// sigma 0.43 ± 0.03
}

// A mixture of two Gaussians in one dimension, fitted by maximum likelihood
// (EM) and by BBVI with the assignments summed out. SortComponents orders the
// components by their means, so that the two fits can be compared.
