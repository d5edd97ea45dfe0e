package graph

import (
	"fmt"
	"math"
)

var (
	_ Bijector = LowerBound{}
	_ Bijector = UpperBound{}
	_ Bijector = Ordered{}
	_ Bijector = PositiveOrdered{}
)

// checkBound reports whether a bound is finite.
func checkBound(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// LowerBound maps R^d to (Lower, ∞)^d elementwise by y = Lower + exp(x), as
// Stan does for a lower-bounded real; log det = Σ x. The zero value is the
// positive half-line, like Exp.
//
// Lower must be finite: the graph methods report other bounds through the
// builder, and the plain-Go methods panic on them (a programmer error), except
// Inverse64, which returns an error.
type LowerBound struct{ Lower float64 }

func (l LowerBound) valid() error {
	if !checkBound(l.Lower) {
		return fmt.Errorf("graph: %v: the bound must be finite", l)
	}
	return nil
}

// Forward returns Lower + exp(x).
func (l LowerBound) Forward(b *Builder, x *Node) *Node {
	if err := l.valid(); err != nil {
		b.Fail(err)
		return nil
	}
	return b.Shift(b.Exp(x), l.Lower)
}

// LogDetJacobian returns Σ x over the last axis.
func (l LowerBound) LogDetJacobian(b *Builder, x *Node) *Node {
	if err := l.valid(); err != nil {
		b.Fail(err)
		return nil
	}
	return b.sumLast("LowerBound.LogDetJacobian", x)
}

// Forward64 writes Lower + exp(x) into dst. It panics on an invalid bound.
func (l LowerBound) Forward64(dst, x []float64) {
	if err := l.valid(); err != nil {
		panic(err.Error())
	}
	checkLen64("LowerBound.Forward64", dst, x, len(x))
	for i, v := range x {
		dst[i] = l.Lower + math.Exp(v)
	}
}

// Inverse64 writes log(y - Lower) into dst; it fails unless every y is finite
// and above Lower, or if the bound is invalid.
func (l LowerBound) Inverse64(dst, y []float64) error {
	if err := l.valid(); err != nil {
		return err
	}
	checkLen64("LowerBound.Inverse64", dst, y, len(y))
	for i, v := range y {
		if !(v > l.Lower) || math.IsInf(v, 1) {
			return fmt.Errorf("graph: %v.Inverse64: y[%d] = %g is outside (%g, ∞)", l, i, v, l.Lower)
		}
		dst[i] = math.Log(v - l.Lower)
	}
	return nil
}

// LogDetJacobian64 returns Σ x.
func (l LowerBound) LogDetJacobian64(x []float64) float64 { return Exp{}.LogDetJacobian64(x) }

// OutDim returns in.
func (LowerBound) OutDim(in int) int { return in }

// String returns "LowerBound(Lower)".
func (l LowerBound) String() string { return fmt.Sprintf("LowerBound(%g)", l.Lower) }

// UpperBound maps R^d to (-∞, Upper)^d elementwise by y = Upper - exp(x), as
// Stan does for an upper-bounded real (the map is decreasing); log det = Σ x.
// The zero value is the negative half-line.
//
// Upper must be finite: the graph methods report other bounds through the
// builder, and the plain-Go methods panic on them (a programmer error), except
// Inverse64, which returns an error.
type UpperBound struct{ Upper float64 }

func (u UpperBound) valid() error {
	if !checkBound(u.Upper) {
		return fmt.Errorf("graph: %v: the bound must be finite", u)
	}
	return nil
}

// Forward returns Upper - exp(x).
func (u UpperBound) Forward(b *Builder, x *Node) *Node {
	if err := u.valid(); err != nil {
		b.Fail(err)
		return nil
	}
	return b.Shift(b.Neg(b.Exp(x)), u.Upper)
}

// LogDetJacobian returns Σ x over the last axis.
func (u UpperBound) LogDetJacobian(b *Builder, x *Node) *Node {
	if err := u.valid(); err != nil {
		b.Fail(err)
		return nil
	}
	return b.sumLast("UpperBound.LogDetJacobian", x)
}

// Forward64 writes Upper - exp(x) into dst. It panics on an invalid bound.
func (u UpperBound) Forward64(dst, x []float64) {
	if err := u.valid(); err != nil {
		panic(err.Error())
	}
	checkLen64("UpperBound.Forward64", dst, x, len(x))
	for i, v := range x {
		dst[i] = u.Upper - math.Exp(v)
	}
}

// Inverse64 writes log(Upper - y) into dst; it fails unless every y is finite
// and below Upper, or if the bound is invalid.
func (u UpperBound) Inverse64(dst, y []float64) error {
	if err := u.valid(); err != nil {
		return err
	}
	checkLen64("UpperBound.Inverse64", dst, y, len(y))
	for i, v := range y {
		if !(v < u.Upper) || math.IsInf(v, -1) {
			return fmt.Errorf("graph: %v.Inverse64: y[%d] = %g is outside (-∞, %g)", u, i, v, u.Upper)
		}
		dst[i] = math.Log(u.Upper - v)
	}
	return nil
}

// LogDetJacobian64 returns Σ x.
func (u UpperBound) LogDetJacobian64(x []float64) float64 { return Exp{}.LogDetJacobian64(x) }

// OutDim returns in.
func (UpperBound) OutDim(in int) int { return in }

// String returns "UpperBound(Upper)".
func (u UpperBound) String() string { return fmt.Sprintf("UpperBound(%g)", u.Upper) }

// rows2 reshapes x (..., d) to (rows, d) and returns the leading shape.
func (b *Builder) rows2(x *Node) (*Node, []int) {
	lead := []int(x.Shape()[:x.Dims()-1])
	rows := 1
	for _, s := range lead {
		rows *= s
	}
	return b.Reshape(x, rows, x.Shape()[x.Dims()-1]), lead
}

// unrows reshapes y (rows, d) back to (lead..., d).
func (b *Builder) unrows(y *Node, lead []int, d int) *Node {
	return b.Reshape(y, append(append([]int{}, lead...), d)...)
}

// checkRow reports through b whether x is a valid graph input whose last axis
// has at least least values.
func (b *Builder) checkRow(name string, x *Node, least int) bool {
	if !b.ok(x) {
		return false
	}
	if x.IsScalar() || x.Shape()[x.Dims()-1] < least {
		b.Failf("graph: %s: input shape %v, want a last axis of at least %d", name, x.Shape(), least)
		return false
	}
	return true
}

// Ordered maps R^K onto the increasing vectors y_0 < y_1 < … < y_{K-1}, as
// Stan does for its ordered type:
//
//	y_0 = x_0,   y_i = y_{i-1} + exp(x_i)   (i ≥ 1),   log|det J| = Σ_{i≥1} x_i.
//
// The Jacobian is triangular. K is the row length, at least 1; the graph
// methods report a scalar input through the builder.
type Ordered struct{}

// Forward returns the ordered vectors, of the shape of x.
func (Ordered) Forward(b *Builder, x *Node) *Node {
	if !b.checkRow("Ordered.Forward", x, 1) {
		return nil
	}
	k := x.Shape()[x.Dims()-1]
	if k == 1 {
		return x
	}
	x2, lead := b.rows2(x)
	// y = x · A + exp(x · B) · C: A copies x_0 into every output, B picks
	// x_1..x_{K-1}, C sums the gaps exp(x_i) into the outputs c ≥ i. Building
	// y from 0/1 products keeps exp away from x_0.
	a := make([]float64, k*k)
	bm := make([]float64, k*(k-1))
	c := make([]float64, (k-1)*k)
	for col := 0; col < k; col++ {
		a[col] = 1
	}
	for i := 1; i < k; i++ {
		bm[i*(k-1)+i-1] = 1
		for col := i; col < k; col++ {
			c[(i-1)*k+col] = 1
		}
	}
	y := b.Add(
		b.MatMul(x2, b.Constant("orderedFirst", a, k, k)),
		b.MatMul(b.Exp(b.MatMul(x2, b.Constant("orderedPick", bm, k, k-1))), b.Constant("orderedSum", c, k-1, k)),
	)
	return b.unrows(y, lead, k)
}

// LogDetJacobian returns Σ_{i≥1} x_i over the last axis.
func (Ordered) LogDetJacobian(b *Builder, x *Node) *Node {
	if !b.checkRow("Ordered.LogDetJacobian", x, 1) {
		return nil
	}
	k := x.Shape()[x.Dims()-1]
	mask := make([]float64, k)
	for i := 1; i < k; i++ {
		mask[i] = 1
	}
	return b.sumLast("Ordered.LogDetJacobian", b.Mul(x, b.Constant("orderedMask", mask, k)))
}

// Forward64 writes the ordered vector for one row x into dst. It panics if x
// is empty or dst has another length.
func (Ordered) Forward64(dst, x []float64) {
	if len(x) == 0 {
		panic("graph: Ordered.Forward64: empty row")
	}
	checkLen64("Ordered.Forward64", dst, x, len(x))
	dst[0] = x[0]
	for i := 1; i < len(x); i++ {
		dst[i] = dst[i-1] + math.Exp(x[i])
	}
}

// Inverse64 writes x_0 = y_0, x_i = log(y_i - y_{i-1}) into dst; it fails
// unless y is finite and strictly increasing.
func (Ordered) Inverse64(dst, y []float64) error {
	checkLen64("Ordered.Inverse64", dst, y, len(y))
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("graph: Ordered.Inverse64: y[%d] = %g is not finite", i, v)
		}
		if i == 0 {
			dst[0] = v
			continue
		}
		if !(v > y[i-1]) {
			return fmt.Errorf("graph: Ordered.Inverse64: y[%d] = %g is not above y[%d] = %g", i, v, i-1, y[i-1])
		}
		dst[i] = math.Log(v - y[i-1])
	}
	return nil
}

