package main

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
)

// runCLI calls run and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, isTTY bool, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, isTTY)
	return code, stdout.String(), stderr.String()
}

// writeFile writes content to path.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTable writes a generated data set as CSV with columns x1..xD, y.
func writeTable(t *testing.T, path string, X, y []float64) {
	t.Helper()
	d := len(X) / len(y)
	header := make([]string, 0, d+1)
	for j := 1; j <= d; j++ {
		header = append(header, "x"+strconv.Itoa(j))
	}
	header = append(header, "y")
	rows := make([][]float64, len(y))
	for i := range rows {
		rows[i] = append(append([]float64(nil), X[i*d:(i+1)*d]...), y[i])
	}
	if err := datasets.SaveCSV(path, header, rows); err != nil {
		t.Fatal(err)
	}
}

// checkOneLine checks the house rules for an error: exactly one line on stderr,
// with the command prefix, and no trace of a panic.
func checkOneLine(t *testing.T, stderr string) {
	t.Helper()
	if !strings.HasSuffix(stderr, "\n") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr is not exactly one line: %q", stderr)
	}
	if !strings.HasPrefix(stderr, "vigor fit: ") {
		t.Errorf("stderr lacks the \"vigor fit: \" prefix: %q", stderr)
	}
	for _, bad := range []string{"panic", "goroutine", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr mentions %q: %q", bad, stderr)
		}
	}
}

// dirNames lists a directory, to check that no output (or temporary) file was
// left behind.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

const goodCSV = "x1,x2,y\n0.1,1,1.5\n-0.3,0.2,0.7\n1.2,-0.5,2.9\n0.4,0.3,1.1\n"

