package graph

import (
	"math"

	"github.com/chewxy/math32"
)

// This file holds more elementwise log-densities of continuous distributions,
// with the conventions of dist.go: the arguments broadcast against each other
// (NumPy style), nothing is summed, and the parameterization is Stan's, named
// in each doc comment. Arguments outside the support are not checked unless
// the doc comment says so.

const logPi = 1.1447298858494001741434273513530587116472948129153115715136230714 // log π

// CauchyLogProb returns the log-density of the Cauchy distribution with
// location μ and scale σ elementwise (Stan's cauchy(μ, σ)):
//
//	log p(x) = -log π - log σ - log(1 + ((x-μ)/σ)²).
//
// scale must be positive.
func (b *Builder) CauchyLogProb(x, loc, scale *Node) *Node {
	defer b.enter("CauchyLogProb", "x", x, "loc", loc, "scale", scale)()
	ns := []*Node{x, loc, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, loc, scale = ns[0], ns[1], ns[2]
	z := b.Div(b.Sub(x, loc), scale)
	return b.Shift(b.Neg(b.Add(b.Log1p(b.Square(z)), b.Log(scale))), -logPi)
}

// HalfCauchyLogProb returns the log-density of the half-Cauchy distribution
// with scale σ, the law of |c| for c ~ Cauchy(0, σ) (Stan's cauchy(0, σ) on a
// parameter constrained to be non-negative), elementwise:
//
//	log p(x) = log 2 - log π - log σ - log(1 + (x/σ)²),   x ≥ 0.
//
// It assumes x ≥ 0 and does not check it (for x < 0 it returns the same
// formula). scale must be positive.
func (b *Builder) HalfCauchyLogProb(x, scale *Node) *Node {
	defer b.enter("HalfCauchyLogProb", "x", x, "scale", scale)()
	ns := []*Node{x, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, scale = ns[0], ns[1]
	z := b.Div(x, scale)
	return b.Shift(b.Neg(b.Add(b.Log1p(b.Square(z)), b.Log(scale))), log2-logPi)
}

// HalfStudentTLogProb returns the log-density of the half-Student-t
// distribution with ν degrees of freedom and scale σ, the law of |t| for
// t ~ StudentT(ν, 0, σ) (Stan's student_t(ν, 0, σ) on a non-negative
// parameter), elementwise:
//
//	log p(x) = log 2 + log Γ((ν+1)/2) - log Γ(ν/2) - ½ log(νπ) - log σ - (ν+1)/2 · log(1 + (x/σ)²/ν),   x ≥ 0.
//
// It assumes x ≥ 0 and does not check it. nu and scale must be positive;
// ν = 1 is the half-Cauchy distribution.
func (b *Builder) HalfStudentTLogProb(x, nu, scale *Node) *Node {
	defer b.enter("HalfStudentTLogProb", "x", x, "nu", nu, "scale", scale)()
	return b.Shift(b.StudentTLogProb(x, nu, b.Scalar(0), scale), log2)
}

// LogNormalLogProb returns the log-density of the log-normal distribution
// (the law of e^y for y ~ N(μ, σ²); Stan's lognormal(μ, σ)) elementwise:
//
//	log p(x) = -log x - log σ - ½ log 2π - ½((log x - μ)/σ)²,   x > 0.
//
// It assumes x > 0 (x ≤ 0 gives NaN or ±Inf); sigma must be positive.
func (b *Builder) LogNormalLogProb(x, mu, sigma *Node) *Node {
	defer b.enter("LogNormalLogProb", "x", x, "mu", mu, "sigma", sigma)()
	ns := []*Node{x, mu, sigma}
	if !b.bindAll(ns...) {
		return nil
	}
	x, mu, sigma = ns[0], ns[1], ns[2]
	lx := b.Log(x)
	return b.Sub(b.NormalLogProb(lx, mu, sigma), lx)
}

// BetaLogProb returns the log-density of the beta distribution with shapes α
// and β (mean α/(α+β); Stan's beta(α, β)) elementwise:
//
//	log p(x) = (α-1) log x + (β-1) log(1-x) + log Γ(α+β) - log Γ(α) - log Γ(β),   0 < x < 1.
//
// It assumes 0 < x < 1 and does not check it; alpha and beta must be
// positive. log(1-x) is computed as log1p(-x), accurate for small x, and
// log Γ(α+β) - log Γ(α) - log Γ(β) = -log B(α, β) in float64 in both float
// types.
func (b *Builder) BetaLogProb(x, alpha, beta *Node) *Node {
	defer b.enter("BetaLogProb", "x", x, "alpha", alpha, "beta", beta)()
	ns := []*Node{x, alpha, beta}
	if !b.bindAll(ns...) {
		return nil
	}
	x, alpha, beta = ns[0], ns[1], ns[2]
	return b.AddN(
		b.Mul(b.Shift(alpha, -1), b.Log(x)),
		b.Mul(b.Shift(beta, -1), b.Log1p(b.Neg(x))),
		b.Neg(b.lbeta(alpha, beta)),
	)
}

// UniformLogProb returns the log-density of the uniform distribution on the
// closed interval [lo, hi] (Stan's uniform(lo, hi)) elementwise:
//
//	log p(x) = -log(hi - lo)   if lo ≤ x ≤ hi,   -Inf otherwise.
//
// Unlike the other densities it checks the support: x outside [lo, hi] gives
// -Inf. Its gradient with respect to x is 0 everywhere (also at the bounds),
// and with respect to lo and hi that of -log(hi - lo). hi must be greater
// than lo. A latent fitted through the Sigmoid bijector onto (lo, hi) never
// leaves the support.
func (b *Builder) UniformLogProb(x, lo, hi *Node) *Node {
	defer b.enter("UniformLogProb", "x", x, "lo", lo, "hi", hi)()
	ns := []*Node{x, lo, hi}
	if !b.bindAll(ns...) {
		return nil
	}
	x, lo, hi = ns[0], ns[1], ns[2]
	inside := b.Add(b.apply1(logNonNegOp, b.Sub(x, lo)), b.apply1(logNonNegOp, b.Sub(hi, x)))
	return b.Sub(inside, b.Log(b.Sub(hi, lo)))
}

// logNonNegOp is log 1[v ≥ 0]: 0 for v ≥ 0, -Inf for v < 0 (NaN for NaN),
// with a zero gradient.
var logNonNegOp = &ewOp{
	name: "log-nonneg",
	f64: func(v float64) float64 {
		if v < 0 {
			return math.Inf(-1)
		}
		return v - v // 0, or NaN for NaN
	},
	f32: func(v float32) float32 {
		if v < 0 {
			return math32.Inf(-1)
		}
		return v - v
	},
	grad: func(b *Builder, x, y, g *Node) *Node { return b.Scale(g, 0) },
}

// LogisticLogProb returns the log-density of the logistic distribution with
// location μ and scale s (Stan's logistic(μ, s)) elementwise, with
// z = (x-μ)/s:
//
//	log p(x) = -z - log s - 2 log(1 + e^{-z}) = logσ(z) + logσ(-z) - log s,
//
// computed through LogSigmoid: finite for any finite z. scale must be
// positive.
func (b *Builder) LogisticLogProb(x, loc, scale *Node) *Node {
	defer b.enter("LogisticLogProb", "x", x, "loc", loc, "scale", scale)()
	ns := []*Node{x, loc, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, loc, scale = ns[0], ns[1], ns[2]
	z := b.Div(b.Sub(x, loc), scale)
	return b.Sub(b.Add(b.LogSigmoid(z), b.LogSigmoid(b.Neg(z))), b.Log(scale))
}

// WeibullLogProb returns the log-density of the Weibull distribution with
// shape k and scale λ (Stan's weibull(α = k, σ = λ); k = 1 is the exponential
// distribution with rate 1/λ) elementwise, with u = log x - log λ:
//
//	log p(x) = log k - log λ + (k-1)·u - e^{k·u},   x > 0.
//
// It assumes x > 0 (x = 0 gives ±Inf or NaN, and x < 0 NaN); shape and scale
// must be positive.
func (b *Builder) WeibullLogProb(x, shape, scale *Node) *Node {
	defer b.enter("WeibullLogProb", "x", x, "shape", shape, "scale", scale)()
	ns := []*Node{x, shape, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, shape, scale = ns[0], ns[1], ns[2]
	logScale := b.Log(scale)
	u := b.Sub(b.Log(x), logScale)
	return b.AddN(
		b.Sub(b.Log(shape), logScale),
		b.Mul(b.Shift(shape, -1), u),
		b.Neg(b.Exp(b.Mul(shape, u))),
	)
}

// InverseGammaLogProb returns the log-density of the inverse-gamma
// distribution with shape α and scale β (the law of 1/y for y ~ Gamma(α, rate
// β); mean β/(α-1) for α > 1; Stan's inv_gamma(α, β)) elementwise:
//
//	log p(x) = α log β - log Γ(α) - (α+1) log x - β/x,   x > 0.
//
// It assumes x > 0 (x = 0 gives NaN or ±Inf); shape and scale must be
// positive.
func (b *Builder) InverseGammaLogProb(x, shape, scale *Node) *Node {
	defer b.enter("InverseGammaLogProb", "x", x, "shape", shape, "scale", scale)()
	ns := []*Node{x, shape, scale}
	if !b.bindAll(ns...) {
		return nil
	}
	x, shape, scale = ns[0], ns[1], ns[2]
	return b.AddN(
		b.Mul(shape, b.Log(scale)),
		b.Neg(b.Lgamma(shape)),
		b.Neg(b.Mul(b.Shift(shape, 1), b.Log(x))),
		b.Neg(b.Div(scale, x)),
	)
}
