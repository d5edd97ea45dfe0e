package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func actRef(a Activation, v float64) float64 {
	switch a {
	case ActReLU:
		return math.Max(v, 0)
	case ActTanh:
		return math.Tanh(v)
	case ActSigmoid:
		return 1 / (1 + math.Exp(-v))
	case ActSoftplus:
		return math.Log1p(math.Exp(v))
	}
	return v
}

// mlpRef runs one row through the MLP's current parameter values in plain Go.
func mlpRef(m *MLP, x []float64) []float64 {
	for _, d := range m.Layers {
		w, bias := Values(d.W), Values(d.B)
		y := make([]float64, d.Out)
		for j := range y {
			s := bias[j]
			for i, v := range x {
				s += v * w[i*d.Out+j]
			}
			y[j] = actRef(d.Act, s)
		}
		x = y
	}
	return x
}

func TestMLPForward(t *testing.T) {
	const N = 6
	sizes := []int{3, 5, 4, 2}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, act := range []Activation{ActLinear, ActReLU, ActTanh, ActSigmoid, ActSoftplus} {
			for _, out := range []Activation{ActLinear, ActSigmoid} {
				t.Run(fmt.Sprintf("%v/%v/%v", dt, act, out), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(31, uint64(act)))
					b := NewBuilder(dt)
					m := b.NewMLP("mlp", sizes, act, out, rng)
					xs := make([]float64, N*sizes[0])
					for i := range xs {
						xs[i] = roundTo(dt, 2*rng.NormFloat64())
					}
					x := b.Constant("x", xs, N, sizes[0])
					y := m.Apply(b, x)
					yv := m.Apply(b, b.Constant("xv", xs[:sizes[0]], sizes[0]))
					if b.Err() != nil {
						t.Fatal(b.Err())
					}
					if !sameShape(y.Shape(), []int{N, 2}) || !sameShape(yv.Shape(), []int{2}) {
						t.Fatalf("shapes %v and %v, want (%d, 2) and (2)", y.Shape(), yv.Shape(), N)
					}
					// Give the biases non-zero values so that they are exercised.
					for _, d := range m.Layers {
						bv := make([]float64, d.Out)
						for i := range bv {
							bv[i] = roundTo(dt, 0.5*rng.NormFloat64())
						}
						if err := Set(d.B, bv); err != nil {
							t.Fatal(err)
						}
					}
					runGraph(t, b)
					got := Values(y)
					tol := dtTol(dt)
					for r := 0; r < N; r++ {
						want := mlpRef(m, xs[r*sizes[0]:(r+1)*sizes[0]])
						for j, w := range want {
							if g := got[r*2+j]; !closeRel(g, w, tol) {
								t.Errorf("row %d out %d: %.17g, want %.17g", r, j, g, w)
							}
						}
						if r == 0 {
							for j, w := range want {
								if g := Values(yv)[j]; !closeRel(g, w, tol) {
									t.Errorf("vector input out %d: %.17g, want %.17g", j, g, w)
								}
							}
						}
					}
				})
			}
		}
	}
}

// TestMLPGradient checks the gradient of a squared-error loss through a two-layer
// tanh MLP against central differences, for every parameter.
func TestMLPGradient(t *testing.T) {
	const N = 5
	rng := rand.New(rand.NewPCG(32, 33))
	b := NewBuilder(Float64)
	m := b.NewMLP("net", []int{3, 4, 2}, ActTanh, ActLinear, rng)
	xs, ts := make([]float64, N*3), make([]float64, N*2)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	for i := range ts {
		ts[i] = rng.NormFloat64()
	}
	for _, d := range m.Layers {
		bv := make([]float64, d.Out)
		for i := range bv {
			bv[i] = 0.3 * rng.NormFloat64()
		}
		if err := Set(d.B, bv); err != nil {
			t.Fatal(err)
		}
	}
	y := m.Apply(b, b.Constant("x", xs, N, 3))
	loss := b.Mean(b.Square(b.Sub(y, b.Constant("t", ts, N, 2))))
	ps := m.Params()
	gs := b.Grad(loss, ps...)
	mc, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if err := mc.Run(); err != nil {
		t.Fatal(err)
	}
	grads := make([][]float64, len(gs))
	for i, g := range gs {
		grads[i] = Values(g)
	}
	checkFiniteDiff(t, mc, loss, ps, grads, 1e-6, "mlp")
}

