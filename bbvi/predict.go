package bbvi

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
)

// A Predictor is a Model that can simulate its target, for posterior
// predictive draws (see Predict): for every draw of the latents and every row
// of the data, the graph computes the parameters of the target's
// distribution, and Simulate draws the target from them. The ready-made
// regressions of package models are Predictors.
type Predictor interface {
	Model
	// Predictive returns, for the latent draws z (shaped as in LogPrior) and
	// the rows of x (the model's data arrays without the target), the
	// parameters of each row's target distribution, in the order Simulate
	// reads them. Each has shape (S, B), or broadcasts to it: (S, 1), (1, B).
	Predictive(b *graph.Builder, z Vars, x Vars) []*graph.Node
	// Simulate returns one draw of a row's target given the values of
	// Predictive's parameters at one draw and that row, in order, using
	// only rng.
	Simulate(params []float64, rng *rand.Rand) float64
}

// Predict returns n posterior predictive draws of the target for every row of
// data: each draw takes a joint draw of q, computes the parameters of every
// row's target with the model's Predictive and simulates the target with
// Simulate. data holds the rows to predict (the per-row arrays, without the
// target) and the model's Global arrays and indexes; its index values must
// be groups the model knows. The result is n×B, row-major: draw s of row i is
// at s·B + i. Randomness comes only from rng.
func Predict(m Predictor, post *Posterior, data Data, n int, rng *rand.Rand) ([]float64, error) {
	if m == nil || post == nil || rng == nil {
		return nil, errors.New("bbvi: Predict: nil model, posterior or *rand.Rand")
	}
	if n < 1 {
		return nil, fmt.Errorf("bbvi: Predict: %d draws", n)
	}
	rows := data.N()
	if rows == 0 {
		return nil, errors.New("bbvi: Predict: no rows to predict (no per-row data array)")
	}
	chunk := min(n, drawChunk)
	g, err := newZGraph(m, data, chunk, rows, len(post.UMean), graph.Float64)
	if err != nil {
		return nil, err
	}
	b := g.b
	name := funcName(m, "Predictive")
	var params []*graph.Node
	g.calls.call(b, name, func() *graph.Node {
		params = m.Predictive(b, g.z, g.din.x)
		if len(params) == 0 {
			b.Failf("bbvi: %s returned no parameters", name)
		}
		return nil
	})
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("bbvi: predictions: %w", g.calls.wrap(err))
	}
	type layout struct{ perDraw, perRow bool }
	lay := make([]layout, len(params))
	for i, p := range params {
		if p == nil {
			return nil, fmt.Errorf("bbvi: %s: parameter %d is nil", name, i)
		}
		sh := p.Shape()
		if len(sh) != 2 || (sh[0] != chunk && sh[0] != 1) || (sh[1] != rows && sh[1] != 1) {
			return nil, fmt.Errorf("bbvi: %s: parameter %d has shape %v, want (%d, %d) or one that broadcasts to it", name, i, sh, chunk, rows)
		}
		lay[i] = layout{perDraw: sh[0] == chunk && chunk > 1, perRow: sh[1] == rows && rows > 1}
	}
	out := make([]float64, n*rows)
	vals := make([]float64, len(params))
	simulate := func(vals []float64) (v float64, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("bbvi: %s panicked: %v", funcName(m, "Simulate"), r)
			}
		}()
		return m.Simulate(vals, rng), nil
	}
	err = g.run(post, n, rng, params, func(start, valid int, pv [][]float64) error {
		for s := 0; s < valid; s++ {
			for i := 0; i < rows; i++ {
				for k, l := range lay {
					w := 1
					if l.perRow {
						w = rows
					}
					idx := 0
					if l.perDraw {
						idx = s * w
					}
					if l.perRow {
						idx += i
					}
					vals[k] = pv[k][idx]
				}
				v, err := simulate(vals)
				if err != nil {
					return err
				}
				out[(start+s)*rows+i] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
