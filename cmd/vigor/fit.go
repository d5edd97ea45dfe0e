package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// This file holds `vigor fit`: the flags every model shares, the help pages,
// and what the models' runs share (settings, progress, output). The models
// themselves are entries of the model registry (models.go), one file each.

// Seeds of the two random streams derived from --seed: one for the fit, one
// for the posterior draws written by --draws-out.
const (
	fitStream   = 0x9e3779b97f4a7c15
	drawsStream = 0xd1b54a32d192ed03
)

// fitCommonSynopsis summarizes the flags every model has, after the model's
// own ones.
const fitCommonSynopsis = `[--family meanfield|fullrank|lowrank|flow] [--rank R] [--samples S] [--qmc] [--batch B [--plain-batches]] [--steps N]
[--optimizer adam|rmsprop|adagrad|sgd] [--lr ETA] [--tol T] [--seed K]
[--quiet] [--out FILE.json] [--float32]
[--cache [--cache-dir DIR]]`

// fitTail ends the help pages of vigor fit.
const fitTail = `See "go doc github.com/vigor-ml/vigor/cmd/vigor" for the JSON fields.

Progress goes to stderr: a progress bar on a terminal, else one summary line at
the end (none with --quiet). Exit status: 0 on success, 1 if the fit or the
output fails, 2 for bad flags or bad input (one line naming file, line and column).`

// fitSynopsis is the flags summary of `vigor fit`: the common flags, then the
// flags of each registered model.
func fitSynopsis() string {
	var b strings.Builder
	b.WriteString("--model NAME --data FILE.csv [model flags]\n" + fitCommonSynopsis)
	for _, m := range fitModels {
		lines := strings.Split(strings.TrimSpace(m.synopsis), "\n")
		fmt.Fprintf(&b, "\n--model %s: %s", m.name, lines[0])
		for _, l := range lines[1:] {
			b.WriteString("\n    " + strings.TrimSpace(l))
		}
	}
	return b.String()
}

// fitAbout is the text of `vigor fit -h`: what fit does, and the models.
func fitAbout() string {
	var b strings.Builder
	b.WriteString(`Fit fits a model to the numeric CSV file FILE.csv (with a header row) and
writes the result as JSON to stdout or --out. The models (--model):

`)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, m := range fitModels {
		fmt.Fprintf(tw, "  %s\t%s\n", m.name, m.summary)
	}
	tw.Flush()
	b.WriteString("\n\"vigor fit --model NAME -h\" describes one model and its flags.\n")
	b.WriteString(fitTail)
	return b.String()
}

// fitOptions are the flags of `vigor fit` that every model has; check
// validates them and derives family and opt. The flags each model adds are
// bound to that model's run, in runs.
type fitOptions struct {
	model        string
	data         string
	familyName   string
	rank         int
	samples      int
	qmc          bool
	batch        int
	steps        int
	optName      string
	lr           float64
	tol          float64
	seed         uint64
	quiet        bool
	out          string // "" means stdout
	float32      bool
	cache        bool   // read --data through its binary column cache
	cacheDir     string // where the cache is; "" means beside --data
	plainBatches bool   // --plain-batches: no anchored control variate

	family bbvi.Family     // from familyName
	opt    graph.Optimizer // from optName and lr

	runs   map[string]modelRun // every registered model's run, by name
	owners map[string][]string // the models that define each model flag
	chosen modelRun            // runs[model], once checked
}

// newFitOptions returns the options of one `vigor fit`, with a run for
// every registered model.
func newFitOptions() *fitOptions {
	o := &fitOptions{runs: map[string]modelRun{}, owners: map[string][]string{}}
	for _, m := range fitModels {
		o.runs[m.name] = m.new()
	}
	return o
}

