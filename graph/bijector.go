package graph

import (
	"fmt"
	"math"
)

// Bijector maps unconstrained values to a constrained space, row by row along the
// last axis. It has a graph form (Forward, LogDetJacobian), used inside a model,
// and a plain-Go form on one row (Forward64, Inverse64, LogDetJacobian64), used to
// initialise parameters and to report results.
//
// The graph methods follow the Builder's rules: they return nil after an error
// (including a nil x) and report their own errors, such as a wrong last-axis
// length, through b. The plain-Go methods panic if dst and x have the wrong
// lengths (a programmer error); Inverse64 returns an error when y is outside the
// support.
type Bijector interface {
	// Forward returns y = f(x) for x of shape (..., InDim); the result has shape
	// (..., OutDim(InDim)).
	Forward(b *Builder, x *Node) *Node
	// LogDetJacobian returns log|det ∂f/∂x| of each row, that is summed over the
	// last axis: its shape is x's without the last axis (a vector for an (S, d)
	// input, a scalar for a vector). x must have at least one axis.
	LogDetJacobian(b *Builder, x *Node) *Node
	// Forward64 writes f(x) for one row x into dst, of length OutDim(len(x)).
	Forward64(dst, x []float64)
	// Inverse64 writes f⁻¹(y) for one row y into dst. It returns an error, leaving
	// dst unspecified, if y is outside the support.
	Inverse64(dst, y []float64) error
	// LogDetJacobian64 returns log|det ∂f/∂x| at one row x.
	LogDetJacobian64(x []float64) float64
	// OutDim returns the output row length for an input row length.
	OutDim(in int) int
	// String names the bijector and its parameters.
	String() string
}

var (
	_ Bijector = Identity{}
	_ Bijector = Exp{}
	_ Bijector = Softplus{}
	_ Bijector = Sigmoid{}
	_ Bijector = LowerCholesky{}
)

// sumLast sums x over its last axis (a vector gives a scalar).
func (b *Builder) sumLast(op string, x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		b.Failf("graph: %s: input is a scalar, want at least one axis", op)
		return nil
	}
	return b.Sum(x, x.Dims()-1)
}

// zerosWithout returns a constant zero node shaped like x without its last axis.
func (b *Builder) zerosWithout(op string, x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		b.Failf("graph: %s: input is a scalar, want at least one axis", op)
		return nil
	}
	s := x.Shape()
	if len(s) == 1 {
		return b.bind(b.Scalar(0))
	}
	return b.Constant("zeros", nil, s[:len(s)-1]...)
}

func checkLen64(op string, dst, x []float64, want int) {
	if len(dst) != want {
		panic(fmt.Sprintf("graph: %s: len(dst) = %d, want %d for a row of %d", op, len(dst), want, len(x)))
	}
}

// Identity is the identity bijector on R^d: y = x, log det = 0.
type Identity struct{}

// Forward returns x itself.
func (Identity) Forward(b *Builder, x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	return x
}

// LogDetJacobian returns zeros shaped like x without its last axis.
func (Identity) LogDetJacobian(b *Builder, x *Node) *Node {
	return b.zerosWithout("Identity.LogDetJacobian", x)
}

// Forward64 copies x into dst.
func (Identity) Forward64(dst, x []float64) {
	checkLen64("Identity.Forward64", dst, x, len(x))
	copy(dst, x)
}

// Inverse64 copies y into dst; every finite or infinite value is in the support.
func (Identity) Inverse64(dst, y []float64) error {
	checkLen64("Identity.Inverse64", dst, y, len(y))
	copy(dst, y)
	return nil
}

// LogDetJacobian64 returns 0.
func (Identity) LogDetJacobian64(x []float64) float64 { return 0 }

// OutDim returns in.
func (Identity) OutDim(in int) int { return in }

// String returns "Identity".
func (Identity) String() string { return "Identity" }

// Exp maps R^d to (0, ∞)^d elementwise by y = exp(x); log det = Σ x.
type Exp struct{}

// Forward returns exp(x).
func (Exp) Forward(b *Builder, x *Node) *Node { return b.Exp(x) }

// LogDetJacobian returns Σ x over the last axis.
func (Exp) LogDetJacobian(b *Builder, x *Node) *Node {
	return b.sumLast("Exp.LogDetJacobian", x)
}

// Forward64 writes exp(x) into dst.
func (Exp) Forward64(dst, x []float64) {
	checkLen64("Exp.Forward64", dst, x, len(x))
	for i, v := range x {
		dst[i] = math.Exp(v)
	}
}

