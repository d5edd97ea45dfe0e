package bbvi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/graph"
)

// gradSampler is the fit loop's machinery for one problem at fixed parameters:
// each call of next runs the graph on fresh noise, finishes the step (so that
// stateful control variates update) and returns the ELBO gradient estimate
// (minus the loss gradient), flattened over the parameters in order.
type gradSampler struct {
	f   *fitter
	buf []float64
}

func newGradSampler(t testing.TB, m Model, data Data, set Settings, init [][]float64, seed uint64) *gradSampler {
	t.Helper()
	set = set.withDefaults()
	f, err := newFitter(m, data, set, rand.New(rand.NewPCG(seed, seed^0xabcdef)))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range init {
		if v != nil {
			if err := graph.Set(f.params[i], v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &gradSampler{f: f}
}

func (g *gradSampler) next(t testing.TB) []float64 {
	t.Helper()
	if _, err := g.f.run(); err != nil {
		t.Fatal(err)
	}
	if err := g.f.prob.FinishStep(); err != nil {
		t.Fatal(err)
	}
	g.buf = g.buf[:0]
	for _, gr := range g.f.grads {
		for _, v := range graph.Values(gr) {
			g.buf = append(g.buf, -v)
		}
	}
	return g.buf
}

func (g *gradSampler) close() { g.f.m.Close() }

// moments returns the mean and the standard error of the mean of reps
// gradient estimates, per component, and the mean variance of one estimate.
func (g *gradSampler) moments(t testing.TB, reps int) (mean, se, variance []float64) {
	t.Helper()
	var sum, sumsq []float64
	for r := 0; r < reps; r++ {
		v := g.next(t)
		if sum == nil {
			sum = make([]float64, len(v))
			sumsq = make([]float64, len(v))
		}
		for i, x := range v {
			sum[i] += x
			sumsq[i] += x * x
		}
	}
	n := float64(reps)
	mean = make([]float64, len(sum))
	se = make([]float64, len(sum))
	variance = make([]float64, len(sum))
	for i := range sum {
		mean[i] = sum[i] / n
		variance[i] = math.Max(sumsq[i]-n*mean[i]*mean[i], 0) / (n - 1)
		se[i] = math.Sqrt(variance[i] / n)
	}
	return mean, se, variance
}

// checkUnbiased compares the mean of reps estimates with the exact gradient
// component by component, within four standard errors.
func checkUnbiased(t *testing.T, label string, g *gradSampler, reps int, want []float64) {
	t.Helper()
	mean, se, _ := g.moments(t, reps)
	if len(mean) != len(want) {
		t.Fatalf("%s: %d gradient components, want %d", label, len(mean), len(want))
	}
	for i := range want {
		if math.Abs(mean[i]-want[i]) > 4*se[i]+1e-7*(1+math.Abs(want[i])) {
			t.Errorf("%s: component %d: mean estimate %.5f ± %.5f, exact %.5f", label, i, mean[i], se[i], want[i])
		}
	}
}

// centralDiff returns the gradient of f at x by central differences.
func centralDiff(f func([]float64) float64, x []float64) []float64 {
	const h = 1e-6
	out := make([]float64, len(x))
	for i := range x {
		xp := append([]float64(nil), x...)
		xm := append([]float64(nil), x...)
		xp[i] += h
		xm[i] -= h
		out[i] = (f(xp) - f(xm)) / (2 * h)
	}
	return out
}

// scoreEstimators are the score-function estimators every unbiasedness test
// runs.
var scoreEstimators = []Estimator{
	ScoreFunction{},
	ScoreFunction{Control: LeaveOneOut{}},
	ScoreFunction{Control: DecayingBaseline{}},
	ScoreFunction{Control: Optimal{}},
	ScoreFunction{Control: Optimal{Decay: -1}},
	ScoreFunction{RaoBlackwell: true, Control: LeaveOneOut{}},
}

// TestScoreUnbiasedGaussian checks every score-function estimator, for both
// Gaussian families, against the exact gradient of the closed-form ELBO of a
// correlated Gaussian target (finite differences), within four standard errors.
func TestScoreUnbiasedGaussian(t *testing.T) {
	const d, S, reps = 3, 8, 2000
	g := gaussTarget{m0: []float64{0.5, -1, 2}, p: []float64{2, 0.6, 0.2, 0.6, 1.5, -0.4, 0.2, -0.4, 1}}
	mu0 := []float64{0.2, -0.3, 1.1}
	raw0 := []float64{-0.3, 0, 0, 0.4, 0.2, 0, -0.5, 0.3, -0.1}
	for _, fam := range []Family{MeanField{}, FullRank{}} {
		var init [][]float64
		var want []float64
		if _, ok := fam.(MeanField); ok {
			om := []float64{raw0[0], raw0[4], raw0[8]}
			init = [][]float64{mu0, om}
			want = centralDiff(func(x []float64) float64 {
				raw := make([]float64, d*d)
				for j := 0; j < d; j++ {
					raw[j*d+j] = x[d+j]
				}
				return g.elbo64(x[:d], raw)
			}, append(append([]float64{}, mu0...), om...))
		} else {
			init = [][]float64{mu0, raw0}
			want = centralDiff(func(x []float64) float64 { return g.elbo64(x[:d], x[d:]) },
				append(append([]float64{}, mu0...), raw0...))
			for i := 0; i < d; i++ { // upper entries are not parameters of L
				for j := i + 1; j < d; j++ {
					want[d+i*d+j] = 0
				}
			}
		}
		for k, est := range append(append([]Estimator{}, scoreEstimators...), ScoreFunction{Pathwise: true}) {
			gs := newGradSampler(t, g.model(), nil, Settings{Family: fam, Estimator: est, Draws: S}, init, uint64(10+k))
			checkUnbiased(t, fam.Name()+"/"+est.Name(), gs, reps, want)
			gs.close()
		}
	}
}

// meanFieldScoreRef computes, in plain Go, the score-function estimates of a
// mean-field q = N(mu, exp(om)²) for the draws zeta (S×d) with log-joint values
// lj (S): plain, leave-one-out baseline and leave-one-out optimal control
// variate without memory (with its variance floor). Each is (∂μ..., ∂ω...).
func meanFieldScoreRef(mu, om, zeta, lj []float64) (plain, loo, opt []float64) {
	d, s := len(mu), len(lj)
	h := make([][]float64, s) // per-draw scores, 2d each
	f := make([]float64, s)
	for i := 0; i < s; i++ {
		h[i] = make([]float64, 2*d)
		logq := -float64(d) * halfLog2Pi
		for j := 0; j < d; j++ {
			r := (zeta[i*d+j] - mu[j]) * math.Exp(-om[j])
			h[i][j] = r * math.Exp(-om[j])
			h[i][d+j] = r*r - 1
			logq += -r*r/2 - om[j]
		}
		f[i] = lj[i] - logq
	}
	plain = make([]float64, 2*d)
	loo = make([]float64, 2*d)
	opt = make([]float64, 2*d)
	var fsum float64
	for _, v := range f {
		fsum += v
	}
	for c := 0; c < 2*d; c++ {
		for i := 0; i < s; i++ {
			plain[c] += f[i] * h[i][c] / float64(s)
			loo[c] += (f[i] - (fsum-f[i])/float64(s-1)) * h[i][c] / float64(s)
			// a_c for draw i from the other draws
			var m1, m2, mf1, mf2 float64
			for k := 0; k < s; k++ {
				if k == i {
					continue
				}
				x := h[k][c]
				m1 += x
				m2 += x * x
				mf1 += f[k] * x
				mf2 += f[k] * x * x
			}
			n := float64(s - 1)
			m1, m2, mf1, mf2 = m1/n, m2/n, mf1/n, mf2/n
			a := (mf2 - mf1*m1) / (math.Max(m2-m1*m1, 0) + 1e-8*m2 + 1e-30)
			opt[c] += (f[i] - a) * h[i][c] / float64(s)
		}
	}
	return plain, loo, opt
}

// TestScoreSurrogateExact checks, for fixed draws, that the gradient of each
// surrogate is exactly the estimate computed by hand in plain Go.
func TestScoreSurrogateExact(t *testing.T) {
	const d, S = 3, 5
	g := gaussTarget{m0: []float64{0.5, -1, 2}, p: []float64{2, 0.6, 0.2, 0.6, 1.5, -0.4, 0.2, -0.4, 1}}
	mu := []float64{0.2, -0.3, 1.1}
	om := []float64{-0.3, 0.2, 0.1}
	for k, est := range []Estimator{ScoreFunction{}, ScoreFunction{Control: LeaveOneOut{}}, ScoreFunction{Control: Optimal{Decay: -1}}} {
		gs := newGradSampler(t, g.model(), nil, Settings{Estimator: est, Draws: S}, [][]float64{mu, om}, 3)
		got := gs.next(t)
		eps := graph.Values(gs.f.noise)
		zeta := make([]float64, S*d)
		lj := make([]float64, S)
		for i := 0; i < S; i++ {
			diff := make([]float64, d)
			for j := 0; j < d; j++ {
				zeta[i*d+j] = mu[j] + math.Exp(om[j])*eps[i*d+j]
				diff[j] = zeta[i*d+j] - g.m0[j]
			}
			for j := 0; j < d; j++ {
				for l := 0; l < d; l++ {
					lj[i] -= 0.5 * diff[j] * g.p[j*d+l] * diff[l]
				}
			}
		}
		refs := [3][]float64{}
		refs[0], refs[1], refs[2] = meanFieldScoreRef(mu, om, zeta, lj)
		for c, want := range refs[k] {
			if math.Abs(got[c]-want) > 1e-9*(1+math.Abs(want)) {
				t.Errorf("%s: component %d = %.12g, by hand %.12g", est.Name(), c, got[c], want)
			}
		}
		gs.close()
	}
}

// TestScoreFloat32 runs the score-function estimators in float32 and compares
// the mean estimate with the float64 exact gradient.
func TestScoreFloat32(t *testing.T) {
	g := gaussTarget{m0: []float64{1, -1}, p: []float64{1, 0, 0, 2}}
	mu, om := []float64{0.3, 0.2}, []float64{0.1, -0.2}
	want := centralDiff(func(x []float64) float64 {
		return g.elbo64(x[:2], []float64{x[2], 0, 0, x[3]})
	}, []float64{mu[0], mu[1], om[0], om[1]})
	for _, est := range []Estimator{ScoreFunction{Control: Optimal{}}, ScoreFunction{Control: DecayingBaseline{}}} {
		gs := newGradSampler(t, g.model(), nil, Settings{Estimator: est, Draws: 16, Dtype: graph.Float32}, [][]float64{mu, om}, 4)
		checkUnbiased(t, "float32/"+est.Name(), gs, 1500, want)
		gs.close()
	}
}

// TestScoreVarianceReduction checks on a Gaussian target whose log-density
// carries a constant (as an unnormalized density does) that each control
// variate lowers the total variance of the plain score-function estimator.
func TestScoreVarianceReduction(t *testing.T) {
	g := gaussTarget{m0: []float64{0.5, -1, 2}, p: []float64{2, 0.6, 0.2, 0.6, 1.5, -0.4, 0.2, -0.4, 1}}
	base := g.model().(FuncModel)
	model := FuncModel{Vars: base.Vars, Prior: func(b *graph.Builder, z Vars) *graph.Node {
		return b.Shift(base.Prior(b, z), -20)
	}}
	init := [][]float64{{0.2, -0.3, 1.1}, {-0.3, 0.2, 0.1}}
	total := func(est Estimator) float64 {
		gs := newGradSampler(t, model, nil, Settings{Estimator: est, Draws: 8}, init, 21)
		defer gs.close()
		for i := 0; i < 50; i++ { // let the stateful control variates settle
			gs.next(t)
		}
		_, _, v := gs.moments(t, 2000)
		var s float64
		for _, x := range v {
			s += x
		}
		return s
	}
	plain := total(ScoreFunction{})
	for _, cv := range []ControlVariate{LeaveOneOut{}, DecayingBaseline{}, Optimal{}} {
		if v := total(ScoreFunction{Control: cv}); !(v < plain) {
			t.Errorf("%s: total variance %.4g, not below the plain estimator's %.4g", cv.Name(), v, plain)
		}
	}
}

// TestScoreFitSGD fits a one-dimensional Gaussian target with the score-function
// estimator and SGD with Robbins–Monro steps ρ_t = LR (t + τ)^(-κ), κ ∈ (0.5, 1]
// (Σρ_t = ∞, Σρ_t² < ∞): the iterates converge to the exact q.
func TestScoreFitSGD(t *testing.T) {
	const m0, sd0 = 2.0, 0.5
	model := FuncModel{
		Vars: []Latent{{Name: "z"}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["z"], b.Scalar(m0), b.Scalar(sd0)), 1)
		},
	}
	set := &Settings{
		Estimator: ScoreFunction{Control: Optimal{}},
		Optimizer: &graph.SGD{LR: 0.1, Tau: 10, Kappa: 0.6},
		Draws:     8,
		MaxSteps:  8000,
		Tol:       -1,
	}
	post, err := Fit(model, nil, set, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if m, s := post.Mean()[0], post.SD()[0]; math.Abs(m-m0) > 0.02 || math.Abs(s-sd0) > 0.02 {
		t.Errorf("score-function SGD fit: mean %.4f sd %.4f, want %.1f and %.1f", m, s, m0, sd0)
	}
	if post.Estimator != "score-optimal" {
		t.Errorf("posterior estimator %q", post.Estimator)
	}
}

// TestScoreFitConjugate fits the posterior of a normal mean with the
// score-function estimator through the unchanged fit loop (Adam) and compares it
// with the exact posterior.
func TestScoreFitConjugate(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const n = 20
	y := make([]float64, n)
	var sum float64
	for i := range y {
		y[i] = 1.5 + rng.NormFloat64()
		sum += y[i]
	}
	// Prior N(0, 10²), unit noise: posterior precision 1/100 + n.
	prec := 0.01 + n
	wantMean, wantSD := sum/prec, 1/math.Sqrt(prec)
	model := FuncModel{
		Vars: []Latent{{Name: "mu"}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(10)), 1)
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			yy := b.Reshape(x["y"], n, 1)
			return b.Sum(b.NormalLogProb(yy, b.Reshape(z["mu"], 1, z["mu"].Shape()[0]), b.Scalar(1)), 0)
		},
	}
	for _, fam := range []Family{MeanField{}, FullRank{}} {
		post, err := Fit(model, Data{{Name: "y", Values: y}}, &Settings{Family: fam, Estimator: ScoreFunction{Control: Optimal{}}, Draws: 16},
			rand.New(rand.NewPCG(2, 3)))
		if err != nil {
			t.Fatal(err)
		}
		if m, s := post.Mean()[0], post.SD()[0]; math.Abs(m-wantMean) > 0.1*wantSD || math.Abs(s/wantSD-1) > 0.1 {
			t.Errorf("%s: mean %.4f sd %.4f, exact %.4f %.4f", fam.Name(), m, s, wantMean, wantSD)
		}
	}
}

func TestEstimatorByName(t *testing.T) {
	for _, name := range []string{"reparam", "reparam-mcentropy", "score", "score-loo", "score-decay", "score-optimal",
		"score-rb", "score-rb-loo", "mixed", "mixed-rb-optimal", "mixed-decay"} {
		e, err := EstimatorByName(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if e.Name() != name {
			t.Errorf("EstimatorByName(%q).Name() = %q", name, e.Name())
		}
	}
	if e, err := EstimatorByName(""); err != nil || e.Name() != "reparam" {
		t.Errorf(`EstimatorByName("") = %v, %v`, e, err)
	}
	for _, bad := range []string{"scor", "score-foo", "score-loo-rb", "score-rb-loo-x", "mixed-optimal-loo"} {
		if _, err := EstimatorByName(bad); err == nil {
			t.Errorf("EstimatorByName(%q) accepted", bad)
		}
	}
}
