package bbvi_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// A Poisson regression written as a graph in a few lines: counts y_i with
// log-rate a + b·x_i and Normal(0, 1) priors on a and b.
func Example_poissonRegression() {
	// Simulated data: the true intercept is 0.5 and the true slope 0.8.
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		y[i] = poisson(rng, math.Exp(0.5+0.8*x[i]))
	}

	model := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "coef", Size: 2, Labels: []string{"a", "b"}}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["coef"], b.Scalar(0), b.Scalar(1)), 1) // (S)
		},
		Likelihood: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			coef := z["coef"]                                                          // (S, 2)
			xs := b.Reshape(d["x"], n, 1)                                              // (B, 1)
			ys := b.Reshape(d["y"], n, 1)                                              // (B, 1)
			eta := b.Add(b.Col(coef, 0), b.Mul(xs, b.Col(coef, 1)))                    // (B, S)
			logp := b.Sub(b.Sub(b.Mul(ys, eta), b.Exp(eta)), b.Lgamma(b.Shift(ys, 1))) // log Poisson(y | e^eta)
			return b.Sum(logp, 0)                                                      // (S)
		},
	}
	data := bbvi.Data{{Name: "x", Values: x}, {Name: "y", Values: y}}

	post, err := bbvi.Fit(model, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		fmt.Println(err)
		return
	}
	mean, sd := post.Mean(), post.SD()
	for i, name := range post.Names {
		fmt.Printf("%s = %.1f ± %.2f\n", name, mean[i], sd[i])
	}
	fmt.Println("converged:", post.Converged)
	// Output:
	// a = 0.4 ± 0.06
	// b = 0.9 ± 0.05
	// converged: true
}

// poisson draws from Poisson(lambda) by inversion (small lambda).
func poisson(rng *rand.Rand, lambda float64) float64 {
	u := rng.Float64()
	k, p := 0.0, math.Exp(-lambda)
	cdf := p
	for u > cdf {
		k++
		p *= lambda / k
		cdf += p
	}
	return k
}

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
	model := &bbvi.LinearRegression{Features: []string{"x"}, Intercept: true}
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
	for i, m := range post.Mean() {
		fmt.Printf("%s %.1f\n", post.Names[i], m)
	}
	// Output:
	// intercept 1.0
	// x 2.1
	// sigma 0.4
}
