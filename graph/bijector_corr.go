package graph

import (
	"fmt"
	"math"
)

var _ Bijector = CorrCholesky{}

// triangularRoot returns n ≥ 1 with n(n+1)/2 = m, and whether it exists.
func triangularRoot(m int) (int, bool) {
	if m < 1 {
		return 0, false
	}
	n := int(math.Round((math.Sqrt(8*float64(m)+1) - 1) / 2))
	return n, n*(n+1)/2 == m
}

// CorrCholesky maps R^{K(K-1)/2} onto the Cholesky factors L of K×K
// correlation matrices Ω = L Lᵀ (lower-triangular, positive diagonal, rows of
// unit length), written row-major as K*K values with zeros above the
// diagonal, by Stan's construction from canonical partial correlations
// (Lewandowski, Kurowicka and Joe 2009):
//
//	z = tanh(x),   L_00 = 1,
//	L_ij = z_ij · √(1 - Σ_{k<j} L_ik²)   (j < i),   L_ii = √(1 - Σ_{k<i} L_ik²),
//
// where the input row packs the z_ij (i ≥ 1, j < i) row by row: entry (i, j)
// is x[i(i-1)/2 + j]. Since 1 - Σ_{k<j} L_ik² = Π_{k<j} (1 - z_ik²), every
// entry is computed in the log domain from log(1 - z²) = 2 log 2 - 2x -
// 2 softplus(-2x), finite for any finite x. The Jacobian is taken onto the
// K(K-1)/2 entries below the diagonal (the rest are determined by them), the
// measure of LKJCholeskyLogProb:
//
//	log|det J| = Σ_ij log(1 - z_ij²) + ½ Σ_i Σ_{0<j<i} log(1 - Σ_{k<j} L_ik²)
//	           = Σ_ij (1 + (i-1-j)/2) · log(1 - z_ij²).
//
// The zero value, CorrCholesky{}, takes K from the row length (which must be
// K(K-1)/2 for some K ≥ 2); a positive N fixes K = N and checks the row
// length. The graph methods report other rows through the builder and the
// plain-Go methods panic on them (a programmer error). The constant matrices
// of the graph form have K⁴/2 entries, fine up to K of a few tens.
type CorrCholesky struct{ N int }

// dim returns K for an input row of length m.
func (c CorrCholesky) dim(m int) (int, error) {
	k, ok := triangularRoot(m)
	k++ // m = (k+1)k/2 with k+1 = K
	switch {
	case c.N < 0 || c.N == 1:
		return 0, fmt.Errorf("graph: %v: N must be at least 2 (or 0 to take it from the row)", c)
	case !ok || (c.N > 0 && k != c.N):
		want := "K(K-1)/2 for some K ≥ 2"
		if c.N > 0 {
			want = fmt.Sprint(c.N * (c.N - 1) / 2)
		}
		return 0, fmt.Errorf("graph: %v: row of length %d, want %s", c, m, want)
	}
	return k, nil
}

func (c CorrCholesky) mustDim(m int) int {
	k, err := c.dim(m)
	if err != nil {
		panic(err.Error())
	}
	return k
}

// check reports through b whether x is a valid graph input and returns K.
func (c CorrCholesky) check(b *Builder, op string, x *Node) (int, bool) {
	if !b.ok(x) {
		return 0, false
	}
	if x.IsScalar() {
		b.Failf("graph: %v.%s: input is a scalar, want at least one axis", c, op)
		return 0, false
	}
	k, err := c.dim(x.Shape()[x.Dims()-1])
	if err != nil {
		b.Failf("%v (%s of input shape %v)", err, op, x.Shape())
		return 0, false
	}
	return k, true
}

// log1mTanh2 returns log(1 - tanh²(x)) = 2 log 2 - 2x - 2 softplus(-2x).
func (b *Builder) log1mTanh2(x *Node) *Node {
	return b.Shift(b.Scale(b.Add(x, b.Softplus(b.Scale(x, -2))), -2), 2*math.Ln2)
}

func log1mTanh2_64(x float64) float64 { return 2*math.Ln2 - 2*x - 2*softplus64(-2*x) }

// corrWeights returns the Jacobian weight 1 + (i-1-j)/2 of each packed input.
func corrWeights(k int) []float64 {
	w := make([]float64, 0, k*(k-1)/2)
	for i := 1; i < k; i++ {
		for j := 0; j < i; j++ {
			w = append(w, 1+float64(i-1-j)/2)
		}
	}
	return w
}

