package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"sync"

	"github.com/chewxy/hm"
	"github.com/chewxy/math32"
	"github.com/vigor-ml/vigor/internal/vmath"
	"gonum.org/v1/gonum/mathext"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ewOp is a custom elementwise unary op computed natively in float64 and in
// float32 (no round trip through float64 for the common ops), with a symbolic
// gradient built from other nodes.
type ewOp struct {
	name string
	f64  func(float64) float64
	f32  func(float32) float32
	// vec32 and vec64, if not nil, are f32 and f64 over a slice (dst, src),
	// the same bits faster.
	vec32 func(dst, src []float32)
	vec64 func(dst, src []float64)
	// grad returns dL/dx given the input x, the output y and the incoming gradient g.
	// nil means the op is not differentiable.
	grad func(b *Builder, x, y, g *Node) *Node
}

func (b *Builder) apply1(op *ewOp, x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	n, err := G.ApplyOp(op, x.n)
	return b.keep(op.name, n, err)
}

func (op *ewOp) Arity() int { return 1 }
func (op *ewOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (op *ewOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%s: input shape is %T", op.name, in[0])
	}
	return s.Clone(), nil
}
func (op *ewOp) Do(vals ...G.Value) (G.Value, error) {
	switch v := vals[0].(type) {
	case *G.F64:
		return G.NewF64(op.f64(float64(*v))), nil
	case *G.F32:
		return G.NewF32(op.f32(float32(*v))), nil
	case tensor.Tensor:
		out := tensor.New(tensor.Of(v.Dtype()), tensor.WithShape(v.Shape().Clone()...))
		if err := op.into(out, v); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unsupported value %T", op.name, vals[0])
}

// UsePreallocDo writes into the node's own buffer (a scalar's too).
func (op *ewOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	switch p := prealloc.(type) {
	case *G.F64:
		if x, ok := vals[0].(*G.F64); ok {
			*p = G.F64(op.f64(float64(*x)))
			return p, nil
		}
	case *G.F32:
		if x, ok := vals[0].(*G.F32); ok {
			*p = G.F32(op.f32(float32(*x)))
			return p, nil
		}
	}
	out, ok := prealloc.(tensor.Tensor)
	in, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || !out.Shape().Eq(in.Shape()) || out.Dtype() != in.Dtype() {
		return op.Do(vals...)
	}
	if err := op.into(out, in); err != nil {
		return nil, err
	}
	return out, nil
}

// into applies the op elementwise, split across goroutines for large tensors.
func (op *ewOp) into(out, in tensor.Tensor) error {
	if src, ok := floats64(in); ok {
		dst, ok := floats64(out)
		if !ok || len(dst) != len(src) {
			return fmt.Errorf("%s: output does not match the input", op.name)
		}
		if w := rangeWorkers(len(src)); w > 1 {
			j := ewJobs.Get().(*ewJob)
			j.op, j.d64, j.s64 = op, dst, src
			runRange(len(src), w, j)
			*j = ewJob{}
			ewJobs.Put(j)
			return nil
		}
		op.apply64(dst, src)
		return nil
	}
	if src, ok := floats32(in); ok {
		dst, ok := floats32(out)
		if !ok || len(dst) != len(src) {
			return fmt.Errorf("%s: output does not match the input", op.name)
		}
		if w := rangeWorkers(len(src)); w > 1 {
			j := ewJobs.Get().(*ewJob)
			j.op, j.d32, j.s32 = op, dst, src
			runRange(len(src), w, j)
			*j = ewJob{}
			ewJobs.Put(j)
			return nil
		}
		op.apply32(dst, src)
		return nil
	}
	return fmt.Errorf("%s: unsupported dtype %v", op.name, in.Dtype())
}

func (op *ewOp) apply64(dst, src []float64) {
	if op.vec64 != nil {
		op.vec64(dst, src)
		return
	}
	f := op.f64
	for i, x := range src {
		dst[i] = f(x)
	}
}

func (op *ewOp) apply32(dst, src []float32) {
	if op.vec32 != nil {
		op.vec32(dst, src)
		return
	}
	f := op.f32
	for i, x := range src {
		dst[i] = f(x)
	}
}

// ewJob is an elementwise op over a large tensor, split into ranges.
type ewJob struct {
	op       *ewOp
	d64, s64 []float64
	d32, s32 []float32
}

var ewJobs = sync.Pool{New: func() any { return new(ewJob) }}

func (j *ewJob) runRange(lo, hi int) {
	if j.s64 != nil {
		j.op.apply64(j.d64[lo:hi], j.s64[lo:hi])
		return
	}
	j.op.apply32(j.d32[lo:hi], j.s32[lo:hi])
}

func (op *ewOp) scalarPrealloc()      {}
func (op *ewOp) ReturnsPtr() bool     { return false }
func (op *ewOp) CallsExtern() bool    { return false }
func (op *ewOp) OverwritesInput() int { return -1 }
func (op *ewOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.%s", op.name)
}
func (op *ewOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *ewOp) String() string { return op.name }
func (op *ewOp) DiffWRT(n int) []bool {
	return []bool{op.grad != nil}
}
func (op *ewOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad == nil {
		return nil, fmt.Errorf("graph: %s is not differentiable", op.name)
	}
	return symDiff(in, out, grad, func(b *Builder, in []*Node, out, g *Node) []*Node {
		return []*Node{op.grad(b, in[0], out, g)}
	})
}

// symDiff builds the gradients of a custom op with Builder methods: f gets a
// Builder over the graph of the op's node, with its inputs, output and
// incoming gradient as Nodes, and returns one gradient per input.
func symDiff(in G.Nodes, out, grad *G.Node, f func(b *Builder, in []*Node, out, grad *Node) []*Node) (G.Nodes, error) {
	b := builderFor(in[0])
	ws := make([]*Node, len(in))
	for i, n := range in {
		ws[i] = b.node(n)
	}
	ds := f(b, ws, b.node(out), b.node(grad))
	if b.err != nil {
		return nil, b.err
	}
	res := make(G.Nodes, len(ds))
	for i, d := range ds {
		if d == nil {
			return nil, fmt.Errorf("graph: no gradient for input %d", i)
		}
		res[i] = d.n
	}
	return res, nil
}

// ---- scalar kernels ----

// softplus64 and sigmoid64 are the float64 kernels of Softplus and Sigmoid:
// internal/vmath's, within 2 ulps and the same bits on every CPU (Go's
// math.Exp uses FMA on amd64 CPUs that have it); their slice forms run four
// lanes at a time with AVX2 and give the same bits.
func softplus64(x float64) float64 { return vmath.Softplus64(x) }

// log1p32 is log(1 + x) in float32 arithmetic (math32.Log1p goes through
// float64). With u = fl(1 + x), log(u)·x/(u - 1) corrects the rounding of u
// (Goldberg 1991, Theorem 4), to within a few ulps.
func log1p32(x float32) float32 {
	u := 1 + x
	switch {
	case u == 1:
		return x
	case u > math.MaxFloat32 || x-x != 0: // +Inf or NaN
		return math32.Log(u)
	}
	return math32.Log(u) * x / (u - 1)
}

func sigmoid64(x float64) float64 { return vmath.Sigmoid64(x) }

func lgamma64(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// trigamma returns ψ'(x) for x > 0 (recurrence up to x ≥ 10, then the asymptotic series);
// for x ≤ 0 it uses the reflection formula.
func trigamma(x float64) float64 {
	if x <= 0 {
		if x == math.Floor(x) {
			return math.Inf(1)
		}
		s := math.Pi / math.Sin(math.Pi*x)
		return -trigamma(1-x) + s*s
	}
	var acc float64
	for x < 10 {
		acc += 1 / (x * x)
		x++
	}
	x2 := 1 / (x * x)
	// 1/x + 1/(2x²) + 1/(6x³) - 1/(30x⁵) + 1/(42x⁷) - 1/(30x⁹) + 5/(66x¹¹)
	return acc + 1/x + x2/2 + (1.0/6-x2*(1.0/30-x2*(1.0/42-x2*(1.0/30-x2*5.0/66))))/(x*x*x)
}

var (
	stepOp = &ewOp{
		name: "step",
		f64: func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return 0
		},
		f32: func(x float32) float32 {
			if x > 0 {
				return 1
			}
			return 0
		},
	}
	reluOp = &ewOp{
		name: "relu",
		f64:  func(x float64) float64 { return math.Max(x, 0) },
		f32: func(x float32) float32 {
			if x > 0 {
				return x
			}
			return 0
		},
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.apply1(stepOp, x)) },
	}
	sigmoidOp = &ewOp{
		name:  "sigmoid",
		f64:   sigmoid64,
		f32:   sigmoid32,
		vec32: vmath.Sigmoid,
		vec64: vmath.Sigmoid64s,
	}
	softplusOp = &ewOp{
		name:  "softplus",
		f64:   softplus64,
		f32:   softplus32,
		vec32: vmath.Softplus,
		vec64: vmath.Softplus64s,
		grad:  func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.apply1(sigmoidOp, x)) },
	}
	logSigmoidOp = &ewOp{
		name: "logsigmoid",
		f64:  func(x float64) float64 { return -softplus64(-x) },
		f32:  func(x float32) float32 { return -softplus32(-x) },
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.apply1(sigmoidOp, b.Neg(x))) },
	}
	trigammaOp = &ewOp{
		name: "trigamma",
		f64:  trigamma,
		f32:  func(x float32) float32 { return float32(trigamma(float64(x))) },
	}
	digammaOp = &ewOp{
		name: "digamma",
		f64:  mathext.Digamma,
		f32:  func(x float32) float32 { return float32(mathext.Digamma(float64(x))) },
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.apply1(trigammaOp, x)) },
	}
	lgammaOp = &ewOp{
		name: "lgamma",
		f64:  lgamma64,
		f32:  func(x float32) float32 { return float32(lgamma64(float64(x))) },
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.apply1(digammaOp, x)) },
	}
)

