package bbvi

import (
	"fmt"

	"github.com/vigor-ml/vigor/graph"
)

// ScoreFunction is the score-function (REINFORCE, likelihood-ratio) gradient
// estimator of black-box variational inference (Ranganath et al. 2014,
// arXiv:1401.0118; Williams 1992), for any family that can sample and evaluate
// log q at its draws:
//
//	∇λ ELBO = E_q[f(ζ) ∇λ log q(ζ; λ)],   f(ζ) = log p(x, ζ) - log q(ζ; λ),
//	        ≈ (1/S) Σ_s (f_s - b_s) ∇λ log q(ζ_s; λ).
//
// It needs no gradient of the model, so it handles discrete latents, but its
// variance is much larger than the pathwise estimator's; Control reduces it.
//
// It builds one scalar surrogate whose gradient is the estimate,
//
//	L(λ) = -(1/S) Σ_s [f_s - b_s]_⊥ · log q([ζ_s]_⊥; λ),
//
// where [·]_⊥ is graph.StopGradient: the draws and the signals are computed on
// the same run as the gradient and detached in the graph, so the fit loop is
// the same as for every other estimator (one run per step). Continuous families
// must implement LogProber (and Scorer for the Optimal control variate); the
// discrete families always do.
//
// With Pathwise set the objective is mixed: the continuous latents get the
// reparameterization gradient (as Reparam, with the closed-form entropy) and
// only the discrete latents the score function,
//
//	L = -(1/S) Σ_s log p(x, T(ε_s; λ_c), z_s) - H[q_c] - (1/S) Σ_s [f_s - b_s]_⊥ · log q(z_s; λ_d).
//
// With RaoBlackwell set each score term keeps only the parts of f that depend
// on its own latent (the others are independent of it under the mean-field q,
// so they add noise and nothing in expectation): the signal of the continuous
// block or of a global discrete latent is log p(x, ζ, z) - log q(its own
// part), and, for a PointwiseModel, a local latent z_i gets
//
//	f_i = ℓ_i - log q(z_i),   ℓ_i = log p(x_i, z_i | globals),
//
// one signal per data row, as Pyro's TraceGraph_ELBO does. Local latents of a
// model that does not split get the whole-joint signal.
type ScoreFunction struct {
	// Control is the control variate; nil means none (b = 0).
	Control ControlVariate
	// RaoBlackwell restricts each latent's learning signal to the terms that
	// depend on it (see the type's documentation).
	RaoBlackwell bool
	// Pathwise uses the reparameterization gradient for the continuous latents
	// and the score function only for the discrete ones.
	Pathwise bool
}

// Name implements Estimator: "score" (or "mixed" with Pathwise), then "-rb"
// with RaoBlackwell, then "-" and the control variate's name, if any.
func (e ScoreFunction) Name() string {
	n := "score"
	if e.Pathwise {
		n = "mixed"
	}
	if e.RaoBlackwell {
		n += "-rb"
	}
	if e.Control != nil {
		n += "-" + e.Control.Name()
	}
	return n
}

