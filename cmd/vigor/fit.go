package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// Seeds of the two random streams derived from --seed: one for the fit, one
// for the posterior draws written by --draws-out.
const (
	fitStream   = 0x9e3779b97f4a7c15
	drawsStream = 0xd1b54a32d192ed03
)

// fitOptions are the parsed flags of `vigor fit`.
type fitOptions struct {
	model       string
	data        string
	target      string
	features    []string // nil: every column but the target
	noIntercept bool
	family      bbvi.Family
	estimator   bbvi.Estimator
	priorScale  float64
	noiseSD     float64
	samples     int
	batch       int
	steps       int
	optName     string
	lr          float64
	tol         float64
	seed        uint64
	quiet       bool
	out         string
	draws       int
	drawsOut    string
	float32     bool
	gmm         *gmmOptions // --model gmm only; see gmm.go
}

// usageError is a problem with the command line or the input data: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func badf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

const fitUsageHead = `usage: vigor fit --model linear|logistic --data FILE.csv --target COL [flags]
       vigor fit --model gmm --k K --data FILE.csv [--method bbvi-marginal|bbvi|em] [flags]

Fit fits a Bayesian linear or logistic regression to the numeric CSV file FILE.csv
(with a header row) by black-box variational inference, and writes the fitted
posterior as JSON to stdout or --out. The coefficients are named after their
columns; "intercept" comes first, and "sigma" (the noise sd) last when it is
learned. With --model gmm it fits a mixture of K diagonal Gaussians to the
--columns of FILE.csv instead, by BBVI or EM (--method), and writes the
components sorted by their means; --assignments writes each row's component
probabilities. See "go doc github.com/vigor-ml/vigor/cmd/vigor" for the JSON fields.

Progress goes to stderr: a progress bar on a terminal, else one summary line at
the end (none with --quiet). Exit status: 0 on success, 1 if the fit or the
output fails, 2 for bad flags or bad input (one line naming file, line and column).

Flags:
`

