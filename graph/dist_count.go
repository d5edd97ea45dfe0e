package graph

// This file holds elementwise log-probabilities of count distributions, with
// the conventions of dist.go (broadcasting, nothing summed, Stan's
// parameterizations). The counts are float nodes holding whole numbers; they
// are not checked. Each is parameterized on the unconstrained scale that a
// linear predictor lives on (a log rate, logits, a log mean), and computed
// stably from it.

// PoissonLogRateLogProb returns the log-probability of the count y under a
// Poisson distribution with rate λ = e^η, given the log rate η (Stan's
// poisson_log(η)), elementwise:
//
//	log p(y) = y·η - e^η - log Γ(y+1),   y = 0, 1, 2, …
//
// y is meant to be a non-negative whole number (not checked).
func (b *Builder) PoissonLogRateLogProb(y, logRate *Node) *Node {
	defer b.enter("PoissonLogRateLogProb", "y", y, "logRate", logRate)()
	ns := []*Node{y, logRate}
	if !b.bindAll(ns...) {
		return nil
	}
	y, logRate = ns[0], ns[1]
	return b.Sub(b.Sub(b.Mul(y, logRate), b.Exp(logRate)), b.Lgamma(b.Shift(y, 1)))
}

// BinomialLogitsLogProb returns the log-probability of y successes in n
// trials, each with success probability σ(l) = 1/(1+e^{-l}), given the logits
// l (Stan's binomial_logit(n, l)), elementwise:
//
//	log p(y) = log Γ(n+1) - log Γ(y+1) - log Γ(n-y+1) + y·l - n·softplus(l),   y = 0, …, n,
//
// since y log σ(l) + (n-y) log(1-σ(l)) = y·l - n·softplus(l): finite for any
// finite logits in either float type. The log-gamma terms are computed as
// -log(n+1) - log B(y+1, n-y+1), in float64 in both float types. y and trials are meant to be whole
// numbers with 0 ≤ y ≤ n (not checked).
func (b *Builder) BinomialLogitsLogProb(y, trials, logits *Node) *Node {
	defer b.enter("BinomialLogitsLogProb", "y", y, "trials", trials, "logits", logits)()
	ns := []*Node{y, trials, logits}
	if !b.bindAll(ns...) {
		return nil
	}
	y, trials, logits = ns[0], ns[1], ns[2]
	// log C(n, y) = -log(n+1) - log B(y+1, n-y+1)
	lchoose := b.Neg(b.Add(b.Log1p(trials), b.lbeta(b.Shift(y, 1), b.Shift(b.Sub(trials, y), 1))))
	return b.Add(lchoose, b.Sub(b.Mul(y, logits), b.Mul(trials, b.Softplus(logits))))
}

// NegativeBinomialLogMeanLogProb returns the log-probability of the count y
// under the negative binomial distribution with mean μ = e^η and dispersion
// φ, variance μ + μ²/φ (a gamma–Poisson mixture; Stan's
// neg_binomial_2_log(η, φ)), elementwise:
//
//	log p(y) = log Γ(y+φ) - log Γ(y+1) - log Γ(φ) + y·log(μ/(μ+φ)) + φ·log(φ/(μ+φ))
//	         = log Γ(y+φ) - log Γ(y+1) - log Γ(φ) + y·logσ(η - log φ) + φ·logσ(log φ - η),
//
// computed in the second form, finite for any finite η, with the log-gamma
// terms as -log B(φ, y+1) - log(y+φ) in float64 in both float types. As φ → ∞ it tends to
// PoissonLogRateLogProb(y, η). y is meant to be a non-negative whole number
// (not checked); phi must be positive.
func (b *Builder) NegativeBinomialLogMeanLogProb(y, logMean, phi *Node) *Node {
	defer b.enter("NegativeBinomialLogMeanLogProb", "y", y, "logMean", logMean, "phi", phi)()
	ns := []*Node{y, logMean, phi}
	if !b.bindAll(ns...) {
		return nil
	}
	y, logMean, phi = ns[0], ns[1], ns[2]
	d := b.Sub(logMean, b.Log(phi)) // η - log φ
	// log Γ(y+φ) - log Γ(y+1) - log Γ(φ) = -log B(φ, y+1) - log(y+φ)
	return b.AddN(
		b.Neg(b.lbeta(phi, b.Shift(y, 1))),
		b.Neg(b.Log(b.Add(y, phi))),
		b.Mul(y, b.LogSigmoid(d)),
		b.Mul(phi, b.LogSigmoid(b.Neg(d))),
	)
}
