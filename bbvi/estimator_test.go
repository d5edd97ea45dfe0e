package bbvi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/mat"
)

// gaussTarget is p(z) = N(m0, P⁻¹) in d dimensions, written as a graph.
type gaussTarget struct {
	m0 []float64
	p  []float64 // precision, d×d
}

func (g gaussTarget) model() Model {
	d := len(g.m0)
	return FuncModel{
		Vars: []Latent{{Name: "z", Size: d}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			diff := b.Sub(z["z"], b.Constant("m0", g.m0, d))
			quad := b.Sum(b.Mul(diff, b.MatMul(diff, b.Constant("P", g.p, d, d))), 1)
			return b.Scale(quad, -0.5) // constants dropped: they do not change gradients
		},
	}
}

// elbo64 is the closed-form ELBO (up to the dropped constant) of q = N(mu, LLᵀ)
// against the target, with L built from the full-rank raw parameters.
func (g gaussTarget) elbo64(mu, raw []float64) float64 {
	d := len(mu)
	l := mat.NewDense(d, d, nil)
	var logdet float64
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			l.Set(i, j, raw[i*d+j])
		}
		l.Set(i, i, math.Exp(raw[i*d+i]))
		logdet += raw[i*d+i]
	}
	var s mat.Dense
	s.Mul(l, l.T())
	p := mat.NewDense(d, d, g.p)
	var ps mat.Dense
	ps.Mul(p, &s)
	tr := mat.Trace(&ps)
	diff := make([]float64, d)
	for i := range diff {
		diff[i] = mu[i] - g.m0[i]
	}
	q := mat.Inner(mat.NewVecDense(d, diff), p, mat.NewVecDense(d, diff))
	return -0.5*(tr+q) + logdet + float64(d)*(0.5+halfLog2Pi)
}

// TestReparamGradientFullRank compares the reparameterized ELBO gradient, for
// every variational parameter including the Cholesky factor, with central finite
// differences of the closed-form ELBO. The tolerance is four Monte Carlo standard
// errors, estimated from independent replicate gradients.
func TestReparamGradientFullRank(t *testing.T) {
	for _, mc := range []bool{false, true} {
		const d, S, reps = 3, 500, 40
		g := gaussTarget{m0: []float64{0.5, -1, 2}, p: []float64{2, 0.6, 0.2, 0.6, 1.5, -0.4, 0.2, -0.4, 1}}
		b := graph.NewBuilder(graph.Float64)
		approx, err := FullRank{}.Build(b, Block{Size: d})
		if err != nil {
			t.Fatal(err)
		}
		params := approx.Params()
		mu0 := []float64{0.2, -0.3, 1.1}
		raw0 := []float64{-0.3, 0, 0, 0.4, 0.2, 0, -0.5, 0.3, -0.1}
		if err := graph.Set(params[0], mu0); err != nil {
			t.Fatal(err)
		}
		if err := graph.Set(params[1], raw0); err != nil {
			t.Fatal(err)
		}
		noise := b.Input("eps", S, d)
		p := &Problem{B: b, Model: g.model(), Latents: g.model().Latents(), Approx: approx, Noise: noise, Scale: 1}
		loss, _ := Reparam{MCEntropy: mc}.Objective(p)
		grads := b.Grad(loss, params...)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, 12))
		nParams := d + d*d
		sum := make([]float64, nParams)
		sumsq := make([]float64, nParams)
		eps := make([]float64, S*d)
		for r := 0; r < reps; r++ {
			for i := range eps {
				eps[i] = rng.NormFloat64()
			}
			if err := graph.Set(noise, eps); err != nil {
				t.Fatal(err)
			}
			if err := m.Run(); err != nil {
				t.Fatal(err)
			}
			gv := append(graph.Values(grads[0]), graph.Values(grads[1])...)
			for i, v := range gv {
				sum[i] += -v // gradient of the ELBO
				sumsq[i] += v * v
			}
		}
		const h = 1e-6
		x := append(append([]float64{}, mu0...), raw0...)
		f := func(x []float64) float64 { return g.elbo64(x[:d], x[d:]) }
		for i := range x {
			// Entries above the diagonal are not parameters of L.
			if i >= d {
				r, c := (i-d)/d, (i-d)%d
				if c > r {
					if sum[i] != 0 {
						t.Errorf("gradient of unused upper entry (%d,%d) = %g", r, c, sum[i]/reps)
					}
					continue
				}
			}
			xp := append([]float64{}, x...)
			xm := append([]float64{}, x...)
			xp[i] += h
			xm[i] -= h
			want := (f(xp) - f(xm)) / (2 * h)
			mean := sum[i] / reps
			sd := math.Sqrt(math.Max(sumsq[i]/reps-mean*mean, 0))
			se := sd / math.Sqrt(reps)
			if math.Abs(mean-want) > 4*se+1e-6 {
				t.Errorf("mcEntropy=%v param %d: gradient %.5f ± %.5f, finite difference %.5f", mc, i, mean, se, want)
			}
		}
		m.Close()
	}
}

// TestMinibatchGradientUnbiased checks that the N/B-scaled minibatch gradient,
// averaged over every batch of size B, equals the full-data gradient exactly
// (with the noise held fixed).
