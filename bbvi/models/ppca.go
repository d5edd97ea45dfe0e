package models

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/mat"
)

// PPCA is probabilistic principal component analysis (Tipping & Bishop 1999),
//
//	z_i ~ Normal(0, I_K),   x_i | z_i ~ Normal(W z_i + μ, σ² I_D),
//
// with a local latent z_i ∈ R^K per data row ("z", bbvi.Latent.Local) and the
// loadings W (D×K), the mean μ (D) and the noise sd σ learned as model
// parameters (Params "W", "mu" and "logsigma" = log σ) jointly with the
// per-row q(z_i): variational EM. Its data is the array "X" (N×D); see Data.
//
// A mean-field q(z_i) is exact at the maximum-likelihood solution whose
// columns of W are orthogonal (then the posterior covariance σ²(WᵀW + σ²I)⁻¹
// is diagonal), so the fit reaches the closed-form maximum-likelihood
// subspace and noise (PPCAClosedForm) up to a rotation of W's columns.
type PPCA struct {
	D, K int // data columns and latent dimensions, 1 ≤ K < D

	// InitW, InitMu and InitLogSigma start the parameters; New fills them.
	InitW        []float64 // D×K row-major
	InitMu       []float64 // D
	InitLogSigma float64
}

// NewPPCA returns a PPCA model of k latent dimensions for the n×d data x
// (row-major), started at the sample mean, a noise sd of half the average
// column sd and small random loadings drawn from rng (W = 0 is a saddle
// point of the likelihood).
func NewPPCA(x []float64, n, d, k int, rng *rand.Rand) (*PPCA, error) {
	if d < 2 || k < 1 || k >= d {
		return nil, fmt.Errorf("bbvi: PPCA of %d latent dimensions for %d columns (want 1 ≤ K < D)", k, d)
	}
	if n < 2 || len(x) != n*d {
		return nil, fmt.Errorf("bbvi: PPCA data: %d values for %d rows of %d columns (want at least 2 rows)", len(x), n, d)
	}
	if rng == nil {
		return nil, errors.New("bbvi: PPCA: nil *rand.Rand")
	}
	m := &PPCA{D: d, K: k, InitMu: make([]float64, d), InitW: make([]float64, d*k)}
	var sd float64
	for j := 0; j < d; j++ {
		var s, ss float64
		for i := 0; i < n; i++ {
			s += x[i*d+j]
		}
		mu := s / float64(n)
		for i := 0; i < n; i++ {
			ss += (x[i*d+j] - mu) * (x[i*d+j] - mu)
		}
		m.InitMu[j] = mu
		sd += math.Sqrt(ss / float64(n))
	}
	sd /= float64(d)
	if !(sd > 0) || math.IsInf(sd, 0) {
		return nil, errors.New("bbvi: PPCA data: every column is constant")
	}
	m.InitLogSigma = math.Log(sd / 2)
	for i := range m.InitW {
		m.InitW[i] = 0.1 * sd * rng.NormFloat64()
	}
	return m, nil
}

// Data packs the n×D data x (row-major) as the array "X".
func (m *PPCA) Data(x []float64) (bbvi.Data, error) {
	if m.D < 1 || len(x) == 0 || len(x)%m.D != 0 {
		return nil, fmt.Errorf("bbvi: PPCA data: %d values is not a whole number of rows of %d", len(x), m.D)
	}
	return bbvi.Data{{Name: "X", Cols: m.D, Values: x}}, nil
}

// Latents implements bbvi.Model: the local "z", K components per row.
func (m *PPCA) Latents() []bbvi.Latent {
	return []bbvi.Latent{{Name: "z", Size: m.K, Local: true}}
}

// LogPrior implements bbvi.Model: nil, as the only latent is local (its prior
// is a per-row term of the likelihood).
func (m *PPCA) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node { return nil }

// LogLikelihood implements bbvi.Model: the row sum of PointLogLikelihood.
func (m *PPCA) LogLikelihood(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
	return b.Sum(m.PointLogLikelihood(b, z, x), 1)
}

// PointLogLikelihood implements bbvi.PointwiseModel: per draw and row,
// log N(z_i; 0, I) + log N(x_i; W z_i + μ, σ² I), shape (S, B).
func (m *PPCA) PointLogLikelihood(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
	zi, xi := z["z"], x["X"] // (S, B, K), (B, D)
	if zi == nil || xi == nil {
		b.Failf("bbvi: PPCA needs the latent z and the data X")
		return nil
	}
	sh := zi.Shape()
	s, bsz := sh[0], sh[1]
	w := b.Param("W", m.InitW, m.D, m.K)
	mu := b.Param("mu", m.InitMu, m.D)
	logSigma := b.Param("logsigma", []float64{m.InitLogSigma}, 1)
	prior := b.Sum(b.NormalLogProb(zi, b.Scalar(0), b.Scalar(1)), 2)
	loc := b.Add(b.Reshape(b.MatMul(b.Reshape(zi, s*bsz, m.K), b.T(w)), s, bsz, m.D), mu)
	sigma := b.Exp(logSigma)
	ll := b.Sum(b.NormalLogProb(xi, loc, sigma), 2)
	return b.Add(prior, ll)
}

