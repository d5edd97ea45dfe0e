package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds ops through which no gradient flows: StopGradient, the
// discrete sampling ops built on it, and Tap, which records a value for the
// caller. Gorgonia's backpropagation skips every input an op declares
// non-differentiable (DiffWRT false), so a quantity computed from the
// parameters and passed through one of these ops is a constant as far as Grad
// is concerned: the graph computes it on the same run as the gradient, with no
// second pass and no round trip through an input node.

// detachOp is a shape-preserving (kind "stop") or last-axis one-hot-of-argmax
// (kind "onehot") op with no gradient. Its output is always a fresh buffer
// (reused between runs), never a view of its input.
type detachOp struct {
	kind string
}

var (
	stopOp   = &detachOp{kind: "stopgradient"}
	onehotOp = &detachOp{kind: "onehotargmax"}
)

func (op *detachOp) Arity() int { return 1 }
func (op *detachOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (op *detachOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%s: input shape is %T", op.kind, in[0])
	}
	return s.Clone(), nil
}

func (op *detachOp) Do(vals ...G.Value) (G.Value, error) {
	switch v := vals[0].(type) {
	case *G.F64:
		if op.kind == "onehotargmax" {
			return G.NewF64(1), nil
		}
		return G.NewF64(float64(*v)), nil
	case *G.F32:
		if op.kind == "onehotargmax" {
			return G.NewF32(1), nil
		}
		return G.NewF32(float32(*v)), nil
	case tensor.Tensor:
		out := tensor.New(tensor.Of(v.Dtype()), tensor.WithShape(v.Shape().Clone()...))
		return out, op.into(out, v)
	}
	return nil, fmt.Errorf("graph: %s: unsupported value %T", op.kind, vals[0])
}

// UsePreallocDo reuses the output buffer between runs.
func (op *detachOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	in, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || !out.Shape().Eq(in.Shape()) || out.Dtype() != in.Dtype() {
		return op.Do(vals...)
	}
	return out, op.into(out, in)
}

func (op *detachOp) into(out, in tensor.Tensor) error {
	if d, ok := in.(*tensor.Dense); ok && d.IsView() {
		in = d.Materialize()
	}
	last := 1
	if s := in.Shape(); len(s) > 0 {
		last = s[len(s)-1]
	}
	switch src := in.Data().(type) {
	case []float64:
		detachKernel(op.kind, out.Data().([]float64), src, last)
	case []float32:
		detachKernel(op.kind, out.Data().([]float32), src, last)
	default:
		return fmt.Errorf("graph: %s: unsupported dtype %v", op.kind, in.Dtype())
	}
	return nil
}

func detachKernel[T float32 | float64](kind string, dst, src []T, last int) {
	if kind == "stopgradient" {
		copy(dst, src)
		return
	}
	for r := 0; r+last <= len(src); r += last {
		row := src[r : r+last]
		best := 0
		for k, v := range row {
			if v > row[best] || (math.IsNaN(float64(row[best])) && !math.IsNaN(float64(v))) {
				best = k
			}
		}
		for k := range row {
			dst[r+k] = 0
		}
		dst[r+best] = 1
	}
}

func (op *detachOp) ReturnsPtr() bool      { return false }
func (op *detachOp) CallsExtern() bool     { return false }
func (op *detachOp) OverwritesInput() int  { return -1 }
func (op *detachOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "vigor.%s", op.kind) }
func (op *detachOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *detachOp) String() string       { return op.kind }
func (op *detachOp) DiffWRT(n int) []bool { return []bool{false} }
func (op *detachOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("graph: %s has no gradient", op.kind)
}

// StopGradient returns a copy of x through which no gradient flows: its value
// is x's on every run, but Grad treats it as a constant,
//
//	StopGradient(x) = x,   ∂ StopGradient(x) / ∂x = 0.
//
// It detaches a learning signal, such as the score-function weight
// log p(x, z) - log q(z), on the same run that uses it. A cost that reaches a
// parameter only through StopGradient cannot be differentiated with respect
// to it (Grad returns an error).
func (b *Builder) StopGradient(x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	n, err := G.ApplyOp(stopOp, x.n)
	return b.keep("StopGradient", n, err)
}

// BernoulliSample returns Bernoulli draws with success probabilities
// sigmoid(logits), elementwise, given standard logistic noise of the same
// shape (or broadcasting against logits; see Add):
//
//	z = 1[logits + noise > 0],   noise = log u - log(1 - u),   u ~ Uniform(0, 1),
//
// so that P(z = 1) = sigmoid(logits). Draw the noise with LogisticNoise. No
// gradient flows through z (it is piecewise constant in the logits): the
// score-function estimator differentiates log q(z) instead.
func (b *Builder) BernoulliSample(logits, noise *Node) *Node {
	ns := []*Node{logits, noise}
	if !b.bindAll(ns...) {
		return nil
	}
	return b.apply1(stepOp, b.Add(ns[0], ns[1]))
}

