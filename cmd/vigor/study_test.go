package main

import (
	"encoding/csv"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStudyVariance runs a small variance study and checks both outputs: the
// CSV has one row per estimator, S and component plus a total per cell, and the
// PNG has one panel per problem (three side by side).
func TestStudyVariance(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, false, "study", "variance", "--out", dir, "--reps", "20", "--burn", "5",
		"--draws", "1,4", "--exact-draws", "2000", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
	if !strings.HasPrefix(stderr, "study variance: 32 cells") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one summary line", stderr)
	}
	f, err := os.Open(filepath.Join(dir, "variance.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// toy: 2 components + total; logistic10: 20 components + total; 7
	// estimators, 2 S; bvae: encoder, decoder and total rows of score and nvil.
	if want := 1 + 7*2*(3+21) + 2*2*3; len(recs) != want {
		t.Errorf("%d CSV records, want %d", len(recs), want)
	}
	ests := map[string]int{}
	for _, r := range recs[1:] {
		ests[r[1]]++
	}
	if ests["stl"] != 2*(3+21) {
		t.Errorf("%d stl records, want %d", ests["stl"], 2*(3+21))
	}
	if got := strings.Join(recs[0], ","); got != "problem,estimator,draws,param,exact,exact_se,mean,variance,error,se,mse" {
		t.Errorf("header %q", got)
	}
	img, err := os.Open(filepath.Join(dir, "variance.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	cfg, err := png.DecodeConfig(img)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width <= 2*cfg.Height {
		t.Errorf("image %d×%d, want three panels side by side", cfg.Width, cfg.Height)
	}

	// The same seed gives the same CSV, bit for bit.
	dir2 := t.TempDir()
	if code, _, stderr := runCLI(t, false, "study", "variance", "--out", dir2, "--reps", "20", "--burn", "5",
		"--draws", "1,4", "--exact-draws", "2000", "--seed", "3", "--quiet"); code != 0 || stderr != "" {
		t.Fatalf("second run: exit %d, stderr %q", code, stderr)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "variance.csv"))
	b, _ := os.ReadFile(filepath.Join(dir2, "variance.csv"))
	if string(a) != string(b) {
		t.Error("two runs with the same seed wrote different CSVs")
	}
}

// TestStudyBadInput: bad flags exit 2 with one line and leave the output
// directory as it was; the -h pages exit 0.
func TestStudyBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "x")
	cases := [][]string{
		{"study"},
		{"study", "bias"},
		{"study", "variance", "--reps", "1", "--out", dir},
		{"study", "variance", "--draws", "1,0", "--out", dir},
		{"study", "variance", "--draws", "1,x", "--out", dir},
		{"study", "variance", "--problems", "toy,nope", "--out", dir},
		{"study", "variance", "--estimators", "reinforce", "--out", dir},
		{"study", "variance", "--estimators", "stl,dreg", "--out", dir},
		{"study", "variance", "--estimators", "iwae", "--out", dir},
		{"study", "variance", "--estimators", "nvil+qmc", "--out", dir},
		{"study", "variance", "--estimators", "pathwise,", "--out", dir},
		{"study", "variance", "--out", filepath.Join(file, "sub")},
		{"study", "variance", "--out", file},
		{"study", "variance", "--out", dir, "extra"},
		{"study", "variance", "--nope"},
	}
	for _, args := range cases {
		code, _, stderr := runCLI(t, false, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr)
		}
		if len(args) > 2 && (strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "vigor study")) {
			t.Errorf("%v: stderr %q, want one line starting \"vigor study\"", args, stderr)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("bad input left %d entries in the output directory", len(entries))
	}
	for _, args := range [][]string{{"study", "-h"}, {"study", "variance", "-h"}, {"help", "study"}} {
		code, _, stderr := runCLI(t, false, args...)
		if code != 0 || !strings.Contains(stderr, "usage: vigor study") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestStudyEstimatorsFromRegistry: --estimators takes bbvi's ELBO estimators
// by their registry names (stl here, by an alias too, with +qmc) and refuses
// the importance-weighted ones with the reason.
func TestStudyEstimatorsFromRegistry(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCLI(t, false, "study", "variance", "--out", dir, "--reps", "10", "--burn", "0",
		"--draws", "2", "--problems", "toy", "--estimators", "stl,sticking-the-landing,stl+qmc,pathwise", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "variance.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, est := range []string{"stl", "sticking-the-landing", "stl+qmc", "pathwise"} {
		if n := strings.Count(string(b), "\ntoy,"+est+",2,"); n != 3 {
			t.Errorf("%d rows of %s, want 3", n, est)
		}
	}
	code, _, stderr = runCLI(t, false, "study", "variance", "--out", dir, "--estimators", "dreg")
	if code != 2 || !strings.Contains(stderr, `"dreg"`) || !strings.Contains(stderr, "importance-weighted bound") || !strings.Contains(stderr, "not of the ELBO") {
		t.Errorf("--estimators dreg: exit %d, stderr %q", code, stderr)
	}
}
