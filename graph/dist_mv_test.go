package graph

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/distuv"
)

// dirichletDraw returns a draw from Dirichlet(alpha).
func dirichletDraw(rng *rand.Rand, alpha []float64) []float64 {
	x := make([]float64, len(alpha))
	var s float64
	for k, a := range alpha {
		x[k] = distuv.Gamma{Alpha: a, Beta: 1, Src: rng}.Rand() + 1e-300
		s += x[k]
	}
	for k := range x {
		x[k] /= s
	}
	return x
}

func TestDirichletLogProb(t *testing.T) {
	const S, B, K = 4, 3, 3
	rng := rand.New(rand.NewPCG(11, 12))
	alphaRow := []float64{0.7, 2, 5}
	alphaS := make([]float64, S*K) // one alpha per draw
	for i := range alphaS {
		alphaS[i] = 0.3 + 4*rng.Float64()
	}
	xs := make([]float64, S*B*K)
	for i := 0; i < S*B; i++ {
		copy(xs[i*K:], dirichletDraw(rng, alphaRow))
	}
	for _, dt := range []Dtype{Float64, Float32} {
		x32 := make([]float64, len(xs))
		for i, v := range xs {
			x32[i] = roundTo(dt, v)
		}
		ref := func(alpha, x []float64) float64 {
			a := make([]float64, len(alpha))
			p := make([]float64, len(x))
			for i := range a {
				a[i], p[i] = roundTo(dt, alpha[i]), x[i]
			}
			return distmv.NewDirichlet(a, nil).LogProb(p)
		}
		cases := []struct {
			name  string
			build func(b *Builder) *Node
			shape []int
			want  func(s, i int) float64
		}{
			{"x (S, K), alpha (K)", func(b *Builder) *Node {
				return b.DirichletLogProb(b.Constant("x", x32[:S*K], S, K), b.Constant("a", alphaRow, K))
			}, []int{S}, func(s, _ int) float64 { return ref(alphaRow, x32[s*K:(s+1)*K]) }},
			{"x (S, K), alpha (S, K)", func(b *Builder) *Node {
				return b.DirichletLogProb(b.Constant("x", x32[:S*K], S, K), b.Constant("a", alphaS, S, K))
			}, []int{S}, func(s, _ int) float64 { return ref(alphaS[s*K:(s+1)*K], x32[s*K:(s+1)*K]) }},
			{"x (B, K) per row, alpha (S, K) per draw", func(b *Builder) *Node {
				return b.DirichletLogProb(b.PerRow(b.Constant("x", x32[:B*K], B, K)), b.PerDraw(b.Constant("a", alphaS, S, K)))
			}, []int{S, B}, func(s, i int) float64 { return ref(alphaS[s*K:(s+1)*K], x32[i*K:(i+1)*K]) }},
			{"x (K), alpha (K)", func(b *Builder) *Node {
				return b.DirichletLogProb(b.Constant("x", x32[:K], K), b.Constant("a", alphaRow, K))
			}, nil, func(_, _ int) float64 { return ref(alphaRow, x32[:K]) }},
		}
		for _, c := range cases {
			b := NewBuilder(dt)
			out := c.build(b)
			if b.Err() != nil {
				t.Fatalf("%s: %v", c.name, b.Err())
			}
			if !sameShape(out.Shape(), c.shape) {
				t.Fatalf("%s: shape %v, want %v", c.name, out.Shape(), Shape(c.shape))
			}
			runStable(t, b, out)
			got := Values(out)
			rows, cols := 1, 1
			if len(c.shape) > 0 {
				rows = c.shape[0]
			}
			if len(c.shape) > 1 {
				cols = c.shape[1]
			}
			for s := 0; s < rows; s++ {
				for i := 0; i < cols; i++ {
					if want := c.want(s, i); !closeRel(got[s*cols+i], want, 2*dtTol(dt)) {
						t.Errorf("%v %s [%d, %d]: %.10g, want %.10g", dt, c.name, s, i, got[s*cols+i], want)
					}
				}
			}
		}
	}
	x := xs[:S*K]
	gradCheck(t, "Dirichlet d/dalpha", alphaS, []int{S, K}, func(b *Builder, p *Node) *Node {
		return b.Sum(b.Mul(b.DirichletLogProb(b.Constant("x", x, S, K), p), b.Constant("w", []float64{1, -2, 0.5, 3}, S)))
	})
	gradCheck(t, "Dirichlet d/dx", x, []int{S, K}, func(b *Builder, p *Node) *Node {
		return b.Sum(b.DirichletLogProb(p, b.Constant("a", alphaRow, K)))
	})
	b := NewBuilder(Float64)
	b.DirichletLogProb(b.Input("x", 4, 3), b.Input("a", 2))
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), "DirichletLogProb(x (4, 3), alpha (2))") {
		t.Errorf("mismatched categories: %v", err)
	}
}

