package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// Argument layouts used to exercise broadcasting against an (S, D) output.
const (
	layScalar = iota // a graphless scalar from b.Scalar
	layRow           // shape (D)
	layCol           // shape (S, 1)
	layFull          // shape (S, D)
)

const distS, distD = 4, 3

func layShape(l int) []int {
	switch l {
	case layRow:
		return []int{distD}
	case layCol:
		return []int{distS, 1}
	case layFull:
		return []int{distS, distD}
	}
	return nil
}

func laySize(l int) int {
	n := 1
	for _, s := range layShape(l) {
		n *= s
	}
	return n
}

// layAt returns the element of an argument with layout l seen at output (i, j).
func layAt(l int, vals []float64, i, j int) float64 {
	switch l {
	case layRow:
		return vals[j]
	case layCol:
		return vals[i]
	case layFull:
		return vals[i*distD+j]
	}
	return vals[0]
}

// layCombos lists the layouts of the n arguments (the first being x) to test.
func layCombos(n int) [][]int {
	mk := func(f func(a int) int) []int {
		c := make([]int, n)
		for a := range c {
			c[a] = f(a)
		}
		return c
	}
	combos := [][]int{
		mk(func(int) int { return layFull }),
		mk(func(a int) int {
			if a == 0 {
				return layFull
			}
			return layScalar
		}),
		mk(func(a int) int {
			if a == 0 {
				return layFull
			}
			return []int{layCol, layRow}[a%2]
		}),
		mk(func(a int) int {
			if a == 0 {
				return layFull
			}
			return []int{layRow, layCol}[a%2]
		}),
		mk(func(a int) int { return []int{layRow, layCol, layScalar, layScalar}[a] }),
		mk(func(a int) int { return []int{layCol, layRow, layFull, layFull}[a] }),
	}
	return combos
}

type distCase struct {
	name  string
	gens  []func(*rand.Rand) float64 // one generator per argument, x first
	build func(b *Builder, a []*Node) *Node
	ref   func(a []float64) float64
	edges [][]float64 // extra points, one value per argument
	data  int         // the first data arguments (counts, trials): no gradient check
}

// allDistCases returns the elementwise densities of dist.go and of the files
// after it.
func allDistCases() []distCase {
	return append(append(append([]distCase{}, distCases...), contDistCases...), countDistCases...)
}

func genReal(r *rand.Rand) float64  { return 2 * r.NormFloat64() }
func genScale(r *rand.Rand) float64 { return 0.2 + 3*r.Float64() }
func genPosX(r *rand.Rand) float64  { return 0.05 + 4*r.Float64() }
func genNu(r *rand.Rand) float64    { return 0.5 + 10*r.Float64() }
func genY(r *rand.Rand) float64     { return float64(r.IntN(2)) }
func genLogit(r *rand.Rand) float64 { return 6 * (2*r.Float64() - 1) }

