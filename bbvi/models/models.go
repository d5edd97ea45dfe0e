package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// LinearRegression is Bayesian linear regression,
//
//	y_i ~ Normal(a + x_i·β, σ²),   a, β_j ~ Normal(0, s²),
//
// with σ either known (NoiseSD > 0) or a latent with a HalfNormal(NoisePriorScale)
// prior, and optional varying intercepts (Group). Its data are the arrays "X"
// (N×D) and "y" (N), and "group" with groups; see Data and DataRows.
//
// The latent "beta" holds the intercept first (when Intercept is set), then one
// coefficient per feature; "sigma" (positive) follows when the noise is learned,
// then the groups' "tau" and "eta" (see Groups).
type LinearRegression struct {
	Features        []string // feature names, one per column of X; their count is D
	Intercept       bool     // include the intercept a
	PriorScale      float64  // s, the prior sd of the coefficients (and τ's scale); 0 means 10
	NoiseSD         float64  // known noise sd σ; 0 means σ is a latent
	NoisePriorScale float64  // scale of σ's HalfNormal prior; 0 means 10
	Group           *Groups  // varying intercepts; nil means none
}

// LogisticRegression is Bayesian logistic regression,
//
//	y_i ~ Bernoulli(sigmoid(a + x_i·β)),   a, β_j ~ Normal(0, s²).
//
// with optional varying intercepts (Group). Its data are "X" (N×D) and "y"
// (N, values 0 or 1), and "group" with groups; see Data and DataRows. The
// latent "beta" holds the intercept first (when Intercept is set), then the
// coefficients, then the groups' "tau" and "eta" (see Groups).
type LogisticRegression struct {
	Features   []string // feature names, one per column of X
	Intercept  bool     // include the intercept a
	PriorScale float64  // s, the prior sd of the coefficients (and τ's scale); 0 means 10
	Group      *Groups  // varying intercepts; nil means none
}

func coefLabels(features []string, intercept bool) []string {
	var out []string
	if intercept {
		out = append(out, "intercept")
	}
	return append(out, features...)
}

// glmLogLik returns the log-likelihood of a GLM of kind with coefficients
// "beta" (the intercept first when intercept is set), shape (S), through
// the fused graph.GLMLogLik: one pass over the data computes the linear
// predictor, the log-likelihood and its gradient.
func glmLogLik(b *graph.Builder, kind graph.GLMKind, z, x bbvi.Vars, d int, intercept bool, sigma *graph.Node) *graph.Node {
	beta := z["beta"] // (S, [1+]D)
	coef := beta
	var a *graph.Node
	if intercept {
		coef = b.Cols(beta, 1, d+1)
		a = b.Col(beta, 0)
	}
	return b.GLMLogLik(kind, x["X"], x["y"], coef, a, sigma)
}

func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

func (m *LinearRegression) glm() glm {
	return glm{m.Features, m.Intercept, m.PriorScale, m.Group}
}

// Latents implements Model.
func (m *LinearRegression) Latents() []bbvi.Latent {
	if m.NoiseSD == 0 {
		return m.glm().latents(bbvi.Latent{Name: "sigma", Support: bbvi.Positive()})
	}
	return m.glm().latents()
}

// LogPrior implements Model.
func (m *LinearRegression) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	lp := m.glm().logPrior(b, z)
	if m.NoiseSD == 0 {
		lp = b.Add(lp, b.Sum(b.HalfNormalLogProb(z["sigma"], b.Scalar(orDefault(m.NoisePriorScale, 10))), 1))
	}
	return lp
}

// sigma returns σ, (S, 1), or the known noise sd as (1, 1).
func (m *LinearRegression) sigma(b *graph.Builder, z bbvi.Vars) *graph.Node {
	if m.NoiseSD > 0 {
		return b.Constant("noise-sd", []float64{m.NoiseSD}, 1, 1)
	}
	return z["sigma"]
}

// LogLikelihood implements Model. Without groups it is graph.GLMLogLik's
// fused Gaussian likelihood.
func (m *LinearRegression) LogLikelihood(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
	if m.Group != nil {
		return b.Sum(b.NormalLogProb(b.PerRow(x["y"]), m.glm().linpred(b, z, x), m.sigma(b, z)), 1)
	}
	var sigma *graph.Node
	if m.NoiseSD > 0 {
		sigma = b.Scalar(m.NoiseSD)
	} else {
		sigma = b.Reshape(z["sigma"], z["sigma"].Shape()[0]) // (S)
	}
	return glmLogLik(b, graph.GLMGaussian, z, x, len(m.Features), m.Intercept, sigma)
}

