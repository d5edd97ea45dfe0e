package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/mat"
)

// A Family is a variational family: a fixed base noise pushed through a
// transform with learnable parameters. Build adds one instance of q to a graph
// for a block of latent components; everything the fit loop needs to know about
// the family (its parameters, the shape of its base noise, how to draw that
// noise) comes from the Approx it returns, so a new family is one type in one
// file, with no type switch anywhere else.
//
// The continuous families (MeanField, FullRank) are built once per fit, over
// the unconstrained vector ζ ∈ R^dim of all the continuous latents; the
// discrete families (BernoulliFamily, CategoricalFamily) once per discrete
// latent.
type Family interface {
	// Name is the family's short name ("meanfield", "fullrank", "bernoulli").
	Name() string
	// Build adds q's parameters to the graph for the given block and returns q.
	Build(b *graph.Builder, blk Block) (Approx, error)
}

// Block describes what a Family is built for.
type Block struct {
	// Name prefixes the names of q's parameter nodes: "q" for the block of
	// continuous latents ("q.mu", "q.logsd"), "q.<latent>" for a discrete latent
	// ("q.z.logits").
	Name string
	// Size is the number of components: the dimension of ζ for a continuous
	// block, the number of variables n of a discrete latent.
	Size int
	// Init is q's starting point: the mean of ζ (Size values) for a continuous
	// family, the logits for a discrete one (see BernoulliFamily and
	// CategoricalFamily). nil means the family's default: zeros.
	Init []float64
	// InitSD is the starting standard deviation of a continuous q in every
	// direction of ζ; 0 means 1. Discrete families ignore it.
	InitSD float64
	// InitPrec, if not nil, is a precision matrix Λ (Size×Size, row-major,
	// symmetric positive definite): the family starts as close to N(Init, Λ⁻¹)
	// as it can, in place of InitSD. MeanField starts at the sds 1/√Λ_jj (the
	// best mean-field Gaussian for that normal), FullRank at L = chol(Λ⁻¹),
	// LowRank at the top eigenvectors of Λ⁻¹ plus the rest of its diagonal.
	// Families that cannot use it fall back to InitSD.
	InitPrec []float64
}

// An Approx is a family's distribution q(z; λ) built into a graph: its
// parameters λ, its base noise and the map from noise to draws.
type Approx interface {
	// Params returns the learnable parameter nodes, always in the same order.
	Params() []*graph.Node
	// NoiseShape returns the shape of the base noise for S draws, with S first.
	NoiseShape(draws int) []int
	// FillNoise fills dst, of NoiseShape's size (row-major), with fresh base
	// noise drawn from rng.
	FillNoise(dst []float64, rng *rand.Rand)
	// Sample maps base noise (NoiseShape) to draws and returns them with log q.
	// A continuous family returns ζ, shape (S, dim), and log q(ζ) per draw, (S);
	// a discrete one returns z, shape (S, n) of 0s and 1s or (S, n, K) one-hot,
	// and log q(z_j) per draw and component, (S, n), differentiable in the logits.
	Sample(b *graph.Builder, noise *graph.Node) (z, logq *graph.Node)
	// Entropy returns the closed-form entropy of q, a scalar, or nil when q
	// has none (a normalizing flow): Reparam then uses the Monte Carlo estimate
	// -(1/S) Σ_s log q(ζ_s) from Sample's log q.
	Entropy(b *graph.Builder) *graph.Node
}

// A Gaussian is an Approx over ζ that is a normal distribution, N(μ, LLᵀ). The
// Posterior of a fit is built from it.
type Gaussian interface {
	Approx
	// MeanScale returns the mean (dim) and a lower-triangular scale factor L
	// (dim×dim, row-major, covariance LLᵀ) of q at the parameters' current values.
	MeanScale() (mean, scale []float64)
}

// A DenseFamily is a Family closed under invertible lower-triangular affine
// maps of ζ (FullRank, Flow): if q is in it, so is the law of c + P ζ. A fit
// that takes the Laplace start fits such a family in coordinates u with
// ζ = mode + P u, P the Cholesky factor of the Laplace covariance, so that u
// starts uncorrelated with unit scales; other families get the diagonal of P.
type DenseFamily interface {
	Family
	// DenseAffine marks the family; it does nothing.
	DenseAffine()
}

// A LogProber gives log q(ζ; λ) at given draws, as a differentiable function of
// the parameters λ. The score-function estimator needs it: it evaluates log q at
// draws detached from λ (graph.StopGradient), so that the gradient of log q is
// the score ∇λ log q(ζ; λ) rather than a pathwise derivative. Both continuous
// families of this package implement it.
type LogProber interface {
	// LogProb returns log q(ζ_s) for each row of zeta (S, dim), shape (S).
	LogProb(b *graph.Builder, zeta *graph.Node) *graph.Node
}

