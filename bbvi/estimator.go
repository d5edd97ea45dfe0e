package bbvi

import (
	"fmt"

	"github.com/vigor-ml/vigor/graph"
)

// An Estimator turns a problem (model, family, noise, data) into one scalar loss
// node whose gradient with respect to the family's parameters is the estimator's
// estimate of -∇ELBO, so that the fit loop is the same for every estimator.
type Estimator interface {
	// Name is the estimator's short name.
	Name() string
	// Objective returns the loss to minimize and a scalar estimate of the ELBO.
	Objective(p *Problem) (loss, elbo *graph.Node)
}

// Problem is what an Estimator builds from: the graph builder, the model, the
// variational distribution and the input nodes the fit loop fills on each step.
type Problem struct {
	B       *graph.Builder
	Model   Model
	Latents []Latent
	Approx  Approx
	// Noise holds S rows of standard normal base noise, shape (S, dim).
	Noise *graph.Node
	// Data holds the current minibatch, one node per data array.
	Data Vars
	// Scale is N/B, the factor that makes the minibatch likelihood unbiased.
	Scale float64
}

// Draws returns the number of Monte Carlo draws S per step.
func (p *Problem) Draws() int { return p.Noise.Shape()[0] }

// Constrain splits unconstrained draws ζ (S, dim) into the model's latents, maps
// each onto its support and returns them with the summed log|det J| (S).
func (p *Problem) Constrain(zeta *graph.Node) (Vars, *graph.Node) {
	b := p.B
	z := Vars{}
	var logdet *graph.Node
	off := 0
	for _, l := range p.Latents {
		n := l.size()
		u := b.Cols(zeta, off, off+n)
		off += n
		bij := l.Support.Bijector()
		if _, id := bij.(graph.Identity); id {
			z[l.Name] = u
			continue
		}
		z[l.Name] = bij.Forward(b, u)
		ld := bij.LogDetJacobian(b, u)
		if logdet == nil {
			logdet = ld
		} else {
			logdet = b.Add(logdet, ld)
		}
	}
	return z, logdet
}

// LogJoint returns, per draw, log p(z) + (N/B)·Σ_batch log p(x_i | z) + log|det J|
// at z = T(ζ): the log-joint in the unconstrained space, shape (S).
func (p *Problem) LogJoint(zeta *graph.Node) *graph.Node {
	b := p.B
	z, logdet := p.Constrain(zeta)
	lp := p.Model.LogPrior(b, z)
	if b.Err() != nil {
		return nil
	}
	if lp == nil {
		b.Failf("bbvi: model's LogPrior returned nil")
		return nil
	}
	if p.Data != nil {
		ll := p.Model.LogLikelihood(b, z, p.Data)
		if b.Err() != nil {
			return nil
		}
		if ll != nil {
			lp = b.Add(lp, b.Scale(ll, p.Scale))
		}
	}
	if logdet != nil {
		lp = b.Add(lp, logdet)
	}
	if b.Err() == nil && (lp.Dims() != 1 || lp.Shape()[0] != p.Draws()) {
		b.Failf("bbvi: the model's log-density has shape %v, want (%d): one value per draw", lp.Shape(), p.Draws())
		return nil
	}
	return lp
}

// Reparam is the reparameterization (pathwise) gradient estimator of Kingma &
// Welling (2014) and Rezende et al. (2014): ELBO ≈ (1/S) Σ_s log p(x, T(ε_s)) + H[q],
// differentiated through ζ = T(ε; λ). The entropy is in closed form unless
// MCEntropy is set, in which case it is estimated as -(1/S) Σ_s log q(ζ_s).
type Reparam struct {
	MCEntropy bool
}

// Name implements Estimator.
func (r Reparam) Name() string {
	if r.MCEntropy {
		return "reparam-mcentropy"
	}
	return "reparam"
}

// Objective implements Estimator.
func (r Reparam) Objective(p *Problem) (loss, elbo *graph.Node) {
	b := p.B
	zeta, logq := p.Approx.Sample(b, p.Noise)
	lj := p.LogJoint(zeta)
	if b.Err() != nil {
		return nil, nil
	}
	var ent *graph.Node
	if r.MCEntropy {
		ent = b.Neg(b.Mean(logq))
	} else {
		ent = p.Approx.Entropy(b)
	}
	elbo = b.Add(b.Mean(lj), ent)
	loss = b.Neg(elbo)
	if b.Err() != nil {
		b.Fail(fmt.Errorf("bbvi: building the reparameterized ELBO: %w", b.Err()))
	}
	return loss, elbo
}
