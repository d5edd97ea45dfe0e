package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/bbvi/study"
	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// studyAbout is the help text of `vigor study`.
const studyAbout = `Study runs an empirical study of the library's methods. The one study so far,
variance, compares the ELBO gradient estimators (pathwise with i.i.d. or
randomized quasi-Monte Carlo draws, sticking the landing, score function,
score function with a decaying, leave-one-out or optimal control variate) on
a one-point Bayesian
logistic regression, whose exact gradient is known by quadrature, and on a
10-dimensional one, and the score function with and without NVIL's learned
baseline on a small VAE with Bernoulli latents, whose exact gradient is known
by enumeration: for each number of draws S it computes --reps estimates and
reports their mean, variance and error against the exact gradient.`

// studyVarianceSynopsis is the flags summary of `vigor study variance`.
const studyVarianceSynopsis = `[--out DIR] [--reps N] [--burn N] [--draws 1,2,4,...]
[--problems toy,logistic10,bvae] [--estimators pathwise,pathwise+qmc,score,...]
[--seed K] [--exact-draws N] [--quiet]`

// studyVarianceAbout is the help text of `vigor study variance`.
const studyVarianceAbout = `Variance runs the gradient-variance study (see "go doc github.com/vigor-ml/vigor/bbvi/study.VarianceStudy")
and writes, atomically, into the directory --out:

  variance.csv   one row per problem, estimator, S and gradient component (and a
                 "total" row per cell; bvae has "encoder", "decoder" and
                 "total" rows): problem, estimator, draws, param, exact,
                 exact_se, mean, variance, error, se, mse
  variance.png   the total variance (trace of the covariance) against S on
                 log-log axes, one line per estimator, one panel per problem

Progress goes to stderr: a progress bar on a terminal, else one summary line at
the end (none with --quiet). Exit status: 0 on success, 1 if the study or the
output fails, 2 for bad flags.`

// The variance study's problems and its default estimators, the defaults of
// --problems and --estimators (--estimators takes any name the study accepts,
// study.CheckEstimator).
var (
	varianceProblems   = study.Problems()
	varianceEstimators = study.DefaultEstimators()
)

// studyVarianceOptions are the flags of `vigor study variance`; check turns
// them into cfg, the library's study configuration.
type studyVarianceOptions struct {
	out                         string
	reps, burn, exactDraws      int
	draws, problems, estimators string
	seed                        uint64
	quiet                       bool
	cfg                         study.VarianceStudy
}

// flags implements options.
func (o *studyVarianceOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.out, "out", ".", "output `directory` (created if missing)")
	fs.IntVar(&o.reps, "reps", 1000, "gradient estimates per estimator and `S`")
	fs.IntVar(&o.burn, "burn", 50, "estimates dropped first in each cell, while the control variates warm up (`N`)")
	fs.StringVar(&o.draws, "draws", "1,2,4,8,16,32,64,128,256", "comma-separated numbers of draws `S`")
	fs.StringVar(&o.problems, "problems", strings.Join(varianceProblems, ","), "comma-separated `problems`: "+strings.Join(varianceProblems, ", "))
	fs.StringVar(&o.estimators, "estimators", strings.Join(varianceEstimators, ","), "comma-separated `estimators`: any ELBO estimator of vigor fit, with +qmc for QMC draws, and nvil (bvae runs score and nvil, the others all but nvil)")
	fs.Uint64Var(&o.seed, "seed", 1, "random `seed`; the same seed gives the same output")
	fs.IntVar(&o.exactDraws, "exact-draws", 1<<20, "draws of the pathwise estimate of logistic10's exact gradient (`N`)")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress or summary on stderr")
}

