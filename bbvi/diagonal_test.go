package bbvi

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/graph"
)

// diagModel is a model with a real, a positive and an interval latent, so
// that the posterior's summaries go through the exact and the quadrature
// paths, and a likelihood that reads one data array.
func diagModel() (FuncModel, Data) {
	m := FuncModel{
		Vars: []Latent{{Name: "a", Size: 2}, {Name: "s", Support: Positive()}, {Name: "p", Support: Interval(0, 1)}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Add(b.Sum(b.NormalLogProb(z["a"], b.Scalar(0), b.Scalar(1)), 1),
				b.Add(b.Sum(b.NormalLogProb(z["s"], b.Scalar(1), b.Scalar(1)), 1), b.Sum(b.NormalLogProb(z["p"], b.Scalar(0.5), b.Scalar(1)), 1)))
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			a0 := b.Col(z["a"], 0)                       // (S, 1)
			y := b.Reshape(x["y"], x["y"].Shape()[0], 1) // (B, 1)
			return b.Sum(b.NormalLogProb(y, b.Reshape(a0, 1, a0.Shape()[0]), b.Scalar(1)), 0)
		},
	}
	return m, Data{{Name: "y", Values: []float64{0.3, -0.2, 1.1, 0.4}}}
}

// TestDiagonalPosteriorSameNumbers: a mean-field fit's posterior, built from
// MeanSD without any dim×dim matrix, gives bit for bit the numbers of the
// posterior built from MeanScale's dim×dim factor, preconditioner included,
// and the Converger's summaries are the same too.
func TestDiagonalPosteriorSameNumbers(t *testing.T) {
	m, data := diagModel()
	set := (&Settings{Family: MeanField{}}).withDefaults()
	f, err := newFitter(m, data, set, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.m.Close()
	for i := 1; i <= 30; i++ {
		if err := f.step(i); err != nil {
			t.Fatal(err)
		}
	}
	f.set.pre = newPrecond([]float64{0.5, -1, 0.2, 0.1}, []float64{2, 0.5, 1.5, 3})
	q := f.approx.(Diagonal)

	mp, err := f.posterior(set, nil, 30)
	if err != nil {
		t.Fatal(err)
	}
	got := mp.Continuous
	mu, l := q.MeanScale()
	mu, l = f.set.pre.gaussian(mu, l)
	want, err := newPosterior(f.cont, mu, l)
	if err != nil {
		t.Fatal(err)
	}
	if got.diag == nil || got.chol != nil || len(got.UVar) != got.Dim() {
		t.Errorf("the diagonal posterior holds sds %v, chol %v, %d variances", got.diag, got.chol, len(got.UVar))
	}
	same := func(what string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: diagonal %v, full %v", what, a, b)
		}
	}
	same("UMean", got.UMean, want.UMean)
	same("UVar", got.UVar, want.UVar)
	same("UCov", got.UCov, want.UCov) // filled up to DenseDiagonalDim
	same("Mean", got.Mean(), want.Mean())
	same("SD", got.SD(), want.SD())
	same("Cov", got.Cov(), want.Cov())
	for _, p := range []float64{0.05, 0.5, 0.95} {
		same("Quantile", got.Quantile(p), want.Quantile(p))
	}
	same("Sample", got.Sample(nil, 50, rand.New(rand.NewPCG(3, 4))), want.Sample(nil, 50, rand.New(rand.NewPCG(3, 4))))
	for j := range want.UVar {
		same("UCov diagonal", want.UCov[j*want.Dim()+j], got.UVar[j])
	}

	// The Converger's summary: MeanSD against MeanScale's rows.
	sum := f.summary(nil)
	mu, l = q.MeanScale()
	d := len(mu)
	ref := append([]float64(nil), mu...)
	for j := 0; j < d; j++ {
		var v float64
		for _, x := range l[j*d : (j+1)*d] {
			v += x * x
		}
		ref = append(ref, 0.5*math.Log(v))
	}
	same("summary", sum, ref)
}

// TestMeanFieldManyLatents: a mean-field fit of 50,000 latents needs no
// dim×dim memory (2.5·10⁹ values, 20 GB, if it did): its posterior and
// summaries take memory in proportion to dim.
func TestMeanFieldManyLatents(t *testing.T) {
	const d = 50000
	m := FuncModel{
		Vars: []Latent{{Name: "w", Size: d}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["w"], b.Scalar(0), b.Scalar(1)), 1)
		},
	}
	post, err := Fit(m, nil, &Settings{MaxSteps: 3, Start: "default", DiagnosticDraws: -1, Draws: 2}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if post.UCov != nil || len(post.UVar) != d || len(post.SD()) != d || len(post.Quantile(0.5)) != d || len(post.Sample(nil, 2, rand.New(rand.NewPCG(2, 2)))) != 2*d {
		t.Errorf("posterior of %d latents: UCov %d values, UVar %d", d, len(post.UCov), len(post.UVar))
	}
}

// TestFuncModelNeedsData: a FuncModel with a likelihood and no data is an
// error, not a fit of the prior.
func TestFuncModelNeedsData(t *testing.T) {
	m, data := diagModel()
	for _, d := range []Data{nil, {}} {
		_, err := Fit(m, d, nil, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), "likelihood but no data") {
			t.Errorf("Fit with Data %v: %v", d, err)
		}
		_, err = NewSVI(&m, d, nil, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), "likelihood but no data") {
			t.Errorf("NewSVI(*FuncModel) with Data %v: %v", d, err)
		}
	}
	pm := m
	pm.Likelihood = nil
	pm.Points = func(b *graph.Builder, z Vars, x Vars) *graph.Node { return nil }
	if _, err := Fit(pm, nil, nil, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "likelihood but no data") {
		t.Errorf("Fit of a Points model without data: %v", err)
	}
	prior := m
	prior.Likelihood = nil
	if _, err := Fit(prior, nil, &Settings{MaxSteps: 5}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Errorf("a prior-only FuncModel without data: %v", err)
	}
	if _, err := Fit(m, data, &Settings{MaxSteps: 5}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Errorf("with its data: %v", err)
	}
}
