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
