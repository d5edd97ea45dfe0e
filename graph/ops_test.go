package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gradCheck builds cost = f(b, p) for a parameter p with the given shape and
// initial values, and compares the graph gradient with central differences.
func gradCheck(t *testing.T, name string, init []float64, shape []int, f func(b *Builder, p *Node) *Node) {
	t.Helper()
	b := NewBuilder(Float64)
	p := b.Param("p", init, shape...)
	cost := f(b, p)
	g := b.Grad(cost, p)
	m, err := b.Compile()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer m.Close()
	if err := m.Run(); err != nil {
		t.Fatalf("%s: run: %v", name, err)
	}
	checkFiniteDiff(t, m, cost, []*Node{p}, [][]float64{Values(g[0])}, 1e-5, name+": d/dp")
}

// checkFiniteDiff compares gradients got[k] (read after a run of m) of the
// scalar cost with respect to each float64 parameter params[k] against central
// finite differences, within tol relative to 1 + |finite difference|.
func checkFiniteDiff(t *testing.T, m *Machine, cost *Node, params []*Node, got [][]float64, tol float64, label string) {
	t.Helper()
	const h = 1e-6
	for k, p := range params {
		vals := p.n.Value().Data().([]float64)
		for i := range vals {
			old := vals[i]
			vals[i] = old + h
			if err := m.Run(); err != nil {
				t.Fatal(err)
			}
			fp := Scalar64(cost)
			vals[i] = old - h
			if err := m.Run(); err != nil {
				t.Fatal(err)
			}
			fm := Scalar64(cost)
			vals[i] = old
			want := (fp - fm) / (2 * h)
			if math.Abs(got[k][i]-want) > tol*(1+math.Abs(want)) {
				t.Errorf("%s %s[%d]: gradient %g, finite difference %g", label, p.Name(), i, got[k][i], want)
			}
		}
	}
}

func TestOpGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	init := make([]float64, 6)
	for i := range init {
		init[i] = 2 * rng.NormFloat64()
	}
	w := []float64{0.3, -1.2, 0.7, 2.1, -0.4, 1.5}
	weighted := func(b *Builder, x *Node) *Node {
		return b.Sum(b.Mul(x, b.Constant("w", w[:x.Shape().Size()], x.Shape()...)))
	}
	cases := []struct {
		name string
		f    func(b *Builder, p *Node) *Node
	}{
		{"softplus", func(b *Builder, p *Node) *Node { return weighted(b, b.Softplus(p)) }},
		{"sigmoid", func(b *Builder, p *Node) *Node { return weighted(b, b.Sigmoid(p)) }},
		{"logsigmoid", func(b *Builder, p *Node) *Node { return weighted(b, b.LogSigmoid(p)) }},
		{"relu", func(b *Builder, p *Node) *Node { return weighted(b, b.ReLU(p)) }},
		{"lgamma", func(b *Builder, p *Node) *Node { return weighted(b, b.Lgamma(b.Exp(p))) }},
		{"digamma", func(b *Builder, p *Node) *Node { return weighted(b, b.Digamma(b.Exp(p))) }},
		{"lse0", func(b *Builder, p *Node) *Node { return weighted(b, b.LogSumExp(p, 0)) }},
		{"lse1", func(b *Builder, p *Node) *Node { return weighted(b, b.LogSumExp(p, 1)) }},
		{"lseAll", func(b *Builder, p *Node) *Node {
			return b.LogSumExp(b.Reshape(p, 6), 0)
		}},
		{"bcastRow", func(b *Builder, p *Node) *Node {
			v := b.Constant("v", []float64{1, 2, 3}, 3)
			return weighted(b, b.Mul(b.Add(p, v), v))
		}},
		{"bcastCol", func(b *Builder, p *Node) *Node {
			v := b.Constant("v", []float64{1, -2}, 2, 1)
			return weighted(b, b.Div(b.Sub(v, p), b.Shift(b.Square(v), 1)))
		}},
		{"bcastParam", func(b *Builder, p *Node) *Node {
			col := b.Cols(p, 0, 1) // (2,1)
			return weighted(b, b.Mul(p, col))
		}},
		{"mean", func(b *Builder, p *Node) *Node { return b.Mean(b.Square(p)) }},
		{"matmul", func(b *Builder, p *Node) *Node {
			m := b.Constant("m", []float64{1, 2, 3, 4, 5, 6}, 3, 2)
			return b.Sum(b.Square(b.MatMul(p, m)))
		}},
	}
	for _, c := range cases {
		gradCheck(t, c.name, init, []int{2, 3}, c.f)
	}
}

