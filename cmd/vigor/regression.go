package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// This file holds what the regression models of `vigor fit` share: a --target
// column predicted from --features columns, a posterior fitted by bbvi.Fit
// with a chosen --estimator, and its JSON report. A regression model's file
// embeds regression in its run and supplies a regressionModel.

// regressionSynopsis summarizes the flags of a regression model.
const regressionSynopsis = `--target COL [--features a,b,...] [--no-intercept] [--group COL] [--estimator NAME]
[--prior-scale S] [--draws N --draws-out FILE.csv [--resample]]
[--predict FILE.csv --predict-out FILE.csv [--predict-draws N]]`

// regressionAbout describes what the regressions share, for their help pages.
const regressionAbout = `y is the --target column and x_i holds the --features columns (by default
every other column but the --group column and the model's own, in file
order); --no-intercept drops a. The output names
the coefficients after their columns, "intercept" first. --estimator is the
ELBO gradient estimator, by its name in bbvi.EstimatorByName (default reparam,
the pathwise gradient; an unknown name lists the others). --draws N
--draws-out FILE.csv writes N joint posterior draws in CmdStan's CSV layout:
"# key = value" comment lines (method, family, status, Pareto k), a header
with lp__ (0, as CmdStan's variational output) and one column per name, one
draw per row; --resample draws them by importance resampling of the
diagnostic draws with their Pareto-smoothed weights instead of from q.

--group COL gives each level of the column COL (numbers or text, in order of
first appearance) its own intercept a + tau·eta_g, eta_g ~ Normal(0, 1)
(non-centred), tau ~ HalfNormal(S): the output adds "tau" and one entry
"COL[LEVEL]" per level holding the level's deviation tau·eta_g (a derived
quantity, summarized from 4000 draws; "cov" is then null). An empty group
cell is bad input.

--predict FILE.csv --predict-out OUT.csv writes --predict-draws posterior
predictive draws (default 1000) of the target for every row of FILE.csv,
which has the feature columns (and the --group column, with levels of the
--data file, and the model's own columns such as --trials; the target column
is not needed): OUT.csv has one column per row of FILE.csv, named TARGET[i]
for its i-th data row, and one draw per line.`

// A regressionModel is what one regression model adds to regression: its
// check of the data and the bbvi.Model it builds.
type regressionModel interface {
	// checkData checks the table for the model: the values of the target
	// column, feature names that clash with the model's own latents. The
	// features are known to be columns other than the target.
	checkData(t *datasets.Table, features []string) error
	// columns returns the model's own data columns besides the target, the
	// features and the group (a binomial's trials), which are not features
	// by default; nil for none.
	columns() []string
	// newModel returns the model for the features and groups (nil for none)
	// and its data, from the rows (X row-major, one column per feature, and
	// the target Y, nil for the rows of a --predict file) and the table they
	// come from (for the model's own columns, already checked by checkData).
	newModel(features []string, t *datasets.Table, rows models.Rows, g *models.Groups) (bbvi.Model, bbvi.Data, error)
}

// regression is the options struct of the flags every regression model has.
// A model's run embeds it, and may add flags of its own.
type regression struct {
	target      string
	featureList string
	features    []string // nil: every column but the target
	noIntercept bool
	estName     string
	estimator   bbvi.Estimator
	priorScale  float64
	draws       int
	drawsOut    string
	resample    bool
	group       string // --group: the column of the varying intercepts' levels; "" for none
	predict     string // --predict: the CSV file of rows to predict
	predictOut  string // --predict-out: where their draws go
	predictN    int    // --predict-draws
}

