package bbvi_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// normalMean is y_i ~ N(mu, 1), mu ~ N(0, 1), with a scale s ~ HalfNormal-ish
// positive latent that the data also inform (y_i ~ N(mu, s) when withScale).
func normalMean(n int, seed uint64, withScale bool) (bbvi.Model, bbvi.Data) {
	rng := rand.New(rand.NewPCG(seed, 99))
	y := make([]float64, n)
	for i := range y {
		y[i] = 1.5 + 0.7*rng.NormFloat64()
	}
	vars := []bbvi.Latent{{Name: "mu", Size: 1}}
	if withScale {
		vars = append(vars, bbvi.Latent{Name: "s", Size: 1, Support: bbvi.Positive()})
	}
	m := bbvi.FuncModel{
		Vars: vars,
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			lp := b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(1)), 1)
			if withScale {
				lp = b.Add(lp, b.Sum(b.NormalLogProb(z["s"], b.Scalar(0), b.Scalar(2)), 1))
			}
			return lp
		},
		Points: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			s := b.Scalar(1)
			if withScale {
				s = z["s"] // (S, 1)
			}
			return b.NormalLogProb(b.Reshape(d["y"], 1, d["y"].Shape()[0]), z["mu"], s) // (S, B)
		},
	}
	return m, bbvi.Data{{Name: "y", Values: y}}
}