// TestFitBadInput: each kind of bad flag or data exits 2 with one line that
// names the problem, prints nothing on stdout and leaves no file.
func TestFitBadInput(t *testing.T) {
	tests := []struct {
		name    string
		file    string // contents of data.csv; "" means no file
		args    []string
		want    []string // substrings of the error line
		noLines bool     // the message must not claim a line number
	}{
		{name: "missing file", want: []string{"nope.csv", "no such file"}},
		{name: "empty file", file: "", args: nil, want: []string{"data.csv", "empty"}},
		{name: "header only", file: "x1,x2,y\n", want: []string{"data.csv", "no data rows"}},
		{name: "ragged row", file: "x1,x2,y\n1,2,3\n4,5\n", want: []string{"data.csv:3", "fields"}},
		{name: "not a number", file: "x1,x2,y\n1,2,3\n4,abc,6\n", want: []string{"data.csv:3:2", `"x2"`, "not a number"}},
		{name: "NaN cell", file: "x1,x2,y\n1,2,3\n4,5,6\nNaN,1,2\n", want: []string{"data.csv:4:1", "not finite"}},
		{name: "Inf cell", file: "x1,x2,y\n1,2,3\n4,-Inf,6\n", want: []string{"data.csv:3:2", "not finite"}},
		{name: "empty cell", file: "x1,x2,y\n1,,3\n", want: []string{"data.csv:2:2"}},
		{name: "bad quoting", file: "x1,x2,y\n1,\"2,3\n", want: []string{"data.csv:2"}},
		{name: "empty header name", file: "x1,,y\n1,2,3\n", want: []string{"data.csv:1:2"}},
		{name: "missing target", file: goodCSV, args: []string{"--model", "linear", "--target", "z"},
			want: []string{"data.csv", `"z"`, "no such column"}},
		{name: "missing feature", file: goodCSV, args: []string{"--features", "x1,x9"},
			want: []string{"data.csv", `"x9"`, "no such column"}},
		{name: "feature twice", file: goodCSV, args: []string{"--features", "x1,x2,x1"},
			want: []string{"data.csv", `"x1"`, "twice"}},
		{name: "feature is target", file: goodCSV, args: []string{"--features", "x1,y"},
			want: []string{"data.csv", `"y"`, "target"}},
		{name: "empty feature name", file: goodCSV, args: []string{"--features", "x1,,x2"}, want: []string{"--features"}},
		{name: "only the target", file: "y\n1\n2\n", want: []string{"data.csv", "no feature"}},
		{name: "intercept column clash", file: "intercept,y\n1,2\n", want: []string{"data.csv", "intercept"}},
		{name: "logistic non-binary", file: "x1,x2,y\n1,2,0\n3,4,1\n5,6,2\n",
			args: []string{"--model", "logistic"}, want: []string{"data.csv:4:3", `"y"`, "not 0 or 1"}},
		{name: "logistic with noise sd", file: goodCSV, args: []string{"--model", "logistic", "--noise-sd", "1"},
			want: []string{"--noise-sd"}},
		{name: "negative samples", file: goodCSV, args: []string{"--samples", "-3"}, want: []string{"--samples"}},
		{name: "negative batch", file: goodCSV, args: []string{"--batch", "-1"}, want: []string{"--batch"}},
		{name: "zero steps", file: goodCSV, args: []string{"--steps", "0"}, want: []string{"--steps"}},
		{name: "unknown family", file: goodCSV, args: []string{"--family", "wavelet"}, want: []string{"family", `"wavelet"`, "flow"}},
		{name: "unknown model", file: goodCSV, args: []string{"--model", "zipf"}, want: []string{"model", `"zipf"`}},
		{name: "unknown optimizer", file: goodCSV, args: []string{"--optimizer", "lbfgs"}, want: []string{"optimizer", `"lbfgs"`}},
		{name: "zero prior scale", file: goodCSV, args: []string{"--prior-scale", "0"}, want: []string{"--prior-scale"}},
		{name: "negative prior scale", file: goodCSV, args: []string{"--prior-scale", "-1"}, want: []string{"--prior-scale"}},
		{name: "NaN prior scale", file: goodCSV, args: []string{"--prior-scale", "NaN"}, want: []string{"--prior-scale"}},
		{name: "negative noise sd", file: goodCSV, args: []string{"--noise-sd", "-0.5"}, want: []string{"--noise-sd"}},
		{name: "negative lr", file: goodCSV, args: []string{"--lr", "-0.1"}, want: []string{"--lr"}},
		{name: "draws without draws-out", file: goodCSV, args: []string{"--draws", "10"}, want: []string{"--draws-out"}},
		{name: "draws-out without draws", file: goodCSV, args: []string{"--draws-out", "DIR/draws.csv"}, want: []string{"--draws"}},
		{name: "zero draws with draws-out", file: goodCSV, args: []string{"--draws", "0", "--draws-out", "DIR/draws.csv"}, want: []string{"--draws"}},
		{name: "unknown flag", file: goodCSV, args: []string{"--bogus"}, want: []string{"-bogus"}},
		{name: "bad int", file: goodCSV, args: []string{"--samples", "many"}, want: []string{"samples", `"many"`}},
		{name: "stray argument", file: goodCSV, args: []string{"extra"}, want: []string{`"extra"`}},
		{name: "no data flag", args: []string{"--model", "linear", "--target", "y"}, want: []string{"--data"}},
		{name: "no target flag", file: goodCSV, args: []string{"--model", "linear", "--data", "DIR/data.csv"}, want: []string{"--target"}},
		{name: "no model flag", file: goodCSV, args: []string{"--data", "DIR/data.csv", "--target", "y"}, want: []string{"--model"}},
		{name: "out over data", file: goodCSV, args: []string{"--out", "DIR/data.csv"}, want: []string{"--out"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data.csv")
			if tc.file != "" || tc.name == "empty file" {
				writeFile(t, data, tc.file)
			}
			out := filepath.Join(dir, "post.json")
			// Defaults first: later flags override them.
			args := []string{"fit", "--model", "linear", "--data", data, "--target", "y", "--steps", "50", "--out", out}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "DIR", dir))
			}
			if tc.name == "missing file" {
				args[4] = filepath.Join(dir, "nope.csv")
			}
			if strings.HasPrefix(tc.name, "no ") {
				args = append([]string{"fit"}, args[len(args)-len(tc.args):]...)
				args = append(args, "--out", out)
			}
			before := dirNames(t, dir)
			code, stdout, stderr := runCLI(t, false, args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", code, stderr)
			}
			checkOneLine(t, stderr)
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
			if after := dirNames(t, dir); !slices.Equal(before, after) {
				t.Errorf("files changed from %v to %v", before, after)
			}
		})
	}
}