var distCases = []distCase{
	{
		name:  "Normal",
		gens:  []func(*rand.Rand) float64{genReal, genReal, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.NormalLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.Normal{Mu: a[1], Sigma: a[2]}.LogProb(a[0]) },
		edges: [][]float64{{0, 0, 1}, {1.5, 1.5, 1e-3}, {30, -30, 1e3}, {-40, 0, 0.5}, {1e3, 0, 1}},
	},
	{
		name:  "HalfNormal",
		gens:  []func(*rand.Rand) float64{genPosX, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.HalfNormalLogProb(a[0], a[1]) },
		ref: func(a []float64) float64 {
			return math.Ln2 + distuv.Normal{Mu: 0, Sigma: a[1]}.LogProb(a[0])
		},
		edges: [][]float64{{0, 1}, {0, 1e-3}, {50, 2}, {1e-8, 1e3}},
	},
	{
		name:  "Exponential",
		gens:  []func(*rand.Rand) float64{genPosX, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.ExponentialLogProb(a[0], a[1]) },
		ref:   func(a []float64) float64 { return distuv.Exponential{Rate: a[1]}.LogProb(a[0]) },
		edges: [][]float64{{0, 1}, {0, 1e-3}, {100, 5}, {1e-8, 1e3}},
	},
	{
		name:  "Gamma",
		gens:  []func(*rand.Rand) float64{genPosX, genScale, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.GammaLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.Gamma{Alpha: a[1], Beta: a[2]}.LogProb(a[0]) },
		edges: [][]float64{{1, 1, 1}, {1e-3, 0.1, 1}, {20, 5, 0.3}, {0.5, 1, 2}, {1e-6, 2, 10}},
	},
	{
		name:  "Laplace",
		gens:  []func(*rand.Rand) float64{genReal, genReal, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.LaplaceLogProb(a[0], a[1], a[2]) },
		ref:   func(a []float64) float64 { return distuv.Laplace{Mu: a[1], Scale: a[2]}.LogProb(a[0]) },
		edges: [][]float64{{0, 0, 1}, {2, 2, 1e-3}, {-50, 50, 3}, {1e3, 0, 1e3}},
	},
	{
		name:  "StudentT",
		gens:  []func(*rand.Rand) float64{genReal, genNu, genReal, genScale},
		build: func(b *Builder, a []*Node) *Node { return b.StudentTLogProb(a[0], a[1], a[2], a[3]) },
		ref: func(a []float64) float64 {
			return distuv.StudentsT{Mu: a[2], Sigma: a[3], Nu: a[1]}.LogProb(a[0])
		},
		edges: [][]float64{{0, 1, 0, 1}, {1e3, 1, 0, 1}, {0, 30, 0, 1}, {-5, 0.1, 2, 0.01}, {1, 30, 1, 1e3}},
	},
	{
		name:  "Bernoulli",
		gens:  []func(*rand.Rand) float64{genY, genLogit},
		build: func(b *Builder, a []*Node) *Node { return b.BernoulliLogitsLogProb(a[0], a[1]) },
		data:  1,
		ref: func(a []float64) float64 {
			return distuv.Bernoulli{P: 1 / (1 + math.Exp(-a[1]))}.LogProb(a[0])
		},
		edges: [][]float64{{0, 0}, {1, 0}, {1, 5}, {0, 5}, {1, -5}, {0, -5}},
	},
}

func dtTol(dt Dtype) float64 {
	if dt == Float32 {
		return 1e-5
	}
	return 1e-10
}

// roundTo rounds v to the precision of dt, so references see the graph's inputs.
func roundTo(dt Dtype, v float64) float64 {
	if dt == Float32 {
		return float64(float32(v))
	}
	return v
}

func closeRel(got, want, tol float64) bool {
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func runGraph(t *testing.T, b *Builder) {
	t.Helper()
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
}

// runStable runs the graph twice and checks that the watched nodes give the
// same values both times (an op writing into a view would break this).
func runStable(t *testing.T, b *Builder, watch ...*Node) {
	t.Helper()
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	var first [][]float64
	for run := 0; run < 2; run++ {
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		for i, n := range watch {
			v := Values(n)
			if run == 0 {
				first = append(first, v)
				continue
			}
			for j := range v {
				if v[j] != first[i][j] && !(math.IsNaN(v[j]) && math.IsNaN(first[i][j])) {
					t.Fatalf("%s changed between runs: %v then %v", n.Name(), first[i], v)
				}
			}
		}
	}
}

func TestDistLogProbBroadcast(t *testing.T) {
	for _, dt := range []Dtype{Float64, Float32} {
		for ci, c := range allDistCases() {
			for k, combo := range layCombos(len(c.gens)) {
				t.Run(fmt.Sprintf("%v/%s/%v", dt, c.name, combo), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(ci), uint64(k)))
					b := NewBuilder(dt)
					args := make([]*Node, len(combo))
					vals := make([][]float64, len(combo))
					for a, l := range combo {
						vals[a] = make([]float64, laySize(l))
						for i := range vals[a] {
							vals[a][i] = roundTo(dt, c.gens[a](rng))
						}
						if l == layScalar {
							args[a] = b.Scalar(vals[a][0])
						} else {
							args[a] = b.Constant(fmt.Sprint("a", a), vals[a], layShape(l)...)
						}
					}
					out := c.build(b, args)
					if b.Err() != nil {
						t.Fatal(b.Err())
					}
					if !sameShape(out.Shape(), []int{distS, distD}) {
						t.Fatalf("shape %v, want (%d, %d)", out.Shape(), distS, distD)
					}
					runStable(t, b, append([]*Node{out}, args...)...)
					got := Values(out)
					pt := make([]float64, len(combo))
					for i := 0; i < distS; i++ {
						for j := 0; j < distD; j++ {
							for a, l := range combo {
								pt[a] = layAt(l, vals[a], i, j)
							}
							want := c.ref(pt)
							if g := got[i*distD+j]; !closeRel(g, want, dtTol(dt)) {
								t.Errorf("at %v: got %.17g, want %.17g", pt, g, want)
							}
						}
					}
				})
			}
		}
	}
}

