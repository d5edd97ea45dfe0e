package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync"

	"github.com/chewxy/hm"
	"github.com/vigor-ml/vigor/internal/vmath"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// binOp is an elementwise binary op on two tensors of the same shape (the
// Builder broadcasts first), computed natively in float64 or float32, written
// into a reused output buffer and split across cores for large tensors. It
// replaces Gorgonia's arithmetic ops, whose gradients allocate on every run.
type binOp struct {
	name string
	f64  func(x, y float64) float64
	f32  func(x, y float32) float32
	// vec32 and vec64, if not nil, are f32 and f64 over slices (dst, x, y),
	// the same bits faster.
	vec32 func(dst, x, y []float32)
	vec64 func(dst, x, y []float64)
	// grad returns dL/dx and dL/dy given the inputs, the output and the
	// incoming gradient g.
	grad func(b *Builder, x, y, out, g *Node) (gx, gy *Node)
}

var (
	addOp = &binOp{name: "add",
		f64: func(x, y float64) float64 { return x + y },
		f32: func(x, y float32) float32 { return x + y },
	}
	subOp = &binOp{name: "sub",
		f64: func(x, y float64) float64 { return x - y },
		f32: func(x, y float32) float32 { return x - y },
	}
	mulOp = &binOp{name: "mul",
		f64: func(x, y float64) float64 { return x * y },
		f32: func(x, y float32) float32 { return x * y },
	}
	divOp = &binOp{name: "div",
		f64: func(x, y float64) float64 { return x / y },
		f32: func(x, y float32) float32 { return x / y },
	}
)

// bernoulliLogitsOp is y·l - softplus(l) in one pass (the Bernoulli
// log-likelihood of y given logits l); its gradients are l (for y) and
// y - σ(l) (for l).
var bernoulliLogitsOp = &binOp{name: "bernoulli-logits",
	f64:   vmath.Bernoulli1,
	f32:   func(y, l float32) float32 { return float32(y*l) - softplus32(l) },
	vec32: vmath.BernoulliLogits,
	vec64: vmath.Bernoulli64s,
}

// The gradients refer to the Builder methods that use the ops: set them here.
func init() {
	addOp.grad = func(b *Builder, x, y, out, g *Node) (*Node, *Node) { return g, g }
	subOp.grad = func(b *Builder, x, y, out, g *Node) (*Node, *Node) { return g, b.Neg(g) }
	mulOp.grad = func(b *Builder, x, y, out, g *Node) (*Node, *Node) { return b.Mul(g, y), b.Mul(g, x) }
	bernoulliLogitsOp.grad = func(b *Builder, y, l, out, g *Node) (*Node, *Node) {
		return b.Mul(g, l), b.Mul(g, b.Sub(y, b.Sigmoid(l)))
	}
	divOp.grad = func(b *Builder, x, y, out, g *Node) (*Node, *Node) {
		return b.Div(g, y), b.Neg(b.Mul(g, b.Div(out, y)))
	}
}

func (op *binOp) Arity() int { return 2 }
func (op *binOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a, a)
}
func (op *binOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%s: input shape is %T", op.name, in[0])
	}
	return s.Clone(), nil
}

func (op *binOp) Do(vals ...G.Value) (G.Value, error) {
	switch x := vals[0].(type) {
	case *G.F64:
		if y, ok := vals[1].(*G.F64); ok {
			return G.NewF64(op.f64(float64(*x), float64(*y))), nil
		}
	case *G.F32:
		if y, ok := vals[1].(*G.F32); ok {
			return G.NewF32(op.f32(float32(*x), float32(*y))), nil
		}
	case tensor.Tensor:
		out := tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(x.Shape().Clone()...))
		if err := op.into(out, x, vals[1]); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unsupported values %T, %T", op.name, vals[0], vals[1])
}

// UsePreallocDo writes into the node's own buffer (a scalar's too).
func (op *binOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	switch p := prealloc.(type) {
	case *G.F64:
		x, ok := vals[0].(*G.F64)
		y, ok2 := vals[1].(*G.F64)
		if ok && ok2 {
			*p = G.F64(op.f64(float64(*x), float64(*y)))
			return p, nil
		}
	case *G.F32:
		x, ok := vals[0].(*G.F32)
		y, ok2 := vals[1].(*G.F32)
		if ok && ok2 {
			*p = G.F32(op.f32(float32(*x), float32(*y)))
			return p, nil
		}
	}
	out, ok := prealloc.(tensor.Tensor)
	x, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || !out.Shape().Eq(x.Shape()) || out.Dtype() != x.Dtype() {
		return op.Do(vals...)
	}
	if err := op.into(out, x, vals[1]); err != nil {
		return nil, err
	}
	return out, nil
}

