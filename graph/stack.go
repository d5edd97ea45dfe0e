package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Stack joins n nodes of the same shape along a new axis of length n, at
// position axis of the output:
//
//	xs[k] of shape (d₀, …, d_{r-1}) → out of shape (d₀, …, d_{axis-1}, n, d_axis, …, d_{r-1}),
//	out[…, k, …] = xs[k][…]
//
// axis is in [0, r]; a negative axis counts from the end of the output's axes
// (-1 is the new last axis, as in NumPy). Scalars stack into a vector. The
// gradient of xs[k] is slice k of the incoming gradient along the new axis.
// The output is a fresh buffer, never a view. Concat joins along an existing
// axis instead.
func (b *Builder) Stack(axis int, xs ...*Node) *Node {
	if !b.ok(xs...) {
		return nil
	}
	if len(xs) == 0 {
		b.Failf("graph: Stack of nothing")
		return nil
	}
	s0 := xs[0].Shape()
	for k, x := range xs[1:] {
		if !sameShape(x.Shape(), s0) {
			b.Failf("graph: Stack(axis %d, xs %s): node %d has shape %v, node 0 %v; stacked nodes need the same shape",
				axis, describeArg(xs), k+1, x.Shape(), s0)
			return nil
		}
	}
	r := len(s0)
	if axis < 0 {
		axis += r + 1
	}
	if axis < 0 || axis > r {
		b.Failf("graph: Stack(axis %d, xs %s): axis out of range for %d-axis nodes", axis, describeArg(xs), r)
		return nil
	}
	ns := append([]*Node(nil), xs...)
	if !b.bindAll(ns...) {
		return nil
	}
	n, err := G.ApplyOp(&stackOp{axis: axis, n: len(ns), in: tensor.Shape(s0)}, gnodes(ns)...)
	return b.keep("Stack", n, err)
}

// stackOp stacks n inputs of shape in along a new axis; unstackOp takes slice
// k of such a stack back out.
type stackOp struct {
	axis, n int
	in      tensor.Shape
}

type unstackOp struct {
	stackOp
	k int
}

// stackLayout gives (outer, inner): element (o, k, i) of the stack is at
// (o·n + k)·inner + i, and element (o, i) of input k at o·inner + i.
func (op *stackOp) stackLayout() (outer, inner int) {
	outer, inner = 1, 1
	for i, d := range op.in {
		if i < op.axis {
			outer *= d
		} else {
			inner *= d
		}
	}
	return outer, inner
}

func (op *stackOp) outShape() tensor.Shape {
	out := make(tensor.Shape, 0, len(op.in)+1)
	out = append(out, op.in[:op.axis]...)
	out = append(out, op.n)
	return append(out, op.in[op.axis:]...)
}

func (op *stackOp) inType(a hm.Type) hm.Type {
	if len(op.in) == 0 {
		return a
	}
	return G.TensorType{Dims: len(op.in), Of: a}
}

func (op *stackOp) Arity() int { return op.n }
func (op *stackOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, op.n+1)
	for i := 0; i < op.n; i++ {
		ts[i] = op.inType(a)
	}
	ts[op.n] = G.TensorType{Dims: len(op.in) + 1, Of: a}
	return hm.NewFnType(ts...)
}
func (op *stackOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.outShape(), nil
}

func (op *stackOp) Do(vals ...G.Value) (G.Value, error) {
	dt, err := valueDtype(vals[0])
	if err != nil {
		return nil, err
	}
	out := tensor.New(tensor.Of(dt), tensor.WithShape(op.outShape()...))
	return out, op.into(out, vals)
}

// UsePreallocDo reuses the output buffer between runs.
func (op *stackOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	dt, err := valueDtype(vals[0])
	if !ok || err != nil || out.Dtype() != dt || out.Shape().TotalSize() != op.outShape().TotalSize() {
		return op.Do(vals...)
	}
	return out, op.into(out, vals)
}

func (op *stackOp) into(out tensor.Tensor, vals []G.Value) error {
	outer, inner := op.stackLayout()
	switch dst := out.Data().(type) {
	case []float64:
		for k, v := range vals {
			src, err := valueData[float64](v)
			if err != nil {
				return err
			}
			stackCopy(dst, src, outer, inner, op.n, k, false)
		}
	case []float32:
		for k, v := range vals {
			src, err := valueData[float32](v)
			if err != nil {
				return err
			}
			stackCopy(dst, src, outer, inner, op.n, k, false)
		}
	default:
		return fmt.Errorf("graph: stack: unsupported dtype %v", out.Dtype())
	}
	return nil
}