func TestStableOpsExtreme(t *testing.T) {
	for _, dt := range []Dtype{Float64, Float32} {
		xs := []float64{-1e4, -100, -20, -1, 0, 1, 20, 100, 1e4}
		b := NewBuilder(dt)
		x := b.Constant("x", xs, len(xs))
		sp := b.Softplus(x)
		ls := b.LogSigmoid(x)
		sg := b.Sigmoid(x)
		lse := b.LogSumExp(b.Reshape(x, 3, 3), 1)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		tol := 1e-12
		if dt == Float32 {
			tol = 1e-6
		}
		for i, v := range Values(sp) {
			want := math.Max(xs[i], 0) + math.Log1p(math.Exp(-math.Abs(xs[i])))
			if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v-want) > tol*(1+math.Abs(want)) {
				t.Errorf("%v softplus(%g) = %g, want %g", dt, xs[i], v, want)
			}
		}
		for i, v := range Values(ls) {
			want := -(math.Max(-xs[i], 0) + math.Log1p(math.Exp(-math.Abs(xs[i]))))
			if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v-want) > tol*(1+math.Abs(want)) {
				t.Errorf("%v logsigmoid(%g) = %g, want %g", dt, xs[i], v, want)
			}
		}
		for i, v := range Values(sg) {
			want := 1 / (1 + math.Exp(-xs[i]))
			if math.IsNaN(v) || math.Abs(v-want) > tol {
				t.Errorf("%v sigmoid(%g) = %g, want %g", dt, xs[i], v, want)
			}
		}
		for r, v := range Values(lse) {
			row := xs[3*r : 3*r+3]
			mx := math.Max(row[0], math.Max(row[1], row[2]))
			want := mx + math.Log(math.Exp(row[0]-mx)+math.Exp(row[1]-mx)+math.Exp(row[2]-mx))
			if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v-want) > tol*(1+math.Abs(want)) {
				t.Errorf("%v lse(row %d) = %g, want %g", dt, r, v, want)
			}
		}
	}
}

func TestTrigamma(t *testing.T) {
	// ψ'(1) = π²/6, ψ'(1/2) = π²/2, and finite differences of digamma elsewhere.
	if got := trigamma(1); math.Abs(got-math.Pi*math.Pi/6) > 1e-12 {
		t.Errorf("trigamma(1) = %v", got)
	}
	if got := trigamma(0.5); math.Abs(got-math.Pi*math.Pi/2) > 1e-11 {
		t.Errorf("trigamma(0.5) = %v", got)
	}
}

// TestFloat32Kernels: the native float32 log1p, softplus and tanh agree with
// float64 to a few float32 ulps over a wide range.
func TestFloat32Kernels(t *testing.T) {
	xs := []float64{-0.9999, -0.5, -1e-3, -1e-8, 0, 1e-9, 1e-4, 0.3, 1, 7.5, 100, 1e6}
	for _, x := range xs {
		x32 := float32(x)
		want := math.Log1p(float64(x32))
		if got := float64(log1p32(x32)); math.Abs(got-want) > 4e-7*math.Abs(want) {
			t.Errorf("log1p32(%g) = %g, want %g", x32, got, want)
		}
	}
	for x := -40.0; x <= 40; x += 0.37 {
		x32 := float32(x)
		want := softplus64(float64(x32))
		if got := float64(softplus32(x32)); math.Abs(got-want) > 5e-7*math.Abs(want)+1e-30 {
			t.Errorf("softplus32(%g) = %g, want %g", x32, got, want)
		}
		wt := math.Tanh(float64(x32))
		if got := float64(tanhOp.f32(x32)); math.Abs(got-wt) > 3e-7*math.Abs(wt)+1e-7 {
			t.Errorf("tanh32(%g) = %g, want %g", x32, got, wt)
		}
	}
	if v := log1p32(float32(math.Inf(1))); !math.IsInf(float64(v), 1) {
		t.Errorf("log1p32(+Inf) = %v", v)
	}
	if v := log1p32(-1); !math.IsInf(float64(v), -1) {
		t.Errorf("log1p32(-1) = %v", v)
	}
}

