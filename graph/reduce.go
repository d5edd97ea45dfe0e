package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"slices"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sumOp sums a tensor over some of its axes (all of them giving a scalar).
// It replaces Gorgonia's sum, which allocates its result and its gradient's
// reshape and repeat on every run: this one writes into its node's buffer
// (a scalar result too), accumulates in float64 in the order of the input's
// elements (so a float32 sum is rounded once), and its gradient is a
// broadcast copy.
type sumOp struct {
	in   tensor.Shape
	axes []int        // sorted, distinct
	out  tensor.Shape // nil for a scalar
	acc  []float64    // scratch, one per output element
}

func newSumOp(in []int, axes []int) (*sumOp, error) {
	ax := slices.Clone(axes)
	if len(ax) == 0 {
		for i := range in {
			ax = append(ax, i)
		}
	}
	slices.Sort(ax)
	ax = slices.Compact(ax)
	var out tensor.Shape
	for i, n := range in {
		if _, found := slices.BinarySearch(ax, i); !found {
			out = append(out, n)
		}
	}
	for _, a := range ax {
		if a < 0 || a >= len(in) {
			return nil, fmt.Errorf("axis %d of shape %v", a, Shape(in))
		}
	}
	return &sumOp{in: tensor.Shape(slices.Clone(in)), axes: ax, out: out}, nil
}

func (op *sumOp) Arity() int { return 1 }
func (op *sumOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if len(op.out) == 0 {
		return hm.NewFnType(G.TensorType{Dims: len(op.in), Of: a}, a)
	}
	return hm.NewFnType(G.TensorType{Dims: len(op.in), Of: a}, G.TensorType{Dims: len(op.out), Of: a})
}
func (op *sumOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(op.out) == 0 {
		return tensor.ScalarShape(), nil
	}
	return op.out.Clone(), nil
}

func (op *sumOp) Do(vals ...G.Value) (G.Value, error) {
	in, ok := vals[0].(tensor.Tensor)
	if !ok {
		return nil, errors.New("sum: input is not a tensor")
	}
	var out G.Value
	switch {
	case len(op.out) == 0 && in.Dtype() == tensor.Float64:
		out = G.NewF64(0)
	case len(op.out) == 0:
		out = G.NewF32(0)
	default:
		out = tensor.New(tensor.Of(in.Dtype()), tensor.WithShape(op.out.Clone()...))
	}
	return op.UsePreallocDo(out, vals...)
}

// UsePreallocDo writes into the node's own buffer (a scalar's too).
func (op *sumOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	n := op.out.TotalSize()
	if len(op.out) == 0 {
		n = 1
	}
	if cap(op.acc) < n {
		op.acc = make([]float64, n)
	}
	acc := op.acc[:n]
	clear(acc)
	if src, ok := floats64(vals[0]); ok && len(src) == op.in.TotalSize() {
		sumKernel(op, acc, src)
	} else if src, ok := floats32(vals[0]); ok && len(src) == op.in.TotalSize() {
		sumKernel(op, acc, src)
	} else {
		return nil, fmt.Errorf("sum: input %v does not match shape %v", vals[0].Shape(), op.in)
	}
	switch p := prealloc.(type) {
	case *G.F64:
		*p = G.F64(acc[0])
		return p, nil
	case *G.F32:
		*p = G.F32(acc[0])
		return p, nil
	}
	if dst, ok := floats64(prealloc); ok && len(dst) == n {
		copy(dst, acc)
		return prealloc, nil
	}
	if dst, ok := floats32(prealloc); ok && len(dst) == n {
		for i, v := range acc {
			dst[i] = float32(v)
		}
		return prealloc, nil
	}
	return op.Do(vals...)
}

