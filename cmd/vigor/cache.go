package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// This file holds the binary column cache of a CSV file: `vigor data cache`,
// and `vigor fit --cache`, which reads the data from the cache (with --batch,
// in blocks, never the whole file) instead of parsing the CSV.

// dataCacheSynopsis is the flags summary of `vigor data cache`.
const dataCacheSynopsis = `--data FILE.csv [--cache-dir DIR]`

// dataCacheAbout is the help text of `vigor data cache`.
const dataCacheAbout = `Cache builds the binary column cache of a numeric CSV file: FILE.csv.vcache
beside it, or in --cache-dir. The CSV is read once, with the checks of vigor
fit, in memory bounded by its columns (not its rows); the cache holds the
values as float64 in blocks of 4096 rows, a CRC-32C per block and column, and
the CSV's size, time and SHA-256, so that a cache whose CSV has changed is
known stale and a damaged one is refused. A fresh cache is kept; a stale one
is rebuilt. "vigor fit --cache" uses it (and builds it when it is missing).
It prints the cache's name, rows and columns on stdout.`

// dataCacheOptions are the flags of `vigor data cache`.
type dataCacheOptions struct {
	data     string
	cacheDir string
}

// flags implements options.
func (o *dataCacheOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.data, "data", "", "the CSV `file` with a header row (required)")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "write the cache in `directory` instead of beside the CSV")
}

// check implements options.
func (o *dataCacheOptions) check(map[string]bool) error {
	if o.data == "" {
		return badf("--data is required")
	}
	return checkCacheDir(o.cacheDir)
}

// run implements options.
func (o *dataCacheOptions) run(e *env) error {
	c, built, err := openCache(o.data, o.cacheDir, e, false)
	if err != nil {
		return err
	}
	defer c.Close()
	how := "fresh, kept"
	if built {
		how = "built"
	}
	fi, err := os.Stat(c.Path())
	if err != nil {
		return err
	}
	return e.printf("the cache's description", "%s: %d rows, %d columns, %s (%s)\n",
		c.Path(), c.Rows(), len(c.Columns()), formatBytes(uint64(fi.Size())), how)
}

// checkCacheDir rejects a --cache-dir that is not a directory.
func checkCacheDir(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return badf("--cache-dir %s is not a directory", dir)
	}
	return nil
}