// LogDetJacobian64 returns Σ_{i≥1} x_i.
func (Ordered) LogDetJacobian64(x []float64) float64 {
	var s float64
	for _, v := range x[min(1, len(x)):] {
		s += v
	}
	return s
}

// OutDim returns in.
func (Ordered) OutDim(in int) int { return in }

// String returns "Ordered".
func (Ordered) String() string { return "Ordered" }

// PositiveOrdered maps R^K onto the increasing positive vectors
// 0 < y_0 < … < y_{K-1}, as Stan does for its positive_ordered type:
//
//	y_i = Σ_{j≤i} exp(x_j),   log|det J| = Σ_i x_i.
//
// K is the row length, at least 1; the graph methods report a scalar input
// through the builder.
type PositiveOrdered struct{}

// Forward returns the positive ordered vectors, of the shape of x.
func (PositiveOrdered) Forward(b *Builder, x *Node) *Node {
	if !b.checkRow("PositiveOrdered.Forward", x, 1) {
		return nil
	}
	k := x.Shape()[x.Dims()-1]
	if k == 1 {
		return b.Exp(x)
	}
	x2, lead := b.rows2(x)
	u := make([]float64, k*k) // cumulative sums: u[j][c] = 1 for j ≤ c
	for j := 0; j < k; j++ {
		for c := j; c < k; c++ {
			u[j*k+c] = 1
		}
	}
	return b.unrows(b.MatMul(b.Exp(x2), b.Constant("orderedCumsum", u, k, k)), lead, k)
}

