package models

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/refprob"
)

func linearModel(ref *refprob.Linear) (*LinearRegression, bbvi.Data) {
	feats := make([]string, ref.D)
	for j := range feats {
		feats[j] = string(rune('a' + j))
	}
	m := &LinearRegression{Features: feats, Intercept: true, PriorScale: ref.PriorScale, NoiseSD: ref.NoiseSD}
	d, err := m.Data(ref.X, ref.Y)
	if err != nil {
		panic(err)
	}
	return m, d
}

// relFrob returns ||a-b||_F / ||b||_F.
func relFrob(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

func TestConjugateLinear(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		ref := refprob.NewLinear(seed, 150, 4)
		m, data := linearModel(ref)
		k := ref.D + 1
		for _, fam := range []bbvi.Family{bbvi.FullRank{}, bbvi.MeanField{}} {
			post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: fam}, rand.New(rand.NewPCG(seed, 7)))
			if err != nil {
				t.Fatal(err)
			}
			mean, cov := post.Mean(), post.Cov()
			var worst float64
			for j := 0; j < k; j++ {
				worst = math.Max(worst, math.Abs(mean[j]-ref.Mean[j])/math.Sqrt(ref.Cov[j*k+j]))
			}
			t.Logf("seed %d %s: steps %d conv %v, worst mean err %.3f sd", seed, fam.Name(), post.Steps, post.Status, worst)
			if worst > 0.1 {
				t.Errorf("%s: mean off by %.3f posterior sd", fam.Name(), worst)
			}
			if fam.Name() == "fullrank" {
				rf := relFrob(cov, ref.Cov)
				t.Logf("  cov rel frob %.3f", rf)
				if rf > 0.1 {
					t.Errorf("fullrank cov rel frobenius error %.3f", rf)
				}
			} else {
				mf := ref.MeanFieldVar()
				var w float64
				for j := 0; j < k; j++ {
					w = math.Max(w, math.Abs(cov[j*k+j]/mf[j]-1))
				}
				t.Logf("  mf var worst rel err %.3f", w)
				if w > 0.1 {
					t.Errorf("meanfield variance rel error %.3f", w)
				}
			}
		}
	}
}

// TestLogistic2D compares a full-rank fit of a 2-D logistic regression with the
// posterior mean and covariance computed by quadrature on a grid. The Gaussian
// approximation is not exact, so the tolerances allow for its bias (0.15
// posterior sd on the means, 15% on the sds).
func TestLogistic2D(t *testing.T) {
	ref := refprob.NewLogistic2D(5, 300, 400)
	m := &LogisticRegression{Features: []string{"x"}, Intercept: true, PriorScale: ref.PriorScale}
	data, err := m.Data(ref.X, ref.Y)
	if err != nil {
		t.Fatal(err)
	}
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	mean, sd := post.Mean(), post.SD()
	for j := 0; j < 2; j++ {
		rsd := math.Sqrt(ref.Cov[j*2+j])
		t.Logf("%s: mean %.4f (ref %.4f), sd %.4f (ref %.4f)", post.Names[j], mean[j], ref.Mean[j], sd[j], rsd)
		if math.Abs(mean[j]-ref.Mean[j]) > 0.15*rsd {
			t.Errorf("%s: mean %.4f, reference %.4f (sd %.4f)", post.Names[j], mean[j], ref.Mean[j], rsd)
		}
		if math.Abs(sd[j]/rsd-1) > 0.15 {
			t.Errorf("%s: sd %.4f, reference %.4f", post.Names[j], sd[j], rsd)
		}
	}
	rc := ref.Cov[1] / math.Sqrt(ref.Cov[0]*ref.Cov[3])
	c := post.Cov()
	qc := c[1] / math.Sqrt(c[0]*c[3])
	if math.Abs(rc-qc) > 0.1 {
		t.Errorf("correlation %.3f, reference %.3f", qc, rc)
	}
}

