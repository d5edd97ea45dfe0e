package bbvi

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
)

func init() {
	RegisterFamily("flow", func() Family { return Flow{} }, "realnvp")
}

// Flow is a normalizing-flow family for non-Gaussian posteriors: RealNVP
// affine coupling layers (Dinh, Sohl-Dickstein & Bengio 2017,
// arXiv:1605.08803; Rezende & Mohamed 2015, arXiv:1505.05770) between
// standard normal noise and a diagonal affine map,
//
//	ζ = μ + exp(ω) ⊙ f_K ∘ … ∘ f_1(ε),   ε ~ N(0, I_dim),
//
// where each coupling layer f_l keeps the components picked by a binary mask
// m_l and transforms the others by an affine map whose scale and shift are
// functions of the kept ones:
//
//	f_l(x) = x ⊙ exp(s_l(x ⊙ m_l)) + t_l(x ⊙ m_l),
//	h      = tanh((x ⊙ m_l) W₁ + b₁),
//	s_l    = (1 - m_l) ⊙ c·tanh((h W_s + b_s)/c),   c = 2,
//	t_l    = (1 - m_l) ⊙ (h W_t + b_t).
//
// The Jacobian of f_l is triangular up to a permutation, with log|det| = Σ_j
// s_l,j, so that
//
//	log q(ζ) = log N(ε; 0, I) - Σ_l Σ_j s_l,j(ε) - Σ_j ω_j.
//
// The soft bound c·tanh(·/c) keeps every layer's log-scale in (-c, c) (a
// factor between 0.14 and 7.4), so that one optimizer step cannot blow the
// flow up, in the way TensorFlow Probability's autoregressive flows clip their
// log-scales and the inverse autoregressive flow (Kingma et al. 2016,
// arXiv:1606.04934) squashes its scales with a sigmoid; unlike a clip, the
// soft bound keeps a gradient everywhere. The masks alternate between
// the parity of the index (layers 0, 1: keep the even, then the odd
// components) and the two halves (layers 2, 3: keep the first ⌈dim/2⌉, then
// the others), and so on: within four layers every component is transformed
// twice, each time given a different set of the others, and the composition
// lets every component depend on every other. Each layer is exactly invertible, so the family also
// gives log q at any ζ (LogProber) and the score-function estimator works.
//
// The flow starts at the identity (W_s, b_s, W_t, b_t = 0): q starts equal to
// MeanField's, N(blk.Init, blk.InitSD² I). W₁ starts at deterministic
// pseudo-random values (a PCG with a fixed seed per layer, N(0, 1/k) for the k
// kept inputs) so that the hidden units differ; Build draws no randomness from
// the caller, and the same Block always gives the same start. b₁ starts at 0.
//
// The entropy has no closed form: Entropy returns nil, and Reparam then uses
// the Monte Carlo entropy -(1/S) Σ_s log q(ζ_s). The mixed estimator
// (ScoreFunction with Pathwise) uses the closed-form entropy and fails to
// build with a flow; the plain score-function estimators work (LogProb). The fitted q is not Gaussian: the Posterior is built from a
// frozen copy (Freeze) and reports Monte Carlo summaries.
//
// With dim = 1 there is nothing to condition on: a layer either keeps the one
// component (the identity) or moves it by an affine map with learned
// constants, so q is a Gaussian, no better than MeanField. Use the flow for
// two or more dimensions.
type Flow struct {
	// Layers is the number K of coupling layers; 0 means 4, one pass of each
	// mask kind, which transforms every component twice, given a different
	// set of the others each time. A negative value is an error.
	Layers int
	// Hidden is the width H of each layer's hidden tanh layer; 0 means
	// min(256, max(16, 2·dim)): wide enough for smooth two-dimensional bananas
	// and funnels, and linear in dim so that a layer costs O(dim²) per draw. A
	// negative value is an error.
	Hidden int
}

// flowScaleBound is c, the soft bound of every layer's log-scale.
const flowScaleBound = 2

// Name implements Family.
func (Flow) Name() string { return "flow" }

// DenseAffine implements DenseFamily: a flow composed with an affine map is a
// flow.
func (Flow) DenseAffine() {}

