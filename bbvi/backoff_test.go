package bbvi_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// A step size far too large for a posterior with sds 1 and 0.001 makes the
// ELBO collapse; the fit backs off (returns to its best parameters and halves
// the learning rate) until it is stable, and ends accurate. Without back-offs
// the same fit jitters across the narrow direction and its verdict is
// doubtful or its answer wrong.
func TestBackoffRescuesLargeSteps(t *testing.T) {
	m, mu, sd := narrowGaussian()
	fit := func(backoffs int) *bbvi.Posterior {
		post, err := bbvi.Fit(m, nil, largeSteps(backoffs), rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return post
	}
	post := fit(0)
	m0, s0 := post.Mean(), post.SD()
	t.Logf("with back-offs: %v (%s), mean %.4g, sd %.3g", post.Status, post.Reason, m0, s0)
	if post.Status != bbvi.Converged || !strings.Contains(post.Reason, "ELBO collapsed") {
		t.Errorf("status %v (%q), want converged after backing off", post.Status, post.Reason)
	}
	for j := range mu {
		if math.Abs(m0[j]-mu[j]) > 0.25*sd[j] || math.Abs(s0[j]/sd[j]-1) > 0.25 {
			t.Errorf("z[%d]: mean %.5g sd %.3g, want %g and %g", j, m0[j], s0[j], mu[j], sd[j])
		}
	}
	post = fit(-1)
	m1, s1 := post.Mean(), post.SD()
	t.Logf("without: %v (%s), mean %.4g, sd %.3g", post.Status, post.Reason, m1, s1)
	if post.Status == bbvi.Converged && math.Abs(m1[1]-mu[1]) < 0.25*sd[1] && math.Abs(s1[1]/sd[1]-1) < 0.25 {
		t.Error("the test's step size is not too large: without back-offs the fit is accurate too")
	}
}

// narrowGaussian is a posterior N(mu, diag(sd²)) with sds 1 and 0.001.
func narrowGaussian() (m bbvi.Model, mu, sd []float64) {
	mu = []float64{3, -1}
	sd = []float64{1, 0.001}
	return bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "z", Size: 2}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["z"], b.Constant("mu", mu, 1, 2), b.Constant("sd", sd, 1, 2)), 1)
		},
	}, mu, sd
}

// largeSteps are settings with Adam's step 0.3, far too large for
// narrowGaussian, from the default start.
func largeSteps(backoffs int) *bbvi.Settings {
	opt, _ := bbvi.NewOptimizer("adam", 0.3)
	return &bbvi.Settings{Start: "default", Optimizer: opt, MaxBackoffs: backoffs, MaxSteps: 20000}
}

// A fit saved after it backed off and restored into a new SVI (whose
// optimizer starts at the full step size) ends exactly as the uninterrupted
// fit.
func TestBackoffResumeExact(t *testing.T) {
	m, _, _ := narrowGaussian()
	src := rand.NewPCG(1, 1)
	a, err := bbvi.NewSVI(m, nil, largeSteps(0), rand.New(src))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var st *bbvi.SVIState
	for !a.Done() {
		if err := a.Step(); err != nil {
			t.Fatal(err)
		}
		if st == nil && a.Steps() >= 1000 {
			if st, err = a.State(); err != nil {
				t.Fatal(err)
			}
			if st.Backoffs == 0 {
				t.Fatalf("no back-off by step %d", a.Steps())
			}
		}
	}
	want, err := a.Result()
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var st2 bbvi.SVIState
	if err := json.Unmarshal(js, &st2); err != nil {
		t.Fatal(err)
	}
	// Replay the source to the saved step: the same seed and steps.
	src2 := rand.NewPCG(1, 1)
	c, err := bbvi.NewSVI(m, nil, largeSteps(0), rand.New(src2))
	if err != nil {
		t.Fatal(err)
	}
	for c.Steps() < st.Step {
		if err := c.Step(); err != nil {
			t.Fatal(err)
		}
	}
	srcState, err := src2.MarshalBinary()
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	src3 := rand.NewPCG(0, 0)
	if err := src3.UnmarshalBinary(srcState); err != nil {
		t.Fatal(err)
	}
	b, err := bbvi.NewSVI(m, nil, largeSteps(0), rand.New(src3))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Restore(&st2); err != nil {
		t.Fatal(err)
	}
	for !b.Done() {
		if err := b.Step(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.Result()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Continuous.UMean, want.Continuous.UMean) || got.Reason != want.Reason || !reflect.DeepEqual(got.Trace, want.Trace) {
		t.Errorf("resumed fit differs: %v %q vs %v %q", got.Continuous.UMean, got.Reason, want.Continuous.UMean, want.Reason)
	}
}
