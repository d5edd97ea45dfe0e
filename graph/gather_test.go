package graph

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestGatherValues(t *testing.T) {
	const S, G = 3, 5
	idx := []int{4, 0, 0, 2, 4, 4, 1}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, k := range []int{0, 2} { // 0: params (S, G); 2: (S, G, 2)
			t.Run(fmt.Sprintf("%v/K=%d", dt, k), func(t *testing.T) {
				b := NewBuilder(dt)
				shape := []int{S, G}
				width := 1
				if k > 0 {
					shape = append(shape, k)
					width = k
				}
				vals := make([]float64, S*G*width)
				for i := range vals {
					vals[i] = float64(i)
				}
				p := b.Constant("p", vals, shape...)
				ix := b.IndexInput("group", len(idx), G)
				if err := ix.Set(idx); err != nil {
					t.Fatal(err)
				}
				out := b.Gather(p, ix)
				if b.Err() != nil {
					t.Fatal(b.Err())
				}
				want := []int{S, len(idx)}
				if k > 0 {
					want = append(want, k)
				}
				if !sameShape(out.Shape(), want) {
					t.Fatalf("shape %v, want %v", out.Shape(), Shape(want))
				}
				runStable(t, b, out, p)
				got := Values(out)
				for s := 0; s < S; s++ {
					for i, g := range idx {
						for c := 0; c < width; c++ {
							w := vals[(s*G+g)*width+c]
							if v := got[(s*len(idx)+i)*width+c]; v != w {
								t.Errorf("out[%d, %d, %d] = %v, want %v", s, i, c, v, w)
							}
						}
					}
				}
			})
		}
	}
}

// The index is an input: new values between runs change the output, and a
// value written out of range into its buffer fails the run.
func TestGatherIndexInput(t *testing.T) {
	b := NewBuilder(Float64)
	p := b.Constant("p", []float64{10, 11, 12, 20, 21, 22}, 2, 3)
	ix := b.IndexInput("g", 2, 3)
	out := b.Gather(p, ix)
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, c := range []struct {
		idx  []int
		want []float64
	}{{[]int{0, 0}, []float64{10, 10, 20, 20}}, {[]int{2, 1}, []float64{12, 11, 22, 21}}} {
		if err := ix.Set(c.idx); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		if got := Values(out); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("idx %v: %v, want %v", c.idx, got, c.want)
		}
	}
	if err := ix.Set([]int{0, 3}); err == nil || !strings.Contains(err.Error(), "group 3") {
		t.Errorf("Set out of range: %v", err)
	}
	if err := ix.Set([]int{0}); err == nil {
		t.Error("Set with the wrong length: no error")
	}
	ix.Ints()[1] = -1
	if err := m.Run(); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("run with an index out of range: %v", err)
	}
}

func TestGatherGradient(t *testing.T) {
	const S, G, K = 2, 4, 3
	idx := []int{3, 1, 1, 0, 3, 3} // group 2 is never used: its gradient is 0
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, K} {
		shape := []int{S, G}
		if k > 1 {
			shape = append(shape, k)
		}
		init := make([]float64, S*G*k)
		for i := range init {
			init[i] = rng.NormFloat64()
		}
		w := make([]float64, S*len(idx)*k)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		gradCheck(t, fmt.Sprintf("gather K=%d", k), init, shape, func(b *Builder, p *Node) *Node {
			ix := b.IndexInput("g", len(idx), G)
			if err := ix.Set(idx); err != nil {
				t.Fatal(err)
			}
			out := b.Gather(p, ix)
			// A nonlinear cost, so that the gradient depends on the gathered values.
			return b.Sum(b.Mul(b.Square(out), b.Constant("w", w, out.Shape()...)))
		})
	}
}

func TestGatherErrors(t *testing.T) {
	b := NewBuilder(Float64)
	ix := b.IndexInput("county", 4, 10)
	for _, shape := range [][]int{{8}, {8, 9}, {8, 9, 2}, {8, 10, 2, 1}} {
		b := NewBuilder(Float64)
		if out := b.Gather(b.Input("p", shape...), ix); out != nil || b.Err() == nil ||
			!strings.Contains(b.Err().Error(), "Gather(params "+Shape(shape).String()+", idx (4) of 10 groups)") {
			t.Errorf("params %v: %v, err %v", Shape(shape), out, b.Err())
		}
	}
	b = NewBuilder(Float64)
	if b.Gather(b.Input("p", 2, 3), nil); b.Err() == nil {
		t.Error("nil index: no error")
	}
	b = NewBuilder(Float64)
	if ix := b.IndexInput("x", 0, 3); ix != nil || b.Err() == nil {
		t.Error("empty index: no error")
	}
}

// BenchmarkGather gathers and scatters back 8 draws of 5,000 group parameters
// for 50,000 rows.
func BenchmarkGather(bm *testing.B) {
	const S, G, B = 8, 5000, 50000
	b := NewBuilder(Float64)
	p := b.Param("p", nil, S, G)
	ix := b.IndexInput("g", B, G)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range ix.Ints() {
		ix.Ints()[i] = rng.IntN(G)
	}
	cost := b.Sum(b.Gather(p, ix))
	b.Grad(cost, p)
	m, err := b.Compile()
	if err != nil {
		bm.Fatal(err)
	}
	defer m.Close()
	bm.ResetTimer()
	for bm.Loop() {
		if err := m.Run(); err != nil {
			bm.Fatal(err)
		}
	}
}