func runToEnd(t *testing.T, v *bbvi.SVI) {
	t.Helper()
	for !v.Done() {
		if err := v.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

// resumed runs the fit that newSVI makes from rand.New(rand.NewPCG(seed1,
// seed2)) to its end, saving its State (through JSON) and its random source
// before the first step at which saveAt is true; it then restores a second
// fit from them and runs that to its end. It returns both results and the
// decoded state.
func resumed(t *testing.T, newSVI func(*rand.Rand) (*bbvi.SVI, error), seed1, seed2 uint64, saveAt func(*bbvi.SVI) bool) (want, got *bbvi.MixedPosterior, saved *bbvi.SVIState) {
	t.Helper()
	src := rand.NewPCG(seed1, seed2)
	a, err := newSVI(rand.New(src))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var js, srcState []byte
	for !a.Done() {
		if js == nil && saveAt(a) {
			st, err := a.State()
			if err != nil {
				t.Fatal(err)
			}
			if js, err = json.Marshal(st); err != nil {
				t.Fatal(err)
			}
			if srcState, err = src.MarshalBinary(); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if js == nil {
		t.Fatalf("the fit ended at step %d before the state was saved", a.Steps())
	}
	if want, err = a.Result(); err != nil {
		t.Fatal(err)
	}
	src2 := rand.NewPCG(0, 0)
	if err := src2.UnmarshalBinary(srcState); err != nil {
		t.Fatal(err)
	}
	b, err := newSVI(rand.New(src2))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	saved = &bbvi.SVIState{}
	if err := json.Unmarshal(js, saved); err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(saved); err != nil {
		t.Fatal(err)
	}
	if b.Steps() != saved.Step || len(b.Trace()) != len(saved.Trace) {
		t.Fatalf("restored at step %d with %d evaluations, saved at %d with %d", b.Steps(), len(b.Trace()), saved.Step, len(saved.Trace))
	}
	runToEnd(t, b)
	if got, err = b.Result(); err != nil {
		t.Fatal(err)
	}
	return want, got, saved
}

// Stepping an SVI by hand gives exactly what Fit gives.
func TestSVIStepEqualsFit(t *testing.T) {
	m, data := normalMean(60, 1, true)
	set := &bbvi.Settings{MaxSteps: 3000}
	want, err := bbvi.Fit(m, data, set, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := bbvi.NewSVI(m, data, &bbvi.Settings{MaxSteps: 3000}, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	runToEnd(t, v)
	if err := v.Step(); !errors.Is(err, bbvi.ErrDone) {
		t.Errorf("Step after the end: %v, want ErrDone", err)
	}
	got, err := v.Result()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Continuous.UMean, want.UMean) || !reflect.DeepEqual(got.Continuous.UCov, want.UCov) ||
		!reflect.DeepEqual(got.Trace, want.Trace) || got.Steps != want.Steps || got.Status != want.Status {
		t.Errorf("stepped fit differs from Fit: %v %v (%d steps, %v) vs %v %v (%d steps, %v)",
			got.Continuous.UMean, got.Continuous.UCov, got.Steps, got.Status, want.UMean, want.UCov, want.Steps, want.Status)
	}
	if want.Status != bbvi.Converged || !strings.Contains(want.Reason, "converged at step") {
		t.Errorf("status %v (%q), want converged", want.Status, want.Reason)
	}
	for _, pt := range want.Trace {
		if !(pt.SE > 0) {
			t.Errorf("ELBO standard error %v at step %d", pt.SE, pt.Step)
		}
	}
	// Near the optimum the ELBO estimate of 200 draws is precise: its standard
	// error is that of log p - log q, whose sd is about sqrt(dim/2) for a q
	// close to a Gaussian posterior, over sqrt(200).
	if last := want.Trace[len(want.Trace)-1]; last.SE > 0.2 {
		t.Errorf("final ELBO standard error %v", last.SE)
	}
	if want.Start != "laplace" {
		t.Errorf("a regular model did not start at its Laplace approximation (%q)", want.Start)
	}
}

// A fit saved mid-run (state through JSON, and the PCG source) and restored
// into a new SVI ends exactly as the uninterrupted fit: with minibatches (the
// permutation is state) and a control variate that keeps a running baseline.
func TestSVIResumeExact(t *testing.T) {
	for _, est := range []string{"reparam", "score-decay", "score-optimal"} {
		t.Run(est, func(t *testing.T) {
			m, data := normalMean(50, 2, false)
			settings := func() *bbvi.Settings {
				e, err := bbvi.EstimatorByName(est)
				if err != nil {
					t.Fatal(err)
				}
				return &bbvi.Settings{Estimator: e, BatchSize: 16, MaxSteps: 1500, EvalEvery: 50, AverageSteps: 400}
			}
			want, got, _ := resumed(t, func(r *rand.Rand) (*bbvi.SVI, error) { return bbvi.NewSVI(m, data, settings(), r) }, 3, 4,
				func(v *bbvi.SVI) bool { return v.Steps() == 1250 }) // inside the averaging phase
			if !reflect.DeepEqual(got.Continuous.UMean, want.Continuous.UMean) || !reflect.DeepEqual(got.Continuous.UCov, want.Continuous.UCov) ||
				!reflect.DeepEqual(got.Trace, want.Trace) || got.Status != want.Status || got.Reason != want.Reason {
				t.Errorf("resumed fit differs: %v %v %v vs %v %v %v", got.Continuous.UMean, got.Status, got.Reason, want.Continuous.UMean, want.Status, want.Reason)
			}
		})
	}
}

func TestSVIRestoreRejectsForeignState(t *testing.T) {
	m, data := normalMean(30, 3, false)
	v, err := bbvi.NewSVI(m, data, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	m2, data2 := normalMean(30, 3, true)
	w, err := bbvi.NewSVI(m2, data2, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st, err := w.State()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Restore(st); err == nil || !strings.Contains(err.Error(), "values") {
		t.Errorf("state of a 2-latent fit restored into a 1-latent fit: %v", err)
	}
	if err := v.Restore(nil); err == nil {
		t.Error("nil state accepted")
	}
}

// Every way a fit ends has its Status and a reason.
func TestSVIStatus(t *testing.T) {
	m, data := normalMean(40, 4, true)
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(8, 8)) }

	post, err := bbvi.Fit(m, data, &bbvi.Settings{MaxSteps: 300, Tol: -1}, rng())
	if err != nil {
		t.Fatal(err)
	}
	if post.Status != bbvi.StepLimit || post.Steps != 300 || !strings.Contains(post.Reason, "MaxSteps = 300") {
		t.Errorf("Tol < 0: status %v after %d steps (%q), want step-limit after 300", post.Status, post.Steps, post.Reason)
	}

	v, err := bbvi.NewSVI(m, data, nil, rng())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := v.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if s, why := v.Status(); s != bbvi.Running || !strings.Contains(why, "step 50") {
		t.Errorf("running fit: %v %q", s, why)
	}
	v.Stop()
	res, err := v.Result()
	v.Close()
	if err != nil || res.Status != bbvi.Stopped || res.Steps != 50 || !strings.Contains(res.Reason, "caller") {
		t.Errorf("stopped fit: %v %v after %d steps (%q)", err, res.Status, res.Steps, res.Reason)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	v, err = bbvi.NewSVI(m, data, &bbvi.Settings{EvalEvery: 10, Progress: func(p bbvi.Progress) {
		if calls++; calls == 3 {
			cancel()
		}
	}}, rng())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	res, err = v.Result()
	v.Close()
	if err != nil || res.Status != bbvi.Stopped || res.Steps != 30 || !strings.Contains(res.Reason, "canceled") {
		t.Errorf("cancelled fit: %v %v after %d steps (%q)", err, res.Status, res.Steps, res.Reason)
	}

	// A likelihood that becomes NaN: log of a negative number once mu < -5.
	bad := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "mu", Size: 1}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.Log(b.Shift(z["mu"], 5)), 1)
		},
	}
	post, err = bbvi.Fit(bad, nil, &bbvi.Settings{InitMean: []float64{-4.9}}, rng())
	if !errors.Is(err, bbvi.ErrNonFinite) || post == nil || post.Status != bbvi.NonFinite {
		t.Errorf("NaN fit: err %v, posterior %v", err, post)
	} else if math.IsNaN(post.UMean[0]) {
		t.Error("NaN fit kept non-finite parameters")
	}
}

// stopAt is a Converger that says yes at its n-th evaluation.
type stopAt struct{ n int }

func (c stopAt) Window() int                    { return 0 }
func (c stopAt) Converged(h *bbvi.History) bool { return len(h.Trace) >= c.n }

func TestCustomConverger(t *testing.T) {
	m, data := normalMean(40, 5, false)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Converger: stopAt{n: 3}, EvalEvery: 20, AverageSteps: 100}, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if post.Status != bbvi.Converged || post.Steps != 160 || !strings.Contains(post.Reason, "step 60") {
		t.Errorf("converger met at step 60, averaged 100 steps: %v after %d steps (%q)", post.Status, post.Steps, post.Reason)
	}
}

// plainBaseline is a control variate written outside the package: b = 0, which
// must reproduce ScoreFunction without a control variate exactly.
type plainBaseline struct{}

func (plainBaseline) Name() string                            { return "plain" }
func (plainBaseline) Surrogate(t *bbvi.ScoreTerm) *graph.Node { return t.Plain(t.Signal) }

func TestExternalControlVariate(t *testing.T) {
	m, data := normalMean(40, 6, true)
	fit := func(e bbvi.Estimator) *bbvi.Posterior {
		post, err := bbvi.Fit(m, data, &bbvi.Settings{Estimator: e, MaxSteps: 600}, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		return post
	}
	a := fit(bbvi.ScoreFunction{})
	b := fit(bbvi.ScoreFunction{Control: plainBaseline{}})
	if !reflect.DeepEqual(a.UMean, b.UMean) || !reflect.DeepEqual(a.Trace, b.Trace) {
		t.Errorf("external b = 0 control variate differs from none: %v vs %v", b.UMean, a.UMean)
	}
	if b.Estimator != "score-plain" {
		t.Errorf("estimator name %q", b.Estimator)
	}
}

func TestRegistries(t *testing.T) {
	names := bbvi.EstimatorNames()
	if len(names) < 18 {
		t.Errorf("%d estimators registered: %v", len(names), names)
	}
	for _, n := range names {
		e, err := bbvi.EstimatorByName(strings.ToUpper(n))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() != n {
			t.Errorf("EstimatorByName(%q).Name() = %q", n, e.Name())
		}
	}
	for alias, want := range map[string]string{"": "reparam", "pathwise": "reparam", "score-baseline": "score-decay", "mixed-rb-cv": "mixed-rb-optimal"} {
		if e, err := bbvi.EstimatorByName(alias); err != nil || e.Name() != want {
			t.Errorf("EstimatorByName(%q) = %v, %v; want %s", alias, e, err, want)
		}
	}
	if _, err := bbvi.EstimatorByName("bogus"); err == nil || !strings.Contains(err.Error(), "score-rb-loo") {
		t.Errorf("unknown estimator error does not list the names: %v", err)
	}
	for _, n := range bbvi.FamilyNames() {
		f, err := bbvi.FamilyByName(n)
		if err != nil || f.Name() != n {
			t.Errorf("FamilyByName(%q) = %v, %v", n, f, err)
		}
	}
	if _, err := bbvi.FamilyByName("flow-of-nothing"); err == nil || !strings.Contains(err.Error(), "meanfield") {
		t.Errorf("unknown family error: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a family name twice did not panic")
		}
	}()
	bbvi.RegisterFamily("Mean-Field", func() bbvi.Family { return bbvi.MeanField{} })
}

// InitSD starts q with the given spread in both Gaussian families.
func TestInitSD(t *testing.T) {
	for _, fam := range []bbvi.Family{bbvi.MeanField{}, bbvi.FullRank{}} {
		b := graph.NewBuilder(graph.Float64)
		q, err := fam.Build(b, bbvi.Block{Size: 3, Init: []float64{1, 2, 3}, InitSD: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		mu, l := q.(bbvi.Gaussian).MeanScale()
		for i := 0; i < 3; i++ {
			if mu[i] != float64(i+1) || math.Abs(l[i*3+i]-0.25) > 1e-15 {
				t.Errorf("%s: mean %v, scale diagonal %v", fam.Name(), mu, l)
			}
		}
		if s := q.NoiseShape(7); !reflect.DeepEqual(s, []int{7, 3}) {
			t.Errorf("%s: noise shape %v", fam.Name(), s)
		}
		if _, err := fam.Build(b, bbvi.Block{Size: 2, InitSD: -1}); err == nil {
			t.Errorf("%s: negative InitSD accepted", fam.Name())
		}
	}
}
