// Package vmath provides vectorized float32 elementwise kernels (exp,
// softplus, sigmoid and the Bernoulli-logits log-likelihood and its
// gradient) whose results are bit-for-bit identical to the scalar reference
// functions Exp32, Softplus32 and Sigmoid32 on every machine, and float64
// ones (Exp64s, Log1p64s, Softplus64s, Sigmoid64s, and the fused
// Bernoulli-logit and Poisson log-likelihoods with their derivatives,
// Logistic64s and Poisson64s) bit-identical to Exp64, Log1p64, Softplus64,
// Sigmoid64, Logistic1 and Poisson1.
//
// The float64 scalar functions follow fdlibm (as Go's pure-Go math.Exp and
// math.Log1p do), within 1 ulp for Exp64 and Log1p64 and 2 ulps for
// Softplus64 and Sigmoid64, but unlike Go's math package (whose amd64 Exp
// uses FMA when the CPU has it) they give the same bits on every CPU and
// build:
//
//	exp(x)     = 2**k · (1 + r + r·c/(2 - c)),  x = k·ln2 + r,  c = r - t·P(t),  t = r²
//	log1p(x)   = k·ln2 + f - hfsq + s·(hfsq + R(s²)) + c,  1+x = 2**k·(1+f),  s = f/(2+f)
//	softplus(x) = max(x, 0) + log1p(exp(-|x|)),   sigmoid(x) = (x ≥ 0 ? 1 : e)/(1 + e),  e = exp(-|x|)
//
// The float64 assembly handles blocks of 4 with |x| <= 708 (for Log1p64s:
// -1 < x < 2**53 and |x| >= 2**-29), not NaN; other blocks and the tail go
// through the scalar code.
//
// On amd64 CPUs with AVX2 (as reported by blas32.HasAVX2) the slice
// functions process blocks of 8 elements with assembly that performs exactly
// the same IEEE-754 float32 operations, in the same order, as the scalar
// code: separate multiplies and adds, never fused multiply-add. A block
// containing an element outside the range the assembly handles (|x| > 87,
// NaN, and for BernoulliLogitsGrad a NaN y or g) is computed with the scalar
// code, as are the tail elements. Elsewhere the portable scalar loops are
// used.
//
// The scalar functions use explicit float32 conversions around every
// product that is added to something, so that the Go compiler never fuses
// them into FMA instructions (which it may do, for instance, with
// GOAMD64=v3); the results are therefore those of individually rounded
// float32 operations regardless of build settings.
//
// NaN inputs propagate as in the scalar code. When two inputs of
// BernoulliLogits or BernoulliLogitsGrad are NaN, which payload the result
// carries is not specified (as for Go float arithmetic itself, where it
// depends on the operand order the compiler picks).
//
// The slice functions panic if their arguments differ in length. dst may be
// the same slice as an input, but must not otherwise partially overlap one.
package vmath