// Inverse64 writes log(y) into dst; it fails unless every y is positive and finite.
func (Exp) Inverse64(dst, y []float64) error {
	checkLen64("Exp.Inverse64", dst, y, len(y))
	for i, v := range y {
		if !(v > 0) || math.IsInf(v, 1) {
			return fmt.Errorf("graph: Exp.Inverse64: y[%d] = %g is outside (0, ∞)", i, v)
		}
		dst[i] = math.Log(v)
	}
	return nil
}

// LogDetJacobian64 returns Σ x.
func (Exp) LogDetJacobian64(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

// OutDim returns in.
func (Exp) OutDim(in int) int { return in }

// String returns "Exp".
func (Exp) String() string { return "Exp" }

// Softplus maps R^d to (0, ∞)^d elementwise by y = log(1 + exp(x)), computed
// stably; log det = Σ log sigmoid(x), finite for any finite x.
type Softplus struct{}

// Forward returns softplus(x).
func (Softplus) Forward(b *Builder, x *Node) *Node { return b.Softplus(x) }

// LogDetJacobian returns Σ log sigmoid(x) over the last axis.
func (Softplus) LogDetJacobian(b *Builder, x *Node) *Node {
	return b.sumLast("Softplus.LogDetJacobian", b.LogSigmoid(x))
}

// Forward64 writes softplus(x) into dst.
func (Softplus) Forward64(dst, x []float64) {
	checkLen64("Softplus.Forward64", dst, x, len(x))
	for i, v := range x {
		dst[i] = softplus64(v)
	}
}

// Inverse64 writes x = y + log(1 - exp(-y)) into dst (computed stably); it fails
// unless every y is positive and finite.
func (Softplus) Inverse64(dst, y []float64) error {
	checkLen64("Softplus.Inverse64", dst, y, len(y))
	for i, v := range y {
		if !(v > 0) || math.IsInf(v, 1) {
			return fmt.Errorf("graph: Softplus.Inverse64: y[%d] = %g is outside (0, ∞)", i, v)
		}
		dst[i] = v + math.Log(-math.Expm1(-v))
	}
	return nil
}

// LogDetJacobian64 returns Σ log sigmoid(x).
func (Softplus) LogDetJacobian64(x []float64) float64 {
	var s float64
	for _, v := range x {
		s -= softplus64(-v)
	}
	return s
}

// OutDim returns in.
func (Softplus) OutDim(in int) int { return in }

// String returns "Softplus".
func (Softplus) String() string { return "Softplus" }

// Sigmoid maps R^d to the open box (Lower, Upper)^d elementwise by
// y = Lower + (Upper-Lower)·sigmoid(x); log det = Σ log(Upper-Lower) +
// log sigmoid(x) + log sigmoid(-x), computed stably (finite for any finite x).
//
// The zero value, Sigmoid{}, means the unit interval (0, 1). Otherwise Lower and
// Upper must be finite with Lower < Upper: the graph methods report other bounds
// through the builder, and the plain-Go methods panic on them (a programmer
// error), except Inverse64, which returns an error.
type Sigmoid struct{ Lower, Upper float64 }

// bounds returns the interval, with the zero value meaning (0, 1).
func (s Sigmoid) bounds() (lo, hi float64, err error) {
	lo, hi = s.Lower, s.Upper
	if lo == 0 && hi == 0 {
		return 0, 1, nil
	}
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return lo, hi, fmt.Errorf("graph: %v: need finite Lower < Upper", s)
	}
	return lo, hi, nil
}

func (s Sigmoid) mustBounds() (lo, hi float64) {
	lo, hi, err := s.bounds()
	if err != nil {
		panic(err.Error())
	}
	return lo, hi
}

// Forward returns Lower + (Upper-Lower)·sigmoid(x).
func (s Sigmoid) Forward(b *Builder, x *Node) *Node {
	lo, hi, err := s.bounds()
	if err != nil {
		b.Fail(err)
		return nil
	}
	return b.Shift(b.Scale(b.Sigmoid(x), hi-lo), lo)
}

// LogDetJacobian returns Σ log(Upper-Lower) + log sigmoid(x) + log sigmoid(-x)
// over the last axis.
func (s Sigmoid) LogDetJacobian(b *Builder, x *Node) *Node {
	lo, hi, err := s.bounds()
	if err != nil {
		b.Fail(err)
		return nil
	}
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		b.Failf("graph: %v.LogDetJacobian: input is a scalar, want at least one axis", s)
		return nil
	}
	d := x.Shape()[x.Dims()-1]
	sum := b.sumLast("Sigmoid.LogDetJacobian", b.Add(b.LogSigmoid(x), b.LogSigmoid(b.Neg(x))))
	return b.Shift(sum, float64(d)*math.Log(hi-lo))
}

