package graph

import (
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Builder builds a graph with one float type and keeps the first error it
// meets, so that model code reads as math rather than as a chain of error
// checks. After an error every method returns nil and does nothing; check Err
// once at the end.
//
// Binary elementwise methods (Add, Sub, Mul, Div) broadcast like NumPy: shapes
// are aligned on their trailing axes and axes of size 1 are repeated. A scalar
// broadcasts against anything.
//
// Underneath, a Builder is a Gorgonia expression graph, which Grad
// differentiates symbolically; Gorgonia's types stay inside this package.
//
// A Builder is not safe for concurrent use.
type Builder struct {
	g     *G.ExprGraph
	dt    Dtype
	err   error
	n     int               // counter for unique names
	depth int               // nesting of composite methods (see enter)
	nodes map[*G.Node]*Node // the one wrapper of each node handed out
	blas  *blasImpl         // the BLAS of the machines compiled from b
	prms  []*Node           // the Param nodes, in creation order
	idx   map[string]*Index // the Index inputs, by name (see Builder.Index)
	grads []*G.Node         // every gradient node made by Grad
	glms  []*glmOp          // every fused likelihood op (see Machine.RunGradients)
}

// NewBuilder returns a Builder over a new graph with float type dt (Float64 or
// Float32). Its matrix products use the BLAS set by UseBLAS (see SetBLAS). It
// panics on any other dtype, including the zero (unset) Dtype: that is a
// programmer error.
func NewBuilder(dt Dtype) *Builder {
	b := wrap(G.NewGraph(), dt)
	b.blas = processBLAS()
	return b
}

func wrap(g *G.ExprGraph, dt Dtype) *Builder {
	if dt != Float64 && dt != Float32 {
		panic(fmt.Sprintf("graph: unsupported dtype %v (want Float64 or Float32)", dt))
	}
	return &Builder{g: g, dt: dt, nodes: map[*G.Node]*Node{}}
}

// builderFor returns a Builder over the graph that n belongs to, with n's dtype.
// Custom ops use it to build their gradients. Its wrappers are its own: the
// nodes it builds go back to Gorgonia as Gorgonia nodes.
func builderFor(n *G.Node) *Builder {
	return wrap(n.Graph(), dtypeOf(n.Dtype()))
}

// node returns the one wrapper of the Gorgonia node n (nil for nil).
func (b *Builder) node(n *G.Node) *Node {
	if n == nil {
		return nil
	}
	w, ok := b.nodes[n]
	if !ok {
		w = &Node{n: n}
		b.nodes[n] = w
	}
	return w
}

// Dtype returns the float type of the graph.
func (b *Builder) Dtype() Dtype { return b.dt }

// Err returns the first error met while building, or nil.
func (b *Builder) Err() error { return b.err }

// Fail records err as the builder's error unless one is already recorded. It lets
// model code report its own errors (a wrong shape, say) through the builder.
func (b *Builder) Fail(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

// Failf records a formatted error (see Fail).
func (b *Builder) Failf(format string, args ...any) { b.Fail(fmt.Errorf(format, args...)) }

// ok reports whether building may go on with the given nodes.
func (b *Builder) ok(ns ...*Node) bool {
	if b.err != nil {
		return false
	}
	for _, n := range ns {
		if n == nil {
			b.err = errors.New("graph: nil node (an earlier step failed outside this builder)")
			return false
		}
	}
	return true
}

// keep records err (wrapped with op) and returns the wrapper of n, or nil after
// an error.
func (b *Builder) keep(op string, n *G.Node, err error) *Node {
	if err != nil {
		b.Fail(fmt.Errorf("graph: %s: %w", op, err))
		return nil
	}
	return b.node(n)
}

func (b *Builder) uniq(prefix string) string {
	b.n++
	return fmt.Sprintf("%s#%d", prefix, b.n)
}

// Scalar returns a constant scalar node with value v in the builder's float type.
func (b *Builder) Scalar(v float64) *Node {
	if b.err != nil {
		return nil
	}
	if b.dt == Float32 {
		return b.node(G.NewConstant(float32(v), G.In(b.g)))
	}
	return b.node(G.NewConstant(v, G.In(b.g)))
}

// newValue allocates a tensor of the builder's float type with the given shape,
// filled from vals (converted; nil means zeros). It panics if len(vals) does not
// match the shape: that is a programmer error.
func (b *Builder) newValue(vals []float64, shape ...int) *tensor.Dense {
	n := Shape(shape).Size()
	if vals != nil && len(vals) != n {
		panic(fmt.Sprintf("graph: %d values for shape %v", len(vals), Shape(shape)))
	}
	if b.dt == Float32 {
		d := make([]float32, n)
		for i, v := range vals {
			d[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
	d := make([]float64, n)
	copy(d, vals)
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
}

// Input returns a tensor node with the given shape whose value (zeros at first) is
// filled in by the caller between runs, for data or noise. Fill it with Set, or
// write into its buffer (Float64s, Float32s) in place; the graph reads the new
// values on its next run.
func (b *Builder) Input(name string, shape ...int) *Node {
	return b.tensorNode(name, nil, shape...)
}

// Param returns a learnable tensor node with the given shape and initial values
// (nil means zeros). It is an Input whose gradient the caller asks for; Params
// lists every Param of the graph.
func (b *Builder) Param(name string, init []float64, shape ...int) *Node {
	n := b.tensorNode(name, init, shape...)
	if n != nil {
		b.prms = append(b.prms, n)
	}
	return n
}

// Params returns every node made by Param, in the order they were made (a new
// slice; the nodes are the graph's).
func (b *Builder) Params() []*Node { return append([]*Node(nil), b.prms...) }

// Constant returns a tensor node holding vals, which the caller does not change.
func (b *Builder) Constant(name string, vals []float64, shape ...int) *Node {
	return b.tensorNode(name, vals, shape...)
}

func (b *Builder) tensorNode(name string, vals []float64, shape ...int) *Node {
	if b.err != nil {
		return nil
	}
	if len(shape) == 0 {
		b.Failf("graph: node %q: shape must have at least one axis", name)
		return nil
	}
	for _, s := range shape {
		if s <= 0 {
			b.Failf("graph: node %q: bad shape %v", name, Shape(shape))
			return nil
		}
	}
	if n := Shape(shape).Size(); vals != nil && len(vals) != n {
		b.Failf("graph: node %q: %d values for shape %v", name, len(vals), Shape(shape))
		return nil
	}
	v := b.newValue(vals, shape...)
	return b.node(G.NewTensor(b.g, b.dt.tensorDtype(), len(shape), G.WithShape(shape...), G.WithName(b.uniq(name)), G.WithValue(v)))
}

// ---- shape helpers ----

// Reshape returns x viewed with a new shape of the same size.
func (b *Builder) Reshape(x *Node, shape ...int) *Node {
	if !b.ok(x) {
		return nil
	}
	if sameShape(x.Shape(), shape) {
		return x
	}
	if x.IsScalar() {
		b.Failf("graph: Reshape of a scalar to %v (use Mul with a tensor of ones)", Shape(shape))
		return nil
	}
	if x.Shape().Size() != Shape(shape).Size() {
		b.Failf("graph: Reshape %v to %v: sizes differ", x.Shape(), Shape(shape))
		return nil
	}
	return b.shapeOp("reshape", x, shape, 0)
}

// T returns the transpose of a matrix, a copy (see SwapLeading).
func (b *Builder) T(x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.Dims() != 2 {
		b.Failf("graph: T of shape %v: want a matrix", x.Shape())
		return nil
	}
	return b.SwapLeading(x)
}

// Col returns column j of a matrix (S, D) as a vector (S). In the package's
// (draws, rows) layout a per-draw value must keep its axis to broadcast
// against rows: there use Cols(x, j, j+1), of shape (S, 1) (see the package
// documentation).
func (b *Builder) Col(x *Node, j int) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.Dims() != 2 || j < 0 || j >= x.Shape()[1] {
		b.Failf("graph: Col %d of shape %v", j, x.Shape())
		return nil
	}
	return b.Reshape(b.Cols(x, j, j+1), x.Shape()[0])
}

// Cols returns columns [from, to) of a matrix.
func (b *Builder) Cols(x *Node, from, to int) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.Dims() != 2 || from < 0 || to > x.Shape()[1] || from >= to {
		b.Failf("graph: Cols [%d,%d) of shape %v", from, to, x.Shape())
		return nil
	}
	if from == 0 && to == x.Shape()[1] {
		return x
	}
	return b.shapeOp("cols", x, []int{x.Shape()[0], to - from}, from)
}

// Concat joins nodes along an axis.
func (b *Builder) Concat(axis int, xs ...*Node) *Node {
	if !b.ok(xs...) {
		return nil
	}
	if len(xs) == 1 {
		return xs[0]
	}
	n, err := G.Concat(axis, gnodes(xs)...)
	return b.keep("Concat", n, err)
}

// Sum sums x over the given axes (all axes when none are given, giving a scalar).
func (b *Builder) Sum(x *Node, axes ...int) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		return x
	}
	op, err := newSumOp(x.Shape(), axes)
	if err != nil {
		b.Fail(fmt.Errorf("graph: Sum: %w", err))
		return nil
	}
	n, err := G.ApplyOp(op, x.n)
	return b.keep("Sum", n, err)
}

// Mean averages x over the given axes (all axes when none are given).
func (b *Builder) Mean(x *Node, axes ...int) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		return x
	}
	shp := x.Shape()
	if len(axes) == 0 {
		for i := range shp {
			axes = append(axes, i)
		}
	}
	cnt := 1
	for _, a := range axes {
		if a < 0 || a >= len(shp) {
			b.Failf("graph: Mean axis %d of shape %v", a, shp)
			return nil
		}
		cnt *= shp[a]
	}
	return b.Scale(b.Sum(x, axes...), 1/float64(cnt))
}