// randomCholesky returns a d×d lower-triangular matrix with a positive
// diagonal, row-major.
func randomCholesky(rng *rand.Rand, d int) []float64 {
	l := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			l[i*d+j] = 0.6 * rng.NormFloat64()
		}
		l[i*d+i] = math.Exp(0.3 * rng.NormFloat64())
	}
	return l
}

// mvnRef is log N(x | mu, L Lᵀ) from gonum's distmv.Normal.
func mvnRef(x, mu, l []float64) float64 {
	d := len(x)
	lm := mat.NewDense(d, d, append([]float64(nil), l...))
	var sigma mat.SymDense
	sigma.SymOuterK(1, lm)
	n, ok := distmv.NewNormal(mu, &sigma, nil)
	if !ok {
		panic("not positive definite")
	}
	return n.LogProb(x)
}

func TestMultiNormalCholeskyLogProb(t *testing.T) {
	const S, N, D = 4, 5, 3
	rng := rand.New(rand.NewPCG(21, 22))
	norm := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	l := randomCholesky(rng, D)
	ls := make([]float64, 0, S*D*D)
	for s := 0; s < S; s++ {
		ls = append(ls, randomCholesky(rng, D)...)
	}
	// Entries above the diagonal are never read.
	lUpper := append([]float64(nil), l...)
	lUpper[1], lUpper[2], lUpper[5] = 9, -7, 3
	x, mu, muS, xS := norm(N*D), norm(D), norm(S*D), norm(S*D)
	for _, dt := range []Dtype{Float64, Float32} {
		r := func(v []float64) []float64 {
			out := make([]float64, len(v))
			for i := range v {
				out[i] = roundTo(dt, v[i])
			}
			return out
		}
		cases := []struct {
			name  string
			build func(b *Builder) *Node
			shape []int
			want  func(s, i int) float64
		}{
			{"x (N, D), loc (D), L (D, D)", func(b *Builder) *Node {
				return b.MultiNormalCholeskyLogProb(b.Constant("x", x, N, D), b.Constant("m", mu, D), b.Constant("L", lUpper, D, D))
			}, []int{N}, func(i, _ int) float64 { return mvnRef(r(x[i*D:(i+1)*D]), r(mu), r(l)) }},
			{"x (D), loc (), L (D, D)", func(b *Builder) *Node {
				return b.MultiNormalCholeskyLogProb(b.Constant("x", x[:D], D), b.Scalar(0.5), b.Constant("L", l, D, D))
			}, nil, func(_, _ int) float64 { return mvnRef(r(x[:D]), []float64{0.5, 0.5, 0.5}, r(l)) }},
			{"x (S, D), loc (S, D), L (S, D, D)", func(b *Builder) *Node {
				return b.MultiNormalCholeskyLogProb(b.Constant("x", xS, S, D), b.Constant("m", muS, S, D), b.Constant("L", ls, S, D, D))
			}, []int{S}, func(s, _ int) float64 {
				return mvnRef(r(xS[s*D:(s+1)*D]), r(muS[s*D:(s+1)*D]), r(ls[s*D*D:(s+1)*D*D]))
			}},
			{"x (N, D) per row, loc (S, 1, D), L (S, D, D)", func(b *Builder) *Node {
				return b.MultiNormalCholeskyLogProb(b.Constant("x", x, N, D), b.PerDraw(b.Constant("m", muS, S, D)), b.Constant("L", ls, S, D, D))
			}, []int{S, N}, func(s, i int) float64 {
				return mvnRef(r(x[i*D:(i+1)*D]), r(muS[s*D:(s+1)*D]), r(ls[s*D*D:(s+1)*D*D]))
			}},
		}
		for _, c := range cases {
			b := NewBuilder(dt)
			out := c.build(b)
			if b.Err() != nil {
				t.Fatalf("%s: %v", c.name, b.Err())
			}
			if !sameShape(out.Shape(), c.shape) {
				t.Fatalf("%s: shape %v, want %v", c.name, out.Shape(), Shape(c.shape))
			}
			runStable(t, b, out)
			got := Values(out)
			rows, cols := 1, 1
			if len(c.shape) > 0 {
				rows = c.shape[0]
			}
			if len(c.shape) > 1 {
				cols = c.shape[1]
			}
			for s := 0; s < rows; s++ {
				for i := 0; i < cols; i++ {
					if want := c.want(s, i); !closeRel(got[s*cols+i], want, 4*dtTol(dt)) {
						t.Errorf("%v %s [%d, %d]: %.10g, want %.10g", dt, c.name, s, i, got[s*cols+i], want)
					}
				}
			}
		}
	}
	w := norm(S * N)
	for _, tc := range []struct {
		name  string
		init  []float64
		shape []int
		f     func(b *Builder, p *Node) *Node
	}{
		{"d/dx", x, []int{N, D}, func(b *Builder, p *Node) *Node {
			return b.MultiNormalCholeskyLogProb(p, b.Constant("m", mu, D), b.Constant("L", l, D, D))
		}},
		{"d/dloc", mu, []int{D}, func(b *Builder, p *Node) *Node {
			return b.MultiNormalCholeskyLogProb(b.Constant("x", x, N, D), p, b.Constant("L", l, D, D))
		}},
		{"d/dL", lUpper, []int{D, D}, func(b *Builder, p *Node) *Node {
			return b.MultiNormalCholeskyLogProb(b.Constant("x", x, N, D), b.Constant("m", mu, D), p)
		}},
		{"d/dL per draw", ls, []int{S, D, D}, func(b *Builder, p *Node) *Node {
			return b.MultiNormalCholeskyLogProb(b.Constant("x", x, N, D), b.PerDraw(b.Constant("m", muS, S, D)), p)
		}},
		{"d/dloc per draw", muS, []int{S, D}, func(b *Builder, p *Node) *Node {
			return b.MultiNormalCholeskyLogProb(b.Constant("x", x, N, D), b.PerDraw(p), b.Constant("L", ls, S, D, D))
		}},
		{"d/dL per draw, one row each", ls, []int{S, D, D}, func(b *Builder, p *Node) *Node {
			return b.MultiNormalCholeskyLogProb(b.Constant("x", xS, S, D), b.Constant("m", muS, S, D), p)
		}},
	} {
		gradCheck(t, "MultiNormalCholesky "+tc.name, tc.init, tc.shape, func(b *Builder, p *Node) *Node {
			out := tc.f(b, p)
			return b.Sum(b.Mul(out, b.Constant("w", w[:out.Shape().Size()], out.Shape()...)))
		})
	}
	for _, c := range []struct {
		x, l []int
		want string
	}{
		{[]int{N, D}, []int{D, D + 1}, "want scaleTril (D, D) or (S, D, D)"},
		{[]int{N, D + 1}, []int{D, D}, "want x - loc with last axis 3"},
		{[]int{N, D}, []int{S, D, D}, "per-draw factors need x - loc of shape (4, D) or (4, N, D)"},
	} {
		b := NewBuilder(Float64)
		b.MultiNormalCholeskyLogProb(b.Input("x", c.x...), b.Scalar(0), b.Input("L", c.l...))
		if err := b.Err(); err == nil || !strings.Contains(err.Error(), c.want) ||
			!strings.HasPrefix(err.Error(), fmt.Sprintf("graph: MultiNormalCholeskyLogProb(x %v, loc (), scaleTril %v)", Shape(c.x), Shape(c.l))) {
			t.Errorf("x %v, L %v: %v", Shape(c.x), Shape(c.l), err)
		}
	}
}