// commonFlags defines the flags that every model has.
func (o *fitOptions) commonFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.model, "model", "", "the `model`: "+orList(modelNames())+" (required)")
	fs.StringVar(&o.data, "data", "", "the CSV `file` with a header row (required)")
	fs.StringVar(&o.familyName, "family", "meanfield", "the variational `family`: "+strings.Join(bbvi.FamilyNames(), ", "))
	fs.IntVar(&o.rank, "rank", 0, "the `rank` of --family lowrank's factor; 0 means its default, min(5, dim-1)")
	fs.IntVar(&o.samples, "samples", 8, "Monte Carlo `draws` per gradient step")
	fs.BoolVar(&o.qmc, "qmc", false, "draw each step's --samples as randomized quasi-Monte Carlo normals (scrambled Sobol'; best with a power of 2)")
	fs.IntVar(&o.batch, "batch", 0, "`rows` per step (minibatch, likelihood scaled by N/B, with a control variate anchored at the Laplace mode); 0 means all")
	fs.BoolVar(&o.plainBatches, "plain-batches", false, "with --batch, leave out the control variate anchored at the Laplace mode (the plain minibatch estimate)")
	fs.IntVar(&o.steps, "steps", 20000, "maximum number of optimizer `steps`")
	fs.StringVar(&o.optName, "optimizer", "adam", "the `optimizer`: adam, rmsprop, adagrad or sgd")
	fs.Float64Var(&o.lr, "lr", 0, "learning `rate`; 0 means the optimizer's default (adam 0.01, rmsprop 0.01, adagrad 0.1, sgd 0.001)")
	fs.Float64Var(&o.tol, "tol", 0, "relative ELBO `tolerance`: a positive value replaces the default stationarity test by Stan's rule; negative runs all --steps")
	fs.Uint64Var(&o.seed, "seed", 1, "random `seed`; the same seed gives the same result")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress or summary on stderr")
	fs.StringVar(&o.out, "out", "", "write the JSON to `file` (atomically) instead of stdout")
	fs.BoolVar(&o.float32, "float32", false, "compute in float32 instead of float64")
	fs.BoolVar(&o.cache, "cache", false, "read --data through its binary column cache (FILE.csv.vcache, built when missing or stale); with --batch the CSV is never held in memory")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "keep the --cache in `directory` instead of beside --data")
}

// flags implements options: the common flags, bound to o, and every model's
// own flags, bound to its run (to each of the runs that define it).
func (o *fitOptions) flags(fs *flag.FlagSet) {
	o.commonFlags(fs)
	byName := map[string][]*flag.Flag{}
	var names []string
	for _, m := range fitModels {
		mfs := newFlagSet(m.name)
		o.runs[m.name].flags(mfs)
		mfs.VisitAll(func(f *flag.Flag) {
			if byName[f.Name] == nil {
				names = append(names, f.Name)
			}
			byName[f.Name] = append(byName[f.Name], f)
			o.owners[f.Name] = append(o.owners[f.Name], m.name)
		})
	}
	for _, name := range names {
		defs := byName[name]
		if len(defs) == 1 {
			fs.Var(defs[0].Value, name, defs[0].Usage)
			continue
		}
		shared := make(sharedFlag, len(defs))
		for i, f := range defs {
			shared[i] = f.Value
		}
		fs.Var(shared, name, defs[0].Usage)
	}
}

// check implements options: the model must be registered, the flags given
// must be the model's or common ones, and the common values must be valid;
// then the model checks its own.
func (o *fitOptions) check(given map[string]bool) error {
	m := lookupModel(o.model)
	switch {
	case o.model == "":
		return badf("--model is required (%s)", orList(modelNames()))
	case m == nil:
		return badf("unknown model %q (want %s)", o.model, orList(modelNames()))
	case o.data == "":
		return badf("--data is required")
	}
	names := make([]string, 0, len(given))
	for name := range given {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if owners := o.owners[name]; len(owners) > 0 && !slices.Contains(owners, o.model) {
			return badf("--%s does not apply to --model %s (only to %s)", name, o.model, orList(owners))
		}
	}
	if strings.TrimSpace(o.familyName) == "" {
		return badf("--family: empty name")
	}
	fam, err := bbvi.FamilyByName(o.familyName)
	if err != nil {
		return badf("--family: %w", err)
	}
	o.family = fam
	if given["rank"] {
		lr, ok := fam.(bbvi.LowRank)
		if !ok {
			return badf("--rank applies to --family lowrank only (not %s)", fam.Name())
		}
		if o.rank < 0 {
			return badf("--rank %d must not be negative (0 means the default)", o.rank)
		}
		lr.Rank = o.rank
		o.family = lr
	}
	switch {
	case o.samples < 1:
		return badf("--samples %d must be at least 1", o.samples)
	case o.batch < 0:
		return badf("--batch %d must not be negative (0 means all rows)", o.batch)
	case o.steps < 1:
		return badf("--steps %d must be at least 1", o.steps)
	case !(o.lr >= 0) || math.IsInf(o.lr, 0):
		return badf("--lr %v must be positive and finite (or 0 for the default)", o.lr)
	case math.IsNaN(o.tol) || math.IsInf(o.tol, 0):
		return badf("--tol %v must be finite", o.tol)
	}
	o.optName = strings.ToLower(strings.TrimSpace(o.optName))
	if o.optName == "" {
		return badf("--optimizer: empty name")
	}
	if o.opt, err = bbvi.NewOptimizer(o.optName, o.lr); err != nil {
		return badf("--optimizer: %w", err)
	}
	switch {
	case o.out == "-":
		o.out = ""
	case samePath(o.out, o.data):
		return badf("--out %s would overwrite the --data file", o.out)
	case given["cache-dir"] && !o.cache:
		return badf("--cache-dir goes with --cache")
	}
	if err := checkCacheDir(o.cacheDir); err != nil {
		return err
	}
	o.chosen = o.runs[o.model]
	if _, ok := o.chosen.(cacheChecker); o.cache && !ok {
		return badf("--cache does not apply to --model %s", o.model)
	}
	return o.chosen.check(o, given)
}

