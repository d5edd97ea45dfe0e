package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// The N/B scaling makes the minibatch gradient unbiased: averaged over every
// batch of B rows, it equals the full-data gradient.
func TestMinibatchGradientUnbiased(t *testing.T) {
	const n, B, S = 8, 3, 4
	rng := rand.New(rand.NewPCG(3, 4))
	X := make([]float64, n*2)
	y := make([]float64, n)
	for i := range X {
		X[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	model := &LinearRegression{Features: []string{"a", "b"}, Intercept: true}
	eps := make([]float64, S*4)
	for i := range eps {
		eps[i] = rng.NormFloat64()
	}
	gradFor := func(bsz int, rows []int) []float64 {
		b := graph.NewBuilder(graph.Float64)
		approx, _ := bbvi.MeanField{}.Build(b, bbvi.Block{Size: 4, Init: []float64{0.1, -0.2, 0.3, 0.4}})
		noise := b.Input("eps", S, 4)
		xin := b.Input("X", bsz, 2)
		yin := b.Input("y", bsz)
		p := &bbvi.Problem{B: b, Model: model, Latents: model.Latents(), Approx: approx, Noise: noise,
			Data: bbvi.Vars{"X": xin, "y": yin}, Scale: float64(n) / float64(bsz)}
		loss, _ := bbvi.Reparam{}.Objective(p)
		grads := b.Grad(loss, approx.Params()...)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		var xs, ys []float64
		for _, r := range rows {
			xs = append(xs, X[2*r:2*r+2]...)
			ys = append(ys, y[r])
		}
		_ = graph.Set(noise, eps)
		_ = graph.Set(xin, xs)
		_ = graph.Set(yin, ys)
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		return append(graph.Values(grads[0]), graph.Values(grads[1])...)
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	full := gradFor(n, all)
	avg := make([]float64, len(full))
	count := 0
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			for c := b + 1; c < n; c++ {
				g := gradFor(B, []int{a, b, c})
				for i := range avg {
					avg[i] += g[i]
				}
				count++
			}
		}
	}
	for i := range avg {
		avg[i] /= float64(count)
		if math.Abs(avg[i]-full[i]) > 1e-9*(1+math.Abs(full[i])) {
			t.Errorf("component %d: mean minibatch gradient %g, full-data gradient %g", i, avg[i], full[i])
		}
	}
}