// lkjGrid returns Cholesky factors of 2×2 or 3×3 correlation matrices, one
// per quadrature point, with the free entries parameterized so that the
// integrand is smooth: L₂₁ = tanh u, L₂₂ = sech u; and for K = 3 (L₃₁, L₃₂) =
// tanh v (cos φ, sin φ), L₃₃ = sech v. It returns the factors, flattened, and
// the Jacobian of each point's substitution.
func lkjGrid(k int, us, vs, phis []float64) (ls, jac []float64) {
	for _, u := range us {
		a, c := math.Tanh(u), 1/math.Cosh(u)
		if k == 2 {
			ls = append(ls, 1, 0, a, c)
			jac = append(jac, c*c) // da = sech²u du
			continue
		}
		for _, v := range vs {
			rho, e := math.Tanh(v), 1/math.Cosh(v)
			for _, phi := range phis {
				ls = append(ls, 1, 0, 0, a, c, 0, rho*math.Cos(phi), rho*math.Sin(phi), e)
				jac = append(jac, c*c*rho*e*e) // da · ρ dρ dφ, dρ = sech²v dv
			}
		}
	}
	return ls, jac
}

// TestLKJNormalization integrates the LKJ density over the Cholesky factors
// of 2×2 and 3×3 correlation matrices (Gauss–Legendre in the free entries,
// the trapezoid rule around the circle) and checks the normalizing constant
// against the known volumes of the correlation matrices: π²/2 for 3×3 and
// 32π²/27 for 4×4 (η = 1, where the density is 1/volume at every point).
func TestLKJNormalization(t *testing.T) {
	for _, k := range []int{2, 3} {
		for _, eta := range []float64{0.7, 1, 2.5} {
			// The integrands decay like e^{-2η|u|} (K = 2) and e^{-(2η+1)|u|},
			// e^{-2ηv} (K = 3): the ranges leave out less than 1e-12.
			nu, nv, nphi := 400, 1, 1
			us, wu := quadNodes(nu, -26, 26)
			vs, wv := []float64{0}, []float64{1}
			phis := []float64{0}
			if k == 3 {
				nu, nv, nphi = 160, 200, 3
				us, wu = quadNodes(nu, -16, 16)
				vs, wv = quadNodes(nv, 0, 26)
				phis = []float64{0, 2 * math.Pi / 3, 4 * math.Pi / 3}
			}
			ls, jac := lkjGrid(k, us, vs, phis)
			n := len(jac)
			b := NewBuilder(Float64)
			lp := b.LKJCholeskyLogProb(b.Constant("L", ls, n, k, k), b.Scalar(eta))
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			runGraph(t, b)
			var total float64
			for i, v := range Values(lp) {
				iu, iv := i/(nv*nphi), (i/nphi)%nv
				w := wu[iu] * wv[iv]
				if k == 3 {
					w *= 2 * math.Pi / float64(nphi)
				}
				total += w * jac[i] * math.Exp(v)
			}
			if math.Abs(total-1) > 1e-8 {
				t.Errorf("K = %d, η = %v: integrates to %.12f", k, eta, total)
			}
		}
	}
	for _, c := range []struct {
		k      int
		volume float64
	}{{3, math.Pi * math.Pi / 2}, {4, 32 * math.Pi * math.Pi / 27}} {
		b := NewBuilder(Float64)
		lp := b.LKJCholeskyLogProb(b.Constant("I", identity(c.k), c.k, c.k), b.Scalar(1))
		runGraph(t, b)
		if got, want := Scalar64(lp), -math.Log(c.volume); math.Abs(got-want) > 1e-12 {
			t.Errorf("K = %d, η = 1: log p(I) = %.15g, want -log volume = %.15g", c.k, got, want)
		}
	}
}

