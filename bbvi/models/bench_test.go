package models

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// benchModel returns a regression model with n rows, d features and an
// intercept, and its data: logistic when logistic is set, else linear with a
// learned noise sd.
func benchModel(tb testing.TB, logistic bool, n, d int) (bbvi.Model, bbvi.Data) {
	rng := rand.New(rand.NewPCG(1, 1))
	beta := make([]float64, d)
	for j := range beta {
		beta[j] = rng.NormFloat64() * 0.5
	}
	feats := make([]string, d)
	for j := range feats {
		feats[j] = fmt.Sprintf("x%d", j)
	}
	var (
		m    bbvi.Model
		data bbvi.Data
		err  error
	)
	if logistic {
		X, y := datasets.LogisticData(rng, n, beta, 0.2, 0.3)
		lm := &LogisticRegression{Features: feats, Intercept: true}
		m = lm
		data, err = lm.Data(X, y)
	} else {
		X, y := datasets.LinearData(rng, n, beta, 0.2, 0.3, 1)
		lm := &LinearRegression{Features: feats, Intercept: true}
		m = lm
		data, err = lm.Data(X, y)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return m, data
}

// benchStep measures one BBVI step (reparameterized ELBO, mean-field, S = 8
// draws, all data every step, Adam) in steady state: the first step (which
// chooses the start and so runs a Laplace fit) is taken before the timer
// starts, and there is no ELBO evaluation, averaging or convergence test
// within the b.N timed steps.
func benchStep(b *testing.B, logistic bool, dt graph.Dtype, n, d int) {
	m, data := benchModel(b, logistic, n, d)
	set := &bbvi.Settings{Draws: 8, Dtype: dt, MaxSteps: b.N + 2, EvalEvery: b.N + 2, Tol: -1, AverageSteps: -1}
	v, err := bbvi.NewSVI(m, data, set, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	if err := v.Step(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.Step(); err != nil {
			b.Fatal(err)
		}
	}
}

// Logistic regression, N = 10,000, D = 20 (+ intercept), S = 8: the step of
// bench/vigorbench bbvi.
func BenchmarkStepLogistic64(b *testing.B) { benchStep(b, true, graph.Float64, 10000, 20) }
func BenchmarkStepLogistic32(b *testing.B) { benchStep(b, true, graph.Float32, 10000, 20) }

// N = 100,000, D = 20, S = 8: the large problem of issue 12.
func BenchmarkStepLogistic64N1e5(b *testing.B) { benchStep(b, true, graph.Float64, 100000, 20) }
func BenchmarkStepLogistic32N1e5(b *testing.B) { benchStep(b, true, graph.Float32, 100000, 20) }

// The 400-row problem with 6 coefficients (5 features + intercept): a tiny
// graph, where the executor's overhead dominates.
func BenchmarkStepLogistic64Small(b *testing.B) { benchStep(b, true, graph.Float64, 400, 5) }

// Linear regression with a learned noise sd, N = 10,000 and 100,000, D = 20.
func BenchmarkStepLinear64(b *testing.B)     { benchStep(b, false, graph.Float64, 10000, 20) }
func BenchmarkStepLinear64N1e5(b *testing.B) { benchStep(b, false, graph.Float64, 100000, 20) }

// BenchmarkFitLogisticSmall measures a whole fit with default settings (the
// Laplace start, the stationarity test, averaging and diagnostics) of the
// 400-row problem.
func BenchmarkFitLogisticSmall(b *testing.B) {
	m, data := benchModel(b, true, 400, 5)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		post, err := bbvi.Fit(m, data, nil, rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(post.Steps), "steps")
	}
}
