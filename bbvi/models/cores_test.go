package models

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// TestSameBitsAnyCores takes the same seeded BBVI steps on 1 and on 2 cores
// (GOMAXPROCS) for a problem large enough that the fused likelihood splits
// its row blocks across goroutines, and checks that the parameters are the
// same bits: the block decomposition and the order of every sum are fixed.
func TestSameBitsAnyCores(t *testing.T) {
	steps := 30
	if testing.Short() {
		steps = 10
	}
	for _, c := range []struct {
		name     string
		logistic bool
		dt       graph.Dtype
	}{
		{"logistic64", true, graph.Float64},
		{"linear64", false, graph.Float64},
		{"logistic32", true, graph.Float32},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, data := benchModel(t, c.logistic, 20000, 20)
			run := func(procs int) map[string][]float64 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				set := &bbvi.Settings{Draws: 8, Dtype: c.dt, MaxSteps: steps + 1, EvalEvery: steps + 1, Tol: -1, AverageSteps: -1, Start: "default"}
				v, err := bbvi.NewSVI(m, data, set, rand.New(rand.NewPCG(4, 4)))
				if err != nil {
					t.Fatal(err)
				}
				defer v.Close()
				for i := 0; i < steps; i++ {
					if err := v.Step(); err != nil {
						t.Fatal(err)
					}
				}
				return v.Params()
			}
			one, two := run(1), run(2)
			for name, p := range one {
				for i := range p {
					if math.Float64bits(p[i]) != math.Float64bits(two[name][i]) {
						t.Fatalf("%s[%d]: %v on one core, %v on two", name, i, p[i], two[name][i])
					}
				}
			}
		})
	}
}
