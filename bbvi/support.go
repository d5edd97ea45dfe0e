package bbvi

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// SupportKind says where a latent variable lives.
type SupportKind int

const (
	// RealLine is the whole real line (the zero value).
	RealLine SupportKind = iota
	// PositiveReals is (0, ∞), reached through exp.
	PositiveReals
	// IntervalSupport is (Lower, Upper), reached through a scaled sigmoid.
	IntervalSupport
	// BinarySupport is {0, 1}: a discrete latent, fitted with a mean-field
	// Bernoulli q and the score-function estimator.
	BinarySupport
	// CategoricalSupport is {1, ..., K}, seen one-hot: a discrete latent, fitted
	// with a mean-field categorical q and the score-function estimator.
	CategoricalSupport
	// LowerBounded is (Lower, ∞), reached through Lower + exp.
	LowerBounded
	// UpperBounded is (-∞, Upper), reached through Upper - exp.
	UpperBounded
	// OrderedSupport is the increasing vectors of R^K.
	OrderedSupport
	// PositiveOrderedSupport is the increasing vectors of (0, ∞)^K.
	PositiveOrderedSupport
	// SimplexSupport is the probability simplex: K positive values summing to 1.
	SimplexSupport
	// CholeskyCorrSupport is the Cholesky factors of K×K correlation matrices.
	CholeskyCorrSupport
	// CholeskyCovSupport is the Cholesky factors of K×K covariance matrices
	// (lower-triangular with a positive diagonal).
	CholeskyCovSupport
)

// Support is the set of values a latent variable may take. The zero value is the
// real line.
//
// The elementwise supports (real, positive, interval, lower and upper
// bounds) act on each of a latent's Size components alone. The others act on
// the latent as a whole, a vector or a matrix of dimension K = Size, fitted
// in fewer unconstrained coordinates (Stan's transforms):
//
//	support            unconstrained    in the graph    reported (Names)
//	Ordered()          K                (S, K)          K values, increasing
//	PositiveOrdered()  K                (S, K)          K values, positive and increasing
//	Simplex()          K-1              (S, K)          K values summing to 1
//	CholeskyCorr()     K(K-1)/2         (S, K, K)  L    K×K correlation matrix Ω = L Lᵀ
//	CholeskyCov()      K(K+1)/2         (S, K, K)  L    K×K covariance matrix Σ = L Lᵀ
//
// A Cholesky latent is handed to the model as its lower-triangular factor L
// (zeros above the diagonal), the layout graph.LKJCholeskyLogProb and
// graph.MultiNormalCholeskyLogProb read, and reported as the matrix L Lᵀ,
// row-major, with names Name[i,j] (0-based, like Name[i]): the correlation
// or covariance matrix itself, whose entries are what one wants to read.
// Their graph forms build constant matrices, so K is at most 2000 for the
// vector supports and 40 for the Cholesky ones.
type Support struct {
	Kind         SupportKind
	Lower, Upper float64 // bounds of an IntervalSupport, LowerBounded (Lower) or UpperBounded (Upper)
	K            int     // number of categories of a CategoricalSupport
}

// Real returns the support (-∞, ∞).
func Real() Support { return Support{Kind: RealLine} }

// Positive returns the support (0, ∞).
func Positive() Support { return Support{Kind: PositiveReals} }

// Interval returns the support (lower, upper).
func Interval(lower, upper float64) Support {
	return Support{Kind: IntervalSupport, Lower: lower, Upper: upper}
}

// LowerBound returns the support (lower, ∞), reached through lower + exp(u)
// (graph.LowerBound).
func LowerBound(lower float64) Support { return Support{Kind: LowerBounded, Lower: lower} }

// UpperBound returns the support (-∞, upper), reached through upper - exp(u)
// (graph.UpperBound).
func UpperBound(upper float64) Support { return Support{Kind: UpperBounded, Upper: upper} }

