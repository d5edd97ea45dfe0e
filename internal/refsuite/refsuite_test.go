package refsuite_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/internal/refsuite"
)

// Every graph model computes the same log-density as its float64 twin, at
// random points of its support: a mistake in writing a model (a wrong shape
// that broadcasts, a missing term, a wrong scale) shows up here.
func TestLogDensityMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range refsuite.All() {
		t.Run(p.ID+"_"+p.Name, func(t *testing.T) {
			const S = 4
			z := make([][]float64, S)
			for s := range z {
				z[s] = p.RandomPoint(rng)
			}
			got, err := refsuite.GraphLogDensity(p.Model, p.Data, z)
			if err != nil {
				t.Fatal(err)
			}
			for s := range z {
				want := p.LogDensity(z[s])
				if math.IsNaN(want) || math.IsInf(want, 0) {
					t.Fatalf("point %d: float64 log-density %v at %v", s, want, z[s])
				}
				// Both sum the same terms in float64; the order differs.
				tol := 1e-10 * (1 + math.Abs(want)) * float64(1+p.Data.N())
				if math.Abs(got[s]-want) > tol {
					t.Errorf("point %d: graph %.12g, float64 %.12g (diff %.3g)", s, got[s], want, got[s]-want)
				}
			}
		})
	}
}

// The log-density depends on every component: moving one component changes
// both versions by the same amount (a component the graph ignores, or reads
// from the wrong column, is caught even where the float64 twin has the same
// mistake in a different place).
func TestLogDensityComponents(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range refsuite.All() {
		z0 := p.RandomPoint(rng)
		pts := [][]float64{z0}
		for j := range z0 {
			z := append([]float64(nil), z0...)
			z[j] *= 1.1
			pts = append(pts, z)
		}
		got, err := refsuite.GraphLogDensity(p.Model, p.Data, pts)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		names := p.Names()
		for j := range z0 {
			dg := got[j+1] - got[0]
			df := p.LogDensity(pts[j+1]) - p.LogDensity(z0)
			if df == 0 {
				t.Errorf("%s: the log-density does not depend on %s", p.Name, names[j])
			}
			if math.Abs(dg-df) > 1e-8*(1+math.Abs(df)+math.Abs(got[0])) {
				t.Errorf("%s: moving %s changes the graph by %g, the float64 version by %g", p.Name, names[j], dg, df)
			}
		}
	}
}

// The problems are well formed: unique IDs and names, data files that say
// what the R script needs, the same data on every call.
func TestProblems(t *testing.T) {
	seen := map[string]bool{}
	all := refsuite.All()
	if len(all) < 10 {
		t.Fatalf("%d problems, want at least 10", len(all))
	}
	again := refsuite.All()
	for i, p := range all {
		if seen[p.ID] || seen[p.Name] {
			t.Errorf("problem %s (%s) repeated", p.ID, p.Name)
		}
		seen[p.ID], seen[p.Name] = true, true
		if p.SpecMD5() != again[i].SpecMD5() {
			t.Errorf("%s: the data differ between two calls", p.Name)
		}
		var spec struct {
			Names     []string       `json:"names"`
			StanNames []string       `json:"stan_names"`
			Support   []string       `json:"support"`
			Data      map[string]any `json:"data"`
		}
		if err := json.Unmarshal(p.SpecJSON(), &spec); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if len(spec.Names) != p.Dim() || len(spec.StanNames) != p.Dim() || len(spec.Support) != p.Dim() {
			t.Errorf("%s: %d names, %d Stan names, %d supports for dimension %d", p.Name, len(spec.Names), len(spec.StanNames), len(spec.Support), p.Dim())
		}
		if len(spec.Data) != len(p.StanData) {
			t.Errorf("%s: %d Stan data entries written, %d declared", p.Name, len(spec.Data), len(p.StanData))
		}
		if !strings.HasSuffix(p.Stan, ".stan") {
			t.Errorf("%s: Stan program %q", p.Name, p.Stan)
		}
	}
	if _, err := refsuite.Select("a,zz"); err == nil {
		t.Error("Select accepted an unknown model")
	}
	if ps, err := refsuite.Select("b,funnel"); err != nil || len(ps) != 2 || ps[0].ID != "b" || ps[1].ID != "k" {
		t.Errorf("Select(b,funnel) = %v, %v", ps, err)
	}
}
