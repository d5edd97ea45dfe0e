package bbvi

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/graph"
)

// binaryModel is p(z) ∝ exp(Σ_j a_j z_j + Σ_{j<k} c_jk z_j z_k) over z ∈ {0,1}³.
var (
	binA = []float64{0.5, -1, 1.5}
	binC = []float64{0, 0.8, -0.6, 0, 0, 1.2, 0, 0, 0} // strictly upper
)

func binaryLogP(z []float64) float64 {
	s := 0.0
	for j := range z {
		s += binA[j] * z[j]
		for k := j + 1; k < len(z); k++ {
			s += binC[j*3+k] * z[j] * z[k]
		}
	}
	return s
}

func binaryModel() Model {
	return FuncModel{
		Vars: []Latent{{Name: "z", Size: 3, Support: Binary()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			zz := z["z"]
			lin := b.Sum(b.Mul(zz, b.Constant("a", binA, 3)), 1)
			quad := b.Sum(b.Mul(b.MatMul(zz, b.Constant("c", binC, 3, 3)), zz), 1)
			return b.Add(lin, quad)
		},
	}
}

// binaryELBO enumerates the ELBO of q = Π Bernoulli(sigmoid(l_j)).
func binaryELBO(l []float64) float64 {
	var elbo float64
	for m := 0; m < 8; m++ {
		z := []float64{float64(m & 1), float64(m >> 1 & 1), float64(m >> 2 & 1)}
		lq := 0.0
		for j, v := range z {
			p := sigmoid(l[j])
			if v == 1 {
				lq += math.Log(p)
			} else {
				lq += math.Log(1 - p)
			}
		}
		elbo += math.Exp(lq) * (binaryLogP(z) - lq)
	}
	return elbo
}

// catModel is p(z) ∝ exp(Σ_jk A_jk z_jk + z_0ᵀ W z_1) over two 3-way categorical
// components.
var (
	catA = []float64{0.3, -0.5, 1, 1.2, 0, -0.4}
	catW = []float64{1, -1, 0, 0.5, 0, 0.7, -0.3, 0.2, 0}
)

func catModel() Model {
	return FuncModel{
		Vars: []Latent{{Name: "c", Size: 2, Support: Categorical(3)}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			zz := z["c"] // (S, 2, 3)
			s := zz.Shape()[0]
			flat := b.Reshape(zz, s, 6)
			lin := b.Sum(b.Mul(flat, b.Constant("A", catA, 6)), 1)
			z0, z1 := b.Cols(flat, 0, 3), b.Cols(flat, 3, 6)
			return b.Add(lin, b.Sum(b.Mul(b.MatMul(z0, b.Constant("W", catW, 3, 3)), z1), 1))
		},
	}
}

func catELBO(l []float64) float64 {
	logp := func(l []float64) [2][3]float64 {
		var out [2][3]float64
		for j := 0; j < 2; j++ {
			lse := math.Log(math.Exp(l[3*j]) + math.Exp(l[3*j+1]) + math.Exp(l[3*j+2]))
			for k := 0; k < 3; k++ {
				out[j][k] = l[3*j+k] - lse
			}
		}
		return out
	}(l)
	var elbo float64
	for a := 0; a < 3; a++ {
		for c := 0; c < 3; c++ {
			lq := logp[0][a] + logp[1][c]
			lp := catA[a] + catA[3+c] + catW[a*3+c]
			elbo += math.Exp(lq) * (lp - lq)
		}
	}
	return elbo
}

// TestDiscreteUnbiased checks every score-function estimator on a binary and a
// categorical latent against the exact ELBO gradient by enumeration.
func TestDiscreteUnbiased(t *testing.T) {
	const S, reps = 4, 2000
	cases := []struct {
		name  string
		model Model
		init  []float64
		elbo  func([]float64) float64
	}{
		{"binary", binaryModel(), []float64{0.3, -0.2, 0.8}, binaryELBO},
		{"categorical", catModel(), []float64{0.2, 0, -0.5, 0.4, 0.1, -0.2}, catELBO},
	}
	for _, c := range cases {
		want := centralDiff(c.elbo, c.init)
		for k, est := range append(append([]Estimator{}, scoreEstimators...), ScoreFunction{Pathwise: true, Control: Optimal{}}) {
			gs := newGradSampler(t, c.model, nil, Settings{Estimator: est, Draws: S}, [][]float64{c.init}, uint64(30+k))
			checkUnbiased(t, c.name+"/"+est.Name(), gs, reps, want)
			gs.close()
		}
	}
}

// mixedToy is a model with a continuous global and binary local latents:
//
//	β ~ N(0, 1),   z_i ~ Bernoulli(ρ),   x_i | β, z_i ~ N(β + c z_i, 1),
//
// whose ELBO under q = N(m, s²) Π Bernoulli(π_i) is in closed form.
type mixedToy struct {
	x      []float64
	rho, c float64
}

func newMixedToy(n int, seed uint64) mixedToy {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := mixedToy{rho: 0.3, c: 2.5, x: make([]float64, n)}
	for i := range m.x {
		m.x[i] = 0.7 + rng.NormFloat64()
		if rng.Float64() < m.rho {
			m.x[i] += m.c
		}
	}
	return m
}

func (m mixedToy) model() FuncModel {
	n := len(m.x)
	lr, l1r := math.Log(m.rho), math.Log(1-m.rho)
	return FuncModel{
		Vars: []Latent{{Name: "beta"}, {Name: "z", Support: Binary(), Local: true}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["beta"], b.Scalar(0), b.Scalar(1)), 1)
		},
		Points: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			zz := z["z"]                                                     // (S, N)
			loc := b.Add(z["beta"], b.Scale(zz, m.c))                        // (S,1) + (S,N)
			ll := b.NormalLogProb(b.Reshape(x["x"], 1, n), loc, b.Scalar(1)) // (S, N)
			return b.Add(ll, b.Shift(b.Scale(zz, lr-l1r), l1r))
		},
	}
}

