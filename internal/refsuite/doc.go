// Package refsuite holds the posteriors of Vigor's reference suite: twelve
// models, each written with the graph Builder as a bbvi.Model together with its
// data (typed in, or drawn from a fixed PCG seed), a plain float64 version of
// the same log-density, and the description that the R script
// bench/refsuite/make_refs.R reads to compute the NUTS reference with Stan.
// The command bench/refsuite fits every problem with every registered family
// and compares the fits with those references; the tests here check that each
// graph model computes exactly the density its float64 twin computes.
//
// # The problems
//
//	a  eight_schools_nc   eight schools, non-centred, tau ~ half-Cauchy(0, 5)      d = 10
//	b  eight_schools_cp   eight schools, centred (a funnel in tau)                  d = 10
//	c  linreg_flat        linear regression, flat coefficients, p(σ) ∝ 1/σ          d = 4
//	d  interaction        regression with an interaction, predictors ~1e3 and ~1e-3 d = 5
//	e  logistic           logistic regression, 400 rows, 6 coefficients             d = 6
//	f  corr_regression    26 coefficients, predictors with pairwise correlation 0.95 d = 27
//	g  ar1                AR(1): mu, phi ∈ (-1, 1), sigma > 0                        d = 3
//	h  mixture            two normals, mu1 < mu2 = mu1 + gap, weight, two scales    d = 5
//	i  poisson_offset     Poisson GLM, log link, log-exposure offset                d = 3
//	j  hier_intercept     varying intercepts, 20 groups, half-normal group scale    d = 24
//	k  funnel             Neal's funnel, v ~ N(0, 3²), x_i ~ N(0, e^v), 4 x's       d = 5
//	l  banana             x1 ~ N(0, 2²), x2 ~ N(x1²/2, 1)                           d = 2
//
// Every model's log-density is log p(x, z) in the constrained space, as the
// Model contract wants: bbvi adds the log|det J| of the support maps. Improper
// flat priors contribute 0; the densities that graph does not provide
// (half-Cauchy, log-normal, beta, Poisson) are written here in a few lines.
//
// # The references
//
// For each problem, the reference (bench/refsuite/ref/NAME.json) holds, in
// Vigor's order of components and in the constrained space, the posterior
// means, standard deviations and covariance, and the sds of the best
// mean-field Gaussian,
//
//	σ_MF,j = 1 / sqrt((Σ⁻¹)_jj),
//
// which is the exact answer of a mean-field fit when the posterior is Gaussian
// (the reverse-KL optimum matches the diagonal of the precision); the same
// numbers in the unconstrained space (log σ, logit of an interval), where
// Vigor's Gaussian lives, are kept beside them. The funnel and the banana have
// closed-form moments, which the references use (NUTS is run on them only for
// its diagnostics).
package refsuite
