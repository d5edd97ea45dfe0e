package bbvi_test

import (
	"math"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/mat"
)

// A LowRank q started from a precision whose covariance is rank one plus a
// diagonal starts exactly at that covariance.
func TestLowRankInitPrec(t *testing.T) {
	const d = 5
	v := []float64{1, -2, 0.5, 3, 1.5}
	diag := []float64{0.3, 0.5, 0.2, 0.4, 0.6}
	cov := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			x := v[i] * v[j]
			if i == j {
				x += diag[i] * diag[i]
			}
			cov.SetSym(i, j, x)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		t.Fatal("not PD")
	}
	var prec mat.SymDense
	if err := ch.InverseTo(&prec); err != nil {
		t.Fatal(err)
	}
	p := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			p[i*d+j] = prec.At(i, j)
		}
	}
	b := graph.NewBuilder(graph.Float64)
	q, err := bbvi.LowRank{Rank: 1}.Build(b, bbvi.Block{Size: d, InitPrec: p})
	if err != nil {
		t.Fatal(err)
	}
	_, l := q.(bbvi.Gaussian).MeanScale()
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			var got float64
			for k := 0; k < d; k++ {
				got += l[i*d+k] * l[j*d+k]
			}
			// The rank-one part takes λ_max - δ, δ the mean of the other
			// eigenvalues, so the start is close to but not exactly Σ off the
			// diagonal; the diagonal is exact.
			tol := 1e-9
			if i != j {
				tol = 0.1 * math.Abs(cov.At(i, j))
			}
			if math.Abs(got-cov.At(i, j)) > tol {
				t.Errorf("Σ[%d,%d] = %.4f at the start, want %.4f", i, j, got, cov.At(i, j))
			}
		}
	}
}