// A failure must leave an existing output file as it was.
func TestFitBadInputKeepsOldOutput(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, "x1,y\n1,2\n3,oops\n")
	out := filepath.Join(dir, "post.json")
	writeFile(t, out, "old\n")
	code, _, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", data, "--target", "y", "--out", out)
	if code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	checkOneLine(t, stderr)
	if b, _ := os.ReadFile(out); string(b) != "old\n" {
		t.Errorf("output file changed to %q", b)
	}
}

// A fit that diverges exits 1 with one line and writes nothing.
func TestFitDiverges(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, goodCSV)
	out := filepath.Join(dir, "post.json")
	code, stdout, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", data, "--target", "y",
		"--optimizer", "sgd", "--lr", "1e300", "--steps", "100", "--out", out)
	if code != 1 {
		t.Fatalf("exit code %d, want 1 (stderr %q)", code, stderr)
	}
	checkOneLine(t, stderr)
	if !strings.Contains(stderr, "non-finite") {
		t.Errorf("stderr %q does not say non-finite", stderr)
	}
	if _, err := os.Stat(out); err == nil || stdout != "" {
		t.Errorf("output written after a failed fit")
	}
}

// An output path that cannot be written is rejected before the fit.
func TestFitUnwritableOutput(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, goodCSV)
	for _, out := range []string{filepath.Join(dir, "no-such-dir", "post.json"), dir} {
		for _, flag := range []string{"--out", "--draws-out"} {
			args := []string{"fit", "--model", "linear", "--data", data, "--target", "y", flag, out}
			if flag == "--draws-out" {
				args = append(args, "--draws", "5")
			}
			code, _, stderr := runCLI(t, false, args...)
			if code != 2 {
				t.Fatalf("%s %s: exit code %d, want 2 (stderr %q)", flag, out, code, stderr)
			}
			checkOneLine(t, stderr)
			if !strings.Contains(stderr, out) {
				t.Errorf("stderr %q does not name %s", stderr, out)
			}
		}
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"data.csv"}) {
		t.Errorf("files left: %v", names)
	}
}

// jsonReport mirrors the JSON written by vigor fit.
type jsonReport struct {
	Model     string      `json:"model"`
	Family    string      `json:"family"`
	Names     []string    `json:"names"`
	Mean      []float64   `json:"mean"`
	SD        []float64   `json:"sd"`
	Cov       [][]float64 `json:"cov"`
	Quantiles map[string][]float64
	ELBO      float64 `json:"elbo"`
	Trace     []struct {
		Step int     `json:"step"`
		ELBO float64 `json:"elbo"`
	} `json:"elbo_trace"`
	Steps     int     `json:"steps"`
	Converged bool    `json:"converged"`
	Seconds   float64 `json:"seconds"`
	Optimizer string  `json:"optimizer"`
	Samples   int     `json:"samples"`
	Batch     int     `json:"batch"`
	Seed      uint64  `json:"seed"`
	N         int     `json:"n"`
}