// flags defines the regression flags, bound to r.
func (r *regression) flags(fs *flag.FlagSet) {
	fs.StringVar(&r.target, "target", "", "the `column` to predict (required)")
	fs.StringVar(&r.featureList, "features", "", "comma-separated feature `columns` (default every other column but the group's and the model's own, in file order)")
	fs.BoolVar(&r.noIntercept, "no-intercept", false, "fit no intercept")
	fs.StringVar(&r.estName, "estimator", "reparam", "the ELBO gradient `estimator`, by its name in bbvi.EstimatorByName")
	fs.Float64Var(&r.priorScale, "prior-scale", 10, "prior sd `S` of the coefficients, Normal(0, S²)")
	fs.IntVar(&r.draws, "draws", 0, "number `N` of joint posterior draws to write to --draws-out")
	fs.StringVar(&r.drawsOut, "draws-out", "", "CSV `file` for the --draws posterior draws, in CmdStan's layout")
	fs.BoolVar(&r.resample, "resample", false, "draw --draws-out by importance resampling with the Pareto-smoothed weights")
	fs.StringVar(&r.group, "group", "", "varying intercepts by the levels of the `column` (numbers or text)")
	fs.StringVar(&r.predict, "predict", "", "CSV `file` of rows whose target to predict (to --predict-out)")
	fs.StringVar(&r.predictOut, "predict-out", "", "CSV `file` for the --predict draws: a column per row, a draw per line")
	fs.IntVar(&r.predictN, "predict-draws", 1000, "`number` of posterior predictive draws per row for --predict")
}

// check validates the regression flags.
func (r *regression) check(o *fitOptions, given map[string]bool) error {
	r.target = strings.TrimSpace(r.target)
	if r.target == "" {
		return badf("--target is required")
	}
	est, err := bbvi.EstimatorByName(r.estName)
	if err != nil {
		return badf("--estimator: %w", err)
	}
	r.estimator = est
	if given["features"] {
		r.features = strings.Split(r.featureList, ",")
		for i, f := range r.features {
			r.features[i] = strings.TrimSpace(f)
			if r.features[i] == "" {
				return badf("--features %q has an empty name", r.featureList)
			}
		}
	}
	switch {
	case !(r.priorScale > 0) || math.IsInf(r.priorScale, 0):
		return badf("--prior-scale %v must be positive and finite", r.priorScale)
	case r.draws < 0:
		return badf("--draws %d must not be negative", r.draws)
	case (given["draws"] || r.draws > 0) != (r.drawsOut != ""):
		return badf("--draws N and --draws-out FILE go together")
	case r.resample && r.drawsOut == "":
		return badf("--resample needs --draws N --draws-out FILE")
	case r.drawsOut != "" && r.draws == 0:
		return badf("--draws %d must be at least 1 with --draws-out", r.draws)
	case samePath(o.out, r.drawsOut):
		return badf("--out and --draws-out are both %s", o.out)
	case samePath(r.drawsOut, o.data):
		return badf("--draws-out %s would overwrite the --data file", r.drawsOut)
	case (r.predict != "") != (r.predictOut != ""):
		return badf("--predict FILE and --predict-out FILE go together")
	case given["predict-draws"] && r.predict == "":
		return badf("--predict-draws needs --predict FILE --predict-out FILE")
	case r.predictN < 1:
		return badf("--predict-draws %d must be at least 1", r.predictN)
	case samePath(r.predictOut, o.data) || samePath(r.predictOut, r.predict):
		return badf("--predict-out %s would overwrite an input file", r.predictOut)
	case samePath(r.predictOut, o.out) || samePath(r.predictOut, r.drawsOut):
		return badf("--predict-out %s is also another output", r.predictOut)
	}
	r.group = strings.TrimSpace(r.group)
	if given["group"] && r.group == "" {
		return badf("--group: empty column name")
	}
	return nil
}

// problem is a regression model with its data, ready to fit.
type problem struct {
	model    bbvi.Model
	data     bbvi.Data
	features []string // the feature columns, in order
	n        int      // the number of rows
	groups   *models.Groups
	level    map[string]int // --group: each level's group number
}

