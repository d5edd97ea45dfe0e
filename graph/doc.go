// Package graph holds Vigor's Gorgonia building blocks: a Builder that binds the
// float type once and keeps the first error, numerically stable ops, one
// (draws, rows) layout, log-densities, gather and stack, bijectors with their
// log-Jacobians, closed-form KL divergences, Dense/MLP layers, in-place
// optimizers, and an executor with an explicitly chosen BLAS.
//
// Gorgonia is the graph and symbolic-differentiation engine underneath, but
// its types stay inside this package: graph hands out its own Node, Shape and
// Dtype, and importing it changes none of Gorgonia's process-wide settings.
//
// # Building a graph
//
// A Builder wraps a Gorgonia expression graph. Its methods read as math and
// broadcast like NumPy; after the first error every method returns nil, so a
// model is written without error checks and Err is looked at once:
//
//	b := graph.NewBuilder(graph.Float64)
//	x := b.Input("x", 100, 3)                  // data, filled with graph.Set
//	w := b.Param("w", nil, 3, 1)               // learnable
//	loss := b.Mean(b.Square(b.MatMul(x, w)))
//	grads := b.Grad(loss, w)
//	m, err := b.Compile()                      // build and compile once
//	...                                        // then: fill inputs, m.Run(), read grads
//
// Inputs and parameters are ordinary tensors: writing into their values between
// runs (graph.Set, in place through the buffers of graph.Float64s and
// graph.Float32s, or an Optimizer's Step) is all a training loop does. Gradient
// nodes are recomputed on every Run; they do not accumulate. A Builder hands
// out one *Node per graph node, so nodes can key maps.
//
// # Stable ops
//
// Softplus, Sigmoid, LogSigmoid and LogSumExp are custom ops computed natively in
// float64 or float32 (no round trip through float64), finite for any finite
// input:
//
//	softplus(x)   = max(x, 0) + log1p(exp(-|x|))
//	logsigmoid(x) = -softplus(-x)
//	logsumexp(x)  = m + log Σ exp(x_k - m),  m = max_k x_k
//
// Reshape, Cols, T and broadcasting are also Vigor's own copying ops: Gorgonia's
// views can be overwritten in place by its register allocator, which silently
// corrupts the parameter or data they view.
//
// # One layout: draws × rows
//
// Every quantity with one value per draw and per data row has shape (S, B):
// the S draws of the latent variables on axis 0, the B rows of the minibatch
// on axis 1, and any per-row vector after them, (S, B, K). Summing over axis 1
// gives one log-density per draw, (S), which is what a model returns. Every
// op, density and example of this package uses this layout:
//
//	latent z of size D               (S, D); a latent of size 1 is (S, 1)
//	component j of z                 Cols(z, j, j+1)               (S, 1)
//	a per-draw value or vector       PerDraw: (S) → (S, 1), (S, K) → (S, 1, K)
//	a data column x                  PerRow: (B) → (1, B); (B, K) → (1, B, K)
//	a data matrix X (B, C)           MatMul(zc, T(X)) with zc (S, C) → (S, B)
//	each row's group parameters      Gather(z (S, G), idx) → (S, B)
//	per-row log-densities            (S, B), then Sum(·, 1) → (S)
//
// For example, a Poisson regression with z = (intercept, slope) of shape (S, 2):
//
//	a, slope := b.Cols(z, 0, 1), b.Cols(z, 1, 2)                 // (S, 1) each
//	eta := b.Add(a, b.Mul(slope, b.PerRow(x)))                  // (S, B)
//	loglik := b.Sum(b.PoissonLogRateLogProb(b.PerRow(y), eta), 1) // (S)
//
// Written this way a model works with any batch size B, including B = 1 and
// B = S (where a per-row vector of length B mistaken for a per-draw one of
// length S would otherwise broadcast silently), and never needs the number of
// rows. Col returns a plain vector (S), not this layout: use Cols(z, j, j+1).
//
// # Densities
//
// The log-densities are Builder methods named for the distribution and, when
// it is not the natural one, the parameter they take (PoissonLogRateLogProb,
// BinomialLogitsLogProb). Their parameterizations are Stan's, written out in
// each doc comment. The univariate ones are elementwise and broadcast, so a
// latent (S, 1) is scored against data (1, B) in one op, and none of them sums:
//
//	continuous: Normal, HalfNormal, LogNormal, StudentT, HalfStudentT, Cauchy,
//	            HalfCauchy, Laplace, Logistic, Exponential, Gamma, InverseGamma,
//	            Weibull, Beta, Uniform
//	discrete:   BernoulliLogits, BinomialLogits, PoissonLogRate,
//	            NegativeBinomialLogMean, CategoricalLogits
//
// The multivariate ones score the last axis (Dirichlet, MultiNormalCholesky)
// or the last two (LKJCholesky) and broadcast over the leading ones;
// MultiNormalCholesky and LKJCholesky take one Cholesky factor or one per draw.
// MixtureLogProb combines component log-densities with log weights,
//
//	log p(x) = logsumexp_k (log w_k + log p_k(x)).
//
// Arguments outside a support are not checked (Uniform's bounds are the one
// exception): model constrained latents through a bijector.
//
// # Indexing
//
// Gather picks each row's group parameters from a latent (S, G) or (S, G, K)
// through an Index, an integer input of one group number per row, giving
// (S, B) or (S, B, K); its gradient is a scatter-add in one pass over the rows,
// so thousands of groups cost no more than a few. Stack joins nodes of one
// shape along a new axis; Concat along an existing one.
//
// # Errors
//
// A Builder keeps its first error. An error met inside a method built from
// other ops (a density, a KL divergence, AddN) is a *CallError that names the
// call the caller wrote, with the shapes of its arguments, rather than the
// internal op that failed:
//
//	graph: NormalLogProb(x (10), loc (8), scale ()): shapes do not broadcast
//
// A failed broadcast anywhere wraps ErrBroadcast.
//
// # Bijectors, KL
//
// Bijectors map the real line onto a support with log|det J|, as in ADVI
// (Kucukelbir et al. 2017, arXiv:1603.00788):
//
//	Exp:      y = eˣ,                         log|J| = x
//	Softplus: y = log(1 + eˣ),                log|J| = logsigmoid(x)
//	Sigmoid:  y = L + (U - L)·σ(x),            log|J| = log(U - L) + logσ(x) + logσ(-x)
//	LowerBound:      y = L + eˣ,                   log|J| = x
//	UpperBound:      y = U - eˣ,                   log|J| = x
//	Ordered:         y₀ = x₀, yᵢ = yᵢ₋₁ + e^{xᵢ},   log|J| = Σ_{i≥1} xᵢ
//	PositiveOrdered: yᵢ = Σ_{j≤i} e^{xⱼ},           log|J| = Σ xᵢ
//	StickBreaking:   K-1 values -> the simplex of K (Stan's stick breaking)
//	CorrCholesky:    K(K-1)/2 values -> Cholesky factor of a correlation matrix (tanh of
//	                 canonical partial correlations, Stan's cholesky_factor_corr)
//	LowerCholesky:   K(K+1)/2 values -> lower-triangular matrix with exp on the diagonal
//	                 (Stan's cholesky_factor_cov)
//
// The Jacobians of the dimension-changing maps are taken onto the free
// coordinates (the first K-1 weights; the entries below, or on and below, the
// diagonal), the measure of DirichletLogProb and LKJCholeskyLogProb.
//
// KLNormal and KLStdNormalLogVar are the closed-form KL divergences between
// normals.
//
// References: Lewandowski, Kurowicka and Joe (2009), Generating random
// correlation matrices based on vines and extended onion method, J.
// Multivariate Anal. 100(9) (the LKJ density); the Stan Functions Reference
// (the parameterizations).
//
// # Optimizers
//
// Adam, RMSProp, AdaGrad and SGD with Robbins–Monro steps ρ_t = η (t + τ)^-κ
// update parameters in place, keep their state in float64 by position, and do
// exactly what their fields say (Gorgonia's solvers ignore some options).
// Adam's step is a typed loop split across cores; State and SetState save and
// restore an optimizer exactly, for checkpoints. (bbvi's default Adam uses
// β₂ = 0.99 rather than Adam's 0.999; see bbvi.NewOptimizer.)
//
// # Gradient plumbing
//
// StopGradient detaches a value (Gorgonia has no stop-gradient of its own), the
// zero-gradient samplers BernoulliSample and CategoricalSample turn noise into
// discrete draws inside the graph, SolveLower and SolveLowerT are triangular
// solves with gradients (the full-rank Gaussian's log-density at any point), and
// StickBreaking maps R^(K-1) onto the simplex.
//
// # Fused GLM likelihoods
//
// GLMLogLik is the log-likelihood of a Gaussian, logistic or Poisson
// regression for S draws of the coefficients at once, computed by one op
// that passes over the data once, block by block of 512 rows:
//
//	η = X·βᵀ + a,   ll_s = Σ_i log p(y_i | η_si),   ∂ll_s/∂β_s = Σ_i r_si·x_i,   r = ∂ll/∂η
//
// (log-likelihood and gradient together; the graph's gradient only scales
// them). The blocks are fixed and their partial sums are added in order, so
// the result is the same bits on any number of cores; large problems use
// them all. bbvi/models' regressions use it.
//
// # Running
//
// Compile returns a Machine, Vigor's own executor for the graph: each operation
// node owns its output buffer (a scalar's too), allocated on the first Run and
// reused in place afterwards, so that a BBVI step allocates nothing in steady
// state, and no node's value is overwritten by another's (Gorgonia's
// TapeMachine shares buffers between nodes and drops them all on every
// Reset). Sums, broadcasts of scalars and the additions of Gorgonia's
// gradient accumulation are Vigor's own ops; elementwise ops are split across
// cores through a persistent pool of goroutines only above 2·16384 values.
//
// # Same bits everywhere
//
// Vigor's float64 kernels — the exp, log1p, softplus and sigmoid of
// internal/vmath and the matrix products of internal/blas64 — give the same
// bits on every CPU (with or without AVX2) and with any number of cores, and
// every sum has a fixed order: a seed gives the same fit on a laptop and on a
// server. (Gorgonia's and Go's own math.Exp use FMA when the CPU has it, and
// so differ in the last bits between CPUs.)
//
// # Matrix products and BLAS
//
// MatMul is graph's own op: one gemm call per product (and per gradient
// product, with transpose flags rather than transposed copies), computed by the
// BLAS of the Builder the Machine was compiled from. The default, DefaultBLAS,
// computes them with Vigor's own kernels (internal/blas32 and internal/blas64:
// Go with AVX2/FMA assembly on amd64); GonumBLAS uses gonum for both. The choice is always an explicit call:
//
//	b.SetBLAS(graph.GonumBLAS())       // one Builder
//	if k, ok := graph.OpenBLAS(); ok { // a program built with -tags openblas (cgo, libopenblas-dev)
//		graph.UseBLAS(k)               // every Builder created afterwards
//	}
//
// Importing graph neither reads nor sets Gorgonia's process-wide BLAS.
package graph
