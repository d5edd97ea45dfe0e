package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
	"gonum.org/v1/gonum/mat"
)

// `vigor fit --model ppca`: probabilistic PCA, a local latent z_i per row
// with per-row variational parameters (minibatches welcome), the loadings,
// mean and noise sd learned by variational EM.

// init registers --model ppca.
func init() {
	registerModel(&fitModel{
		name:     "ppca",
		summary:  "probabilistic PCA by variational EM: a latent z_i per row, loadings learned",
		synopsis: "--latent K [--columns a,b,...] [--estimator reparam|stl] [--latents-out FILE.csv]",
		about: `Fits probabilistic PCA (Tipping & Bishop 1999) to the --columns of FILE.csv
(default every column), N rows x_i in D dimensions:

    z_i ~ Normal(0, I_K),   x_i | z_i ~ Normal(W z_i + μ, σ² I_D),

with K = --latent < D. Each row's z_i has its own mean-field normal q(z_i),
whose parameters are read and updated only for the rows of a step's batch
(--batch B: O(B·K) work per step, O(N·K) memory); the loadings W, the mean
μ and the noise sd σ are model parameters learned jointly (variational EM),
which reaches the maximum-likelihood solution: W spans the principal
subspace and σ² is the mean of the discarded eigenvalues of the sample
covariance. --estimator is reparam (default) or stl (sticking the landing).
The report gives "loadings" (D rows of K, one per column, rotated to
orthogonal columns of decreasing norm, each with its largest entry
positive), "mean", "noise_sd" and "elbo"; --latents-out writes each row's
latent mean z1..zK in the same rotation.`,
		new: func() modelRun { return &ppcaRun{} },
	})
}

// ppcaRun is a fit of PPCA: its own flags.
type ppcaRun struct {
	k          int
	columnList string
	columns    []string // nil: every column
	estName    string
	estimator  bbvi.Estimator
	latentsOut string
}

// flags implements modelRun.
func (r *ppcaRun) flags(fs *flag.FlagSet) {
	fs.IntVar(&r.k, "latent", 0, "number `K` of latent dimensions, 1 ≤ K < columns (required)")
	fs.StringVar(&r.columnList, "columns", "", "comma-separated data `columns` (default every column, in file order)")
	fs.StringVar(&r.estName, "estimator", "reparam", "the ELBO gradient `estimator`, by its name in bbvi.EstimatorByName")
	fs.StringVar(&r.latentsOut, "latents-out", "", "write each row's latent mean z1..zK to this CSV `file`")
}

// check implements modelRun.
func (r *ppcaRun) check(o *fitOptions, given map[string]bool) error {
	if !given["latent"] {
		return badf("--latent is required with --model ppca")
	}
	if r.k < 1 {
		return badf("--latent %d must be at least 1", r.k)
	}
	est, err := bbvi.EstimatorByName(r.estName)
	if err != nil {
		return badf("--estimator: %w", err)
	}
	switch est.Name() {
	case "reparam", "reparam-mcentropy", "stl", "iwae", "dreg":
	default:
		return badf("--estimator %s does not draw a per-row latent (want reparam or stl)", est.Name())
	}
	r.estimator = est
	if given["columns"] {
		var err error
		if r.columns, err = columnList(r.columnList); err != nil {
			return err
		}
	}
	return o.checkSideOutput("latents-out", r.latentsOut)
}

