package bbvi

import (
	"fmt"
	"math"
	"strings"

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
//
// The continuous latents are fitted by Approx over their unconstrained vector ζ;
// each discrete latent by its own mean-field q in Discrete.
type Problem struct {
	B       *graph.Builder
	Model   Model
	Latents []Latent
	// Approx is q over the continuous latents' unconstrained vector ζ; nil when
	// the model has only discrete latents.
	Approx Approx
	// Noise holds Approx's base noise for S draws, shape Approx.NoiseShape(S),
	// refilled on every step; nil when Approx is nil.
	Noise *graph.Node
	// Data holds the current minibatch, one node per float data array (a
	// Global array whole); the integer index arrays are B.Index(name).
	Data Vars
	// Scale is N/B, the factor that makes the minibatch likelihood unbiased.
	Scale float64
	// Discrete holds q for each discrete latent, in the model's order; empty when
	// the model has none.
	Discrete []*DiscreteBlock

	after      []func() error
	local      *localBlock // the continuous local latents (nil: none)
	localDraws *LocalDraws // their draws, made once by SampleLocal
	anneal     *graph.Node // the weight of an Anneal schedule (nil: none)
	draws      int         // the draws the model sees, when not Draws (DReG doubles them)
	lik        *graph.Node // the scaled likelihood per draw of the first LogJointParts
	calls      modelCalls  // which model function a build error came from
	rows       int         // data rows per batch (0 without per-row data)
	pre        *precond
	anchor     *anchorInputs // the anchored control variate's inputs (nil: none)
	state      [][]float64
	stateNodes []*graph.Node
}

// precond is a fixed affine map from the space q is fitted in to the
// unconstrained space, set by a Laplace start: ζ = c + s ⊙ u (diagonal), or
// ζ = c + P u with P the lower Cholesky factor of the Laplace covariance
// (dense, for families closed under such maps: DenseFamily). u is then of
// order one in every coordinate (and, dense, uncorrelated at the start),
// whatever the scales and correlations of the posterior, so that the
// optimizer's steps — of a fixed size per coordinate, for Adam — are of the
// right size everywhere. Its log|det| joins the log joint.
type precond struct {
	shift, scale []float64 // the diagonal map (scale nil when dense)
	lower        []float64 // the dense map P, d×d row-major (nil when diagonal)
	logDet       float64
}

func newPrecond(shift, scale []float64) *precond {
	p := &precond{shift: shift, scale: scale}
	for _, s := range scale {
		p.logDet += math.Log(s)
	}
	return p
}

func newDensePrecond(shift, lower []float64) *precond {
	d := len(shift)
	p := &precond{shift: shift, lower: lower}
	for j := 0; j < d; j++ {
		p.logDet += math.Log(lower[j*d+j])
	}
	return p
}

// apply maps u (S, dim) to ζ and returns it with log|det| as a node of shape (S).
func (p *precond) apply(b *graph.Builder, u *graph.Node) (zeta, logdet *graph.Node) {
	d := len(p.shift)
	shift := b.Constant("q.pre.shift", p.shift, d)
	if p.lower != nil {
		zeta = b.Add(b.MatMul(u, b.Constant("q.pre.lowerT", transpose(p.lower, d), d, d)), shift)
	} else {
		zeta = b.Add(b.Mul(u, b.Constant("q.pre.scale", p.scale, d)), shift)
	}
	s := u.Shape()[0]
	return zeta, b.Constant("q.pre.logdet", constantN(s, p.logDet), s)
}

// point maps one u to ζ in place.
func (p *precond) point(x []float64) {
	d := len(p.shift)
	if p.lower == nil {
		for i := range x {
			x[i] = p.shift[i] + p.scale[i]*x[i]
		}
		return
	}
	for i := d - 1; i >= 0; i-- { // lower-triangular: row i reads x[0..i], so go down
		v := p.shift[i]
		for j := 0; j <= i; j++ {
			v += p.lower[i*d+j] * x[j]
		}
		x[i] = v
	}
}

// gaussian maps a Gaussian over u, N(mean, LLᵀ), to the Gaussian over ζ.
func (p *precond) gaussian(mean, l []float64) ([]float64, []float64) {
	d := len(mean)
	m := append([]float64(nil), mean...)
	p.point(m)
	out := make([]float64, len(l))
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			if p.lower == nil {
				out[i*d+j] = p.scale[i] * l[i*d+j]
				continue
			}
			var v float64
			for k := j; k <= i; k++ {
				v += p.lower[i*d+k] * l[k*d+j]
			}
			out[i*d+j] = v
		}
	}
	return m, out
}