// LogDetJacobian returns Σ x over the last axis.
func (PositiveOrdered) LogDetJacobian(b *Builder, x *Node) *Node {
	if !b.checkRow("PositiveOrdered.LogDetJacobian", x, 1) {
		return nil
	}
	return b.sumLast("PositiveOrdered.LogDetJacobian", x)
}

// Forward64 writes the positive ordered vector for one row x into dst. It
// panics if dst has another length.
func (PositiveOrdered) Forward64(dst, x []float64) {
	checkLen64("PositiveOrdered.Forward64", dst, x, len(x))
	var s float64
	for i, v := range x {
		s += math.Exp(v)
		dst[i] = s
	}
}

// Inverse64 writes x_0 = log y_0, x_i = log(y_i - y_{i-1}) into dst; it fails
// unless y is finite, positive and strictly increasing.
func (PositiveOrdered) Inverse64(dst, y []float64) error {
	checkLen64("PositiveOrdered.Inverse64", dst, y, len(y))
	prev := 0.0
	for i, v := range y {
		if !(v > prev) || math.IsInf(v, 1) {
			return fmt.Errorf("graph: PositiveOrdered.Inverse64: y[%d] = %g is not finite and above %g", i, v, prev)
		}
		dst[i] = math.Log(v - prev)
		prev = v
	}
	return nil
}

// LogDetJacobian64 returns Σ x.
func (PositiveOrdered) LogDetJacobian64(x []float64) float64 { return Exp{}.LogDetJacobian64(x) }

// OutDim returns in.
func (PositiveOrdered) OutDim(in int) int { return in }

// String returns "PositiveOrdered".
func (PositiveOrdered) String() string { return "PositiveOrdered" }