// ppcaReport is the JSON document of `vigor fit --model ppca`; the field order
// is the output order.
type ppcaReport struct {
	Model             string          `json:"model"`
	Latent            int             `json:"latent"`
	Columns           []string        `json:"columns"`
	Loadings          [][]float64     `json:"loadings"`
	Mean              []float64       `json:"mean"`
	NoiseSD           jsonFloat       `json:"noise_sd"`
	ELBO              jsonFloat       `json:"elbo"`
	ELBOTrace         []jsonELBOPoint `json:"elbo_trace"`
	Steps             int             `json:"steps"`
	Status            bbvi.Status     `json:"status"`
	Reason            string          `json:"reason"`
	Seconds           float64         `json:"seconds"`
	Family            string          `json:"family"`
	Estimator         string          `json:"estimator"`
	Optimizer         string          `json:"optimizer"`
	OptimizerSettings string          `json:"optimizer_settings"`
	Samples           int             `json:"samples"`
	Batch             int             `json:"batch"`
	MaxSteps          int             `json:"max_steps"`
	Tol               float64         `json:"tol"`
	Seed              uint64          `json:"seed"`
	N                 int             `json:"n"`
	Data              string          `json:"data"`
	LatentsOut        string          `json:"latents_out,omitempty"`
	Dtype             string          `json:"dtype"`
}

// load reads the selected columns of the --data file as an n×d matrix.
func (r *ppcaRun) load(o *fitOptions) (x []float64, n, d int, columns []string, err error) {
	t, err := o.readTable()
	if err != nil {
		return nil, 0, 0, nil, err
	}
	columns = r.columns
	if columns == nil {
		columns = t.Columns
	}
	seen := map[string]bool{}
	for _, c := range columns {
		if _, err := t.Index(c); err != nil {
			return nil, 0, 0, nil, bad(err)
		}
		if seen[c] {
			return nil, 0, 0, nil, badf("%s: column %q is listed twice in --columns", o.data, c)
		}
		seen[c] = true
	}
	x, d, err = t.Matrix(columns)
	if err != nil {
		return nil, 0, 0, nil, bad(err)
	}
	n = len(x) / d
	switch {
	case r.k >= d:
		return nil, 0, 0, nil, badf("%s: --latent %d must be less than the %d columns", o.data, r.k, d)
	case n < 2:
		return nil, 0, 0, nil, badf("%s: %d data row (PPCA needs at least 2)", o.data, n)
	}
	// Coefficients: W, μ, σ; the per-row table (means, log sds, their
	// moments and averages) is 8 values per row and latent dimension.
	if err := o.checkMemory(fitSize{n: n, d: d*r.k + d + 1 + 8*r.k, local: r.k}); err != nil {
		return nil, 0, 0, nil, err
	}
	return x, n, d, columns, nil
}

