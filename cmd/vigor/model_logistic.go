package main

import (
	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// `vigor fit --model logistic`: Bayesian logistic regression.

// init registers --model logistic.
func init() {
	registerModel(&fitModel{
		name:     "logistic",
		summary:  "Bayesian logistic regression by BBVI, the target 0 or 1",
		synopsis: regressionSynopsis,
		about: `Fits, by black-box variational inference, the posterior of

    y_i ~ Bernoulli(sigmoid(a + x_i·β)),   y_i ∈ {0, 1},   a, β_j ~ Normal(0, S²)

where S is --prior-scale.

` + regressionAbout,
		new: func() modelRun { return &logisticRun{} },
	})
}

// logisticRun is a fit of the logistic model: the regression flags only.
type logisticRun struct {
	regression
}

// run implements modelRun.
func (r *logisticRun) run(o *fitOptions, e *env) error {
	return r.fit(o, e, r, 0)
}

// checkData implements regressionModel: the target must be 0 or 1.
func (r *logisticRun) checkData(t *datasets.Table, features []string) error {
	return bad(t.CheckBinary(r.target))
}

// columns implements regressionModel: none.
func (r *logisticRun) columns() []string { return nil }

// newModel implements regressionModel.
func (r *logisticRun) newModel(features []string, _ *datasets.Table, rows models.Rows, g *models.Groups) (bbvi.Model, bbvi.Data, error) {
	m := &models.LogisticRegression{Features: features, Intercept: !r.noIntercept, PriorScale: r.priorScale, Group: g}
	data, err := m.DataRows(rows)
	return m, data, err
}