func newFitFlags() (*flag.FlagSet, *rawFitFlags) {
	fs := flag.NewFlagSet("vigor fit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	r := &rawFitFlags{}
	fs.StringVar(&r.model, "model", "", "the `model`: linear, logistic or gmm (required)")
	fs.StringVar(&r.data, "data", "", "the CSV `file` with a header row (required)")
	fs.StringVar(&r.target, "target", "", "the `column` to predict (required); 0/1 for logistic")
	fs.StringVar(&r.features, "features", "", "comma-separated feature `columns` (default every column but the target, in file order)")
	fs.BoolVar(&r.noIntercept, "no-intercept", false, "fit no intercept")
	fs.StringVar(&r.family, "family", "meanfield", "the variational `family`: meanfield or fullrank")
	fs.StringVar(&r.estimator, "estimator", "reparam", "the gradient `estimator`: reparam, reparam-mcentropy, or score[-rb][-decay|-loo|-optimal]")
	fs.Float64Var(&r.priorScale, "prior-scale", 10, "prior sd `S` of the coefficients, Normal(0, S²)")
	fs.Float64Var(&r.noiseSD, "noise-sd", 0, "known noise sd `SIGMA` (linear only); 0 learns sigma with a HalfNormal(10) prior")
	fs.IntVar(&r.samples, "samples", 8, "Monte Carlo `draws` per gradient step")
	fs.IntVar(&r.batch, "batch", 0, "`rows` per step (minibatch, likelihood scaled by N/B); 0 means all")
	fs.IntVar(&r.steps, "steps", 20000, "maximum number of optimizer `steps`")
	fs.StringVar(&r.optimizer, "optimizer", "adam", "the `optimizer`: adam, rmsprop, adagrad or sgd")
	fs.Float64Var(&r.lr, "lr", 0, "learning `rate`; 0 means the optimizer's default (adam 0.01, rmsprop 0.01, adagrad 0.1, sgd 0.001)")
	fs.Float64Var(&r.tol, "tol", 0.001, "relative ELBO `tolerance` for convergence; 0 or negative runs all --steps")
	fs.Uint64Var(&r.seed, "seed", 1, "random `seed`; the same seed gives the same result")
	fs.BoolVar(&r.quiet, "quiet", false, "print no progress or summary on stderr")
	fs.StringVar(&r.out, "out", "", "write the JSON to `file` (atomically) instead of stdout")
	fs.IntVar(&r.draws, "draws", 0, "number `N` of joint posterior draws to write to --draws-out")
	fs.StringVar(&r.drawsOut, "draws-out", "", "CSV `file` for the --draws posterior draws (header: the names)")
	fs.BoolVar(&r.float32, "float32", false, "compute in float32 instead of float64")
	addGMMFlags(fs, &r.gmm)
	return fs, r
}

// rawFitFlags are the flag values before validation.
type rawFitFlags struct {
	model, data, target, features, family, optimizer, out, drawsOut string
	noIntercept, quiet, float32                                     bool
	priorScale, noiseSD, lr, tol                                    float64
	samples, batch, steps, draws                                    int
	seed                                                            uint64
	estimator                                                       string
	gmm                                                             rawGMMFlags // see gmm.go
}

func fitUsage(w io.Writer) {
	fs, _ := newFitFlags()
	fmt.Fprint(w, fitUsageHead)
	printFlags(w, fs)
}

// parseFitFlags parses and checks the command line. It returns flag.ErrHelp for
// -h, and a usageError for everything else that is wrong.
func parseFitFlags(args []string) (*fitOptions, error) {
	fs, r := newFitFlags()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, badf("%v (see vigor fit -h)", err)
	}
	if fs.NArg() > 0 {
		return nil, badf("unexpected argument %q (see vigor fit -h)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	o := &fitOptions{
		model: r.model, data: r.data, target: strings.TrimSpace(r.target), noIntercept: r.noIntercept,
		priorScale: r.priorScale, noiseSD: r.noiseSD, samples: r.samples, batch: r.batch,
		steps: r.steps, optName: strings.ToLower(strings.TrimSpace(r.optimizer)), lr: r.lr, tol: r.tol,
		seed: r.seed, quiet: r.quiet, out: r.out, draws: r.draws, drawsOut: r.drawsOut, float32: r.float32,
	}
	switch {
	case o.model == "":
		return nil, badf("--model is required (linear, logistic or gmm)")
	case o.model != "linear" && o.model != "logistic" && o.model != "gmm":
		return nil, badf("unknown model %q (want linear, logistic or gmm)", o.model)
	case o.data == "":
		return nil, badf("--data is required")
	}
	if err := checkGMMFlags(o, &r.gmm, set); err != nil {
		return nil, err
	}
	switch {
	case o.target == "" && o.model != "gmm":
		return nil, badf("--target is required")
	}
	fam, err := bbvi.FamilyByName(r.family)
	if err != nil || strings.TrimSpace(r.family) == "" {
		return nil, badf("unknown family %q (want meanfield or fullrank)", r.family)
	}
	o.family = fam
	if o.estimator, err = bbvi.EstimatorByName(r.estimator); err != nil {
		return nil, badf("unknown estimator %q (want reparam, reparam-mcentropy or score[-rb][-decay|-loo|-optimal])", r.estimator)
	}
	if set["features"] {
		o.features = strings.Split(r.features, ",")
		for i, f := range o.features {
			o.features[i] = strings.TrimSpace(f)
			if o.features[i] == "" {
				return nil, badf("--features %q has an empty name", r.features)
			}
		}
	}
	if !(o.priorScale > 0) || math.IsInf(o.priorScale, 0) {
		return nil, badf("--prior-scale %v must be positive and finite", o.priorScale)
	}
	if set["noise-sd"] && o.model == "logistic" {
		return nil, badf("--noise-sd applies to the linear model only")
	}
	if !(o.noiseSD >= 0) || math.IsInf(o.noiseSD, 0) {
		return nil, badf("--noise-sd %v must be positive (or 0 to learn sigma)", o.noiseSD)
	}
	switch {
	case o.samples < 1:
		return nil, badf("--samples %d must be at least 1", o.samples)
	case o.batch < 0:
		return nil, badf("--batch %d must not be negative (0 means all rows)", o.batch)
	case o.steps < 1:
		return nil, badf("--steps %d must be at least 1", o.steps)
	case !(o.lr >= 0) || math.IsInf(o.lr, 0):
		return nil, badf("--lr %v must be positive and finite (or 0 for the default)", o.lr)
	case math.IsNaN(o.tol) || math.IsInf(o.tol, 0):
		return nil, badf("--tol %v must be finite", o.tol)
	case o.draws < 0:
		return nil, badf("--draws %d must not be negative", o.draws)
	}
	switch o.optName {
	case "adam", "rmsprop", "adagrad", "sgd":
	default:
		return nil, badf("unknown optimizer %q (want adam, rmsprop, adagrad or sgd)", r.optimizer)
	}
	if (set["draws"] || o.draws > 0) != (o.drawsOut != "") {
		return nil, badf("--draws N and --draws-out FILE go together")
	}
	if o.drawsOut != "" && o.draws == 0 {
		return nil, badf("--draws %d must be at least 1 with --draws-out", o.draws)
	}
	same := func(a, b string) bool { return a != "" && b != "" && filepath.Clean(a) == filepath.Clean(b) }
	switch {
	case o.out == "-":
		o.out = ""
	case same(o.out, o.data):
		return nil, badf("--out %s would overwrite the --data file", o.out)
	case same(o.out, o.drawsOut):
		return nil, badf("--out and --draws-out are both %s", o.out)
	}
	if same(o.drawsOut, o.data) {
		return nil, badf("--draws-out %s would overwrite the --data file", o.drawsOut)
	}
	return o, nil
}

// problem is a model with its data, ready to fit.
type problem struct {
	model    bbvi.Model
	data     bbvi.Data
	features []string
	n        int
}

// loadProblem reads the CSV file and builds the model. Every error is a
// usageError naming the file (and line and column where there is one).
func loadProblem(o *fitOptions) (*problem, error) {
	t, err := datasets.ReadCSV(o.data)
	if err != nil {
		return nil, usageError{err}
	}
	if _, err := t.Index(o.target); err != nil {
		return nil, usageError{err}
	}
	features := o.features
	if features == nil {
		for _, c := range t.Columns {
			if c != o.target {
				features = append(features, c)
			}
		}
		if len(features) == 0 {
			return nil, badf("%s: no feature columns (the only column is the target %q)", o.data, o.target)
		}
	}
	seen := map[string]bool{}
	for _, f := range features {
		if _, err := t.Index(f); err != nil {
			return nil, usageError{err}
		}
		switch {
		case f == o.target:
			return nil, badf("%s: feature %q is the target column", o.data, f)
		case seen[f]:
			return nil, badf("%s: feature %q is listed twice in --features", o.data, f)
		case f == "intercept" && !o.noIntercept:
			return nil, badf("%s: feature column %q clashes with the intercept's name (rename it or use --no-intercept)", o.data, f)
		case f == "sigma" && o.model == "linear" && o.noiseSD == 0:
			return nil, badf("%s: feature column %q clashes with the learned noise sd's name (rename it or give --noise-sd)", o.data, f)
		}
		seen[f] = true
	}
	if o.model == "logistic" {
		if err := t.CheckBinary(o.target); err != nil {
			return nil, usageError{err}
		}
	}
	X, _, err := t.Matrix(features)
	if err != nil {
		return nil, usageError{err}
	}
	y, err := t.Column(o.target)
	if err != nil {
		return nil, usageError{err}
	}
	p := &problem{features: features, n: len(y)}
	switch o.model {
	case "linear":
		m := &bbvi.LinearRegression{Features: features, Intercept: !o.noIntercept, PriorScale: o.priorScale, NoiseSD: o.noiseSD}
		p.model = m
		p.data, err = m.Data(X, y)
	case "logistic":
		m := &bbvi.LogisticRegression{Features: features, Intercept: !o.noIntercept, PriorScale: o.priorScale}
		p.model = m
		p.data, err = m.Data(X, y)
	}
	if err != nil {
		return nil, badf("%s: %v", o.data, err)
	}
	return p, nil
}

// quantiles are the 5%, 50% and 95% posterior quantiles, in names order.
type quantiles struct {
	Q5  []float64 `json:"5"`
	Q50 []float64 `json:"50"`
	Q95 []float64 `json:"95"`
}

// fitReport is the JSON document written by `vigor fit`. The field order is
// the output order.
type fitReport struct {
	Model             string           `json:"model"`
	Family            string           `json:"family"`
	Estimator         string           `json:"estimator"`
	Names             []string         `json:"names"`
	Mean              []float64        `json:"mean"`
	SD                []float64        `json:"sd"`
	Cov               [][]float64      `json:"cov"`
	Quantiles         quantiles        `json:"quantiles"`
	ELBO              float64          `json:"elbo"`
	ELBOTrace         []bbvi.ELBOPoint `json:"elbo_trace"`
	Steps             int              `json:"steps"`
	Converged         bool             `json:"converged"`
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
	MaxSteps          int              `json:"max_steps"`
	Tol               float64          `json:"tol"`
	Dtype             string           `json:"dtype"`
}

func runFit(args []string, e *env) int {
	o, err := parseFitFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fitUsage(e.stderr)
		return 0
	}
	if err != nil {
		return fitFail(e, err)
	}
	if o.model == "gmm" {
		return runGMM(o, e)
	}
	for _, path := range []string{o.out, o.drawsOut} {
		if err := checkWritable(path); err != nil {
			return fitFail(e, err)
		}
	}
	p, err := loadProblem(o)
	if err != nil {
		return fitFail(e, err)
	}
	set, opt, err := fitSettings(o)
	if err != nil {
		return fitFail(e, err)
	}
	set.Estimator = o.estimator
	var bar *progressBar
	if e.isTTY && !o.quiet {
		bar = newProgressBar(e.stderr)
		set.Progress = bar.update
	}
	rng := rand.New(rand.NewPCG(o.seed, o.seed^fitStream))
	post, err := bbvi.Fit(p.model, p.data, set, rng)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return fitFail(e, err)
	}

	rep := report(o, p, post, opt.String())
	doc, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fitFail(e, fmt.Errorf("encoding the result: %w", err))
	}
	doc = append(doc, '\n')
	if o.drawsOut != "" {
		d := post.Dim()
		flat := post.Sample(nil, o.draws, rand.New(rand.NewPCG(o.seed^drawsStream, o.seed)))
		rows := make([][]float64, o.draws)
		for i := range rows {
			rows[i] = flat[i*d : (i+1)*d]
		}
		if err := datasets.SaveCSV(o.drawsOut, post.Names, rows); err != nil {
			return fitFail(e, err)
		}
	}
	if err := writeResult(e, o.out, doc); err != nil {
		return fitFail(e, err)
	}
	if !o.quiet {
		fmt.Fprintln(e.stderr, summary(post))
	}
	return 0
}