// Ordered returns the support of increasing vectors z_0 < z_1 < … < z_{K-1},
// K = Size ≥ 1, reached through a first value and positive gaps
// (graph.Ordered): cut points of an ordinal model, the means of a mixture
// with its labels fixed.
func Ordered() Support { return Support{Kind: OrderedSupport} }

// PositiveOrdered returns the support of increasing positive vectors
// 0 < z_0 < … < z_{K-1}, K = Size ≥ 1, reached through positive gaps
// (graph.PositiveOrdered).
func PositiveOrdered() Support { return Support{Kind: PositiveOrderedSupport} }

// Simplex returns the probability simplex of dimension K = Size ≥ 2: K
// positive values summing to 1, reached from K-1 unconstrained coordinates by
// stick breaking (graph.StickBreaking). In the graph the latent is a node of
// shape (S, K).
func Simplex() Support { return Support{Kind: SimplexSupport} }

// CholeskyCorr returns the support of Cholesky factors L of K×K correlation
// matrices Ω = L Lᵀ, K = Size ≥ 2, reached from K(K-1)/2 unconstrained
// coordinates through canonical partial correlations (graph.CorrCholesky).
// In the graph the latent is L, a node of shape (S, K, K), the input of
// graph.LKJCholeskyLogProb; it is reported as Ω.
func CholeskyCorr() Support { return Support{Kind: CholeskyCorrSupport} }

// CholeskyCov returns the support of Cholesky factors L of K×K covariance
// matrices Σ = L Lᵀ (lower-triangular with a positive diagonal), K = Size ≥ 1,
// reached from K(K+1)/2 unconstrained coordinates, the diagonal through exp
// (graph.LowerCholesky). In the graph the latent is L, a node of shape
// (S, K, K), the scaleTril of graph.MultiNormalCholeskyLogProb; it is
// reported as Σ.
func CholeskyCov() Support { return Support{Kind: CholeskyCovSupport} }

// Binary returns the discrete support {0, 1}. In the graph such a latent of
// Size n is a node of shape (S, n) holding 0s and 1s.
func Binary() Support { return Support{Kind: BinarySupport} }

// Categorical returns the discrete support {1, ..., k}, k ≥ 2. In the graph such
// a latent of Size n is a one-hot node of shape (S, n, k).
func Categorical(k int) Support { return Support{Kind: CategoricalSupport, K: k} }

// Discrete reports whether the support is discrete (binary or categorical).
func (s Support) Discrete() bool {
	return s.Kind == BinarySupport || s.Kind == CategoricalSupport
}

// Elementwise reports whether the support acts on each component alone
// (real, positive, interval, lower or upper bound, and the discrete ones),
// rather than on the latent as a vector or matrix.
func (s Support) Elementwise() bool {
	switch s.Kind {
	case OrderedSupport, PositiveOrderedSupport, SimplexSupport, CholeskyCorrSupport, CholeskyCovSupport:
		return false
	}
	return true
}

// matrix reports whether the support is one of Cholesky factors.
func (s Support) matrix() bool {
	return s.Kind == CholeskyCorrSupport || s.Kind == CholeskyCovSupport
}

// family returns the mean-field family of a discrete support, nil for a
// continuous one.
func (s Support) family() Family {
	switch s.Kind {
	case BinarySupport:
		return BernoulliFamily{}
	case CategoricalSupport:
		return CategoricalFamily{K: s.K}
	}
	return nil
}

