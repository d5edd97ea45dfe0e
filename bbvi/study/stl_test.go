package study

import (
	"math"
	"strings"
	"testing"
)

// TestSTLUnbiased: on both logistic problems the sticking-the-landing rows
// have the same mean as the pathwise rows, component by component, within
// four standard errors of the difference (the standard errors of the two
// means added in quadrature, which overstates the difference's error: the two
// see the same draws, which correlates them positively), and both are within
// four standard errors of the exact gradient. STL drops the score term of
// log q, whose expectation is zero, so its expectation is the ELBO gradient.
func TestSTLUnbiased(t *testing.T) {
	for _, c := range []struct {
		problem string
		reps    int
		draws   []int
	}{
		{"toy", 2000, []int{1, 8}},
		{"logistic10", 400, []int{1, 8}},
	} {
		rows, err := RunVarianceStudy(&VarianceStudy{Problems: []string{c.problem}, Draws: c.draws, Reps: c.reps,
			Burn: -1, ExactDraws: 1 << 16, Seed: 11, Estimators: []string{"pathwise", "stl"}})
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			draws int
			param string
		}
		byEst := map[string]map[key]VarianceRow{"pathwise": {}, "stl": {}}
		for _, r := range rows {
			byEst[r.Estimator][key{r.Draws, r.Param}] = r
		}
		if len(byEst["stl"]) == 0 || len(byEst["stl"]) != len(byEst["pathwise"]) {
			t.Fatalf("%s: %d stl rows, %d pathwise rows", c.problem, len(byEst["stl"]), len(byEst["pathwise"]))
		}
		for k, s := range byEst["stl"] {
			if k.param == "total" {
				continue
			}
			p := byEst["pathwise"][k]
			if tol := 4 * math.Hypot(s.SE, p.SE); math.Abs(s.Mean-p.Mean) > tol {
				t.Errorf("%s S=%d %s: stl mean %.5f, pathwise mean %.5f (difference %.3g, tolerance %.3g)",
					c.problem, k.draws, k.param, s.Mean, p.Mean, s.Mean-p.Mean, tol)
			}
			for _, r := range []VarianceRow{s, p} {
				if tol := 4 * math.Hypot(r.SE, r.ExactSE); math.Abs(r.Error) > tol+1e-12 {
					t.Errorf("%s/%s S=%d %s: mean %.5f, exact %.5f (tolerance %.3g)", c.problem, r.Estimator, k.draws, k.param, r.Mean, r.Exact, tol)
				}
			}
		}
		for _, s := range c.draws {
			t.Logf("%s S=%d: total variance pathwise %.4g, stl %.4g", c.problem, s,
				byEst["pathwise"][key{s, "total"}].Variance, byEst["stl"][key{s, "total"}].Variance)
		}
	}
}

// TestCheckEstimator: the study takes every ELBO estimator of the bbvi
// registry (with or without +qmc) and nvil, and refuses the importance-weighted
// ones, by any of their names, saying why.
func TestCheckEstimator(t *testing.T) {
	for _, name := range []string{"pathwise", "reparam", "stl", "STL", "sticking-the-landing", "stl+qmc", "score-optimal", "mixed-rb-loo", "nvil"} {
		if err := CheckEstimator(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"dreg", "iwae", "iwae-dreg", "iw", "dreg+qmc"} {
		err := CheckEstimator(name)
		if err == nil || !strings.Contains(err.Error(), "importance-weighted bound") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming it and the importance-weighted bound", name, err)
		}
		if _, err := RunVarianceStudy(&VarianceStudy{Problems: []string{"toy"}, Draws: []int{1}, Reps: 2, Estimators: []string{name}}); err == nil {
			t.Errorf("RunVarianceStudy ran %s", name)
		}
	}
	for _, name := range []string{"nope", "nvil+qmc", ""} {
		if err := CheckEstimator(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	for _, name := range DefaultEstimators() {
		if err := CheckEstimator(name); err != nil {
			t.Errorf("default estimator %s: %v", name, err)
		}
	}
}