// load reads the --data file and builds the model m and its data. Every error
// is a usageError naming the file (and line and column where there is one).
func (r *regression) load(o *fitOptions, m regressionModel) (*problem, error) {
	var text []string
	if r.group != "" {
		text = []string{r.group}
	}
	t, err := readCSV(o.data, text)
	if err != nil {
		return nil, err
	}
	if _, err := t.Index(r.target); err != nil {
		return nil, bad(err)
	}
	if r.group == r.target {
		return nil, badf("%s: --group %q is the target column", o.data, r.group)
	}
	own := append([]string{r.target}, m.columns()...)
	if r.group != "" {
		own = append(own, r.group)
	}
	features := r.features
	if features == nil {
		for _, c := range t.Columns {
			if !slices.Contains(own, c) {
				features = append(features, c)
			}
		}
		if len(features) == 0 {
			return nil, badf("%s: no feature columns (the others are %s)", o.data, strings.Join(own, ", "))
		}
	}
	seen := map[string]bool{}
	for _, f := range features {
		if _, err := t.Index(f); err != nil {
			return nil, bad(err)
		}
		switch {
		case f == r.target:
			return nil, badf("%s: feature %q is the target column", o.data, f)
		case f == r.group:
			return nil, badf("%s: feature %q is the --group column", o.data, f)
		case slices.Contains(own, f):
			return nil, badf("%s: feature %q is a column the model reads otherwise", o.data, f)
		case seen[f]:
			return nil, badf("%s: feature %q is listed twice in --features", o.data, f)
		case f == "intercept" && !r.noIntercept:
			return nil, badf("%s: feature column %q clashes with the intercept's name (rename it or use --no-intercept)", o.data, f)
		case r.group != "" && f == "tau":
			return nil, badf("%s: feature column %q clashes with the group scale's name (rename it)", o.data, f)
		}
		seen[f] = true
	}
	if err := m.checkData(t, features); err != nil {
		return nil, err
	}
	X, _, err := t.Matrix(features)
	if err != nil {
		return nil, bad(err)
	}
	y, err := t.Column(r.target)
	if err != nil {
		return nil, bad(err)
	}
	p := &problem{features: features, n: len(y)}
	rows := models.Rows{X: X, Y: y}
	if r.group != "" {
		switch r.group {
		case "beta", "tau", "eta", "sigma", "phi":
			return nil, badf("%s: --group column %q clashes with the name of a latent (rename it)", o.data, r.group)
		}
		p.groups = &models.Groups{Name: r.group}
		p.level = map[string]int{}
		for _, v := range t.Text[r.group] {
			g, ok := p.level[v]
			if !ok {
				g = len(p.groups.Levels)
				p.level[v] = g
				p.groups.Levels = append(p.groups.Levels, v)
			}
			rows.Group = append(rows.Group, g)
		}
	}
	if p.model, p.data, err = m.newModel(features, t, rows, p.groups); err != nil {
		return nil, badf("%s: %v", o.data, err)
	}
	d := 0
	for _, l := range p.model.Latents() {
		d += max(l.Size, 1)
	}
	if err := o.checkMemory(fitSize{n: p.n, d: d, draws: r.draws, report: d <= maxReportCov}); err != nil {
		return nil, err
	}
	if p.groups != nil {
		// The groups' deviations are summarized from bbvi.PosteriorDraws draws, kept in memory.
		levels := float64(len(p.groups.Levels))
		if err := checkMemory(fmt.Sprintf("the deviations of the %d levels of --group %s", len(p.groups.Levels), r.group),
			bytesOf(levels*bbvi.PosteriorDraws*8*3)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// loadPredict reads the --predict file and returns its rows as data for the
// fitted problem p, and the number of rows.
func (r *regression) loadPredict(o *fitOptions, m regressionModel, p *problem) (bbvi.Data, int, error) {
	var text []string
	if r.group != "" {
		text = []string{r.group}
	}
	t, err := readCSV(r.predict, text)
	if err != nil {
		return nil, 0, err
	}
	X, _, err := t.Matrix(p.features)
	if err != nil {
		return nil, 0, bad(err)
	}
	for _, c := range m.columns() {
		if _, err := t.Index(c); err != nil {
			return nil, 0, bad(err)
		}
	}
	rows := models.Rows{X: X}
	if r.group != "" {
		j, _ := t.Index(r.group)
		for i, v := range t.Text[r.group] {
			g, ok := p.level[v]
			if !ok {
				return nil, 0, badf("%s:%d:%d (column %q): level %q does not appear in the --data file %s", r.predict, t.Line(i), j+1, r.group, v, o.data)
			}
			rows.Group = append(rows.Group, g)
		}
	}
	_, data, err := m.newModel(p.features, t, rows, p.groups)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return nil, 0, err
		}
		return nil, 0, badf("%s: %v", r.predict, err)
	}
	n := len(t.Rows)
	if err := checkMemory(fmt.Sprintf("--predict-draws %d of %d rows", r.predictN, n), bytesOf(float64(r.predictN)*float64(n)*8*4+float64(min(r.predictN, 256))*float64(n)*8*16)); err != nil {
		return nil, 0, err
	}
	return data, n, nil
}

// writePredictions writes the --predict-out file: --predict-draws posterior
// predictive draws of the target for each of the n rows of the --predict
// file, whose data are data.
func (r *regression) writePredictions(o *fitOptions, p *problem, post *bbvi.Posterior, data bbvi.Data, n int) error {
	pm, ok := p.model.(bbvi.Predictor)
	if !ok {
		return fmt.Errorf("--predict: model %s cannot simulate its target", o.model)
	}
	rng := rand.New(rand.NewPCG(o.seed^predictStream, o.seed))
	draws, err := bbvi.Predict(pm, post, data, r.predictN, rng)
	if err != nil {
		return err
	}
	header := make([]string, n)
	for i := range header {
		header[i] = fmt.Sprintf("%s[%d]", r.target, i+1)
	}
	out := make([][]float64, r.predictN)
	for s := range out {
		out[s] = draws[s*n : (s+1)*n]
	}
	return datasets.SaveCSV(r.predictOut, header, out)
}

// predictStream seeds the random stream of the --predict draws.
const predictStream = 0x6a09e667f3bcc908

// maxReportCov is the largest number of coefficients whose covariance the
// report holds (a 2000×2000 matrix is about 80 MB of JSON); above it "cov" is
// null and "sd" has the diagonal.
const maxReportCov = 2000

// fit is the run of a regression model m: it loads the data, fits the
// posterior and writes the report (with noiseSD, when > 0, as noise_sd) and
// the --draws-out draws.
func (r *regression) fit(o *fitOptions, e *env, m regressionModel, noiseSD float64) error {
	if err := checkWritable(r.drawsOut); err != nil {
		return err
	}
	if err := checkWritable(r.predictOut); err != nil {
		return err
	}
	p, err := r.load(o, m)
	if err != nil {
		return err
	}
	var pred bbvi.Data // the --predict rows, read before the fit so that bad input stops it
	var npred int
	if r.predict != "" {
		if pred, npred, err = r.loadPredict(o, m, p); err != nil {
			return err
		}
	}
	set := o.settings()
	set.Estimator = r.estimator
	bar := o.progress(e, set)
	post, err := bbvi.Fit(p.model, p.data, set, o.fitRand())
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}

	rep := r.report(o, p, post)
	if noiseSD > 0 {
		rep.NoiseSD = &noiseSD
	}
	doc, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	doc = append(doc, '\n')
	if r.drawsOut != "" {
		if err := r.writeDraws(o, post); err != nil {
			return err
		}
	}
	if r.predict != "" {
		if err := r.writePredictions(o, p, post, pred, npred); err != nil {
			return err
		}
	}
	if err := writeResult(e, o.out, doc); err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintln(e.stderr, summary(post))
	}
	return nil
}