func TestExp32(t *testing.T) {
	worst := 0.0
	for x := -103.0; x < 88.7; x += 0.00731 {
		x32 := float32(x)
		want := math.Exp(float64(x32))
		got := float64(exp32(x32))
		tol := 3e-7 * want
		if want < 1.2e-38 { // subnormal: absolute ulp
			tol = 1.5e-45
		}
		if d := math.Abs(got - want); d > tol {
			t.Fatalf("exp32(%g) = %g, want %g", x32, got, want)
		} else if want > 1.2e-38 && d/want > worst {
			worst = d / want
		}
	}
	t.Logf("worst relative error %.3g", worst)
	for _, c := range []struct{ x, want float32 }{{0, 1}, {89, float32(math.Inf(1))}, {-104, 0}} {
		if got := exp32(c.x); got != c.want {
			t.Errorf("exp32(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if v := exp32(float32(math.NaN())); v == v {
		t.Error("exp32(NaN) is not NaN")
	}
}

// BenchmarkSoftplus32 times the float32 softplus kernel on 100,000 values.
func BenchmarkSoftplus32(b *testing.B) {
	xs := make([]float32, 100000)
	for i := range xs {
		xs[i] = float32(i%2000)/100 - 10
	}
	var s float32
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, x := range xs {
			s += softplus32(x)
		}
	}
	if s == 0 {
		b.Log(s)
	}
}

// TestFusedOpGradients checks the native arithmetic ops, the affine Scale and
// Shift and the fused Bernoulli log-likelihood against finite differences,
// for both arguments, with broadcasting.
func TestFusedOpGradients(t *testing.T) {
	other := []float64{0.3, -1.2, 2.5, 0.9, -0.4, 1.7}
	for _, tc := range []struct {
		name string
		f    func(b *Builder, p, q *Node) *Node
	}{
		{"add", func(b *Builder, p, q *Node) *Node { return b.Add(p, q) }},
		{"sub", func(b *Builder, p, q *Node) *Node { return b.Sub(p, q) }},
		{"mul", func(b *Builder, p, q *Node) *Node { return b.Mul(p, q) }},
		{"div", func(b *Builder, p, q *Node) *Node { return b.Div(p, b.Shift(b.Square(q), 0.5)) }},
		{"affine", func(b *Builder, p, q *Node) *Node { return b.Mul(b.Shift(b.Scale(p, -1.5), 2), q) }},
		{"bernoulli", func(b *Builder, p, q *Node) *Node { return b.BernoulliLogitsLogProb(b.Sigmoid(p), q) }},
		{"bernoulli-bcast", func(b *Builder, p, q *Node) *Node {
			return b.BernoulliLogitsLogProb(b.Sigmoid(b.Cols(p, 0, 3)), b.Reshape(q, 2, 1, 3))
		}},
	} {
		b := NewBuilder(Float64)
		p := b.Param("p", []float64{0.5, -0.7, 1.1, -2.0, 0.2, 0.8}, 2, 3)
		q := b.Param("q", other, 2, 3)
		cost := b.Sum(b.Square(tc.f(b, p, q)))
		gs := b.Grad(cost, p, q)
		m, err := b.Compile()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		got := [][]float64{Values(gs[0]), Values(gs[1])}
		checkFiniteDiff(t, m, cost, []*Node{p, q}, got, 1e-6, tc.name)
	}
}

// BenchmarkExp32 times the float32 exp kernel on 100,000 values.
func BenchmarkExp32(b *testing.B) {
	xs := make([]float32, 100000)
	for i := range xs {
		xs[i] = float32(i%2000)/100 - 10
	}
	var s float32
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, x := range xs {
			s += exp32(x)
		}
	}
	if s == 0 {
		b.Log(s)
	}
}
