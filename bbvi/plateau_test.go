package bbvi_test

import (
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
	want, got2, st := resumed(t, func(r *rand.Rand) (*bbvi.SVI, error) { return bbvi.NewSVI(m, data, settings(), r) }, 2, 2,
		func(v *bbvi.SVI) bool { return v.Steps() == 1100 })
	if st.Decays == 0 {
		t.Fatalf("no decay recorded by step 1100: %+v", st)
	}
	if !reflect.DeepEqual(got2.Continuous.UMean, want.Continuous.UMean) || got2.Reason != want.Reason || !reflect.DeepEqual(got2.Trace, want.Trace) {
		t.Errorf("resumed fit differs: %v %q vs %v %q", got2.Continuous.UMean, got2.Reason, want.Continuous.UMean, want.Reason)
	}
}