// sizes returns the number of layers and the hidden width for dimension dim.
func (f Flow) sizes(dim int) (layers, hidden int, err error) {
	if f.Layers < 0 || f.Hidden < 0 {
		return 0, 0, fmt.Errorf("bbvi: flow: %d layers of width %d", f.Layers, f.Hidden)
	}
	layers, hidden = f.Layers, f.Hidden
	if layers == 0 {
		layers = 4
	}
	if hidden == 0 {
		hidden = min(256, max(16, 2*dim))
	}
	return layers, hidden, nil
}

// flowMask returns layer l's mask: 1 for the components the layer keeps (and
// conditions on), 0 for those it transforms.
func flowMask(l, dim int) []float64 {
	m := make([]float64, dim)
	keepFirst := l%2 == 0
	half := (dim + 1) / 2
	for j := range m {
		var keep bool
		if (l/2)%2 == 0 {
			keep = (j%2 == 0) == keepFirst
		} else {
			keep = (j < half) == keepFirst
		}
		if keep {
			m[j] = 1
		}
	}
	return m
}

// Build implements Family. The parameters are "<blk.Name>.mu" (dim),
// "<blk.Name>.logsd" (ω, dim) and, for each layer l, "<blk.Name>.flow<l>.w1"
// (dim×H), ".b1" (H), ".ws" (H×dim), ".bs" (dim), ".wt" (H×dim) and ".bt"
// (dim), in that order.
func (f Flow) Build(b *graph.Builder, blk Block) (Approx, error) {
	ls, err := checkGaussian("flow", blk)
	if err != nil {
		return nil, err
	}
	dim := blk.Size
	layers, hidden, err := f.sizes(dim)
	if err != nil {
		return nil, err
	}
	name := blk.prefix("q")
	a := &flow{dim: dim, hidden: hidden}
	a.mu = b.Param(name+".mu", blk.Init, dim)
	a.omega = b.Param(name+".logsd", constant(dim, ls), dim)
	for l := 0; l < layers; l++ {
		m := flowMask(l, dim)
		free := make([]float64, dim)
		kept := 0
		for j, v := range m {
			free[j] = 1 - v
			kept += int(v)
		}
		w1 := make([]float64, dim*hidden)
		rng := rand.New(rand.NewPCG(uint64(l)+1, uint64(dim)))
		for j := 0; j < dim; j++ {
			for k := 0; k < hidden; k++ {
				if g := rng.NormFloat64(); m[j] == 1 {
					w1[j*hidden+k] = g / math.Sqrt(float64(kept))
				}
			}
		}
		p := fmt.Sprintf("%s.flow%d", name, l)
		c := &coupling{
			mask: m, free: free,
			m:  b.Constant(p+".mask", m, dim),
			fr: b.Constant(p+".free", free, dim),
			w1: b.Param(p+".w1", w1, dim, hidden),
			b1: b.Param(p+".b1", nil, hidden),
			ws: b.Param(p+".ws", nil, hidden, dim),
			bs: b.Param(p+".bs", nil, dim),
			wt: b.Param(p+".wt", nil, hidden, dim),
			bt: b.Param(p+".bt", nil, dim),
		}
		a.layers = append(a.layers, c)
	}
	return a, b.Err()
}

type flow struct {
	dim, hidden int
	mu, omega   *graph.Node
	layers      []*coupling
}

// coupling is one affine coupling layer.
type coupling struct {
	mask, free             []float64 // m and 1 - m
	m, fr                  *graph.Node
	w1, b1, ws, bs, wt, bt *graph.Node
}

// st returns the layer's log-scale s and shift t, (S, dim), at x (S, dim).
func (c *coupling) st(b *graph.Builder, x *graph.Node) (s, t *graph.Node) {
	h := b.Tanh(b.Add(b.MatMul(b.Mul(x, c.m), c.w1), c.b1))
	raw := b.Add(b.MatMul(h, c.ws), c.bs)
	s = b.Mul(b.Scale(b.Tanh(b.Scale(raw, 1/float64(flowScaleBound))), flowScaleBound), c.fr)
	t = b.Mul(b.Add(b.MatMul(h, c.wt), c.bt), c.fr)
	return s, t
}

