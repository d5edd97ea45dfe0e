package main

import (
	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// `vigor fit --model poisson`: Bayesian Poisson regression for counts.

// init registers --model poisson.
func init() {
	registerModel(&fitModel{
		name:     "poisson",
		summary:  "Bayesian Poisson regression (log link) by BBVI, the target a count",
		synopsis: regressionSynopsis,
		about: `Fits, by black-box variational inference, the posterior of

    y_i ~ Poisson(exp(a + x_i·β)),   y_i ∈ {0, 1, 2, ...},   a, β_j ~ Normal(0, S²)

where S is --prior-scale. A target that is negative or not a whole number is
bad input.

` + regressionAbout,
		new: func() modelRun { return &poissonRun{} },
	})
}

// poissonRun is a fit of the Poisson model: the regression flags only.
type poissonRun struct {
	regression
}

// run implements modelRun.
func (r *poissonRun) run(o *fitOptions, e *env) error { return r.fit(o, e, r, 0) }

// checkData implements regressionModel: the target must be a count.
func (r *poissonRun) checkData(t *datasets.Table, features []string) error {
	return bad(t.CheckCounts(r.target))
}

// columns implements regressionModel: none.
func (r *poissonRun) columns() []string { return nil }

// newModel implements regressionModel.
func (r *poissonRun) newModel(features []string, _ *datasets.Table, rows models.Rows, g *models.Groups) (bbvi.Model, bbvi.Data, error) {
	m := &models.PoissonRegression{Features: features, Intercept: !r.noIntercept, PriorScale: r.priorScale, Group: g}
	data, err := m.DataRows(rows)
	return m, data, err
}
