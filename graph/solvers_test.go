package graph

import (
	"math"
	"testing"
)

// quadratic builds loss = ½ Σ c_j (p_j - t_j)², whose gradient is c ⊙ (p - t).
func quadratic(t *testing.T, dt Dtype, init []float64) (*Machine, *Node, *Node) {
	t.Helper()
	b := NewBuilder(dt)
	p := b.Param("p", init, len(init))
	target := b.Constant("t", []float64{1, -2, 3}, 3)
	c := b.Constant("c", []float64{1, 10, 0.1}, 3)
	loss := b.Scale(b.Sum(b.Mul(c, b.Square(b.Sub(p, target)))), 0.5)
	g := b.Grad(loss, p)
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return m, p, g[0]
}

func TestOptimizersConverge(t *testing.T) {
	for _, dt := range []Dtype{Float64, Float32} {
		for _, o := range []Optimizer{&Adam{LR: 0.05}, &RMSProp{LR: 0.01}, &AdaGrad{LR: 0.5}, &SGD{LR: 0.18, Kappa: 0.51}} {
			m, p, g := quadratic(t, dt, []float64{0, 0, 0})
			steps := 5000
			if _, ok := o.(*SGD); ok {
				// Robbins–Monro steps shrink: the flat direction (curvature 0.1) needs Σρ_t ≫ 10.
				steps = 40000
			}
			for i := 0; i < steps; i++ {
				if err := m.Run(); err != nil {
					t.Fatal(err)
				}
				if err := o.Step([]*Node{p}, []*Node{g}); err != nil {
					t.Fatal(err)
				}
			}
			got := Values(p)
			for j, want := range []float64{1, -2, 3} {
				if math.Abs(got[j]-want) > 0.02 {
					t.Errorf("%v %s: p[%d] = %.4f, want %.4f", dt, o, j, got[j], want)
				}
			}
			m.Close()
		}
	}
}

func TestOptimizerFirstSteps(t *testing.T) {
	// First steps in closed form, from p = 0 with gradient g = c ⊙ (p - t) = (-1, 20, -0.3).
	g0 := []float64{-1, 20, -0.3}
	cases := []struct {
		o    Optimizer
		want func(g float64) float64 // the first update -Δp as a function of the gradient
	}{
		{&Adam{LR: 0.1}, func(g float64) float64 { return 0.1 * g / (math.Abs(g) + 1e-8) }},
		{&RMSProp{LR: 0.1}, func(g float64) float64 { return 0.1 * g / (math.Abs(g) + 1e-8) }},
		{&AdaGrad{LR: 0.1}, func(g float64) float64 { return 0.1 * g / (math.Abs(g) + 1e-8) }},
		{&SGD{LR: 0.1, Tau: 3, Kappa: 0.5}, func(g float64) float64 { return 0.1 * math.Pow(4, -0.5) * g }},
	}
	for _, c := range cases {
		m, p, g := quadratic(t, Float64, []float64{0, 0, 0})
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		if err := c.o.Step([]*Node{p}, []*Node{g}); err != nil {
			t.Fatal(err)
		}
		for j, v := range Values(p) {
			if want := -c.want(g0[j]); math.Abs(v-want) > 1e-12 {
				t.Errorf("%s: first step p[%d] = %g, want %g", c.o, j, v, want)
			}
		}
		m.Close()
	}
}

func TestRobbinsMonro(t *testing.T) {
	o := &SGD{LR: 2, Tau: 1, Kappa: 0.75}
	var sum, sumsq, sumsqAt1e5 float64
	for i := 1; i <= 1_000_000; i++ {
		r := o.Rate(i)
		if i > 1 && r >= o.Rate(i-1) {
			t.Fatalf("rate not decreasing at step %d", i)
		}
		sum += r
		sumsq += r * r
		if i == 100_000 {
			sumsqAt1e5 = sumsq
		}
	}
	// Σ ρ_t diverges (it grows like t^(1/4)) while Σ ρ_t² converges: its tail after
	// 1e5 is at most ∫ 4 t^(-3/2) dt = 8/√1e5 ≈ 0.025.
	if sum < 100 {
		t.Errorf("Σρ_t = %g after 1e6 steps; should grow without bound", sum)
	}
	if d := sumsq - sumsqAt1e5; d > 8/math.Sqrt(1e5) {
		t.Errorf("Σρ_t² grew by %g after step 1e5; should converge", d)
	}
	if got, want := o.Rate(7), 2*math.Pow(8, -0.75); math.Abs(got-want) > 1e-15 {
		t.Errorf("Rate(7) = %g, want %g", got, want)
	}
}

func TestOptimizerStateByPosition(t *testing.T) {
	m, p, g := quadratic(t, Float64, []float64{0, 0, 0})
	defer m.Close()
	_ = m.Run()
	o := &Adam{}
	if err := o.Step([]*Node{p}, []*Node{g}); err != nil {
		t.Fatal(err)
	}
	m2, p2, g2 := quadratic(t, Float64, []float64{0, 0, 0})
	defer m2.Close()
	b := NewBuilder(Float64)
	extra := b.Param("q", nil, 2)
	if err := o.Step([]*Node{p2, extra}, []*Node{g2, g2}); err == nil {
		t.Error("a different parameter list was accepted")
	}
	if _, err := NewOptimizer("lbfgs", 0); err == nil {
		t.Error("unknown optimizer accepted")
	}
}

// TestOptimizerStateResumes: saving the state after 7 steps and restoring it
// into a fresh optimizer continues exactly like the original.
func TestOptimizerStateResumes(t *testing.T) {
	mk := []func() Stateful{
		func() Stateful { return &Adam{LR: 0.05} },
		func() Stateful { return &RMSProp{LR: 0.01} },
		func() Stateful { return &AdaGrad{LR: 0.5} },
		func() Stateful { return &SGD{LR: 0.1} },
	}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, newOpt := range mk {
			steps := func(o Optimizer, m *Machine, p, g *Node, n int) {
				for i := 0; i < n; i++ {
					if err := m.Run(); err != nil {
						t.Fatal(err)
					}
					if err := o.Step([]*Node{p}, []*Node{g}); err != nil {
						t.Fatal(err)
					}
				}
			}
			m, p, g := quadratic(t, dt, []float64{0.5, 0, -1})
			ref := newOpt()
			steps(ref, m, p, g, 12)
			want := Values(p)

			m2, p2, g2 := quadratic(t, dt, []float64{0.5, 0, -1})
			first := newOpt()
			steps(first, m2, p2, g2, 7)
			st := first.State()
			if st.Steps != 7 {
				t.Errorf("%v: state has %d steps, want 7", first, st.Steps)
			}
			// The snapshot is a copy: stepping the first optimizer must not change it.
			steps(first, m2, p2, g2, 1)
			resumed := newOpt()
			if err := resumed.SetState(st); err != nil {
				t.Fatal(err)
			}
			// Replay the first 7 steps' parameters, then continue with the restored state.
			m4, p4, g4 := quadratic(t, dt, []float64{0.5, 0, -1})
			replay := newOpt()
			steps(replay, m4, p4, g4, 7)
			steps(resumed, m4, p4, g4, 5)
			got := Values(p4)
			for j := range want {
				if got[j] != want[j] {
					t.Errorf("%v %v: resumed parameters %v, uninterrupted %v", dt, ref, got, want)
					break
				}
			}
		}
	}
	if err := (&Adam{}).SetState(OptimizerState{Steps: 3, Buffers: [][][]float64{{{1}}}}); err == nil {
		t.Error("Adam accepted a state with one buffer per parameter")
	}
}
