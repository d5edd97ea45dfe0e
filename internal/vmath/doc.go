// Package vmath provides vectorized float32 elementwise kernels (exp,
// softplus, sigmoid and the Bernoulli-logits log-likelihood and its
// gradient) whose results are bit-for-bit identical to the scalar reference
// functions Exp32, Softplus32 and Sigmoid32 on every machine.
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