// stackCopy copies input k into the stack (unstack = false) or slice k of the
// stack into the input buffer (unstack = true).
func stackCopy[T float32 | float64](stack, x []T, outer, inner, n, k int, unstack bool) {
	for o := 0; o < outer; o++ {
		s, v := stack[(o*n+k)*inner:(o*n+k+1)*inner], x[o*inner:(o+1)*inner]
		if unstack {
			copy(v, s)
		} else {
			copy(s, v)
		}
	}
}

func (op *stackOp) ReturnsPtr() bool     { return false }
func (op *stackOp) CallsExtern() bool    { return false }
func (op *stackOp) OverwritesInput() int { return -1 }
func (op *stackOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.stack(%d,%d,%v)", op.axis, op.n, op.in)
}
func (op *stackOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *stackOp) String() string { return fmt.Sprintf("Stack[%d]", op.axis) }
func (op *stackOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff: input k gets slice k of the gradient.
func (op *stackOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	res := make(G.Nodes, op.n)
	for k := range res {
		n, err := G.ApplyOp(&unstackOp{stackOp: *op, k: k}, grad)
		if err != nil {
			return nil, err
		}
		res[k] = n
	}
	return res, nil
}

func (op *unstackOp) Arity() int { return 1 }
func (op *unstackOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: len(op.in) + 1, Of: a}, op.inType(a))
}
func (op *unstackOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(op.in) == 0 {
		return tensor.ScalarShape(), nil
	}
	return op.in.Clone(), nil
}

func (op *unstackOp) Do(vals ...G.Value) (G.Value, error) {
	in, ok := vals[0].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("graph: unstack: input is %T, not a tensor", vals[0])
	}
	if len(op.in) == 0 {
		switch src := in.Data().(type) {
		case []float64:
			return G.NewF64(src[op.k]), nil
		case []float32:
			return G.NewF32(src[op.k]), nil
		}
		return nil, fmt.Errorf("graph: unstack: unsupported dtype %v", in.Dtype())
	}
	out := tensor.New(tensor.Of(in.Dtype()), tensor.WithShape(op.in.Clone()...))
	return out, op.into(out, in)
}

// UsePreallocDo reuses the output buffer between runs.
func (op *unstackOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	in, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || len(op.in) == 0 || out.Dtype() != in.Dtype() || out.Shape().TotalSize() != op.in.TotalSize() {
		return op.Do(vals...)
	}
	return out, op.into(out, in)
}

func (op *unstackOp) into(out, in tensor.Tensor) error {
	if d, ok := in.(*tensor.Dense); ok && d.IsView() {
		in = d.Materialize()
	}
	outer, inner := op.stackLayout()
	switch src := in.Data().(type) {
	case []float64:
		stackCopy(src, out.Data().([]float64), outer, inner, op.n, op.k, true)
	case []float32:
		stackCopy(src, out.Data().([]float32), outer, inner, op.n, op.k, true)
	default:
		return fmt.Errorf("graph: unstack: unsupported dtype %v", in.Dtype())
	}
	return nil
}

func (op *unstackOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.unstack(%d,%d,%v,%d)", op.axis, op.n, op.in, op.k)
}
func (op *unstackOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *unstackOp) String() string       { return fmt.Sprintf("Unstack[%d:%d]", op.axis, op.k) }
func (op *unstackOp) DiffWRT(n int) []bool { return []bool{false} }

// SymDiff fails: Stack's gradient is not differentiated again (graph has no
// second derivatives).
func (op *unstackOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return nil, errors.New("graph: the gradient of Stack has no gradient")
}

// valueDtype returns the dtype of a tensor or scalar value.
func valueDtype(v G.Value) (tensor.Dtype, error) {
	switch t := v.(type) {
	case *G.F64:
		return tensor.Float64, nil
	case *G.F32:
		return tensor.Float32, nil
	case tensor.Tensor:
		return t.Dtype(), nil
	}
	return tensor.Dtype{}, fmt.Errorf("graph: unsupported value %T", v)
}

// valueData returns the elements of a tensor or scalar value of element type T
// (a copy for a view or a scalar).
func valueData[T float32 | float64](v G.Value) ([]T, error) {
	switch t := v.(type) {
	case *G.F64:
		if x, ok := any(float64(*t)).(T); ok {
			return []T{x}, nil
		}
	case *G.F32:
		if x, ok := any(float32(*t)).(T); ok {
			return []T{x}, nil
		}
	case tensor.Tensor:
		if d, ok := t.(*tensor.Dense); ok && d.IsView() {
			t = d.Materialize()
		}
		if x, ok := t.Data().([]T); ok {
			return x, nil
		}
	}
	return nil, errors.New("graph: stack: inputs of mixed or unsupported dtypes")
}
