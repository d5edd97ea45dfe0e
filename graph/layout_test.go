package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// quickstartLikelihood is the README's Poisson regression written in the
// package's (draws, rows) layout: coef is (S, 2), x and y are data columns (B).
func quickstartLikelihood(b *Builder, coef, x, y *Node) *Node {
	a, slope := b.Cols(coef, 0, 1), b.Cols(coef, 1, 2)         // (S, 1) each
	eta := b.Add(a, b.Mul(slope, b.PerRow(x)))                 // (S, B)
	return b.Sum(b.PoissonLogRateLogProb(b.PerRow(y), eta), 1) // (S)
}

// groupLikelihood is a varying-intercept normal model in the same layout:
// alpha (S, G) holds each draw's group intercepts, sigma (S, 1) the noise sd.
func groupLikelihood(b *Builder, alpha, sigma *Node, g *Index, y *Node) *Node {
	mu := b.Gather(alpha, g)                                 // (S, B)
	return b.Sum(b.NormalLogProb(b.PerRow(y), mu, sigma), 1) // (S)
}

// A model written in the documented layout gives one value per draw, the
// right one, whatever the batch size, including B = S (where a per-row (S)
// passing as a per-draw (S) would go unnoticed) and B = 1.
func TestLayoutAnyBatchSize(t *testing.T) {
	const S, G = 4, 3
	rng := rand.New(rand.NewPCG(51, 52))
	coef := []float64{0.1, 0.5, -0.3, 0.8, 0.4, -0.2, 0, 1}
	alpha := make([]float64, S*G)
	for i := range alpha {
		alpha[i] = rng.NormFloat64()
	}
	sigma := []float64{0.5, 1, 1.5, 2}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, n := range []int{1, 3, S, 50} {
			xs, ys, gs := make([]float64, n), make([]float64, n), make([]int, n)
			for i := range xs {
				xs[i] = roundTo(dt, rng.NormFloat64())
				ys[i] = float64(rng.IntN(5))
				gs[i] = rng.IntN(G)
			}
			b := NewBuilder(dt)
			x, y := b.Input("x", n), b.Input("y", n)
			g := b.IndexInput("g", n, G)
			pois := quickstartLikelihood(b, b.Constant("coef", coef, S, 2), x, y)
			grp := groupLikelihood(b, b.Constant("alpha", alpha, S, G), b.Constant("sigma", sigma, S, 1), g, y)
			if b.Err() != nil {
				t.Fatalf("%v B = %d: %v", dt, n, b.Err())
			}
			for _, out := range []*Node{pois, grp} {
				if !sameShape(out.Shape(), []int{S}) {
					t.Fatalf("%v B = %d: shape %v, want (%d)", dt, n, out.Shape(), S)
				}
			}
			if err := Set(x, xs); err != nil {
				t.Fatal(err)
			}
			if err := Set(y, ys); err != nil {
				t.Fatal(err)
			}
			if err := g.Set(gs); err != nil {
				t.Fatal(err)
			}
			runGraph(t, b)
			for s := 0; s < S; s++ {
				var wantP, wantG float64
				for i := range xs {
					eta := roundTo(dt, coef[2*s]) + roundTo(dt, coef[2*s+1])*xs[i]
					lg, _ := math.Lgamma(ys[i] + 1)
					wantP += ys[i]*eta - math.Exp(eta) - lg
					mu, sd := roundTo(dt, alpha[s*G+gs[i]]), sigma[s]
					wantG += -0.5*math.Pow((ys[i]-mu)/sd, 2) - math.Log(sd) - 0.5*math.Log(2*math.Pi)
				}
				if got := Values(pois)[s]; !closeRel(got, wantP, 10*dtTol(dt)) {
					t.Errorf("%v B = %d Poisson draw %d: %.10g, want %.10g", dt, n, s, got, wantP)
				}
				if got := Values(grp)[s]; !closeRel(got, wantG, 10*dtTol(dt)) {
					t.Errorf("%v B = %d groups draw %d: %.10g, want %.10g", dt, n, s, got, wantG)
				}
			}
		}
	}
}

func TestPerRowPerDraw(t *testing.T) {
	b := NewBuilder(Float64)
	for _, c := range []struct {
		got  *Node
		want []int
	}{
		{b.PerRow(b.Input("x", 5)), []int{1, 5}},
		{b.PerRow(b.Input("X", 5, 3)), []int{1, 5, 3}},
		{b.PerDraw(b.Input("s", 4)), []int{4, 1}},
		{b.PerDraw(b.Input("w", 4, 3)), []int{4, 1, 3}},
	} {
		if c.got == nil || !sameShape(c.got.Shape(), c.want) {
			t.Errorf("got %v, want shape %v (err %v)", c.got, Shape(c.want), b.Err())
		}
	}
	v := b.Constant("v", []float64{1, 2, 3, 4, 5, 6}, 2, 3)
	pr, pd := b.PerRow(v), b.PerDraw(v)
	runGraph(t, b)
	if fmt.Sprint(Values(pr)) != fmt.Sprint(Values(v)) || fmt.Sprint(Values(pd)) != fmt.Sprint(Values(v)) {
		t.Errorf("values changed: %v, %v", Values(pr), Values(pd))
	}
	for _, f := range []func(b *Builder) *Node{
		func(b *Builder) *Node { return b.PerRow(b.Scalar(1)) },
		func(b *Builder) *Node { return b.PerDraw(b.Scalar(1)) },
	} {
		b := NewBuilder(Float64)
		if f(b) != nil || b.Err() == nil || !strings.Contains(b.Err().Error(), "scalar") {
			t.Errorf("scalar: err %v", b.Err())
		}
	}
}