func (a *flow) Params() []*graph.Node {
	ps := []*graph.Node{a.mu, a.omega}
	for _, c := range a.layers {
		ps = append(ps, c.w1, c.b1, c.ws, c.bs, c.wt, c.bt)
	}
	return ps
}

func (a *flow) NoiseShape(draws int) []int              { return []int{draws, a.dim} }
func (a *flow) FillNoise(dst []float64, rng *rand.Rand) { normalNoise(dst, rng) }

// Sample implements Approx: the noise through the coupling layers and the
// affine map, with log q(ζ) = log N(ε) - Σ_l Σ_j s_l,j - Σ_j ω_j.
func (a *flow) Sample(b *graph.Builder, eps *graph.Node) (*graph.Node, *graph.Node) {
	x := eps
	var logdet *graph.Node // Σ_l Σ_j s_l,j per draw
	for _, c := range a.layers {
		s, t := c.st(b, x)
		x = b.Add(b.Mul(x, b.Exp(s)), t)
		if ld := b.Sum(s, 1); logdet == nil {
			logdet = ld
		} else {
			logdet = b.Add(logdet, ld)
		}
	}
	zeta := b.Add(a.mu, b.Mul(x, b.Exp(a.omega)))
	return zeta, a.logq(b, eps, logdet)
}

// logq returns log N(ε) - logdet - Σω - dim/2·log 2π, with logdet (S) nil
// for zero.
func (a *flow) logq(b *graph.Builder, eps, logdet *graph.Node) *graph.Node {
	lq := b.Sub(b.Scale(b.Sum(b.Square(eps), 1), -0.5), b.Sum(a.omega))
	if logdet != nil {
		lq = b.Sub(lq, logdet)
	}
	return b.Shift(lq, -float64(a.dim)*halfLog2Pi)
}

// LogProb implements LogProber by inverting the flow: x = (ζ - μ) ⊙ exp(-ω),
// then, layer by layer from the last, x ← (x - t_l) ⊙ exp(-s_l) (the kept
// components are unchanged by a layer, so s_l and t_l are computed from the
// layer's output as from its input), ending at ε.
func (a *flow) LogProb(b *graph.Builder, zeta *graph.Node) *graph.Node {
	x := b.Mul(b.Sub(zeta, a.mu), b.Exp(b.Neg(a.omega)))
	var logdet *graph.Node
	for l := len(a.layers) - 1; l >= 0; l-- {
		s, t := a.layers[l].st(b, x)
		x = b.Mul(b.Sub(x, t), b.Exp(b.Neg(s)))
		if ld := b.Sum(s, 1); logdet == nil {
			logdet = ld
		} else {
			logdet = b.Add(logdet, ld)
		}
	}
	return a.logq(b, x, logdet)
}

// Entropy implements Approx: a flow's entropy has no closed form, so it
// returns nil (Reparam uses the Monte Carlo estimate).
func (a *flow) Entropy(*graph.Builder) *graph.Node { return nil }

// Freeze implements Freezer: a float64 copy of q at the parameters' current
// values.
func (a *flow) Freeze() Frozen {
	fz := &FrozenFlow{dim: a.dim, hidden: a.hidden, mu: graph.Values(a.mu)}
	for _, w := range graph.Values(a.omega) {
		fz.sd = append(fz.sd, math.Exp(w))
		fz.sumOmega += w
	}
	for _, c := range a.layers {
		fz.layers = append(fz.layers, frozenCoupling{
			mask: c.mask, free: c.free,
			w1: graph.Values(c.w1), b1: graph.Values(c.b1),
			ws: graph.Values(c.ws), bs: graph.Values(c.bs),
			wt: graph.Values(c.wt), bt: graph.Values(c.bt),
		})
	}
	return fz
}

// A Frozen is a fitted variational distribution q(ζ) copied out of the graph
// into plain Go (float64): it draws ζ with its log-density, with no graph
// involved. The Posterior of a non-Gaussian family is built from one.
// Implementations are safe for concurrent use.
type Frozen interface {
	// Dim returns the dimension of ζ.
	Dim() int
	// Sample draws one ζ into dst (length Dim) with randomness from rng only,
	// and returns log q(ζ).
	Sample(dst []float64, rng *rand.Rand) (logq float64)
}

