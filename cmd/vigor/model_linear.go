package main

import (
	"flag"
	"math"
	"slices"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// `vigor fit --model linear`: Bayesian linear regression.

// init registers --model linear.
func init() {
	registerModel(&fitModel{
		name:     "linear",
		summary:  "Bayesian linear regression by BBVI, the noise sd known (--noise-sd) or learned",
		synopsis: regressionSynopsis + " [--noise-sd SIGMA]",
		about: `Fits, by black-box variational inference, the posterior of

    y_i ~ Normal(a + x_i·β, σ²),   a, β_j ~ Normal(0, S²),   σ ~ HalfNormal(10)

where S is --prior-scale. --noise-sd SIGMA > 0 fixes σ; without it σ is
learned and reported last, as "sigma".

` + regressionAbout,
		new: func() modelRun { return &linearRun{} },
	})
}

// linearRun is a fit of the linear model: the regression flags and --noise-sd.
type linearRun struct {
	regression
	noiseSD float64 // 0: learned
}

// flags implements modelRun.
func (r *linearRun) flags(fs *flag.FlagSet) {
	r.regression.flags(fs)
	fs.Float64Var(&r.noiseSD, "noise-sd", 0, "known noise sd `SIGMA`; 0 learns sigma with a HalfNormal(10) prior")
}

// check implements modelRun.
func (r *linearRun) check(o *fitOptions, given map[string]bool) error {
	if !(r.noiseSD >= 0) || math.IsInf(r.noiseSD, 0) {
		return badf("--noise-sd %v must be positive (or 0 to learn sigma)", r.noiseSD)
	}
	return r.regression.check(o, given)
}

// run implements modelRun; a known noise sd is reported as noise_sd.
func (r *linearRun) run(o *fitOptions, e *env) error {
	return r.fit(o, e, r, r.noiseSD)
}

// checkData implements regressionModel: with a learned noise sd, no feature
// may be called "sigma".
func (r *linearRun) checkData(t *datasets.Table, features []string) error {
	if r.noiseSD == 0 && slices.Contains(features, "sigma") {
		return badf("%s: feature column %q clashes with the learned noise sd's name (rename it or give --noise-sd)", t.Source, "sigma")
	}
	return nil
}

// columns implements regressionModel: none.
func (r *linearRun) columns() []string { return nil }

// newModel implements regressionModel.
func (r *linearRun) newModel(features []string, _ *datasets.Table, rows models.Rows, g *models.Groups) (bbvi.Model, bbvi.Data, error) {
	m := &models.LinearRegression{Features: features, Intercept: !r.noIntercept, PriorScale: r.priorScale, NoiseSD: r.noiseSD, Group: g}
	data, err := m.DataRows(rows)
	return m, data, err
}
