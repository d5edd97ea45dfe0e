package bbvi

import (
	"fmt"
	"math"
	"strings"

	"github.com/vigor-ml/vigor/graph"
)

// A Family is a variational family over the unconstrained latent vector ζ ∈ R^dim:
// a fixed base noise ε ~ N(0, I) pushed through a transform with learnable
// parameters, ζ = T(ε; λ).
type Family interface {
	// Name is the family's short name ("meanfield", "fullrank").
	Name() string
	// Build adds the family's parameters to the graph for a dim-dimensional
	// latent vector, initialised at the given mean (nil means zeros) and unit scale.
	Build(b *graph.Builder, dim int, mean []float64) (Approx, error)
}

// An Approx is a family's distribution q(ζ; λ) built into a graph.
type Approx interface {
	// Params returns the learnable parameter nodes, always in the same order.
	Params() []*graph.Node
	// Sample maps base noise eps (S, dim) to draws ζ (S, dim) and returns them with
	// log q(ζ) per draw (S).
	Sample(b *graph.Builder, eps *graph.Node) (zeta, logq *graph.Node)
	// Entropy returns the closed-form entropy of q, a scalar.
	Entropy(b *graph.Builder) *graph.Node
	// MeanScale returns the mean (dim) and a lower-triangular scale factor L
	// (dim×dim, row-major, covariance LLᵀ) of q at the parameters' current values.
	MeanScale() (mean, scale []float64)
}

// A LogProber gives log q(ζ; λ) at given draws, as a differentiable function of
// the parameters λ. The score-function estimator needs it: it evaluates log q at
// draws detached from λ (graph.StopGradient), so that the gradient of log q is
// the score ∇λ log q(ζ; λ) rather than a pathwise derivative. Both families of
// this package implement it.
type LogProber interface {
	// LogProb returns log q(ζ_s) for each row of zeta (S, dim), shape (S).
	LogProb(b *graph.Builder, zeta *graph.Node) *graph.Node
}

// A Scorer gives the score of each draw, h(ζ) = ∇λ log q(ζ; λ), one value per
// parameter component, which the optimal control variate needs (a*_j is
// estimated from the per-draw h_j). Both families of this package implement it,
// in closed form.
type Scorer interface {
	// Score returns, for each node of Params() in order, the gradient of
	// log q(ζ_s) with respect to that node for every draw, shape (S, param
	// shape...). Pass detached draws; the result is meant to be detached too.
	Score(b *graph.Builder, zeta *graph.Node) []*graph.Node
}

// FamilyByName returns the family called name: "meanfield" (or "" ) or "fullrank".
func FamilyByName(name string) (Family, error) {
	switch strings.ToLower(name) {
	case "meanfield", "mean-field", "":
		return MeanField{}, nil
	case "fullrank", "full-rank":
		return FullRank{}, nil
	}
	return nil, fmt.Errorf("bbvi: unknown family %q (want meanfield or fullrank)", name)
}

var halfLog2Pi = 0.5 * math.Log(2*math.Pi)

// checkBuild validates the arguments of a Family's Build.
func checkBuild(family string, dim int, mean []float64) error {
	if dim <= 0 {
		return fmt.Errorf("bbvi: %s: dimension %d", family, dim)
	}
	if mean != nil && len(mean) != dim {
		return fmt.Errorf("bbvi: %s: %d initial means for dimension %d", family, len(mean), dim)
	}
	return nil
}

// MeanField is the diagonal Gaussian family: ζ = μ + exp(ω) ⊙ ε, with the
// log-scales ω unconstrained, as in ADVI. Its entropy is Σω + dim/2·(1 + log 2π).
type MeanField struct{}

// Name implements Family.
func (MeanField) Name() string { return "meanfield" }

// Build implements Family.
func (MeanField) Build(b *graph.Builder, dim int, mean []float64) (Approx, error) {
	if err := checkBuild("meanfield", dim, mean); err != nil {
		return nil, err
	}
	a := &meanField{dim: dim}
	a.mu = b.Param("q.mu", mean, dim)
	a.omega = b.Param("q.logsd", nil, dim)
	return a, b.Err()
}

type meanField struct {
	dim       int
	mu, omega *graph.Node
}

func (a *meanField) Params() []*graph.Node { return []*graph.Node{a.mu, a.omega} }

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

func (a *meanField) MeanScale() ([]float64, []float64) {
	om := graph.Values(a.omega)
	l := make([]float64, a.dim*a.dim)
	for i, w := range om {
		l[i*a.dim+i] = math.Exp(w)
	}
	return graph.Values(a.mu), l
}

// FullRank is the Gaussian family with a dense covariance: ζ = μ + L ε, with L
// lower-triangular. L's diagonal is exp of an unconstrained parameter (so it is
// positive) and its strictly lower part is unconstrained. Its entropy is
// Σ log L_jj + dim/2·(1 + log 2π).
type FullRank struct{}

// Name implements Family.
func (FullRank) Name() string { return "fullrank" }

// Build implements Family.
func (FullRank) Build(b *graph.Builder, dim int, mean []float64) (Approx, error) {
	if err := checkBuild("fullrank", dim, mean); err != nil {
		return nil, err
	}
	a := &fullRank{dim: dim}
	a.mu = b.Param("q.mu", mean, dim)
	a.raw = b.Param("q.scale", nil, dim, dim)
	eye := make([]float64, dim*dim)
	low := make([]float64, dim*dim)
	for i := 0; i < dim; i++ {
		eye[i*dim+i] = 1
		for j := 0; j < i; j++ {
			low[i*dim+j] = 1
		}
	}
	a.eye = b.Constant("q.eye", eye, dim, dim)
	a.low = b.Constant("q.lower", low, dim, dim)
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

func (a *fullRank) Params() []*graph.Node { return []*graph.Node{a.mu, a.raw} }

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
