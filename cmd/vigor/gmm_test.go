package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/datasets"
)

var updateTestdata = flag.Bool("update", false, "rewrite the generated files in testdata")

// The mixture behind testdata/clusters.csv: three well-separated isotropic
// clusters in 2-D, sorted by their first coordinate.
var (
	clusterMeans   = [][]float64{{-4, 0}, {0, 3}, {4, -1}}
	clusterScales  = []float64{0.5, 0.6, 0.4}
	clusterWeights = []float64{0.3, 0.4, 0.3}
)

const clustersFile = "testdata/clusters.csv"

// clustersCSV generates the contents of testdata/clusters.csv: 300 points with
// a fixed seed, four decimals.
func clustersCSV() []byte {
	var flat []float64
	for _, m := range clusterMeans {
		flat = append(flat, m...)
	}
	x, _ := datasets.GaussianMixtureData(rand.New(rand.NewPCG(2024, 11)), 300, flat, clusterScales, clusterWeights)
	var b bytes.Buffer
	b.WriteString("x1,x2\n")
	for i := 0; i < len(x); i += 2 {
		b.WriteString(strconv.FormatFloat(x[i], 'f', 4, 64) + "," + strconv.FormatFloat(x[i+1], 'f', 4, 64) + "\n")
	}
	return b.Bytes()
}

// TestClustersCSV checks that the committed data file is the generated one
// (go test -run TestClustersCSV -update rewrites it).
func TestClustersCSV(t *testing.T) {
	want := clustersCSV()
	if *updateTestdata {
		if err := os.WriteFile(clustersFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(clustersFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its generator; run go test -run TestClustersCSV -update", clustersFile)
	}
}

// gmmJSON holds the fields of the gmm report the tests look at.
type gmmJSON struct {
	Model         string      `json:"model"`
	Method        string      `json:"method"`
	K             int         `json:"k"`
	Columns       []string    `json:"columns"`
	Means         [][]float64 `json:"means"`
	Scales        [][]float64 `json:"scales"`
	Weights       []float64   `json:"weights"`
	LogLikelihood float64     `json:"log_likelihood"`
	ELBO          *float64    `json:"elbo"`
	ELBOTrace     []struct {
		Step int     `json:"step"`
		ELBO float64 `json:"elbo"`
	} `json:"elbo_trace"`
	LogLikelihoodTrace []float64 `json:"log_likelihood_trace"`
	Iterations         int       `json:"iterations"`
	Converged          bool      `json:"converged"`
	Family             string    `json:"family"`
	MaxSteps           int       `json:"max_steps"`
	Tol                float64   `json:"tol"`
	Seed               uint64    `json:"seed"`
	N                  int       `json:"n"`
	Assignments        string    `json:"assignments"`
}

// parseGMM decodes a gmm report and checks its shapes, the sorting of the
// components and that the weights sum to 1.
func parseGMM(t *testing.T, doc []byte) *gmmJSON {
	t.Helper()
	if !bytes.HasSuffix(doc, []byte("}\n")) {
		t.Errorf("JSON does not end with a newline")
	}
	var r gmmJSON
	if err := json.Unmarshal(doc, &r); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, doc)
	}
	if r.Model != "gmm" || len(r.Means) != r.K || len(r.Scales) != r.K || len(r.Weights) != r.K {
		t.Fatalf("model %q, k %d, %d means, %d scales, %d weights", r.Model, r.K, len(r.Means), len(r.Scales), len(r.Weights))
	}
	var ws float64
	for k := range r.Means {
		if len(r.Means[k]) != len(r.Columns) || len(r.Scales[k]) != len(r.Columns) {
			t.Fatalf("component %d: %d means, %d scales for %d columns", k, len(r.Means[k]), len(r.Scales[k]), len(r.Columns))
		}
		if k > 0 && slices.Compare(r.Means[k-1], r.Means[k]) > 0 {
			t.Errorf("components not sorted by their means: %v", r.Means)
		}
		ws += r.Weights[k]
	}
	if math.Abs(ws-1) > 1e-9 {
		t.Errorf("weights %v sum to %v", r.Weights, ws)
	}
	return &r
}

