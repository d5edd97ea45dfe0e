package bbvi

import (
	"fmt"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/internal/qmc"
)

// A NormalNoiser is an Approx whose base noise is i.i.d. standard normal, S
// rows of one vector each (FillNoise is rng.NormFloat64 in order). Settings.QMC
// replaces that noise, for such a family, by randomized quasi-Monte Carlo
// normals. MeanField, FullRank, LowRank and the flows implement it.
type NormalNoiser interface {
	Approx
	// StandardNormalNoise marks the family; it does nothing.
	StandardNormalNoise()
}

func (*meanField) StandardNormalNoise() {}
func (*fullRank) StandardNormalNoise()  {}
func (*lowRank) StandardNormalNoise()   {}
func (*flow) StandardNormalNoise()      {}

// qmcNoise fills a family's base noise, shape (S, d...), with one freshly
// scrambled Sobol' point set of S points in prod(d...) dimensions per step,
// mapped to normals (see package internal/qmc): each draw is exactly N(0, I),
// so every estimator stays unbiased, while the S draws of a step are spread
// evenly. The randomization of each step comes from the fit's rng.
type qmcNoise struct {
	sobol *qmc.Sobol
	draws int
}

// newQMCNoise returns the QMC filler of a's noise for the given shape, or an
// error when a's base noise is not standard normal.
func newQMCNoise(a Approx, family string, shape []int) (*qmcNoise, error) {
	if _, ok := a.(NormalNoiser); !ok {
		return nil, fmt.Errorf("bbvi: QMC: family %s has no standard normal base noise", family)
	}
	s, err := qmc.NewSobol(prod(shape[1:]))
	if err != nil {
		return nil, fmt.Errorf("bbvi: QMC: %w", err)
	}
	return &qmcNoise{sobol: s, draws: shape[0]}, nil
}

// fill writes one randomized point set into dst.
func (q *qmcNoise) fill(dst []float64, rng *rand.Rand) { q.sobol.Normals(dst, q.draws, rng) }
