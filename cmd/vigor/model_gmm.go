package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/bbvi/mixture"
	"github.com/vigor-ml/vigor/datasets"
)

// `vigor fit --model gmm`: a Gaussian mixture fitted by BBVI (assignments
// summed out, or kept discrete with the score-function estimator) or by EM,
// with a report of its own. Every use of the library's mixture types is in
// this file.

// init registers --model gmm.
func init() {
	registerModel(&fitModel{
		name:     "gmm",
		summary:  "a mixture of K diagonal Gaussians, by BBVI or EM (--method)",
		synopsis: "--k K [--method bbvi-marginal|bbvi|em] [--columns a,b,...]\n[--assignments FILE.csv]",
		about: `Fits a mixture of K Gaussians with diagonal covariances to the --columns of
FILE.csv (default every column), N points in D dimensions:

    x_i | z_i = k ~ Normal(μ_k, diag(σ_k²)),   z_i ~ Categorical(w),
    (μ_kd - x̄_d)/s_d ~ Normal(0, 10²),   σ_kd/s_d ~ HalfNormal(5),   w ~ Dirichlet(1, ..., 1)

where x̄_d and s_d are the mean and sd of column d. --method chooses how:
bbvi-marginal (default) sums the assignments out, reparameterization
gradients; bbvi keeps them discrete, score-function gradients
Rao-Blackwellized over them; em is maximum likelihood by
expectation-maximization, for which --steps is the iteration limit (default
1000) and --tol the log-likelihood tolerance (default 1e-8), each only when
given, and the other BBVI flags are ignored. Both start from k-means++ centres
drawn with --seed. The components are reported sorted by their means;
--assignments writes each row's component probabilities p1..pK.`,
		new: func() modelRun { return &gmmRun{} },
	})
}

// gmmMethods are the values of --method, the default first.
var gmmMethods = []string{"bbvi-marginal", "bbvi", "em"}

// gmmRun is a fit of the Gaussian mixture: its own flags, bound by flags and
// checked by check.
type gmmRun struct {
	k           int
	method      string
	assignments string   // CSV file for the assignment probabilities; "" means none
	columnList  string   // --columns as given
	columns     []string // nil: every column
	stepsSet    bool     // --steps was given (EM: the iteration limit)
	tolSet      bool     // --tol was given (EM: the log-likelihood tolerance)
}

// flags implements modelRun.
func (g *gmmRun) flags(fs *flag.FlagSet) {
	fs.IntVar(&g.k, "k", 0, "number `K` of mixture components (required)")
	fs.StringVar(&g.method, "method", gmmMethods[0], "fitting `method`: bbvi-marginal (assignments summed out), bbvi (discrete assignments, score-function gradients) or em")
	fs.StringVar(&g.assignments, "assignments", "", "write each row's component probabilities p1..pK to this CSV `file`")
	fs.StringVar(&g.columnList, "columns", "", "comma-separated data `columns` (default every column, in file order)")
}