// Bijector returns the map from the unconstrained coordinates onto the
// support, as in ADVI and Stan: identity, exp, a scaled sigmoid, lower +
// exp, upper - exp, Ordered, PositiveOrdered, StickBreaking, CorrCholesky{} or
// LowerCholesky{} (the last two take the dimension from their input row).
// The Cholesky bijectors give L as a row of K*K values; Latent.Constrain
// reshapes it to K×K. Discrete supports are not transformed: their Bijector
// is the identity and is not used.
func (s Support) Bijector() graph.Bijector {
	switch s.Kind {
	case PositiveReals:
		return graph.Exp{}
	case IntervalSupport:
		return graph.Sigmoid{Lower: s.Lower, Upper: s.Upper}
	case LowerBounded:
		return graph.LowerBound{Lower: s.Lower}
	case UpperBounded:
		return graph.UpperBound{Upper: s.Upper}
	case OrderedSupport:
		return graph.Ordered{}
	case PositiveOrderedSupport:
		return graph.PositiveOrdered{}
	case SimplexSupport:
		return graph.StickBreaking{}
	case CholeskyCorrSupport:
		return graph.CorrCholesky{}
	case CholeskyCovSupport:
		return graph.LowerCholesky{}
	}
	return graph.Identity{}
}

// String names the support: "real", "positive", "interval(lo, hi)",
// "lower(lo)", "upper(hi)", "ordered", "positive_ordered", "simplex",
// "cholesky_corr", "cholesky_cov", "binary" or "categorical(k)".
func (s Support) String() string {
	switch s.Kind {
	case PositiveReals:
		return "positive"
	case IntervalSupport:
		return fmt.Sprintf("interval(%g, %g)", s.Lower, s.Upper)
	case LowerBounded:
		return fmt.Sprintf("lower(%g)", s.Lower)
	case UpperBounded:
		return fmt.Sprintf("upper(%g)", s.Upper)
	case OrderedSupport:
		return "ordered"
	case PositiveOrderedSupport:
		return "positive_ordered"
	case SimplexSupport:
		return "simplex"
	case CholeskyCorrSupport:
		return "cholesky_corr"
	case CholeskyCovSupport:
		return "cholesky_cov"
	case BinarySupport:
		return "binary"
	case CategoricalSupport:
		return fmt.Sprintf("categorical(%d)", s.K)
	}
	return "real"
}

func (s Support) validate() error {
	switch s.Kind {
	case RealLine, PositiveReals, BinarySupport, OrderedSupport, PositiveOrderedSupport,
		SimplexSupport, CholeskyCorrSupport, CholeskyCovSupport:
		return nil
	case CategoricalSupport:
		if s.K < 2 {
			return fmt.Errorf("categorical support with %d categories (want at least 2)", s.K)
		}
		return nil
	case IntervalSupport:
		if !(s.Lower < s.Upper) || math.IsInf(s.Lower, 0) || math.IsInf(s.Upper, 0) || math.IsNaN(s.Lower) || math.IsNaN(s.Upper) {
			return fmt.Errorf("interval (%g, %g) is empty or unbounded", s.Lower, s.Upper)
		}
		return nil
	case LowerBounded:
		if math.IsInf(s.Lower, 0) || math.IsNaN(s.Lower) {
			return fmt.Errorf("lower bound %g is not finite", s.Lower)
		}
		return nil
	case UpperBounded:
		if math.IsInf(s.Upper, 0) || math.IsNaN(s.Upper) {
			return fmt.Errorf("upper bound %g is not finite", s.Upper)
		}
		return nil
	}
	return fmt.Errorf("unknown support kind %d", s.Kind)
}

// checkSupport validates the latent's support together with its Size.
func (l Latent) checkSupport() error {
	if err := l.Support.validate(); err != nil {
		return err
	}
	k := l.size()
	switch l.Support.Kind {
	case SimplexSupport, CholeskyCorrSupport:
		if k < 2 {
			return fmt.Errorf("%s support of dimension %d (set Size to K ≥ 2)", l.Support, k)
		}
	}
	if l.Local && !l.Support.Elementwise() {
		return fmt.Errorf("a local latent cannot have the %s support", l.Support)
	}
	switch {
	case l.Support.matrix() && k > maxMatrixDim:
		return fmt.Errorf("%s support of dimension %d (at most %d)", l.Support, k, maxMatrixDim)
	case !l.Support.Elementwise() && k > maxVectorDim:
		return fmt.Errorf("%s support of dimension %d (at most %d)", l.Support, k, maxVectorDim)
	}
	return nil
}

