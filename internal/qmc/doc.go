// Package qmc draws randomized quasi-Monte Carlo (RQMC) points: Sobol' points
// (Joe–Kuo direction numbers, 3667 dimensions) under Owen's nested uniform
// scrambling, as uniforms on (0, 1)^d or, through the inverse normal CDF, as
// standard normal vectors for the reparameterized draws of variational
// inference (Buchholz, Wenzel & Mandt 2018, "Quasi-Monte Carlo variational
// inference", arXiv:1807.01604).
//
// A scrambled point set replaces n i.i.d. draws: every point is, on its own,
// exactly uniform (or exactly N(0, I)), so a sample mean stays unbiased, while
// the points together are spread evenly. For n = 2^m points every
// one-dimensional projection has exactly one point in each interval
// [k/n, (k+1)/n), and for a smooth integrand the variance of the mean falls
// like O(n^-3 (log n)^(d-1)) instead of Monte Carlo's σ²/n (Owen 1997):
//
//	x_i   = Sobol' point i (i = 0..n-1): 32 binary digits a_1 a_2 ... per coordinate
//	y_k   = a_k XOR h(seed_j, k, a_1 ... a_{k-1})   (nested uniform scrambling)
//	u_ij  = 0.y_1 y_2 ... y_32 followed by 21 random bits, in (0, 1)
//	z_ij  = Φ⁻¹(u_ij)
//
// The flip bits h are a strong 64-bit hash of the coordinate's seed and the
// digit prefix, and each coordinate's seed is drawn from the caller's
// *rand.Rand for every new point set, so the same source gives the same points
// on any machine. Coordinates beyond the table's 3667 dimensions are padded
// with plain Monte Carlo uniforms (Owen's "padding"), which keeps every
// estimate unbiased.
//
// The direction numbers are those of S. Joe and F. Y. Kuo, "Constructing
// Sobol sequences with better two-dimensional projections", SIAM J. Sci.
// Comput. 30, 2635–2654 (2008), file new-joe-kuo-6.21201 cut at 3667
// dimensions; see JOE-KUO-LICENSE. The scrambling is A. B. Owen, "Scrambled
// net variance for integrals of smooth functions", Ann. Statist. 25 (1997).
package qmc