// Elementwise ops that replace Gorgonia's (which allocate a fresh output on every
// run and compute float32 exp, log and tanh through float64).
var (
	negOp = &ewOp{
		name: "neg",
		f64:  func(x float64) float64 { return -x },
		f32:  func(x float32) float32 { return -x },
	}
	expOp = &ewOp{
		name:  "exp",
		f64:   vmath.Exp64,
		f32:   exp32,
		vec32: vmath.Exp,
		vec64: vmath.Exp64s,
		grad:  func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, y) },
	}
	logOp = &ewOp{
		name: "log",
		f64:  math.Log,
		f32:  math32.Log,
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Div(g, x) },
	}
	log1pOp = &ewOp{
		name:  "log1p",
		f64:   vmath.Log1p64,
		f32:   log1p32,
		vec64: vmath.Log1p64s,
		grad:  func(b *Builder, x, y, g *Node) *Node { return b.Div(g, b.Shift(x, 1)) },
	}
	squareOp = &ewOp{
		name: "square",
		f64:  func(x float64) float64 { return x * x },
		f32:  func(x float32) float32 { return x * x },
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.Scale(x, 2)) },
	}
	sqrtOp = &ewOp{
		name: "sqrt",
		f64:  math.Sqrt,
		f32:  math32.Sqrt,
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Div(b.Scale(g, 0.5), y) },
	}
	signOp = &ewOp{
		name: "sign",
		f64: func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0
		},
		f32: func(x float32) float32 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0
		},
	}
	absOp = &ewOp{
		name: "abs",
		f64:  math.Abs,
		f32:  math32.Abs,
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.apply1(signOp, x)) },
	}
	tanhOp = &ewOp{
		name: "tanh",
		f64:  math.Tanh,
		f32:  math32.Tanh,
		grad: func(b *Builder, x, y, g *Node) *Node { return b.Mul(g, b.Shift(b.Neg(b.Square(y)), 1)) },
	}
)

