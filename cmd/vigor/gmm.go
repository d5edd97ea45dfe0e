package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/mixture"
	"github.com/vigor-ml/vigor/datasets"
)

// This file holds `vigor fit --model gmm`: a Gaussian mixture fitted by BBVI
// (assignments summed out, or kept discrete with the score-function
// estimator) or by EM.

// gmmMethods are the values of --method, the default first.
var gmmMethods = []string{"bbvi-marginal", "bbvi", "em"}

// rawGMMFlags are the values of the flags that only --model gmm uses.
type rawGMMFlags struct {
	k                            int
	method, assignments, columns string
}

// gmmOptions are the checked gmm-only options.
type gmmOptions struct {
	k           int
	method      string
	assignments string   // CSV file for the assignment probabilities; "" means none
	columns     []string // nil: every column
	stepsSet    bool     // --steps was given (EM: the iteration limit)
	tolSet      bool     // --tol was given (EM: the log-likelihood tolerance)
}

func addGMMFlags(fs *flag.FlagSet, r *rawGMMFlags) {
	fs.IntVar(&r.k, "k", 0, "number `K` of mixture components (gmm only, required)")
	fs.StringVar(&r.method, "method", gmmMethods[0], "gmm fitting `method`: bbvi-marginal (assignments summed out), bbvi (discrete assignments, score-function gradients) or em")
	fs.StringVar(&r.assignments, "assignments", "", "gmm only: write each row's component probabilities p1..pK to this CSV `file`")
	fs.StringVar(&r.columns, "columns", "", "gmm only: comma-separated data `columns` (default every column, in file order)")
}

// checkGMMFlags checks the flags that depend on the model being gmm or not,
// and fills o.gmm for gmm.
func checkGMMFlags(o *fitOptions, r *rawGMMFlags, set map[string]bool) error {
	if o.model != "gmm" {
		for _, name := range []string{"k", "method", "assignments", "columns"} {
			if set[name] {
				return badf("--%s applies to --model gmm only", name)
			}
		}
		return nil
	}
	for _, name := range []string{"target", "features", "no-intercept", "prior-scale", "noise-sd", "draws", "draws-out"} {
		if set[name] {
			return badf("--%s does not apply to --model gmm", name)
		}
	}
	g := &gmmOptions{k: r.k, method: strings.ToLower(strings.TrimSpace(r.method)), assignments: r.assignments,
		stepsSet: set["steps"], tolSet: set["tol"]}
	if !set["k"] {
		return badf("--k is required with --model gmm")
	}
	if g.k < 1 {
		return badf("--k %d must be at least 1", g.k)
	}
	known := false
	for _, m := range gmmMethods {
		known = known || g.method == m
	}
	if !known {
		return badf("unknown method %q (want %s)", r.method, strings.Join(gmmMethods, ", "))
	}
	if set["columns"] {
		g.columns = strings.Split(r.columns, ",")
		for i, c := range g.columns {
			g.columns[i] = strings.TrimSpace(c)
			if g.columns[i] == "" {
				return badf("--columns %q has an empty name", r.columns)
			}
		}
	}
	same := func(a, b string) bool { return a != "" && b != "" && filepath.Clean(a) == filepath.Clean(b) }
	switch {
	case g.assignments == "-":
		return badf("--assignments needs a file name (stdout carries the JSON)")
	case same(g.assignments, o.data):
		return badf("--assignments %s would overwrite the --data file", g.assignments)
	case same(g.assignments, o.out):
		return badf("--out and --assignments are both %s", o.out)
	}
	o.gmm = g
	return nil
}

