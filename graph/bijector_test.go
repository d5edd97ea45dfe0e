package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

type bijCase struct {
	bij Bijector
	in  int // input row length
}

var bijCases = []bijCase{
	{Identity{}, 3},
	{Exp{}, 3},
	{Softplus{}, 4},
	{Sigmoid{}, 3},
	{Sigmoid{Lower: -2, Upper: 5}, 4},
	{LowerCholesky{N: 1}, 1},
	{LowerCholesky{N: 2}, 3},
	{LowerCholesky{N: 3}, 6},
	{LowerCholesky{}, 10},
	{LowerBound{Lower: -2}, 3},
	{LowerBound{}, 1},
	{UpperBound{Upper: 3}, 3},
	{Ordered{}, 1},
	{Ordered{}, 4},
	{PositiveOrdered{}, 1},
	{PositiveOrdered{}, 3},
	{CorrCholesky{}, 1},
	{CorrCholesky{}, 3},
	{CorrCholesky{N: 4}, 6},
	{CorrCholesky{}, 10},
}

func randRow(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 1.5 * rng.NormFloat64()
	}
	return x
}

func TestBijectorRoundTrip(t *testing.T) {
	for ci, c := range bijCases {
		rng := rand.New(rand.NewPCG(11, uint64(ci)))
		for rep := 0; rep < 50; rep++ {
			x := randRow(rng, c.in)
			y := make([]float64, c.bij.OutDim(c.in))
			c.bij.Forward64(y, x)
			back := make([]float64, c.in)
			if err := c.bij.Inverse64(back, y); err != nil {
				t.Fatalf("%v: Inverse64(Forward64(%v)): %v", c.bij, x, err)
			}
			for i := range x {
				if math.Abs(back[i]-x[i]) > 1e-10*math.Max(1, math.Abs(x[i])) {
					t.Errorf("%v: round trip of %v gave %v", c.bij, x, back)
					break
				}
			}
			// And the other way: Forward64(Inverse64(y)) = y.
			y2 := make([]float64, len(y))
			c.bij.Forward64(y2, back)
			for i := range y {
				if math.Abs(y2[i]-y[i]) > 1e-12*math.Max(1, math.Abs(y[i])) {
					t.Errorf("%v: Forward64(Inverse64(%v)) = %v", c.bij, y, y2)
					break
				}
			}
		}
	}
}

func TestBijectorInverseOutsideSupport(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		bij   Bijector
		y     []float64
		inDim int // for the matrix bijectors
	}{
		{Exp{}, []float64{1, 0}, 0},
		{Exp{}, []float64{-1}, 0},
		{Exp{}, []float64{nan}, 0},
		{Exp{}, []float64{math.Inf(1)}, 0},
		{Softplus{}, []float64{0}, 0},
		{Softplus{}, []float64{2, -3}, 0},
		{Softplus{}, []float64{nan}, 0},
		{Sigmoid{}, []float64{0}, 0},
		{Sigmoid{}, []float64{0.5, 1}, 0},
		{Sigmoid{Lower: -2, Upper: 5}, []float64{-2.5}, 0},
		{Sigmoid{Lower: -2, Upper: 5}, []float64{nan}, 0},
		{Sigmoid{Lower: 3, Upper: 1}, []float64{2}, 0}, // invalid bounds
		{LowerCholesky{N: 2}, []float64{1, 0.5, 0, 1}, 3},
		{LowerCholesky{N: 2}, []float64{1, 0, 0.5, 0}, 3},
		{LowerCholesky{N: 2}, []float64{-1, 0, 0.5, 1}, 3},
		{LowerCholesky{N: 2}, []float64{1, 0, nan, 1}, 3},
		{LowerCholesky{}, []float64{1, 0, 0.5, -1}, 3},
		{LowerBound{Lower: 1}, []float64{2, 1}, 0},
		{LowerBound{Lower: 1}, []float64{nan}, 0},
		{LowerBound{Lower: math.Inf(-1)}, []float64{2}, 0},
		{UpperBound{Upper: 1}, []float64{0, 1.5}, 0},
		{UpperBound{Upper: 1}, []float64{math.Inf(-1)}, 0},
		{Ordered{}, []float64{1, 1}, 0},
		{Ordered{}, []float64{1, 2, 0}, 0},
		{Ordered{}, []float64{nan, 2}, 0},
		{PositiveOrdered{}, []float64{0, 1}, 0},
		{PositiveOrdered{}, []float64{1, 3, 2}, 0},
		{CorrCholesky{}, []float64{1, 0, 0.6, 0.7}, 1},     // row 1 not of unit length
		{CorrCholesky{}, []float64{1, 0.1, 0, 1}, 1},       // entry above the diagonal
		{CorrCholesky{}, []float64{1, 0, 0.6, -0.8}, 1},    // negative diagonal
		{CorrCholesky{}, []float64{1, 0, 1, 0}, 1},         // |z| = 1
		{CorrCholesky{N: 2}, []float64{1, 0, nan, 0.8}, 1}, // NaN
		{CorrCholesky{}, []float64{0.6, 0, 0.6, 0.8}, 1},   // row 0 not (1, 0)
	}
	for _, c := range cases {
		in := len(c.y)
		switch c.bij.(type) {
		case LowerCholesky, CorrCholesky:
			in = c.inDim
		}
		if err := c.bij.Inverse64(make([]float64, in), c.y); err == nil {
			t.Errorf("%v.Inverse64(%v): no error", c.bij, c.y)
		}
	}
	// Values inside the support are accepted.
	if err := (Identity{}).Inverse64(make([]float64, 2), []float64{math.Inf(-1), 3}); err != nil {
		t.Errorf("Identity: %v", err)
	}
}