// openCache opens the cache of the CSV file csv (in dir, or beside it),
// building it when it is missing or stale (saying so on stderr unless
// quiet), and reports whether it was built. A damaged cache, or a CSV that
// cannot be read, is bad input; a cache that cannot be written is a failure.
func openCache(csv, dir string, e *env, quiet bool) (*datasets.Cache, bool, error) {
	path := datasets.CachePath(csv, dir)
	c, err := datasets.OpenCache(path, csv)
	switch {
	case err == nil:
		return c, false, nil
	case errors.Is(err, datasets.ErrStale):
		if !quiet {
			fmt.Fprintf(e.stderr, "%s: %v: rebuilding it\n", e.cmd, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(csv); serr != nil {
			return nil, false, badf("%s: cannot open: %v", csv, serr.(*fs.PathError).Err)
		}
		if !quiet {
			fmt.Fprintf(e.stderr, "%s: building the cache %s from %s\n", e.cmd, path, csv)
		}
	default:
		return nil, false, bad(err)
	}
	if _, err := datasets.BuildCache(csv, path, datasets.CSVLimits{}); err != nil {
		var te *datasets.TableError
		if errors.As(err, &te) {
			return nil, false, bad(err)
		}
		return nil, false, err
	}
	c, err = datasets.OpenCache(path, csv)
	if err != nil {
		return nil, false, bad(err)
	}
	return c, true, nil
}

// cacheChecker is implemented by the regression models that --cache
// supports: checkCache checks the cached data for the model as checkData
// checks a table.
type cacheChecker interface {
	checkCache(c *datasets.Cache, csv string, features []string) error
}

// checkCache implements cacheChecker: with a learned noise sd, no feature
// may be called "sigma".
func (r *linearRun) checkCache(c *datasets.Cache, csv string, features []string) error {
	return r.checkData(&datasets.Table{Source: csv, Columns: c.Columns()}, features)
}

// checkCache implements cacheChecker: the target must be 0 or 1.
func (r *logisticRun) checkCache(c *datasets.Cache, csv string, features []string) error {
	j, err := c.Index(r.target)
	if err != nil {
		return bad(err)
	}
	buf := make([]float64, c.BlockRows())
	for start := 0; start < c.Rows(); start += len(buf) {
		vals := buf[:min(len(buf), c.Rows()-start)]
		if err := c.ReadColumn(vals, j, start); err != nil {
			return bad(err)
		}
		for i, v := range vals {
			if v != 0 && v != 1 {
				line, lerr := datasets.RowLine(csv, start+i)
				if lerr != nil {
					return badf("%s: data row %d (column %q): %s is not 0 or 1", csv, start+i+1, r.target, strconv.FormatFloat(v, 'g', -1, 64))
				}
				return bad(&datasets.TableError{File: csv, Line: line, Column: j + 1, Field: r.target,
					Msg: strconv.FormatFloat(v, 'g', -1, 64) + " is not 0 or 1", Err: datasets.ErrNotBinary})
			}
		}
	}
	return nil
}

// loadCache is load for --cache: the model m reads its data from the cache
// of the --data file through a bbvi.RowSource; with --batch the fit holds a
// window of rows, not the file.
func (r *regression) loadCache(o *fitOptions, e *env, m regressionModel) (*problem, error) {
	cc, ok := m.(cacheChecker)
	if !ok {
		return nil, badf("--cache does not apply to --model %s", o.model)
	}
	if r.group != "" {
		return nil, badf("--group does not apply with --cache (its levels may be text, which the cache does not hold)")
	}
	c, _, err := openCache(o.data, o.cacheDir, e, o.quiet)
	if err != nil {
		return nil, err
	}
	p, err := r.cacheProblem(o, c, m, cc)
	if err != nil {
		c.Close()
		return nil, err
	}
	p.closer = c
	return p, nil
}

func (r *regression) cacheProblem(o *fitOptions, c *datasets.Cache, m regressionModel, cc cacheChecker) (*problem, error) {
	yj, err := c.Index(r.target)
	if err != nil {
		return nil, bad(err)
	}
	features := r.features
	if features == nil {
		for _, name := range c.Columns() {
			if name != r.target {
				features = append(features, name)
			}
		}
		if len(features) == 0 {
			return nil, badf("%s: no feature columns (the only column is the target %q)", o.data, r.target)
		}
	}
	var xcols []int
	for i, f := range features {
		j, err := c.Index(f)
		if err != nil {
			return nil, bad(err)
		}
		switch {
		case f == r.target:
			return nil, badf("%s: feature %q is the target column", o.data, f)
		case slices.Contains(features[:i], f):
			return nil, badf("%s: feature %q is listed twice in --features", o.data, f)
		case f == "intercept" && !r.noIntercept:
			return nil, badf("%s: feature column %q clashes with the intercept's name (rename it or use --no-intercept)", o.data, f)
		}
		xcols = append(xcols, j)
	}
	if err := cc.checkCache(c, o.data, features); err != nil {
		return nil, err
	}
	// The model and its data's layout, from one row of zeros.
	model, schema, err := m.newModel(features, nil, models.Rows{X: make([]float64, len(features)), Y: []float64{0}}, nil)
	if err != nil {
		return nil, badf("%s: %v", o.data, err)
	}
	if len(schema) != 2 || schema[0].Name != "X" || schema[0].Cols != len(features) || schema[1].Name != "y" || schema[1].Cols != 0 {
		return nil, badf("--cache does not apply to --model %s (its data are not X and y)", o.model)
	}
	src, err := bbvi.NewColumnSource(c, bbvi.ColumnArray{Name: "X", Cols: len(features), Columns: xcols}, bbvi.ColumnArray{Name: "y", Columns: []int{yj}})
	if err != nil {
		return nil, err
	}
	p := &problem{model: model, source: src, features: features, n: c.Rows()}
	d := 0
	for _, l := range model.Latents() {
		d += max(l.Size, 1)
	}
	if err := o.checkMemory(fitSize{n: p.n, d: d, draws: r.draws, report: d <= maxReportCov, streamed: o.batch > 0 && o.batch < p.n}); err != nil {
		return nil, err
	}
	return p, nil
}

// cacheReadError marks a damaged cache met while fitting as bad input, as it
// is when met while opening the cache; other errors are kept.
func cacheReadError(err error) error {
	if errors.Is(err, datasets.ErrCorrupt) || errors.Is(err, datasets.ErrCacheVersion) {
		return bad(err)
	}
	return err
}