func init() {
	negOp.grad = func(b *Builder, x, y, g *Node) *Node { return b.Neg(g) }
	// sigmoid'(x) = sigmoid(x) sigmoid(-x); set here because the op refers to itself.
	sigmoidOp.grad = func(b *Builder, x, y, g *Node) *Node {
		return b.Mul(g, b.Mul(y, b.apply1(sigmoidOp, b.Neg(x))))
	}
}

// ---- log-sum-exp along one axis ----

type lseOp struct{ axis, dims int }

func (op *lseOp) Arity() int { return 1 }
func (op *lseOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.dims == 1 {
		return hm.NewFnType(G.TensorType{Dims: 1, Of: a}, a)
	}
	return hm.NewFnType(G.TensorType{Dims: op.dims, Of: a}, G.TensorType{Dims: op.dims - 1, Of: a})
}
func (op *lseOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || op.axis >= len(s) {
		return nil, fmt.Errorf("logsumexp: bad input shape %v for axis %d", in[0], op.axis)
	}
	out := append(tensor.Shape{}, s[:op.axis]...)
	out = append(out, s[op.axis+1:]...)
	if len(out) == 0 {
		return tensor.ScalarShape(), nil
	}
	return out, nil
}

// lseLayout gives (outer, n, inner) so that element (o, k, i) is at (o*n+k)*inner+i.
func lseLayout(s tensor.Shape, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i := 0; i < axis; i++ {
		outer *= s[i]
	}
	for i := axis + 1; i < len(s); i++ {
		inner *= s[i]
	}
	return outer, s[axis], inner
}