// Forward returns the factors, of shape (..., K*K), for x of shape
// (..., K(K-1)/2).
func (c CorrCholesky) Forward(b *Builder, x *Node) *Node {
	k, ok := c.check(b, "Forward", x)
	if !ok {
		return nil
	}
	m, kk := k*(k-1)/2, k*k
	x2, lead := b.rows2(x)
	// L = (z·P + E) ⊙ exp(½ a·C), with a = log(1 - z²): P puts z_ij at (i, j),
	// E is the identity (the diagonal's factor 1), and C sums a_ik over k < j
	// into (i, j) for j ≤ i. Above the diagonal both factors are 0 and 1.
	p := make([]float64, m*kk)
	cm := make([]float64, m*kk)
	for i := 1; i < k; i++ {
		for j := 0; j < i; j++ {
			r := i*(i-1)/2 + j
			p[r*kk+i*k+j] = 1
			for col := j + 1; col <= i; col++ {
				cm[r*kk+i*k+col] = 1
			}
		}
	}
	z := b.Tanh(x2)
	a := b.log1mTanh2(x2)
	base := b.Add(b.MatMul(z, b.Constant("corrPut", p, m, kk)), b.Constant("corrEye", identity(k), kk))
	l := b.Mul(base, b.Exp(b.Scale(b.MatMul(a, b.Constant("corrPrefix", cm, m, kk)), 0.5)))
	return b.unrows(l, lead, kk)
}

// LogDetJacobian returns Σ_ij (1 + (i-1-j)/2) · log(1 - z_ij²) over the last
// axis.
func (c CorrCholesky) LogDetJacobian(b *Builder, x *Node) *Node {
	k, ok := c.check(b, "LogDetJacobian", x)
	if !ok {
		return nil
	}
	w := corrWeights(k)
	return b.sumLast("CorrCholesky.LogDetJacobian", b.Mul(b.log1mTanh2(x), b.Constant("corrWeights", w, len(w))))
}

// Forward64 writes the K×K factor for one packed row x into dst (length
// K*K). It panics on a row of the wrong length.
func (c CorrCholesky) Forward64(dst, x []float64) {
	k := c.mustDim(len(x))
	checkLen64(c.String()+".Forward64", dst, x, k*k)
	clear(dst)
	dst[0] = 1
	for i := 1; i < k; i++ {
		var logRest float64 // log(1 - Σ_{k<j} L_ik²)
		for j := 0; j < i; j++ {
			v := x[i*(i-1)/2+j]
			dst[i*k+j] = math.Tanh(v) * math.Exp(0.5*logRest)
			logRest += log1mTanh2_64(v)
		}
		dst[i*k+i] = math.Exp(0.5 * logRest)
	}
}

// Inverse64 packs the canonical partial correlations of an N×N row-major
// factor y into dst (length K(K-1)/2), as atanh(L_ij / √(1 - Σ_{k<j} L_ik²)).
// It fails unless y is lower-triangular (exact zeros above the diagonal) with
// finite entries, a positive diagonal and rows of unit length (within 1e-9)
// whose partial correlations are inside (-1, 1). It panics if the lengths are
// wrong.
func (c CorrCholesky) Inverse64(dst, y []float64) error {
	k := c.mustDim(len(dst))
	if len(y) != k*k {
		panic(fmt.Sprintf("graph: %v.Inverse64: factor of length %d, want %d", c, len(y), k*k))
	}
	for i := 0; i < k; i++ {
		var ss float64
		for j := 0; j < k; j++ {
			v := y[i*k+j]
			switch {
			case j > i && v != 0:
				return fmt.Errorf("graph: %v.Inverse64: entry (%d, %d) = %g above the diagonal", c, i, j, v)
			case math.IsNaN(v) || math.IsInf(v, 0):
				return fmt.Errorf("graph: %v.Inverse64: entry (%d, %d) = %g is not finite", c, i, j, v)
			case j == i && !(v > 0):
				return fmt.Errorf("graph: %v.Inverse64: diagonal entry %d = %g is not positive", c, i, v)
			}
			ss += v * v
		}
		if math.Abs(ss-1) > 1e-9 {
			return fmt.Errorf("graph: %v.Inverse64: row %d has squared length %.17g, not 1", c, i, ss)
		}
		var sum float64
		for j := 0; j < i; j++ {
			v := y[i*k+j]
			rest := 1 - sum
			if !(rest > 0) {
				return fmt.Errorf("graph: %v.Inverse64: row %d: the entries before column %d have unit length", c, i, j)
			}
			z := v / math.Sqrt(rest)
			if !(math.Abs(z) < 1) {
				return fmt.Errorf("graph: %v.Inverse64: entry (%d, %d) gives a partial correlation %g outside (-1, 1)", c, i, j, z)
			}
			dst[i*(i-1)/2+j] = math.Atanh(z)
			sum += v * v
		}
	}
	return nil
}

// LogDetJacobian64 returns Σ_ij (1 + (i-1-j)/2) · log(1 - z_ij²) for one
// packed row. It panics on a row of the wrong length.
func (c CorrCholesky) LogDetJacobian64(x []float64) float64 {
	k := c.mustDim(len(x))
	var s float64
	for r, w := range corrWeights(k) {
		s += w * log1mTanh2_64(x[r])
	}
	return s
}

// OutDim returns K*K for an input row of length K(K-1)/2. It panics on
// another length.
func (c CorrCholesky) OutDim(in int) int {
	k := c.mustDim(in)
	return k * k
}

// String returns "CorrCholesky" or "CorrCholesky(N)".
func (c CorrCholesky) String() string {
	if c.N == 0 {
		return "CorrCholesky"
	}
	return fmt.Sprintf("CorrCholesky(%d)", c.N)
}