// checkClusters compares a fit of testdata/clusters.csv with the truth. With
// 90–120 points per cluster the sampling error of a mean is about 0.06.
func checkClusters(t *testing.T, r *gmmJSON) {
	t.Helper()
	for k := range clusterMeans {
		for j := range clusterMeans[k] {
			if d := math.Abs(r.Means[k][j] - clusterMeans[k][j]); d > 0.15 {
				t.Errorf("%s: mean[%d][%d] = %.3f, truth %g", r.Method, k, j, r.Means[k][j], clusterMeans[k][j])
			}
			if d := math.Abs(r.Scales[k][j] - clusterScales[k]); d > 0.15 {
				t.Errorf("%s: scale[%d][%d] = %.3f, truth %g", r.Method, k, j, r.Scales[k][j], clusterScales[k])
			}
		}
		if d := math.Abs(r.Weights[k] - clusterWeights[k]); d > 0.1 {
			t.Errorf("%s: weight[%d] = %.3f, truth %g", r.Method, k, r.Weights[k], clusterWeights[k])
		}
	}
}

// checkAssignments reads an --assignments file: header p1..pK, one row per
// data row, each summing to 1.
func checkAssignments(t *testing.T, path string, k, n int) [][]float64 {
	t.Helper()
	tab, err := datasets.ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, k)
	for i := range want {
		want[i] = "p" + strconv.Itoa(i+1)
	}
	if !slices.Equal(tab.Columns, want) || len(tab.Rows) != n {
		t.Fatalf("assignments: header %v and %d rows, want %v and %d", tab.Columns, len(tab.Rows), want, n)
	}
	for i, row := range tab.Rows {
		var s float64
		for _, v := range row {
			if v < 0 || v > 1 {
				t.Fatalf("assignments row %d: %v", i, row)
			}
			s += v
		}
		if math.Abs(s-1) > 1e-9 {
			t.Fatalf("assignments row %d sums to %v", i, s)
		}
	}
	return tab.Rows
}