// Forward64 writes Lower + (Upper-Lower)·sigmoid(x) into dst. It panics on
// invalid bounds.
func (s Sigmoid) Forward64(dst, x []float64) {
	lo, hi := s.mustBounds()
	checkLen64("Sigmoid.Forward64", dst, x, len(x))
	for i, v := range x {
		dst[i] = lo + (hi-lo)*sigmoid64(v)
	}
}

// Inverse64 writes logit((y-Lower)/(Upper-Lower)) into dst; it fails unless every
// y is strictly inside (Lower, Upper), or if the bounds are invalid.
func (s Sigmoid) Inverse64(dst, y []float64) error {
	lo, hi, err := s.bounds()
	if err != nil {
		return err
	}
	checkLen64("Sigmoid.Inverse64", dst, y, len(y))
	for i, v := range y {
		p := (v - lo) / (hi - lo)
		if !(p > 0 && p < 1) {
			return fmt.Errorf("graph: %v.Inverse64: y[%d] = %g is outside (%g, %g)", s, i, v, lo, hi)
		}
		dst[i] = math.Log(p) - math.Log1p(-p)
	}
	return nil
}

// LogDetJacobian64 returns Σ log(Upper-Lower) + log sigmoid(x) + log sigmoid(-x).
// It panics on invalid bounds.
func (s Sigmoid) LogDetJacobian64(x []float64) float64 {
	lo, hi := s.mustBounds()
	var sum float64
	for _, v := range x {
		sum -= softplus64(v) + softplus64(-v)
	}
	return sum + float64(len(x))*math.Log(hi-lo)
}

// OutDim returns in.
func (s Sigmoid) OutDim(in int) int { return in }

// String returns "Sigmoid(Lower, Upper)", with the zero value shown as
// "Sigmoid(0, 1)".
func (s Sigmoid) String() string {
	lo, hi := s.Lower, s.Upper
	if lo == 0 && hi == 0 {
		hi = 1
	}
	return fmt.Sprintf("Sigmoid(%g, %g)", lo, hi)
}

// LowerCholesky maps R^{N(N+1)/2} to N×N lower-triangular matrices with a positive
// diagonal (Cholesky factors, of a covariance matrix L Lᵀ), written row-major
// as N*N values with zeros above the diagonal; this is Stan's
// cholesky_factor_cov transform.
//
// The input row packs the lower triangle row by row: x = (L00, L10, L11, L20, L21,
// L22, ...), so entry (i, j) with j ≤ i is x[i(i+1)/2 + j]. Off-diagonal entries
// are copied and diagonal ones exponentiated, so log det = Σ_i x[i(i+1)/2 + i],
// the sum of the diagonal inputs (the Jacobian taken onto the N(N+1)/2
// lower-triangular entries).
//
// The zero value, LowerCholesky{}, takes N from the row length, which must be
// N(N+1)/2 for some N ≥ 1; a positive N fixes it and checks the row length.
// The graph methods report a negative N or a wrong row length through the
// builder, and the plain-Go methods panic on them (a programmer error).
type LowerCholesky struct{ N int }

// size returns N for an input row of length in.
func (c LowerCholesky) size(in int) (int, error) {
	if c.N < 0 {
		return 0, fmt.Errorf("graph: %v: N must be at least 1 (or 0 to take it from the row)", c)
	}
	n, ok := triangularRoot(in)
	if !ok || (c.N > 0 && n != c.N) {
		want := "N(N+1)/2 for some N ≥ 1"
		if c.N > 0 {
			want = fmt.Sprint(c.N * (c.N + 1) / 2)
		}
		return 0, fmt.Errorf("graph: %v: row of length %d, want %s", c, in, want)
	}
	return n, nil
}

func (c LowerCholesky) mustValid(op string, in int) int {
	n, err := c.size(in)
	if err != nil {
		panic(fmt.Sprintf("%v (%s)", err, op))
	}
	return n
}

// check reports through b whether x is a valid graph input, and returns N.
func (c LowerCholesky) check(b *Builder, op string, x *Node) (int, bool) {
	if !b.ok(x) {
		return 0, false
	}
	if x.IsScalar() {
		b.Failf("graph: %v.%s: input is a scalar, want at least one axis", c, op)
		return 0, false
	}
	n, err := c.size(x.Shape()[x.Dims()-1])
	if err != nil {
		b.Failf("%v (%s of input shape %v)", err, op, x.Shape())
		return 0, false
	}
	return n, true
}

