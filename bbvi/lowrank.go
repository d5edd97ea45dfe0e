package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/mat"
)

func init() {
	RegisterFamily("lowrank", func() Family { return LowRank{} }, "low-rank")
}

// LowRank is the Gaussian family with a factor (low-rank plus diagonal)
// covariance (Ong, Nott & Smith 2018, arXiv:1701.03208; Rezende et al. 2014,
// arXiv:1401.4082; Pyro's AutoLowRankMultivariateNormal):
//
//	ζ = μ + B ε₁ + d ⊙ ε₂,   ε₁ ~ N(0, I_r), ε₂ ~ N(0, I_dim),   d = exp(ω),
//	Σ = B Bᵀ + D²,   D = diag(d),
//
// with B of shape dim×r. It costs O(dim·r) per draw instead of FullRank's
// O(dim²) and captures the r strongest directions of correlation. Its base
// noise is ε = (ε₁, ε₂), shape (S, r + dim).
//
// The factor is learned relative to the diagonal scales, B = D C: the
// parameter is C = D⁻¹B, dimensionless like ω, so that the optimizer's steps
// are relative in every direction, as they are for the log-scales (learning B
// itself, in the units of ζ, left the iterates jittering by more than the
// convergence tolerance on a regression whose posterior sds differ fourfold).
// Then ζ = μ + d ⊙ (C ε₁ + ε₂), Σ = D (C Cᵀ + I) D, and the entropy is in
// closed form by the matrix determinant lemma,
//
//	log det Σ = 2 Σ_j ω_j + log det M,   M = I_r + Cᵀ C,
//	H[q] = ½ log det Σ + dim/2·(1 + log 2π),
//
// and log q by the Woodbury identity. Both are built from a modified
// Gram–Schmidt QR of the (dim + r)×r matrix A = [C; I_r] = Q R in the graph
// (differentiable, no Cholesky op needed): AᵀA = M = RᵀR, so
// log det M = Σ_k log R_kk², and with Q_top the first dim rows of Q,
//
//	(ζ - μ)ᵀ Σ⁻¹ (ζ - μ) = |y|² - |Q_topᵀ y|²,   y = D⁻¹ (ζ - μ),
//
// because Σ⁻¹ = D⁻¹ (I - C M⁻¹ Cᵀ) D⁻¹ and C M⁻¹ Cᵀ = Q_top Q_topᵀ. The graph
// cost of the QR grows as r², so keep the rank small.
//
// The approximation implements Gaussian (MeanScale gives the Cholesky factor
// of Σ, computed in Go) and LogProber (for the score-function estimator), not
// Scorer (so not the optimal control variate).
type LowRank struct {
	// Rank is the number r of columns of B. 0 means the default
	// min(5, max(1, dim-1)): a few factors capture the dominant correlations at
	// a cost linear in dim (Pyro's default, about √dim, is at most 5 up to
	// dim = 30), and the graph of the exact entropy grows as r². A rank of
	// dim-1 already represents every covariance (take D² = λ_min(Σ)·I), so
	// larger ranks are cut to max(1, dim-1). A negative rank is an error.
	Rank int
}

// Name implements Family.
func (LowRank) Name() string { return "lowrank" }

// lowRankInit is the size α of the starting factor C (see Build).
const lowRankInit = 0.1

// rank returns the effective rank for dimension dim (see Rank).
func (l LowRank) rank(dim int) (int, error) {
	if l.Rank < 0 {
		return 0, fmt.Errorf("bbvi: lowrank: rank %d < 0", l.Rank)
	}
	top := max(1, dim-1)
	if l.Rank == 0 {
		return min(5, top), nil
	}
	return min(l.Rank, top), nil
}

// Build implements Family. The mean starts at blk.Init. C = 0 is a
// stationary point of every ELBO (q does not change when C's sign flips, and
// the expected gradient E[∇ζ log p(ζ) ε₁ᵀ] vanishes when ζ does not depend on
// ε₁), so C starts at a small deterministic pattern that breaks the symmetry:
//
//	C_jk = α √(2/dim) cos(π (j + ½)(k + 1) / dim),   α = 0.1,
//
// orthonormal discrete-cosine columns scaled by α, and
// d_j = s / √(1 + Σ_k C_jk²), s = blk.InitSD, keeps every variance at s²: Σ
// starts at s² I up to correlations of at most α². The parameters are
// "<blk.Name>.mu" (dim), "<blk.Name>.logsd" (ω, dim) and "<blk.Name>.factor"
// (C = D⁻¹B, dim×r).
func (l LowRank) Build(b *graph.Builder, blk Block) (Approx, error) {
	ls, err := checkGaussian("lowrank", blk)
	if err != nil {
		return nil, err
	}
	dim := blk.Size
	r, err := l.rank(dim)
	if err != nil {
		return nil, err
	}
	c0 := make([]float64, dim*r)
	om0 := make([]float64, dim)
	for j := 0; j < dim; j++ {
		var row float64
		for k := 0; k < r; k++ {
			p := math.Sqrt(2/float64(dim)) * math.Cos(math.Pi*(float64(j)+0.5)*float64(k+1)/float64(dim))
			c0[j*r+k] = lowRankInit * p
			row += c0[j*r+k] * c0[j*r+k]
		}
		om0[j] = ls - 0.5*math.Log1p(row)
	}
	if blk.InitPrec != nil {
		if c0, om0, err = lowRankFromPrec(blk.InitPrec, dim, r); err != nil {
			return nil, fmt.Errorf("bbvi: lowrank: InitPrec: %w", err)
		}
	}
	name := blk.prefix("q")
	a := &lowRank{dim: dim, r: r}
	a.mu = b.Param(name+".mu", blk.Init, dim)
	a.omega = b.Param(name+".logsd", om0, dim)
	a.fac = b.Param(name+".factor", c0, dim, r)
	a.build(b, name)
	return a, b.Err()
}