// run implements options: it rejects an --out that cannot be written, before
// a possibly long fit, and runs the model.
func (o *fitOptions) run(e *env) error {
	if err := checkWritable(o.out); err != nil {
		return err
	}
	return o.chosen.run(o, e)
}

// writeHelp implements helpWriter: `vigor fit --model NAME -h` describes the
// model NAME and its flags; without a known --model, the page lists the models
// and all the flags, those of every model first.
func (o *fitOptions) writeHelp(w io.Writer, c *command, path string, fs *flag.FlagSet) {
	common := newFlagSet(path)
	(&fitOptions{}).commonFlags(common)
	m := lookupModel(o.model)
	if m == nil {
		writeSynopsis(w, "usage: "+path+" ", c.synopsis)
		fmt.Fprintf(w, "\n%s\n\nThe flags of every model:\n", strings.TrimSpace(c.about))
		printFlags(w, common)
		fmt.Fprintln(w, "\nThe flags of some models only:")
		// Fresh flags, whose defaults are not the values given before -h.
		fresh, all, some := newFitOptions(), newFlagSet(path), newFlagSet(path)
		fresh.flags(all)
		all.VisitAll(func(f *flag.Flag) {
			if common.Lookup(f.Name) == nil {
				some.Var(f.Value, f.Name, f.Usage+" [--model "+strings.Join(fresh.owners[f.Name], ", ")+"]")
			}
		})
		printFlags(w, some)
		return
	}
	writeSynopsis(w, "usage: "+path+" ", "--model "+m.name+" --data FILE.csv "+m.synopsis+"\n"+fitCommonSynopsis)
	fmt.Fprintf(w, "\n--model %s: %s.\n\n", m.name, m.summary)
	if m.about != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(m.about))
	}
	fmt.Fprintf(w, "%s\n\nThe flags of --model %s:\n", fitTail, m.name)
	printFlags(w, modelFlags(m))
	fmt.Fprintln(w, "\nThe flags of every model:")
	printFlags(w, common)
}

// settings turns the common flags into bbvi.Settings, without an Estimator.
func (o *fitOptions) settings() *bbvi.Settings {
	set := &bbvi.Settings{
		Family:    o.family,
		Draws:     o.samples,
		QMC:       o.qmc,
		BatchSize: o.batch,
		Optimizer: o.opt,
		// PlainBatches turns off the anchored control variate.
		PlainBatches: o.plainBatches,
		MaxSteps:     o.steps,
		Tol:          o.tol,
		Dtype:        graph.Float64,
	}
	if o.tol < 0 {
		set.Tol = -1 // never stop early
	}
	if o.float32 {
		set.Dtype = graph.Float32
	}
	return set
}

// dtype is the float type's name as reported in the JSON.
func (o *fitOptions) dtype() string {
	if o.float32 {
		return "float32"
	}
	return "float64"
}

// effectiveBatch is the number of rows per step out of n: --batch, or all.
func (o *fitOptions) effectiveBatch(n int) int {
	if o.batch > 0 && o.batch < n {
		return o.batch
	}
	return n
}

// fitRand returns the random stream of the fit, derived from --seed.
func (o *fitOptions) fitRand() *rand.Rand {
	return rand.New(rand.NewPCG(o.seed, o.seed^fitStream))
}

// progress returns the progress bar of a fit, hooked into set, when stderr is
// a terminal and --quiet is not given; else nil.
func (o *fitOptions) progress(e *env, set *bbvi.Settings) *progressBar {
	if !e.isTTY || o.quiet {
		return nil
	}
	bar := newProgressBar(e.stderr)
	set.Progress = bar.update
	return bar
}

// bytesPerCell is what one cell of the --data file may cost in memory: the
// table (with its rows' overhead), the matrices taken from it, the fit's
// copy and the graph's inputs.
const bytesPerCell = 64

// readTable reads the --data file, bounding its cells by the memory budget.
// Every error is a usageError naming the file (and line and column where
// there is one).
func (o *fitOptions) readTable() (*datasets.Table, error) {
	return readCSV(o.data, nil)
}

// readCSV reads the CSV file path, with the columns text read as text,
// bounding its cells by the memory budget. Every error is a usageError
// naming the file (and line and column where there is one).
func readCSV(path string, text []string) (*datasets.Table, error) {
	budget, how, err := memoryBudget()
	if err != nil {
		return nil, err
	}
	cells := int64(min(budget/bytesPerCell, math.MaxInt64))
	t, err := datasets.ReadCSVLimits(path, datasets.CSVLimits{Cells: cells, Text: text})
	if errors.Is(err, datasets.ErrTooManyCells) {
		return nil, badf("%v: its data would need more than the %s of memory allowed (%s; set %s to change it)",
			err, formatBytes(budget), how, memoryEnv)
	}
	return t, bad(err)
}