// ---- elementwise binary ops with broadcasting ----

// plainFn applies an elementwise binary op to two Gorgonia nodes of the same
// shape, or two scalars.
type plainFn func(a, b *G.Node) (*G.Node, error)

func (b *Builder) binary(name string, x, y *Node, plain plainFn) *Node {
	if !b.ok(x, y) {
		return nil
	}
	xs, ys := x.Shape(), y.Shape()
	if x.IsScalar() != y.IsScalar() {
		// A scalar and a tensor: broadcast the scalar (Gorgonia's own
		// scalar-tensor ops allocate on every run).
		if x.IsScalar() {
			x = b.fill(x, ys)
		} else {
			y = b.fill(y, xs)
		}
		if b.err != nil {
			return nil
		}
		n, err := plain(x.n, y.n)
		return b.keep(name, n, err)
	}
	if x.IsScalar() || sameShape(xs, ys) {
		n, err := plain(x.n, y.n)
		return b.keep(name, n, err)
	}
	r := max(len(xs), len(ys))
	if r > 4 {
		b.Fail(&broadcastError{op: name, x: xs, y: ys, why: "more than 4 axes"})
		return nil
	}
	xp, yp := padShape(xs, r), padShape(ys, r)
	var lp, rp []byte
	for i := 0; i < r; i++ {
		switch {
		case xp[i] == yp[i]:
		case xp[i] == 1:
			lp = append(lp, byte(i))
		case yp[i] == 1:
			rp = append(rp, byte(i))
		default:
			b.Fail(&broadcastError{op: name, x: xs, y: ys})
			return nil
		}
	}
	x = b.Reshape(x, xp...)
	y = b.Reshape(y, yp...)
	if b.err != nil {
		return nil
	}
	out := make([]int, r)
	for i := range out {
		out[i] = max(xp[i], yp[i])
	}
	if lp != nil {
		x = b.shapeOp("bcast", x, out, 0)
	}
	if rp != nil {
		y = b.shapeOp("bcast", y, out, 0)
	}
	if b.err != nil {
		return nil
	}
	n, err := plain(x.n, y.n)
	return b.keep(name, n, err)
}

