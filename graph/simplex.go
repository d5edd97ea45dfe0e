package graph

import (
	"fmt"
	"math"
)

var _ Bijector = StickBreaking{}

// StickBreaking maps R^(K-1) onto the interior of the probability simplex in
// R^K (K positive values summing to 1) by breaking a stick, as Stan does for its
// simplex type. For an input row y of length K-1 and j = 0..K-2,
//
//	z_j = sigmoid(y_j - log(K-1-j)),   w_j = z_j · (1 - Σ_{i<j} w_i),   w_{K-1} = 1 - Σ_{i<K-1} w_i.
//
// The offsets log(K-1-j) make y = 0 the uniform point w = (1/K, ..., 1/K). The
// Jacobian is taken onto the first K-1 outputs (the last is determined by
// them); it is triangular, and
//
//	log|det J| = Σ_j [log z_j + log(1 - z_j) + log(1 - Σ_{i<j} w_i)]
//	           = Σ_j [log z_j + (K-1-j)·log(1 - z_j)].
//
// Everything is computed from log sigmoid, so it stays finite for any finite
// input. The type has no parameters: K is the input row length plus one, which
// must be at least 2 (an input row of length at least 1); the graph methods
// report shorter rows through the builder, and the plain-Go methods panic on
// them (a programmer error).
type StickBreaking struct{}

// stickConsts returns the offsets log(K-1-j) and the Jacobian weights K-1-j for
// an input row of length m = K-1.
func stickConsts(m int) (offsets, counts []float64) {
	offsets = make([]float64, m)
	counts = make([]float64, m)
	for j := 0; j < m; j++ {
		offsets[j] = math.Log(float64(m - j))
		counts[j] = float64(m - j)
	}
	return offsets, counts
}

// check reports through b whether x is a valid graph input, and returns its
// last-axis length K-1.
func (StickBreaking) check(b *Builder, op string, x *Node) (int, bool) {
	if !b.ok(x) {
		return 0, false
	}
	if x.IsScalar() {
		b.Failf("graph: StickBreaking.%s: input is a scalar, want at least one axis", op)
		return 0, false
	}
	return x.Shape()[x.Dims()-1], true
}

// logParts returns log z and log(1 - z) for the graph input x.
func (s StickBreaking) logParts(b *Builder, x *Node, m int) (logz, log1mz *Node) {
	offsets, _ := stickConsts(m)
	u := b.Sub(x, b.Constant("stickOffset", offsets, m))
	return b.LogSigmoid(u), b.LogSigmoid(b.Neg(u))
}

// LogForward returns log w, of shape (..., K), for x of shape (..., K-1):
// the logarithms of Forward's output, computed without ever forming w, so that
// they are accurate even for weights that underflow. Models that need log
// weights (mixtures) should use it rather than the log of Forward.
func (s StickBreaking) LogForward(b *Builder, x *Node) *Node {
	m, ok := s.check(b, "LogForward", x)
	if !ok {
		return nil
	}
	k := m + 1
	lead := []int(x.Shape()[:x.Dims()-1])
	rows := 1
	for _, v := range lead {
		rows *= v
	}
	// log w = log z · P + log(1-z) · U, with P copying log z_j to column j and
	// U summing log(1 - z_i) over i < c into column c.
	p := make([]float64, m*k)
	u := make([]float64, m*k)
	for j := 0; j < m; j++ {
		p[j*k+j] = 1
		for c := j + 1; c < k; c++ {
			u[j*k+c] = 1
		}
	}
	x2 := b.Reshape(x, rows, m)
	logz, log1mz := s.logParts(b, x2, m)
	lw := b.Add(b.MatMul(logz, b.Constant("stickPick", p, m, k)), b.MatMul(log1mz, b.Constant("stickRest", u, m, k)))
	return b.Reshape(lw, append(append([]int{}, lead...), k)...)
}

// Forward returns the simplex points w, of shape (..., K), for x of shape
// (..., K-1).
func (s StickBreaking) Forward(b *Builder, x *Node) *Node {
	if _, ok := s.check(b, "Forward", x); !ok {
		return nil
	}
	return b.Exp(s.LogForward(b, x))
}

