package main

import (
	"flag"
	"strings"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// `vigor fit --model binomial`: Bayesian binomial regression, successes out
// of trials.

// init registers --model binomial.
func init() {
	registerModel(&fitModel{
		name:     "binomial",
		summary:  "Bayesian binomial regression (logit link) by BBVI, successes out of --trials",
		synopsis: "--trials COL " + regressionSynopsis,
		about: `Fits, by black-box variational inference, the posterior of

    y_i ~ Binomial(n_i, sigmoid(a + x_i·β)),   a, β_j ~ Normal(0, S²)

where y_i is the target (successes), n_i the --trials column and S is
--prior-scale. A count or a trials value that is negative or not a whole
number, or successes above the trials, is bad input. The trials column is not
a feature; a --predict file needs it too.

` + regressionAbout,
		new: func() modelRun { return &binomialRun{} },
	})
}

// binomialRun is a fit of the binomial model: the regression flags and
// --trials.
type binomialRun struct {
	regression
	trials string
}

// flags implements modelRun.
func (r *binomialRun) flags(fs *flag.FlagSet) {
	r.regression.flags(fs)
	fs.StringVar(&r.trials, "trials", "", "the `column` of the number of trials of each row (required)")
}

// check implements modelRun.
func (r *binomialRun) check(o *fitOptions, given map[string]bool) error {
	r.trials = strings.TrimSpace(r.trials)
	if r.trials == "" {
		return badf("--trials is required with --model binomial")
	}
	return r.regression.check(o, given)
}

// run implements modelRun.
func (r *binomialRun) run(o *fitOptions, e *env) error { return r.fit(o, e, r, 0) }

// checkData implements regressionModel: the target and the trials must be
// counts, the target at most the trials.
func (r *binomialRun) checkData(t *datasets.Table, features []string) error {
	if r.trials == r.target {
		return badf("%s: --trials %q is the target column", t.Source, r.trials)
	}
	if err := t.CheckCounts(r.trials); err != nil {
		return bad(err)
	}
	if err := t.CheckCounts(r.target); err != nil {
		return bad(err)
	}
	return bad(t.CheckAtMost(r.target, r.trials))
}

// columns implements regressionModel: the trials.
func (r *binomialRun) columns() []string { return []string{r.trials} }

// newModel implements regressionModel; the trials come from t.
func (r *binomialRun) newModel(features []string, t *datasets.Table, rows models.Rows, g *models.Groups) (bbvi.Model, bbvi.Data, error) {
	trials, err := t.Column(r.trials)
	if err != nil {
		return nil, nil, err
	}
	if rows.Y == nil {
		if err := t.CheckCounts(r.trials); err != nil {
			return nil, nil, bad(err)
		}
	}
	rows.Trials = trials
	m := &models.BinomialRegression{Features: features, Intercept: !r.noIntercept, PriorScale: r.priorScale, Group: g}
	data, err := m.DataRows(rows)
	return m, data, err
}