// writeDraws writes the --draws-out file: --draws draws from q (or, with
// --resample, resampled diagnostic draws) in CmdStan's CSV layout, which
// ArviZ's from_cmdstan and R's read.csv(comment.char = "#") read.
func (r *regression) writeDraws(o *fitOptions, post *bbvi.Posterior) error {
	rng := rand.New(rand.NewPCG(o.seed^drawsStream, o.seed))
	var rows [][]float64
	source := "q"
	if r.resample {
		if post.Diagnostics == nil {
			return errors.New("--resample: the fit has no diagnostic draws")
		}
		res, err := post.Diagnostics.Resample(r.draws, rng)
		if err != nil {
			return err
		}
		rows, source = res, "importance resampling of q's draws with Pareto-smoothed weights"
	} else {
		d := post.Dim()
		flat := post.Sample(nil, r.draws, rng)
		for i := 0; i < r.draws; i++ {
			rows = append(rows, flat[i*d:(i+1)*d])
		}
	}
	out := make([][]float64, len(rows))
	for i, row := range rows {
		out[i] = append([]float64{0}, row...) // lp__ = 0, as CmdStan's variational draws
	}
	comments := []string{
		"model = vigor_" + o.model,
		"method = variational",
		"algorithm = bbvi (family " + post.Family + ", estimator " + post.Estimator + ")",
		"status = " + post.Status.String(),
		fmt.Sprintf("output_samples = %d", len(rows)),
		"draws = " + source,
	}
	if d := post.Diagnostics; d != nil {
		comments = append(comments, fmt.Sprintf("pareto_k = %.4g", d.ParetoK), fmt.Sprintf("elbo = %.6g", d.ELBO))
	}
	return datasets.SaveCSVComments(r.drawsOut, comments, append([]string{"lp__"}, post.Names...), out)
}