// fitSize describes a fit for its memory estimate.
type fitSize struct {
	n, d   int  // data rows, and coefficients (components of the continuous latents)
	draws  int  // posterior draws written (--draws), 0 for none
	local  int  // values of the local latents per draw (rows × components of a mixture), 0 for none
	report bool // the report has the d×d covariance
	// streamed: the rows are read from a cache a window at a time (--cache
	// with --batch), so the data cost a window, not n rows.
	streamed bool
}

// checkMemory refuses, as a usageError, a fit that would need more memory
// than the budget, naming what drives the estimate. The estimate covers the
// graph (draws × (rows per step + coefficients), the local latents), the
// diagnostics (100 draws at a time over at most 2²¹ draws × rows), the data,
// the family (linear in the coefficients for a mean-field q, quadratic for
// the others), the report and the --draws.
func (o *fitOptions) checkMemory(z fitSize) error {
	const graphNodes = 32 // values of (draws × rows) shape in the graph, forward and backward
	s := float64(o.samples)
	b := float64(o.effectiveBatch(z.n))
	d := float64(z.d)
	k := float64(z.local)
	cells := min(100*float64(z.n), 1<<21)
	terms := []struct {
		what string
		v    float64
	}{
		{fmt.Sprintf("--samples %d with %d rows per step and %d coefficients", o.samples, int(b), z.d), 8 * s * (b + d + b*k) * graphNodes},
		{fmt.Sprintf("its diagnostics with %d coefficients", z.d), 8 * (cells*(1+k) + 100*d) * graphNodes},
		{fmt.Sprintf("%s: %d rows of %d coefficients", o.data, z.n, z.d), dataBytes(z)},
		{fmt.Sprintf("%d coefficients", z.d), 8 * d * (64 + 2*200)}, // parameters, gradients, optimizer, averages; the Converger's window
		{fmt.Sprintf("--draws %d of %d coefficients", z.draws, z.d), 8 * float64(z.draws) * (d + 1) * 3},
	}
	if _, diagonal := o.family.(bbvi.MeanField); !diagonal {
		terms = append(terms, struct {
			what string
			v    float64
		}{fmt.Sprintf("--family %s with %d coefficients (--family meanfield needs memory in proportion to them)", o.family.Name(), z.d), 8 * d * d * 16})
	}
	if z.report {
		terms = append(terms, struct {
			what string
			v    float64
		}{fmt.Sprintf("the %d×%d covariance of the report", z.d, z.d), 40 * d * d})
	}
	need, top := float64(64<<20), 0
	for i, t := range terms {
		need += t.v
		if t.v > terms[top].v {
			top = i
		}
	}
	return checkMemory("the fit ("+terms[top].what+")", bytesOf(need))
}

// samePath reports whether a and b are both set and name the same file.
func samePath(a, b string) bool {
	return a != "" && b != "" && filepath.Clean(a) == filepath.Clean(b)
}

// writeResult writes doc to stdout, or atomically to path when it is set.
func writeResult(e *env, path string, doc []byte) error {
	if path == "" {
		return e.write("the fit's JSON result", doc)
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

// dataBytes is what the data of a fit cost in memory: four copies of every
// row in memory, or, streamed from a cache, a window of about 32 MiB, the
// chunks of the Laplace start (2¹⁶ rows) and a block buffer per array.
func dataBytes(z fitSize) float64 {
	d := float64(z.d)
	if z.streamed {
		return 2*(32<<20) + 8*(1<<16)*(d+1)*4
	}
	return 8 * float64(z.n) * (d + 1) * 4
}

// columnList splits a --columns value at its commas, trimming spaces; an
// empty name is a usage error.
func columnList(list string) ([]string, error) {
	cols := strings.Split(list, ",")
	for i, c := range cols {
		cols[i] = strings.TrimSpace(c)
		if cols[i] == "" {
			return nil, badf("--columns %q has an empty name", list)
		}
	}
	return cols, nil
}

// checkSideOutput checks the file of a model's --NAME flag, written beside
// the JSON: a file name (stdout carries the JSON), neither --data nor --out.
func (o *fitOptions) checkSideOutput(name, path string) error {
	switch {
	case path == "-":
		return badf("--%s needs a file name (stdout carries the JSON)", name)
	case samePath(path, o.data):
		return badf("--%s %s would overwrite the --data file", name, path)
	case samePath(path, o.out):
		return badf("--out and --%s are both %s", name, o.out)
	}
	return nil
}