// Objective implements Estimator.
func (e ScoreFunction) Objective(p *Problem) (loss, elbo *graph.Node) {
	b := p.B
	s := p.Draws()
	if s <= 0 {
		b.Failf("bbvi: score-function estimator: no noise inputs")
		return nil, nil
	}
	var zeta, logqc *graph.Node
	var scorer Scorer
	if p.Approx != nil {
		zeta, logqc = p.Approx.Sample(b, p.Noise)
		if !e.Pathwise {
			lp, ok := p.Approx.(LogProber)
			if !ok {
				b.Failf("bbvi: score-function estimator: the variational family gives no log q at detached draws (it must implement LogProber)")
				return nil, nil
			}
			scorer, _ = p.Approx.(Scorer)
			zeta = b.StopGradient(zeta)
			logqc = lp.LogProb(b, zeta)
		}
	}
	disc := Vars{}
	zs := make([]*graph.Node, len(p.Discrete))
	lqs := make([]*graph.Node, len(p.Discrete))   // (S, n)
	lqSum := make([]*graph.Node, len(p.Discrete)) // (S)
	for i, blk := range p.Discrete {
		zs[i], lqs[i] = blk.Approx.Sample(b, blk.Noise)
		lqSum[i] = b.Sum(lqs[i], 1)
		disc[blk.Latent.Name] = zs[i]
	}
	joint, points := p.LogJointParts(zeta, disc)
	if b.Err() != nil {
		return nil, nil
	}
	var lqDisc *graph.Node // Σ over the discrete blocks of log q, (S)
	for _, l := range lqSum {
		if lqDisc == nil {
			lqDisc = l
		} else {
			lqDisc = b.Add(lqDisc, l)
		}
	}
	logq := lqDisc
	if logqc != nil {
		if logq == nil {
			logq = logqc
		} else {
			logq = b.Add(logq, logqc)
		}
	}
	fAll := b.StopGradient(b.Sub(joint, logq))
	signal := func(own *graph.Node) *graph.Node {
		if !e.RaoBlackwell {
			return fAll
		}
		return b.StopGradient(b.Sub(joint, own))
	}
	var terms []*ScoreTerm
	if p.Approx != nil && !e.Pathwise {
		t := &ScoreTerm{Problem: p, Draws: s, Signal: signal(logqc), LogQ: logqc, Params: p.Approx.Params()}
		if scorer != nil {
			z := zeta
			t.Score = func() []*graph.Node { return scorer.Score(b, z) }
		}
		terms = append(terms, t)
	}
	for i, blk := range p.Discrete {
		a, z := blk.Approx, zs[i]
		t := &ScoreTerm{Problem: p, Draws: s, Params: a.Params(), Score: func() []*graph.Node { return a.Score(b, z) }}
		if e.RaoBlackwell && blk.Latent.Local && points != nil {
			t.Signal = b.StopGradient(b.Sub(points, lqs[i]))
			t.LogQ = lqs[i]
		} else {
			t.Signal = signal(lqSum[i])
			t.LogQ = lqSum[i]
		}
		terms = append(terms, t)
	}
	for _, t := range terms {
		if b.Err() != nil {
			return nil, nil
		}
		var st *graph.Node
		if e.Control == nil {
			st = t.Plain(t.Signal)
		} else {
			st = e.Control.Surrogate(t)
		}
		if loss == nil {
			loss = st
		} else {
			loss = b.Add(loss, st)
		}
	}
	if e.Pathwise && p.Approx != nil {
		ent := p.Approx.Entropy(b)
		if ent == nil { // no closed form (a flow): the Monte Carlo estimate
			ent = b.Neg(b.Mean(logqc))
		}
		pw := b.Neg(b.Add(b.Mean(joint), ent))
		if loss == nil {
			loss = pw
		} else {
			loss = b.Add(loss, pw)
		}
		if lqDisc != nil {
			elbo = b.Add(b.Mean(b.Sub(joint, lqDisc)), ent)
		} else {
			elbo = b.Add(b.Mean(joint), ent)
		}
	} else {
		elbo = b.Mean(b.Sub(joint, logq))
	}
	if b.Err() != nil {
		b.Fail(fmt.Errorf("bbvi: building the %s objective: %w", e.Name(), b.Err()))
		return nil, nil
	}
	return loss, elbo
}

func init() {
	RegisterEstimator("reparam", func() Estimator { return Reparam{} }, "pathwise")
	RegisterEstimator("reparam-mcentropy", func() Estimator { return Reparam{MCEntropy: true} })
	controls := []struct {
		suffix  string
		control func() ControlVariate
		aliases []string
	}{
		{"", func() ControlVariate { return nil }, nil},
		{"-decay", func() ControlVariate { return DecayingBaseline{} }, []string{"-baseline"}},
		{"-loo", func() ControlVariate { return LeaveOneOut{} }, nil},
		{"-optimal", func() ControlVariate { return Optimal{} }, []string{"-cv"}},
	}
	for _, kind := range []string{"score", "mixed"} {
		for _, rb := range []string{"", "-rb"} {
			for _, c := range controls {
				e := ScoreFunction{Pathwise: kind == "mixed", RaoBlackwell: rb != ""}
				newControl := c.control
				var aliases []string
				for _, a := range c.aliases {
					aliases = append(aliases, kind+rb+a)
				}
				RegisterEstimator(kind+rb+c.suffix, func() Estimator {
					e.Control = newControl()
					return e
				}, aliases...)
			}
		}
	}
}