// quantiles are the 5%, 50% and 95% posterior quantiles, in names order.
type quantiles struct {
	Q5  []jsonFloat `json:"5"`
	Q50 []jsonFloat `json:"50"`
	Q95 []jsonFloat `json:"95"`
}

// fitReport is the JSON document written by `vigor fit` for a regression. The
// field order is the output order.
type fitReport struct {
	Model             string           `json:"model"`
	Family            string           `json:"family"`
	Estimator         string           `json:"estimator"`
	Names             []string         `json:"names"`
	Mean              []jsonFloat      `json:"mean"`
	SD                []jsonFloat      `json:"sd"`
	Cov               [][]jsonFloat    `json:"cov"` // null above maxReportCov coefficients
	Quantiles         quantiles        `json:"quantiles"`
	ELBO              jsonFloat        `json:"elbo"`
	ELBOTrace         []jsonELBOPoint  `json:"elbo_trace"`
	Steps             int              `json:"steps"`
	Converged         bool             `json:"converged"`
	Status            bbvi.Status      `json:"status"`
	Reason            string           `json:"reason"`
	Start             string           `json:"start"`
	Diagnostics       *jsonDiagnostics `json:"diagnostics,omitempty"`
	Seconds           float64          `json:"seconds"`
	Optimizer         string           `json:"optimizer"`
	OptimizerSettings string           `json:"optimizer_settings"`
	Samples           int              `json:"samples"`
	Batch             int              `json:"batch"`
	Seed              uint64           `json:"seed"`
	N                 int              `json:"n"`
	Data              string           `json:"data"`
	Target            string           `json:"target"`
	Features          []string         `json:"features"`
	Intercept         bool             `json:"intercept"`
	PriorScale        float64          `json:"prior_scale"`
	NoiseSD           *float64         `json:"noise_sd,omitempty"`
	Group             string           `json:"group,omitempty"`
	Levels            int              `json:"levels,omitempty"`
	MaxSteps          int              `json:"max_steps"`
	Tol               float64          `json:"tol"`
	Dtype             string           `json:"dtype"`
}