// sameShape compares shapes axis by axis (Gorgonia's Shape.Eq treats (n) and
// (n, 1) as equal).
func sameShape(s, t []int) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

func padShape(s []int, r int) []int {
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	copy(out[r-len(s):], s)
	return out
}

// Add returns x + y elementwise (broadcasting).
func (b *Builder) Add(x, y *Node) *Node { return b.binary("Add", x, y, applyBin(addOp)) }

// Sub returns x - y elementwise (broadcasting).
func (b *Builder) Sub(x, y *Node) *Node { return b.binary("Sub", x, y, applyBin(subOp)) }

// Mul returns x * y elementwise (broadcasting). For the matrix product use MatMul.
func (b *Builder) Mul(x, y *Node) *Node {
	return b.binary("Mul", x, y, applyBin(mulOp))
}

// Div returns x / y elementwise (broadcasting).
func (b *Builder) Div(x, y *Node) *Node {
	return b.binary("Div", x, y, applyBin(divOp))
}

// AddN returns the sum of several nodes of broadcast-compatible shapes.
func (b *Builder) AddN(xs ...*Node) *Node {
	defer b.enter("AddN", "xs", xs)()
	if len(xs) == 0 {
		b.Failf("graph: AddN of nothing")
		return nil
	}
	out := xs[0]
	for _, x := range xs[1:] {
		out = b.Add(out, x)
	}
	return out
}