// fitSettings turns the shared BBVI flags into Settings (without an
// Estimator) and returns the optimizer with them.
func fitSettings(o *fitOptions) (*bbvi.Settings, graph.Optimizer, error) {
	opt, err := bbvi.NewOptimizer(o.optName, o.lr)
	if err != nil {
		return nil, nil, usageError{err}
	}
	set := &bbvi.Settings{
		Family:    o.family,
		Draws:     o.samples,
		BatchSize: o.batch,
		Optimizer: opt,
		MaxSteps:  o.steps,
		Tol:       o.tol,
		Dtype:     graph.Float64,
	}
	if o.tol <= 0 {
		set.Tol = -1 // bbvi reads 0 as "the default"; here it means "never stop early"
	}
	if o.float32 {
		set.Dtype = graph.Float32
	}
	return set, opt, nil
}

// writeResult writes doc to stdout, or atomically to path when it is set.
func writeResult(e *env, path string, doc []byte) error {
	if path == "" {
		if _, err := e.stdout.Write(doc); err != nil {
			return fmt.Errorf("writing the result: %w", err)
		}
		return nil
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(doc)
		return err
	})
}

// checkWritable rejects, before a possibly long fit, an output path that cannot
// be written: one whose directory does not exist or that names a directory.
// An empty path (stdout) is fine.
func checkWritable(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return badf("%s: output exists and is not a regular file", path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return badf("%s: cannot write there: directory %s does not exist", path, dir)
	}
	if !fi.IsDir() {
		return badf("%s: cannot write there: %s is not a directory", path, dir)
	}
	return nil
}

