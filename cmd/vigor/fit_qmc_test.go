package main

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigor-ml/vigor/datasets"
)

// TestFitQMC: vigor fit --qmc recovers a simulated logistic regression, and
// the same seed gives the same JSON, different from the i.i.d. fit's.
func TestFitQMC(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "logit.csv")
	beta, intercept := []float64{1.5, -1}, 0.5
	X, y := datasets.LogisticData(rand.New(rand.NewPCG(5, 6)), 300, beta, intercept, 0)
	writeTable(t, data, X, y)
	fit := func(extra ...string) string {
		args := append([]string{"fit", "--model", "logistic", "--data", data, "--target", "y", "--steps", "3000", "--tol", "0.005", "--quiet"}, extra...)
		code, stdout, stderr := runCLI(t, false, args...)
		if code != 0 {
			t.Fatalf("%v: exit code %d: %s", extra, code, stderr)
		}
		return stdout
	}
	a, b, iid := fit("--qmc"), fit("--qmc"), fit()
	ra, rb, ri := parseReport(t, []byte(a)), parseReport(t, []byte(b)), parseReport(t, []byte(iid))
	if !slices.Equal(ra.Mean, rb.Mean) || !slices.Equal(ra.SD, rb.SD) {
		t.Errorf("two --qmc fits with the same seed differ: %v %v, %v %v", ra.Mean, ra.SD, rb.Mean, rb.SD)
	}
	if slices.Equal(ra.Mean, ri.Mean) {
		t.Error("--qmc changed nothing")
	}
	checkClose(t, ra, []float64{intercept, beta[0], beta[1]}, 4)
}
