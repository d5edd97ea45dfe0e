package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/internal/atomicfile"
)

const studyUsageText = `usage: vigor study variance [flags]

Study runs an empirical study of the library's methods. The one study so far:

  variance   compares the ELBO gradient estimators (pathwise, score function,
             score function with a decaying, leave-one-out or optimal control
             variate) on a one-point Bayesian logistic regression, whose exact
             gradient is known by quadrature, and on a 10-dimensional one:
             for each number of draws S it computes --reps estimates and
             reports their mean, variance and error against the exact gradient.

Use "vigor study variance -h" for its flags.
`

const studyVarianceHead = `usage: vigor study variance [--out DIR] [--reps N] [--draws 1,2,4,...] [--problems toy,logistic10]
                            [--estimators pathwise,score,...] [--seed K] [--exact-draws N] [--quiet]

Variance runs the gradient-variance study (see "go doc github.com/vigor-ml/vigor/bbvi.VarianceStudy")
and writes, atomically, into the directory --out:

  variance.csv   one row per problem, estimator, S and gradient component (and a
                 "total" row per cell): problem, estimator, draws, param, exact,
                 exact_se, mean, variance, error, se, mse
  variance.png   the total variance (trace of the covariance) against S on
                 log-log axes, one line per estimator, one panel per problem

Progress goes to stderr: a progress bar on a terminal, else one summary line at
the end (none with --quiet). Exit status: 0 on success, 1 if the study or the
output fails, 2 for bad flags.

Flags:
`

func runStudy(args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, studyUsageText)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, studyUsageText)
		return 0
	case "variance":
		return runStudyVariance(args[1:], e)
	}
	fmt.Fprintf(e.stderr, "vigor study: unknown study %q (want variance)\n", args[0])
	return 2
}

// studyOptions are the parsed flags of `vigor study variance`.
type studyOptions struct {
	out   string
	quiet bool
	cfg   bbvi.VarianceStudy
}

func parseStudyVariance(args []string, e *env) (*studyOptions, error) {
	fs := flag.NewFlagSet("vigor study variance", flag.ContinueOnError)
	out := fs.String("out", ".", "output `directory` (created if missing)")
	reps := fs.Int("reps", 1000, "gradient estimates per estimator and `S`")
	burn := fs.Int("burn", 50, "estimates dropped first in each cell, while the control variates warm up (`N`)")
	draws := fs.String("draws", "1,2,4,8,16,32,64,128,256", "comma-separated numbers of draws `S`")
	problems := fs.String("problems", "toy,logistic10", "comma-separated `problems`: toy, logistic10")
	ests := fs.String("estimators", "pathwise,score,score-decay,score-loo,score-optimal", "comma-separated `estimators`")
	seed := fs.Uint64("seed", 1, "random `seed`; the same seed gives the same output")
	exact := fs.Int("exact-draws", 1<<20, "draws of the pathwise estimate of logistic10's exact gradient (`N`)")
	quiet := fs.Bool("quiet", false, "print no progress or summary on stderr")
	if err := parseFlags(fs, args, studyVarianceHead, e); err != nil {
		return nil, err
	}
	o := &studyOptions{out: *out, quiet: *quiet}
	switch {
	case *reps < 2:
		return nil, badf("--reps %d must be at least 2", *reps)
	case *burn < 0:
		return nil, badf("--burn %d must not be negative", *burn)
	case *exact < 2:
		return nil, badf("--exact-draws %d must be at least 2", *exact)
	}
	o.cfg = bbvi.VarianceStudy{Reps: *reps, Burn: *burn, Seed: *seed, ExactDraws: *exact}
	if *burn == 0 {
		o.cfg.Burn = -1 // bbvi reads 0 as "the default"
	}
	for _, f := range strings.Split(*draws, ",") {
		s, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || s < 1 {
			return nil, badf("--draws %q: %q is not a positive integer", *draws, f)
		}
		o.cfg.Draws = append(o.cfg.Draws, s)
	}
	list := func(flagName, v string, known []string) ([]string, error) {
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
	var err error
	if o.cfg.Problems, err = list("problems", *problems, []string{"toy", "logistic10"}); err != nil {
		return nil, err
	}
	if o.cfg.Estimators, err = list("estimators", *ests, []string{"pathwise", "score", "score-decay", "score-loo", "score-optimal"}); err != nil {
		return nil, err
	}
	fi, err := os.Stat(o.out)
	switch {
	case os.IsNotExist(err):
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return nil, badf("--out %s: cannot create it: %v", o.out, errors.Unwrap(err))
		}
	case err != nil:
		return nil, badf("--out %s: %v", o.out, errors.Unwrap(err))
	case !fi.IsDir():
		return nil, badf("--out %s is not a directory", o.out)
	}
	return o, nil
}

func runStudyVariance(args []string, e *env) int {
	const name = "vigor study variance"
	o, err := parseStudyVariance(args, e)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return cmdFail(e, name, err)
	}
	cells := len(o.cfg.Problems) * len(o.cfg.Estimators) * len(o.cfg.Draws)
	bar := newCountBar(e, o.quiet, "variance study")
	start := time.Now()
	done := 0
	o.cfg.Progress = func(problem, estimator string, draws int) {
		done++
		bar.update(done, cells, time.Since(start))
	}
	rows, err := bbvi.RunVarianceStudy(&o.cfg)
	bar.finish()
	if err != nil {
		return cmdFail(e, name, err)
	}
	csvPath := filepath.Join(o.out, "variance.csv")
	pngPath := filepath.Join(o.out, "variance.png")
	if err := atomicfile.Write(csvPath, func(w io.Writer) error { return writeVarianceCSV(w, rows) }); err != nil {
		return cmdFail(e, name, err)
	}
	pict, err := variancePicture(rows, o.cfg.Problems, o.cfg.Estimators)
	if err != nil {
		return cmdFail(e, name, fmt.Errorf("drawing %s: %w", pngPath, err))
	}
	if err := pict.save(pngPath); err != nil {
		return cmdFail(e, name, err)
	}
	if !o.quiet {
		fmt.Fprintf(e.stderr, "study variance: %d cells, %.1f s; wrote %s and %s\n", cells, time.Since(start).Seconds(), csvPath, pngPath)
	}
	return 0
}

// writeVarianceCSV writes the study's rows with a header, full precision.
func writeVarianceCSV(w io.Writer, rows []bbvi.VarianceRow) error {
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