// check implements modelRun.
func (g *gmmRun) check(o *fitOptions, given map[string]bool) error {
	g.stepsSet, g.tolSet = given["steps"], given["tol"]
	if !given["k"] {
		return badf("--k is required with --model gmm")
	}
	if g.k < 1 {
		return badf("--k %d must be at least 1", g.k)
	}
	method := strings.ToLower(strings.TrimSpace(g.method))
	known := false
	for _, m := range gmmMethods {
		known = known || method == m
	}
	if !known {
		return badf("unknown method %q (want %s)", g.method, strings.Join(gmmMethods, ", "))
	}
	g.method = method
	if given["columns"] {
		var err error
		if g.columns, err = columnList(g.columnList); err != nil {
			return err
		}
	}
	return o.checkSideOutput("assignments", g.assignments)
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
	LogLikelihood jsonFloat   `json:"log_likelihood"`
	// BBVI only.
	ELBO      *jsonFloat      `json:"elbo,omitempty"`
	ELBOTrace []jsonELBOPoint `json:"elbo_trace,omitempty"`
	// EM only.
	LogLikelihoodTrace []jsonFloat `json:"log_likelihood_trace,omitempty"`
	Iterations         int         `json:"iterations"`
	Converged          bool        `json:"converged"`
	Seconds            float64     `json:"seconds"`
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

// load reads the selected columns of the --data file. Every error is a
// usageError naming the file (and line and column where there is one).
func (g *gmmRun) load(o *fitOptions) (x [][]float64, columns []string, err error) {
	t, err := o.readTable()
	if err != nil {
		return nil, nil, err
	}
	columns = g.columns
	if columns == nil {
		columns = t.Columns
	}
	seen := map[string]bool{}
	for _, c := range columns {
		if _, err := t.Index(c); err != nil {
			return nil, nil, bad(err)
		}
		if seen[c] {
			return nil, nil, badf("%s: column %q is listed twice in --columns", o.data, c)
		}
		seen[c] = true
	}
	flat, d, err := t.Matrix(columns)
	if err != nil {
		return nil, nil, bad(err)
	}
	n := len(flat) / d
	if g.k > n {
		return nil, nil, badf("%s: --k %d is more than the %d data rows", o.data, g.k, n)
	}
	// The mixture's latents: K means and K scales per column, K weights; the
	// assignments (summed out or drawn) take K values per row and draw.
	if err := o.checkMemory(fitSize{n: n, d: 2*g.k*d + g.k, local: g.k}); err != nil {
		return nil, nil, err
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

// run implements modelRun: it fits the mixture by --method and writes the
// report and the --assignments.
func (g *gmmRun) run(o *fitOptions, e *env) error {
	if err := checkWritable(g.assignments); err != nil {
		return err
	}
	x, columns, err := g.load(o)
	if err != nil {
		return err
	}
	if g.method == "bbvi" && o.batch > 0 && o.batch < len(x) {
		return badf("--batch %d: --method bbvi uses all %d rows at every step (the assignments are local latents); use bbvi-marginal for minibatches", o.batch, len(x))
	}
	if g.method == "em" && o.qmc {
		return badf("--qmc does not apply to --method em (it draws no noise)")
	}
	set := o.settings()
	em := &mixture.EMSettings{}
	if g.stepsSet {
		em.MaxIter = o.steps
	}
	if g.tolSet {
		em.Tol = set.Tol
	}
	var bar *progressBar
	if g.method != "em" {
		bar = o.progress(e, set)
	}
	mix, rng := mixture.GaussianMixture{K: g.k}, o.fitRand()
	start := time.Now()
	var fit *mixture.Result
	switch g.method {
	case "em":
		fit, err = mix.FitEM(x, em, rng)
	case "bbvi":
		fit, err = mix.FitScore(x, set, rng)
	default:
		fit, err = mix.FitMarginal(x, set, rng)
	}
	seconds := time.Since(start).Seconds()
	if bar != nil {
		bar.finish()
	}
	if errors.Is(err, mixture.ErrInput) {
		err = badf("%s: %v", o.data, err)
	}
	if err != nil {
		return err
	}
	fit.SortComponents()
	rep := &gmmReport{
		Model:         "gmm",
		Method:        fit.Method,
		K:             fit.K,
		Columns:       columns,
		Means:         fit.Means,
		Scales:        fit.Scales,
		Weights:       fit.Weights,
		LogLikelihood: jsonFloat(fit.LogLik),
		Iterations:    fit.Iterations,
		Converged:     fit.Converged,
		Seconds:       math.Round(seconds*1000) / 1000,
		MaxSteps:      o.steps,
		Tol:           o.tol,
		Seed:          o.seed,
		N:             len(x),
		Data:          o.data,
		Assignments:   g.assignments,
	}
	if fit.Method == "em" {
		rep.LogLikelihoodTrace = jsonFloats(fit.Trace)
		rep.EMSettings = em.String()
		// Report the limits EM used, not the BBVI defaults of the flags.
		d := em.Defaults()
		rep.MaxSteps = d.MaxIter
		if !g.tolSet {
			rep.Tol = d.Tol
		}
	} else {
		elbo := math.NaN()
		if len(fit.Trace) > 0 {
			elbo = fit.Trace[len(fit.Trace)-1]
		}
		rep.ELBO = (*jsonFloat)(&elbo)
		if fit.Posterior != nil {
			rep.ELBOTrace = jsonTrace(fit.Posterior.Trace)
			rep.Family = fit.Posterior.Family
		} else {
			for _, v := range fit.Trace {
				rep.ELBOTrace = append(rep.ELBOTrace, jsonELBOPoint{ELBO: jsonFloat(v)})
			}
			rep.Family = o.family.Name()
		}
		rep.Optimizer = o.optName
		rep.OptimizerSettings = o.opt.String()
		rep.Samples = o.samples
		rep.Batch = o.effectiveBatch(len(x))
		rep.Dtype = o.dtype()
	}

	doc, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	doc = append(doc, '\n')
	if g.assignments != "" {
		header := make([]string, fit.K)
		for k := range header {
			header[k] = "p" + strconv.Itoa(k+1)
		}
		if err := datasets.SaveCSV(g.assignments, header, fit.Resp); err != nil {
			return err
		}
	}
	if err := writeResult(e, o.out, doc); err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintln(e.stderr, gmmSummary(rep, seconds))
	}
	return nil
}

// gmmSummary is the one line printed on stderr after a gmm fit that took
// seconds, such as
// "fit: bbvi-marginal, 1600 steps, converged, ELBO -1578.6, log-likelihood -1500.8, 6.0 s".
func gmmSummary(rep *gmmReport, seconds float64) string {
	status := "converged"
	if !rep.Converged {
		status = "not converged (reached the limit)"
	}
	unit := "steps"
	var elbo string
	if rep.Method == "em" {
		unit = "iterations"
	} else if rep.ELBO != nil && !math.IsNaN(float64(*rep.ELBO)) {
		elbo = ", ELBO " + formatELBO(float64(*rep.ELBO))
	}
	return fmt.Sprintf("fit: %s, %d %s, %s%s, log-likelihood %s, %.1f s", rep.Method, rep.Iterations, unit, status, elbo, formatELBO(float64(rep.LogLikelihood)), seconds)
}