// parseReport decodes a regression report and checks its internal
// consistency: lengths, covariance against sds, quantile order, trace end.
func parseReport(t *testing.T, doc []byte) *jsonReport {
	t.Helper()
	if !bytes.HasSuffix(doc, []byte("}\n")) {
		t.Errorf("JSON does not end with a newline")
	}
	var r jsonReport
	if err := json.Unmarshal(doc, &r); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, doc)
	}
	d := len(r.Names)
	if len(r.Mean) != d || len(r.SD) != d || len(r.Cov) != d {
		t.Fatalf("lengths: %d names, %d means, %d sds, %d cov rows", d, len(r.Mean), len(r.SD), len(r.Cov))
	}
	for i, row := range r.Cov {
		if len(row) != d {
			t.Fatalf("cov row %d has %d entries", i, len(row))
		}
		if math.Abs(row[i]-r.SD[i]*r.SD[i]) > 1e-9*row[i] {
			t.Errorf("cov[%d][%d] = %g, sd² = %g", i, i, row[i], r.SD[i]*r.SD[i])
		}
		for j := range row {
			if row[j] != r.Cov[j][i] {
				t.Errorf("cov not symmetric at (%d, %d)", i, j)
			}
		}
	}
	for _, k := range []string{"5", "50", "95"} {
		if len(r.Quantiles[k]) != d {
			t.Fatalf("quantiles[%q] has %d values", k, len(r.Quantiles[k]))
		}
	}
	for j := 0; j < d; j++ {
		if !(r.Quantiles["5"][j] < r.Quantiles["50"][j] && r.Quantiles["50"][j] < r.Quantiles["95"][j]) {
			t.Errorf("%s: quantiles not increasing: %v %v %v", r.Names[j], r.Quantiles["5"][j], r.Quantiles["50"][j], r.Quantiles["95"][j])
		}
	}
	if len(r.Trace) == 0 || r.Trace[len(r.Trace)-1].ELBO != r.ELBO || r.Trace[len(r.Trace)-1].Step != r.Steps {
		t.Errorf("elbo %g, steps %d do not match the trace's end %v", r.ELBO, r.Steps, r.Trace)
	}
	return &r
}

// checkClose checks each posterior mean against the truth, within k posterior sds.
func checkClose(t *testing.T, r *jsonReport, truth []float64, k float64) {
	t.Helper()
	for j, want := range truth {
		if z := math.Abs(r.Mean[j]-want) / r.SD[j]; z > k {
			t.Errorf("%s: mean %.4f ± %.4f, truth %g (%.1f sd away)", r.Names[j], r.Mean[j], r.SD[j], want, z)
		}
	}
}

var secondsRE = regexp.MustCompile(`"seconds": [^,\n]*`)

// TestFitLinear recovers a simulated linear regression, and checks the
// summary line, --out, --draws-out and that the seed fixes the output.
func TestFitLinear(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "lin.csv")
	beta, intercept, sigma := []float64{2, -1}, 1.0, 0.5
	X, y := datasets.LinearData(rand.New(rand.NewPCG(11, 12)), 150, beta, intercept, 0, sigma)
	writeTable(t, data, X, y)
	args := []string{"fit", "--model", "linear", "--data", data, "--target", "y", "--steps", "4000", "--tol", "0.005", "--seed", "7"}

	// To stdout, not a terminal: one summary line on stderr.
	code, stdout, stderr := runCLI(t, false, args...)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`^fit: \d+ steps, (converged|not converged[^,]*), ELBO -?[0-9.e+]+ ± [0-9.e+-]+, Pareto k̂ -?[0-9.]+: reliable, [0-9.]+ s\n$`).MatchString(stderr) {
		t.Errorf("summary line %q", stderr)
	}
	r := parseReport(t, []byte(stdout))
	if want := []string{"intercept", "x1", "x2", "sigma"}; !slices.Equal(r.Names, want) {
		t.Fatalf("names %v, want %v", r.Names, want)
	}
	checkClose(t, r, []float64{intercept, beta[0], beta[1], sigma}, 4)
	if r.Model != "linear" || r.Family != "meanfield" || r.N != 150 || r.Seed != 7 || r.Samples != 8 || r.Batch != 150 || r.Optimizer != "adam" {
		t.Errorf("settings echoed wrong: %+v", r)
	}

	// Same seed to a file, with draws: the JSON is identical but for seconds
	// (the draws use their own stream).
	out := filepath.Join(dir, "post.json")
	draws := filepath.Join(dir, "draws.csv")
	code, stdout2, stderr := runCLI(t, false, append(args, "--quiet", "--out", out, "--draws", "40", "--draws-out", draws)...)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if stdout2 != "" || stderr != "" {
		t.Errorf("--quiet --out printed %q on stdout and %q on stderr", stdout2, stderr)
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	a, b := secondsRE.ReplaceAllString(stdout, `"seconds": X`), secondsRE.ReplaceAllString(string(doc), `"seconds": X`)
	if a != b {
		t.Errorf("same seed, different JSON:\n%s\n---\n%s", a, b)
	}
	cols, rows, comments := readDraws(t, draws)
	if !slices.Equal(cols, append([]string{"lp__"}, r.Names...)) || len(rows) != 40 {
		t.Fatalf("draws: columns %v, %d rows", cols, len(rows))
	}
	if !slices.Contains(comments, "method = variational") || !slices.ContainsFunc(comments, func(c string) bool { return strings.HasPrefix(c, "pareto_k = ") }) {
		t.Errorf("draws' comment lines %q", comments)
	}
	checkDraws := func(rows [][]float64) {
		t.Helper()
		for _, row := range rows {
			if row[0] != 0 || row[4] <= 0 {
				t.Errorf("draw %v: lp__ not 0 or sigma <= 0", row)
			}
		}
		// The draws agree with the reported posterior mean of the slope.
		var m float64
		for _, row := range rows {
			m += row[2] / float64(len(rows))
		}
		if z := math.Abs(m-r.Mean[1]) / (r.SD[1] / math.Sqrt(float64(len(rows)))); z > 5 {
			t.Errorf("draws' mean of x1 %g, posterior mean %g (%.1f standard errors)", m, r.Mean[1], z)
		}
	}
	checkDraws(rows)
	// Importance-resampled draws: the same layout, drawn from the diagnostic draws.
	code, _, stderr = runCLI(t, false, append(args, "--quiet", "--out", out, "--draws", "400", "--draws-out", draws, "--resample")...)
	if code != 0 {
		t.Fatalf("--resample: exit code %d: %s", code, stderr)
	}
	_, rows, comments = readDraws(t, draws)
	if len(rows) != 400 || !slices.ContainsFunc(comments, func(c string) bool { return strings.Contains(c, "resampling") }) {
		t.Errorf("--resample: %d rows, comments %q", len(rows), comments)
	}
	checkDraws(rows)

	// A different seed gives a different fit.
	_, stdout3, _ := runCLI(t, false, append(args[:len(args)-1], "8", "--quiet")...)
	if secondsRE.ReplaceAllString(stdout3, `"seconds": X`) == a {
		t.Errorf("seed 8 gave the same JSON as seed 7")
	}
}