func (op *binOp) into(out, x tensor.Tensor, yv G.Value) error {
	y, ok := yv.(tensor.Tensor)
	if !ok || y.Shape().TotalSize() != x.Shape().TotalSize() || y.Dtype() != x.Dtype() {
		return fmt.Errorf("%s: operands %v and %v differ", op.name, x.Shape(), yv.Shape())
	}
	if a, ok := floats64(x); ok {
		bb, ok := floats64(y)
		dst, ok2 := floats64(out)
		if !ok || !ok2 || len(dst) != len(a) {
			return fmt.Errorf("%s: operands or output do not match", op.name)
		}
		if w := rangeWorkers(len(a)); w > 1 {
			j := binJobs.Get().(*binJob)
			j.op, j.d64, j.x64, j.y64 = op, dst, a, bb
			runRange(len(a), w, j)
			*j = binJob{}
			binJobs.Put(j)
			return nil
		}
		op.apply64(dst, a, bb)
		return nil
	}
	if a, ok := floats32(x); ok {
		bb, ok := floats32(y)
		dst, ok2 := floats32(out)
		if !ok || !ok2 || len(dst) != len(a) {
			return fmt.Errorf("%s: operands or output do not match", op.name)
		}
		if w := rangeWorkers(len(a)); w > 1 {
			j := binJobs.Get().(*binJob)
			j.op, j.d32, j.x32, j.y32 = op, dst, a, bb
			runRange(len(a), w, j)
			*j = binJob{}
			binJobs.Put(j)
			return nil
		}
		op.apply32(dst, a, bb)
		return nil
	}
	return fmt.Errorf("%s: unsupported dtype %v", op.name, x.Dtype())
}

func (op *binOp) apply64(dst, x, y []float64) {
	if op.vec64 != nil {
		op.vec64(dst, x, y)
		return
	}
	f := op.f64
	y = y[:len(x)]
	for i, v := range x {
		dst[i] = f(v, y[i])
	}
}

func (op *binOp) apply32(dst, x, y []float32) {
	if op.vec32 != nil {
		op.vec32(dst, x, y)
		return
	}
	f := op.f32
	y = y[:len(x)]
	for i, v := range x {
		dst[i] = f(v, y[i])
	}
}

// binJob is a binary elementwise op over large tensors, split into ranges.
type binJob struct {
	op            *binOp
	d64, x64, y64 []float64
	d32, x32, y32 []float32
}

var binJobs = sync.Pool{New: func() any { return new(binJob) }}

func (j *binJob) runRange(lo, hi int) {
	if j.x64 != nil {
		j.op.apply64(j.d64[lo:hi], j.x64[lo:hi], j.y64[lo:hi])
		return
	}
	j.op.apply32(j.d32[lo:hi], j.x32[lo:hi], j.y32[lo:hi])
}

func (op *binOp) scalarPrealloc()       {}
func (op *binOp) ReturnsPtr() bool      { return false }
func (op *binOp) CallsExtern() bool     { return false }
func (op *binOp) OverwritesInput() int  { return -1 }
func (op *binOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "vigor.%s", op.name) }
func (op *binOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *binOp) String() string       { return op.name }
func (op *binOp) DiffWRT(n int) []bool { return []bool{true, true} }
func (op *binOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return symDiff(in, out, grad, func(b *Builder, in []*Node, out, g *Node) []*Node {
		gx, gy := op.grad(b, in[0], in[1], out, g)
		return []*Node{gx, gy}
	})
}

// applyBin applies a binOp to two nodes of the same shape, or two scalars.
func applyBin(op *binOp) plainFn {
	return func(x, y *G.Node) (*G.Node, error) {
		if x.IsScalar() != y.IsScalar() {
			return nil, fmt.Errorf("graph: %s of a scalar and a tensor", op.name)
		}
		return G.ApplyOp(op, x, y)
	}
}

// affine returns the elementwise op x ↦ a·x + c for constants a and c.
func affine(a, c float64) *ewOp {
	a32, c32 := float32(a), float32(c)
	op := &ewOp{
		name: fmt.Sprintf("affine(%g,%g)", a, c),
		f64:  func(x float64) float64 { return a*x + c },
		f32:  func(x float32) float32 { return a32*x + c32 },
	}
	op.grad = func(b *Builder, x, y, g *Node) *Node { return b.Scale(g, a) }
	return op
}
