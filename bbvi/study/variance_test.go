package study

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/integrate/quad"
)

// TestToyExactGradient checks the quadrature gradient of the toy problem: it has
// converged (100 and 150 nodes agree to 1e-10) and matches central differences
// of the ELBO computed by the same quadrature.
func TestToyExactGradient(t *testing.T) {
	gm, gw := ToyExactGradient(toyX, toyY, toyMu, toyOmega, 100)
	gm2, gw2 := ToyExactGradient(toyX, toyY, toyMu, toyOmega, 150)
	if math.Abs(gm-gm2) > 1e-10 || math.Abs(gw-gw2) > 1e-10 {
		t.Errorf("100 nodes (%.15g, %.15g), 150 nodes (%.15g, %.15g)", gm, gw, gm2, gw2)
	}
	elbo := func(p []float64) float64 {
		mu, om := p[0], p[1]
		sd := math.Exp(om)
		var e float64
		xs, ws := make([]float64, 64), make([]float64, 64)
		quad.Hermite{}.FixedLocations(xs, ws, math.Inf(-1), math.Inf(1))
		for i, x := range xs { // 64-point Gauss–Hermite rule, for a standard normal
			z := mu + sd*math.Sqrt2*x
			eta := toyX * z
			e += ws[i] / math.SqrtPi * (toyY*eta - softplus(eta) - z*z/2 - halfLog2Pi)
		}
		return e + om + 0.5 + halfLog2Pi
	}
	num := fd.Gradient(nil, elbo, []float64{toyMu, toyOmega}, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	if math.Abs(num[0]-gm) > 1e-6 || math.Abs(num[1]-gw) > 1e-6 {
		t.Errorf("quadrature gradient (%.8f, %.8f), finite differences (%.8f, %.8f)", gm, gw, num[0], num[1])
	}
}

// halfLog2Pi is log(2π)/2.
var halfLog2Pi = 0.5 * math.Log(2*math.Pi)

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// TestVarianceStudyUnbiased checks that every estimator of the study is
// unbiased on both problems: the mean of the estimates is within four
// standard errors (its own and the exact gradient's) of the exact gradient.
func TestVarianceStudyUnbiased(t *testing.T) {
	cases := []struct {
		problem string
		reps    int
		draws   []int
	}{
		{"toy", 1500, []int{1, 2, 16}},
		{"logistic10", 300, []int{1, 16}},
	}
	for _, c := range cases {
		rows, err := RunVarianceStudy(&VarianceStudy{Problems: []string{c.problem}, Draws: c.draws, Reps: c.reps,
			Burn: 20, ExactDraws: 1 << 16, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		cells := CellCount(&VarianceStudy{Problems: []string{c.problem}, Draws: c.draws})
		if cells != (len(studyEstimators)-1)*len(c.draws) || len(rows)%cells != 0 {
			t.Fatalf("%s: %d rows for %d cells", c.problem, len(rows), cells)
		}
		for _, r := range rows {
			if r.Param == "total" {
				continue
			}
			tol := 4 * math.Hypot(r.SE, r.ExactSE)
			if math.Abs(r.Error) > tol+1e-12 {
				t.Errorf("%s/%s S=%d %s: mean %.5f, exact %.5f (error %.3g, tolerance %.3g)",
					r.Problem, r.Estimator, r.Draws, r.Param, r.Mean, r.Exact, r.Error, tol)
			}
			if rel := r.MSE / (r.Variance + r.Error*r.Error); math.Abs(rel-1) > 0.05 {
				t.Errorf("%s/%s S=%d %s: MSE %.4g, variance + error² %.4g", r.Problem, r.Estimator, r.Draws, r.Param, r.MSE, r.Variance+r.Error*r.Error)
			}
		}
	}
}

// TestVarianceOrdering checks on the toy problem that, at every S from 1 to
// 256 and for both components, the pathwise estimator has a lower variance
// than the score function with the optimal control variate, which has a lower
// variance than the plain score function.
func TestVarianceOrdering(t *testing.T) {
	rows, err := RunVarianceStudy(&VarianceStudy{Problems: []string{"toy"}, Reps: 600, Seed: 3,
		Estimators: []string{"pathwise", "score-optimal", "score"}})
	if err != nil {
		t.Fatal(err)
	}
	v := map[string]map[int]map[string]float64{}
	for _, r := range rows {
		if v[r.Estimator] == nil {
			v[r.Estimator] = map[int]map[string]float64{}
		}
		if v[r.Estimator][r.Draws] == nil {
			v[r.Estimator][r.Draws] = map[string]float64{}
		}
		v[r.Estimator][r.Draws][r.Param] = r.Variance
	}
	for s := 1; s <= 256; s *= 2 {
		for _, param := range []string{"mu", "logsd", "total"} {
			pw, opt, sc := v["pathwise"][s][param], v["score-optimal"][s][param], v["score"][s][param]
			if !(pw < opt && opt < sc) {
				t.Errorf("S=%d %s: variances pathwise %.4g, score-optimal %.4g, score %.4g: want increasing", s, param, pw, opt, sc)
			}
		}
	}
}

func TestVarianceStudyErrors(t *testing.T) {
	for _, c := range []VarianceStudy{
		{Reps: 1},
		{Draws: []int{0}},
		{Problems: []string{"nope"}, Reps: 2},
		{Estimators: []string{"nope"}},
		{Draws: []int{}},
	} {
		if _, err := RunVarianceStudy(&c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// TestQMCLowersVariance: randomized QMC draws lower the pathwise gradient's
// variance on both problems at every S ≥ 2 (at S = 1 a scrambled point is a
// plain draw), by a factor that grows with S; on the smooth one-dimensional
// toy the reduction at S = 64 is about fiftyfold, on logistic10 as well. The estimates stay
// unbiased (TestVarianceStudyUnbiased covers pathwise+qmc too).
func TestQMCLowersVariance(t *testing.T) {
	for _, c := range []struct {
		problem string
		reps    int
		draws   []int
		factor  map[int]float64 // S -> required reduction of the total variance
	}{
		{"toy", 400, []int{4, 16, 64}, map[int]float64{4: 1.5, 16: 6, 64: 25}},
		{"logistic10", 200, []int{8, 64}, map[int]float64{8: 2.5, 64: 20}},
	} {
		rows, err := RunVarianceStudy(&VarianceStudy{Problems: []string{c.problem}, Draws: c.draws, Reps: c.reps,
			Burn: -1, ExactDraws: 1 << 14, Seed: 5, Estimators: []string{"pathwise", "pathwise+qmc"}})
		if err != nil {
			t.Fatal(err)
		}
		v := map[string]map[int]float64{"pathwise": {}, "pathwise+qmc": {}}
		for _, r := range rows {
			if r.Param == "total" {
				v[r.Estimator][r.Draws] = r.Variance
			}
		}
		for _, s := range c.draws {
			mc, q := v["pathwise"][s], v["pathwise+qmc"][s]
			t.Logf("%s S=%d: total variance MC %.4g, RQMC %.4g (%.1f×)", c.problem, s, mc, q, mc/q)
			if !(q*c.factor[s] < mc) {
				t.Errorf("%s S=%d: RQMC variance %.4g is not %g× below Monte Carlo's %.4g", c.problem, s, q, c.factor[s], mc)
			}
		}
	}
}

// TestNVILStudy: on the Bernoulli-latent VAE both score-function estimators
// are unbiased against the enumerated exact gradient (the error vector's norm
// is within 3 standard errors of its own norm, a bound the norm of Gaussian
// noise exceeds with negligible probability in these dimensions), NVIL's
// learned baseline lowers the encoder's gradient variance many times at every
// S, and the decoder's gradient, pathwise in both, has the same variance.
func TestNVILStudy(t *testing.T) {
	draws := []int{1, 4}
	rows, err := RunVarianceStudy(&VarianceStudy{Problems: []string{"bvae"}, Draws: draws, Reps: 400, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * len(draws) * 3; len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	v := map[string]map[int]map[string]float64{"score": {}, "nvil": {}}
	for _, r := range rows {
		if r.Problem != "bvae" {
			t.Fatalf("row of problem %s", r.Problem)
		}
		if !(r.Error < 3*r.SE) || r.Exact == 0 {
			t.Errorf("bvae/%s S=%d %s: error %.4g, standard error %.4g, exact norm %.4g", r.Estimator, r.Draws, r.Param, r.Error, r.SE, r.Exact)
		}
		if v[r.Estimator][r.Draws] == nil {
			v[r.Estimator][r.Draws] = map[string]float64{}
		}
		v[r.Estimator][r.Draws][r.Param] = r.Variance
	}
	for _, s := range draws {
		sc, nv := v["score"][s], v["nvil"][s]
		t.Logf("S=%d: encoder variance score %.4g, nvil %.4g (%.0f×); decoder %.4g, %.4g", s, sc["encoder"], nv["encoder"], sc["encoder"]/nv["encoder"], sc["decoder"], nv["decoder"])
		if !(nv["encoder"]*10 < sc["encoder"]) {
			t.Errorf("S=%d: NVIL encoder variance %.4g is not a tenth of the score function's %.4g", s, nv["encoder"], sc["encoder"])
		}
		if d := math.Abs(nv["decoder"]-sc["decoder"]) / sc["decoder"]; d > 0.3 {
			t.Errorf("S=%d: decoder variances %.4g and %.4g differ", s, sc["decoder"], nv["decoder"])
		}
	}
}
