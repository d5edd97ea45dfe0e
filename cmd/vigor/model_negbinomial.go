package main

import (
	"slices"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// `vigor fit --model negbinomial`: Bayesian negative binomial regression for
// overdispersed counts.

// init registers --model negbinomial.
func init() {
	registerModel(&fitModel{
		name:     "negbinomial",
		summary:  "Bayesian negative binomial regression (log link) by BBVI, for overdispersed counts",
		synopsis: regressionSynopsis,
		about: `Fits, by black-box variational inference, the posterior of

    y_i ~ NegBinomial(mean μ_i = exp(a + x_i·β), dispersion φ),   Var y_i = μ_i + μ_i²/φ,
    a, β_j ~ Normal(0, S²),   φ ~ Gamma(2, 0.1)

(Stan's neg_binomial_2_log) where S is --prior-scale. φ is reported after the
coefficients, as "phi". A target that is negative or not a whole number is
bad input.

` + regressionAbout,
		new: func() modelRun { return &negBinomialRun{} },
	})
}

// negBinomialRun is a fit of the negative binomial model.
type negBinomialRun struct {
	regression
}

// run implements modelRun.
func (r *negBinomialRun) run(o *fitOptions, e *env) error { return r.fit(o, e, r, 0) }

// checkData implements regressionModel: the target must be a count, and no
// feature may be called "phi".
func (r *negBinomialRun) checkData(t *datasets.Table, features []string) error {
	if slices.Contains(features, "phi") {
		return badf("%s: feature column %q clashes with the dispersion's name (rename it)", t.Source, "phi")
	}
	return bad(t.CheckCounts(r.target))
}

// columns implements regressionModel: none.
func (r *negBinomialRun) columns() []string { return nil }

// newModel implements regressionModel.
func (r *negBinomialRun) newModel(features []string, _ *datasets.Table, rows models.Rows, g *models.Groups) (bbvi.Model, bbvi.Data, error) {
	m := &models.NegativeBinomialRegression{Features: features, Intercept: !r.noIntercept, PriorScale: r.priorScale, Group: g}
	data, err := m.DataRows(rows)
	return m, data, err
}