// gmmReport is the JSON document of `vigor fit --model gmm`. The field order is
// the output order; the fields of the other methods are left out.
type gmmReport struct {
	Model         string      `json:"model"`
	Method        string      `json:"method"`
	K             int         `json:"k"`
	Columns       []string    `json:"columns"`
	Means         [][]float64 `json:"means"`
	Scales        [][]float64 `json:"scales"`
	Weights       []float64   `json:"weights"`
	LogLikelihood float64     `json:"log_likelihood"`
	// BBVI only.
	ELBO      *float64         `json:"elbo,omitempty"`
	ELBOTrace []bbvi.ELBOPoint `json:"elbo_trace,omitempty"`
	// EM only.
	LogLikelihoodTrace []float64 `json:"log_likelihood_trace,omitempty"`
	Iterations         int       `json:"iterations"`
	Converged          bool      `json:"converged"`
	Seconds            float64   `json:"seconds"`
	// BBVI only.
	Family            string `json:"family,omitempty"`
	Optimizer         string `json:"optimizer,omitempty"`
	OptimizerSettings string `json:"optimizer_settings,omitempty"`
	Samples           int    `json:"samples,omitempty"`
	Batch             int    `json:"batch,omitempty"`
	// EM only.
	EMSettings string `json:"em_settings,omitempty"`

	MaxSteps    int     `json:"max_steps"`
	Tol         float64 `json:"tol"`
	Seed        uint64  `json:"seed"`
	N           int     `json:"n"`
	Data        string  `json:"data"`
	Assignments string  `json:"assignments,omitempty"`
	Dtype       string  `json:"dtype,omitempty"`
}

// gmmData reads the selected columns of the CSV file. Every error is a
// usageError naming the file (and line and column where there is one).
func gmmData(o *fitOptions) (x [][]float64, columns []string, err error) {
	t, err := datasets.ReadCSV(o.data)
	if err != nil {
		return nil, nil, usageError{err}
	}
	columns = o.gmm.columns
	if columns == nil {
		columns = t.Columns
	}
	seen := map[string]bool{}
	for _, c := range columns {
		if _, err := t.Index(c); err != nil {
			return nil, nil, usageError{err}
		}
		if seen[c] {
			return nil, nil, badf("%s: column %q is listed twice in --columns", o.data, c)
		}
		seen[c] = true
	}
	flat, d, err := t.Matrix(columns)
	if err != nil {
		return nil, nil, usageError{err}
	}
	n := len(flat) / d
	if o.gmm.k > n {
		return nil, nil, badf("%s: --k %d is more than the %d data rows", o.data, o.gmm.k, n)
	}
	x = make([][]float64, n)
	for i := range x {
		x[i] = flat[i*d : (i+1)*d]
	}
	for j, c := range columns {
		constant := true
		for _, row := range x {
			if row[j] != x[0][j] {
				constant = false
				break
			}
		}
		if constant {
			return nil, nil, badf("%s: column %q is constant (%v): a mixture cannot be fitted to it", o.data, c, x[0][j])
		}
	}
	return x, columns, nil
}

// fitGMMMethod runs the fit of the chosen method.
func fitGMMMethod(method string, m mixture.GaussianMixture, x [][]float64, set *bbvi.Settings, em *mixture.EMSettings, rng *rand.Rand) (*mixture.Result, error) {
	switch method {
	case "em":
		return m.FitEM(x, em, rng)
	case "bbvi":
		return m.FitScore(x, set, rng)
	}
	return m.FitMarginal(x, set, rng)
}

