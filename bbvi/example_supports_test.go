package bbvi_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// A simplex latent: the probabilities of the three outcomes of a categorical
// variable, with a Dirichlet(1, 1, 1) prior. The latent arrives in the graph
// as (S, 3), three positive values summing to 1, fitted through stick
// breaking in two unconstrained coordinates; it is reported the same way.
// The exact posterior is Dirichlet(1 + counts).
func Example_simplex() {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, k = 200, 3
	truth := []float64{0.2, 0.3, 0.5}
	onehot := make([]float64, n*k) // one row per observation, 1 in its outcome's column
	alpha := []float64{1, 1, 1}    // the prior, then the exact posterior
	for i := 0; i < n; i++ {
		u, c := rng.Float64(), 0
		for c < k-1 && u > truth[c] {
			u -= truth[c]
			c++
		}
		onehot[i*k+c] = 1
	}
	model := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "p", Size: k, Support: bbvi.Simplex()}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.DirichletLogProb(z["p"], b.Constant("alpha", []float64{1, 1, 1}, k)) // (S)
		},
		Likelihood: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			// Σ_i log p[y_i] = Σ_i Σ_k y_ik log p_k: (S, K)·(K, B), summed over the rows.
			return b.Sum(b.MatMul(b.Log(z["p"]), b.T(d["y"])), 1)
		},
	}
	data := bbvi.Data{{Name: "y", Cols: k, Values: onehot}}
	post, err := bbvi.Fit(model, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		fmt.Println(err)
		return
	}
	a0 := float64(n + k)
	for i := 0; i < n*k; i++ {
		alpha[i%k] += onehot[i]
	}
	mean, sd := post.Mean(), post.SD()
	var sum float64
	for i, name := range post.Names {
		m := alpha[i] / a0
		fmt.Printf("%s = %.3f ± %.3f (exact %.3f ± %.3f)\n", name, mean[i], sd[i], m, math.Sqrt(m*(1-m)/(a0+1)))
		sum += mean[i]
	}
	fmt.Printf("sum of the means: %.2f\n", sum)
	// Output:
	// p[0] = 0.152 ± 0.026 (exact 0.153 ± 0.025)
	// p[1] = 0.277 ± 0.032 (exact 0.276 ± 0.031)
	// p[2] = 0.571 ± 0.035 (exact 0.571 ± 0.035)
	// sum of the means: 1.00
}

// Correlated varying slopes with an LKJ prior: each of J groups has its own
// intercept and slope, drawn from a bivariate normal whose correlation
// matrix Ω has an LKJ(2) prior, written non-centred:
//
//	(a_j, b_j) = μ + diag(τ) L (za_j, zb_j),   za_j, zb_j ~ N(0, 1),   L Lᵀ = Ω,
//	y_i ~ N(a_g[i] + b_g[i] x_i, σ).
//
// Omega is a CholeskyCorr latent: the model gets L (S, 2, 2) and the report
// gives the correlation matrix itself. The group of each row arrives as a
// one-hot (B, J) array, so the per-row coefficients are matrix products.
func Example_correlatedVaryingSlopes() {
	rng := rand.New(rand.NewPCG(3, 4))
	const groups, per = 20, 8
	mu, tau, rho, sigma := []float64{1, -0.5}, []float64{0.8, 0.5}, -0.7, 0.3
	var x, y, onehot []float64
	for j := 0; j < groups; j++ {
		e1, e2 := rng.NormFloat64(), rng.NormFloat64()
		a := mu[0] + tau[0]*e1
		b := mu[1] + tau[1]*(rho*e1+math.Sqrt(1-rho*rho)*e2)
		for i := 0; i < per; i++ {
			xi := rng.NormFloat64()
			x = append(x, xi)
			y = append(y, a+b*xi+sigma*rng.NormFloat64())
			row := make([]float64, groups)
			row[j] = 1
			onehot = append(onehot, row...)
		}
	}
	model := bbvi.FuncModel{
		Vars: []bbvi.Latent{
			{Name: "mu", Size: 2},
			{Name: "tau", Size: 2, Support: bbvi.Positive()},
			{Name: "Omega", Size: 2, Support: bbvi.CholeskyCorr()},
			{Name: "sigma", Support: bbvi.Positive()},
			{Name: "za", Size: groups},
			{Name: "zb", Size: groups},
		},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			one := b.Scalar(1)
			return b.AddN(
				b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(5)), 1),
				b.Sum(b.HalfNormalLogProb(z["tau"], one), 1),
				b.LKJCholeskyLogProb(z["Omega"], b.Scalar(2)),
				b.Sum(b.HalfNormalLogProb(z["sigma"], one), 1),
				b.Sum(b.NormalLogProb(z["za"], b.Scalar(0), one), 1),
				b.Sum(b.NormalLogProb(z["zb"], b.Scalar(0), one), 1),
			)
		},
		Likelihood: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			s := z["mu"].Shape()[0]
			l := b.Reshape(z["Omega"], s, 4)             // (S, 4): L00, L01, L10, L11
			l10, l11 := b.Cols(l, 2, 3), b.Cols(l, 3, 4) // (S, 1) each; L00 = 1
			mu, tau := z["mu"], z["tau"]
			a := b.Add(b.Cols(mu, 0, 1), b.Mul(b.Cols(tau, 0, 1), z["za"])) // (S, J)
			slope := b.Add(b.Mul(l10, z["za"]), b.Mul(l11, z["zb"]))        // (S, J)
			slope = b.Add(b.Cols(mu, 1, 2), b.Mul(b.Cols(tau, 1, 2), slope))
			g := b.T(d["group"])                                                       // (J, B)
			mean := b.Add(b.MatMul(a, g), b.Mul(b.MatMul(slope, g), b.PerRow(d["x"]))) // (S, B)
			return b.Sum(b.NormalLogProb(b.PerRow(d["y"]), mean, z["sigma"]), 1)
		},
	}
	data := bbvi.Data{{Name: "x", Values: x}, {Name: "y", Values: y}, {Name: "group", Cols: groups, Values: onehot}}
	// A full-rank q keeps the posterior correlations of the non-centred
	// hierarchy; Stan's relative-tolerance rule stops the fit early.
	set := &bbvi.Settings{Family: bbvi.FullRank{}, Tol: 0.01, AverageSteps: 500, DiagnosticDraws: -1}
	post, err := bbvi.Fit(model, data, set, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		fmt.Println(err)
		return
	}
	mean, sd := post.Mean(), post.SD()
	for _, name := range []string{"mu[0]", "mu[1]", "tau[0]", "tau[1]", "Omega[1,0]", "sigma"} {
		i := post.Index(name)
		fmt.Printf("%-10s %5.2f ± %.2f\n", name, mean[i], sd[i])
	}
	fmt.Println("status:", post.Status)
	// Output:
	// mu[0]       1.01 ± 0.13
	// mu[1]      -0.53 ± 0.08
	// tau[0]      1.00 ± 0.09
	// tau[1]      0.50 ± 0.06
	// Omega[1,0] -0.78 ± 0.07
	// sigma       0.30 ± 0.02
	// status: converged
}