// TestFitGMM fits testdata/clusters.csv by each method and checks the
// components, the report's method-specific fields and the assignments.
func TestFitGMM(t *testing.T) {
	for _, method := range []string{"bbvi-marginal", "bbvi", "em"} {
		t.Run(method, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "gmm.json")
			asg := filepath.Join(dir, "assign.csv")
			args := []string{"fit", "--model", "gmm", "--k", "3", "--data", clustersFile, "--seed", "3", "--out", out, "--assignments", asg}
			if method != "bbvi-marginal" { // the default
				args = append(args, "--method", method)
			}
			code, stdout, stderr := runCLI(t, false, args...)
			if code != 0 {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			if stdout != "" || !strings.HasPrefix(stderr, "fit: "+method+", ") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stdout %q, stderr %q", stdout, stderr)
			}
			doc, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			r := parseGMM(t, doc)
			if r.Method != method || r.K != 3 || !slices.Equal(r.Columns, []string{"x1", "x2"}) || r.N != 300 || r.Seed != 3 || r.Assignments != asg || !r.Converged {
				t.Errorf("method %q k %d columns %v n %d seed %d assignments %q converged %v", r.Method, r.K, r.Columns, r.N, r.Seed, r.Assignments, r.Converged)
			}
			checkClusters(t, r)
			switch method {
			case "em":
				if r.ELBO != nil || len(r.ELBOTrace) != 0 || len(r.LogLikelihoodTrace) != r.Iterations || r.MaxSteps != 1000 || r.Tol != 1e-8 {
					t.Errorf("EM report: elbo %v, %d elbo points, %d log-lik points for %d iterations, max_steps %d, tol %g",
						r.ELBO, len(r.ELBOTrace), len(r.LogLikelihoodTrace), r.Iterations, r.MaxSteps, r.Tol)
				}
				for i := 1; i < len(r.LogLikelihoodTrace); i++ {
					if r.LogLikelihoodTrace[i] < r.LogLikelihoodTrace[i-1]-1e-9*math.Abs(r.LogLikelihoodTrace[i-1]) {
						t.Errorf("EM log-likelihood decreased: %v", r.LogLikelihoodTrace)
					}
				}
				if last := r.LogLikelihoodTrace[len(r.LogLikelihoodTrace)-1]; last != r.LogLikelihood {
					t.Errorf("log_likelihood %v, trace ends at %v", r.LogLikelihood, last)
				}
			default:
				n := len(r.ELBOTrace)
				if r.ELBO == nil || n == 0 || r.ELBOTrace[n-1].ELBO != *r.ELBO || r.ELBOTrace[n-1].Step != r.Iterations || r.Family != "meanfield" {
					t.Errorf("BBVI report: elbo %v, trace %v, iterations %d, family %q", r.ELBO, r.ELBOTrace, r.Iterations, r.Family)
				}
				if r.LogLikelihoodTrace != nil {
					t.Errorf("BBVI report has a log_likelihood_trace")
				}
				if !(*r.ELBO < r.LogLikelihood) {
					t.Errorf("ELBO %v above the log-likelihood at the posterior means %v", *r.ELBO, r.LogLikelihood)
				}
			}
			// The assignments give every point to its own cluster, in the sorted order.
			rows := checkAssignments(t, asg, 3, 300)
			tab, err := datasets.ReadCSV(clustersFile)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range rows {
				best := 0
				for k, p := range row {
					if p > row[best] {
						best = k
					}
				}
				x := tab.Rows[i]
				near, nd := 0, math.Inf(1)
				for k, m := range clusterMeans {
					if d := math.Hypot(x[0]-m[0], x[1]-m[1]); d < nd {
						near, nd = k, d
					}
				}
				if best != near {
					t.Errorf("row %d %v: most probable component %d (%v), nearest true mean %d", i, x, best, row, near)
				}
			}
		})
	}
}

// TestFitGMMOptions: stdout output, --columns, determinism, EM --steps and --tol.
func TestFitGMMOptions(t *testing.T) {
	args := []string{"fit", "--model", "gmm", "--k", "2", "--data", clustersFile, "--method", "em", "--columns", "x2", "--quiet", "--seed", "5"}
	code, stdout, stderr := runCLI(t, false, args...)
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	r := parseGMM(t, []byte(stdout))
	if !slices.Equal(r.Columns, []string{"x2"}) || len(r.Means[0]) != 1 {
		t.Errorf("columns %v, means %v", r.Columns, r.Means)
	}
	// Same seed, same output (but for the wall time).
	_, again, _ := runCLI(t, false, args...)
	if secondsRE.ReplaceAllString(stdout, "") != secondsRE.ReplaceAllString(again, "") {
		t.Error("same seed, different output")
	}
	// --steps and --tol are EM's iteration limit and tolerance when given.
	code, stdout, stderr = runCLI(t, false, append(args, "--steps", "3", "--tol", "0")...)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	r = parseGMM(t, []byte(stdout))
	if r.Iterations != 3 || r.Converged || r.MaxSteps != 3 || r.Tol != 0 {
		t.Errorf("--steps 3 --tol 0: %d iterations, converged %v, max_steps %d, tol %g", r.Iterations, r.Converged, r.MaxSteps, r.Tol)
	}
}

