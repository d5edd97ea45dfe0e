package bbvi_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// hierLocal is a model with a global β and a local z_i ∈ R² per row:
//
//	β ~ N(0, 1),   z_i ~ N(β·1, I),   x_i ~ N(z_i, I),
//
// written as a PointwiseModel whose row terms hold the local prior.
func hierLocal(n int, seed uint64) (bbvi.Model, bbvi.Data) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = 1.5 + 1.4*rng.NormFloat64()
	}
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "beta"}, {Name: "z", Size: 2, Local: true}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["beta"], b.Scalar(0), b.Scalar(1)), 1)
		},
		Points: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			zi := z["z"] // (S, B, 2)
			s := zi.Shape()[0]
			beta := b.Reshape(z["beta"], s, 1, 1)
			prior := b.Sum(b.NormalLogProb(zi, beta, b.Scalar(1)), 2)
			lik := b.Sum(b.NormalLogProb(d["x"], zi, b.Scalar(1)), 2)
			return b.Add(prior, lik)
		},
	}
	return m, bbvi.Data{{Name: "x", Cols: 2, Values: x}}
}

// meanGrad averages reps gradient estimates of a new SVI at the parameters
// vals and returns the means and their standard errors by parameter.
func meanGrad(t *testing.T, m bbvi.Model, data bbvi.Data, batch, reps int, vals map[string][]float64, seed uint64) (mean, se map[string][]float64) {
	t.Helper()
	v, err := bbvi.NewSVI(m, data, &bbvi.Settings{BatchSize: batch, Draws: 2, Start: "default"}, rand.New(rand.NewPCG(seed, 9)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.SetParams(vals); err != nil {
		t.Fatal(err)
	}
	sum, sq := map[string][]float64{}, map[string][]float64{}
	for r := 0; r < reps; r++ {
		g, err := v.Gradient()
		if err != nil {
			t.Fatal(err)
		}
		for name, x := range g {
			if sum[name] == nil {
				sum[name], sq[name] = make([]float64, len(x)), make([]float64, len(x))
			}
			for j, y := range x {
				sum[name][j] += y
				sq[name][j] += y * y
			}
		}
	}
	mean, se = map[string][]float64{}, map[string][]float64{}
	n := float64(reps)
	for name, s := range sum {
		mean[name], se[name] = make([]float64, len(s)), make([]float64, len(s))
		for j := range s {
			mu := s[j] / n
			mean[name][j] = mu
			se[name][j] = math.Sqrt(math.Max(sq[name][j]/n-mu*mu, 0) / (n - 1))
		}
	}
	return mean, se
}

// The minibatch gradient, with the per-row parameters of only the batch's
// rows read and updated (zero for the other rows) and every per-row term
// scaled by N/B, equals the full-data gradient in expectation, for the
// global parameters and for every row's local parameters.
func TestLocalMinibatchGradientUnbiased(t *testing.T) {
	const n = 12
	m, data := hierLocal(n, 3)
	rng := rand.New(rand.NewPCG(4, 4))
	vals := map[string][]float64{
		"q.mu": {0.7}, "q.logsd": {-1},
		"q.local.mu": make([]float64, 2*n), "q.local.logsd": make([]float64, 2*n),
	}
	for i := range vals["q.local.mu"] {
		vals["q.local.mu"][i] = 1 + rng.NormFloat64()
		vals["q.local.logsd"][i] = -0.5 + 0.3*rng.NormFloat64()
	}
	full, fse := meanGrad(t, m, data, 0, 3000, vals, 1)
	mini, mse := meanGrad(t, m, data, 3, 12000, vals, 2)
	worst := 0.0
	for name, f := range full {
		if len(mini[name]) != len(f) {
			t.Fatalf("%s: %d minibatch components, %d full", name, len(mini[name]), len(f))
		}
		for j := range f {
			z := (mini[name][j] - f[j]) / math.Hypot(mse[name][j], fse[name][j])
			worst = math.Max(worst, math.Abs(z))
			if math.Abs(z) > 4.5 {
				t.Errorf("%s[%d]: minibatch mean %.4f ± %.4f, full %.4f ± %.4f (z = %.1f)", name, j, mini[name][j], mse[name][j], f[j], fse[name][j], z)
			}
		}
	}
	// The local gradient is not trivially zero: the rows were set away from
	// their optimum.
	if g := full["q.local.logsd"]; math.Abs(g[0]) < 10*fse["q.local.logsd"][0] {
		t.Errorf("the full gradient of a local log sd is %v ± %v: the test cannot tell", g[0], fse["q.local.logsd"][0])
	}
	t.Logf("largest |z| over %d components: %.2f", 2+4*n, worst)
}

// The model is conjugate, and mean-field VI has a closed-form fixed point
// (CAVI): q(z_ij) = N((E β + x_ij)/2, ½) and q(β) = N(Σx/(2(1+n)), 1/(1+2n))
// for n rows of two components (the mean is β's exact posterior mean, the
// variance mean-field's, smaller than the exact 1/(1+n)). The fit with
// minibatches reaches it for β and for every row.
func TestLocalFitMeanFieldFixedPoint(t *testing.T) {
	const n = 40
	m, data := hierLocal(n, 5)
	var sx float64
	for _, x := range data[0].Values {
		sx += x
	}
	wantMean, wantSD := sx/2/(1+n), 1/math.Sqrt(1+2*n)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{BatchSize: 10, Draws: 4, MaxSteps: 6000, Tol: -1, EvalDraws: 16}, rand.New(rand.NewPCG(6, 6)))
	if err != nil {
		t.Fatal(err)
	}
	mu, sd := post.Mean()[0], post.SD()[0]
	t.Logf("β: %.4f ± %.4f, fixed point %.4f ± %.4f", mu, sd, wantMean, wantSD)
	if math.Abs(mu-wantMean) > 0.1*wantSD || math.Abs(sd/wantSD-1) > 0.05 {
		t.Errorf("β: q %.4f ± %.4f, fixed point %.4f ± %.4f", mu, sd, wantMean, wantSD)
	}
	lp := post.Local["z"]
	if lp == nil || lp.Rows != n || lp.Size != 2 {
		t.Fatalf("local posterior %+v", lp)
	}
	x := data[0].Values
	var worstM, worstS float64
	for i := 0; i < 2*n; i++ {
		wm, ws := (wantMean+x[i])/2, math.Sqrt(0.5)
		worstM = math.Max(worstM, math.Abs(lp.Mean[i]-wm)/ws)
		worstS = math.Max(worstS, math.Abs(lp.SD[i]/ws-1))
	}
	t.Logf("rows: largest error %.3f sd in a mean, %.1f%% in an sd", worstM, 100*worstS)
	if worstM > 0.1 || worstS > 0.1 {
		t.Errorf("rows: largest error %.3f sd in a mean, %.1f%% in an sd (want < 0.1, 10%%)", worstM, 100*worstS)
	}
}

// A fit with local latents and minibatches saved mid-way and restored in a new
// SVI takes exactly the same steps: the per-row table, its lazy Adam moments
// and step counts are part of the state.
func TestLocalResumeExact(t *testing.T) {
	for _, amortized := range []bool{false, true} {
		testLocalResume(t, amortized)
	}
}

func testLocalResume(t *testing.T, amortized bool) {
	m, data := hierLocal(30, 7)
	set := func() *bbvi.Settings {
		s := &bbvi.Settings{BatchSize: 7, MaxSteps: 600, EvalEvery: 50, EvalDraws: 16, AverageSteps: 100}
		if amortized {
			s.Amortize = &bbvi.Amortize{Input: "x", Hidden: []int{4}, Activation: graph.ActTanh}
		}
		return s
	}
	want, got, st2 := resumed(t, func(r *rand.Rand) (*bbvi.SVI, error) { return bbvi.NewSVI(m, data, set(), r) }, 3, 4,
		func(v *bbvi.SVI) bool { return v.Steps() == 333 })
	if !reflect.DeepEqual(got.Continuous.UMean, want.Continuous.UMean) || !reflect.DeepEqual(got.Continuous.Local, want.Continuous.Local) || !reflect.DeepEqual(got.Trace, want.Trace) {
		t.Errorf("amortized %v: resumed fit differs", amortized)
	}
	if lp := got.Continuous.Local["z"]; lp == nil || lp.Rows != 30 || len(lp.Mean) != 60 || !finiteAll(lp.Mean) || !finiteAll(lp.SD) {
		t.Errorf("amortized %v: local posterior %+v", amortized, lp)
	}
	if amortized {
		return
	}
	// A state without the local table is refused.
	st2.Local = nil
	c, err := bbvi.NewSVI(m, data, set(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Restore(st2); err == nil {
		t.Error("a state without the local parameters was accepted")
	}
}

// Continuous local latents must live on the real line, and the score-function
// estimators, which do not draw them, refuse them.
func TestLocalRefusals(t *testing.T) {
	m, data := hierLocal(10, 1)
	fm := m.(bbvi.FuncModel)
	bad := fm
	bad.Vars = []bbvi.Latent{{Name: "beta"}, {Name: "z", Size: 2, Local: true, Support: bbvi.Positive()}}
	if _, err := bbvi.NewSVI(bad, data, nil, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("a positive local latent was accepted")
	}
	e, _ := bbvi.EstimatorByName("score")
	if _, err := bbvi.NewSVI(m, data, &bbvi.Settings{Estimator: e}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("the score-function estimator was accepted for continuous local latents")
	}
	if _, err := bbvi.NewSVI(m, nil, nil, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("local latents without data were accepted")
	}
}

func finiteAll(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
