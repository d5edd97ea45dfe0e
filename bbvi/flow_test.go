package bbvi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// randomFlow builds a Flow and sets every parameter to random values, so that
// no layer is the identity.
func randomFlow(t *testing.T, b *graph.Builder, f Flow, dim int, rng *rand.Rand) *flow {
	t.Helper()
	ap, err := f.Build(b, Block{Size: dim})
	if err != nil {
		t.Fatal(err)
	}
	a := ap.(*flow)
	for _, p := range a.Params() {
		n := 1
		for _, s := range p.Shape() {
			n *= s
		}
		if err := graph.Set(p, randVec(rng, n, 0.6)); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// TestFlowFrozenMatchesGraph checks, at random parameters, that the frozen
// copy draws the same ζ with the same log q as the graph for the same noise
// (to 1e-10), that the graph's LogProb (the inverse flow) gives back Sample's
// log q at its draws, and that the frozen LogProb does too.
func TestFlowFrozenMatchesGraph(t *testing.T) {
	for _, dim := range []int{1, 2, 3, 5} {
		const S = 6
		rng := rand.New(rand.NewPCG(7, uint64(dim)))
		b := graph.NewBuilder(graph.Float64)
		a := randomFlow(t, b, Flow{Hidden: 7}, dim, rng)
		noise := b.Input("eps", a.NoiseShape(S)...)
		zeta, logq := a.Sample(b, noise)
		back := a.LogProb(b, zeta)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		eps := make([]float64, S*dim)
		a.FillNoise(eps, rand.New(rand.NewPCG(1, 1)))
		if err := graph.Set(noise, eps); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		z, lq, lb := graph.Values(zeta), graph.Values(logq), graph.Values(back)
		fz := a.Freeze().(*FrozenFlow)
		if fz.Dim() != dim {
			t.Fatalf("frozen dim %d, want %d", fz.Dim(), dim)
		}
		frng := rand.New(rand.NewPCG(1, 1))
		got := make([]float64, dim)
		for s := 0; s < S; s++ {
			flq := fz.Sample(got, frng)
			for j := range got {
				if want := z[s*dim+j]; math.Abs(got[j]-want) > 1e-10 {
					t.Errorf("dim %d draw %d,%d: frozen %.15g, graph %.15g", dim, s, j, got[j], want)
				}
			}
			if math.Abs(flq-lq[s]) > 1e-10 {
				t.Errorf("dim %d draw %d: frozen log q %.15g, graph %.15g", dim, s, flq, lq[s])
			}
			if math.Abs(lb[s]-lq[s]) > 1e-9 {
				t.Errorf("dim %d draw %d: LogProb of the draw %.15g, Sample's log q %.15g", dim, s, lb[s], lq[s])
			}
			if v := fz.LogProb(got); math.Abs(v-lq[s]) > 1e-9 {
				t.Errorf("dim %d draw %d: frozen LogProb %.15g, log q %.15g", dim, s, v, lq[s])
			}
		}
		m.Close()
	}
}

// TestFlowLogDetJacobian checks log q = log N(ε) - log|det ∂ζ/∂ε| against a
// numerical Jacobian (gonum's central differences) at random parameters.
func TestFlowLogDetJacobian(t *testing.T) {
	for _, dim := range []int{2, 3, 6} {
		rng := rand.New(rand.NewPCG(21, uint64(dim)))
		b := graph.NewBuilder(graph.Float64)
		a := randomFlow(t, b, Flow{Layers: 5, Hidden: 9}, dim, rng)
		fz := a.Freeze().(*FrozenFlow)
		for trial := 0; trial < 3; trial++ {
			eps := randVec(rng, dim, 1)
			zeta := make([]float64, dim)
			lq := fz.Transform(zeta, eps)
			var sq float64
			for _, e := range eps {
				sq += e * e
			}
			logdet := -0.5*sq - float64(dim)*halfLog2Pi - lq
			jac := mat.NewDense(dim, dim, nil)
			fd.Jacobian(jac, func(y, x []float64) { fz.Transform(y, x) }, eps, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-5})
			var lu mat.LU
			lu.Factorize(jac)
			want, sign := lu.LogDet()
			if sign <= 0 {
				t.Errorf("dim %d: det J has sign %v (the flow must preserve orientation)", dim, sign)
			}
			if math.Abs(logdet-want) > 1e-6 {
				t.Errorf("dim %d trial %d: log|det J| = %.10f, numerical %.10f", dim, trial, logdet, want)
			}
		}
	}
}

// TestFlowStartsAsMeanField checks that at the start the flow is MeanField's
// q: the same draws and log q for the same noise.
func TestFlowStartsAsMeanField(t *testing.T) {
	const dim, S = 4, 5
	blk := Block{Size: dim, Init: []float64{1, -2, 0.5, 3}, InitSD: 0.4}
	b := graph.NewBuilder(graph.Float64)
	fl, err := Flow{}.Build(b, blk)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := MeanField{}.Build(b, Block{Name: "mf", Size: dim, Init: blk.Init, InitSD: blk.InitSD})
	if err != nil {
		t.Fatal(err)
	}
	noise := b.Input("eps", S, dim)
	z1, l1 := fl.Sample(b, noise)
	z2, l2 := mf.Sample(b, noise)
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	eps := make([]float64, S*dim)
	fl.FillNoise(eps, rand.New(rand.NewPCG(3, 3)))
	if err := graph.Set(noise, eps); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]*graph.Node{{z1, z2}, {l1, l2}} {
		a, c := graph.Values(pair[0]), graph.Values(pair[1])
		for i := range a {
			if math.Abs(a[i]-c[i]) > 1e-12 {
				t.Fatalf("flow at start %v, mean-field %v", a, c)
			}
		}
	}
	if fl.Entropy(b) != nil {
		t.Error("flow reports a closed-form entropy")
	}
}