// lowRankFromPrec returns the start (C = D⁻¹B, ω = log d) closest to the
// normal of precision Λ that a rank-r factor can take: B = V_r (Λ_r - δ)^{1/2}
// from the r largest eigenpairs of Σ = Λ⁻¹ (δ the mean of the other
// eigenvalues, 0 when there are none), and D² the rest of Σ's diagonal, so
// that the start has Σ's marginal variances exactly.
func lowRankFromPrec(prec []float64, dim, r int) (c0, om0 []float64, err error) {
	l, err := cholInverse(prec, dim)
	if err != nil {
		return nil, nil, err
	}
	cov := mat.NewSymDense(dim, nil)
	for i := 0; i < dim; i++ {
		for j := 0; j <= i; j++ {
			var v float64
			for k := 0; k <= j; k++ {
				v += l[i*dim+k] * l[j*dim+k]
			}
			cov.SetSym(i, j, v)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, nil, errors.New("no eigendecomposition")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	var delta float64
	if dim > r {
		for _, v := range vals[:dim-r] {
			delta += v
		}
		delta /= float64(dim - r)
	}
	bf := make([]float64, dim*r)
	for k := 0; k < r; k++ {
		col := dim - 1 - k // the k-th largest
		s := math.Sqrt(math.Max(vals[col]-delta, 0))
		for j := 0; j < dim; j++ {
			bf[j*r+k] = vecs.At(j, col) * s
		}
	}
	c0 = make([]float64, dim*r)
	om0 = make([]float64, dim)
	for j := 0; j < dim; j++ {
		var bb float64
		for k := 0; k < r; k++ {
			bb += bf[j*r+k] * bf[j*r+k]
		}
		d2 := math.Max(cov.At(j, j)-bb, 1e-3*cov.At(j, j))
		d := math.Sqrt(d2)
		om0[j] = math.Log(d)
		for k := 0; k < r; k++ {
			c0[j*r+k] = bf[j*r+k] / d
		}
	}
	return c0, om0, nil
}

type lowRank struct {
	dim, r       int
	mu, omega    *graph.Node
	fac          *graph.Node   // C = D⁻¹B, dim×r
	d, dinv      *graph.Node   // exp(±ω)
	logdetM      *graph.Node   // log det(I + CᵀC), scalar
	qtop         []*graph.Node // the r columns of Q_top (dim each)
	entropy      *graph.Node
	logNormConst *graph.Node // -Σω - ½ log det M - dim/2·log 2π
}

// build adds the Gram–Schmidt QR of A = [C; I] and the quantities that
// depend only on the parameters. Each column of A is kept as its two parts,
// the top (dim) and the bottom (r), so that no concatenation is needed.
func (a *lowRank) build(b *graph.Builder, name string) {
	dim, r := a.dim, a.r
	a.d = b.Exp(a.omega)
	a.dinv = b.Exp(b.Neg(a.omega))
	c := a.fac
	a.qtop = make([]*graph.Node, r)
	qbot := make([]*graph.Node, r)
	var logdet *graph.Node
	for k := 0; k < r; k++ {
		ek := make([]float64, r)
		ek[k] = 1
		top, bot := b.Col(c, k), b.Constant(fmt.Sprintf("%s.e%d", name, k), ek, r)
		for j := 0; j < k; j++ {
			proj := b.Add(b.Sum(b.Mul(a.qtop[j], top)), b.Sum(b.Mul(qbot[j], bot)))
			top = b.Sub(top, b.Mul(proj, a.qtop[j]))
			bot = b.Sub(bot, b.Mul(proj, qbot[j]))
		}
		nrm2 := b.Add(b.Sum(b.Square(top)), b.Sum(b.Square(bot)))
		nrm := b.Sqrt(nrm2)
		a.qtop[k], qbot[k] = b.Div(top, nrm), b.Div(bot, nrm)
		if ld := b.Log(nrm2); logdet == nil {
			logdet = ld
		} else {
			logdet = b.Add(logdet, ld)
		}
	}
	a.logdetM = logdet
	half := b.Scale(a.logdetM, 0.5)
	sumOm := b.Sum(a.omega)
	a.entropy = b.Shift(b.Add(sumOm, half), float64(dim)*(0.5+halfLog2Pi))
	a.logNormConst = b.Shift(b.Neg(b.Add(sumOm, half)), -float64(dim)*halfLog2Pi)
}

func (a *lowRank) Params() []*graph.Node                   { return []*graph.Node{a.mu, a.omega, a.fac} }
func (a *lowRank) NoiseShape(draws int) []int              { return []int{draws, a.r + a.dim} }
func (a *lowRank) FillNoise(dst []float64, rng *rand.Rand) { normalNoise(dst, rng) }

// Sample implements Approx: ζ = μ + (ε₁ Cᵀ + ε₂) ⊙ d for the rows of the
// noise, with log q(ζ) from LogProb.
func (a *lowRank) Sample(b *graph.Builder, eps *graph.Node) (*graph.Node, *graph.Node) {
	e1 := b.Cols(eps, 0, a.r)
	e2 := b.Cols(eps, a.r, a.r+a.dim)
	zeta := b.Add(a.mu, b.Mul(b.Add(b.MatMul(e1, b.T(a.fac)), e2), a.d))
	return zeta, a.LogProb(b, zeta)
}

// LogProb implements LogProber by the Woodbury identity: with
// y = (ζ - μ) ⊙ exp(-ω),
//
//	log q(ζ) = -½ (|y|² - |Q_topᵀ y|²) - Σ_j ω_j - ½ log det M - dim/2·log 2π.
func (a *lowRank) LogProb(b *graph.Builder, zeta *graph.Node) *graph.Node {
	y := b.Mul(b.Sub(zeta, a.mu), a.dinv)
	quad := b.Sum(b.Square(y), 1)
	for _, u := range a.qtop {
		quad = b.Sub(quad, b.Square(b.MatMul(y, u)))
	}
	return b.Add(b.Scale(quad, -0.5), a.logNormConst)
}

// Entropy implements Approx: Σ_j ω_j + ½ log det M + dim/2·(1 + log 2π).
func (a *lowRank) Entropy(*graph.Builder) *graph.Node { return a.entropy }

// covariance returns Σ = BBᵀ + D², B = D C, at the parameters' current values.
func (a *lowRank) covariance() *mat.SymDense {
	dim, r := a.dim, a.r
	om := graph.Values(a.omega)
	bv := mat.NewDense(dim, r, graph.Values(a.fac))
	for j, w := range om {
		for k := 0; k < r; k++ {
			bv.Set(j, k, bv.At(j, k)*math.Exp(w))
		}
	}
	cov := mat.NewSymDense(dim, nil)
	cov.SymOuterK(1, bv)
	for j, w := range om {
		cov.SetSym(j, j, cov.At(j, j)+math.Exp(2*w))
	}
	return cov
}

// MeanScale implements Gaussian: the mean and the lower Cholesky factor of
// Σ = BBᵀ + D² (gonum's Cholesky). Σ is positive definite whenever d > 0; if
// d has underflowed so that the factorization fails, a jitter of 10⁻¹²·max Σ_jj,
// growing tenfold, is added to the diagonal until it succeeds (at most 30
// times; a non-finite Σ gives the diagonal factor √Σ_jj, NaN showing through).
func (a *lowRank) MeanScale() ([]float64, []float64) {
	dim := a.dim
	cov := a.covariance()
	var top float64
	for j := 0; j < dim; j++ {
		top = math.Max(top, cov.At(j, j))
	}
	jitter := 1e-12 * math.Max(top, math.SmallestNonzeroFloat64)
	scale := make([]float64, dim*dim)
	var ch mat.Cholesky
	for try := 0; !ch.Factorize(cov); try++ {
		if try == 30 || !(top < math.Inf(1)) {
			// Not finite: report the marginal scales (NaN or Inf shows through).
			for j := 0; j < dim; j++ {
				scale[j*dim+j] = math.Sqrt(cov.At(j, j))
			}
			return graph.Values(a.mu), scale
		}
		for j := 0; j < dim; j++ {
			cov.SetSym(j, j, cov.At(j, j)+jitter)
		}
		jitter *= 10
	}
	var l mat.TriDense
	ch.LTo(&l)
	for i := 0; i < dim; i++ {
		for j := 0; j <= i; j++ {
			scale[i*dim+j] = l.At(i, j)
		}
	}
	return graph.Values(a.mu), scale
}
