package bbvi

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/graph"
)

func TestNonFiniteStops(t *testing.T) {
	model := FuncModel{
		Vars: []Latent{{Name: "z"}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Neg(b.Sum(b.Square(b.Square(z["z"])), 1))
		},
	}
	post, err := Fit(model, nil, &Settings{Optimizer: &graph.SGD{LR: 0.5, Kappa: 1e-9}, InitMean: []float64{3}}, rand.New(rand.NewPCG(1, 1)))
	var nf *NonFiniteError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNonFinite) {
		t.Fatalf("got error %v, want a *NonFiniteError", err)
	}
	if nf.Step < 2 {
		t.Errorf("blew up at step %d; the test expects a few finite steps first", nf.Step)
	}
	if post == nil {
		t.Fatal("no posterior returned with the non-finite error")
	}
	if post.Steps != nf.Step-1 {
		t.Errorf("posterior reports %d steps, error at step %d", post.Steps, nf.Step)
	}
	for _, v := range append(post.UMean, post.UCov...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("posterior keeps non-finite parameters: mean %v cov %v", post.UMean, post.UCov)
		}
	}
	t.Logf("%v; kept mean %v", err, post.UMean)
}
