package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// countsCSV returns a CSV file of n rows: a feature x, a text group region
// (levels in order of first appearance: south, north, east), a Poisson count
// y, trials n and successes k out of them.
func countsCSV(n int) string {
	rng := rand.New(rand.NewPCG(8, 9))
	regions := []string{"south", "north", "east"}
	dev := map[string]float64{"south": 0.5, "north": -0.4, "east": 0}
	var b strings.Builder
	b.WriteString("x,region,y,n,k\n")
	for i := 0; i < n; i++ {
		x := rng.NormFloat64()
		r := regions[i%3]
		if i >= 3 {
			r = regions[rng.IntN(3)]
		}
		eta := 0.3 + 0.5*x + dev[r]
		y := distuv.Poisson{Lambda: math.Exp(eta), Src: rng}.Rand()
		trials := float64(3 + rng.IntN(6))
		k := distuv.Binomial{N: trials, P: 1 / (1 + math.Exp(-eta)), Src: rng}.Rand()
		fmt.Fprintf(&b, "%.4f,%s,%g,%g,%g\n", x, r, y, trials, k)
	}
	return b.String()
}

type countReport struct {
	Model  string    `json:"model"`
	Names  []string  `json:"names"`
	Mean   []float64 `json:"mean"`
	SD     []float64 `json:"sd"`
	Cov    any       `json:"cov"`
	Group  string    `json:"group"`
	Levels int       `json:"levels"`
	Status string    `json:"status"`
}

// TestFitCountModels fits every count model, with and without --group, and
// checks the report's names (tau and REGION[LEVEL] in order of first
// appearance), the deviations' signs, and --predict's draws.
func TestFitCountModels(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "counts.csv")
	writeFile(t, data, countsCSV(150))
	// Without --group the data file must be numeric: drop the region.
	numeric := filepath.Join(dir, "numeric.csv")
	var nb strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(countsCSV(150)), "\n") {
		f := strings.Split(line, ",")
		nb.WriteString(strings.Join(append(f[:1:1], f[2:]...), ",") + "\n")
	}
	writeFile(t, numeric, nb.String())
	newRows := filepath.Join(dir, "new.csv")
	writeFile(t, newRows, "x,region,n\n-1,north,4\n0,east,8\n1.5,south,2\n")
	newNumeric := filepath.Join(dir, "new-numeric.csv")
	writeFile(t, newNumeric, "x,n\n-1,4\n0,8\n1.5,2\n")
	for _, c := range []struct {
		model  string
		target string
		extra  []string
		names  []string
	}{
		{"poisson", "y", nil, []string{"intercept", "x"}},
		{"negbinomial", "y", nil, []string{"intercept", "x", "phi"}},
		{"binomial", "k", []string{"--trials", "n"}, []string{"intercept", "x"}},
		{"linear", "y", nil, []string{"intercept", "x", "sigma"}},
	} {
		for _, group := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s group=%v", c.model, group), func(t *testing.T) {
				out := filepath.Join(dir, c.model+".json")
				pred := filepath.Join(dir, c.model+"-pred.csv")
				file, rowsFile := numeric, newNumeric
				if group {
					file, rowsFile = data, newRows
				}
				args := append([]string{"fit", "--model", c.model, "--data", file, "--target", c.target, "--features", "x", "--quiet", "--out", out,
					"--steps", "1500", "--predict", rowsFile, "--predict-out", pred, "--predict-draws", "50"}, c.extra...)
				names := c.names
				if group {
					args = append(args, "--group", "region")
					names = append(slices.Clone(names), "tau", "region[south]", "region[north]", "region[east]")
				}
				code, stdout, stderr := runCLI(t, false, args...)
				if code != 0 {
					t.Fatalf("exit code %d: %s", code, stderr)
				}
				if stdout != "" {
					t.Errorf("stdout %q", stdout)
				}
				doc, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				var rep countReport
				if err := json.Unmarshal(doc, &rep); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(rep.Names, names) || len(rep.Mean) != len(names) || len(rep.SD) != len(names) {
					t.Fatalf("names %v (means %d), want %v", rep.Names, len(rep.Mean), names)
				}
				if group {
					if rep.Cov != nil || rep.Group != "region" || rep.Levels != 3 {
						t.Errorf("cov %v, group %q, levels %d", rep.Cov, rep.Group, rep.Levels)
					}
					// The true deviations are +0.5 (south) and -0.4 (north).
					if s, n := rep.Mean[len(names)-3], rep.Mean[len(names)-2]; !(s > n+0.3) {
						t.Errorf("deviations south %.3f, north %.3f: want south well above north", s, n)
					}
				}
				p, err := readCSV(pred, nil)
				if err != nil {
					t.Fatal(err)
				}
				target := c.target
				if !slices.Equal(p.Columns, []string{target + "[1]", target + "[2]", target + "[3]"}) || len(p.Rows) != 50 {
					t.Fatalf("predictions: columns %v, %d rows", p.Columns, len(p.Rows))
				}
				for _, row := range p.Rows {
					for i, v := range row {
						if c.model == "linear" {
							continue
						}
						if v < 0 || v != math.Trunc(v) || (c.model == "binomial" && v > []float64{4, 8, 2}[i]) {
							t.Fatalf("prediction %g of row %d is not a possible count", v, i+1)
						}
					}
				}
			})
		}
	}
}

