package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/internal/refsuite"
)

// Every problem has a reference computed from the data the Go code draws
// today, with the model's names, and the reference is sane: NUTS converged
// (split R-hat < 1.01, bulk ESS > 400), the covariance is symmetric with the
// sds on its diagonal, and the best mean-field sds are at most the marginal
// sds (1/sqrt(Λ_jj) ≤ sqrt(Σ_jj) for any covariance Σ = Λ⁻¹).
func TestReferences(t *testing.T) {
	for _, p := range refsuite.All() {
		ref, err := loadRef(p)
		if err != nil {
			t.Error(err)
			continue
		}
		if ref.Method == "nuts" && (ref.NUTS.MaxRhat >= 1.01 || ref.NUTS.MinESSBulk <= 400) {
			t.Errorf("%s: NUTS max R-hat %.4f, min bulk ESS %.0f", p.Name, ref.NUTS.MaxRhat, ref.NUTS.MinESSBulk)
		}
		for _, m := range []Moments{ref.Moments, ref.Unconstrained} {
			d := len(m.Mean)
			if len(m.Cov) != d {
				t.Fatalf("%s: covariance has %d rows for %d components", p.Name, len(m.Cov), d)
			}
			for i := 0; i < d; i++ {
				if math.Abs(m.Cov[i][i]-m.SD[i]*m.SD[i]) > 1e-6*m.SD[i]*m.SD[i] {
					t.Errorf("%s: var %d is %g, sd² %g", p.Name, i, m.Cov[i][i], m.SD[i]*m.SD[i])
				}
				if !(m.MFSD[i] > 0 && m.MFSD[i] <= m.SD[i]*(1+1e-6)) {
					t.Errorf("%s: %s: mean-field sd %g, sd %g", p.Name, ref.Names[i], m.MFSD[i], m.SD[i])
				}
				for j := 0; j < i; j++ {
					if math.Abs(m.Cov[i][j]-m.Cov[j][i]) > 1e-6*m.SD[i]*m.SD[j] {
						t.Errorf("%s: covariance not symmetric at %d, %d", p.Name, i, j)
					}
				}
			}
		}
	}
}

// The data files committed beside make_refs.R are the ones the Go code
// writes.
func TestDataFiles(t *testing.T) {
	for _, p := range refsuite.All() {
		b, err := os.ReadFile(filepath.Join("data", p.Name+".json"))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Equal(b, p.SpecJSON()) {
			t.Errorf("data/%s.json differs from the problem's data: rerun go run ./bench/refsuite -write-data bench/refsuite/data", p.Name)
		}
	}
}

// Bad flags are usage errors.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-models", "zz"}, {"-families", "nosuch"}, {"-families", ","}, {"extra"}, {"-nosuchflag"},
	} {
		var out, errw bytes.Buffer
		err := run(args, &out, &errw)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
}

// One small problem end to end: a line per family, the summary, the JSON.
func TestRunBanana(t *testing.T) {
	if testing.Short() {
		t.Skip("fits a model")
	}
	dir := t.TempDir()
	js := filepath.Join(dir, "out.json")
	var out, errw bytes.Buffer
	if err := run([]string{"-models", "l", "-families", "meanfield,fullrank", "-json", js}, &out, &errw); err != nil {
		t.Fatal(err, errw.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[1], "l  banana") || !strings.HasPrefix(lines[2], "l  banana") {
		t.Fatalf("output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "of 2 fits") {
		t.Errorf("no summary:\n%s", out.String())
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0].Params) != 2 || rows[0].Family != "meanfield" || rows[1].Target != "nuts" {
		t.Errorf("JSON rows: %+v", rows)
	}
}

// A fit that could not be run prints its error on its line, and the summary
// counts it apart; a converged FAIL and a step-limit PASS are both named.
func TestSummary(t *testing.T) {
	rows := []*Row{
		{ID: "a", Model: "m", Family: "meanfield", Dim: 2, Err: "no reference ref/m.json", DerivedErr: Num(math.NaN())},
		{ID: "b", Model: "m", Family: "meanfield", Dim: 2, Status: "converged", Pass: false, DerivedErr: Num(math.NaN())},
		{ID: "c", Model: "m", Family: "fullrank", Dim: 2, Status: "step-limit", Pass: true, DerivedErr: Num(math.NaN())},
		{ID: "d", Model: "m", Family: "fullrank", Dim: 2, Status: "converged", Pass: true, DerivedErr: Num(math.NaN())},
	}
	var out bytes.Buffer
	for _, r := range rows {
		printRow(&out, r)
	}
	printSummary(&out, rows)
	for _, want := range []string{
		"ERROR: no reference ref/m.json",
		"passed 2 of 4 fits (1 could not be fitted or compared: a/meanfield): meanfield 0 of 2; fullrank 2 of 2",
		"status agrees with accuracy in 1 of 3 fits",
		"converged but FAIL (1): b/meanfield",
		"not converged but PASS (1): c/fullrank",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
