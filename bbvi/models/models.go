package models

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// LinearRegression is Bayesian linear regression,
//
//	y_i ~ Normal(a + x_i·β, σ²),   a, β_j ~ Normal(0, s²),
//
// with σ either known (NoiseSD > 0) or a latent with a HalfNormal(NoisePriorScale)
// prior. Its data are the arrays "X" (N×D) and "y" (N); see Data.
//
// The latent "beta" holds the intercept first (when Intercept is set), then one
// coefficient per feature; "sigma" (positive) follows when the noise is learned.
type LinearRegression struct {
	Features        []string // feature names, one per column of X; their count is D
	Intercept       bool     // include the intercept a
	PriorScale      float64  // s, the prior sd of the coefficients; 0 means 10
	NoiseSD         float64  // known noise sd σ; 0 means σ is a latent
	NoisePriorScale float64  // scale of σ's HalfNormal prior; 0 means 10
}

// LogisticRegression is Bayesian logistic regression,
//
//	y_i ~ Bernoulli(sigmoid(a + x_i·β)),   a, β_j ~ Normal(0, s²).
//
// Its data are "X" (N×D) and "y" (N, values 0 or 1); see Data. The latent "beta"
// holds the intercept first (when Intercept is set), then the coefficients.
type LogisticRegression struct {
	Features   []string // feature names, one per column of X
	Intercept  bool     // include the intercept a
	PriorScale float64  // s, the prior sd of the coefficients; 0 means 10
}

func coefLabels(features []string, intercept bool) []string {
	var out []string
	if intercept {
		out = append(out, "intercept")
	}
	return append(out, features...)
}

func regData(X, y []float64, features []string, reserved ...string) (bbvi.Data, error) {
	d := len(features)
	if d == 0 {
		return nil, fmt.Errorf("bbvi: regression needs at least one feature")
	}
	seen := map[string]bool{}
	for _, r := range reserved {
		seen[r] = true
	}
	for _, f := range features {
		if seen[f] {
			return nil, fmt.Errorf("bbvi: feature name %q is repeated or clashes with a latent's name", f)
		}
		seen[f] = true
	}
	if len(X) != len(y)*d {
		return nil, fmt.Errorf("bbvi: X has %d values, want %d rows × %d features", len(X), len(y), d)
	}
	return bbvi.Data{{Name: "X", Cols: d, Values: X}, {Name: "y", Values: y}}, nil
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

// Latents implements Model.
func (m *LinearRegression) Latents() []bbvi.Latent {
	labels := coefLabels(m.Features, m.Intercept)
	ls := []bbvi.Latent{{Name: "beta", Size: len(labels), Labels: labels}}
	if m.NoiseSD == 0 {
		ls = append(ls, bbvi.Latent{Name: "sigma", Support: bbvi.Positive()})
	}
	return ls
}

// LogPrior implements Model.
func (m *LinearRegression) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	s := orDefault(m.PriorScale, 10)
	lp := b.Sum(b.NormalLogProb(z["beta"], b.Scalar(0), b.Scalar(s)), 1)
	if m.NoiseSD == 0 {
		lp = b.Add(lp, b.Sum(b.HalfNormalLogProb(z["sigma"], b.Scalar(orDefault(m.NoisePriorScale, 10))), 1))
	}
	return lp
}

// LogLikelihood implements Model. It is graph.GLMLogLik's fused Gaussian
// likelihood.
func (m *LinearRegression) LogLikelihood(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
	var sigma *graph.Node
	if m.NoiseSD > 0 {
		sigma = b.Scalar(m.NoiseSD)
	} else {
		sigma = b.Reshape(z["sigma"], z["sigma"].Shape()[0]) // (S)
	}
	return glmLogLik(b, graph.GLMGaussian, z, x, len(m.Features), m.Intercept, sigma)
}

// Data packs a design matrix X (N×D, row-major) and targets y (N) for the model.
func (m *LinearRegression) Data(X, y []float64) (bbvi.Data, error) {
	if m.NoiseSD < 0 || math.IsNaN(m.NoiseSD) {
		return nil, fmt.Errorf("bbvi: noise sd %g must be positive (or 0 to learn it)", m.NoiseSD)
	}
	reserved := []string{}
	if m.Intercept {
		reserved = append(reserved, "intercept")
	}
	if m.NoiseSD == 0 {
		reserved = append(reserved, "sigma")
	}
	return regData(X, y, m.Features, reserved...)
}

// Latents implements Model.
func (m *LogisticRegression) Latents() []bbvi.Latent {
	labels := coefLabels(m.Features, m.Intercept)
	return []bbvi.Latent{{Name: "beta", Size: len(labels), Labels: labels}}
}

// LogPrior implements Model.
func (m *LogisticRegression) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	return b.Sum(b.NormalLogProb(z["beta"], b.Scalar(0), b.Scalar(orDefault(m.PriorScale, 10))), 1)
}

// LogLikelihood implements Model. It is graph.GLMLogLik's fused logistic
// likelihood.
func (m *LogisticRegression) LogLikelihood(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
	return glmLogLik(b, graph.GLMLogistic, z, x, len(m.Features), m.Intercept, nil)
}

// Data packs a design matrix X (N×D, row-major) and 0/1 targets y (N). It
// returns an error naming the first row whose target is not 0 or 1.
func (m *LogisticRegression) Data(X, y []float64) (bbvi.Data, error) {
	for i, v := range y {
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("bbvi: logistic target in row %d is %g, want 0 or 1", i, v)
		}
	}
	if m.Intercept {
		return regData(X, y, m.Features, "intercept")
	}
	return regData(X, y, m.Features)
}
