package mixture

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/vigor-ml/vigor/datasets"
)

func TestFitEMRecovers(t *testing.T) {
	p := threeClusters(1, 600)
	f, err := GaussianMixture{K: 3}.FitEM(p.x, nil, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	f.SortComponents()
	t.Logf("%d iterations, converged %v, log-lik %.4f (oracle %.4f)", f.Iterations, f.Converged, f.LogLik, p.oLogLik)
	if f.Method != "em" || f.Posterior != nil || !f.Converged || len(f.Trace) != f.Iterations {
		t.Errorf("method %q, posterior %v, converged %v, %d trace points for %d iterations", f.Method, f.Posterior, f.Converged, len(f.Trace), f.Iterations)
	}
	// With clusters this far apart the maximum-likelihood estimates are the
	// oracle's up to the responsibilities' tails: allow 0.005.
	checkRecovered(t, p, f, 0.1, 0.005)
	if f.LogLik < p.oLogLik {
		t.Errorf("EM log-likelihood %.4f below the oracle estimates' %.4f", f.LogLik, p.oLogLik)
	}
	if f.LogLik != f.Trace[len(f.Trace)-1] {
		t.Errorf("LogLik %v, last trace point %v", f.LogLik, f.Trace[len(f.Trace)-1])
	}
	// Same seed, same fit, bit for bit.
	g, err := GaussianMixture{K: 3}.FitEM(p.x, nil, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	g.SortComponents()
	if !reflect.DeepEqual(f, g) {
		t.Error("same seed, different EM fits")
	}
}

// checkMonotone asserts that an EM trace never decreases beyond round-off.
func checkMonotone(t *testing.T, label string, trace []float64) {
	t.Helper()
	for i := 1; i < len(trace); i++ {
		if trace[i] < trace[i-1]-1e-9*math.Abs(trace[i-1]) {
			t.Errorf("%s: log-likelihood decreased at iteration %d: %.17g -> %.17g", label, i+1, trace[i-1], trace[i])
			return
		}
	}
}

// TestFitEMMonotone runs EM on hard problems — overlapping clusters, too many
// components, a component that can collapse onto repeated points — and checks
// that the log-likelihood never decreases.
func TestFitEMMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	overlap, _ := datasets.GaussianMixtureData(rng, 400, []float64{0, 0, 0, 1, 1.5, 0.5, 1, -0.5, 0.3}, []float64{1, 0.7, 1.2}, []float64{0.5, 0.3, 0.2})
	x := rows(overlap, 3)
	// Ten copies of one point among spread-out ones: a component may sit on them.
	spiky := rows(append(make([]float64, 0), overlap[:60]...), 3)
	for i := 0; i < 10; i++ {
		spiky = append(spiky, []float64{2, 2, 2})
	}
	cases := []struct {
		name string
		x    [][]float64
		k    int
	}{
		{"overlap K=3", x, 3},
		{"overlap K=6", x, 6},
		{"spiky K=4", spiky, 4},
	}
	for _, c := range cases {
		for seed := uint64(1); seed <= 4; seed++ {
			f, err := GaussianMixture{K: c.k}.FitEM(c.x, &EMSettings{MaxIter: 300, Tol: -1}, rand.New(rand.NewPCG(seed, 3)))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if f.Iterations != 300 || len(f.Trace) != 300 || f.Converged {
				t.Errorf("%s: %d iterations, %d trace points, converged %v with Tol < 0", c.name, f.Iterations, len(f.Trace), f.Converged)
			}
			checkMonotone(t, c.name, f.Trace)
			md, _ := GaussianMixture{K: c.k}.prepare(c.x)
			for k, row := range f.Scales {
				for j, s := range row {
					if !(s >= 1e-3*md.sd[j]*(1-1e-12)) {
						t.Errorf("%s: scale[%d][%d] = %g below the floor %g", c.name, k, j, s, 1e-3*md.sd[j])
					}
				}
			}
			if ll, _ := LogLik(c.x, f.Means, f.Scales, f.Weights); math.Abs(ll-f.LogLik) > 1e-9*math.Abs(ll) {
				t.Errorf("%s: LogLik %v, recomputed %v", c.name, f.LogLik, ll)
			}
		}
	}
}

func TestFitEMSettings(t *testing.T) {
	p := threeClusters(3, 200)
	m := GaussianMixture{K: 3}
	f, err := m.FitEM(p.x, &EMSettings{MaxIter: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Iterations != 1 || len(f.Trace) != 1 || f.Converged {
		t.Errorf("MaxIter 1: %d iterations, %d trace points, converged %v", f.Iterations, len(f.Trace), f.Converged)
	}
	// A loose tolerance stops earlier than a tight one.
	loose, _ := m.FitEM(p.x, &EMSettings{Tol: 1e-2}, rand.New(rand.NewPCG(1, 1)))
	tight, _ := m.FitEM(p.x, &EMSettings{Tol: 1e-12}, rand.New(rand.NewPCG(1, 1)))
	if !(loose.Converged && tight.Converged && loose.Iterations < tight.Iterations) {
		t.Errorf("Tol 1e-2: %d iterations (%v); Tol 1e-12: %d (%v)", loose.Iterations, loose.Converged, tight.Iterations, tight.Converged)
	}
	// A larger floor binds: every sd is at least MinScale column sds.
	big, err := m.FitEM(p.x, &EMSettings{MinScale: 0.5}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	md, _ := m.prepare(p.x)
	for k, row := range big.Scales {
		for j, s := range row {
			if s < 0.5*md.sd[j]*(1-1e-12) {
				t.Errorf("MinScale 0.5: scale[%d][%d] = %g < %g", k, j, s, 0.5*md.sd[j])
			}
		}
	}
	checkMonotone(t, "MinScale 0.5", big.Trace)
	// K = 1 is the sample mean and sd, in one iteration.
	one, err := GaussianMixture{K: 1}.FitEM(p.x, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 2; j++ {
		if math.Abs(one.Means[0][j]-md.loc[j]) > 1e-12*md.sd[j] || math.Abs(one.Scales[0][j]-md.sd[j]) > 1e-12*md.sd[j] {
			t.Errorf("K=1 column %d: %v, %v; want %v, %v", j, one.Means[0][j], one.Scales[0][j], md.loc[j], md.sd[j])
		}
	}
	for _, bad := range []*EMSettings{{MaxIter: -1}, {Tol: math.NaN()}, {MinScale: -1}, {MinScale: math.Inf(1)}} {
		if _, err := m.FitEM(p.x, bad, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInput) {
			t.Errorf("settings %+v: error %v, want ErrInput", *bad, err)
		}
	}
	if _, err := m.FitEM(p.x, nil, nil); err == nil {
		t.Error("FitEM accepted a nil rng")
	}
}
