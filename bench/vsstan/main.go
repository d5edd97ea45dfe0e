// Command vsstan is the Go side of bench/vs_stan.sh: it generates the
// logistic regression problems, computes their references, scores the fits
// of Vigor and Stan against them, and draws the time-against-N plot.
//
//	go run ./bench/vsstan gen -n 10000 -d 20 -seed 1 -out data.csv
//	go run ./bench/vsstan laplace -data data.csv -target y -prior-scale 10 -out ref.json
//	go run ./bench/vsstan refsuite -csv logistic400.csv -ref ref.json
//	go run ./bench/vsstan score -ref ref.json -family meanfield fit.json
//	go run ./bench/vsstan plot -in results.tsv -out vs_stan.png
//	go run ./bench/vsstan table -in results.tsv
//
// The problems: predictors correlated (an AR(1) across columns, ρ = 0.6) and
// of mixed scales (column j multiplied by 10^((j mod 5) - 2), from 0.01 to
// 100), coefficients that give every column a comparable effect, and a 0/1
// target drawn from the logistic model; all from a PCG seeded by -seed, so
// the same flags give the same file. The reference for large N is the
// Laplace approximation (the mode by Newton's method and the inverse of the
// Hessian there, which the posterior approaches as N grows); for small N,
// NUTS (rstan sampling, by bench/vsstan/stan.R); for the 400-row problem,
// the NUTS reference of bench/refsuite.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/vigor-ml/vigor/datasets"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: vsstan gen|laplace|refsuite|score|plot|table [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "laplace":
		err = laplace(os.Args[2:])
	case "refsuite":
		err = refsuite(os.Args[2:])
	case "score":
		err = score(os.Args[2:])
	case "plot":
		err = plotCmd(os.Args[2:])
	case "table":
		err = table(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vsstan:", err)
		os.Exit(1)
	}
}

