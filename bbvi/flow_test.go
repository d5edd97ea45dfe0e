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