// TestBijectorGraph checks the graph forms against the plain-Go ones for inputs
// of several ranks, in both float types.
func TestBijectorGraph(t *testing.T) {
	leads := [][]int{nil, {5}, {2, 3}}
	for _, dt := range []Dtype{Float64, Float32} {
		for ci, c := range bijCases {
			for _, lead := range leads {
				t.Run(fmt.Sprintf("%v/%v/%v", dt, c.bij, lead), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(12, uint64(ci)))
					rows := 1
					for _, s := range lead {
						rows *= s
					}
					xs := make([]float64, rows*c.in)
					for i := range xs {
						xs[i] = roundTo(dt, 1.5*rng.NormFloat64())
					}
					b := NewBuilder(dt)
					x := b.Constant("x", xs, append(append([]int{}, lead...), c.in)...)
					y := c.bij.Forward(b, x)
					ld := c.bij.LogDetJacobian(b, x)
					if b.Err() != nil {
						t.Fatal(b.Err())
					}
					out := c.bij.OutDim(c.in)
					if want := append(append([]int{}, lead...), out); !sameShape(y.Shape(), want) {
						t.Fatalf("Forward shape %v, want %v", y.Shape(), want)
					}
					if len(lead) == 0 {
						if !ld.IsScalar() {
							t.Fatalf("LogDetJacobian shape %v, want a scalar", ld.Shape())
						}
					} else if !sameShape(ld.Shape(), lead) {
						t.Fatalf("LogDetJacobian shape %v, want %v", ld.Shape(), lead)
					}
					runStable(t, b, x, y, ld)
					gy, gld := Values(y), Values(ld)
					tol := dtTol(dt)
					want := make([]float64, out)
					for r := 0; r < rows; r++ {
						row := xs[r*c.in : (r+1)*c.in]
						c.bij.Forward64(want, row)
						for i, w := range want {
							if g := gy[r*out+i]; !closeRel(g, w, tol) {
								t.Errorf("row %d: y[%d] = %.17g, want %.17g", r, i, g, w)
							}
						}
						if w := c.bij.LogDetJacobian64(row); !closeRel(gld[r], w, tol) {
							t.Errorf("row %d: log det %.17g, want %.17g", r, gld[r], w)
						}
					}
				})
			}
		}
	}
}

// lowerIdx lists the positions in an N×N row-major matrix of its lower triangle,
// in the packing order of LowerCholesky.
func lowerIdx(n int) []int {
	var idx []int
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			idx = append(idx, i*n+j)
		}
	}
	return idx
}

// strictLowerIdx lists the positions in an N×N row-major matrix below its
// diagonal, in the packing order of CorrCholesky.
func strictLowerIdx(n int) []int {
	var idx []int
	for i := 1; i < n; i++ {
		for j := 0; j < i; j++ {
			idx = append(idx, i*n+j)
		}
	}
	return idx
}