func TestSameSeedSameNumbers(t *testing.T) {
	ref := refprob.NewLinear(9, 60, 3)
	m, data := linearModel(ref)
	m.NoiseSD = 0 // learn sigma too: exercises the constrained path
	fit := func(seed uint64, dt graph.Dtype) *bbvi.Posterior {
		p, err := bbvi.Fit(m, data, &bbvi.Settings{MaxSteps: 600, BatchSize: 20, Dtype: dt}, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, dt := range []graph.Dtype{graph.Float64, graph.Float32} {
		a, b, c := fit(1, dt), fit(1, dt), fit(2, dt)
		if !reflect.DeepEqual(a.UMean, b.UMean) || !reflect.DeepEqual(a.UCov, b.UCov) || !reflect.DeepEqual(a.Trace, b.Trace) {
			t.Errorf("%v: same seed gave different fits", dt)
		}
		if reflect.DeepEqual(a.UMean, c.UMean) {
			t.Errorf("%v: different seeds gave identical fits", dt)
		}
		d1 := a.Sample(nil, 5, rand.New(rand.NewPCG(3, 3)))
		d2 := a.Sample(nil, 5, rand.New(rand.NewPCG(3, 3)))
		if !reflect.DeepEqual(d1, d2) {
			t.Errorf("%v: same seed gave different draws", dt)
		}
	}
}

// TestNonFiniteStops drives plain SGD on a quartic target far too hard, so the
// iterates blow up; the fit must stop with a *NonFiniteError naming the step and
// keep the last finite parameters.
func TestRegressionNameClash(t *testing.T) {
	X := []float64{1, 2}
	y := []float64{0, 1}
	if _, err := (&LinearRegression{Features: []string{"sigma"}, Intercept: true}).Data(X, y); err == nil {
		t.Error("feature named sigma accepted with a learned noise")
	}
	if _, err := (&LinearRegression{Features: []string{"sigma"}, NoiseSD: 1}).Data(X, y); err != nil {
		t.Errorf("feature named sigma rejected with a known noise: %v", err)
	}
	if _, err := (&LogisticRegression{Features: []string{"intercept"}, Intercept: true}).Data(X, y); err == nil {
		t.Error("feature named intercept accepted with an intercept")
	}
	if _, err := (&LogisticRegression{Features: []string{"a", "a"}}).Data([]float64{1, 2, 3, 4}, y); err == nil {
		t.Error("repeated feature accepted")
	}
	if _, err := (&LogisticRegression{Features: []string{"a"}}).Data(X, []float64{0, 2}); err == nil {
		t.Error("logistic target 2 accepted")
	}
}

// Predictors on very different scales (one in thousandths, one in thousands)
// put the coefficients' posteriors at scales 10⁶ apart; with the Laplace start
// both families are accurate with default settings and say so.
func TestBadlyScaledRegression(t *testing.T) {
	const n, d = 200, 2
	rng := rand.New(rand.NewPCG(21, 22))
	X := make([]float64, n*d)
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		X[i*d] = 0.001 * rng.NormFloat64()
		X[i*d+1] = 1000 * rng.NormFloat64()
		y[i] = 1 + 2000*X[i*d] + 0.003*X[i*d+1] + rng.NormFloat64()
	}
	ref := refprob.ExactLinear(X, y, d, 1, 1e4)
	m := &LinearRegression{Features: []string{"milli", "kilo"}, Intercept: true, PriorScale: 1e4, NoiseSD: 1}
	data, err := m.Data(X, y)
	if err != nil {
		t.Fatal(err)
	}
	k := d + 1
	mf := ref.MeanFieldVar()
	for _, fam := range []bbvi.Family{bbvi.MeanField{}, bbvi.FullRank{}} {
		post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: fam}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		mean, sd := post.Mean(), post.SD()
		for j := 0; j < k; j++ {
			rsd := math.Sqrt(ref.Cov[j*k+j])
			want := rsd
			if fam.Name() == "meanfield" {
				want = math.Sqrt(mf[j])
			}
			if e := math.Abs(mean[j]-ref.Mean[j]) / rsd; e > 0.25 {
				t.Errorf("%s %s: mean %.6g, exact %.6g (%.2f sd off)", fam.Name(), post.Names[j], mean[j], ref.Mean[j], e)
			}
			if r := sd[j] / want; r < 0.75 || r > 1.33 {
				t.Errorf("%s %s: sd %.4g, target %.4g", fam.Name(), post.Names[j], sd[j], want)
			}
		}
		t.Logf("%s: %v after %d steps from the %s start, %s", fam.Name(), post.Status, post.Steps, post.Start, post.Diagnostics.Verdict())
		if post.Status != bbvi.Converged || post.Start != "laplace" || !post.Diagnostics.Reliable {
			t.Errorf("%s: %v (%s), start %s, %s", fam.Name(), post.Status, post.Reason, post.Start, post.Diagnostics.Verdict())
		}
	}
	// From the default start, the same fit does not get there within the step
	// limit: the Laplace start is what makes it work.
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Start: "default", MaxSteps: 3000}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if e := math.Abs(post.Mean()[1]-ref.Mean[1]) / math.Sqrt(ref.Cov[k+1]); e < 1 {
		t.Errorf("the default start reached the milli coefficient within %.2f sd in 3000 steps: the test no longer shows the point", e)
	}
}
