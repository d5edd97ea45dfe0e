package bbvi

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// This file holds the estimators that drop the score term of log q: sticking
// the landing for the ELBO, and the doubly-reparameterized gradient of the
// importance-weighted bound (with the plain IWAE gradient it improves on).

func init() {
	RegisterEstimator("stl", func() Estimator { return STL{} }, "sticking-the-landing")
	RegisterEstimator("iwae", func() Estimator { return IWAE{} }, "iw")
	RegisterEstimator("dreg", func() Estimator { return IWAE{DReG: true} }, "iwae-dreg")
}

// pathLogQ returns the draws of q's continuous block and, per draw (S), log q
// twice: total, differentiable in λ both through the draws and directly, and
// path, the same value with the direct dependence on λ (the score term)
// removed,
//
//	path = log q(ζ; λ) - log q(stop ζ; λ) + stop(log q(stop ζ; λ)),
//
// whose gradient is ∇_ζ log q · ∂ζ/∂λ alone. The local latents' terms (scaled
// by N/B) are included. zeta is nil when the model has no global continuous
// latents.
func pathLogQ(p *Problem, who string) (zeta, total, path *graph.Node) {
	b := p.B
	if len(p.Discrete) > 0 || (p.Approx == nil && p.local == nil) {
		b.Failf("bbvi: the %s estimator needs continuous latents only", who)
		return nil, nil, nil
	}
	if p.Approx != nil {
		lp, ok := p.Approx.(LogProber)
		if !ok {
			b.Failf("bbvi: the %s estimator needs a family that gives log q at any point (a LogProber)", who)
			return nil, nil, nil
		}
		var logq *graph.Node
		zeta, logq = p.Approx.Sample(b, p.Noise)
		direct := lp.LogProb(b, b.StopGradient(zeta))
		total = logq
		path = b.Add(b.Sub(logq, direct), b.StopGradient(direct))
	}
	if loc := p.SampleLocal(); loc != nil {
		total = addOpt(b, total, b.Scale(loc.LogQ, p.Scale))
		path = addOpt(b, path, b.Scale(loc.LogQPath, p.Scale))
	}
	return zeta, total, path
}

// STL is the sticking-the-landing estimator of Roeder, Wu & Duvenaud (2017,
// arXiv:1703.09194): the reparameterization gradient of
//
//	ELBO ≈ (1/S) Σ_s [log p(x, ζ_s) - log q(ζ_s; λ)],   ζ_s = T(ε_s; λ),
//
// with the score term ∂ log q(ζ; λ)/∂λ at fixed ζ — zero in expectation —
// dropped, so that only the path through ζ remains. It is unbiased, and its
// variance vanishes when q equals the posterior (then log p(x, ζ) - log q(ζ) is
// constant in ζ), where Reparam's closed-form-entropy gradient still varies.
// Away from the posterior it may be noisier than Reparam. It needs a family
// that is a LogProber (all of this package's continuous families are), and
// handles continuous local latents.
type STL struct{}

// Name implements Estimator: "stl".
func (STL) Name() string { return "stl" }

func (STL) annealable() {}

// Objective implements Estimator.
func (s STL) Objective(p *Problem) (loss, elbo *graph.Node) {
	b := p.B
	zeta, _, path := pathLogQ(p, "stl")
	if b.Err() != nil {
		return nil, nil
	}
	lj := p.LogJoint(zeta)
	if b.Err() != nil {
		return nil, nil
	}
	elbo = b.Mean(b.Sub(lj, path))
	loss = b.Neg(elbo)
	if b.Err() != nil {
		b.Fail(fmt.Errorf("bbvi: building the stl objective: %w", b.Err()))
	}
	return loss, elbo
}