// TestFitLinearKnownNoise: --noise-sd, --no-intercept, --family fullrank and
// --features in a chosen order.
func TestFitLinearKnownNoise(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "lin.csv")
	X, y := datasets.LinearData(rand.New(rand.NewPCG(3, 4)), 100, []float64{0.5, 1.5}, 0, 0, 1)
	writeTable(t, data, X, y)
	code, stdout, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", data, "--target", "y",
		"--noise-sd", "1", "--no-intercept", "--family", "fullrank", "--features", "x2,x1", "--steps", "3000", "--tol", "0.005", "--quiet")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	r := parseReport(t, []byte(stdout))
	if want := []string{"x2", "x1"}; !slices.Equal(r.Names, want) {
		t.Fatalf("names %v, want %v", r.Names, want)
	}
	if r.Family != "fullrank" {
		t.Errorf("family %q", r.Family)
	}
	checkClose(t, r, []float64{1.5, 0.5}, 4)
}

// TestFitLogistic recovers a simulated logistic regression with minibatches.
func TestFitLogistic(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "logit.csv")
	beta, intercept := []float64{1.5, -1}, 0.5
	X, y := datasets.LogisticData(rand.New(rand.NewPCG(5, 6)), 300, beta, intercept, 0)
	writeTable(t, data, X, y)
	code, stdout, stderr := runCLI(t, false, "fit", "--model", "logistic", "--data", data, "--target", "y",
		"--steps", "3000", "--tol", "0.005", "--batch", "100", "--quiet")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	r := parseReport(t, []byte(stdout))
	if want := []string{"intercept", "x1", "x2"}; !slices.Equal(r.Names, want) {
		t.Fatalf("names %v, want %v", r.Names, want)
	}
	if r.Batch != 100 {
		t.Errorf("batch %d, want 100", r.Batch)
	}
	checkClose(t, r, []float64{intercept, beta[0], beta[1]}, 4)
}

