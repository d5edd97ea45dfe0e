package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStopGradient checks that StopGradient passes values and blocks
// gradients: d/dp Σ sg(p)·p² = p², not 3p², and d/dp Σ sg(p²)·p = p².
func TestStopGradient(t *testing.T) {
	for _, dt := range []Dtype{Float64, Float32} {
		init := []float64{0.5, -1.5, 2}
		b := NewBuilder(dt)
		p := b.Param("p", init, 3)
		sq := b.Square(p)
		c1 := b.Sum(b.Mul(b.StopGradient(p), sq))
		c2 := b.Sum(b.Mul(b.StopGradient(sq), p))
		cost := b.Add(c1, b.Scale(c2, 10))
		g := b.Grad(cost, p)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		got := Values(g[0])
		var want float64
		for i, v := range init {
			// c1 = Σ p³ has gradient 2p·p through p² only; c2 = Σ p³ has gradient p² through p only.
			w := 2*v*v + 10*v*v
			if math.Abs(got[i]-w) > 1e-5*(1+math.Abs(w)) {
				t.Errorf("%v: gradient[%d] = %g, want %g", dt, i, got[i], w)
			}
			want += 11 * v * v * v
		}
		if v := Scalar64(cost); math.Abs(v-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("%v: cost %g, want %g", dt, v, want)
		}
		m.Close()
	}

	// A cost that reaches the parameter only through StopGradient has no gradient.
	b := NewBuilder(Float64)
	p := b.Param("p", []float64{1, 2}, 2)
	q := b.Param("q", []float64{1, 2}, 2)
	cost := b.Sum(b.Add(b.StopGradient(p), q))
	if b.Grad(cost, p); b.Err() == nil {
		t.Error("Grad through StopGradient only: no error")
	}
}

// TestTap checks that a Tap records an intermediate value that later ops of the
// same shape would overwrite in a reused register.
func TestTap(t *testing.T) {
	b := NewBuilder(Float64)
	x := b.Input("x", 4)
	y := b.Exp(x)
	tap := b.Tap(y)
	z := b.Sum(b.Exp(b.Neg(b.Exp(b.Neg(y)))))
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if tap.Values() != nil {
		t.Error("Values before a run is not nil")
	}
	for run, xs := range [][]float64{{0, 1, -1, 2}, {3, -2, 0.5, 0}} {
		if err := Set(x, xs); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		var want float64
		for i, v := range tap.Values() {
			if e := math.Exp(xs[i]); v != e {
				t.Errorf("run %d: tap[%d] = %g, want %g", run, i, v, e)
			}
			want += math.Exp(-math.Exp(-math.Exp(xs[i])))
		}
		if math.Abs(Scalar64(z)-want) > 1e-12 {
			t.Errorf("run %d: z = %g, want %g", run, Scalar64(z), want)
		}
	}
}

// TestDiscreteSamples checks the frequencies of BernoulliSample and
// CategoricalSample against sigmoid and softmax of the logits, within four
// binomial standard errors, and that no gradient flows through them.
func TestDiscreteSamples(t *testing.T) {
	const n = 20000
	rng := rand.New(rand.NewPCG(5, 6))
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		bl := []float64{-2, 0, 0.7}
		cl := []float64{1, 0, -1, 0.5, 2, 2}
		bern := b.Param("bl", bl, 3)
		cat := b.Param("cl", cl, 2, 3)
		bn := b.Input("bn", n, 3)
		cn := b.Input("cn", n, 2, 3)
		zb := b.BernoulliSample(bern, bn)
		zc := b.CategoricalSample(cat, cn)
		// log q of the draws: differentiable in the logits although the draws are not.
		lq := b.Add(b.Sum(b.BernoulliLogitsLogProb(zb, bern)), b.Sum(b.CategoricalLogitsLogProb(zc, cat)))
		g := b.Grad(lq, bern, cat)
		fb, fc := b.Tap(b.Mean(zb, 0)), b.Tap(b.Mean(zc, 0))
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		noise := make([]float64, n*6)
		LogisticNoise(noise[:n*3], rng.Float64)
		if err := Set(bn, noise[:n*3]); err != nil {
			t.Fatal(err)
		}
		GumbelNoise(noise, rng.Float64)
		if err := Set(cn, noise); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		check := func(what string, got, p float64) {
			se := math.Sqrt(p * (1 - p) / n)
			if math.Abs(got-p) > 4*se {
				t.Errorf("%v %s: frequency %.4f, probability %.4f ± %.4f", dt, what, got, p, se)
			}
		}
		for j, l := range bl {
			check("bernoulli", fb.Values()[j], 1/(1+math.Exp(-l)))
		}
		for r := 0; r < 2; r++ {
			row := cl[3*r : 3*r+3]
			var z float64
			for _, l := range row {
				z += math.Exp(l)
			}
			for k, l := range row {
				check("categorical", fc.Values()[3*r+k], math.Exp(l)/z)
			}
		}
		// The score Σ_s (z_s - p) averages to 0: here it is n·(frequency - p).
		gb := Values(g[0])
		for j, l := range bl {
			want := n * (fb.Values()[j] - 1/(1+math.Exp(-l)))
			if math.Abs(gb[j]-want) > 1e-3*(1+math.Abs(want)) {
				t.Errorf("%v: bernoulli score[%d] = %g, want %g", dt, j, gb[j], want)
			}
		}
		m.Close()
	}
}

func TestNoiseFinite(t *testing.T) {
	zeros := 0
	u := func() float64 { // returns 0 twice, then 0.5
		zeros++
		if zeros <= 2 {
			return 0
		}
		return 0.5
	}
	dst := make([]float64, 1)
	LogisticNoise(dst, u)
	if dst[0] != 0 {
		t.Errorf("logistic noise at u = 1/2 is %g, want 0", dst[0])
	}
	zeros = 0
	GumbelNoise(dst, u)
	if want := -math.Log(math.Ln2); math.Abs(dst[0]-want) > 1e-15 {
		t.Errorf("gumbel noise at u = 1/2 is %g, want %g", dst[0], want)
	}
}