func runGMM(o *fitOptions, e *env) int {
	g := o.gmm
	for _, path := range []string{o.out, g.assignments} {
		if err := checkWritable(path); err != nil {
			return fitFail(e, err)
		}
	}
	x, columns, err := gmmData(o)
	if err != nil {
		return fitFail(e, err)
	}
	if g.method == "bbvi" && o.batch > 0 && o.batch < len(x) {
		return fitFail(e, badf("--batch %d: --method bbvi uses all %d rows at every step (the assignments are local latents); use bbvi-marginal for minibatches", o.batch, len(x)))
	}
	set, opt, err := fitSettings(o)
	if err != nil {
		return fitFail(e, err)
	}
	em := &mixture.EMSettings{}
	if g.stepsSet {
		em.MaxIter = o.steps
	}
	if g.tolSet {
		em.Tol = set.Tol
	}
	var bar *progressBar
	if e.isTTY && !o.quiet && g.method != "em" {
		bar = newProgressBar(e.stderr)
		set.Progress = bar.update
	}
	rng := rand.New(rand.NewPCG(o.seed, o.seed^fitStream))
	start := time.Now()
	fit, err := fitGMMMethod(g.method, mixture.GaussianMixture{K: g.k}, x, set, em, rng)
	seconds := time.Since(start).Seconds()
	if bar != nil {
		bar.finish()
	}
	if errors.Is(err, mixture.ErrInput) {
		err = badf("%s: %v", o.data, err)
	}
	if err != nil {
		return fitFail(e, err)
	}
	fit.SortComponents()

	rep := gmmReportOf(o, fit, columns, len(x), seconds, opt.String(), em)
	doc, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fitFail(e, fmt.Errorf("encoding the result: %w", err))
	}
	doc = append(doc, '\n')
	if g.assignments != "" {
		header := make([]string, fit.K)
		for k := range header {
			header[k] = "p" + strconv.Itoa(k+1)
		}
		if err := datasets.SaveCSV(g.assignments, header, fit.Resp); err != nil {
			return fitFail(e, err)
		}
	}
	if err := writeResult(e, o.out, doc); err != nil {
		return fitFail(e, err)
	}
	if !o.quiet {
		fmt.Fprintln(e.stderr, gmmSummary(fit, seconds))
	}
	return 0
}

func gmmReportOf(o *fitOptions, fit *mixture.Result, columns []string, n int, seconds float64, optSettings string, em *mixture.EMSettings) *gmmReport {
	g := o.gmm
	rep := &gmmReport{
		Model:         "gmm",
		Method:        fit.Method,
		K:             fit.K,
		Columns:       columns,
		Means:         fit.Means,
		Scales:        fit.Scales,
		Weights:       fit.Weights,
		LogLikelihood: fit.LogLik,
		Iterations:    fit.Iterations,
		Converged:     fit.Converged,
		Seconds:       math.Round(seconds*1000) / 1000,
		MaxSteps:      o.steps,
		Tol:           o.tol,
		Seed:          o.seed,
		N:             n,
		Data:          o.data,
		Assignments:   g.assignments,
	}
	if fit.Method == "em" {
		rep.LogLikelihoodTrace = fit.Trace
		rep.EMSettings = em.String()
		// Report the limits EM used, not the BBVI defaults of the flags.
		d := em.Defaults()
		rep.MaxSteps = d.MaxIter
		if !g.tolSet {
			rep.Tol = d.Tol
		}
		return rep
	}
	elbo := math.NaN()
	if len(fit.Trace) > 0 {
		elbo = fit.Trace[len(fit.Trace)-1]
	}
	rep.ELBO = &elbo
	if fit.Posterior != nil {
		rep.ELBOTrace = fit.Posterior.Trace
		rep.Family = fit.Posterior.Family
	} else {
		for _, v := range fit.Trace {
			rep.ELBOTrace = append(rep.ELBOTrace, bbvi.ELBOPoint{ELBO: v})
		}
		rep.Family = o.family.Name()
	}
	rep.Optimizer = o.optName
	rep.OptimizerSettings = optSettings
	rep.Samples = o.samples
	rep.Batch = n
	if o.batch > 0 && o.batch < n {
		rep.Batch = o.batch
	}
	rep.Dtype = "float64"
	if o.float32 {
		rep.Dtype = "float32"
	}
	return rep
}

// gmmSummary is the one line printed on stderr after a gmm fit, such as
// "fit: bbvi-marginal, 1600 steps, converged, ELBO -1578.6, log-likelihood -1500.8, 6.0 s".
func gmmSummary(fit *mixture.Result, seconds float64) string {
	status := "converged"
	if !fit.Converged {
		status = "not converged (reached the limit)"
	}
	unit := "steps"
	var elbo string
	if fit.Method == "em" {
		unit = "iterations"
	} else if len(fit.Trace) > 0 {
		elbo = ", ELBO " + formatELBO(fit.Trace[len(fit.Trace)-1])
	}
	return fmt.Sprintf("fit: %s, %d %s, %s%s, log-likelihood %s, %.1f s", fit.Method, fit.Iterations, unit, status, elbo, formatELBO(fit.LogLik), seconds)
}
