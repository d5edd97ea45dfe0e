package bbvi_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
)

// A minibatch fit whose gradient noise (N/B = 1250, plain batches: the
// anchored control variate would remove the noise) keeps the iterates
// wandering halves its learning rate when the ELBO stops rising, converges,
// and stays within 0.25 sd of the exact posterior of a normal mean with unit
// noise, N(Σy/(n+1), 1/(n+1)). (Where the schedule matters — logistic
// regression, N = 10⁶, batches of 1024 — see BENCHMARKS.md.) A fit saved
// after the decay and restored ends exactly as the uninterrupted one.
func TestPlateauDecayMinibatch(t *testing.T) {
	const n = 20000
	m, data := normalMean(n, 11, false)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{BatchSize: 16, PlainBatches: true}, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var sy float64
	for _, v := range data[0].Values {
		sy += v
	}
	mean, sd := sy/(n+1), 1/math.Sqrt(n+1)
	got := post.Mean()[0]
	t.Logf("%v (%s): mean %.5f (exact %.5f, sd %.5f), sd %.5f", post.Status, post.Reason, got, mean, sd, post.SD()[0])
	if post.Status == bbvi.StepLimit || !strings.Contains(post.Reason, "halved") {
		t.Errorf("status %v (%q), want converged after plateau decays", post.Status, post.Reason)
	}
	if math.Abs(got-mean) > 0.25*sd || math.Abs(post.SD()[0]/sd-1) > 0.25 {
		t.Errorf("mean %.5f sd %.5f, exact %.5f and %.5f", got, post.SD()[0], mean, sd)
	}

	// Resume across the decay.
	settings := func() *bbvi.Settings { return &bbvi.Settings{BatchSize: 16, PlainBatches: true} }
	src := rand.NewPCG(2, 2)
	a, err := bbvi.NewSVI(m, data, settings(), rand.New(src))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var st *bbvi.SVIState
	var srcState []byte
	for !a.Done() {
		if err := a.Step(); err != nil {
			t.Fatal(err)
		}
		if st == nil && a.Steps() == 1100 {
			if st, err = a.State(); err != nil {
				t.Fatal(err)
			}
			if srcState, err = src.MarshalBinary(); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := a.Result()
	if err != nil {
		t.Fatal(err)
	}
	if st == nil || st.Decays == 0 {
		t.Fatalf("no decay recorded by step 1100: %+v", st)
	}
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var st2 bbvi.SVIState
	if err := json.Unmarshal(js, &st2); err != nil {
		t.Fatal(err)
	}
	src2 := rand.NewPCG(0, 0)
	if err := src2.UnmarshalBinary(srcState); err != nil {
		t.Fatal(err)
	}
	b, err := bbvi.NewSVI(m, data, settings(), rand.New(src2))
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
	got2, err := b.Result()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got2.Continuous.UMean, want.Continuous.UMean) || got2.Reason != want.Reason || !reflect.DeepEqual(got2.Trace, want.Trace) {
		t.Errorf("resumed fit differs: %v %q vs %v %q", got2.Continuous.UMean, got2.Reason, want.Continuous.UMean, want.Reason)
	}
}