// TestFlowSettings checks the defaults, the errors and the registry.
func TestFlowSettings(t *testing.T) {
	for _, tc := range []struct {
		f                   Flow
		dim, layers, hidden int
	}{{Flow{}, 2, 4, 16}, {Flow{}, 30, 4, 60}, {Flow{}, 500, 4, 256}, {Flow{Layers: 6, Hidden: 5}, 3, 6, 5}} {
		b := graph.NewBuilder(graph.Float64)
		ap, err := tc.f.Build(b, Block{Size: tc.dim})
		if err != nil {
			t.Fatal(err)
		}
		a := ap.(*flow)
		if len(a.layers) != tc.layers || a.hidden != tc.hidden || len(a.Params()) != 2+6*tc.layers {
			t.Errorf("%+v dim %d: %d layers of width %d, want %d of %d", tc.f, tc.dim, len(a.layers), a.hidden, tc.layers, tc.hidden)
		}
	}
	for _, f := range []Flow{{Layers: -1}, {Hidden: -2}} {
		if _, err := f.Build(graph.NewBuilder(graph.Float64), Block{Size: 2}); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
	// Masks: each component is transformed by one layer of each kind.
	for _, dim := range []int{2, 3, 7} {
		for l := 0; l < 4; l += 2 {
			a, c := flowMask(l, dim), flowMask(l+1, dim)
			for j := range a {
				if a[j]+c[j] != 1 {
					t.Errorf("dim %d layers %d, %d: masks %v and %v are not complements", dim, l, l+1, a, c)
				}
			}
		}
	}
	for _, name := range []string{"flow", "realnvp"} {
		f, err := FamilyByName(name)
		if err != nil || f.Name() != "flow" {
			t.Errorf("FamilyByName(%q) = %v, %v", name, f, err)
		}
	}
}

// target2 is a two-dimensional non-Gaussian target: a model and its
// normalized log-density in Go (log p(x) = 0, so ELBO = -KL(q ‖ p)).
type target2 struct {
	name  string
	model Model
	logp  func(z []float64) float64
}

// bananaTarget is z₁ ~ N(0, 1), z₂ | z₁ ~ N(z₁² - 1, 0.5²): a curved ridge.
func bananaTarget() target2 {
	const sig = 0.5
	return target2{
		name: "banana",
		model: FuncModel{
			Vars: []Latent{{Name: "z", Size: 2}},
			Prior: func(b *graph.Builder, z Vars) *graph.Node {
				z1, z2 := b.Col(z["z"], 0), b.Col(z["z"], 1)
				lp := b.NormalLogProb(z1, b.Scalar(0), b.Scalar(1))
				return b.Add(lp, b.NormalLogProb(z2, b.Shift(b.Square(z1), -1), b.Scalar(sig)))
			},
		},
		logp: func(z []float64) float64 {
			r := (z[1] - (z[0]*z[0] - 1)) / sig
			return -0.5*z[0]*z[0] - 0.5*r*r - math.Log(sig) - 2*halfLog2Pi
		},
	}
}

// funnelTarget is Neal's funnel in two dimensions, milder: v ~ N(0, 1.5²),
// x | v ~ N(0, exp(v/2)²).
func funnelTarget() target2 {
	const sv = 1.5
	return target2{
		name: "funnel",
		model: FuncModel{
			Vars: []Latent{{Name: "z", Size: 2}},
			Prior: func(b *graph.Builder, z Vars) *graph.Node {
				v, x := b.Col(z["z"], 0), b.Col(z["z"], 1)
				lp := b.NormalLogProb(v, b.Scalar(0), b.Scalar(sv))
				return b.Add(lp, b.NormalLogProb(x, b.Scalar(0), b.Exp(b.Scale(v, 0.5))))
			},
		},
		logp: func(z []float64) float64 {
			v, x := z[0], z[1]
			r := x / math.Exp(v/2)
			return -0.5*(v/sv)*(v/sv) - math.Log(sv) - 0.5*r*r - v/2 - 2*halfLog2Pi
		},
	}
}

// elboOf estimates the ELBO of a fitted posterior (real-valued latents only)
// against logp with n independent draws: from the frozen q with its log q for
// a flow, from N(UMean, UCov) with the exact log-density for a Gaussian. It
// returns the estimate and its standard error.
func elboOf(p *Posterior, logp func([]float64) float64, n int, seed uint64) (elbo, se float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := p.Dim()
	z := make([]float64, d)
	var gn *mvNormal
	if p.Frozen() == nil {
		gn, _ = newMVNormal(p.UMean, mat.NewSymDense(d, append([]float64(nil), p.UCov...)))
	}
	var sum, sq float64
	for i := 0; i < n; i++ {
		var lq float64
		if fz := p.Frozen(); fz != nil {
			lq = fz.Sample(z, rng)
		} else {
			p.Sample(z, 1, rng)
			lq = gn.LogProb(z)
		}
		v := logp(z) - lq
		sum += v
		sq += v * v
	}
	m := sum / float64(n)
	return m, math.Sqrt(math.Max(sq/float64(n)-m*m, 0) / float64(n))
}

// testFlowBeatsGaussians fits every family to the target with the same fixed
// seed and budget and checks that the flow's ELBO (estimated from 20000 fresh
// draws) beats each Gaussian family's by more than five standard errors of
// the difference.
func testFlowBeatsGaussians(t *testing.T, tg target2) {
	const draws = 20000
	set := func(f Family) *Settings {
		// Sparse evaluations keep the test fast; the ELBO is estimated below.
		return &Settings{Family: f, MaxSteps: 1500, EvalEvery: 500, EvalDraws: 40}
	}
	flowPost, err := Fit(tg.model, nil, set(Flow{}), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ef, sef := elboOf(flowPost, tg.logp, draws, 9)
	t.Logf("%s: flow ELBO %.4f ± %.4f", tg.name, ef, sef)
	for _, fam := range []Family{MeanField{}, FullRank{}, LowRank{}} {
		post, err := Fit(tg.model, nil, set(fam), rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		e, se := elboOf(post, tg.logp, draws, 9)
		t.Logf("%s: %s ELBO %.4f ± %.4f", tg.name, fam.Name(), e, se)
		if diff := ef - e; !(diff > 5*math.Hypot(se, sef)) {
			t.Errorf("%s: flow ELBO %.4f ± %.4f does not beat %s's %.4f ± %.4f by 5 standard errors", tg.name, ef, sef, fam.Name(), e, se)
		}
	}
}

func TestFlowFitsBanana(t *testing.T) { testFlowBeatsGaussians(t, bananaTarget()) }
func TestFlowFitsFunnel(t *testing.T) { testFlowBeatsGaussians(t, funnelTarget()) }

// TestNewFamiliesFloat32 fits LowRank and Flow in a float32 graph: the fit
// runs, the posterior is finite and the ELBO improves on the start's.
func TestNewFamiliesFloat32(t *testing.T) {
	tg := bananaTarget()
	for _, fam := range []Family{LowRank{}, Flow{}} {
		post, err := Fit(tg.model, nil, &Settings{Family: fam, MaxSteps: 400, EvalEvery: 100, EvalDraws: 80, Dtype: graph.Float32, Start: "default"}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatalf("%s: %v", fam.Name(), err)
		}
		if !finite(post.UMean) || !finite(post.UCov) || post.Family != fam.Name() {
			t.Fatalf("%s: posterior %v %v (family %q)", fam.Name(), post.UMean, post.UCov, post.Family)
		}
		first, last := post.Trace[0], post.Trace[len(post.Trace)-1]
		if !(last.ELBO > first.ELBO) {
			t.Errorf("%s: ELBO went from %.3f to %.3f", fam.Name(), first.ELBO, last.ELBO)
		}
	}
}

// TestNewFamiliesScoreFunction fits LowRank and Flow with the score-function
// estimator, which evaluates log q at detached draws (LogProber): the fit
// builds, runs and improves the ELBO.
func TestNewFamiliesScoreFunction(t *testing.T) {
	tg := funnelTarget()
	for _, fam := range []Family{LowRank{}, Flow{}} {
		est, err := EstimatorByName("score-loo")
		if err != nil {
			t.Fatal(err)
		}
		post, err := Fit(tg.model, nil, &Settings{Family: fam, Estimator: est, MaxSteps: 400, EvalEvery: 100, EvalDraws: 400, InitSD: 0.1, Start: "default"}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatalf("%s: %v", fam.Name(), err)
		}
		first, last := post.Trace[0], post.Trace[len(post.Trace)-1]
		t.Logf("%s: ELBO %.3f ± %.3f at step %d, %.3f ± %.3f at the end", fam.Name(), first.ELBO, first.SE, first.Step, last.ELBO, last.SE)
		if !(last.ELBO > first.ELBO+2*math.Hypot(first.SE, last.SE)) {
			t.Errorf("%s: ELBO went from %.3f ± %.3f to %.3f ± %.3f", fam.Name(), first.ELBO, first.SE, last.ELBO, last.SE)
		}
	}
}