// randomCorrCholesky returns the Cholesky factor of a random k×k correlation
// matrix: a lower-triangular matrix with positive diagonal and unit rows.
func randomCorrCholesky(rng *rand.Rand, k int) []float64 {
	l := randomCholesky(rng, k)
	for i := 0; i < k; i++ {
		var s float64
		for j := 0; j <= i; j++ {
			s += l[i*k+j] * l[i*k+j]
		}
		for j := 0; j <= i; j++ {
			l[i*k+j] /= math.Sqrt(s)
		}
	}
	return l
}

func TestLKJCholeskyLogProb(t *testing.T) {
	const S, K = 3, 4
	rng := rand.New(rand.NewPCG(31, 32))
	var ls []float64
	for s := 0; s < S; s++ {
		ls = append(ls, randomCorrCholesky(rng, K)...)
	}
	etas := []float64{0.5, 1, 3.5}
	// The reference: Stan's formula, in plain Go.
	ref := func(l []float64, eta float64) float64 {
		var lp float64
		for i := 2; i <= K; i++ {
			lp += (float64(K-i) + 2*eta - 2) * math.Log(l[(i-1)*K+i-1])
		}
		for k := 1; k < K; k++ {
			beta := eta + float64(K-1-k)/2
			lb, _ := math.Lgamma(beta)
			l2b, _ := math.Lgamma(2 * beta)
			lp -= float64(K-k) * ((2*eta-2+float64(K-k))*math.Ln2 + 2*lb - l2b)
		}
		return lp
	}
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		lpS := b.LKJCholeskyLogProb(b.Constant("L", ls, S, K, K), b.Constant("eta", etas, S))
		lp1 := b.LKJCholeskyLogProb(b.Constant("L1", ls[:K*K], K, K), b.Scalar(2))
		if b.Err() != nil {
			t.Fatal(b.Err())
		}
		if !sameShape(lpS.Shape(), []int{S}) || !lp1.IsScalar() {
			t.Fatalf("shapes %v and %v, want (%d) and ()", lpS.Shape(), lp1.Shape(), S)
		}
		runStable(t, b, lpS, lp1)
		for s, v := range Values(lpS) {
			l := make([]float64, K*K)
			for i := range l {
				l[i] = roundTo(dt, ls[s*K*K+i])
			}
			if want := ref(l, etas[s]); !closeRel(v, want, 4*dtTol(dt)) {
				t.Errorf("%v draw %d: %.12g, want %.12g", dt, s, v, want)
			}
		}
		if want := ref(ls[:K*K], 2); !closeRel(Scalar64(lp1), want, 4*dtTol(dt)) {
			t.Errorf("%v one factor: %.12g, want %.12g", dt, Scalar64(lp1), want)
		}
	}
	gradCheck(t, "LKJ d/dL", ls, []int{S, K, K}, func(b *Builder, p *Node) *Node {
		return b.Sum(b.Mul(b.LKJCholeskyLogProb(p, b.Scalar(1.7)), b.Constant("w", []float64{1, -0.5, 2}, S)))
	})
	gradCheck(t, "LKJ d/deta", etas, []int{S}, func(b *Builder, p *Node) *Node {
		return b.Sum(b.LKJCholeskyLogProb(b.Constant("L", ls, S, K, K), p))
	})
	b := NewBuilder(Float64)
	b.LKJCholeskyLogProb(b.Input("L", 3, 2), b.Scalar(1))
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), "LKJCholeskyLogProb(l (3, 2), eta ())") {
		t.Errorf("non-square factor: %v", err)
	}
}

