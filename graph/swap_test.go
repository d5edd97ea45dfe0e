package graph

import (
	"math/rand/v2"
	"testing"
)

func TestSwapLeading(t *testing.T) {
	const a, b, c = 2, 3, 4
	vals := make([]float64, a*b*c)
	for i := range vals {
		vals[i] = float64(i)
	}
	for _, dt := range []Dtype{Float64, Float32} {
		bd := NewBuilder(dt)
		x := bd.Constant("x", vals, a, b, c)
		y := bd.SwapLeading(x)
		m := bd.SwapLeading(bd.Constant("m", vals[:6], 2, 3))
		mach, err := bd.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := mach.Run(); err != nil {
			t.Fatal(err)
		}
		if s := y.Shape(); s[0] != b || s[1] != a || s[2] != c {
			t.Fatalf("shape %v", s)
		}
		got := Values(y)
		for i := 0; i < a; i++ {
			for j := 0; j < b; j++ {
				for k := 0; k < c; k++ {
					if g, w := got[(j*a+i)*c+k], vals[(i*b+j)*c+k]; g != w {
						t.Errorf("%v: out[%d,%d,%d] = %g, want %g", dt, j, i, k, g, w)
					}
				}
			}
		}
		if g := Values(m); g[1] != 3 || g[2] != 1 {
			t.Errorf("%v: matrix swap %v is not the transpose", dt, g)
		}
		mach.Close()
	}
	bd := NewBuilder(Float64)
	if bd.SwapLeading(bd.Constant("v", []float64{1, 2}, 2)); bd.Err() == nil {
		t.Error("a vector was accepted")
	}
}

func TestSwapLeadingGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	init := make([]float64, 24)
	w := make([]float64, 24)
	for i := range init {
		init[i] = rng.NormFloat64()
		w[i] = rng.NormFloat64()
	}
	gradCheck(t, "swapleading", init, []int{2, 3, 4}, func(b *Builder, p *Node) *Node {
		return b.Sum(b.Mul(b.Square(b.SwapLeading(p)), b.Constant("w", w, 3, 2, 4)))
	})
}
