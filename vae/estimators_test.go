package vae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// gradStats collects gradient estimates, flattened, and their moments.
type gradStats struct {
	names      []string // one per flattened entry
	sum, sumsq []float64
	n          int
}

func newGradStats(m *Model) *gradStats {
	g := &gradStats{}
	for i, name := range m.ParamNames() {
		for j := range m.Weights[i] {
			g.names = append(g.names, fmt.Sprintf("%s[%d]", name, j))
		}
	}
	g.sum = make([]float64, len(g.names))
	g.sumsq = make([]float64, len(g.names))
	return g
}

func (g *gradStats) add(grad [][]float64) {
	k := 0
	for _, w := range grad {
		for _, v := range w {
			g.sum[k] += v
			g.sumsq[k] += v * v
			k++
		}
	}
	g.n++
}

func (g *gradStats) mean(k int) float64 { return g.sum[k] / float64(g.n) }

// variance is the sample variance of entry k.
func (g *gradStats) variance(k int) float64 {
	n := float64(g.n)
	m := g.mean(k)
	return math.Max(g.sumsq[k]-n*m*m, 0) / (n - 1)
}

func (g *gradStats) se(k int) float64 { return math.Sqrt(g.variance(k) / float64(g.n)) }

// totalVariance sums the variances of the entries whose names have a prefix.
func (g *gradStats) totalVariance(prefix string) float64 {
	var v float64
	for k, name := range g.names {
		if strings.HasPrefix(name, prefix) {
			v += g.variance(k)
		}
	}
	return v
}

// sampleGradients draws n gradient estimates from a trainer of m with the
// given settings on the images idx, after burn estimates that are dropped.
func sampleGradients(t *testing.T, m *Model, set TrainSettings, data *datasets.ImageSet, idx []int, burn, n int, seed uint64) *gradStats {
	t.Helper()
	tr, err := NewTrainer(m.Clone(), set, rand.NewPCG(seed, 77))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	g := newGradStats(m)
	for r := 0; r < burn+n; r++ {
		grad, err := tr.Gradient(data, idx)
		if err != nil {
			t.Fatal(err)
		}
		if r >= burn {
			g.add(grad)
		}
	}
	return g
}

// sameMeans checks that two estimators' means agree entry by entry within
// 4.5 combined standard errors.
func sameMeans(t *testing.T, what string, a, b *gradStats) {
	t.Helper()
	bad := 0
	for k, name := range a.names {
		d := a.mean(k) - b.mean(k)
		tol := 4.5*math.Hypot(a.se(k), b.se(k)) + 1e-12
		if math.Abs(d) > tol {
			bad++
			if bad <= 5 {
				t.Errorf("%s: %s: means %.6g and %.6g differ by %.3g (tolerance %.3g)", what, name, a.mean(k), b.mean(k), d, tol)
			}
		}
	}
}

// optimalModel returns a tiny float64 model whose decoder ignores z and whose
// encoder outputs q(z|x) = N(0, I): the posterior p(z|x) is the prior, and q
// is exactly it.
func optimalModel(t *testing.T) *Model {
	m := newModel(t, tinyConfig(Gaussian), 21)
	for i, name := range m.ParamNames() {
		switch name {
		case "enc.mu.W", "enc.mu.b", "enc.logvar.W", "enc.logvar.b", "dec.0.W":
			clear(m.Weights[i])
		}
	}
	return m
}

// TestSTLAndDReGUnbiased: at weights where q is far from the posterior, the
// sticking-the-landing gradient of the ELBO has the mean of the standard
// reparameterized gradient, and so does DReG for the IWAE bound, entry by
// entry within Monte Carlo error.
func TestSTLAndDReGUnbiased(t *testing.T) {
	m := newModel(t, tinyConfig(Gaussian), 22)
	data := syntheticImages(4, 2, 3, 5)
	idx := []int{0, 1, 2}
	const R = 3000
	for _, c := range []struct {
		obj      Objective
		est      Estimator
		k        int
		warmup   int
		describe string
	}{
		{ELBOMC, STL, 2, 0, "stl vs reparam, elbo-mc"},
		{IWAE, DReG, 5, 0, "dreg vs reparam, iwae"},
	} {
		base := TrainSettings{Batch: 3, Objective: c.obj, K: c.k}
		std := sampleGradients(t, m, base, data, idx, 0, R, 1)
		base.Estimator = c.est
		alt := sampleGradients(t, m, base, data, idx, 0, R, 2)
		sameMeans(t, c.describe, alt, std)
	}
}

// TestSTLAndDReGAtOptimum: when q(z|x) is the exact posterior, the encoder's
// gradient is zero on every draw under STL and DReG (their variance
// vanishes, as Roeder et al. and Tucker et al. show), while the standard
// reparameterized estimators keep the noise of the score term.
func TestSTLAndDReGAtOptimum(t *testing.T) {
	m := optimalModel(t)
	data := syntheticImages(4, 2, 3, 6)
	idx := []int{0, 1, 2, 3}
	for _, c := range []struct {
		obj Objective
		est Estimator
		k   int
	}{{ELBOMC, STL, 1}, {ELBOMC, STL, 4}, {IWAE, DReG, 8}} {
		set := TrainSettings{Batch: 4, Objective: c.obj, K: c.k}
		std := sampleGradients(t, m, set, data, idx, 0, 200, 3)
		set.Estimator = c.est
		alt := sampleGradients(t, m, set, data, idx, 0, 200, 4)
		vs, va := std.totalVariance("enc."), alt.totalVariance("enc.")
		t.Logf("%s K=%d: encoder gradient variance: reparam %.4g, %s %.4g", c.obj, c.k, vs, c.est, va)
		if !(vs > 1e-3) {
			t.Errorf("%s: the standard estimator's encoder variance %.3g is not positive: the test proves nothing", c.obj, vs)
		}
		if va > 1e-20 {
			t.Errorf("%s/%s: encoder gradient variance %.3g at the optimum, want 0", c.obj, c.est, va)
		}
		for k, name := range alt.names {
			if strings.HasPrefix(name, "enc.") && alt.mean(k) != 0 && math.Abs(alt.mean(k)) > 1e-12 {
				t.Fatalf("%s/%s: %s mean gradient %g at the optimum, want 0", c.obj, c.est, name, alt.mean(k))
			}
		}
	}
}

