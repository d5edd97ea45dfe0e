package models

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// benchLogistic measures one BBVI step (reparameterized ELBO, Adam) on a logistic
// regression with N = 10,000 rows, D = 20 features and S = 8 draws.
func benchLogistic(b *testing.B, dt graph.Dtype) {
	const n, d = 10000, 20
	rng := rand.New(rand.NewPCG(1, 1))
	beta := make([]float64, d)
	for j := range beta {
		beta[j] = rng.NormFloat64() * 0.5
	}
	X, y := datasets.LogisticData(rng, n, beta, 0.2, 0.3)
	feats := make([]string, d)
	for j := range feats {
		feats[j] = fmt.Sprintf("x%d", j)
	}
	m := &LogisticRegression{Features: feats, Intercept: true}
	data, err := m.Data(X, y)
	if err != nil {
		b.Fatal(err)
	}
	// No ELBO evaluation, no averaging and no convergence test within the b.N
	// steps: only the steps are timed.
	set := &bbvi.Settings{Draws: 8, Dtype: dt, MaxSteps: b.N + 1, EvalEvery: b.N + 1, Tol: -1, AverageSteps: -1}
	v, err := bbvi.NewSVI(m, data, set, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.Step(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStepLogistic64(b *testing.B) { benchLogistic(b, graph.Float64) }
func BenchmarkStepLogistic32(b *testing.B) { benchLogistic(b, graph.Float32) }
