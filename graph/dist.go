package graph

import (
	"math"

	G "gorgonia.org/gorgonia"
)

// This file holds elementwise log-densities as graph ops. Every one of them
// broadcasts its arguments against each other like the binary Builder ops (NumPy
// style, trailing axes aligned, scalars from b.Scalar broadcast against anything)
// and returns the log-density of each element: none of them sums. A typical call
// has x with a leading sample axis, say shape (S, D), and parameters of shape (D)
// or scalars. Like every Builder method they return nil after an error (including
// a nil argument); check b.Err.
//
// Arguments outside the support are not checked: the result there is whatever the
// formula gives (often NaN or ±Inf), as documented per function.

const (
	log2     = math.Ln2
	logSqrt2 = 0.5 * math.Ln2
	log2Pi   = 1.8378770664093454835606594728112352797227949472755668 // log(2π)
)

// bind returns n itself unless it is a constant made without a graph (as
// b.Scalar makes), in which case it returns the same constant bound to the
// builder's graph. Gorgonia cannot combine two graphless constants ("No Graph
// Supplied"), and the functions here combine their parameters with each other.
func (b *Builder) bind(n *Node) *Node {
	if n == nil || n.n.Graph() != nil || n.n.Value() == nil {
		return n
	}
	return b.node(G.NewConstant(n.n.Value(), G.In(b.g)))
}

// bindAll binds each node (see bind) and reports whether building may go on.
func (b *Builder) bindAll(ns ...*Node) bool {
	if !b.ok(ns...) {
		return false
	}
	for i, n := range ns {
		ns[i] = b.bind(n)
	}
	return true
}