// report summarizes the posterior fitted to p and the settings used.
func (r *regression) report(o *fitOptions, p *problem, post *bbvi.Posterior) *fitReport {
	d := post.Dim()
	var cov [][]jsonFloat
	if d <= maxReportCov && post.Derived == nil {
		flatCov := jsonFloats(post.Cov())
		cov = make([][]jsonFloat, d)
		for i := range cov {
			cov[i] = flatCov[i*d : (i+1)*d]
		}
	}
	names, mean, sd := post.Names, post.Mean(), post.SD()
	q5, q50, q95 := post.Quantile(0.05), post.Quantile(0.5), post.Quantile(0.95)
	if dv := post.Derived; dv != nil {
		// The group deviations replace the standardized eta latents.
		keep := groupFree(post)
		names, mean, sd = pick(names, keep), pick(mean, keep), pick(sd, keep)
		q5, q50, q95 = pick(q5, keep), pick(q50, keep), pick(q95, keep)
		names = append(names, dv.Names...)
		mean, sd = append(mean, dv.Mean()...), append(sd, dv.SD()...)
		q5, q50, q95 = append(q5, dv.Quantile(0.05)...), append(q50, dv.Quantile(0.5)...), append(q95, dv.Quantile(0.95)...)
		cov = nil
	}
	rep := &fitReport{
		Model:             o.model,
		Family:            post.Family,
		Estimator:         post.Estimator,
		Names:             names,
		Mean:              jsonFloats(mean),
		SD:                jsonFloats(sd),
		Cov:               cov,
		Quantiles:         quantiles{Q5: jsonFloats(q5), Q50: jsonFloats(q50), Q95: jsonFloats(q95)},
		ELBO:              jsonFloat(post.ELBO()),
		ELBOTrace:         jsonTrace(post.Trace),
		Steps:             post.Steps,
		Converged:         post.Status == bbvi.Converged,
		Status:            post.Status,
		Reason:            post.Reason,
		Start:             post.Start,
		Diagnostics:       jsonDiag(post.Diagnostics),
		Seconds:           math.Round(post.Seconds*1000) / 1000,
		Optimizer:         o.optName,
		OptimizerSettings: o.opt.String(),
		Samples:           o.samples,
		Batch:             o.effectiveBatch(p.n),
		Seed:              o.seed,
		N:                 p.n,
		Data:              o.data,
		Target:            r.target,
		Features:          p.features,
		Intercept:         !r.noIntercept,
		PriorScale:        r.priorScale,
		MaxSteps:          o.steps,
		Tol:               o.tol,
		Dtype:             o.dtype(),
		Group:             r.group,
	}
	if p.groups != nil {
		rep.Levels = len(p.groups.Levels)
	}
	if rep.ELBOTrace == nil {
		rep.ELBOTrace = []jsonELBOPoint{}
	}
	return rep
}

// summary is what is printed on stderr after a fit: one line such as
// "fit: 2400 steps, converged, ELBO -231.4 ± 0.03, Pareto k̂ 0.21: reliable,
// 1.2 s", then, for a doubtful fit, its reasons and a hint.
func summary(post *bbvi.Posterior) string {
	status := post.Status.String()
	switch post.Status {
	case bbvi.StepLimit:
		status = "not converged (reached --steps)"
	case bbvi.Doubtful:
		status = "optimization converged"
	}
	d := post.Diagnostics
	if d == nil {
		return fmt.Sprintf("fit: %d steps, %s, ELBO %s, %.1f s", post.Steps, status, formatELBO(post.ELBO()), post.Seconds)
	}
	line := fmt.Sprintf("fit: %d steps, %s, ELBO %s ± %.2g, Pareto k̂ %.2f: %s, %.1f s",
		post.Steps, status, formatELBO(d.ELBO), d.ELBOSE, d.ParetoK, verdictWord(d), post.Seconds)
	if !d.Reliable {
		for _, r := range d.Reasons {
			line += "\n  " + r
		}
		if d.Hint != "" {
			line += "\n  hint: " + d.Hint
		}
	} else if d.Note != "" {
		line += "\n  note: " + d.Note
	}
	return line
}

// verdictWord is "reliable" or "doubtful".
func verdictWord(d *bbvi.Diagnostics) string {
	if d.Reliable {
		return "reliable"
	}
	return "doubtful"
}

// groupFree returns, for each component of post, whether it is reported:
// every one but those of the standardized group effects "eta".
func groupFree(post *bbvi.Posterior) []bool {
	keep := make([]bool, 0, post.Dim())
	for _, l := range post.Latents {
		for range max(l.Size, 1) {
			keep = append(keep, l.Name != "eta")
		}
	}
	return keep
}

// pick returns the values of vals whose keep is true.
func pick[T any](vals []T, keep []bool) []T {
	var out []T
	for i, v := range vals {
		if keep[i] {
			out = append(out, v)
		}
	}
	return out
}