// LogDetJacobian returns Σ_j [log z_j + (K-1-j)·log(1 - z_j)] over the last axis.
func (s StickBreaking) LogDetJacobian(b *Builder, x *Node) *Node {
	m, ok := s.check(b, "LogDetJacobian", x)
	if !ok {
		return nil
	}
	_, counts := stickConsts(m)
	logz, log1mz := s.logParts(b, x, m)
	return b.sumLast("StickBreaking.LogDetJacobian", b.Add(logz, b.Mul(log1mz, b.Constant("stickCount", counts, m))))
}

func (StickBreaking) mustValid(op string, m int) {
	if m < 1 {
		panic(fmt.Sprintf("graph: StickBreaking.%s: input row of length %d, want at least 1", op, m))
	}
}

// logSigmoid64 returns log sigmoid(x) = -softplus(-x).
func logSigmoid64(x float64) float64 { return -softplus64(-x) }

// Forward64 writes the K simplex values for one input row x (length K-1) into
// dst (length K). It panics if len(x) < 1 or len(dst) ≠ len(x)+1.
func (s StickBreaking) Forward64(dst, x []float64) {
	m := len(x)
	s.mustValid("Forward64", m)
	checkLen64("StickBreaking.Forward64", dst, x, m+1)
	offsets, _ := stickConsts(m)
	var logRest float64 // log(1 - Σ_{i<j} w_i)
	for j, v := range x {
		u := v - offsets[j]
		dst[j] = math.Exp(logRest + logSigmoid64(u))
		logRest += logSigmoid64(-u)
	}
	dst[m] = math.Exp(logRest)
}

// Inverse64 writes the K-1 unconstrained values of a simplex point y (length
// K) into dst (length K-1). It fails unless every y is positive and finite and
// they sum to 1 within 1e-9 (relative rounding); it panics if len(y) < 2 or
// len(dst) ≠ len(y)-1.
func (s StickBreaking) Inverse64(dst, y []float64) error {
	m := len(y) - 1
	s.mustValid("Inverse64", m)
	if len(dst) != m {
		panic(fmt.Sprintf("graph: StickBreaking.Inverse64: len(dst) = %d, want %d for a point of %d", len(dst), m, len(y)))
	}
	var sum float64
	for i, v := range y {
		if !(v > 0) || math.IsInf(v, 1) {
			return fmt.Errorf("graph: StickBreaking.Inverse64: y[%d] = %g is not positive and finite", i, v)
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("graph: StickBreaking.Inverse64: the values sum to %.17g, not 1", sum)
	}
	offsets, _ := stickConsts(m)
	// rest is the stick left before piece j: Σ_{i≥j} y_i, summed from the end
	// so that no cancellation occurs.
	rest := make([]float64, m+1)
	rest[m] = y[m]
	for j := m - 1; j >= 0; j-- {
		rest[j] = rest[j+1] + y[j]
	}
	for j := 0; j < m; j++ {
		// logit(z_j) = log y_j - log(rest_j - y_j) = log y_j - log rest_{j+1}.
		dst[j] = math.Log(y[j]) - math.Log(rest[j+1]) + offsets[j]
	}
	return nil
}

// LogDetJacobian64 returns Σ_j [log z_j + (K-1-j)·log(1 - z_j)] for one input
// row. It panics if len(x) < 1.
func (s StickBreaking) LogDetJacobian64(x []float64) float64 {
	m := len(x)
	s.mustValid("LogDetJacobian64", m)
	offsets, counts := stickConsts(m)
	var ld float64
	for j, v := range x {
		u := v - offsets[j]
		ld += logSigmoid64(u) + counts[j]*logSigmoid64(-u)
	}
	return ld
}

// OutDim returns in + 1. It panics if in < 1.
func (s StickBreaking) OutDim(in int) int {
	s.mustValid("OutDim", in)
	return in + 1
}

// String returns "StickBreaking".
func (StickBreaking) String() string { return "StickBreaking" }