func (op *lseOp) Do(vals ...G.Value) (G.Value, error) {
	in, ok := vals[0].(tensor.Tensor)
	if !ok {
		return nil, errors.New("logsumexp: input is not a tensor")
	}
	s := in.Shape()
	outer, n, inner := lseLayout(s, op.axis)
	outShape, err := op.InferShape(s)
	if err != nil {
		return nil, err
	}
	switch src := in.Data().(type) {
	case []float64:
		dst := make([]float64, outer*inner)
		lse64(src, dst, outer, n, inner)
		if outShape.IsScalar() {
			return G.NewF64(dst[0]), nil
		}
		return tensor.New(tensor.WithShape(outShape...), tensor.WithBacking(dst)), nil
	case []float32:
		dst := make([]float32, outer*inner)
		lse32(src, dst, outer, n, inner)
		if outShape.IsScalar() {
			return G.NewF32(dst[0]), nil
		}
		return tensor.New(tensor.WithShape(outShape...), tensor.WithBacking(dst)), nil
	}
	return nil, fmt.Errorf("logsumexp: unsupported dtype %v", in.Dtype())
}

func lse64(src, dst []float64, outer, n, inner int) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			m := math.Inf(-1)
			for k := 0; k < n; k++ {
				m = math.Max(m, src[(o*n+k)*inner+i])
			}
			if math.IsInf(m, 0) {
				dst[o*inner+i] = m
				continue
			}
			var s float64
			for k := 0; k < n; k++ {
				s += vmath.Exp64(src[(o*n+k)*inner+i] - m)
			}
			dst[o*inner+i] = m + math.Log(s)
		}
	}
}

func lse32(src, dst []float32, outer, n, inner int) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			m := math32.Inf(-1)
			for k := 0; k < n; k++ {
				if v := src[(o*n+k)*inner+i]; v > m {
					m = v
				}
			}
			if math32.IsInf(m, 0) {
				dst[o*inner+i] = m
				continue
			}
			var s float32
			for k := 0; k < n; k++ {
				s += exp32(src[(o*n+k)*inner+i] - m)
			}
			dst[o*inner+i] = m + math32.Log(s)
		}
	}
}

func (op *lseOp) ReturnsPtr() bool      { return false }
func (op *lseOp) CallsExtern() bool     { return false }
func (op *lseOp) OverwritesInput() int  { return -1 }
func (op *lseOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "vigor.logsumexp%d/%d", op.axis, op.dims) }
func (op *lseOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *lseOp) String() string       { return fmt.Sprintf("logsumexp[%d]", op.axis) }
func (op *lseOp) DiffWRT(n int) []bool { return []bool{true} }

// SymDiff: d/dx logsumexp(x) = softmax(x) along the axis, times the incoming gradient.
func (op *lseOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return symDiff(in, out, grad, func(b *Builder, in []*Node, out, grad *Node) []*Node {
		x := in[0]
		// Re-insert the reduced axis as size 1 so y and g broadcast against x.
		y, g := out, grad
		if !out.IsScalar() {
			keep := x.Shape()
			keep[op.axis] = 1
			y = b.Reshape(out, keep...)
			g = b.Reshape(grad, keep...)
		}
		return []*Node{b.Mul(b.Exp(b.Sub(x, y)), g)}
	})
}