func TestMixtureLogProb(t *testing.T) {
	const S, B = 3, 4
	rng := rand.New(rand.NewPCG(41, 42))
	xs := []float64{-1.5, 0.2, 2.5, 40}
	mu1, mu2 := []float64{-1, 0, 0.5}, []float64{2, 1.5, 3}
	logw := make([]float64, S*2)
	for s := 0; s < S; s++ {
		p := 0.1 + 0.8*rng.Float64()
		logw[2*s], logw[2*s+1] = math.Log(p), math.Log1p(-p)
	}
	ref := func(s int, x float64) float64 {
		p1 := distuv.Normal{Mu: mu1[s], Sigma: 1}.LogProb(x) + logw[2*s]
		p2 := distuv.Normal{Mu: mu2[s], Sigma: 2}.LogProb(x) + logw[2*s+1]
		m := math.Max(p1, p2)
		return m + math.Log(math.Exp(p1-m)+math.Exp(p2-m))
	}
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		x := b.PerRow(b.Constant("x", xs, B)) // (1, B)
		m1, m2 := b.Constant("mu1", mu1, S, 1), b.Constant("mu2", mu2, S, 1)
		lw := b.Constant("logw", logw, S, 2)
		perRow := b.MixtureLogProb(b.PerDraw(lw), b.NormalLogProb(x, m1, b.Scalar(1)), b.NormalLogProb(x, m2, b.Scalar(2)))
		// Components of different shapes broadcast: a per-draw (S, 1) with a per-row (S, B).
		mixed := b.MixtureLogProb(b.PerDraw(lw), b.NormalLogProb(b.Scalar(0.2), m1, b.Scalar(1)), b.NormalLogProb(x, m2, b.Scalar(2)))
		if b.Err() != nil {
			t.Fatal(b.Err())
		}
		if !sameShape(perRow.Shape(), []int{S, B}) || !sameShape(mixed.Shape(), []int{S, B}) {
			t.Fatalf("shapes %v and %v, want (%d, %d)", perRow.Shape(), mixed.Shape(), S, B)
		}
		runStable(t, b, perRow, mixed)
		for s := 0; s < S; s++ {
			for i, xv := range xs {
				xv = roundTo(dt, xv)
				if got, want := Values(perRow)[s*B+i], ref(s, xv); !closeRel(got, want, 4*dtTol(dt)) {
					t.Errorf("%v [%d, %d]: %.10g, want %.10g", dt, s, i, got, want)
				}
				p1 := distuv.Normal{Mu: mu1[s], Sigma: 1}.LogProb(roundTo(dt, 0.2)) + logw[2*s]
				p2 := distuv.Normal{Mu: mu2[s], Sigma: 2}.LogProb(xv) + logw[2*s+1]
				if got, want := Values(mixed)[s*B+i], math.Log(math.Exp(p1)+math.Exp(p2)); !closeRel(got, want, 4*dtTol(dt)) {
					t.Errorf("%v mixed [%d, %d]: %.10g, want %.10g", dt, s, i, got, want)
				}
			}
		}
	}
	gradCheck(t, "Mixture d/dlogw", logw, []int{S, 2}, func(b *Builder, p *Node) *Node {
		x := b.PerRow(b.Constant("x", xs, B))
		return b.Sum(b.MixtureLogProb(b.PerDraw(p),
			b.NormalLogProb(x, b.Constant("m1", mu1, S, 1), b.Scalar(1)),
			b.NormalLogProb(x, b.Constant("m2", mu2, S, 1), b.Scalar(2))))
	})
	gradCheck(t, "Mixture d/dmu", mu1, []int{S, 1}, func(b *Builder, p *Node) *Node {
		x := b.PerRow(b.Constant("x", xs, B))
		return b.Sum(b.MixtureLogProb(b.Constant("lw", []float64{math.Log(0.3), math.Log(0.7)}, 2),
			b.NormalLogProb(x, p, b.Scalar(1)),
			b.NormalLogProb(x, b.Constant("m2", mu2, S, 1), b.Scalar(2))))
	})
	// Errors name the call.
	b := NewBuilder(Float64)
	b.MixtureLogProb(b.Input("lw", S, 3), b.Input("a", S), b.Input("c", S))
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), "MixtureLogProb(logWeights (3, 3), components [(3), (3)])") {
		t.Errorf("3 weights for 2 components: %v", err)
	}
	b = NewBuilder(Float64)
	b.MixtureLogProb(b.Input("lw", 2), b.Input("a", S, B), b.Input("c", B+1))
	if err := b.Err(); !errors.Is(err, ErrBroadcast) || !strings.HasPrefix(err.Error(), "graph: MixtureLogProb(logWeights (2), components [(3, 4), (5)]): shapes do not broadcast") {
		t.Errorf("components that do not broadcast: %v", err)
	}
}
