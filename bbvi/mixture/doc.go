// Package mixture fits a Gaussian mixture with diagonal covariances three
// ways, to show expectation–maximization as a special case of variational
// inference:
//
//   - FitEM: expectation–maximization, where q(z) is the exact posterior
//     p(z | x, θ) and θ a point estimate; its log-likelihood never decreases.
//   - FitMarginal: black-box VI (package bbvi) over the global parameters,
//     with the assignments summed out of the likelihood.
//   - FitScore: black-box VI with the discrete assignments kept as local
//     latents, fitted by Rao-Blackwellized score-function gradients.
//
// Starts come from k-means++ (KMeansPP, Arthur & Vassilvitskii 2007); every
// fit reports a Result in the data's own units.
package mixture
