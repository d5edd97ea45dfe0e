package bbvi

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
)

// A DiscreteApprox is a mean-field distribution q(z; λ) over one discrete latent
// of n components, built into a graph, with logits as parameters. Draws are
// base noise pushed through a piecewise-constant map, so no gradient flows
// through them: the score-function estimator differentiates log q(z) instead.
// Its Sample returns z, shape (S, n) of 0s and 1s for a binary latent or
// (S, n, K) one-hot for a categorical one, with log q(z_j) for every draw and
// component, shape (S, n).
type DiscreteApprox interface {
	Approx
	// Scorer gives the per-draw score ∇λ log q(z), for the optimal control variate.
	Scorer
	// Probs returns q's probabilities at the parameters' current values: P(z_j = 1)
	// per component for a binary latent, the K probabilities of each component
	// (n×K, row-major) for a categorical one.
	Probs() []float64
}

// discreteLogits checks a discrete block and returns its parameter name prefix.
func discreteLogits(family string, blk Block, per int) (string, error) {
	name := blk.prefix("q")
	if blk.Size <= 0 || per < 1 {
		return "", fmt.Errorf("bbvi: %s %q: %d components", family, name, blk.Size)
	}
	if blk.Init != nil && len(blk.Init) != blk.Size*per {
		return "", fmt.Errorf("bbvi: %s %q: %d initial logits for %d components", family, name, len(blk.Init), blk.Size*per)
	}
	return name, nil
}

// BernoulliFamily is the mean-field Bernoulli family with logits, for a binary
// latent of n components:
//
//	q(z; l) = Π_j Bernoulli(z_j; sigmoid(l_j)),   log q(z) = Σ_j z_j l_j - softplus(l_j),
//
// sampled as z_j = 1[l_j + g_j > 0] with standard logistic noise g_j. Its score
// is ∂ log q / ∂l_j = z_j - sigmoid(l_j) and its entropy
// Σ_j softplus(l_j) - l_j sigmoid(l_j).
type BernoulliFamily struct{}

// Name implements Family.
func (BernoulliFamily) Name() string { return "bernoulli" }

// Build implements Family: it adds the logits, named "<blk.Name>.logits",
// shape (n) with n = blk.Size, to the graph, initialised at blk.Init (nil means
// zeros: probability 1/2). The Approx is a DiscreteApprox.
func (BernoulliFamily) Build(b *graph.Builder, blk Block) (Approx, error) {
	name, err := discreteLogits("bernoulli", blk, 1)
	if err != nil {
		return nil, err
	}
	a := &bernoulli{n: blk.Size, l: b.Param(name+".logits", blk.Init, blk.Size)}
	return a, b.Err()
}

type bernoulli struct {
	n int
	l *graph.Node
}

func (a *bernoulli) Params() []*graph.Node      { return []*graph.Node{a.l} }
func (a *bernoulli) NoiseShape(draws int) []int { return []int{draws, a.n} }
func (a *bernoulli) FillNoise(dst []float64, rng *rand.Rand) {
	graph.LogisticNoise(dst, rng.Float64)
}

func (a *bernoulli) Sample(b *graph.Builder, noise *graph.Node) (*graph.Node, *graph.Node) {
	z := b.BernoulliSample(a.l, noise)
	return z, b.BernoulliLogitsLogProb(z, a.l)
}

func (a *bernoulli) Score(b *graph.Builder, z *graph.Node) []*graph.Node {
	return []*graph.Node{b.Sub(z, b.Sigmoid(a.l))}
}

func (a *bernoulli) Entropy(b *graph.Builder) *graph.Node {
	return b.Sum(b.Sub(b.Softplus(a.l), b.Mul(a.l, b.Sigmoid(a.l))))
}