// Scale returns c * x for a constant c.
func (b *Builder) Scale(x *Node, c float64) *Node {
	if c == 1 {
		return x
	}
	return b.apply1(affine(c, 0), x)
}

// Shift returns x + c for a constant c.
func (b *Builder) Shift(x *Node, c float64) *Node {
	if c == 0 {
		return x
	}
	return b.apply1(affine(1, c), x)
}

// ---- elementwise unary ops ----

// Neg returns -x.
func (b *Builder) Neg(x *Node) *Node { return b.apply1(negOp, x) }

// Exp returns exp(x).
func (b *Builder) Exp(x *Node) *Node { return b.apply1(expOp, x) }

// Log returns log(x).
func (b *Builder) Log(x *Node) *Node { return b.apply1(logOp, x) }

// Log1p returns log(1 + x).
func (b *Builder) Log1p(x *Node) *Node { return b.apply1(log1pOp, x) }

// Square returns x².
func (b *Builder) Square(x *Node) *Node { return b.apply1(squareOp, x) }

// Sqrt returns √x.
func (b *Builder) Sqrt(x *Node) *Node { return b.apply1(sqrtOp, x) }

// Abs returns |x| (its gradient at 0 is taken as 0).
func (b *Builder) Abs(x *Node) *Node { return b.apply1(absOp, x) }

// Tanh returns tanh(x).
func (b *Builder) Tanh(x *Node) *Node { return b.apply1(tanhOp, x) }

// ReLU returns max(x, 0).
func (b *Builder) ReLU(x *Node) *Node { return b.apply1(reluOp, x) }

// Softplus returns log(1 + exp(x)), computed stably in the graph's own float
// type: finite for any finite x.
func (b *Builder) Softplus(x *Node) *Node { return b.apply1(softplusOp, x) }

// Sigmoid returns 1 / (1 + exp(-x)), computed stably.
func (b *Builder) Sigmoid(x *Node) *Node { return b.apply1(sigmoidOp, x) }

// LogSigmoid returns log(sigmoid(x)) = -softplus(-x), computed stably.
func (b *Builder) LogSigmoid(x *Node) *Node { return b.apply1(logSigmoidOp, x) }

// Lgamma returns log|Γ(x)| elementwise; its gradient is the digamma function.
func (b *Builder) Lgamma(x *Node) *Node { return b.apply1(lgammaOp, x) }

// Digamma returns ψ(x) = d/dx log Γ(x) elementwise; its gradient is the trigamma function.
func (b *Builder) Digamma(x *Node) *Node { return b.apply1(digammaOp, x) }

// LogSumExp returns log Σ exp(x) along axis (which disappears from the shape),
// computed stably: finite whenever the inputs are finite.
func (b *Builder) LogSumExp(x *Node, axis int) *Node {
	if !b.ok(x) {
		return nil
	}
	if axis < 0 || axis >= x.Dims() {
		b.Failf("graph: LogSumExp axis %d of shape %v", axis, x.Shape())
		return nil
	}
	n, err := G.ApplyOp(&lseOp{axis: axis, dims: x.Dims()}, x.n)
	return b.keep("LogSumExp", n, err)
}

// gnodes returns the Gorgonia nodes of ns.
func gnodes(ns []*Node) []*G.Node {
	out := make([]*G.Node, len(ns))
	for i, n := range ns {
		out[i] = n.n
	}
	return out
}