// NormalLogProb returns log N(x | loc, scale²) elementwise:
// -½((x-loc)/scale)² - log scale - ½ log 2π. scale must be positive.
func (b *Builder) NormalLogProb(x, loc, scale *Node) *Node {
	defer b.enter("NormalLogProb", "x", x, "loc", loc, "scale", scale)()
	ns := []*Node{x, loc, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, loc, scale = ns[0], ns[1], ns[2]
	z := b.Div(b.Sub(x, loc), scale)
	return b.Shift(b.Sub(b.Scale(b.Square(z), -0.5), b.Log(scale)), -0.5*log2Pi)
}

// HalfNormalLogProb returns the log-density of the half-normal distribution with
// scale σ (the law of |z| for z ~ N(0, σ²)) elementwise:
// log 2 - ½ log 2π - log σ - ½(x/σ)². It assumes x ≥ 0 and does not check it: for
// x < 0 it returns the same formula rather than -Inf. scale must be positive.
func (b *Builder) HalfNormalLogProb(x, scale *Node) *Node {
	defer b.enter("HalfNormalLogProb", "x", x, "scale", scale)()
	ns := []*Node{x, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, scale = ns[0], ns[1]
	z := b.Div(x, scale)
	return b.Shift(b.Sub(b.Scale(b.Square(z), -0.5), b.Log(scale)), log2-0.5*log2Pi)
}

// ExponentialLogProb returns the log-density of the exponential distribution with
// the given rate elementwise: log rate - rate·x. It assumes x ≥ 0 and does not
// check it (for x < 0 it returns the same formula rather than -Inf). rate must be
// positive.
func (b *Builder) ExponentialLogProb(x, rate *Node) *Node {
	defer b.enter("ExponentialLogProb", "x", x, "rate", rate)()
	ns := []*Node{x, rate}
	if !b.bindAll(ns...) {
		return nil
	}
	x, rate = ns[0], ns[1]
	return b.Sub(b.Log(rate), b.Mul(rate, x))
}

// GammaLogProb returns the log-density of the gamma distribution with the given
// shape α and rate β (mean α/β) elementwise:
// α log β - log Γ(α) + (α-1) log x - βx. It assumes x > 0 (at x = 0 the result is
// ±Inf or NaN); shape and rate must be positive.
func (b *Builder) GammaLogProb(x, shape, rate *Node) *Node {
	defer b.enter("GammaLogProb", "x", x, "shape", shape, "rate", rate)()
	ns := []*Node{x, shape, rate}
	if !b.bindAll(ns...) {
		return nil
	}
	x, shape, rate = ns[0], ns[1], ns[2]
	return b.AddN(
		b.Mul(shape, b.Log(rate)),
		b.Neg(b.Lgamma(shape)),
		b.Mul(b.Shift(shape, -1), b.Log(x)),
		b.Neg(b.Mul(rate, x)),
	)
}

// LaplaceLogProb returns the log-density of the Laplace distribution with the
// given location and scale elementwise: -log(2·scale) - |x-loc|/scale. Its
// gradient with respect to x or loc at x = loc is taken as 0. scale must be
// positive.
func (b *Builder) LaplaceLogProb(x, loc, scale *Node) *Node {
	defer b.enter("LaplaceLogProb", "x", x, "loc", loc, "scale", scale)()
	ns := []*Node{x, loc, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, loc, scale = ns[0], ns[1], ns[2]
	z := b.Div(b.Abs(b.Sub(x, loc)), scale)
	return b.Shift(b.Neg(b.Add(z, b.Log(scale))), -log2)
}

// StudentTLogProb returns the log-density of Student's t distribution with nu
// degrees of freedom, location loc and scale σ elementwise:
// log Γ((ν+1)/2) - log Γ(ν/2) - ½ log(νπ) - log σ - (ν+1)/2 · log(1 + z²/ν) with
// z = (x-loc)/σ. nu and scale must be positive.
func (b *Builder) StudentTLogProb(x, nu, loc, scale *Node) *Node {
	defer b.enter("StudentTLogProb", "x", x, "nu", nu, "loc", loc, "scale", scale)()
	ns := []*Node{x, nu, loc, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, nu, loc, scale = ns[0], ns[1], ns[2], ns[3]
	half := b.Scale(b.Shift(nu, 1), 0.5) // (ν+1)/2
	z := b.Div(b.Sub(x, loc), scale)
	norm := b.AddN(
		b.Lgamma(half),
		b.Neg(b.Lgamma(b.Scale(nu, 0.5))),
		b.Scale(b.Log(b.Scale(nu, math.Pi)), -0.5),
		b.Neg(b.Log(scale)),
	)
	return b.Sub(norm, b.Mul(half, b.Log1p(b.Div(b.Square(z), nu))))
}

// BernoulliLogitsLogProb returns the log-probability of y under a Bernoulli
// distribution with success probability sigmoid(logits) elementwise, computed
// stably as y·l - softplus(l): finite for any finite logits in either float type.
// y is meant to be 0 or 1 (other values give the same formula, which is the
// binary cross-entropy with soft labels).
func (b *Builder) BernoulliLogitsLogProb(y, logits *Node) *Node {
	defer b.enter("BernoulliLogitsLogProb", "y", y, "logits", logits)()
	ns := []*Node{y, logits}
	if !b.bindAll(ns...) {
		return nil
	}
	y, logits = ns[0], ns[1]
	if y.IsScalar() || logits.IsScalar() {
		return b.Sub(b.Mul(y, logits), b.Softplus(logits))
	}
	return b.binary("BernoulliLogitsLogProb", y, logits, applyBin(bernoulliLogitsOp))
}

// CategoricalLogitsLogProb returns the log-probability of a one-hot (or any
// weighting) vector under a categorical distribution with the given unnormalised
// log-probabilities, along the last axis:
// Σ_k onehot_k·logits_k - logsumexp_k(logits_k). onehot and logits broadcast
// against each other; the output has their broadcast shape without the last axis
// (a scalar for vectors). Rows of onehot that do not sum to 1 give
// Σ onehot·logits - logsumexp(logits), not a weighted log-probability. The two
// must have at least one axis each.
func (b *Builder) CategoricalLogitsLogProb(onehot, logits *Node) *Node {
	defer b.enter("CategoricalLogitsLogProb", "onehot", onehot, "logits", logits)()
	ns := []*Node{onehot, logits}
	if !b.bindAll(ns...) {
		return nil
	}
	onehot, logits = ns[0], ns[1]
	if onehot.IsScalar() || logits.IsScalar() {
		b.Failf("graph: CategoricalLogitsLogProb: shapes %v and %v need a category axis", onehot.Shape(), logits.Shape())
		return nil
	}
	p := b.Mul(onehot, logits)
	if !b.ok(p) {
		return nil
	}
	return b.Sub(b.Sum(p, p.Dims()-1), b.LogSumExp(logits, logits.Dims()-1))
}