func (m mixedToy) data() Data { return Data{{Name: "x", Values: m.x}} }

// elbo is the closed-form ELBO at (μ, ω, logits...).
func (m mixedToy) elbo(p []float64) float64 {
	mu, om, l := p[0], p[1], p[2:]
	s2 := math.Exp(2 * om)
	e := -0.5*(mu*mu+s2) - halfLog2Pi + om + 0.5 + halfLog2Pi
	for i, x := range m.x {
		pi := sigmoid(l[i])
		r := x - mu - m.c*pi
		e += -0.5*(r*r+s2+m.c*m.c*pi*(1-pi)) - halfLog2Pi
		e += pi*math.Log(m.rho) + (1-pi)*math.Log(1-m.rho)
		if pi > 0 && pi < 1 {
			e -= pi*math.Log(pi) + (1-pi)*math.Log(1-pi)
		}
	}
	return e
}

// cavi returns the optimum of the ELBO over the mean-field family by coordinate
// ascent: (μ, ω, π...).
func (m mixedToy) cavi() (mu, om float64, pi []float64) {
	n := len(m.x)
	pi = make([]float64, n)
	for i := range pi {
		pi[i] = 0.5
	}
	s2 := 1 / (1 + float64(n))
	logit := math.Log(m.rho / (1 - m.rho))
	for it := 0; it < 1000; it++ {
		var s float64
		for i, x := range m.x {
			s += x - m.c*pi[i]
		}
		mu = s2 * s
		for i, x := range m.x {
			pi[i] = sigmoid(logit + m.c*(x-mu) - m.c*m.c/2)
		}
	}
	return mu, 0.5 * math.Log(s2), pi
}