func (a *bernoulli) Probs() []float64 {
	p := graph.Values(a.l)
	for i, l := range p {
		p[i] = sigmoid(l)
	}
	return p
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// CategoricalFamily is the mean-field categorical family with logits, for a
// categorical latent of n components with K categories each:
//
//	q(z; l) = Π_j Categorical(z_j; softmax(l_j)),   log q(z) = Σ_j Σ_k z_jk l_jk - logsumexp_k l_jk,
//
// with z_j one-hot, sampled by the Gumbel-max trick z_j = onehot(argmax_k
// l_jk + g_jk) with standard Gumbel noise g. Its score is
// ∂ log q / ∂l_jk = z_jk - softmax(l_j)_k and its entropy
// -Σ_j Σ_k p_jk log p_jk.
type CategoricalFamily struct {
	K int // number of categories, at least 2
}

// Name implements Family.
func (CategoricalFamily) Name() string { return "categorical" }

// Build implements Family: it adds the logits, named "<blk.Name>.logits",
// shape (n, K) with n = blk.Size, to the graph, initialised at blk.Init (n·K
// values, row-major; nil means zeros: uniform). The Approx is a
// DiscreteApprox.
func (c CategoricalFamily) Build(b *graph.Builder, blk Block) (Approx, error) {
	if c.K < 2 {
		return nil, fmt.Errorf("bbvi: categorical %q: %d categories (want at least 2)", blk.prefix("q"), c.K)
	}
	name, err := discreteLogits("categorical", blk, c.K)
	if err != nil {
		return nil, err
	}
	n := blk.Size
	a := &categorical{n: n, k: c.K, l: b.Param(name+".logits", blk.Init, n, c.K)}
	return a, b.Err()
}

type categorical struct {
	n, k int
	l    *graph.Node
}

func (a *categorical) Params() []*graph.Node      { return []*graph.Node{a.l} }
func (a *categorical) NoiseShape(draws int) []int { return []int{draws, a.n, a.k} }
func (a *categorical) FillNoise(dst []float64, rng *rand.Rand) {
	graph.GumbelNoise(dst, rng.Float64)
}

func (a *categorical) Sample(b *graph.Builder, noise *graph.Node) (*graph.Node, *graph.Node) {
	z := b.CategoricalSample(a.l, noise)
	return z, b.CategoricalLogitsLogProb(z, a.l)
}

// logSoftmax returns l_jk - logsumexp_k l_jk, shape (n, K).
func (a *categorical) logSoftmax(b *graph.Builder) *graph.Node {
	return b.Sub(a.l, b.Reshape(b.LogSumExp(a.l, 1), a.n, 1))
}

func (a *categorical) Score(b *graph.Builder, z *graph.Node) []*graph.Node {
	return []*graph.Node{b.Sub(z, b.Exp(a.logSoftmax(b)))}
}

func (a *categorical) Entropy(b *graph.Builder) *graph.Node {
	lp := a.logSoftmax(b)
	return b.Neg(b.Sum(b.Mul(b.Exp(lp), lp)))
}

func (a *categorical) Probs() []float64 {
	p := graph.Values(a.l)
	for j := 0; j < a.n; j++ {
		row := p[j*a.k : (j+1)*a.k]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		var s float64
		for k, v := range row {
			row[k] = math.Exp(v - m)
			s += row[k]
		}
		for k := range row {
			row[k] /= s
		}
	}
	return p
}

// DiscreteBlock is one discrete latent of a Problem with its mean-field q and
// its base-noise input node.
type DiscreteBlock struct {
	Latent Latent
	// N is the number of components: the latent's Size, or the number of data
	// rows for a Local latent.
	N      int
	Approx DiscreteApprox
	// Noise is the base-noise input, shape Approx.NoiseShape(S); Fill refills it.
	Noise *graph.Node
	buf   []float64
}

// Fill draws fresh base noise from rng into Noise.
func (d *DiscreteBlock) Fill(rng *rand.Rand) error {
	d.Approx.FillNoise(d.buf, rng)
	return graph.Set(d.Noise, d.buf)
}

// NewDiscreteBlock builds q for the discrete latent l with n components
// (BernoulliFamily or CategoricalFamily according to its support), initialised
// at logits (nil means zeros), and its noise input for S draws. The fit loop
// calls it for every discrete latent; it is exported for hand-written loops.
func NewDiscreteBlock(b *graph.Builder, l Latent, n, draws int, logits []float64) (*DiscreteBlock, error) {
	fam := l.Support.family()
	if fam == nil {
		return nil, fmt.Errorf("bbvi: latent %q is not discrete (support %v)", l.Name, l.Support)
	}
	q, err := fam.Build(b, Block{Name: "q." + l.Name, Size: n, Init: logits})
	if err != nil {
		return nil, err
	}
	a, ok := q.(DiscreteApprox)
	if !ok {
		return nil, fmt.Errorf("bbvi: latent %q: family %s gives no DiscreteApprox", l.Name, fam.Name())
	}
	shape := a.NoiseShape(draws)
	size := 1
	for _, s := range shape {
		size *= s
	}
	blk := &DiscreteBlock{Latent: l, N: n, Approx: a, Noise: b.Input("noise."+l.Name, shape...), buf: make([]float64, size)}
	return blk, b.Err()
}

// buildDiscrete builds a block for every discrete latent, in the model's order.
func buildDiscrete(b *graph.Builder, latents []Latent, rows, draws int, init map[string][]float64) ([]*DiscreteBlock, error) {
	known := map[string]bool{}
	var out []*DiscreteBlock
	for _, l := range latents {
		if !l.Support.Discrete() {
			continue
		}
		known[l.Name] = true
		n := l.size()
		if l.Local {
			n = rows
		}
		blk, err := NewDiscreteBlock(b, l, n, draws, init[l.Name])
		if err != nil {
			return nil, err
		}
		out = append(out, blk)
	}
	for name := range init {
		if !known[name] {
			return nil, fmt.Errorf("bbvi: InitLogits for %q, which is not a discrete latent of the model", name)
		}
	}
	return out, nil
}

// MixedPosterior is the fitted q of a model that may have discrete latents: a
// Gaussian Posterior over the continuous latents (in the constrained space, see
// Posterior) and the mean-field probabilities of each discrete latent.
type MixedPosterior struct {
	// Continuous is the posterior over the continuous latents; nil when the model
	// has none.
	Continuous *Posterior
	// Probs maps each discrete latent's name to its fitted probabilities:
	// P(z_j = 1) per component for a binary latent, the K probabilities of each
	// component (n×K, row-major) for a categorical one. A local latent has one
	// component per data row.
	Probs     map[string][]float64
	Estimator string // the gradient estimator's name
	// Params holds the model's own parameters θ (every b.Param its functions
	// declare), learned jointly with q by maximizing the ELBO, a lower bound on
	// log p(x; θ) (variational EM), by name; nil when the model declares none.
	Params  map[string][]float64
	Trace   []ELBOPoint // ELBO evaluations; the last is at the reported parameters
	Steps   int         // optimizer steps taken
	Status  Status      // how the fit ended: Converged, StepLimit, NonFinite or Stopped
	Reason  string      // why, in a sentence
	Seconds float64     // wall time of the fit
}

// ELBO returns the last ELBO evaluation (NaN if there is none).
func (p *MixedPosterior) ELBO() float64 {
	if len(p.Trace) == 0 {
		return math.NaN()
	}
	return p.Trace[len(p.Trace)-1].ELBO
}

// FitMixed fits a model whose latents may be discrete (Binary, Categorical,
// possibly Local) as well as continuous, and returns both parts of q: Settings'
// Family over the continuous latents, a mean-field Bernoulli or categorical q
// with logits over each discrete latent (initial logits from InitLogits).
//
// The estimator must handle discrete latents: nil means
// ScoreFunction{Pathwise: true, RaoBlackwell: true, Control: LeaveOneOut{}} —
// pathwise gradients for the continuous latents, Rao-Blackwellized
// score-function gradients with a leave-one-out baseline for the discrete ones.
// Everything else is as in Fit: compile once, the same seed gives the same
// numbers, a NaN or Inf returns the last finite parameters with a
// *NonFiniteError. Models with local latents use all the data at every step.
func FitMixed(m Model, data Data, s *Settings, rng *rand.Rand) (*MixedPosterior, error) {
	var set Settings
	if s != nil {
		set = *s
	}
	if set.Estimator == nil {
		set.Estimator = ScoreFunction{Pathwise: true, RaoBlackwell: true, Control: LeaveOneOut{}}
	}
	return fitModel(m, data, &set, rng)
}