// TestBijectorJacobian compares LogDetJacobian64 with the log|det| of a
// central-difference Jacobian of Forward64.
func TestBijectorJacobian(t *testing.T) {
	const h = 1e-6
	for ci, c := range bijCases {
		rng := rand.New(rand.NewPCG(13, uint64(ci)))
		out := c.bij.OutDim(c.in)
		sel := make([]int, out)
		for i := range sel {
			sel[i] = i
		}
		switch c.bij.(type) {
		case LowerCholesky:
			sel = lowerIdx(int(math.Sqrt(float64(out))))
		case CorrCholesky:
			sel = strictLowerIdx(int(math.Sqrt(float64(out))))
		}
		if len(sel) != c.in {
			t.Fatalf("%v: %d selected outputs for %d inputs", c.bij, len(sel), c.in)
		}
		for rep := 0; rep < 10; rep++ {
			x := randRow(rng, c.in)
			jac := mat.NewDense(c.in, c.in, nil)
			yp, ym := make([]float64, out), make([]float64, out)
			for k := range x {
				old := x[k]
				x[k] = old + h
				c.bij.Forward64(yp, x)
				x[k] = old - h
				c.bij.Forward64(ym, x)
				x[k] = old
				for r, o := range sel {
					jac.Set(r, k, (yp[o]-ym[o])/(2*h))
				}
			}
			logDet, sign := mat.LogDet(jac)
			want := c.bij.LogDetJacobian64(x)
			if sign == 0 || math.Abs(logDet-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%v at %v: log|det J| = %v (sign %v), LogDetJacobian64 = %v", c.bij, x, logDet, sign, want)
			}
		}
	}
}

func TestBijectorGradients(t *testing.T) {
	const S = 3
	for ci, c := range bijCases {
		rng := rand.New(rand.NewPCG(14, uint64(ci)))
		init := make([]float64, S*c.in)
		for i := range init {
			init[i] = 1.5 * rng.NormFloat64()
		}
		out := c.bij.OutDim(c.in)
		w := make([]float64, S*out)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		gradCheck(t, c.bij.String(), init, []int{S, c.in}, func(b *Builder, p *Node) *Node {
			y := b.Mul(c.bij.Forward(b, p), b.Constant("w", w, S, out))
			return b.Add(b.Sum(y), b.Sum(b.Mul(c.bij.LogDetJacobian(b, p), b.Constant("v", []float64{1, -0.5, 2}, S))))
		})
	}
}

// TestBijectorIdentityInCost checks that Identity's constant log det can join a
// differentiated cost.
func TestBijectorIdentityInCost(t *testing.T) {
	b := NewBuilder(Float64)
	p := b.Param("p", []float64{0.5, -1, 2, 0.1}, 2, 2)
	id := Identity{}
	cost := b.Sum(b.Add(b.Sum(b.NormalLogProb(id.Forward(b, p), b.Scalar(0), b.Scalar(1)), 1), id.LogDetJacobian(b, p)))
	g := b.Grad(cost, p)
	runGraph(t, b)
	for i, v := range Values(g[0]) {
		if want := -[]float64{0.5, -1, 2, 0.1}[i]; math.Abs(v-want) > 1e-14 {
			t.Errorf("gradient[%d] = %v, want %v", i, v, want)
		}
	}
}

func TestBijectorExtremeLogDet(t *testing.T) {
	xs := []float64{-1e4, -100, -20, 0, 20, 100, 1e4}
	bijs := []Bijector{Exp{}, Softplus{}, Sigmoid{}, Sigmoid{Lower: -1, Upper: 1e3}}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, bij := range bijs {
			b := NewBuilder(dt)
			p := b.Param("x", xs, len(xs), 1)
			ld := bij.LogDetJacobian(b, p)
			g := b.Grad(b.Sum(ld), p)
			runGraph(t, b)
			for i, v := range Values(ld) {
				want := bij.LogDetJacobian64(xs[i : i+1])
				if math.IsNaN(want) || math.IsInf(want, 0) {
					t.Errorf("%v: LogDetJacobian64(%g) = %v", bij, xs[i], want)
				}
				if !closeRel(v, want, dtTol(dt)) {
					t.Errorf("%v %v: log det at %g = %v, want %v", dt, bij, xs[i], v, want)
				}
			}
			for i, v := range Values(g[0]) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%v %v: gradient of log det at %g = %v", dt, bij, xs[i], v)
				}
			}
		}
	}
}