// transpose returns the transpose of the d×d row-major matrix a.
func transpose(a []float64, d int) []float64 {
	t := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			t[j*d+i] = a[i*d+j]
		}
	}
	return t
}

// constantN returns n copies of v.
func constantN(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// State returns a new slice of n zeros that belongs to the fit's state: the
// SVI saves and restores it with the parameters (SVI.State, SVI.Restore).
// An estimator or control variate keeps every value it carries from one step
// to the next in such slices (updated in place, typically in an AfterStep
// function) or in input nodes registered with StateNode.
func (p *Problem) State(n int) []float64 {
	s := make([]float64, n)
	p.state = append(p.state, s)
	return s
}

// StateNode registers an input node whose value carries state between steps
// (a running baseline, say), so that the SVI saves and restores it.
func (p *Problem) StateNode(n *graph.Node) { p.stateNodes = append(p.stateNodes, n) }

// Draws returns the number of Monte Carlo draws S per step.
func (p *Problem) Draws() int {
	if p.draws > 0 {
		return p.draws
	}
	if p.Noise != nil {
		return p.Noise.Shape()[0]
	}
	if len(p.Discrete) > 0 && p.Discrete[0].Noise != nil {
		return p.Discrete[0].Noise.Shape()[0]
	}
	if p.local != nil {
		return p.local.noise.Shape()[0]
	}
	return 0
}

// AfterStep registers f to be called by the fit loop after the run of every
// optimizer step, before the update. Estimators that keep state between steps
// (a running baseline) read the run's tapped values and refill their input
// nodes there. A loop that drives a Problem's graph by hand calls FinishStep.
func (p *Problem) AfterStep(f func() error) { p.after = append(p.after, f) }

// FinishStep calls the functions registered with AfterStep, in order, and
// returns the first error.
func (p *Problem) FinishStep() error {
	for _, f := range p.after {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// Constrain splits unconstrained draws ζ (S, dim) into the model's continuous
// latents, maps each onto its support (Latent.Constrain: a simplex of K
// values from K-1 coordinates, a Cholesky factor (S, K, K), ...) and returns
// them with the summed log|det J| (S), nil when every map is the identity.
// Discrete and local latents are skipped (they are not part of ζ).
func (p *Problem) Constrain(zeta *graph.Node) (Vars, *graph.Node) {
	b := p.B
	z := Vars{}
	var logdet *graph.Node
	if p.pre != nil {
		zeta, logdet = p.pre.apply(b, zeta)
	}
	off := 0
	for _, l := range p.Latents {
		if l.Support.Discrete() || l.Local {
			continue
		}
		n := l.free()
		u := b.Cols(zeta, off, off+n)
		off += n
		zl, ld := l.Constrain(b, u)
		z[l.Name] = zl
		if ld == nil {
			continue
		}
		if logdet == nil {
			logdet = ld
		} else {
			logdet = b.Add(logdet, ld)
		}
	}
	return z, logdet
}

// LogJoint returns, per draw, log p(z) + (N/B)·Σ_batch log p(x_i | z) + log|det J|
// at z = T(ζ): the log-joint in the unconstrained space, shape (S). It is for
// models without discrete latents; see LogJointParts.
func (p *Problem) LogJoint(zeta *graph.Node) *graph.Node {
	if len(p.Discrete) > 0 {
		p.B.Failf("bbvi: the model has discrete latents: this estimator handles continuous latents only (use ScoreFunction)")
		return nil
	}
	lj, _ := p.LogJointParts(zeta, nil)
	return lj
}

// LogJointParts returns, per draw, the log-joint in the unconstrained space at
// the continuous draws zeta (S, dim; nil when the model has no continuous
// latents) and the discrete draws disc (by latent name),
//
//	joint = log p(z) + (N/B)·Σ_batch ℓ_i + log|det J|,   shape (S),
//
// and, for a PointwiseModel that splits, the row terms ℓ_i = log p(x_i, z_i | z),
// shape (S, B) (nil otherwise; then the likelihood is LogLikelihood).
func (p *Problem) LogJointParts(zeta *graph.Node, disc Vars) (joint, points *graph.Node) {
	b := p.B
	z := Vars{}
	var logdet *graph.Node
	if zeta != nil {
		z, logdet = p.Constrain(zeta)
	}
	for name, v := range disc {
		z[name] = v
	}
	if p.local != nil {
		if p.localDraws == nil {
			b.Failf("bbvi: the model has continuous local latents: this estimator does not draw them (use reparam, stl, iwae or dreg)")
			return nil, nil
		}
		for name, v := range p.localDraws.Z {
			z[name] = v
		}
	}
	if b.Err() != nil {
		return nil, nil
	}
	// A model whose only latents are local may have no global prior.
	lp := p.calls.logPrior(b, p.Model, z, p.Draws(), p.rows, zeta == nil && len(disc) == 0)
	if b.Err() != nil {
		return nil, nil
	}
	if p.Data != nil {
		ll, pts := p.calls.logLikelihood(b, p.Model, z, p.Data, p.Draws(), p.rows)
		if b.Err() != nil {
			return nil, nil
		}
		points = pts
		if ll != nil {
			ll = b.Scale(ll, p.Scale)
			if p.anchor != nil && zeta != nil {
				ll = b.Add(ll, b.Add(b.MatMul(zeta, p.anchor.c), p.anchor.k))
			}
			if p.lik == nil {
				p.lik = ll
			}
			lp = addOpt(b, lp, ll)
		}
	}
	if logdet != nil {
		lp = b.Add(lp, logdet)
	}
	if lp == nil && b.Err() == nil {
		b.Failf("bbvi: the model has neither a log prior nor a likelihood")
		return nil, nil
	}
	if b.Err() == nil && (lp.Dims() != 1 || lp.Shape()[0] != p.Draws()) {
		b.Failf("bbvi: the model's log-density has shape %v, want (%d): one value per draw", lp.Shape(), p.Draws())
		return nil, nil
	}
	return lp, points
}

// addOpt returns x + y, where a nil x counts as zero.
func addOpt(b *graph.Builder, x, y *graph.Node) *graph.Node {
	if x == nil {
		return y
	}
	return b.Add(x, y)
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
	if len(p.Discrete) > 0 || (p.Approx == nil && p.local == nil) {
		b.Failf("bbvi: the reparameterization estimator needs continuous latents only: this model has discrete ones (use ScoreFunction{Pathwise: true})")
		return nil, nil
	}
	var zeta, logq, ent *graph.Node
	if p.Approx != nil {
		zeta, logq = p.Approx.Sample(b, p.Noise)
	}
	loc := p.SampleLocal()
	lj := p.LogJoint(zeta)
	if b.Err() != nil {
		return nil, nil
	}
	if p.Approx != nil {
		if r.MCEntropy {
			ent = b.Neg(b.Mean(logq))
		} else {
			ent = p.Approx.Entropy(b)
		}
		if ent == nil && b.Err() == nil { // no closed form (a flow): the Monte Carlo entropy
			ent = b.Neg(b.Mean(logq))
		}
	}
	if loc != nil {
		lent := loc.Entropy
		if r.MCEntropy {
			lent = b.Neg(b.Mean(loc.LogQ))
		}
		lent = b.Scale(lent, p.Scale)
		if ent == nil {
			ent = lent
		} else {
			ent = b.Add(ent, lent)
		}
	}
	elbo = b.Add(b.Mean(lj), ent)
	loss = b.Neg(elbo)
	if b.Err() != nil {
		b.Fail(fmt.Errorf("bbvi: building the reparameterized ELBO: %w", b.Err()))
	}
	return loss, elbo
}

// estimators is the registry behind EstimatorByName.
var estimators = registry[Estimator]{kind: "estimator"}

// RegisterEstimator makes an estimator available by name (and by its aliases)
// to EstimatorByName, and so to the vigor command's --estimator flag and to
// the variance study. It panics if a name is taken (a programmer error); call
// it from an init function. The built-in names are
//
//	reparam (pathwise), reparam-mcentropy   Reparam (closed-form or Monte Carlo entropy)
//	score[-rb][-decay|-loo|-optimal]        ScoreFunction for every latent
//	mixed[-rb][-decay|-loo|-optimal]        ScoreFunction with Pathwise: pathwise for
//	                                        continuous latents, score for discrete ones
//	stl                                     STL (sticking the landing)
//	iwae, dreg                              IWAE: the importance-weighted bound over the
//	                                        step's draws, reparameterized or DReG
//
// where -rb sets RaoBlackwell and the last part picks the control variate
// (DecayingBaseline, LeaveOneOut or Optimal, with default settings).
func RegisterEstimator(name string, f func() Estimator, aliases ...string) {
	estimators.add(name, f, aliases)
}

// EstimatorByName returns a new estimator registered under name (see
// RegisterEstimator for the built-in names); "" means "reparam". Names are
// case-insensitive.
func EstimatorByName(name string) (Estimator, error) {
	if strings.TrimSpace(name) == "" {
		name = "reparam"
	}
	return estimators.get(name)
}

// EstimatorNames returns the registered estimator names (without aliases), in
// the order they were registered.
func EstimatorNames() []string { return estimators.names() }