// PPCAFit is a PPCA solution: the loadings W (D×K row-major, one row per data
// column), the mean μ and the noise sd σ.
type PPCAFit struct {
	D, K    int
	W       []float64
	Mean    []float64
	NoiseSD float64
}

// PPCAClosedForm returns the maximum-likelihood PPCA solution for the n×d data
// x (row-major) with k latent dimensions (Tipping & Bishop 1999): μ is the
// sample mean; with S the sample covariance (divided by n), λ_1 ≥ … ≥ λ_d its
// eigenvalues and U_k the eigenvectors of the k largest,
//
//	σ² = (1/(d-k)) Σ_{j>k} λ_j,   W = U_k (Λ_k - σ² I)^{1/2},
//
// (W is unique up to a rotation of its columns; this one has orthogonal
// columns). It returns an error when the eigendecomposition fails or σ² is not
// positive (data of rank ≤ k).
func PPCAClosedForm(x []float64, n, d, k int) (*PPCAFit, error) {
	if d < 2 || k < 1 || k >= d || n < 2 || len(x) != n*d {
		return nil, fmt.Errorf("bbvi: PPCA closed form: %d values, %d rows, %d columns, %d latent dimensions", len(x), n, d, k)
	}
	mu := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mu[j] += x[i*d+j]
		}
	}
	for j := range mu {
		mu[j] /= float64(n)
	}
	c := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			c[i*d+j] = x[i*d+j] - mu[j]
		}
	}
	xc := mat.NewDense(n, d, c)
	var cov mat.SymDense
	cov.SymOuterK(1/float64(n), xc.T())
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return nil, errors.New("bbvi: PPCA closed form: the eigendecomposition of the sample covariance failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, d)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	var s2 float64
	for _, j := range order[k:] {
		s2 += vals[j]
	}
	s2 /= float64(d - k)
	if !(s2 > 0) {
		return nil, fmt.Errorf("bbvi: PPCA closed form: the discarded eigenvalues average %g (the data have rank ≤ %d)", s2, k)
	}
	w := make([]float64, d*k)
	for c, j := range order[:k] {
		f := math.Sqrt(math.Max(vals[j]-s2, 0))
		for r := 0; r < d; r++ {
			w[r*k+c] = vecs.At(r, j) * f
		}
	}
	return &PPCAFit{D: d, K: k, W: w, Mean: mu, NoiseSD: math.Sqrt(s2)}, nil
}

// FitOf reads a PPCA solution from a fitted posterior's parameters.
func (m *PPCA) FitOf(post *bbvi.Posterior) (*PPCAFit, error) {
	if post == nil {
		return nil, errors.New("bbvi: PPCA: nil posterior")
	}
	w, mu, ls := post.Params["W"], post.Params["mu"], post.Params["logsigma"]
	if len(w) != m.D*m.K || len(mu) != m.D || len(ls) != 1 {
		return nil, errors.New("bbvi: PPCA: the posterior does not hold W, mu and logsigma of this model")
	}
	return &PPCAFit{D: m.D, K: m.K, W: w, Mean: mu, NoiseSD: math.Exp(ls[0])}, nil
}

// LargestPrincipalAngle returns the largest principal angle, in degrees,
// between the column spaces of two d×k matrices (row-major): 0 when they span
// the same subspace, 90 when some direction of one is orthogonal to the other.
func LargestPrincipalAngle(a, b []float64, d, k int) (float64, error) {
	qa, err := orthonormal(a, d, k)
	if err != nil {
		return 0, err
	}
	qb, err := orthonormal(b, d, k)
	if err != nil {
		return 0, err
	}
	var m mat.Dense
	m.Mul(qa.T(), qb)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDNone) {
		return 0, errors.New("bbvi: principal angles: the SVD failed")
	}
	sv := svd.Values(nil)
	low := math.Min(1, sv[len(sv)-1])
	return math.Acos(low) * 180 / math.Pi, nil
}

// orthonormal returns an orthonormal basis (d×k) of the columns of a.
func orthonormal(a []float64, d, k int) (*mat.Dense, error) {
	if len(a) != d*k {
		return nil, fmt.Errorf("bbvi: principal angles: %d values for %d×%d", len(a), d, k)
	}
	var qr mat.QR
	qr.Factorize(mat.NewDense(d, k, append([]float64(nil), a...)))
	var q mat.Dense
	qr.QTo(&q)
	var r mat.Dense
	qr.RTo(&r)
	for j := 0; j < k; j++ {
		if math.Abs(r.At(j, j)) < 1e-12 {
			return nil, errors.New("bbvi: principal angles: the columns are linearly dependent")
		}
	}
	return mat.DenseCopyOf(q.Slice(0, d, 0, k)), nil
}