// run implements modelRun.
func (r *ppcaRun) run(o *fitOptions, e *env) error {
	if err := checkWritable(r.latentsOut); err != nil {
		return err
	}
	x, n, d, columns, err := r.load(o)
	if err != nil {
		return err
	}
	if iw := r.estimator.Name(); (iw == "iwae" || iw == "dreg") && o.effectiveBatch(n) < n {
		return badf("--estimator %s needs all %d rows on every step (the importance-weighted bound of a minibatch is not defined): drop --batch", iw, n)
	}
	if _, diag := o.family.(bbvi.MeanField); !diag {
		return badf("--family %s: PPCA has no global latents; its per-row q is mean-field (leave --family)", o.family.Name())
	}
	rng := o.fitRand()
	m, err := models.NewPPCA(x, n, d, r.k, rng)
	if err != nil {
		return badf("%s: %v", o.data, err)
	}
	data, err := m.Data(x)
	if err != nil {
		return badf("%s: %v", o.data, err)
	}
	set := o.settings()
	set.Estimator = r.estimator
	bar := o.progress(e, set)
	start := time.Now()
	post, err := bbvi.Fit(m, data, set, rng)
	seconds := time.Since(start).Seconds()
	if bar != nil {
		bar.finish()
	}
	if err != nil && !errors.Is(err, bbvi.ErrNonFinite) {
		return err
	}
	if post == nil {
		return err
	}
	fit, ferr := m.FitOf(post)
	if ferr != nil {
		return ferr
	}
	loadings, rot := canonicalLoadings(fit.W, d, r.k)
	elbo := math.NaN()
	if len(post.Trace) > 0 {
		elbo = post.Trace[len(post.Trace)-1].ELBO
	}
	rep := &ppcaReport{
		Model: "ppca", Latent: r.k, Columns: columns,
		Loadings: loadings, Mean: fit.Mean, NoiseSD: jsonFloat(fit.NoiseSD),
		ELBO: jsonFloat(elbo), ELBOTrace: jsonTrace(post.Trace),
		Steps: post.Steps, Status: post.Status, Reason: post.Reason,
		Seconds: math.Round(seconds*1000) / 1000,
		Family:  "meanfield", Estimator: post.Estimator,
		Optimizer: o.optName, OptimizerSettings: o.opt.String(),
		Samples: o.samples, Batch: o.effectiveBatch(n),
		MaxSteps: o.steps, Tol: o.tol, Seed: o.seed, N: n, Data: o.data,
		LatentsOut: r.latentsOut, Dtype: o.dtype(),
	}
	doc, jerr := json.MarshalIndent(rep, "", "  ")
	if jerr != nil {
		return fmt.Errorf("encoding the result: %w", jerr)
	}
	doc = append(doc, '\n')
	if r.latentsOut != "" {
		lp := post.Local["z"]
		header := make([]string, r.k)
		for j := range header {
			header[j] = "z" + strconv.Itoa(j+1)
		}
		rows := make([][]float64, n)
		for i := range rows {
			rows[i] = make([]float64, r.k)
			for a := 0; a < r.k; a++ {
				var v float64
				for b := 0; b < r.k; b++ {
					v += rot[b*r.k+a] * lp.Mean[i*r.k+b]
				}
				rows[i][a] = v
			}
		}
		if werr := datasets.SaveCSV(r.latentsOut, header, rows); werr != nil {
			return werr
		}
	}
	if werr := writeResult(e, o.out, doc); werr != nil {
		return werr
	}
	if !o.quiet {
		fmt.Fprintf(e.stderr, "fit: ppca K=%d, %d steps, %s, ELBO %s, noise sd %.4g, %.1f s\n", r.k, post.Steps, post.Status, formatELBO(elbo), fit.NoiseSD, seconds)
	}
	return err
}

// canonicalLoadings rotates the d×k loadings W to W V, V from the SVD
// W = U S Vᵀ, so that the columns are orthogonal with decreasing norms, and
// flips each column's sign so that its largest entry is positive; it returns
// the rows of W V and the k×k rotation R (row-major) with z' = Rᵀ z, so that
// W z = (W R)(Rᵀ z).
func canonicalLoadings(w []float64, d, k int) ([][]float64, []float64) {
	var svd mat.SVD
	rot := make([]float64, k*k)
	wm := mat.NewDense(d, k, append([]float64(nil), w...))
	if svd.Factorize(wm, mat.SVDThin) {
		var v mat.Dense
		svd.VTo(&v)
		for a := 0; a < k; a++ {
			for b := 0; b < k; b++ {
				rot[a*k+b] = v.At(a, b)
			}
		}
	} else {
		for a := 0; a < k; a++ {
			rot[a*k+a] = 1
		}
	}
	out := make([][]float64, d)
	for r := range out {
		out[r] = make([]float64, k)
		for b := 0; b < k; b++ {
			var s float64
			for a := 0; a < k; a++ {
				s += w[r*k+a] * rot[a*k+b]
			}
			out[r][b] = s
		}
	}
	for b := 0; b < k; b++ {
		big := 0
		for r := range out {
			if math.Abs(out[r][b]) > math.Abs(out[big][b]) {
				big = r
			}
		}
		if out[big][b] < 0 {
			for r := range out {
				out[r][b] = -out[r][b]
			}
			for a := 0; a < k; a++ {
				rot[a*k+b] = -rot[a*k+b]
			}
		}
	}
	return out, rot
}