func TestDenseInit(t *testing.T) {
	weights := func(seed uint64, dt Dtype) [][]float64 {
		b := NewBuilder(dt)
		m := b.NewMLP("m", []int{4, 6, 3}, ActReLU, ActLinear, rand.New(rand.NewPCG(seed, 1)))
		if b.Err() != nil {
			t.Fatal(b.Err())
		}
		var out [][]float64
		for _, p := range m.Params() {
			out = append(out, Values(p))
		}
		return out
	}
	a, a2, c := weights(5, Float64), weights(5, Float64), weights(6, Float64)
	a32 := weights(5, Float32)
	same := func(x, y [][]float64, f32 bool) bool {
		for i := range x {
			for j := range x[i] {
				v := x[i][j]
				if f32 {
					v = float64(float32(v))
				}
				if v != y[i][j] {
					return false
				}
			}
		}
		return true
	}
	if !same(a, a2, false) {
		t.Error("same seed gave different weights")
	}
	if same(a, c, false) {
		t.Error("different seeds gave the same weights")
	}
	if !same(a, a32, true) {
		t.Error("float32 weights differ from the float64 ones")
	}

	// Bounds: Glorot or He half-width, zero biases.
	cases := []struct {
		act     Activation
		in, out int
		a       float64
	}{
		{ActLinear, 60, 40, math.Sqrt(6.0 / 100)},
		{ActTanh, 60, 40, math.Sqrt(6.0 / 100)},
		{ActSigmoid, 60, 40, math.Sqrt(6.0 / 100)},
		{ActReLU, 60, 40, math.Sqrt(6.0 / 60)},
		{ActSoftplus, 60, 40, math.Sqrt(6.0 / 60)},
	}
	for _, c := range cases {
		b := NewBuilder(Float64)
		d := b.NewDense("d", c.in, c.out, c.act, rand.New(rand.NewPCG(7, 7)))
		if b.Err() != nil {
			t.Fatal(b.Err())
		}
		if !sameShape(d.W.Shape(), []int{c.in, c.out}) || !sameShape(d.B.Shape(), []int{c.out}) {
			t.Fatalf("%v: shapes %v, %v", c.act, d.W.Shape(), d.B.Shape())
		}
		mx := 0.0
		for _, v := range Values(d.W) {
			mx = math.Max(mx, math.Abs(v))
		}
		if mx > c.a || mx < 0.98*c.a {
			t.Errorf("%v: max |w| = %g, want just below %g", c.act, mx, c.a)
		}
		for _, v := range Values(d.B) {
			if v != 0 {
				t.Errorf("%v: non-zero bias %g", c.act, v)
				break
			}
		}
		if ps := d.Params(); len(ps) != 2 || ps[0] != d.W || ps[1] != d.B {
			t.Errorf("%v: Params = %v", c.act, ps)
		}
	}
}

func TestMLPParamsOrder(t *testing.T) {
	b := NewBuilder(Float64)
	m := b.NewMLP("net", []int{2, 3, 4, 1}, ActTanh, ActSigmoid, rand.New(rand.NewPCG(1, 1)))
	ps := m.Params()
	if len(ps) != 6 {
		t.Fatalf("%d params, want 6", len(ps))
	}
	for i, p := range ps {
		want := fmt.Sprintf("net.%d.%s", i/2, []string{"W", "B"}[i%2])
		if !strings.HasPrefix(p.Name(), want) {
			t.Errorf("param %d is %q, want %q", i, p.Name(), want)
		}
	}
	acts := []Activation{ActTanh, ActTanh, ActSigmoid}
	for i, d := range m.Layers {
		if d.Act != acts[i] {
			t.Errorf("layer %d activation %v, want %v", i, d.Act, acts[i])
		}
	}
}

func TestActivationNames(t *testing.T) {
	for a := ActLinear; a <= ActSoftplus; a++ {
		got, err := ParseActivation(strings.ToUpper(" " + a.String() + " "))
		if err != nil || got != a {
			t.Errorf("ParseActivation(%q) = %v, %v", a.String(), got, err)
		}
	}
	for _, s := range []string{"", "gelu", "re lu"} {
		if _, err := ParseActivation(s); err == nil {
			t.Errorf("ParseActivation(%q): no error", s)
		}
	}
	if a, err := ParseActivation("identity"); err != nil || a != ActLinear {
		t.Errorf("ParseActivation(identity) = %v, %v", a, err)
	}
	if s := Activation(9).String(); s != "Activation(9)" {
		t.Errorf("unknown activation String = %q", s)
	}
	var zero Activation
	if zero != ActLinear {
		t.Error("zero Activation is not ActLinear")
	}
}

func TestLayerErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name  string
		build func(b *Builder) any
	}{
		{"one size", func(b *Builder) any { return b.NewMLP("m", []int{3}, ActTanh, ActLinear, rng) }},
		{"zero width", func(b *Builder) any { return b.NewMLP("m", []int{3, 0, 2}, ActTanh, ActLinear, rng) }},
		{"bad activation", func(b *Builder) any { return b.NewDense("d", 2, 2, Activation(42), rng) }},
		{"wrong width", func(b *Builder) any {
			d := b.NewDense("d", 3, 2, ActTanh, rng)
			return d.Apply(b, b.Constant("x", make([]float64, 8), 2, 4))
		}},
		{"nil dense", func(b *Builder) any {
			var d *Dense
			return d.Apply(b, b.Constant("x", make([]float64, 3), 3))
		}},
		{"nil mlp", func(b *Builder) any {
			var m *MLP
			if m.Params() != nil {
				return "params"
			}
			return m.Apply(b, b.Constant("x", make([]float64, 3), 3))
		}},
	}
	for _, c := range cases {
		b := NewBuilder(Float64)
		got := c.build(b)
		isNil := false
		switch v := got.(type) {
		case *MLP:
			isNil = v == nil
		case *Dense:
			isNil = v == nil
		case *Node:
			isNil = v == nil
		}
		if !isNil || b.Err() == nil {
			t.Errorf("%s: got %v, err %v", c.name, got, b.Err())
		}
	}
	for _, f := range []func(){
		func() { NewBuilder(Float64).NewDense("d", 2, 2, ActTanh, nil) },
		func() { NewBuilder(Float64).NewMLP("m", []int{2, 2}, ActTanh, ActLinear, nil) },
	} {
		func() {
			defer func() {
				if s, ok := recover().(string); !ok || !strings.HasPrefix(s, "graph: ") {
					t.Errorf("nil rng: recovered %v, want a \"graph: \" panic", s)
				}
			}()
			f()
		}()
	}
}