// A Freezer is an Approx that can copy itself out of the graph: Freeze
// returns q at the parameters' current values as a Frozen, which later
// changes to the parameters do not affect. A fit builds its Posterior from it
// when q is not Gaussian (Flow).
type Freezer interface {
	Freeze() Frozen
}

// FrozenFlow is a Flow's q frozen at fitted parameter values (Freeze): the
// same map as the graph's, in float64 Go code. Its draws consume Dim standard
// normals from rng each, in order, as the family's FillNoise does for one
// draw, so n Sample calls reproduce the graph's draws for the noise
// FillNoise(n) draws from the same rng.
type FrozenFlow struct {
	dim, hidden int
	mu, sd      []float64
	sumOmega    float64
	layers      []frozenCoupling
}

type frozenCoupling struct {
	mask, free             []float64
	w1, b1, ws, bs, wt, bt []float64
}

// Dim implements Frozen.
func (f *FrozenFlow) Dim() int { return f.dim }

// Sample implements Frozen.
func (f *FrozenFlow) Sample(dst []float64, rng *rand.Rand) float64 {
	eps := make([]float64, f.dim)
	normalNoise(eps, rng)
	return f.Transform(dst, eps)
}

// Transform maps the base noise eps (Dim) to ζ in dst (Dim) and returns
// log q(ζ). It panics if a length is not Dim (a programmer error).
func (f *FrozenFlow) Transform(dst, eps []float64) float64 {
	d := f.dim
	if len(dst) != d || len(eps) != d {
		panic(fmt.Sprintf("bbvi: FrozenFlow.Transform: lengths %d and %d for dimension %d", len(dst), len(eps), d))
	}
	x := append([]float64(nil), eps...)
	s := make([]float64, d)
	t := make([]float64, d)
	h := make([]float64, f.hidden)
	var logdet, sq float64
	for i := range f.layers {
		c := &f.layers[i]
		c.st(x, s, t, h)
		for j := range x {
			x[j] = x[j]*math.Exp(s[j]) + t[j]
			logdet += s[j]
		}
	}
	for j := range x {
		dst[j] = f.mu[j] + x[j]*f.sd[j]
		sq += eps[j] * eps[j]
	}
	return -0.5*sq - f.sumOmega - logdet - float64(d)*halfLog2Pi
}

// LogProb returns log q(ζ) by inverting the flow (as the family's LogProb).
// It panics if len(zeta) is not Dim (a programmer error).
func (f *FrozenFlow) LogProb(zeta []float64) float64 {
	d := f.dim
	if len(zeta) != d {
		panic(fmt.Sprintf("bbvi: FrozenFlow.LogProb: length %d for dimension %d", len(zeta), d))
	}
	x := make([]float64, d)
	for j := range x {
		x[j] = (zeta[j] - f.mu[j]) / f.sd[j]
	}
	s := make([]float64, d)
	t := make([]float64, d)
	h := make([]float64, f.hidden)
	var logdet, sq float64
	for i := len(f.layers) - 1; i >= 0; i-- {
		f.layers[i].st(x, s, t, h)
		for j := range x {
			x[j] = (x[j] - t[j]) * math.Exp(-s[j])
			logdet += s[j]
		}
	}
	for _, v := range x {
		sq += v * v
	}
	return -0.5*sq - f.sumOmega - logdet - float64(d)*halfLog2Pi
}

// st computes the layer's log-scale s and shift t at x, using h (hidden) as
// scratch.
func (c *frozenCoupling) st(x, s, t, h []float64) {
	d, hn := len(x), len(h)
	for k := range h {
		v := c.b1[k]
		for j := 0; j < d; j++ {
			v += x[j] * c.mask[j] * c.w1[j*hn+k]
		}
		h[k] = math.Tanh(v)
	}
	for j := 0; j < d; j++ {
		vs, vt := c.bs[j], c.bt[j]
		for k, hk := range h {
			vs += hk * c.ws[k*d+j]
			vt += hk * c.wt[k*d+j]
		}
		s[j] = flowScaleBound * math.Tanh(vs/flowScaleBound) * c.free[j]
		t[j] = vt * c.free[j]
	}
}
