// Package gemmtest is the test and benchmark harness shared by the float32
// and float64 matrix products (internal/blas32, internal/blas64 and the
// generic driver internal/gemm): random operands with padding that must not
// change, a float64 reference with a rounding-error bound, sweeps over shapes,
// transposes, alphas and betas, comparisons with gonum (results and panics),
// allocation counts and the VAE benchmark shapes.
//
// The reference computes each element of alpha·op(A)·op(B) + beta·C in
// float64 and accepts
//
//	|got − want| ≤ 2(k+2)·ε·(|alpha|·Σ_p |a_ip b_pj| + |beta·c_ij|)
//
// with ε the unit roundoff of the tested type (2⁻²³ or 2⁻⁵²), the standard
// bound for a dot product of length k plus the scaling, with a factor 2 to
// spare.
package gemmtest