// check implements options: it validates the flags and fills cfg.
func (o *studyVarianceOptions) check(map[string]bool) error {
	switch {
	case o.reps < 2:
		return badf("--reps %d must be at least 2", o.reps)
	case o.burn < 0:
		return badf("--burn %d must not be negative", o.burn)
	case o.exactDraws < 2:
		return badf("--exact-draws %d must be at least 2", o.exactDraws)
	}
	o.cfg = study.VarianceStudy{Reps: o.reps, Burn: o.burn, Seed: o.seed, ExactDraws: o.exactDraws}
	if o.burn == 0 {
		o.cfg.Burn = -1 // bbvi reads 0 as "the default"
	}
	for _, f := range strings.Split(o.draws, ",") {
		s, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || s < 1 {
			return badf("--draws %q: %q is not a positive integer", o.draws, f)
		}
		o.cfg.Draws = append(o.cfg.Draws, s)
	}
	var err error
	if o.cfg.Problems, err = nameList("problems", o.problems, varianceProblems); err != nil {
		return err
	}
	// The largest problem, logistic10, has 100 rows and 10 coefficients: a
	// cell's graph holds about 32 values of (S × (rows + coefficients)).
	maxS := slices.Max(o.cfg.Draws)
	if err := checkMemory(fmt.Sprintf("the study (--draws %d)", maxS), bytesOf(8*float64(maxS)*110*32+64<<20)); err != nil {
		return err
	}
	for _, f := range strings.Split(o.estimators, ",") {
		f = strings.TrimSpace(f)
		if err := study.CheckEstimator(f); err != nil {
			return badf("--estimators: %v", err)
		}
		o.cfg.Estimators = append(o.cfg.Estimators, f)
	}
	fi, err := os.Stat(o.out)
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return badf("--out %s: %v", o.out, errors.Unwrap(err))
	case !fi.IsDir():
		return badf("--out %s is not a directory", o.out)
	}
	return nil
}

// nameList splits the comma-separated value v of the flag --flagName into
// names, each of which must be one of known.
func nameList(flagName, v string, known []string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		ok := false
		for _, k := range known {
			ok = ok || f == k
		}
		if !ok {
			return nil, badf("--%s: unknown name %q (want some of %s)", flagName, f, strings.Join(known, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

// run implements options: it creates --out if missing, runs the study and
// writes variance.csv and variance.png.
func (o *studyVarianceOptions) run(e *env) error {
	if _, err := os.Stat(o.out); os.IsNotExist(err) {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return badf("--out %s: cannot create it: %v", o.out, errors.Unwrap(err))
		}
	}
	cells := study.CellCount(&o.cfg)
	bar := newCountBar(e, o.quiet, "variance study")
	start := time.Now()
	done := 0
	o.cfg.Progress = func(problem, estimator string, draws int) {
		done++
		bar.update(done, cells, time.Since(start))
	}
	rows, err := study.RunVarianceStudy(&o.cfg)
	bar.finish()
	if err != nil {
		return err
	}
	csvPath := filepath.Join(o.out, "variance.csv")
	pngPath := filepath.Join(o.out, "variance.png")
	if err := atomicfile.Write(csvPath, func(w io.Writer) error { return writeVarianceCSV(w, rows) }); err != nil {
		return err
	}
	pict, err := variancePicture(rows, o.cfg.Problems, o.cfg.Estimators)
	if err != nil {
		return fmt.Errorf("drawing %s: %w", pngPath, err)
	}
	if err := pict.save(pngPath); err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintf(e.stderr, "study variance: %d cells, %.1f s; wrote %s and %s\n", cells, time.Since(start).Seconds(), csvPath, pngPath)
	}
	return nil
}

// writeVarianceCSV writes the study's rows with a header, full precision.
func writeVarianceCSV(w io.Writer, rows []study.VarianceRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"problem", "estimator", "draws", "param", "exact", "exact_se", "mean", "variance", "error", "se", "mse"}); err != nil {
		return err
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range rows {
		rec := []string{r.Problem, r.Estimator, strconv.Itoa(r.Draws), r.Param, g(r.Exact), g(r.ExactSE), g(r.Mean),
			g(r.Variance), g(r.Error), g(r.SE), g(r.MSE)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