// TestFitCountBadInput: bad counts, trials and groups are exit code 2 with
// one line naming the file, line and column, and nothing is written.
func TestFitCountBadInput(t *testing.T) {
	for _, c := range []struct {
		name, file string
		args       []string
		want       []string
	}{
		{"negative count", "x,y\n1,2\n2,-1\n", []string{"--model", "poisson"}, []string{"data.csv:3:2", `"y"`, "-1 is not a count"}},
		{"fractional count", "x,y\n1,2.5\n", []string{"--model", "negbinomial"}, []string{"data.csv:2:2", "2.5 is not a count"}},
		{"trials below the count", "x,n,y\n1,3,2\n2,3,4\n", []string{"--model", "binomial", "--trials", "n"}, []string{"data.csv:3:3", "4 is more than n = 3"}},
		{"negative trials", "x,n,y\n1,-3,0\n", []string{"--model", "binomial", "--trials", "n"}, []string{"data.csv:2:2", `"n"`, "not a count"}},
		{"missing trials flag", "x,n,y\n1,3,2\n", []string{"--model", "binomial"}, []string{"--trials"}},
		{"empty group", "x,g,y\n1,a,2\n2, ,1\n", []string{"--model", "poisson", "--group", "g"}, []string{"data.csv:3:2", `"g"`, "empty cell"}},
		{"missing group column", "x,y\n1,2\n", []string{"--model", "poisson", "--group", "g"}, []string{"data.csv", `"g"`, "no such column"}},
		{"group is target", "x,y\n1,2\n", []string{"--model", "poisson", "--group", "y"}, []string{"data.csv", "target"}},
		{"group named like a latent", "x,tau,y\n1,a,2\n", []string{"--model", "poisson", "--group", "tau"}, []string{"data.csv", `"tau"`}},
		{"predict without out", "x,y\n1,2\n", []string{"--model", "poisson", "--predict", "DIR/data.csv"}, []string{"--predict"}},
		{"unknown level", "x,g,y\n1,a,2\n2,b,1\n", []string{"--model", "poisson", "--group", "g", "--steps", "50", "--predict", "DIR/new.csv", "--predict-out", "DIR/p.csv"}, []string{"new.csv:3:2", `"c"`, "does not appear"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data.csv")
			writeFile(t, data, c.file)
			writeFile(t, filepath.Join(dir, "new.csv"), "x,g\n1,a\n2,c\n")
			args := []string{"fit", "--data", data, "--target", "y", "--quiet"}
			for _, a := range c.args {
				args = append(args, strings.ReplaceAll(a, "DIR", dir))
			}
			code, stdout, stderr := runCLI(t, false, args...)
			if code != 2 {
				t.Fatalf("exit code %d, want 2 (stderr %q)", code, stderr)
			}
			checkOneLine(t, stderr)
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "p.csv")); err == nil {
				t.Error("the predictions file was written")
			}
			if c.name != "unknown level" && stdout != "" {
				t.Errorf("stdout %q", stdout)
			}
		})
	}
}