// IWAE optimizes the importance-weighted bound of Burda, Grosse &
// Salakhutdinov (2016, arXiv:1509.00519) with the S = Settings.Draws draws of
// a step as its K particles,
//
//	L_K = log (1/K) Σ_k w_k,   w_k = p(x, ζ_k) / q(ζ_k),   ζ_k ~ q,
//
// a tighter lower bound on log p(x) than the ELBO (L_1), which fits a q that
// covers more of the posterior. The model's own parameters θ get the gradient
// of L_K, Σ_k w̃_k ∇_θ log p(x, ζ_k) with w̃ the normalized weights.
//
// With DReG the variational parameters get the doubly-reparameterized
// gradient of Tucker, Lawson, Gu & Maddison (2018, arXiv:1810.04152),
//
//	∇_λ L_K ≈ Σ_k w̃_k² ∂ log w_k / ∂ζ_k · ∂ζ_k / ∂λ,
//
// with the score term of log q dropped (as in STL): unbiased for ∇_λ L_K, and
// unlike IWAE's its signal-to-noise ratio does not decay as K grows; at
// q = posterior it is exactly zero. Without DReG they get the plain
// reparameterization gradient of L_K. So that θ still gets the bound's own
// gradient, DReG evaluates the model once on 2K draws: the K draws, and the
// same draws detached from λ (twice the model's cost per step).
//
// The ELBO these estimators report is the plain ELBO estimate (1/K) Σ_k log w_k,
// so that traces stay comparable across estimators. The bound is over the
// whole data: it refuses minibatches (a scaled minibatch inside the log-mean-
// exp is not a bound on anything), and models with discrete latents.
type IWAE struct {
	DReG bool // the doubly-reparameterized gradient for q's parameters
}

// Name implements Estimator: "iwae", or "dreg" with DReG.
func (e IWAE) Name() string {
	if e.DReG {
		return "dreg"
	}
	return "iwae"
}

// Objective implements Estimator.
func (e IWAE) Objective(p *Problem) (loss, elbo *graph.Node) {
	b := p.B
	if p.Scale != 1 {
		b.Failf("bbvi: the %s estimator needs all the data on every step (the importance-weighted bound is not defined for a scaled minibatch): leave BatchSize 0", e.Name())
		return nil, nil
	}
	zeta, total, path := pathLogQ(p, e.Name())
	if b.Err() != nil {
		return nil, nil
	}
	s := p.Draws()
	var lj, ljStop *graph.Node
	if e.DReG {
		lj, ljStop = p.logJointTwice(zeta)
	} else {
		lj = p.LogJoint(zeta)
	}
	if b.Err() != nil {
		return nil, nil
	}
	logw := b.Sub(lj, total)
	lw := b.Reshape(logw, 1, s)
	bound := b.Shift(b.Sum(b.LogSumExp(lw, 1)), -math.Log(float64(s)))
	elbo = b.Mean(logw)
	if !e.DReG {
		loss = b.Neg(bound)
	} else {
		// w̃ = softmax(log w), held fixed. q's parameters get
		// Σ w̃² ∇_ζ(log p - log q)·∂ζ/∂λ from the first sum; θ gets
		// Σ w̃² ∇_θ log p from it and Σ (w̃ - w̃²) ∇_θ log p from the second,
		// whose draws are detached: Σ w̃ ∇_θ log p(x, ζ_k), the bound's.
		wt := b.StopGradient(b.Exp(b.Sub(logw, b.Sum(b.LogSumExp(lw, 1)))))
		wt2 := b.Square(wt)
		loss = b.Neg(b.Add(b.Sum(b.Mul(wt2, b.Sub(lj, path))), b.Sum(b.Mul(b.Sub(wt, wt2), ljStop))))
	}
	if b.Err() != nil {
		b.Fail(fmt.Errorf("bbvi: building the %s objective: %w", e.Name(), b.Err()))
	}
	return loss, elbo
}

// logJointTwice evaluates the log joint once on 2S draws — zeta (and the
// local draws) followed by the same draws detached — and returns the two
// halves, each (S): the first differentiable in q's parameters and θ, the
// second in θ alone. One evaluation keeps the model's b.Params single.
func (p *Problem) logJointTwice(zeta *graph.Node) (lj, ljStop *graph.Node) {
	b := p.B
	s := p.Draws()
	var both *graph.Node
	if zeta != nil {
		both = b.Concat(0, zeta, b.StopGradient(zeta))
	}
	saved := p.localDraws
	if saved != nil {
		z := Vars{}
		for name, v := range saved.Z {
			z[name] = b.Concat(0, v, b.StopGradient(v))
		}
		p.localDraws = &LocalDraws{Z: z}
	}
	p.draws = 2 * s
	all := p.LogJoint(both)
	p.draws = 0
	p.localDraws = saved
	if b.Err() != nil {
		return nil, nil
	}
	all = b.Reshape(all, 2, s)
	return b.Reshape(b.Cols(b.T(all), 0, 1), s), b.Reshape(b.Cols(b.T(all), 1, 2), s)
}
