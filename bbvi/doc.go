// Package bbvi is the inference core of black-box variational inference: a
// model written as a graph (package graph), a variational family, a gradient
// estimator, and a stochastic-optimization loop (SVI) that returns the fitted
// approximate posterior. Nothing here is specific to one model: ready-made
// models live in bbvi/models, the Gaussian mixture with EM in bbvi/mixture,
// and the gradient-variance study in bbvi/study.
//
// # Extending it
//
// A new variational family is one type implementing Family (its Build states
// its parameters and its base noise through Approx), registered with
// RegisterFamily; a new gradient estimator implements Estimator and is
// registered with RegisterEstimator; a new control variate implements
// ControlVariate; a new convergence rule implements Converger. None needs a
// change anywhere else.
//
// # The objective
//
// For a model p(x, z) and a family q(z; λ), the fit maximizes the evidence lower
// bound
//
//	ELBO(λ) = E_q[log p(x, z)] - E_q[log q(z; λ)]  ≤  log p(x).
//
// Latents with a constrained support (positive, bounded, an interval, ordered,
// a simplex, a Cholesky factor of a correlation or covariance matrix) are fitted
// in the unconstrained space ζ ∈ R^d through a bijector z = T(ζ), adding
// log|det J_T(ζ)| to the log-joint, as in Stan's ADVI (Kucukelbir et al. 2017,
// arXiv:1603.00788). A simplex of K values takes K-1 coordinates of ζ, a K×K
// correlation factor K(K-1)/2 (see Support).
//
// # Families and the reparameterization gradient
//
// A family is base noise pushed through a transform, ζ = μ + L ε with ε ~ N(0, I):
// L diagonal (MeanField, L = diag(exp ω)), lower-triangular with a positive
// diagonal (FullRank), or low rank plus diagonal (LowRank, Σ = BBᵀ + D²); Flow
// pushes the noise through RealNVP coupling layers for posteriors far from
// Gaussian, and its Posterior is summarized by Monte Carlo. The reparameterization (pathwise) estimator (Kingma &
// Welling 2014, arXiv:1312.6114; Rezende et al. 2014, arXiv:1401.4082) averages S
// draws per step:
//
//	∇λ ELBO ≈ (1/S) Σ_s ∇λ log p(x, T(μ + L ε_s)) + log|J| + ∇λ H[q],   H[q] = Σ log L_jj + d/2 (1 + log 2π).
//
// Every estimator builds one scalar loss node whose gradient is the estimate, so
// the fit loop is the same for all of them.
//
// # The score-function gradient, control variates and Rao-Blackwellization
//
// When the model is not differentiable in z or the family cannot be
// reparameterized (discrete latents), ScoreFunction uses the log-derivative
// trick (Ranganath et al. 2014, arXiv:1401.0118; Williams 1992):
//
//	∇λ ELBO = E_q[(log p(x, z) - log q(z; λ) - b) ∇λ log q(z; λ)],
//
// built as one surrogate node whose gradient is the estimate (the learning
// signal is detached with graph.StopGradient). The control variate b lowers the
// variance without bias: a decaying average of past signals (DecayingBaseline),
// the mean of the other S-1 draws (LeaveOneOut), or the per-component optimal
// scaling a*_j = Cov(f h_j, h_j)/Var(h_j), h = ∇ log q (Optimal). With local
// latents (a model that gives per-datapoint terms, PointwiseModel) each z_i's
// signal is only its own term log p(x_i, z_i | β) - log q(z_i): Rao-Blackwellized,
// as Pyro's TraceGraph_ELBO. BernoulliFamily and CategoricalFamily are mean-field
// discrete families with logits; FitMixed mixes pathwise gradients for continuous
// latents with score-function gradients for discrete ones. Package bbvi/study
// measures the variance of every estimator against an exact gradient.
//
// # Data, minibatches and shape checks
//
// Data holds the arrays a model reads. Per-row arrays (the default) have one
// row per data point and are minibatched together; Global arrays (group-level
// predictors, constants) may have any length and are handed whole to every
// step; integer index arrays (Array.Groups > 0: each row's group) reach the
// model as b.Index(name), a *graph.Index for Gather, and are minibatched with
// the rows when they are per row. With B of N data rows per step, the
// likelihood is scaled by N/B:
//
//	log p(z) + (N/B) Σ_{i ∈ batch} log p(x_i | z)
//
// is unbiased for log p(x, z), and so is its gradient. A minibatch fit that
// takes the Laplace start (global continuous latents) adds a control variate
// anchored at the mode ζ̂: it subtracts the batch's first-order expansion
// (N/B)·Σ_batch [ℓ_i(ζ̂) + ∇ℓ_i(ζ̂)ᵀ(ζ − ζ̂)] and adds back the full data's,
// computed once. The estimate stays unbiased and most of the batch noise,
// which would otherwise bias q, is gone (see anchor.go; Settings.PlainBatches
// turns it off).
//
// The fit checks what every model function returns: one log-density per
// draw, shape (S), and per draw and row, (S, B), for PointLogLikelihood. A
// likelihood summed over the draws too (a scalar that would be added to every
// draw) or a prior left at (S, 1) stops the fit with an error that names the
// function ("FuncModel.Likelihood returned shape () ...") and the shape; when
// the draws equal the rows per batch, where a per-row vector of shape (B)
// would pass for a per-draw one, the model is built once more, without
// compiling, with another number of draws, and a model that then fails is
// refused. A panic in a model function and a build error inside it are
// reported as errors naming it. A FuncModel with a nil Prior has a flat
// prior.
//
// # Derived quantities and predictions
//
// A Deriver (a FuncModel with Quantities and Derive) declares quantities
// computed from the latents and the Global data, as Stan's transformed
// parameters and generated quantities: the school effects θ_j = μ + τ·η_j of
// a non-centred hierarchy, say. A fit summarizes them from PosteriorDraws
// draws (Posterior.Derived: Mean, SD, Quantile and the draws); DeriveDraws
// computes them for any number of draws. A Predictor gives the parameters of
// its target's distribution for every draw and row, and simulates the target
// from them; Predict returns posterior predictive draws for new rows. The
// ready-made models of package bbvi/models are Derivers and Predictors.
//
// # Local latents and learned parameters
//
// A model p(β, z, x; θ) = p(β; θ) Π_i p(z_i, x_i | β; θ) with a continuous
// local z_i per row (Latent.Local) gets a mean-field q(z_i) = N(m_i, diag s_i²)
// per row, and the fit maximizes, per step,
//
//	ELBO ≈ E_q[log p(β)] + H[q(β)] + (N/B) Σ_{i ∈ batch} (E_q[log p(z_i, x_i | β)] + H[q(z_i)]),
//
// unbiased for the full ELBO and its gradient in (λ_β, θ) and in every row's
// (m_i, log s_i) (a row outside the batch has gradient 0, inside it N/B times
// its own term, in expectation its full gradient). The table of (m_i, log s_i)
// lives outside the graph; each step copies the batch's rows in and updates
// only them, by an Adam with per-row moments, step counts and a rate that
// decays with the row's own updates ("lazy": untouched rows do not change),
// and averages them lazily over the averaging phase: O(N·dim) memory, O(B·dim)
// work. Every b.Param the model declares is a parameter θ learned jointly with
// q (variational EM: the ELBO is a lower bound on log p(x; θ)), reported in
// Posterior.Params. Settings.Anneal weighs the likelihood (tempering) or the
// prior-and-entropy part (KL warm-up) over the first steps.
//
// # Sticking the landing and the importance-weighted bound
//
// STL drops the score term of log q from the pathwise gradient (Roeder et al.
// 2017, arXiv:1703.09194): with ζ = T(ε; λ),
//
//	∇λ ELBO ≈ (1/S) Σ_s ∇ζ [log p(x, ζ) - log q(ζ; λ)] · ∂ζ_s/∂λ,
//
// zero at q = p for every draw. IWAE maximizes the importance-weighted bound
// L_K = log (1/K) Σ_k w_k over the K = S draws of a step (Burda et al. 2016,
// arXiv:1509.00519), and with DReG (Tucker et al. 2018, arXiv:1810.04152) its
// gradient in λ is Σ_k w̃_k² ∇ζ log w_k · ∂ζ_k/∂λ, w̃ the normalized weights.
//
// # The fit loop
//
// NewSVI builds the graph and its machine once; each SVI.Step draws noise (and
// a batch) from the caller's *rand.Rand, runs the graph and takes one optimizer
// step (Adam by default). Every EvalEvery steps the ELBO is estimated with
// EvalDraws draws, with its Monte Carlo standard error, and the Converger is
// asked (by default RelativeTolerance: the mean or median relative ELBO change
// over a window below Tol, Stan's rule). The reported parameters are then the
// average of the iterates over a further averaging phase (Polyak & Juditsky
// 1992), which removes the optimizer's jitter: the answer is accurate rather than
// a noisy last iterate. The fit ends with a Status and its reason: Converged,
// StepLimit, NonFinite (a NaN or Inf, reported as a *NonFiniteError that names
// the step; the posterior keeps the last finite parameters) or Stopped. A
// running fit can be saved (SVI.State) and resumed exactly (SVI.Restore). Fit
// does all of this in one call.
//
// # The posterior
//
// Posterior reports in the constrained space: Mean, SD and Cov (exact for
// real-valued latents, by Gauss–Hermite quadrature for the other elementwise
// supports), Quantile (exact: the elementwise maps are monotone), and Sample
// with an explicit *rand.Rand. Vector and matrix latents are reported whole (a
// simplex as K values summing to 1, a correlation matrix as K×K values
// Name[i,j]) and summarized from draws of q made once with a seed from its
// parameters. The same seed gives the same numbers, bit for bit.
package bbvi