// TestMixedUnbiased checks the mixed (pathwise + score) and all-score
// estimators, with and without Rao-Blackwellization, on the mixed toy model
// against the exact gradient of its closed-form ELBO.
func TestMixedUnbiased(t *testing.T) {
	const n, S, reps = 6, 4, 2000
	toy := newMixedToy(n, 3)
	init := []float64{0.4, -0.5, 0.3, -0.4, 1, 0, -1.2, 0.6}
	want := centralDiff(toy.elbo, init)
	ests := []Estimator{
		ScoreFunction{Pathwise: true},
		ScoreFunction{Pathwise: true, Control: LeaveOneOut{}},
		ScoreFunction{Pathwise: true, RaoBlackwell: true},
		ScoreFunction{Pathwise: true, RaoBlackwell: true, Control: LeaveOneOut{}},
		ScoreFunction{Pathwise: true, RaoBlackwell: true, Control: DecayingBaseline{}},
		ScoreFunction{Pathwise: true, RaoBlackwell: true, Control: Optimal{}},
		ScoreFunction{RaoBlackwell: true, Control: Optimal{}},
		ScoreFunction{Control: LeaveOneOut{}},
	}
	for k, est := range ests {
		gs := newGradSampler(t, toy.model(), toy.data(), Settings{Estimator: est, Draws: S},
			[][]float64{init[:1], init[1:2], init[2:]}, uint64(50+k))
		checkUnbiased(t, "mixed toy/"+est.Name(), gs, reps, want)
		gs.close()
	}
}

// TestRaoBlackwellVariance checks that Rao-Blackwellizing the local latents
// lowers the variance of every logit's gradient estimate.
func TestRaoBlackwellVariance(t *testing.T) {
	const n, S = 12, 4
	toy := newMixedToy(n, 4)
	init := [][]float64{{0.5}, {-1}, nil}
	variance := func(est Estimator) []float64 {
		gs := newGradSampler(t, toy.model(), toy.data(), Settings{Estimator: est, Draws: S}, init, 77)
		defer gs.close()
		_, _, v := gs.moments(t, 2000)
		return v[2:]
	}
	plain := variance(ScoreFunction{Pathwise: true, Control: LeaveOneOut{}})
	rb := variance(ScoreFunction{Pathwise: true, RaoBlackwell: true, Control: LeaveOneOut{}})
	for i := range rb {
		if !(rb[i] < plain[i]) {
			t.Errorf("logit %d: variance %.4g with Rao-Blackwellization, %.4g without", i, rb[i], plain[i])
		}
	}
}