// A Scorer gives the score of each draw, h(ζ) = ∇λ log q(ζ; λ), one value per
// parameter component, which the optimal control variate needs (a*_j is
// estimated from the per-draw h_j). Every family of this package implements
// it, in closed form.
type Scorer interface {
	// Score returns, for each node of Params() in order, the gradient of
	// log q(ζ_s) with respect to that node for every draw, shape (S, param
	// shape...). Pass detached draws; the result is meant to be detached too.
	Score(b *graph.Builder, zeta *graph.Node) []*graph.Node
}

// families is the registry behind FamilyByName: a name and its aliases map to
// a constructor.
var families = registry[Family]{kind: "family"}

func init() {
	RegisterFamily("meanfield", func() Family { return MeanField{} }, "mean-field")
	RegisterFamily("fullrank", func() Family { return FullRank{} }, "full-rank")
}

// RegisterFamily makes a continuous family available by name (and by its
// aliases) to FamilyByName and so to the vigor command's --family flag. It
// panics if the name is taken (a programmer error); call it from an init
// function.
func RegisterFamily(name string, f func() Family, aliases ...string) {
	families.add(name, f, aliases)
}

// FamilyByName returns the continuous family called name ("" means
// "meanfield"); FamilyNames lists the names.
func FamilyByName(name string) (Family, error) {
	if strings.TrimSpace(name) == "" {
		name = "meanfield"
	}
	return families.get(name)
}

// FamilyNames returns the registered continuous family names, in the order
// they were registered.
func FamilyNames() []string { return families.names() }

var halfLog2Pi = 0.5 * math.Log(2*math.Pi)

// checkGaussian validates a continuous block and returns the starting
// log-scale, log InitSD.
func checkGaussian(family string, blk Block) (float64, error) {
	if blk.Size <= 0 {
		return 0, fmt.Errorf("bbvi: %s: dimension %d", family, blk.Size)
	}
	if blk.Init != nil && len(blk.Init) != blk.Size {
		return 0, fmt.Errorf("bbvi: %s: %d initial means for dimension %d", family, len(blk.Init), blk.Size)
	}
	sd := blk.InitSD
	if sd == 0 {
		sd = 1
	}
	if !(sd > 0) || math.IsInf(sd, 0) {
		return 0, fmt.Errorf("bbvi: %s: initial sd %v (want a positive finite value)", family, blk.InitSD)
	}
	return math.Log(sd), nil
}

// prefix returns the block's name, or def when it is empty.
func (blk Block) prefix(def string) string {
	if blk.Name == "" {
		return def
	}
	return blk.Name
}