func TestDistLogProbEdges(t *testing.T) {
	for _, dt := range []Dtype{Float64, Float32} {
		for _, c := range allDistCases() {
			b := NewBuilder(dt)
			n := len(c.edges)
			args := make([]*Node, len(c.gens))
			for a := range args {
				col := make([]float64, n)
				for e, pt := range c.edges {
					col[e] = pt[a]
				}
				args[a] = b.Constant("e", col, n)
			}
			out := c.build(b, args)
			runGraph(t, b)
			got := Values(out)
			for e, pt := range c.edges {
				r := make([]float64, len(pt))
				for a := range pt {
					r[a] = roundTo(dt, pt[a])
				}
				if want := c.ref(r); !closeRel(got[e], want, dtTol(dt)) {
					t.Errorf("%v %s at %v: got %.17g, want %.17g", dt, c.name, pt, got[e], want)
				}
			}
		}
	}
}

func TestDistLogProbGradients(t *testing.T) {
	w := []float64{0.3, -1.2, 0.7, 2.1, -0.4, 1.5, 1, -0.8, 0.25, 1.1, -2, 0.6}
	for ci, c := range allDistCases() {
		rng := rand.New(rand.NewPCG(100, uint64(ci)))
		for a := range c.gens {
			if a < c.data {
				continue // y is data in {0, 1}, or counts
			}
			// Argument a is the parameter (S, D); the others are fixed rows or columns.
			init := make([]float64, distS*distD)
			for i := range init {
				init[i] = c.gens[a](rng)
			}
			others := make([][]float64, len(c.gens))
			for o := range c.gens {
				others[o] = make([]float64, distD)
				for i := range others[o] {
					others[o][i] = c.gens[o](rng)
				}
			}
			name := fmt.Sprintf("%s d/darg%d", c.name, a)
			gradCheck(t, name, init, []int{distS, distD}, func(b *Builder, p *Node) *Node {
				args := make([]*Node, len(c.gens))
				for o := range args {
					if o == a {
						args[o] = p
					} else {
						args[o] = b.Constant("o", others[o], distD)
					}
				}
				return b.Sum(b.Mul(c.build(b, args), b.Constant("w", w, distS, distD)))
			})
		}
	}
}