// TestFitMixed fits the mixed toy model with the default mixed estimator and
// compares q with the mean-field optimum found by coordinate ascent.
func TestFitMixed(t *testing.T) {
	toy := newMixedToy(30, 5)
	mu, om, pi := toy.cavi()
	post, err := FitMixed(toy.model(), toy.data(), nil, rand.New(rand.NewPCG(6, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if post.Estimator != "mixed-rb-loo" {
		t.Errorf("estimator %q", post.Estimator)
	}
	if m, s := post.Continuous.Mean()[0], post.Continuous.SD()[0]; math.Abs(m-mu) > 0.02 || math.Abs(s/math.Exp(om)-1) > 0.05 {
		t.Errorf("beta: mean %.4f sd %.4f, optimum %.4f %.4f", m, s, mu, math.Exp(om))
	}
	got := post.Probs["z"]
	if len(got) != len(pi) {
		t.Fatalf("%d probabilities for %d rows", len(got), len(pi))
	}
	for i := range pi {
		if math.Abs(got[i]-pi[i]) > 0.03 {
			t.Errorf("P(z_%d = 1) = %.4f, optimum %.4f", i, got[i], pi[i])
		}
	}
	if e, want := post.ELBO(), toy.elbo(append([]float64{mu, om}, logits(pi)...)); math.Abs(e-want) > 0.2 {
		t.Errorf("ELBO %.4f, optimum %.4f", e, want)
	}
}

func logits(p []float64) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.Log(v / (1 - v))
	}
	return out
}

// TestDiscreteFamilies checks the Bernoulli and categorical entropies, log
// probabilities and reported probabilities against enumeration.
func TestDiscreteFamilies(t *testing.T) {
	b := graph.NewBuilder(graph.Float64)
	bl := []float64{-1, 0.5}
	cl := []float64{0.2, -1, 1.5}
	bern, err := buildDiscreteFamily(b, BernoulliFamily{}, "b", 2, bl)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := buildDiscreteFamily(b, CategoricalFamily{K: 3}, "c", 1, cl)
	if err != nil {
		t.Fatal(err)
	}
	hb, hc := bern.Entropy(b), cat.Entropy(b)
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	var want float64
	for j, p := range bern.Probs() {
		if q := sigmoid(bl[j]); math.Abs(p-q) > 1e-15 {
			t.Errorf("bernoulli prob %d = %g, want %g", j, p, q)
		}
		want -= p*math.Log(p) + (1-p)*math.Log(1-p)
	}
	if got := graph.Scalar64(hb); math.Abs(got-want) > 1e-12 {
		t.Errorf("bernoulli entropy %g, want %g", got, want)
	}
	want = 0
	var sum float64
	for _, p := range cat.Probs() {
		want -= p * math.Log(p)
		sum += p
	}
	if got := graph.Scalar64(hc); math.Abs(got-want) > 1e-12 || math.Abs(sum-1) > 1e-12 {
		t.Errorf("categorical entropy %g, want %g (probabilities sum to %g)", got, want, sum)
	}
	if _, err := buildDiscreteFamily(b, (CategoricalFamily{K: 1}), "x", 1, nil); err == nil {
		t.Error("one category accepted")
	}
	if _, err := buildDiscreteFamily(b, BernoulliFamily{}, "x", 2, []float64{1}); err == nil {
		t.Error("wrong number of logits accepted")
	}
}

func TestDiscreteErrors(t *testing.T) {
	toy := newMixedToy(5, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"Fit with discrete latents", func() error { _, err := Fit(toy.model(), toy.data(), nil, rng); return err }, "FitMixed"},
		{"reparam", func() error {
			_, err := FitMixed(toy.model(), toy.data(), &Settings{Estimator: Reparam{}}, rng)
			return err
		}, "reparameterization"},
		{"minibatch", func() error {
			_, err := FitMixed(toy.model(), toy.data(), &Settings{BatchSize: 2}, rng)
			return err
		}, "minibatches"},
		{"local continuous with the score function", func() error {
			m := toy.model()
			m.Vars = []Latent{{Name: "beta", Local: true}}
			_, err := FitMixed(m, toy.data(), &Settings{Estimator: ScoreFunction{}}, rng)
			return err
		}, "does not draw them"},
		{"bad init logits", func() error {
			_, err := FitMixed(toy.model(), toy.data(), &Settings{InitLogits: map[string][]float64{"beta": {1}}}, rng)
			return err
		}, "not a discrete latent"},
		{"categorical K", func() error {
			m := FuncModel{Vars: []Latent{{Name: "c", Support: Categorical(1)}}, Prior: catModel().(FuncModel).Prior}
			_, err := FitMixed(m, nil, nil, rng)
			return err
		}, "categories"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
		if errors.Is(err, ErrNonFinite) {
			t.Errorf("%s: non-finite error", c.name)
		}
	}
}

// buildDiscreteFamily builds a discrete family for a latent called name with n
// components.
func buildDiscreteFamily(b *graph.Builder, f Family, name string, n int, logits []float64) (DiscreteApprox, error) {
	q, err := f.Build(b, Block{Name: "q." + name, Size: n, Init: logits})
	if err != nil {
		return nil, err
	}
	return q.(DiscreteApprox), nil
}
