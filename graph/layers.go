package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Activation is an elementwise nonlinearity applied by a Dense layer. The zero
// value is ActLinear (no nonlinearity).
type Activation int

// The activations. Their names carry an Act prefix because Sigmoid and Softplus
// also name bijectors in this package.
const (
	ActLinear   Activation = iota // identity
	ActReLU                       // max(x, 0)
	ActTanh                       // tanh(x)
	ActSigmoid                    // 1 / (1 + exp(-x))
	ActSoftplus                   // log(1 + exp(x))
)

var activationNames = [...]string{
	ActLinear:   "linear",
	ActReLU:     "relu",
	ActTanh:     "tanh",
	ActSigmoid:  "sigmoid",
	ActSoftplus: "softplus",
}

// String returns the activation's name as ParseActivation accepts it ("linear",
// "relu", "tanh", "sigmoid", "softplus"), or "Activation(n)" for an unknown value.
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the activation named s, ignoring case and surrounding
// space ("linear", "relu", "tanh", "sigmoid", "softplus"; "identity" and "none"
// also mean linear). It returns an error for any other name, including "".
func ParseActivation(s string) (Activation, error) {
	switch k := strings.ToLower(strings.TrimSpace(s)); k {
	case "identity", "none":
		return ActLinear, nil
	default:
		for a, name := range activationNames {
			if k == name {
				return Activation(a), nil
			}
		}
	}
	return ActLinear, fmt.Errorf("graph: unknown activation %q (want linear, relu, tanh, sigmoid or softplus)", s)
}

// activate returns act(x) elementwise. An unknown activation is reported through
// b; it returns nil after an error.
func (b *Builder) activate(x *Node, act Activation) *Node {
	if !b.ok(x) {
		return nil
	}
	switch act {
	case ActLinear:
		return x
	case ActReLU:
		return b.ReLU(x)
	case ActTanh:
		return b.Tanh(x)
	case ActSigmoid:
		return b.Sigmoid(x)
	case ActSoftplus:
		return b.Softplus(x)
	}
	b.Failf("graph: unknown activation %v", act)
	return nil
}

// initScale returns the half-width a of the uniform initialisation U(-a, a):
// Glorot, sqrt(6/(in+out)), for linear, tanh and sigmoid layers, and He,
// sqrt(6/in), for ReLU and softplus layers.
func (a Activation) initScale(in, out int) float64 {
	if a == ActReLU || a == ActSoftplus {
		return math.Sqrt(6 / float64(in))
	}
	return math.Sqrt(6 / float64(in+out))
}

// Dense is a fully connected layer y = act(x·W + B).
type Dense struct {
	W, B    *Node      // weights, shape (In, Out), and biases, shape (Out)
	In, Out int        // input and output widths
	Act     Activation // nonlinearity
}

// NewDense adds a layer's parameters to the graph, named name+".W" and name+".B",
// initialised from rng: weights ~ U(-a, a), drawn row-major over (In, Out), with
// a = sqrt(6/(In+Out)) (Glorot) for ActLinear, ActTanh and ActSigmoid and
// a = sqrt(6/In) (He) for ActReLU and ActSoftplus; biases are zero. The same rng
// state gives the same weights.
//
// A nil rng is a programmer error: NewDense panics. Non-positive widths or an
// unknown activation are reported through b; after an error NewDense returns nil
// (and Apply and Params of a nil *Dense do nothing).
func (b *Builder) NewDense(name string, in, out int, act Activation, rng *rand.Rand) *Dense {
	if rng == nil {
		panic("graph: NewDense: nil rng")
	}
	if b.err != nil {
		return nil
	}
	if in <= 0 || out <= 0 {
		b.Failf("graph: NewDense %q: bad widths %d -> %d", name, in, out)
		return nil
	}
	if act < 0 || int(act) >= len(activationNames) {
		b.Failf("graph: NewDense %q: unknown activation %v", name, act)
		return nil
	}
	a := act.initScale(in, out)
	w := make([]float64, in*out)
	for i := range w {
		w[i] = a * (2*rng.Float64() - 1)
	}
	d := &Dense{
		W:   b.Param(name+".W", w, in, out),
		B:   b.Param(name+".B", nil, out),
		In:  in,
		Out: out,
		Act: act,
	}
	if b.err != nil {
		return nil
	}
	return d
}

// Apply returns act(x·W + B) for x of shape (N, In), giving shape (N, Out); a
// vector x of shape (In) gives a vector of shape (Out). A wrong width is reported
// through b. It returns nil after an error, or if d is nil.
func (d *Dense) Apply(b *Builder, x *Node) *Node {
	if d == nil {
		b.Failf("graph: Apply of a nil Dense (an earlier step failed)")
		return nil
	}
	if !b.ok(x) {
		return nil
	}
	vec := x.Dims() == 1
	if (x.Dims() != 1 && x.Dims() != 2) || x.Shape()[x.Dims()-1] != d.In {
		b.Failf("graph: Dense.Apply: input shape %v, want (N, %d)", x.Shape(), d.In)
		return nil
	}
	if vec {
		x = b.Reshape(x, 1, d.In)
	}
	y := b.activate(b.Add(b.MatMul(x, d.W), d.B), d.Act)
	if vec {
		y = b.Reshape(y, d.Out)
	}
	return y
}

// Params returns the layer's parameters {W, B} (nil for a nil layer).
func (d *Dense) Params() []*Node {
	if d == nil {
		return nil
	}
	return []*Node{d.W, d.B}
}

// MLP is a stack of Dense layers applied in order.
type MLP struct {
	Layers []*Dense
}

// NewMLP builds layers sizes[0] → sizes[1] → … → sizes[len-1], named name+".0",
// name+".1", and so on (see NewDense). Hidden layers use act and the last layer
// uses out. Layers are initialised in order from rng, so the same rng state gives
// the same weights.
//
// A nil rng is a programmer error: NewMLP panics. Fewer than two sizes, a
// non-positive size or an unknown activation are reported through b; after an
// error NewMLP returns nil; Apply of a nil *MLP returns nil (recording an error
// if none is recorded yet) and its Params are nil.
func (b *Builder) NewMLP(name string, sizes []int, act, out Activation, rng *rand.Rand) *MLP {
	if rng == nil {
		panic("graph: NewMLP: nil rng")
	}
	if b.err != nil {
		return nil
	}
	if len(sizes) < 2 {
		b.Failf("graph: NewMLP %q: need at least two sizes, got %v", name, sizes)
		return nil
	}
	m := &MLP{}
	for i := 0; i+1 < len(sizes); i++ {
		a := act
		if i+2 == len(sizes) {
			a = out
		}
		d := b.NewDense(fmt.Sprintf("%s.%d", name, i), sizes[i], sizes[i+1], a, rng)
		if d == nil {
			return nil
		}
		m.Layers = append(m.Layers, d)
	}
	return m
}

// Apply runs x of shape (N, sizes[0]) (or a vector) through the layers in order.
// It returns nil after an error, or if m is nil.
func (m *MLP) Apply(b *Builder, x *Node) *Node {
	if m == nil {
		b.Failf("graph: Apply of a nil MLP (an earlier step failed)")
		return nil
	}
	for _, d := range m.Layers {
		x = d.Apply(b, x)
	}
	return x
}

// Params returns the parameters in a fixed order: layer by layer, W then B (nil
// for a nil MLP).
func (m *MLP) Params() []*Node {
	if m == nil {
		return nil
	}
	var ps []*Node
	for _, d := range m.Layers {
		ps = append(ps, d.Params()...)
	}
	return ps
}
