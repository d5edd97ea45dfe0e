package graph

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestStackValues(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6}
	c := []float64{10, 20, 30, 40, 50, 60}
	cases := []struct {
		axis  int
		shape []int
		want  []float64
	}{
		{0, []int{2, 2, 3}, []float64{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}},
		{1, []int{2, 2, 3}, []float64{1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60}},
		{2, []int{2, 3, 2}, []float64{1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60}},
		{-1, []int{2, 3, 2}, []float64{1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60}},
		{-3, []int{2, 2, 3}, []float64{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}},
	}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, tc := range cases {
			b := NewBuilder(dt)
			x, y := b.Constant("a", a, 2, 3), b.Constant("c", c, 2, 3)
			out := b.Stack(tc.axis, x, y)
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			if !sameShape(out.Shape(), tc.shape) {
				t.Fatalf("axis %d: shape %v, want %v", tc.axis, out.Shape(), Shape(tc.shape))
			}
			runStable(t, b, out, x, y)
			if got := Values(out); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%v axis %d: %v, want %v", dt, tc.axis, got, tc.want)
			}
		}
		// Scalars stack into a vector.
		b := NewBuilder(dt)
		out := b.Stack(0, b.Scalar(1.5), b.Sum(b.Constant("v", []float64{1, 2}, 2)), b.Scalar(-2))
		if b.Err() != nil {
			t.Fatal(b.Err())
		}
		runGraph(t, b)
		if got := Values(out); !sameShape(out.Shape(), []int{3}) || fmt.Sprint(got) != "[1.5 3 -2]" {
			t.Errorf("%v scalars: %v of shape %v", dt, got, out.Shape())
		}
	}
}

func TestStackGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	init := make([]float64, 6)
	for i := range init {
		init[i] = rng.NormFloat64()
	}
	w := make([]float64, 18)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	for _, axis := range []int{0, 1, 2} {
		gradCheck(t, fmt.Sprint("stack axis ", axis), init, []int{2, 3}, func(b *Builder, p *Node) *Node {
			// p appears twice, once transformed, next to a constant.
			out := b.Stack(axis, p, b.Square(p), b.Constant("k", []float64{1, 2, 3, 4, 5, 6}, 2, 3))
			return b.Sum(b.Mul(out, b.Constant("w", w, out.Shape()...)))
		})
	}
	// Scalars: the gradient of each is one entry of the incoming gradient.
	gradCheck(t, "stack scalars", []float64{0.5, -1}, []int{2}, func(b *Builder, p *Node) *Node {
		s := b.Stack(0, b.Sum(p), b.Sum(b.Square(p)))
		return b.Sum(b.Mul(b.Exp(s), b.Constant("w", []float64{2, -3}, 2)))
	})
}

func TestStackErrors(t *testing.T) {
	b := NewBuilder(Float64)
	if b.Stack(0); b.Err() == nil {
		t.Error("Stack of nothing: no error")
	}
	b = NewBuilder(Float64)
	b.Stack(0, b.Input("a", 2, 3), b.Input("b", 3, 2))
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), "Stack(axis 0, xs [(2, 3), (3, 2)])") {
		t.Errorf("mismatched shapes: %v", err)
	}
	b = NewBuilder(Float64)
	if b.Stack(3, b.Input("a", 2, 3)); b.Err() == nil {
		t.Error("axis 3 of a matrix: no error")
	}
	b = NewBuilder(Float64)
	if b.Stack(0, b.Input("a", 2), nil); b.Err() == nil {
		t.Error("nil node: no error")
	}
}