// fitFail prints err as one line and returns its exit code: 2 for a
// usageError, 1 otherwise.
func fitFail(e *env, err error) int {
	fmt.Fprintf(e.stderr, "vigor fit: %s\n", oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func report(o *fitOptions, p *problem, post *bbvi.Posterior, optSettings string) *fitReport {
	d := post.Dim()
	flatCov := post.Cov()
	cov := make([][]float64, d)
	for i := range cov {
		cov[i] = flatCov[i*d : (i+1)*d]
	}
	sd := make([]float64, d)
	for i := range sd {
		sd[i] = math.Sqrt(flatCov[i*d+i])
	}
	batch := p.n
	if o.batch > 0 && o.batch < p.n {
		batch = o.batch
	}
	rep := &fitReport{
		Model:             o.model,
		Family:            post.Family,
		Estimator:         post.Estimator,
		Names:             post.Names,
		Mean:              post.Mean(),
		SD:                sd,
		Cov:               cov,
		Quantiles:         quantiles{Q5: post.Quantile(0.05), Q50: post.Quantile(0.5), Q95: post.Quantile(0.95)},
		ELBO:              post.ELBO(),
		ELBOTrace:         post.Trace,
		Steps:             post.Steps,
		Converged:         post.Converged,
		Seconds:           math.Round(post.Seconds*1000) / 1000,
		Optimizer:         o.optName,
		OptimizerSettings: optSettings,
		Samples:           o.samples,
		Batch:             batch,
		Seed:              o.seed,
		N:                 p.n,
		Data:              o.data,
		Target:            o.target,
		Features:          p.features,
		Intercept:         !o.noIntercept,
		PriorScale:        o.priorScale,
		MaxSteps:          o.steps,
		Tol:               o.tol,
		Dtype:             "float64",
	}
	if rep.ELBOTrace == nil {
		rep.ELBOTrace = []bbvi.ELBOPoint{}
	}
	if o.model == "linear" && o.noiseSD > 0 {
		s := o.noiseSD
		rep.NoiseSD = &s
	}
	if o.float32 {
		rep.Dtype = "float32"
	}
	return rep
}

// summary is the one line printed on stderr after a fit, such as
// "fit: 2400 steps, converged, ELBO -231.4, 1.2 s".
func summary(post *bbvi.Posterior) string {
	status := "converged"
	if !post.Converged {
		status = "not converged (reached --steps)"
	}
	return fmt.Sprintf("fit: %d steps, %s, ELBO %s, %.1f s", post.Steps, status, formatELBO(post.ELBO()), post.Seconds)
}

// formatELBO prints an ELBO with about five significant digits, without an
// exponent for everyday magnitudes.
func formatELBO(v float64) string {
	if a := math.Abs(v); a >= 1e4 && a < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.5g", v)
}

// elapsed formats a duration for the progress bar.
func elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