// bernoulliConfig is a tiny Bernoulli-latent VAE for exact tests (2^4 codes).
func bernoulliConfig() Config {
	return Config{Input: 16, Hidden: []int{8}, Latent: 4, Activation: graph.ActTanh, Float64: true, Latents: BernoulliLatent}
}

// TestExactGradientFiniteDifferences: the enumerated ELBO's gradient
// matches central differences of the enumerated ELBO.
func TestExactGradientFiniteDifferences(t *testing.T) {
	m := newModel(t, bernoulliConfig(), 31)
	data := syntheticImages(5, 4, 4, 2)
	idx := []int{0, 2, 4}
	grad, elbo, err := ExactGradient(m, data, idx, datasets.StaticBinary)
	if err != nil {
		t.Fatal(err)
	}
	if !(elbo < 0) {
		t.Fatalf("ELBO %g", elbo)
	}
	f := func() float64 {
		_, e, err := ExactGradient(m, data, idx, datasets.StaticBinary)
		if err != nil {
			t.Fatal(err)
		}
		return e * float64(len(idx))
	}
	const h = 1e-6
	checked := 0
	for i, w := range m.Weights {
		for j := 0; j < len(w); j += 1 + len(w)/5 {
			old := w[j]
			w[j] = old + h
			up := f()
			w[j] = old - h
			down := f()
			w[j] = old
			fd := (up - down) / (2 * h)
			if math.Abs(fd-grad[i][j]) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("%s[%d]: exact gradient %.8g, finite difference %.8g", m.ParamNames()[i], j, grad[i][j], fd)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Fatalf("only %d entries checked", checked)
	}
	// The Monte Carlo bound of the same model agrees with the enumeration.
	sub := &datasets.ImageSet{N: 3, Rows: 4, Cols: 4, Pixels: append(append(append([]uint8(nil), data.Image(0)...), data.Image(2)...), data.Image(4)...)}
	var s, s2 float64
	const R = 400
	rng := rand.New(rand.NewPCG(5, 5))
	for r := 0; r < R; r++ {
		b, err := Bound(m, sub, EvalSettings{Targets: datasets.StaticBinary, K: 16}, rng)
		if err != nil {
			t.Fatal(err)
		}
		s += b
		s2 += b * b
	}
	mc := s / R
	se := math.Sqrt((s2/R - mc*mc) / R)
	if math.Abs(mc-elbo) > 4*se {
		t.Errorf("Monte Carlo ELBO %.5f ± %.5f, enumerated %.5f", mc, se, elbo)
	}
}

// TestScoreAndNVIL: the plain score function and NVIL are unbiased
// estimators of the exact (enumerated) ELBO gradient, and NVIL's learned,
// input-dependent baseline cuts the variance of the encoder's gradient by
// more than half.
func TestScoreAndNVIL(t *testing.T) {
	m := newModel(t, bernoulliConfig(), 32)
	data := syntheticImages(8, 4, 4, 3)
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7}
	exact, _, err := ExactGradient(m, data, idx, datasets.StaticBinary)
	if err != nil {
		t.Fatal(err)
	}
	ref := newGradStats(m)
	ref.add(exact)
	set := TrainSettings{Batch: 8, Targets: datasets.StaticBinary, LR: 3e-3}
	set.Estimator = Score
	score := sampleGradients(t, m, set, data, idx, 0, 3000, 7)
	set.Estimator = NVIL
	nvil := sampleGradients(t, m, set, data, idx, 1500, 3000, 8)
	for _, g := range []struct {
		name string
		s    *gradStats
	}{{"score", score}, {"nvil", nvil}} {
		bad := 0
		for k, name := range g.s.names {
			if d := g.s.mean(k) - ref.mean(k); math.Abs(d) > 4.5*g.s.se(k)+1e-9 {
				bad++
				if bad <= 5 {
					t.Errorf("%s: %s: mean %.6g, exact %.6g (%.1f standard errors)", g.name, name, g.s.mean(k), ref.mean(k), d/g.s.se(k))
				}
			}
		}
	}
	vs, vn := score.totalVariance("enc."), nvil.totalVariance("enc.")
	t.Logf("encoder gradient variance: score %.4g, nvil %.4g (%.1f× lower)", vs, vn, vs/vn)
	if !(vn < vs/2) {
		t.Errorf("NVIL's encoder gradient variance %.4g is not below half the score function's %.4g", vn, vs)
	}
	// The decoder's gradient is pathwise in both: the same variance.
	if ds, dn := score.totalVariance("dec."), nvil.totalVariance("dec."); math.Abs(ds-dn) > 0.15*ds {
		t.Errorf("decoder gradient variances differ: score %.4g, nvil %.4g", ds, dn)
	}
}