// Forward returns the Cholesky factors of shape (..., N*N) for x of shape
// (..., N(N+1)/2).
func (c LowerCholesky) Forward(b *Builder, x *Node) *Node {
	n, ok := c.check(b, "Forward", x)
	if !ok {
		return nil
	}
	m := n * (n + 1) / 2
	lead := []int(x.Shape()[:x.Dims()-1])
	rows := 1
	for _, s := range lead {
		rows *= s
	}
	// Scatter matrices: off copies off-diagonal inputs to their places, pick
	// gathers the diagonal inputs and put scatters their exponentials. Building
	// the output from 0/1 matrix products keeps exp away from off-diagonal entries.
	off := make([]float64, m*n*n)
	pick := make([]float64, m*n)
	put := make([]float64, n*n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			k := i*(i+1)/2 + j
			if i == j {
				pick[k*n+i] = 1
				put[i*n*n+i*n+i] = 1
			} else {
				off[k*n*n+i*n+j] = 1
			}
		}
	}
	x2 := b.Reshape(x, rows, m)
	y := b.Add(
		b.MatMul(x2, b.Constant("cholOff", off, m, n*n)),
		b.MatMul(b.Exp(b.MatMul(x2, b.Constant("cholPick", pick, m, n))), b.Constant("cholPut", put, n, n*n)),
	)
	return b.Reshape(y, append(append([]int{}, lead...), n*n)...)
}

// LogDetJacobian returns the sum of the diagonal inputs of each row.
func (c LowerCholesky) LogDetJacobian(b *Builder, x *Node) *Node {
	n, ok := c.check(b, "LogDetJacobian", x)
	if !ok {
		return nil
	}
	mask := make([]float64, n*(n+1)/2)
	for i := 0; i < n; i++ {
		mask[i*(i+1)/2+i] = 1
	}
	return b.sumLast("LowerCholesky.LogDetJacobian", b.Mul(x, b.Constant("cholDiag", mask, len(mask))))
}

// Forward64 writes the N×N factor for one packed row x into dst (length N*N). It
// panics if len(x) is not N(N+1)/2.
func (c LowerCholesky) Forward64(dst, x []float64) {
	n := c.mustValid("Forward64", len(x))
	checkLen64("LowerCholesky.Forward64", dst, x, n*n)
	clear(dst)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			v := x[i*(i+1)/2+j]
			if i == j {
				v = math.Exp(v)
			}
			dst[i*n+j] = v
		}
	}
}

// Inverse64 packs an N×N row-major factor y into dst (length N(N+1)/2), taking
// logs of the diagonal. It fails unless y is lower-triangular (exact zeros above
// the diagonal) with a positive finite diagonal and finite entries. It panics if
// the lengths are wrong.
func (c LowerCholesky) Inverse64(dst, y []float64) error {
	n := c.mustValid("Inverse64", len(dst))
	if len(y) != n*n {
		panic(fmt.Sprintf("graph: %v.Inverse64: row of length %d, want %d", c, len(y), n*n))
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := y[i*n+j]
			switch {
			case j > i:
				if v != 0 {
					return fmt.Errorf("graph: %v.Inverse64: entry (%d, %d) = %g above the diagonal", c, i, j, v)
				}
			case j == i:
				if !(v > 0) || math.IsInf(v, 1) {
					return fmt.Errorf("graph: %v.Inverse64: diagonal entry %d = %g is not positive and finite", c, i, v)
				}
				dst[i*(i+1)/2+j] = math.Log(v)
			default:
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("graph: %v.Inverse64: entry (%d, %d) = %g is not finite", c, i, j, v)
				}
				dst[i*(i+1)/2+j] = v
			}
		}
	}
	return nil
}

// LogDetJacobian64 returns the sum of the diagonal inputs of the packed row x. It
// panics if len(x) is not N(N+1)/2.
func (c LowerCholesky) LogDetJacobian64(x []float64) float64 {
	n := c.mustValid("LogDetJacobian64", len(x))
	var s float64
	for i := 0; i < n; i++ {
		s += x[i*(i+1)/2+i]
	}
	return s
}

// OutDim returns N*N. It panics if in is not N(N+1)/2.
func (c LowerCholesky) OutDim(in int) int {
	n := c.mustValid("OutDim", in)
	return n * n
}

// String returns "LowerCholesky" or "LowerCholesky(N)".
func (c LowerCholesky) String() string {
	if c.N == 0 {
		return "LowerCholesky"
	}
	return fmt.Sprintf("LowerCholesky(%d)", c.N)
}
