package graph

import (
	"fmt"
	"math"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Node is a node of a graph built by a Builder: an input, a parameter, a
// constant or the result of an operation. Nodes come only from a Builder (the
// zero Node is not usable) and are compared by pointer: a Builder hands out
// one *Node per node of its graph, so the node returned by Param and the one a
// Dense layer lists in Params are the same pointer, usable as a map key.
//
// Read a node's value with Values or Scalar64, write an input's with Set, or
// share its buffer with Float64s or Float32s.
type Node struct {
	n *G.Node // the Gorgonia node; never nil
}

// Name returns the node's name: the name given to Input, Param or Constant
// with a "#k" suffix that makes it unique in the graph, or a description of
// the operation for the other nodes.
func (n *Node) Name() string { return n.n.Name() }

// String returns the node's name.
func (n *Node) String() string { return n.n.Name() }

// Shape returns a copy of the node's shape: empty for a scalar, one entry per
// axis otherwise.
func (n *Node) Shape() Shape {
	s := n.n.Shape()
	out := make(Shape, len(s))
	copy(out, s)
	return out
}

// Dims returns the number of axes of the node (0 for a scalar).
func (n *Node) Dims() int { return n.n.Dims() }

// IsScalar reports whether the node is a scalar (no axes).
func (n *Node) IsScalar() bool { return n.n.IsScalar() }

// Dtype returns the node's float type, the float type of its Builder.
func (n *Node) Dtype() Dtype { return dtypeOf(n.n.Dtype()) }

// Shape is the shape of a node: the length of each axis, outermost first. A
// scalar has the empty shape.
type Shape []int

// Size returns the number of elements: the product of the lengths, 1 for a
// scalar.
func (s Shape) Size() int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// String formats the shape as "(2, 3)"; a scalar is "()" and a vector "(3)".
func (s Shape) String() string {
	var sb strings.Builder
	sb.WriteByte('(')
	for i, v := range s {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprint(&sb, v)
	}
	sb.WriteByte(')')
	return sb.String()
}

// Dtype is the float type of a graph: Float64 or Float32. Its zero value means
// unset: NewBuilder refuses it, and the settings structs of the packages above
// graph read it as their default (Float64).
type Dtype uint8

// The float types a Builder supports.
const (
	Float64 Dtype = 1 + iota // float64, the default of Vigor's settings
	Float32                  // float32
)

// String returns "float64", "float32", "unset" for the zero value, or
// "Dtype(n)" for any other value.
func (d Dtype) String() string {
	switch d {
	case 0:
		return "unset"
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("Dtype(%d)", uint8(d))
}

// tensorDtype returns the tensor package's dtype for d (Float64 or Float32).
func (d Dtype) tensorDtype() tensor.Dtype {
	if d == Float32 {
		return tensor.Float32
	}
	return tensor.Float64
}

// dtypeOf maps the tensor package's float dtypes to Dtype (anything else to
// the zero Dtype).
func dtypeOf(dt tensor.Dtype) Dtype {
	switch dt {
	case tensor.Float64:
		return Float64
	case tensor.Float32:
		return Float32
	}
	return 0
}

// Values returns the current value of n converted to float64 (a copy, in
// row-major order). It returns nil if n has no value yet.
func Values(n *Node) []float64 {
	v := n.n.Value()
	if v == nil {
		return nil
	}
	if d, ok := floats64(v); ok {
		return append([]float64(nil), d...)
	}
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	return nil
}

// AppendValues appends the current value of n, converted to float64, to dst
// and returns the extended slice: Values without allocating when dst has
// room (pass dst[:0] to reuse a buffer from step to step). It appends
// nothing if n has no value yet.
func AppendValues(dst []float64, n *Node) []float64 {
	v := n.n.Value()
	if d, ok := floats64(v); ok {
		return append(dst, d...)
	}
	if d, ok := floats32(v); ok {
		for _, x := range d {
			dst = append(dst, float64(x))
		}
		return dst
	}
	return append(dst, Values(n)...)
}

// Finite reports whether every element of n's current value is finite (not
// NaN or ±Inf); false if n has no value. It does not allocate for tensor
// nodes.
func Finite(n *Node) bool {
	v := n.n.Value()
	if d, ok := floats64(v); ok {
		for _, x := range d {
			if x-x != 0 {
				return false
			}
		}
		return true
	}
	if d, ok := floats32(v); ok {
		for _, x := range d {
			if x-x != 0 {
				return false
			}
		}
		return true
	}
	vals := Values(n)
	for _, x := range vals {
		if x-x != 0 {
			return false
		}
	}
	return vals != nil
}

// Scalar64 returns the value of a scalar node as a float64 (NaN if it has none).
func Scalar64(n *Node) float64 {
	v := n.n.Value()
	if v == nil {
		return math.NaN()
	}
	switch d := v.(type) {
	case *G.F64:
		return float64(*d)
	case *G.F32:
		return float64(*d)
	}
	if x := Values(n); len(x) == 1 {
		return x[0]
	}
	return math.NaN()
}

// Set copies vals into the value of tensor node n (converting to its float type).
// It returns an error if the lengths differ or n has no tensor value.
func Set(n *Node, vals []float64) error {
	v := n.n.Value()
	if v == nil {
		return fmt.Errorf("graph: Set %s: node has no value", n.Name())
	}
	if d, ok := floats64(v); ok {
		if len(d) != len(vals) {
			return fmt.Errorf("graph: Set %s: %d values for %d slots", n.Name(), len(vals), len(d))
		}
		copy(d, vals)
	} else if d, ok := floats32(v); ok {
		if len(d) != len(vals) {
			return fmt.Errorf("graph: Set %s: %d values for %d slots", n.Name(), len(vals), len(d))
		}
		for i, x := range vals {
			d[i] = float32(x)
		}
	} else {
		return fmt.Errorf("graph: Set %s: not a float tensor", n.Name())
	}
	return nil
}

// Float64s returns the buffer that holds the current value of the float64
// tensor node n, shared rather than copied, in row-major order. It returns nil
// if n is not a float64 tensor (a float32 node, a scalar) or has no value yet
// (an operation node before the first Run). Float32s is the same for float32
// nodes; a dtype-generic caller tries one, then the other.
//
// The buffers are the allocation-free way to feed an input on every step:
// writing into the buffer of an Input or a Param changes the value that the
// next Run reads (Set does the same from float64 values, converting). The
// buffer of an input or parameter stays the same for the life of the graph.
// The buffer of an operation node holds its result from the last Run and is
// overwritten by the next one: read it between runs, and do not write into it.
func Float64s(n *Node) []float64 {
	if d := denseValue(n, tensor.Float64); d != nil {
		return d.Float64s()
	}
	return nil
}

// Float32s returns the buffer that holds the current value of the float32
// tensor node n, shared rather than copied, or nil (see Float64s).
func Float32s(n *Node) []float32 {
	if d := denseValue(n, tensor.Float32); d != nil {
		return d.Float32s()
	}
	return nil
}

// denseValue returns n's value if it is a dense, non-scalar tensor of dtype dt
// that owns its data (not a view), or nil.
func denseValue(n *Node, dt tensor.Dtype) *tensor.Dense {
	d, ok := n.n.Value().(*tensor.Dense)
	if !ok || d == nil || d.Dtype() != dt || d.IsScalar() || d.IsView() {
		return nil
	}
	return d
}
