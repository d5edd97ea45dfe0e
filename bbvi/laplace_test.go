package bbvi_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/mat"
)

// The Laplace start finds the mode of a logistic regression whose correlated
// predictors differ in scale by 10⁴ (0.01 to 100) to within 10⁻⁴ posterior sd, and its
// precision within 10⁻⁴ relative: the reference is Newton's method on the
// exact gradient and Hessian. (L-BFGS alone, the start before Newton's
// method, stops 0.004 sd off here after 6 times as long.)
func TestLaplaceMixedScales(t *testing.T) {
	const n, d = 100000, 12
	rng := rand.New(rand.NewPCG(4, 4))
	x := make([]float64, n*d)
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		eta, prev := 0.0, 0.0
		for j := 0; j < d; j++ {
			// AR(1)-correlated columns (ρ = 0.6) of scales 0.01 to 100, each
			// with an effect of about 0.3 per sd.
			scale := math.Pow(10, -2+4*float64(j)/(d-1))
			prev = 0.6*prev + 0.8*rng.NormFloat64()
			x[i*d+j] = scale * prev
			eta += x[i*d+j] * 0.3 / scale * float64(1-2*(j%2))
		}
		if rng.Float64() < 1/(1+math.Exp(-eta)) {
			y[i] = 1
		}
	}
	const priorSD = 100.0
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "beta", Size: d}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["beta"], b.Scalar(0), b.Scalar(priorSD)), 1)
		},
		Points: func(b *graph.Builder, z, data bbvi.Vars) *graph.Node {
			eta := b.MatMul(z["beta"], b.T(data["x"])) // (S, B)
			return b.BernoulliLogitsLogProb(b.Reshape(data["y"], 1, data["y"].Shape()[0]), eta)
		},
	}
	data := bbvi.Data{{Name: "x", Cols: d, Values: x}, {Name: "y", Values: y}}
	mode, prec, _, err := bbvi.LaplaceAndRatios(m, data, nil, nil, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The exact mode and precision by Newton's method.
	want := make([]float64, d)
	var h *mat.SymDense
	for it := 0; it < 100; it++ {
		g := mat.NewVecDense(d, nil)
		h = mat.NewSymDense(d, nil)
		for j := 0; j < d; j++ {
			g.SetVec(j, -want[j]/(priorSD*priorSD))
			h.SetSym(j, j, 1/(priorSD*priorSD))
		}
		for i := 0; i < n; i++ {
			eta := 0.0
			for j := 0; j < d; j++ {
				eta += x[i*d+j] * want[j]
			}
			p := 1 / (1 + math.Exp(-eta))
			for j := 0; j < d; j++ {
				g.SetVec(j, g.AtVec(j)+(y[i]-p)*x[i*d+j])
				for k := 0; k <= j; k++ {
					h.SetSym(j, k, h.At(j, k)+p*(1-p)*x[i*d+j]*x[i*d+k])
				}
			}
		}
		var step mat.VecDense
		if err := step.SolveVec(h, g); err != nil {
			t.Fatal(err)
		}
		for j := range want {
			want[j] += step.AtVec(j)
		}
		if mat.Norm(&step, math.Inf(1)) < 1e-14*mat.Norm(mat.NewVecDense(d, want), math.Inf(1)) {
			break
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(h) {
		t.Fatal("exact precision not positive definite")
	}
	var cov mat.SymDense
	if err := ch.InverseTo(&cov); err != nil {
		t.Fatal(err)
	}
	if prec == nil {
		t.Fatal("no Laplace precision")
	}
	for j := 0; j < d; j++ {
		sd := math.Sqrt(cov.At(j, j))
		if e := math.Abs(mode[j]-want[j]) / sd; e > 1e-4 {
			t.Errorf("mode[%d] = %.8g, exact %.8g: %.2g posterior sd off", j, mode[j], want[j], e)
		}
		for k := 0; k < d; k++ {
			if e := math.Abs(prec[j*d+k]-h.At(j, k)) / math.Sqrt(h.At(j, j)*h.At(k, k)); e > 1e-4 {
				t.Errorf("precision[%d,%d] = %.6g, exact %.6g", j, k, prec[j*d+k], h.At(j, k))
			}
		}
	}
}
