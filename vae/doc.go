// Package vae is amortized variational inference: a variational autoencoder
// (Kingma & Welling 2014, arXiv:1312.6114; Rezende et al. 2014,
// arXiv:1401.4082) built on Vigor's Gorgonia building blocks.
//
// An encoder MLP maps an image x to the parameters of a diagonal Gaussian
// q(z | x) = N(μ(x), diag σ²(x)) (the local variational parameters of every data
// point, produced by one shared network); a decoder MLP maps a code z to the
// parameters of p(x | z), Bernoulli logits or Gaussian means. Training
// maximizes, over the weights of both, a lower bound on log p(x):
//
//	ELBO(x) = E_q[log p(x | z)] - KL(q(z|x) ‖ N(0, I)),
//	KL      = ½ Σ_j (μ_j² + σ_j² - 1 - log σ_j²)                  (closed form),
//	IWAE_K  = E[log (1/K) Σ_k p(x, z_k) / q(z_k | x)],  z_k ~ q   (Burda et al. 2015, arXiv:1509.00519),
//
// with the reparameterization z = μ + σ ⊙ ε, ε ~ N(0, I), so that one graph
// gives unbiased gradients for every weight. ELBO ≤ IWAE_K ≤ IWAE_{K+1} ≤ log p(x).
//
// Other gradient estimators (TrainSettings.Estimator), all unbiased:
//
//	STL   (Roeder et al. 2017, arXiv:1703.09194)  ELBO-MC with log q's parameters held constant:
//	      ∇φ E[log p(x, z) - log q_φ̄(z|x)],  z = μ + σε; zero variance when q is the posterior.
//	DReG  (Tucker et al. 2018, arXiv:1810.04152)  IWAE_K, encoder gradient
//	      Σ_k w̃_k² ∂log w_k/∂z_k ∂z_k/∂φ  (w̃ the normalized weights), decoder's as IWAE's.
//	Score / NVIL  for Bernoulli latents z ∈ {0,1}^L (Config.Latents), prior Bernoulli(½)^L:
//	      ∇φ ELBO = E_q[(log p(x|z) - c - C(x)) ∇φ log q(z|x)] - ∇φ KL   (KL in closed form),
//	      c = C = 0 for Score; NVIL (Mnih & Gregor 2014, arXiv:1402.0030) learns the
//	      baseline C(x) (an MLP regressing the signal) with a running mean c, and divides
//	      the encoder's gradient by max(1, the running sd of the signal).
//
// KL warm-up (TrainSettings.KLWarmup) weights the KL part by β rising from 0
// to 1 over the first epochs; QMC noise (TrainSettings.QMC) draws each image's
// K Gaussian noise vectors as one randomized quasi-Monte Carlo point set.
// ExactGradient enumerates the codes of a small Bernoulli-latent model for the
// exact ELBO gradient, the reference of the tests and of the variance study.
//
// The pieces:
//
//   - Config is the architecture (784-400-20, ReLU, Bernoulli and float32 by
//     default, the model of the PyTorch example); Model holds it with weights.
//   - Trainer runs epochs of Adam over a datasets.ImageSet with continuous,
//     static-binarized or dynamically binarized targets, one compiled graph
//     whose inputs are filled in place. All randomness comes from one PCG source
//     whose state is checkpointed, so Resume continues a run bit for bit.
//   - Bound evaluates the ELBO (or IWAE) on a test set; LogLikelihood estimates
//     log p(x) by importance sampling with K samples (5000 by default, as Burda
//     et al.), in chunks and with a running log-sum-exp, in bounded memory.
//   - Checkpoint files are versioned, checksummed and written atomically.
//   - Encode, Decode, Reconstruct and SamplePrior give codes and pictures.
//
// The `vigor vae train|eval|sample` commands wrap all of this.
package vae