// CategoricalSample returns one-hot categorical draws along the last axis,
// with probabilities softmax(logits), given standard Gumbel noise of the
// output's shape (or broadcasting against logits; see Add), by the Gumbel-max
// trick:
//
//	z = onehot(argmax_k (logits_k + noise_k)),   noise = -log(-log u),   u ~ Uniform(0, 1).
//
// Draw the noise with GumbelNoise. Ties go to the first maximum. No gradient
// flows through z.
func (b *Builder) CategoricalSample(logits, noise *Node) *Node {
	ns := []*Node{logits, noise}
	if !b.bindAll(ns...) {
		return nil
	}
	x := b.Add(ns[0], ns[1])
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		b.Failf("graph: CategoricalSample: logits need a category axis")
		return nil
	}
	n, err := G.ApplyOp(onehotOp, x.n)
	return b.keep("CategoricalSample", n, err)
}

// LogisticNoise fills dst with standard logistic draws log u - log(1 - u),
// u ~ Uniform(0, 1), from the caller's uniform source uniform (typically
// rng.Float64), for BernoulliSample. u = 0 is redrawn, so every value is
// finite.
func LogisticNoise(dst []float64, uniform func() float64) {
	for i := range dst {
		u := uniform()
		for u == 0 {
			u = uniform()
		}
		dst[i] = math.Log(u) - math.Log1p(-u)
	}
}

// GumbelNoise fills dst with standard Gumbel draws -log(-log u),
// u ~ Uniform(0, 1), from the caller's uniform source uniform (typically
// rng.Float64), for CategoricalSample. u = 0 is redrawn, so every value is
// finite.
func GumbelNoise(dst []float64, uniform func() float64) {
	for i := range dst {
		u := uniform()
		for u == 0 {
			u = uniform()
		}
		dst[i] = -math.Log(-math.Log(u))
	}
}

// ---- Tap ----

// A Tap records the value of a node on every run of the machine, converted to
// float64, into a buffer that it owns, so that the caller can read an
// intermediate value after Run without allocating. (With graph.Machine an
// intermediate node's own value is also safe to read until the next Run: every
// node owns its buffer. Under Gorgonia's TapeMachine it was not: its register
// allocator reused buffers for later nodes.)
type Tap struct {
	op *tapOp
}

type tapOp struct {
	id, dims int
	buf      []float64
	ok       bool
}

// Tap returns a Tap on x. Its node has no consumers and no gradient; it only
// copies x's value (converted to float64) when the machine runs.
func (b *Builder) Tap(x *Node) *Tap {
	if !b.ok(x) {
		return nil
	}
	b.n++
	op := &tapOp{id: b.n, dims: x.Dims(), buf: make([]float64, x.Shape().Size())}
	_, err := G.ApplyOp(op, x.n)
	if b.keep("Tap", x.n, err) == nil {
		return nil
	}
	return &Tap{op: op}
}

// Values returns the value recorded on the last run (nil before the first),
// a slice owned by the Tap that the next run overwrites.
func (t *Tap) Values() []float64 {
	if t == nil || !t.op.ok {
		return nil
	}
	return t.op.buf
}

func (op *tapOp) Arity() int { return 1 }
func (op *tapOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.dims == 0 {
		return hm.NewFnType(a, a)
	}
	return hm.NewFnType(G.TensorType{Dims: op.dims, Of: a}, a)
}
func (op *tapOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (op *tapOp) Do(vals ...G.Value) (G.Value, error) {
	switch v := vals[0].(type) {
	case *G.F64:
		op.buf[0] = float64(*v)
		op.ok = true
		return G.NewF64(0), nil
	case *G.F32:
		op.buf[0] = float64(*v)
		op.ok = true
		return G.NewF32(0), nil
	case tensor.Tensor:
		if d, ok := v.(*tensor.Dense); ok && d.IsView() {
			v = d.Materialize()
		}
		switch src := v.Data().(type) {
		case []float64:
			copy(op.buf, src)
			op.ok = true
			return G.NewF64(0), nil
		case []float32:
			for i, x := range src {
				op.buf[i] = float64(x)
			}
			op.ok = true
			return G.NewF32(0), nil
		}
	}
	return nil, fmt.Errorf("graph: tap: unsupported value %T", vals[0])
}
func (op *tapOp) ReturnsPtr() bool      { return false }
func (op *tapOp) CallsExtern() bool     { return false }
func (op *tapOp) OverwritesInput() int  { return -1 }
func (op *tapOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "vigor.tap#%d", op.id) }
func (op *tapOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *tapOp) String() string       { return fmt.Sprintf("tap#%d", op.id) }
func (op *tapOp) DiffWRT(n int) []bool { return []bool{false} }
func (op *tapOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("graph: tap has no gradient")
}