// TestFitProgressBar: a terminal gets the bar redrawn in place, then the
// summary; --quiet silences both.
func TestFitProgressBar(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, goodCSV)
	args := []string{"fit", "--model", "linear", "--data", data, "--target", "y", "--steps", "300", "--tol", "0", "--float32"}
	code, stdout, stderr := runCLI(t, true, args...)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("want the bar line and the summary, got %q", stderr)
	}
	for _, l := range lines[2:] { // a doubtful fit's reasons and hint
		if !strings.HasPrefix(l, "  ") {
			t.Errorf("line after the summary %q", l)
		}
	}
	if !strings.HasPrefix(lines[0], "\r") || strings.Count(lines[0], "\r") != 3 || !strings.Contains(lines[0], "300/300 [") ||
		!strings.Contains(lines[0], "ELBO") || !strings.HasPrefix(lines[1], "fit: 300 steps, not converged") {
		t.Errorf("progress output %q", stderr)
	}
	if !strings.Contains(stdout, `"dtype": "float32"`) {
		t.Errorf("--float32 not reported")
	}
	// --quiet silences the bar on a terminal.
	code, _, stderr = runCLI(t, true, append(args, "--quiet")...)
	if code != 0 || stderr != "" {
		t.Errorf("--quiet: exit code %d, stderr %q", code, stderr)
	}
}

// TestHelp: vigor -h and vigor fit -h, their aliases, and the usage printed
// for a missing or unknown command.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, stdout, stderr := runCLI(t, false, args...)
		if code != 0 || stdout != "" || !strings.Contains(stderr, "vigor <command>") || !strings.Contains(stderr, "fit ") {
			t.Errorf("%v: exit code %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"fit", "-h"}, {"fit", "--help"}, {"help", "fit"}, {"fit", "--model", "linear", "-h"}} {
		code, stdout, stderr := runCLI(t, false, args...)
		if code != 0 || stdout != "" || !strings.Contains(stderr, "usage: vigor fit") || !strings.Contains(stderr, "--draws-out") {
			t.Errorf("%v: exit code %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{nil, {"frobnicate"}, {"help", "frobnicate"}} {
		code, stdout, stderr := runCLI(t, false, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "vigor <command>") {
			t.Errorf("%v: exit code %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		if len(args) > 0 && !strings.Contains(stderr, `unknown command "frobnicate"`) {
			t.Errorf("%v: stderr %q does not name the command", args, stderr)
		}
	}
}

// readDraws reads a CmdStan-style CSV of draws: the "# " comment lines, the
// header and the rows.
func readDraws(t *testing.T, path string) (cols []string, rows [][]float64, comments []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		comments = append(comments, strings.TrimPrefix(lines[0], "# "))
		lines = lines[1:]
	}
	if len(lines) == 0 {
		t.Fatalf("%s: no header", path)
	}
	cols = strings.Split(lines[0], ",")
	for _, l := range lines[1:] {
		var row []float64
		for _, f := range strings.Split(l, ",") {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return cols, rows, comments
}

// TestFitFamilies: every registered family fits from the command line, and
// --rank reaches lowrank only.
func TestFitFamilies(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, goodCSV)
	for _, fam := range bbvi.FamilyNames() {
		args := []string{"fit", "--model", "linear", "--data", data, "--target", "y", "--noise-sd", "1", "--steps", "300", "--family", fam, "--quiet"}
		if fam == "lowrank" {
			args = append(args, "--rank", "1")
		}
		code, stdout, stderr := runCLI(t, false, args...)
		if code != 0 {
			t.Fatalf("--family %s: exit code %d: %s", fam, code, stderr)
		}
		if r := parseReport(t, []byte(stdout)); r.Family != fam || len(r.Mean) != 3 {
			t.Errorf("--family %s: family %q, %d means", fam, r.Family, len(r.Mean))
		}
	}
	code, _, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", data, "--target", "y", "--rank", "2")
	if code != 2 || !strings.Contains(stderr, "--rank applies to --family lowrank") {
		t.Errorf("--rank with meanfield: exit %d, %q", code, stderr)
	}
}