// TestFitGMMBadInput: bad flags and data exit 2 with one line and leave no
// file; the gmm flags are refused for the regressions.
func TestFitGMMBadInput(t *testing.T) {
	good := "x1,x2\n0,1\n1,0\n2,2\n5,4\n"
	tests := []struct {
		name string
		file string // contents of data.csv
		args []string
		want []string // substrings of the error line
	}{
		{"no k", good, nil, []string{"--k", "required"}},
		{"zero k", good, []string{"--k", "0"}, []string{"--k 0"}},
		{"negative k", good, []string{"--k", "-2"}, []string{"--k -2"}},
		{"non-integer k", good, []string{"--k", "two"}, []string{"k", `"two"`}},
		{"k above n", good, []string{"--k", "5"}, []string{"data.csv", "--k 5", "4 data rows"}},
		{"unknown method", good, []string{"--k", "2", "--method", "gibbs"}, []string{"method", `"gibbs"`}},
		{"not a number", "x1,x2\n0,1\n1,abc\n2,2\n", []string{"--k", "2"}, []string{"data.csv:3:2", `"x2"`, "not a number"}},
		{"NaN cell", "x1,x2\n0,1\nNaN,1\n2,2\n", []string{"--k", "2"}, []string{"data.csv:3:1", "not finite"}},
		{"ragged", "x1,x2\n0,1\n1\n", []string{"--k", "1"}, []string{"data.csv:3", "fields"}},
		{"header only", "x1,x2\n", []string{"--k", "1"}, []string{"data.csv", "no data rows"}},
		{"missing column", good, []string{"--k", "2", "--columns", "x1,x9"}, []string{"data.csv", `"x9"`, "no such column"}},
		{"column twice", good, []string{"--k", "2", "--columns", "x1,x1"}, []string{"data.csv", `"x1"`, "twice"}},
		{"empty column name", good, []string{"--k", "2", "--columns", "x1,"}, []string{"--columns"}},
		{"constant column", "x1,x2\n0,1\n1,1\n2,1\n", []string{"--k", "2"}, []string{"data.csv", `"x2"`, "constant"}},
		{"target with gmm", good, []string{"--k", "2", "--target", "x1"}, []string{"--target", "gmm"}},
		{"draws with gmm", good, []string{"--k", "2", "--draws", "5", "--draws-out", "DIR/d.csv"}, []string{"--draws", "gmm"}},
		{"assignments over data", good, []string{"--k", "2", "--assignments", "DIR/data.csv"}, []string{"--assignments", "--data"}},
		{"assignments is out", good, []string{"--k", "2", "--assignments", "DIR/post.json"}, []string{"--assignments"}},
		{"assignments dir missing", good, []string{"--k", "2", "--assignments", "DIR/nope/a.csv"}, []string{"nope"}},
		{"zero samples", good, []string{"--k", "2", "--samples", "0"}, []string{"--samples"}},
		{"bbvi with minibatches", good, []string{"--k", "2", "--method", "bbvi", "--batch", "2"}, []string{"--batch 2", "bbvi"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data.csv")
			writeFile(t, data, tc.file)
			out := filepath.Join(dir, "post.json")
			args := []string{"fit", "--model", "gmm", "--data", data, "--steps", "50", "--out", out}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "DIR", dir))
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
	// The gmm-only flags are refused for the regression models.
	for _, flagArgs := range [][]string{{"--k", "2"}, {"--method", "em"}, {"--assignments", "a.csv"}, {"--columns", "x1"}} {
		args := append([]string{"fit", "--model", "linear", "--data", clustersFile, "--target", "x2"}, flagArgs...)
		code, _, stderr := runCLI(t, false, args...)
		if code != 2 || !strings.Contains(stderr, flagArgs[0]) || !strings.Contains(stderr, "gmm") {
			t.Errorf("%v: exit code %d, stderr %q", flagArgs, code, stderr)
		}
	}
}

// TestFitGMMHelp: vigor fit -h describes the gmm model and its flags.
func TestFitGMMHelp(t *testing.T) {
	code, _, stderr := runCLI(t, false, "fit", "-h")
	for _, w := range []string{"--model gmm", "--k", "--method", "--assignments", "--columns"} {
		if code != 0 || !strings.Contains(stderr, w) {
			t.Errorf("fit -h: exit code %d, help does not mention %q", code, w)
		}
	}
}