func TestCategoricalLogitsLogProb(t *testing.T) {
	const S, K = 5, 4
	for _, dt := range []Dtype{Float64, Float32} {
		for _, rowLogits := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(7, 8))
			b := NewBuilder(dt)
			nl := S * K
			if rowLogits {
				nl = K
			}
			lv := make([]float64, nl)
			for i := range lv {
				lv[i] = roundTo(dt, 3*rng.NormFloat64())
			}
			if rowLogits {
				lv[0] = 50 // a large logit must not overflow
			}
			cats := make([]int, S)
			oh := make([]float64, S*K)
			for s := range cats {
				cats[s] = rng.IntN(K)
				oh[s*K+cats[s]] = 1
			}
			var logits *Node
			if rowLogits {
				logits = b.Constant("l", lv, K)
			} else {
				logits = b.Constant("l", lv, S, K)
			}
			out := b.CategoricalLogitsLogProb(b.Constant("oh", oh, S, K), logits)
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			if !sameShape(out.Shape(), []int{S}) {
				t.Fatalf("shape %v, want (%d)", out.Shape(), S)
			}
			runGraph(t, b)
			got := Values(out)
			for s := 0; s < S; s++ {
				row := lv
				if !rowLogits {
					row = lv[s*K : (s+1)*K]
				}
				mx := math.Inf(-1)
				for _, l := range row {
					mx = math.Max(mx, l)
				}
				wts := make([]float64, K)
				for k, l := range row {
					wts[k] = math.Exp(l - mx)
				}
				want := distuv.NewCategorical(wts, nil).LogProb(float64(cats[s]))
				if !closeRel(got[s], want, dtTol(dt)) {
					t.Errorf("%v row %d (rowLogits=%v): got %.17g, want %.17g", dt, s, rowLogits, got[s], want)
				}
			}
		}
	}
	// A single vector gives a scalar.
	b := NewBuilder(Float64)
	out := b.CategoricalLogitsLogProb(b.Constant("oh", []float64{0, 1, 0}, 3), b.Constant("l", []float64{1, 2, 3}, 3))
	runGraph(t, b)
	want := 2 - math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3))
	if !out.IsScalar() || math.Abs(Scalar64(out)-want) > 1e-14 {
		t.Errorf("vector case: %v (shape %v), want %v", Scalar64(out), out.Shape(), want)
	}
	// Gradient with respect to the logits.
	rng := rand.New(rand.NewPCG(9, 9))
	init := make([]float64, 3*4)
	for i := range init {
		init[i] = rng.NormFloat64()
	}
	gradCheck(t, "categorical logits", init, []int{3, 4}, func(b *Builder, p *Node) *Node {
		oh := b.Constant("oh", []float64{1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0}, 3, 4)
		return b.Sum(b.Mul(b.CategoricalLogitsLogProb(oh, p), b.Constant("w", []float64{1, -2, 0.5}, 3)))
	})
}

func TestBernoulliLogitsExtreme(t *testing.T) {
	ys := []float64{0, 1, 0, 1, 1, 0}
	ls := []float64{1e4, 1e4, -1e4, -1e4, 0, 1e3}
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		l := b.Param("l", ls, len(ls))
		lp := b.BernoulliLogitsLogProb(b.Constant("y", ys, len(ys)), l)
		g := b.Grad(b.Sum(lp), l)
		runGraph(t, b)
		for i, v := range Values(lp) {
			want := ys[i]*ls[i] - (math.Max(ls[i], 0) + math.Log1p(math.Exp(-math.Abs(ls[i]))))
			if !closeRel(v, want, dtTol(dt)) {
				t.Errorf("%v y=%v l=%v: %v, want %v", dt, ys[i], ls[i], v, want)
			}
		}
		for i, v := range Values(g[0]) {
			want := ys[i] - 1/(1+math.Exp(-ls[i]))
			if math.IsNaN(v) || math.Abs(v-want) > 1e-6 {
				t.Errorf("%v gradient y=%v l=%v: %v, want %v", dt, ys[i], ls[i], v, want)
			}
		}
	}
}

func TestDistNilArgument(t *testing.T) {
	b := NewBuilder(Float64)
	x := b.Constant("x", []float64{1, 2}, 2)
	if n := b.NormalLogProb(x, nil, b.Scalar(1)); n != nil || b.Err() == nil {
		t.Errorf("nil loc: got %v, err %v", n, b.Err())
	}
	if n := b.GammaLogProb(x, x, x); n != nil {
		t.Errorf("after an error: got %v, want nil", n)
	}
	b = NewBuilder(Float64)
	if n := b.CategoricalLogitsLogProb(b.Scalar(1), x); n != nil || b.Err() == nil {
		t.Errorf("scalar one-hot: got %v, err %v", n, b.Err())
	}
}
