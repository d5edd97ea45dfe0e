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
			coef := z["coef"]                                               // (S, 2): draws × coefficients
			a, slope := b.Cols(coef, 0, 1), b.Cols(coef, 1, 2)              // (S, 1) each
			eta := b.Add(a, b.Mul(slope, b.PerRow(d["x"])))                 // (S, B): draws × rows
			return b.Sum(b.PoissonLogRateLogProb(b.PerRow(d["y"]), eta), 1) // (S)
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
	fmt.Println("status:", post.Status)
	// Output:
	// a = 0.4 ± 0.06
	// b = 0.9 ± 0.05
	// status: converged
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

func ExampleScoreFunction() {
	rng := rand.New(rand.NewPCG(1, 1))
	y := make([]float64, 50)
	for i := range y {
		y[i] = 2 + rng.NormFloat64()
	}
	model := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "mu"}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(10)), 1)
		},
		Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
			mu := b.Reshape(z["mu"], 1, z["mu"].Shape()[0]) // (1, S)
			yy := b.Reshape(x["y"], len(y), 1)              // (B, 1)
			return b.Sum(b.NormalLogProb(yy, mu, b.Scalar(1)), 0)
		},
	}
	set := &bbvi.Settings{Estimator: bbvi.ScoreFunction{Control: bbvi.Optimal{}}, Draws: 16}
	post, err := bbvi.Fit(model, bbvi.Data{{Name: "y", Values: y}}, set, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	var sum float64
	for _, v := range y {
		sum += v
	}
	prec := 1.0/100 + float64(len(y))
	fmt.Printf("%s: mu = %.2f ± %.2f\n", post.Estimator, post.Mean()[0], post.SD()[0])
	fmt.Printf("exact: mu = %.2f ± %.2f\n", sum/prec, 1/math.Sqrt(prec))
	// Output:
	// score-optimal: mu = 1.95 ± 0.14
	// exact: mu = 1.95 ± 0.14
}

// Discrete latents: which points are outliers? Each x_i is N(β, 1), or, with
// prior probability 0.1, shifted by 4. The indicators z_i are local binary
// latents, fitted with Rao-Blackwellized score-function gradients (each z_i's
// learning signal is its own row's term) while β gets pathwise gradients.
func ExampleFitMixed() {
	x := []float64{0.8, 1.3, 5.2, 0.4, 1.1, 1.9, 5.6, 0.7, 1.2, 0.2}
	model := bbvi.FuncModel{
		Vars: []bbvi.Latent{
			{Name: "beta"},
			{Name: "outlier", Support: bbvi.Binary(), Local: true},
		},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["beta"], b.Scalar(0), b.Scalar(10)), 1)
		},
		// One term per row: log p(z_i) + log p(x_i | β, z_i), shape (S, N).
		Points: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			o := z["outlier"]                      // (S, N) of 0s and 1s
			loc := b.Add(z["beta"], b.Scale(o, 4)) // (S, 1) + (S, N)
			xs := b.Reshape(d["x"], 1, len(x))     // (1, N)
			prior := b.Shift(b.Scale(o, math.Log(0.1/0.9)), math.Log(0.9))
			return b.Add(prior, b.NormalLogProb(xs, loc, b.Scalar(1)))
		},
	}
	post, err := bbvi.FitMixed(model, bbvi.Data{{Name: "x", Values: x}}, &bbvi.Settings{MaxSteps: 3000}, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: beta = %.1f ± %.1f\n", post.Estimator, post.Continuous.Mean()[0], post.Continuous.SD()[0])
	for i, p := range post.Probs["outlier"] {
		if p > 0.5 {
			fmt.Printf("row %d (x = %.1f) is an outlier with probability %.2f\n", i, x[i], p)
		}
	}
	// Output:
	// mixed-rb-loo: beta = 1.0 ± 0.3
	// row 2 (x = 5.2) is an outlier with probability 1.00
	// row 6 (x = 5.6) is an outlier with probability 1.00
}
