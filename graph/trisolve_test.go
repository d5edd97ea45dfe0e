package graph

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSolveLower checks both solves against the systems they solve, in both
// float types, and that the strict upper triangle of L is ignored.
func TestSolveLower(t *testing.T) {
	const d, s = 4, 3
	rng := rand.New(rand.NewPCG(9, 9))
	l := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			switch {
			case j < i:
				l[i*d+j] = rng.NormFloat64()
			case j == i:
				l[i*d+j] = 0.5 + rng.Float64()
			default:
				l[i*d+j] = 100 // must be ignored
			}
		}
	}
	r := make([]float64, s*d)
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		ln := b.Constant("L", l, d, d)
		rn := b.Constant("R", r, s, d)
		e1 := b.SolveLower(ln, rn)
		e2 := b.SolveLowerT(ln, rn)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		tol := 1e-12
		if dt == Float32 {
			tol = 1e-4
		}
		v1, v2 := Values(e1), Values(e2)
		for row := 0; row < s; row++ {
			for i := 0; i < d; i++ {
				var lx, ltx float64 // (L e1)_i and (Lᵀ e2)_i
				for j := 0; j <= i; j++ {
					lx += l[i*d+j] * v1[row*d+j]
				}
				for j := i; j < d; j++ {
					ltx += l[j*d+i] * v2[row*d+j]
				}
				if want := r[row*d+i]; math.Abs(lx-want) > tol*10 || math.Abs(ltx-want) > tol*10 {
					t.Errorf("%v row %d: (L e)_%d = %g, (Lᵀ e)_%d = %g, want %g", dt, row, i, lx, i, ltx, want)
				}
			}
		}
		m.Close()
	}
}

// TestSolveLowerGradients compares the gradients of both solves with respect to
// L and R with central finite differences, through a cost that uses every
// output element.
func TestSolveLowerGradients(t *testing.T) {
	const d, s = 3, 4
	rng := rand.New(rand.NewPCG(3, 8))
	l := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			l[i*d+j] = rng.NormFloat64()
		}
		l[i*d+i] = 1 + rng.Float64()
	}
	r := make([]float64, s*d)
	w := make([]float64, s*d)
	for i := range r {
		r[i] = rng.NormFloat64()
		w[i] = rng.NormFloat64()
	}
	for _, trans := range []bool{false, true} {
		b := NewBuilder(Float64)
		ln := b.Param("L", l, d, d)
		rn := b.Param("R", r, s, d)
		var e *Node
		if trans {
			e = b.SolveLowerT(ln, rn)
		} else {
			e = b.SolveLower(ln, rn)
		}
		// A nonlinear cost, so that the incoming gradient varies by element.
		cost := b.Sum(b.Mul(b.Constant("w", w, s, d), b.Add(e, b.Square(e))))
		g := b.Grad(cost, ln, rn)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		gl, gr := Values(g[0]), Values(g[1])
		for i := 0; i < d; i++ {
			for j := i + 1; j < d; j++ {
				if gl[i*d+j] != 0 {
					t.Errorf("trans=%v: gradient of unused upper entry (%d,%d) = %g", trans, i, j, gl[i*d+j])
				}
			}
		}
		label := "SolveLower"
		if trans {
			label = "SolveLowerT"
		}
		checkFiniteDiff(t, m, cost, []*Node{ln, rn}, [][]float64{gl, gr}, 1e-5, label)
		m.Close()
	}
}

func TestSolveLowerShapes(t *testing.T) {
	b := NewBuilder(Float64)
	l := b.Constant("L", make([]float64, 9), 3, 3)
	r := b.Constant("R", make([]float64, 4), 2, 2)
	if b.SolveLower(l, r); b.Err() == nil {
		t.Error("mismatched shapes accepted")
	}
}