// sumKernel adds every element of src into acc at its output index, in the
// order of src.
func sumKernel[T float32 | float64](op *sumOp, acc []float64, src []T) {
	if len(op.out) == 0 {
		var s float64
		for _, v := range src {
			s += float64(v)
		}
		acc[0] = s
		return
	}
	// Trailing axes reduced: sum contiguous segments.
	if op.axes[0] == len(op.in)-len(op.axes) {
		w := len(src) / len(acc)
		for o := range acc {
			var s float64
			for _, v := range src[o*w : (o+1)*w] {
				s += float64(v)
			}
			acc[o] = s
		}
		return
	}
	// Leading axes reduced, trailing kept: add rows of len(acc).
	if op.axes[len(op.axes)-1] == len(op.axes)-1 {
		w := len(acc)
		for i := 0; i < len(src); i += w {
			for j, v := range src[i : i+w] {
				acc[j] += float64(v)
			}
		}
		return
	}
	// General: walk src with an odometer over its index, keeping the output
	// index in step (stride 0 along the reduced axes).
	d := len(op.in)
	var idx, ostr, lim [8]int
	if d > len(idx) {
		panic("graph: Sum of more than 8 axes")
	}
	st := 1
	for i := d - 1; i >= 0; i-- {
		lim[i] = op.in[i]
		if _, red := slices.BinarySearch(op.axes, i); !red {
			ostr[i] = st
			st *= op.in[i]
		}
	}
	o := 0
	for _, v := range src {
		acc[o] += float64(v)
		for i := d - 1; i >= 0; i-- {
			idx[i]++
			o += ostr[i]
			if idx[i] < lim[i] {
				break
			}
			o -= ostr[i] * idx[i]
			idx[i] = 0
		}
	}
}

func (op *sumOp) ReturnsPtr() bool     { return false }
func (op *sumOp) CallsExtern() bool    { return false }
func (op *sumOp) OverwritesInput() int { return -1 }
func (op *sumOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.sum(%v,%v)", op.in, op.axes)
}
func (op *sumOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *sumOp) String() string       { return fmt.Sprintf("sum%v", op.axes) }
func (op *sumOp) DiffWRT(n int) []bool { return []bool{true} }
func (op *sumOp) scalarPrealloc()      {}

// SymDiff: the gradient of a sum is the incoming gradient broadcast back over
// the summed axes.
func (op *sumOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return symDiff(in, out, grad, func(b *Builder, in []*Node, out, g *Node) []*Node {
		if len(op.out) == 0 {
			return []*Node{b.fill(g, op.in)}
		}
		keep := slices.Clone([]int(op.in))
		for _, a := range op.axes {
			keep[a] = 1
		}
		return []*Node{b.shapeOp("bcast", b.Reshape(g, keep...), op.in, 0)}
	})
}

// fillOp broadcasts a scalar to a tensor of a fixed shape.
type fillOp struct{ shape tensor.Shape }

// fill returns a tensor of the given shape filled with the scalar x.
func (b *Builder) fill(x *Node, shape []int) *Node {
	if !b.ok(x) {
		return nil
	}
	n, err := G.ApplyOp(&fillOp{shape: tensor.Shape(slices.Clone(shape))}, x.n)
	return b.keep("fill", n, err)
}

func (op *fillOp) Arity() int { return 1 }
func (op *fillOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, G.TensorType{Dims: len(op.shape), Of: a})
}
func (op *fillOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }
func (op *fillOp) Do(vals ...G.Value) (G.Value, error) {
	var dt tensor.Dtype
	switch vals[0].(type) {
	case *G.F64:
		dt = tensor.Float64
	case *G.F32:
		dt = tensor.Float32
	default:
		return nil, fmt.Errorf("fill: input is %T, not a float scalar", vals[0])
	}
	return op.UsePreallocDo(tensor.New(tensor.Of(dt), tensor.WithShape(op.shape.Clone()...)), vals...)
}

// UsePreallocDo writes into the node's own buffer.
func (op *fillOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	switch x := vals[0].(type) {
	case *G.F64:
		if d, ok := floats64(prealloc); ok {
			for i := range d {
				d[i] = float64(*x)
			}
			return prealloc, nil
		}
	case *G.F32:
		if d, ok := floats32(prealloc); ok {
			for i := range d {
				d[i] = float32(*x)
			}
			return prealloc, nil
		}
	}
	return nil, fmt.Errorf("fill: input %T and buffer %T do not match", vals[0], prealloc)
}

func (op *fillOp) ReturnsPtr() bool     { return false }
func (op *fillOp) CallsExtern() bool    { return false }
func (op *fillOp) OverwritesInput() int { return -1 }
func (op *fillOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.fill(%v)", op.shape)
}
func (op *fillOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *fillOp) String() string       { return fmt.Sprintf("fill%v", op.shape) }
func (op *fillOp) DiffWRT(n int) []bool { return []bool{true} }

// SymDiff: the gradient of a broadcast scalar is the sum of the incoming
// gradient.
func (op *fillOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return symDiff(in, out, grad, func(b *Builder, in []*Node, out, g *Node) []*Node {
		return []*Node{b.Sum(g)}
	})
}