func TestBijectorErrors(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *Builder) *Node
	}{
		{"cholesky last axis", func(b *Builder) *Node {
			return LowerCholesky{N: 2}.Forward(b, b.Constant("x", make([]float64, 8), 2, 4))
		}},
		{"cholesky N=-1", func(b *Builder) *Node {
			return LowerCholesky{N: -1}.LogDetJacobian(b, b.Constant("x", make([]float64, 3), 3))
		}},
		{"cholesky not triangular", func(b *Builder) *Node {
			return LowerCholesky{}.LogDetJacobian(b, b.Constant("x", make([]float64, 2), 2))
		}},
		{"corr not triangular", func(b *Builder) *Node {
			return CorrCholesky{}.Forward(b, b.Constant("x", make([]float64, 8), 2, 4))
		}},
		{"corr N", func(b *Builder) *Node {
			return CorrCholesky{N: 3}.LogDetJacobian(b, b.Constant("x", make([]float64, 1), 1))
		}},
		{"lower bound", func(b *Builder) *Node {
			return LowerBound{Lower: math.NaN()}.Forward(b, b.Constant("x", make([]float64, 2), 2))
		}},
		{"upper bound", func(b *Builder) *Node {
			return UpperBound{Upper: math.Inf(1)}.LogDetJacobian(b, b.Constant("x", make([]float64, 2), 2))
		}},
		{"ordered scalar", func(b *Builder) *Node { return Ordered{}.Forward(b, b.Scalar(1)) }},
		{"positive ordered nil", func(b *Builder) *Node { return PositiveOrdered{}.LogDetJacobian(b, nil) }},
		{"sigmoid bounds", func(b *Builder) *Node {
			return Sigmoid{Lower: 1, Upper: 1}.Forward(b, b.Constant("x", make([]float64, 2), 2))
		}},
		{"scalar log det", func(b *Builder) *Node { return Exp{}.LogDetJacobian(b, b.Scalar(1)) }},
		{"nil", func(b *Builder) *Node { return Softplus{}.LogDetJacobian(b, nil) }},
	}
	for _, c := range cases {
		b := NewBuilder(Float64)
		if n := c.build(b); n != nil || b.Err() == nil {
			t.Errorf("%s: got %v, err %v", c.name, n, b.Err())
		}
	}
	panics := []struct {
		name string
		f    func()
	}{
		{"dst length", func() { Exp{}.Forward64(make([]float64, 2), make([]float64, 3)) }},
		{"cholesky row", func() { LowerCholesky{N: 2}.Forward64(make([]float64, 4), make([]float64, 4)) }},
		{"cholesky OutDim", func() { LowerCholesky{N: 2}.OutDim(4) }},
		{"sigmoid bounds", func() { Sigmoid{Lower: 2, Upper: 1}.LogDetJacobian64([]float64{0}) }},
		{"corr row", func() { CorrCholesky{}.OutDim(2) }},
		{"corr N=1", func() { CorrCholesky{N: 1}.OutDim(0) }},
		{"corr dst", func() { CorrCholesky{}.Forward64(make([]float64, 3), make([]float64, 1)) }},
		{"lower bound", func() { LowerBound{Lower: math.Inf(1)}.Forward64(make([]float64, 1), make([]float64, 1)) }},
		{"upper bound", func() { UpperBound{Upper: math.NaN()}.Forward64(make([]float64, 1), make([]float64, 1)) }},
		{"ordered empty", func() { Ordered{}.Forward64(nil, nil) }},
	}
	for _, p := range panics {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "graph: ") {
					t.Errorf("%s: recovered %v, want a panic with prefix \"graph: \"", p.name, r)
				}
			}()
			p.f()
		}()
	}
	if s := (Sigmoid{}).String(); s != "Sigmoid(0, 1)" {
		t.Errorf("Sigmoid{}.String() = %q", s)
	}
}
