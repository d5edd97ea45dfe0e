package graph

import "gonum.org/v1/gonum/mathext"

// lbetaOp is log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a+b), computed in
// float64 in both float types and rounded once, so that the cancellation
// between the three log-gamma terms (large for large arguments) costs no
// float32 precision. Its gradients are ψ(a) - ψ(a+b) and ψ(b) - ψ(a+b).
var lbetaOp = &binOp{name: "lbeta",
	f64: mathext.Lbeta,
	f32: func(a, b float32) float32 { return float32(mathext.Lbeta(float64(a), float64(b))) },
}

func init() {
	lbetaOp.grad = func(b *Builder, x, y, out, g *Node) (*Node, *Node) {
		s := b.Digamma(b.Add(x, y))
		return b.Mul(g, b.Sub(b.Digamma(x), s)), b.Mul(g, b.Sub(b.Digamma(y), s))
	}
}

// lbeta returns log B(x, y) elementwise, broadcasting like Add.
func (b *Builder) lbeta(x, y *Node) *Node {
	if !b.ok(x, y) {
		return nil
	}
	// The op takes two tensors of one shape or two scalars: a scalar next to
	// a tensor is broadcast first.
	if x.IsScalar() && !y.IsScalar() {
		x = b.Add(x, b.Constant("lbeta.zeros", nil, y.Shape()...))
	} else if y.IsScalar() && !x.IsScalar() {
		y = b.Add(y, b.Constant("lbeta.zeros", nil, x.Shape()...))
	}
	return b.binary("LBeta", x, y, applyBin(lbetaOp))
}