// DerivedQuantities implements bbvi.Deriver: the groups' deviations, if any.
func (m *LinearRegression) DerivedQuantities() []bbvi.Quantity { return m.glm().quantities() }

// Derived implements bbvi.Deriver.
func (m *LinearRegression) Derived(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
	return m.glm().derived(b, z)
}

// Predictive implements bbvi.Predictor: the mean (S, B) and σ, (S, 1) or
// (1, 1).
func (m *LinearRegression) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	return []*graph.Node{m.glm().linpred(b, z, x), m.sigma(b, z)}
}

// Simulate implements bbvi.Predictor: a Normal(params[0], params[1]²) draw.
func (m *LinearRegression) Simulate(params []float64, rng *rand.Rand) float64 {
	return params[0] + params[1]*rng.NormFloat64()
}

// Data packs a design matrix X (N×D, row-major) and targets y (N) for the
// model without groups; DataRows packs any rows.
func (m *LinearRegression) Data(X, y []float64) (bbvi.Data, error) {
	return m.DataRows(Rows{X: X, Y: y})
}

// DataRows packs the rows for the model (with their groups when Group is
// set; without Y for predictions).
func (m *LinearRegression) DataRows(r Rows) (bbvi.Data, error) {
	if m.NoiseSD < 0 || math.IsNaN(m.NoiseSD) {
		return nil, fmt.Errorf("bbvi: noise sd %g must be positive (or 0 to learn it)", m.NoiseSD)
	}
	reserved := reservedGroups(m.Group)
	if m.NoiseSD == 0 {
		reserved = append(reserved, "sigma")
	}
	return m.glm().data(r, reserved...)
}

func (m *LogisticRegression) glm() glm {
	return glm{m.Features, m.Intercept, m.PriorScale, m.Group}
}

// Latents implements Model.
func (m *LogisticRegression) Latents() []bbvi.Latent { return m.glm().latents() }

// LogPrior implements Model.
func (m *LogisticRegression) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	return m.glm().logPrior(b, z)
}

// LogLikelihood implements Model. Without groups it is graph.GLMLogLik's
// fused logistic likelihood.
func (m *LogisticRegression) LogLikelihood(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
	if m.Group != nil {
		return b.Sum(b.BernoulliLogitsLogProb(b.PerRow(x["y"]), m.glm().linpred(b, z, x)), 1)
	}
	return glmLogLik(b, graph.GLMLogistic, z, x, len(m.Features), m.Intercept, nil)
}

// DerivedQuantities implements bbvi.Deriver: the groups' deviations, if any.
func (m *LogisticRegression) DerivedQuantities() []bbvi.Quantity { return m.glm().quantities() }

// Derived implements bbvi.Deriver.
func (m *LogisticRegression) Derived(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
	return m.glm().derived(b, z)
}

// Predictive implements bbvi.Predictor: the logits, (S, B).
func (m *LogisticRegression) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	return []*graph.Node{m.glm().linpred(b, z, x)}
}

// Simulate implements bbvi.Predictor: a Bernoulli(sigmoid(params[0])) draw,
// 0 or 1.
func (m *LogisticRegression) Simulate(params []float64, rng *rand.Rand) float64 {
	if rng.Float64() < 1/(1+math.Exp(-params[0])) {
		return 1
	}
	return 0
}

// Data packs a design matrix X (N×D, row-major) and 0/1 targets y (N) for
// the model without groups; DataRows packs any rows. It returns an error
// naming the first row whose target is not 0 or 1.
func (m *LogisticRegression) Data(X, y []float64) (bbvi.Data, error) {
	return m.DataRows(Rows{X: X, Y: y})
}

// DataRows packs the rows for the model (with their groups when Group is
// set; without Y for predictions). It returns an error naming the first row
// whose target is not 0 or 1.
func (m *LogisticRegression) DataRows(r Rows) (bbvi.Data, error) {
	for i, v := range r.Y {
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("bbvi: logistic target in row %d is %g, want 0 or 1", i, v)
		}
	}
	return m.glm().data(r, reservedGroups(m.Group)...)
}
