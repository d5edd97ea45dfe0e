package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNodeIdentity checks that a Builder hands out one *Node per graph node:
// the same pointer from the layer's fields and Params, from an operation built
// twice on the same inputs (Gorgonia merges them), and from Grad when two
// gradients are the same node.
func TestNodeIdentity(t *testing.T) {
	b := NewBuilder(Float64)
	d := b.NewDense("d", 3, 2, ActTanh, rand.New(rand.NewPCG(1, 2)))
	if ps := d.Params(); ps[0] != d.W || ps[1] != d.B {
		t.Fatal("Params does not return the layer's own nodes")
	}
	p := b.Param("p", []float64{1, 2, 3}, 3)
	q := b.Param("q", []float64{4, 5, 6}, 3)
	if e1, e2 := b.Exp(p), b.Exp(p); e1 != e2 {
		t.Error("the same operation on the same input gave two Nodes")
	}
	if b.Reshape(p, 3) != p {
		t.Error("Reshape to the same shape did not return the node itself")
	}
	// d(Σ (p + q))/dp and /dq are the same node: Add passes the incoming
	// gradient through to both inputs.
	sum := b.Sum(b.Add(p, q))
	gs := b.Grad(sum, p, q)
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	if len(gs) != 2 || gs[0] != gs[1] {
		t.Fatalf("Grad returned %v, want the same node twice", gs)
	}
	// Grad's nodes are graph nodes like any other: they build and run.
	g2 := b.Grad(sum, p)
	if g2[0] != gs[0] {
		t.Error("a second Grad of the same cost returned another Node for the same gradient")
	}
	use := b.Sum(b.Mul(gs[0], p))
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if got := Values(gs[0]); !slices.Equal(got, []float64{1, 1, 1}) {
		t.Errorf("gradient %v, want ones", got)
	}
	if got := Scalar64(use); got != 6 {
		t.Errorf("Σ grad·p = %g, want 6", got)
	}
	if gs[0].Dtype() != Float64 || p.Dtype() != Float64 {
		t.Errorf("node dtypes %v and %v, want float64", gs[0].Dtype(), p.Dtype())
	}
}

// TestDtype checks the zero value and the names of Dtype, and that NewBuilder
// refuses anything but Float64 and Float32.
func TestDtype(t *testing.T) {
	var zero Dtype
	for _, c := range []struct {
		d    Dtype
		want string
	}{{zero, "unset"}, {Float64, "float64"}, {Float32, "float32"}, {Dtype(9), "Dtype(9)"}} {
		if got := c.d.String(); got != c.want {
			t.Errorf("Dtype(%d).String() = %q, want %q", uint8(c.d), got, c.want)
		}
	}
	if zero == Float64 || zero == Float32 || Float64 == Float32 {
		t.Error("the zero Dtype equals a float type, or the float types are equal")
	}
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		x := b.Input("x", 2)
		if b.Dtype() != dt || x.Dtype() != dt || b.Scalar(1).Dtype() != dt {
			t.Errorf("%v: builder %v, input %v", dt, b.Dtype(), x.Dtype())
		}
	}
	for _, dt := range []Dtype{zero, Dtype(9)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewBuilder(%v) did not panic", dt)
				}
			}()
			NewBuilder(dt)
		}()
	}
}

// TestShape checks Node.Shape, Dims and IsScalar, and Shape's String and Size.
func TestShape(t *testing.T) {
	b := NewBuilder(Float32)
	x := b.Input("x", 2, 3)
	s := x.Shape()
	if !slices.Equal(s, Shape{2, 3}) || x.Dims() != 2 || x.IsScalar() || s.Size() != 6 {
		t.Fatalf("shape %v, dims %d, size %d", s, x.Dims(), s.Size())
	}
	s[0] = 7 // a copy: the node keeps its shape
	if x.Shape()[0] != 2 {
		t.Error("changing the returned shape changed the node")
	}
	sc := b.Sum(x)
	if !sc.IsScalar() || sc.Dims() != 0 || len(sc.Shape()) != 0 {
		t.Errorf("Sum: shape %v, want a scalar", sc.Shape())
	}
	for _, c := range []struct {
		s    Shape
		want string
	}{{Shape{}, "()"}, {Shape{3}, "(3)"}, {Shape{2, 3}, "(2, 3)"}} {
		if got := c.s.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.s, got, c.want)
		}
	}
	if (Shape{}).Size() != 1 {
		t.Error("a scalar's size is not 1")
	}
	if name := x.Name(); name != "x#1" || x.String() != name {
		t.Errorf("name %q, String %q", name, x.String())
	}
}

// TestBuffers checks that Float64s and Float32s share an input's buffer
// (writes reach the next Run, without allocating), hold an operation's last
// result, and are nil for the other float type, for scalars and for operation
// nodes before the first Run.
func TestBuffers(t *testing.T) {
	// buf returns n's buffer as float64 values, and whether it has the wrong
	// type's buffer too.
	buf := func(n *Node, dt Dtype) ([]float64, bool) {
		if dt == Float64 {
			return Float64s(n), Float32s(n) != nil
		}
		var out []float64
		for _, v := range Float32s(n) {
			out = append(out, float64(v))
		}
		return out, Float64s(n) != nil
	}
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		x := b.Input("x", 3)
		y := b.Scale(x, 2)
		total := b.Sum(y)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if Float64s(y) != nil || Float32s(y) != nil {
			t.Errorf("%v: the buffer of an operation before the first Run is not nil", dt)
		}
		if dt == Float64 {
			copy(Float64s(x), []float64{1, 2, 3})
		} else {
			copy(Float32s(x), []float32{1, 2, 3})
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		if got := Scalar64(total); got != 12 {
			t.Errorf("%v: Σ 2x = %g after writing into the buffer, want 12", dt, got)
		}
		for _, c := range []struct {
			n    *Node
			want []float64
		}{{x, []float64{1, 2, 3}}, {y, []float64{2, 4, 6}}, {total, nil}} {
			got, other := buf(c.n, dt)
			if !slices.Equal(got, c.want) || other {
				t.Errorf("%v: buffer of %s = %v (other type: %v), want %v", dt, c.n, got, other, c.want)
			}
		}
		if a := testing.AllocsPerRun(100, func() { _, _ = Float64s(x), Float32s(x) }); a != 0 {
			t.Errorf("%v: the buffer accessors allocate %g times per call", dt, a)
		}
	}
}