// parse parses a count such as 1e6 or 20000.
func parseCount(s string) (int, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 1 || v > 1e9 || v != math.Trunc(v) {
		return 0, fmt.Errorf("bad count %q", s)
	}
	return int(v), nil
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	nStr := fs.String("n", "1000", "rows (1e6 is fine)")
	d := fs.Int("d", 20, "predictors")
	seed := fs.Uint64("seed", 1, "seed")
	out := fs.String("out", "", "CSV file")
	fs.Parse(args)
	n, err := parseCount(*nStr)
	if err != nil || *d < 1 || *out == "" {
		return fmt.Errorf("gen: need -n, -d ≥ 1 and -out (%v)", err)
	}
	rng := rand.New(rand.NewPCG(*seed, 0x57a9))
	const rho = 0.6
	scale := make([]float64, *d)
	beta := make([]float64, *d)
	for j := range scale {
		scale[j] = math.Pow(10, float64(j%5-2))
		sign := 1.0
		if j%2 == 1 {
			sign = -1
		}
		beta[j] = sign * (0.5 + 0.5*float64(j%3)) * 1.5 / math.Sqrt(float64(*d)) / scale[j]
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for j := 0; j < *d; j++ {
		fmt.Fprintf(w, "x%d,", j+1)
	}
	w.WriteString("y\n")
	x := make([]float64, *d)
	buf := make([]byte, 0, 32)
	for i := 0; i < n; i++ {
		eta := -0.3
		prev := 0.0
		for j := range x {
			e := rng.NormFloat64()
			z := e
			if j > 0 {
				z = rho*prev + math.Sqrt(1-rho*rho)*e
			}
			prev = z
			// Six significant digits, as a CSV export would write them; the
			// references are computed from the file, not from these values.
			v, _ := strconv.ParseFloat(strconv.FormatFloat(z*scale[j], 'g', 6, 64), 64)
			x[j] = v
			eta += beta[j] * v
			buf = strconv.AppendFloat(buf[:0], v, 'g', -1, 64)
			w.Write(buf)
			w.WriteByte(',')
		}
		y := '0'
		if rng.Float64() < datasets.Sigmoid(eta) {
			y = '1'
		}
		w.WriteByte(byte(y))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// reference is a reference posterior (or a fit's summary): means and sds in
// the order intercept, x1, ..., and, for a reference, the sds of the best
// mean-field Gaussian, 1/sqrt of the diagonal of the precision.
type reference struct {
	Method  string    `json:"method"`
	Names   []string  `json:"names,omitempty"`
	Mean    []float64 `json:"mean"`
	SD      []float64 `json:"sd"`
	MFSD    []float64 `json:"mf_sd,omitempty"`
	Seconds float64   `json:"seconds,omitempty"`
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// laplace computes the Laplace reference of the logistic regression with
// Normal(0, s²) priors on the intercept and the coefficients.
func laplace(args []string) error {
	fs := flag.NewFlagSet("laplace", flag.ExitOnError)
	data := fs.String("data", "", "CSV file")
	target := fs.String("target", "y", "target column")
	s := fs.Float64("prior-scale", 10, "prior sd")
	out := fs.String("out", "", "reference JSON")
	fs.Parse(args)
	t, err := datasets.ReadCSV(*data)
	if err != nil {
		return err
	}
	yj, err := t.Index(*target)
	if err != nil {
		return err
	}
	var cols []int
	names := []string{"intercept"}
	for j, c := range t.Columns {
		if j != yj {
			cols = append(cols, j)
			names = append(names, c)
		}
	}
	k := len(cols) + 1
	beta := make([]float64, k)
	a := make([]float64, k)
	prec := mat.NewSymDense(k, nil)
	grad := mat.NewVecDense(k, nil)
	for it := 0; it < 100; it++ {
		h := make([]float64, k*k)
		g := make([]float64, k)
		for i := 0; i < k; i++ {
			h[i*k+i] = 1 / (*s * *s)
			g[i] = -beta[i] / (*s * *s)
		}
		for _, row := range t.Rows {
			a[0] = 1
			for c, j := range cols {
				a[c+1] = row[j]
			}
			var eta float64
			for i := range a {
				eta += a[i] * beta[i]
			}
			p := datasets.Sigmoid(eta)
			wgt := p * (1 - p)
			r := row[yj] - p
			for i := 0; i < k; i++ {
				g[i] += r * a[i]
				wa := wgt * a[i]
				for j := i; j < k; j++ {
					h[i*k+j] += wa * a[j]
				}
			}
		}
		for i := 0; i < k; i++ {
			for j := i; j < k; j++ {
				prec.SetSym(i, j, h[i*k+j])
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(prec) {
			return errors.New("laplace: the Hessian is not positive definite")
		}
		for i := range g {
			grad.SetVec(i, g[i])
		}
		var step mat.VecDense
		if err := ch.SolveVecTo(&step, grad); err != nil {
			return err
		}
		var change float64
		for i := range beta {
			beta[i] += step.AtVec(i)
			change = math.Max(change, math.Abs(step.AtVec(i))*math.Sqrt(prec.At(i, i)))
		}
		if change < 1e-10 {
			break
		}
	}
	// The precision at the mode (recomputed after the last step is not
	// needed: the step was below 1e-10 posterior sd).
	var ch mat.Cholesky
	if !ch.Factorize(prec) {
		return errors.New("laplace: the Hessian is not positive definite")
	}
	var cov mat.SymDense
	if err := ch.InverseTo(&cov); err != nil {
		return err
	}
	ref := reference{Method: "laplace", Names: names, Mean: beta}
	for i := 0; i < k; i++ {
		ref.SD = append(ref.SD, math.Sqrt(cov.At(i, i)))
		ref.MFSD = append(ref.MFSD, 1/math.Sqrt(prec.At(i, i)))
	}
	return writeJSON(*out, ref)
}

// refsuite writes the 400-row problem of bench/refsuite as a CSV file and
// its NUTS reference.
func refsuite(args []string) error {
	fs := flag.NewFlagSet("refsuite", flag.ExitOnError)
	dir := fs.String("dir", "bench/refsuite", "the refsuite directory")
	csvOut := fs.String("csv", "", "CSV file to write")
	refOut := fs.String("ref", "", "reference JSON to write")
	fs.Parse(args)
	var prob struct {
		Data struct {
			N, K int
			X    [][]float64
			Y    []float64 `json:"y"`
		} `json:"data"`
	}
	var ref struct {
		Mean, SD []float64
		MFSD     []float64 `json:"mf_sd"`
	}
	for path, v := range map[string]any{filepath.Join(*dir, "data", "logistic.json"): &prob, filepath.Join(*dir, "ref", "logistic.json"): &ref} {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	header := []string{}
	names := []string{"intercept"}
	for j := 0; j < prob.Data.K; j++ {
		header = append(header, fmt.Sprintf("x%d", j+1))
		names = append(names, fmt.Sprintf("x%d", j+1))
	}
	header = append(header, "y")
	var rows [][]float64
	for i := 0; i < prob.Data.N; i++ {
		rows = append(rows, append(append([]float64(nil), prob.Data.X[i]...), prob.Data.Y[i]))
	}
	if err := datasets.SaveCSV(*csvOut, header, rows); err != nil {
		return err
	}
	return writeJSON(*refOut, reference{Method: "nuts", Names: names, Mean: ref.Mean, SD: ref.SD, MFSD: ref.MFSD})
}

// score prints, for each fit, the largest |Δμ|/sd against the reference and
// the range of the sd ratios (against the reference's sds, or, for a
// mean-field fit, the best mean-field Gaussian's when the reference has
// them), as "maxdev sdlo sdhi".
func score(args []string) error {
	fs := flag.NewFlagSet("score", flag.ExitOnError)
	refPath := fs.String("ref", "", "reference JSON")
	family := fs.String("family", "fullrank", "the fit's family: meanfield compares sds with the best mean-field Gaussian's")
	fs.Parse(args)
	var ref reference
	b, err := os.ReadFile(*refPath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		return err
	}
	for _, path := range fs.Args() {
		var fit reference
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &fit); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(fit.Mean) != len(ref.Mean) || len(fit.SD) != len(ref.SD) {
			return fmt.Errorf("%s: %d means, the reference has %d", path, len(fit.Mean), len(ref.Mean))
		}
		sdRef := ref.SD
		if *family == "meanfield" && len(ref.MFSD) == len(ref.SD) {
			sdRef = ref.MFSD
		}
		dev, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
		for i := range ref.Mean {
			dev = math.Max(dev, math.Abs(fit.Mean[i]-ref.Mean[i])/ref.SD[i])
			r := fit.SD[i] / sdRef[i]
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
		fmt.Printf("%.3g %.3g %.3g\n", dev, lo, hi)
	}
	return nil
}

// plotCmd draws fit time against N, log-log, one line per side and family,
// from the rows "n side family seconds" of a results file (medians taken).
func plotCmd(args []string) error {
	fs := flag.NewFlagSet("plot", flag.ExitOnError)
	in := fs.String("in", "", "results TSV: problem n side family seconds ...")
	out := fs.String("out", "vs_stan.png", "PNG file")
	fs.Parse(args)
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	times := map[string]map[float64][]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "logistic" {
			continue
		}
		n, err1 := strconv.ParseFloat(f[1], 64)
		sec, err2 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil || sec <= 0 {
			continue
		}
		key := f[2] + " " + f[3]
		if times[key] == nil {
			times[key] = map[float64][]float64{}
		}
		times[key][n] = append(times[key][n], sec)
	}
	if len(times) == 0 {
		return fmt.Errorf("%s: no logistic rows", *in)
	}
	p := plot.New()
	p.Title.Text = "logistic regression, D = 20: fit time against N"
	p.X.Label.Text = "rows N"
	p.Y.Label.Text = "seconds (median; Stan without compiling)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{}, plot.LogTicks{}
	p.Legend.Top, p.Legend.Left = true, true
	keys := make([]string, 0, len(times))
	for k := range times {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	colors := map[string]color.Color{"vigor": color.RGBA{R: 200, A: 255}, "stan": color.RGBA{B: 200, A: 255}}
	for _, k := range keys {
		var pts plotter.XYs
		for n, ts := range times[k] {
			sort.Float64s(ts)
			pts = append(pts, plotter.XY{X: n, Y: ts[len(ts)/2]})
		}
		sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		side := strings.Fields(k)[0]
		l.Color, s.Color = colors[side], colors[side]
		if strings.HasSuffix(k, "fullrank") {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			s.Shape = draw.BoxGlyph{}
		}
		p.Add(l, s)
		p.Legend.Add(k, l, s)
	}
	return p.Save(6*vg.Inch, 4*vg.Inch, *out)
}

// table prints the medians of a results file by problem, size and family:
// the seconds of each side, their ratio, and each side's accuracy (the
// median of max |Δμ|/sd and of the sd ratio range over the pairs).
func table(args []string) error {
	fs := flag.NewFlagSet("table", flag.ExitOnError)
	in := fs.String("in", "", "results TSV: problem n side family seconds maxdev sdlo sdhi wall")
	fs.Parse(args)
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	type cell struct{ sec, dev, lo, hi []float64 }
	cells := map[string]*cell{}
	var order []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || strings.HasPrefix(f[0], "#") {
			continue
		}
		key := strings.Join([]string{f[0], f[1], f[3], f[2]}, " ")
		c := cells[key]
		if c == nil {
			c = &cell{}
			cells[key] = c
			order = append(order, key)
		}
		vals := make([]float64, 4)
		for i := range vals {
			vals[i], _ = strconv.ParseFloat(f[4+i], 64)
		}
		c.sec, c.dev, c.lo, c.hi = append(c.sec, vals[0]), append(c.dev, vals[1]), append(c.lo, vals[2]), append(c.hi, vals[3])
	}
	med := func(xs []float64) float64 {
		if len(xs) == 0 {
			return math.NaN()
		}
		c := append([]float64(nil), xs...)
		sort.Float64s(c)
		if len(c)%2 == 1 {
			return c[len(c)/2]
		}
		return (c[len(c)/2-1] + c[len(c)/2]) / 2
	}
	fmt.Printf("%-12s %8s %-9s %10s %10s %8s   %-24s %-24s\n", "problem", "N", "family", "vigor s", "stan s", "v/s", "vigor max|dmu|/sd, sd", "stan max|dmu|/sd, sd")
	seen := map[string]bool{}
	for _, key := range order {
		f := strings.Fields(key)
		row := strings.Join(f[:3], " ")
		if seen[row] {
			continue
		}
		seen[row] = true
		v, s := cells[row+" vigor"], cells[row+" stan"]
		acc := func(c *cell) string {
			if c == nil {
				return "-"
			}
			return fmt.Sprintf("%.3g, %.2f-%.2f", med(c.dev), med(c.lo), med(c.hi))
		}
		vs, ss := math.NaN(), math.NaN()
		if v != nil {
			vs = med(v.sec)
		}
		if s != nil {
			ss = med(s.sec)
		}
		fmt.Printf("%-12s %8s %-9s %10.3g %10.3g %8.3g   %-24s %-24s\n", f[0], f[1], f[2], vs, ss, vs/ss, acc(v), acc(s))
	}
	return nil
}