// constant returns n copies of v, or nil when v is 0 (a zero-initialised
// parameter).
func constant(n int, v float64) []float64 {
	if v == 0 {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// cholInverse returns the lower Cholesky factor L of Λ⁻¹ (row-major) for a
// symmetric positive definite Λ.
func cholInverse(prec []float64, dim int) ([]float64, error) {
	if len(prec) != dim*dim {
		return nil, fmt.Errorf("%d entries for dimension %d", len(prec), dim)
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(dim, append([]float64(nil), prec...))) {
		return nil, errors.New("not positive definite")
	}
	var cov mat.SymDense
	if err := ch.InverseTo(&cov); err != nil {
		return nil, err
	}
	var cc mat.Cholesky
	if !cc.Factorize(&cov) {
		return nil, errors.New("its inverse is not positive definite")
	}
	var l mat.TriDense
	cc.LTo(&l)
	out := make([]float64, dim*dim)
	for i := 0; i < dim; i++ {
		for j := 0; j <= i; j++ {
			out[i*dim+j] = l.At(i, j)
		}
	}
	return out, nil
}

// normalNoise fills dst with standard normal draws, in order.
func normalNoise(dst []float64, rng *rand.Rand) {
	for i := range dst {
		dst[i] = rng.NormFloat64()
	}
}

// MeanField is the diagonal Gaussian family: ζ = μ + exp(ω) ⊙ ε, with the
// log-scales ω unconstrained, as in ADVI. Its entropy is Σω + dim/2·(1 + log 2π).
type MeanField struct{}

// Name implements Family.
func (MeanField) Name() string { return "meanfield" }

// Build implements Family: the means start at blk.Init, the log-scales at
// log blk.InitSD.
func (MeanField) Build(b *graph.Builder, blk Block) (Approx, error) {
	ls, err := checkGaussian("meanfield", blk)
	if err != nil {
		return nil, err
	}
	dim := blk.Size
	a := &meanField{dim: dim}
	name := blk.prefix("q")
	omega := constant(dim, ls)
	if blk.InitPrec != nil {
		if len(blk.InitPrec) != dim*dim {
			return nil, fmt.Errorf("bbvi: meanfield: InitPrec has %d entries for dimension %d", len(blk.InitPrec), dim)
		}
		omega = make([]float64, dim)
		for j := range omega {
			p := blk.InitPrec[j*dim+j]
			if !(p > 0) || math.IsInf(p, 0) {
				return nil, fmt.Errorf("bbvi: meanfield: InitPrec[%d,%d] = %v is not a positive precision", j, j, p)
			}
			omega[j] = -0.5 * math.Log(p)
		}
	}
	a.mu = b.Param(name+".mu", blk.Init, dim)
	a.omega = b.Param(name+".logsd", omega, dim)
	return a, b.Err()
}

type meanField struct {
	dim       int
	mu, omega *graph.Node
}

func (a *meanField) Params() []*graph.Node                   { return []*graph.Node{a.mu, a.omega} }
func (a *meanField) NoiseShape(draws int) []int              { return []int{draws, a.dim} }
func (a *meanField) FillNoise(dst []float64, rng *rand.Rand) { normalNoise(dst, rng) }

func (a *meanField) Sample(b *graph.Builder, eps *graph.Node) (*graph.Node, *graph.Node) {
	zeta := b.Add(a.mu, b.Mul(eps, b.Exp(a.omega)))
	// log q(ζ) = Σ_j [-ε_j²/2 - ω_j] - dim/2·log 2π
	logq := b.Shift(b.Sub(b.Scale(b.Sum(b.Square(eps), 1), -0.5), b.Sum(a.omega)), -float64(a.dim)*halfLog2Pi)
	return zeta, logq
}

// LogProb implements LogProber: with r = (ζ - μ) ⊙ exp(-ω),
// log q(ζ) = Σ_j [-r_j²/2 - ω_j] - dim/2·log 2π.
func (a *meanField) LogProb(b *graph.Builder, zeta *graph.Node) *graph.Node {
	r := b.Mul(b.Sub(zeta, a.mu), b.Exp(b.Neg(a.omega)))
	return b.Shift(b.Sub(b.Scale(b.Sum(b.Square(r), 1), -0.5), b.Sum(a.omega)), -float64(a.dim)*halfLog2Pi)
}

// Score implements Scorer: ∂/∂μ = r ⊙ exp(-ω), ∂/∂ω = r² - 1.
func (a *meanField) Score(b *graph.Builder, zeta *graph.Node) []*graph.Node {
	inv := b.Exp(b.Neg(a.omega))
	r := b.Mul(b.Sub(zeta, a.mu), inv)
	return []*graph.Node{b.Mul(r, inv), b.Shift(b.Square(r), -1)}
}

func (a *meanField) Entropy(b *graph.Builder) *graph.Node {
	return b.Shift(b.Sum(a.omega), float64(a.dim)*(0.5+halfLog2Pi))
}

// MeanScale implements Gaussian. Its factor is dim×dim; the fit uses MeanSD,
// which is not.
func (a *meanField) MeanScale() ([]float64, []float64) {
	om := graph.Values(a.omega)
	l := make([]float64, a.dim*a.dim)
	for i, w := range om {
		l[i*a.dim+i] = math.Exp(w)
	}
	return graph.Values(a.mu), l
}

// MeanSD implements Diagonal: μ and σ = exp(ω), in O(dim) memory.
func (a *meanField) MeanSD() ([]float64, []float64) {
	sd := graph.Values(a.omega)
	for i, w := range sd {
		sd[i] = math.Exp(w)
	}
	return graph.Values(a.mu), sd
}

// FullRank is the Gaussian family with a dense covariance: ζ = μ + L ε, with L
// lower-triangular. L's diagonal is exp of an unconstrained parameter (so it is
// positive) and its strictly lower part is unconstrained. Its entropy is
// Σ log L_jj + dim/2·(1 + log 2π).
type FullRank struct{}

// Name implements Family.
func (FullRank) Name() string { return "fullrank" }

// DenseAffine implements DenseFamily.
func (FullRank) DenseAffine() {}

// Build implements Family: the mean starts at blk.Init and L at
// blk.InitSD·I.
func (FullRank) Build(b *graph.Builder, blk Block) (Approx, error) {
	ls, err := checkGaussian("fullrank", blk)
	if err != nil {
		return nil, err
	}
	dim, name := blk.Size, blk.prefix("q")
	a := &fullRank{dim: dim}
	a.mu = b.Param(name+".mu", blk.Init, dim)
	var raw0 []float64
	if blk.InitPrec != nil {
		l, err := cholInverse(blk.InitPrec, dim)
		if err != nil {
			return nil, fmt.Errorf("bbvi: fullrank: InitPrec: %w", err)
		}
		raw0 = l
		for i := 0; i < dim; i++ {
			raw0[i*dim+i] = math.Log(l[i*dim+i])
		}
		ls = 0 // the diagonal is set from InitPrec below
	} else if ls != 0 {
		raw0 = make([]float64, dim*dim)
	}
	eye := make([]float64, dim*dim)
	low := make([]float64, dim*dim)
	for i := 0; i < dim; i++ {
		eye[i*dim+i] = 1
		if raw0 != nil && blk.InitPrec == nil {
			raw0[i*dim+i] = ls
		}
		for j := 0; j < i; j++ {
			low[i*dim+j] = 1
		}
	}
	a.raw = b.Param(name+".scale", raw0, dim, dim)
	a.eye = b.Constant(name+".eye", eye, dim, dim)
	a.low = b.Constant(name+".lower", low, dim, dim)
	logDiag := b.Mul(a.raw, a.eye)
	a.logDiagSum = b.Sum(logDiag)
	// L = raw ⊙ lower + exp(raw ⊙ I) ⊙ I; exp sees 0 off the diagonal, so it cannot overflow there.
	a.l = b.Add(b.Mul(a.raw, a.low), b.Mul(b.Exp(logDiag), a.eye))
	return a, b.Err()
}

type fullRank struct {
	dim           int
	mu, raw       *graph.Node
	eye, low      *graph.Node
	l, logDiagSum *graph.Node
}

func (a *fullRank) Params() []*graph.Node                   { return []*graph.Node{a.mu, a.raw} }
func (a *fullRank) NoiseShape(draws int) []int              { return []int{draws, a.dim} }
func (a *fullRank) FillNoise(dst []float64, rng *rand.Rand) { normalNoise(dst, rng) }

func (a *fullRank) Sample(b *graph.Builder, eps *graph.Node) (*graph.Node, *graph.Node) {
	zeta := b.Add(a.mu, b.MatMul(eps, b.T(a.l)))
	logq := b.Shift(b.Sub(b.Scale(b.Sum(b.Square(eps), 1), -0.5), a.logDiagSum), -float64(a.dim)*halfLog2Pi)
	return zeta, logq
}

// LogProb implements LogProber: with ε = L⁻¹(ζ - μ) (a triangular solve),
// log q(ζ) = -|ε|²/2 - Σ_j log L_jj - dim/2·log 2π.
func (a *fullRank) LogProb(b *graph.Builder, zeta *graph.Node) *graph.Node {
	eps := b.SolveLower(a.l, b.Sub(zeta, a.mu))
	return b.Shift(b.Sub(b.Scale(b.Sum(b.Square(eps), 1), -0.5), a.logDiagSum), -float64(a.dim)*halfLog2Pi)
}

// Score implements Scorer. With ε = L⁻¹(ζ - μ) and A = L⁻ᵀε,
//
//	∂/∂μ = A,   ∂/∂L_ij = A_i ε_j - δ_ij/L_jj  (i ≥ j),
//
// and through the diagonal's exp, ∂/∂raw_jj = L_jj A_j ε_j - 1; the unused upper
// entries get 0.
func (a *fullRank) Score(b *graph.Builder, zeta *graph.Node) []*graph.Node {
	s, d := zeta.Shape()[0], a.dim
	eps := b.SolveLower(a.l, b.Sub(zeta, a.mu))
	am := b.SolveLowerT(a.l, eps)
	outer := b.Mul(b.Reshape(am, s, d, 1), b.Reshape(eps, s, 1, d)) // (S, d, d)
	hraw := b.Sub(b.Mul(outer, b.Add(a.low, b.Mul(a.eye, a.l))), a.eye)
	return []*graph.Node{am, hraw}
}

func (a *fullRank) Entropy(b *graph.Builder) *graph.Node {
	return b.Shift(a.logDiagSum, float64(a.dim)*(0.5+halfLog2Pi))
}

// scale returns the current lower-triangular factor L (row-major).
func (a *fullRank) scale() []float64 {
	raw := graph.Values(a.raw)
	d := a.dim
	l := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			l[i*d+j] = raw[i*d+j]
		}
		l[i*d+i] = math.Exp(raw[i*d+i])
	}
	return l
}

func (a *fullRank) MeanScale() ([]float64, []float64) {
	return graph.Values(a.mu), a.scale()
}
