package mixture_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi/mixture"
)

func ExampleGaussianMixture() {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([][]float64, 400)
	for i := range x {
		if i%4 == 0 {
			x[i] = []float64{-2 + 0.5*rng.NormFloat64()} // a quarter of the points
		} else {
			x[i] = []float64{3 + rng.NormFloat64()}
		}
	}
	m := mixture.GaussianMixture{K: 2}
	em, err := m.FitEM(x, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		fmt.Println(err)
		return
	}
	vi, err := m.FitMarginal(x, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range []*mixture.Result{em, vi} {
		f.SortComponents()
		fmt.Printf("%-13s means %4.1f %4.1f   sds %.1f %.1f   weights %.2f %.2f\n", f.Method,
			f.Means[0][0], f.Means[1][0], f.Scales[0][0], f.Scales[1][0], f.Weights[0], f.Weights[1])
	}
	// Output:
	// em            means -1.9  3.0   sds 0.4 1.1   weights 0.25 0.75
	// bbvi-marginal means -1.9  3.0   sds 0.4 1.1   weights 0.25 0.75
}

// The score-function estimator needs only log p and log q at the draws, not the
// model's gradient: here it fits a normal mean through the ordinary fit loop,
// with the optimal control variate, and agrees with the exact posterior.
