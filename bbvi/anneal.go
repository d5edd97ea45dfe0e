package bbvi

import (
	"errors"
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// AnnealKind picks what an Anneal schedule weighs.
type AnnealKind int

const (
	// KLWarmup weighs the prior and entropy terms, the -KL(q‖p) part of the
	// ELBO, by w_t: the fit maximizes E_q[log p(x|z)] + w_t·(E_q[log p(z)] + H[q])
	// (Bowman et al. 2016, arXiv:1511.06349; Sønderby et al. 2016,
	// arXiv:1602.02282).
	KLWarmup AnnealKind = iota + 1
	// Tempering weighs the likelihood by w_t: the fit maximizes
	// w_t·E_q[log p(x|z)] + E_q[log p(z)] + H[q], the ELBO of the tempered
	// posterior p(z) p(x|z)^w_t, which starts near the prior.
	Tempering
)

// String returns "kl-warmup" or "tempering".
func (k AnnealKind) String() string {
	switch k {
	case KLWarmup:
		return "kl-warmup"
	case Tempering:
		return "tempering"
	}
	return fmt.Sprintf("AnnealKind(%d)", int(k))
}

// Anneal is a schedule that weighs part of the ELBO during the first steps of
// a fit, for models whose early optimization gets stuck (a posterior that
// collapses onto the prior, or a likelihood so sharp that the first steps
// diverge). The weight rises linearly from Start at step 1 to 1 after Steps
// steps,
//
//	w_t = Start + (1 - Start)·min(1, (t-1)/Steps),
//
// and the objective is the ELBO from then on. The weight changes only the
// loss that is differentiated: the ELBO the fit reports (trace, convergence,
// diagnostics) is always the unweighted one, and the Converger is not asked
// before the schedule ends. The likelihood is every term the model returns
// from (Point)LogLikelihood, scaled by N/B — with continuous local latents
// that includes their priors, so KLWarmup then weighs the global prior and
// the entropy of q. Anneal needs a pathwise ELBO estimator (reparam or stl)
// and a model with a likelihood.
type Anneal struct {
	Kind  AnnealKind
	Steps int     // length of the ramp, in optimizer steps; must be positive
	Start float64 // weight at step 1, in [0, 1)
}

// Weight returns w_t, the weight at optimizer step t (1-based).
func (a *Anneal) Weight(t int) float64 {
	if a == nil || a.Steps <= 0 {
		return 1
	}
	return a.Start + (1-a.Start)*math.Min(1, float64(t-1)/float64(a.Steps))
}

func (a *Anneal) check() error {
	if a == nil {
		return nil
	}
	if a.Kind != KLWarmup && a.Kind != Tempering {
		return fmt.Errorf("bbvi: Anneal: unknown kind %d (want KLWarmup or Tempering)", int(a.Kind))
	}
	if a.Steps <= 0 {
		return fmt.Errorf("bbvi: Anneal: Steps %d (want a positive number of steps)", a.Steps)
	}
	if !(a.Start >= 0 && a.Start < 1) {
		return fmt.Errorf("bbvi: Anneal: Start %v (want a weight in [0, 1))", a.Start)
	}
	return nil
}

// An annealable estimator's loss is -ELBO with pathwise draws, so that
// a·loss - c·(1/S)Σ_s lik_s is the gradient of the weighted objective.
type annealable interface{ annealable() }

func (Reparam) annealable() {}

// annealLoss replaces the loss by that of the weighted objective,
//
//	loss' = a·loss - c·(1/S) Σ_s lik_s,
//
// with (a, c) = (w, 1-w) for KLWarmup and (1, w-1) for Tempering, fed on every
// step into an input node.
func (f *fitter) annealLoss() error {
	an := f.set.Anneal
	if an == nil {
		return nil
	}
	p := f.prob
	if _, ok := f.set.Estimator.(annealable); !ok {
		return fmt.Errorf("bbvi: Anneal needs a pathwise ELBO estimator (reparam or stl), not %s", f.set.Estimator.Name())
	}
	if p.lik == nil {
		return errors.New("bbvi: Anneal: the model has no likelihood to weigh")
	}
	b := p.B
	p.anneal = b.Input("anneal", 2)
	a := b.Sum(b.Cols(b.Reshape(p.anneal, 1, 2), 0, 1))
	c := b.Sum(b.Cols(b.Reshape(p.anneal, 1, 2), 1, 2))
	f.loss = b.Sub(b.Mul(a, f.loss), b.Mul(c, b.Mean(p.lik)))
	f.weight = make([]float64, 2)
	if b.Err() != nil {
		return fmt.Errorf("bbvi: Anneal: %w", b.Err())
	}
	return nil
}

// setAnneal feeds the weights of the coming step to the graph.
func (f *fitter) setAnneal() error {
	if f.prob.anneal == nil {
		return nil
	}
	w := f.set.Anneal.Weight(max(1, f.next))
	if f.set.Anneal.Kind == KLWarmup {
		f.weight[0], f.weight[1] = w, 1-w
	} else {
		f.weight[0], f.weight[1] = 1, w-1
	}
	return graph.Set(f.prob.anneal, f.weight)
}
