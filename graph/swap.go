package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// swapOp swaps the first two axes of its input, always into a fresh buffer:
// (A, B, rest...) → (B, A, rest...).
type swapOp struct {
	in tensor.Shape
}

// SwapLeading returns a copy of x with its first two axes swapped: shape
// (A, B, rest...) becomes (B, A, rest...), out[b, a, ...] = x[a, b, ...]. For a
// matrix it is the transpose. Its gradient swaps the axes back. It turns, for
// example, per-row-then-draw terms (B, S, K) into the draw-major layout
// (S, B, K) of the latents.
func (b *Builder) SwapLeading(x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.Dims() < 2 {
		b.Failf("graph: SwapLeading of shape %v: need at least two axes", x.Shape())
		return nil
	}
	n, err := G.ApplyOp(&swapOp{in: x.n.Shape()}, x.n)
	return b.keep("SwapLeading", n, err)
}

func (op *swapOp) out() tensor.Shape {
	s := op.in.Clone()
	s[0], s[1] = s[1], s[0]
	return s
}

func (op *swapOp) Arity() int { return 1 }
func (op *swapOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: len(op.in), Of: a}
	return hm.NewFnType(t, t)
}
func (op *swapOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return op.out(), nil }

func (op *swapOp) Do(vals ...G.Value) (G.Value, error) {
	in, ok := vals[0].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("graph: swap: input is %T, not a tensor", vals[0])
	}
	out := tensor.New(tensor.Of(in.Dtype()), tensor.WithShape(op.out()...))
	return out, op.into(out, in)
}

// UsePreallocDo reuses the output buffer between runs.
func (op *swapOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	in, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || out.Dtype() != in.Dtype() || !out.Shape().Eq(op.out()) {
		return op.Do(vals...)
	}
	return out, op.into(out, in)
}

func (op *swapOp) into(out, in tensor.Tensor) error {
	if in.Shape().TotalSize() != op.in.TotalSize() {
		return fmt.Errorf("graph: swap: input has shape %v, want %v", in.Shape(), op.in)
	}
	if d, ok := in.(*tensor.Dense); ok && d.IsView() {
		in = d.Materialize()
	}
	a, b := op.in[0], op.in[1]
	r := op.in.TotalSize() / (a * b)
	switch src := in.Data().(type) {
	case []float64:
		swapKernel(out.Data().([]float64), src, a, b, r)
	case []float32:
		swapKernel(out.Data().([]float32), src, a, b, r)
	default:
		return fmt.Errorf("graph: swap: unsupported dtype %v", in.Dtype())
	}
	return nil
}

func swapKernel[T float32 | float64](dst, src []T, a, b, r int) {
	for i := 0; i < a; i++ {
		for j := 0; j < b; j++ {
			copy(dst[(j*a+i)*r:(j*a+i+1)*r], src[(i*b+j)*r:(i*b+j+1)*r])
		}
	}
}

func (op *swapOp) ReturnsPtr() bool      { return false }
func (op *swapOp) CallsExtern() bool     { return false }
func (op *swapOp) OverwritesInput() int  { return -1 }
func (op *swapOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "vigor.swapleading%v", op.in) }
func (op *swapOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *swapOp) String() string       { return fmt.Sprintf("swapleading%v", op.in) }
func (op *swapOp) DiffWRT(n int) []bool { return []bool{true} }
func (op *swapOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	n, err := G.ApplyOp(&swapOp{in: op.out()}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{n}, nil
}