// maxMatrixDim bounds the dimension of a Cholesky latent: its graph form
// builds constant matrices of about K⁴/2 entries.
const maxMatrixDim = 40

// maxVectorDim bounds the dimension of an ordered or simplex latent: their
// graph forms build constant K×K matrices (cumulative sums).
const maxVectorDim = 2000

// elementwise reports whether every latent has an elementwise support, so
// that the unconstrained coordinates are the reported components, one to one.
func elementwise(ls []Latent) bool {
	for _, l := range ls {
		if !l.Support.Elementwise() {
			return false
		}
	}
	return true
}

// free returns the number of unconstrained coordinates of the latent: K-1
// for a simplex, K(K-1)/2 and K(K+1)/2 for the Cholesky factors, Size
// otherwise.
func (l Latent) free() int {
	k := l.size()
	switch l.Support.Kind {
	case SimplexSupport:
		return k - 1
	case CholeskyCorrSupport:
		return k * (k - 1) / 2
	case CholeskyCovSupport:
		return k * (k + 1) / 2
	}
	return k
}

// components returns the number of reported components: K*K for the
// Cholesky factors, Size otherwise.
func (l Latent) components() int {
	k := l.size()
	if l.Support.matrix() {
		return k * k
	}
	return k
}

// matrixNames returns name[i,j] for the K×K entries, row-major.
func matrixNames(name string, k int) []string {
	out := make([]string, 0, k*k)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			out = append(out, fmt.Sprintf("%s[%d,%d]", name, i, j))
		}
	}
	return out
}

// Constrain maps the latent's unconstrained draws u, of shape (S, free) with
// free its number of unconstrained coordinates, onto its support and returns
// the latent as the model sees it, (S, Size) or (S, K, K) for a Cholesky
// factor, with log|det J| per draw, (S), or nil for the identity.
func (l Latent) Constrain(b *graph.Builder, u *graph.Node) (z, logDet *graph.Node) {
	bij := l.Support.Bijector()
	if _, id := bij.(graph.Identity); id {
		return u, nil
	}
	z = bij.Forward(b, u)
	if l.Support.matrix() && z != nil {
		k := l.size()
		z = b.Reshape(z, z.Shape()[0], k, k)
	}
	return z, bij.LogDetJacobian(b, u)
}

// forward64 writes into dst (length components()) the reported values of one
// unconstrained draw u (length free()).
func (l Latent) forward64(dst, u []float64) {
	bij := l.Support.Bijector()
	if !l.Support.matrix() {
		bij.Forward64(dst, u)
		return
	}
	k := l.size()
	f := make([]float64, k*k)
	bij.Forward64(f, u)
	l.outer(dst, f)
}

// appendReport appends to dst the reported values of the latent given as the
// model sees it, v (one draw of the graph node: L for a Cholesky factor).
func (l Latent) appendReport(dst, v []float64) []float64 {
	if !l.Support.matrix() {
		return append(dst, v...)
	}
	k := l.size()
	n := len(dst)
	dst = append(dst, make([]float64, k*k)...)
	l.outer(dst[n:], v)
	return dst
}

// outer writes the reported matrix L Lᵀ into dst for the latent's K×K
// lower-triangular factor f (row-major); a correlation matrix gets its
// diagonal of ones exactly.
func (l Latent) outer(dst, f []float64) {
	k := l.size()
	for i := 0; i < k; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for m := 0; m <= j; m++ {
				s += f[i*k+m] * f[j*k+m]
			}
			if i == j && l.Support.Kind == CholeskyCorrSupport {
				s = 1
			}
			dst[i*k+j], dst[j*k+i] = s, s
		}
	}
}
