package bbvi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/mat"
)

// lowRankCov returns Σ = BBᵀ + diag(exp(2ω)) for B = diag(exp ω) C, with the
// factor parameter C (dim×r, row-major).
func lowRankCov(dim, r int, om, fac []float64) *mat.SymDense {
	cov := mat.NewSymDense(dim, nil)
	for i := 0; i < dim; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for k := 0; k < r; k++ {
				s += math.Exp(om[i]) * fac[i*r+k] * math.Exp(om[j]) * fac[j*r+k]
			}
			if i == j {
				s += math.Exp(2 * om[i])
			}
			cov.SetSym(i, j, s)
		}
	}
	return cov
}

// mvNormal is the multivariate normal N(mu, cov) evaluated by gonum's
// Cholesky factorization: the reference the families are checked against
// (gonum's the exact normal density (gonum's Cholesky) computes the same, but its package pulls in a module
// this one does not otherwise need).
type mvNormal struct {
	mu []float64
	ch mat.Cholesky
}

func newMVNormal(mu []float64, cov *mat.SymDense) (*mvNormal, bool) {
	n := &mvNormal{mu: mu}
	return n, n.ch.Factorize(cov)
}

// LogProb returns log N(x; mu, cov).
func (n *mvNormal) LogProb(x []float64) float64 {
	d := len(n.mu)
	r := mat.NewVecDense(d, nil)
	for i := range x {
		r.SetVec(i, x[i]-n.mu[i])
	}
	var w mat.VecDense
	if err := n.ch.SolveVecTo(&w, r); err != nil {
		return math.NaN()
	}
	return -0.5*mat.Dot(r, &w) - 0.5*n.ch.LogDet() - float64(d)*halfLog2Pi
}

// Entropy returns ½ log det(2πe cov).
func (n *mvNormal) Entropy() float64 {
	return 0.5*n.ch.LogDet() + float64(len(n.mu))*(0.5+halfLog2Pi)
}

func randVec(rng *rand.Rand, n int, sd float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = sd * rng.NormFloat64()
	}
	return v
}

// TestLowRankDensity checks, at random parameters, the draws against
// μ + d⊙(Cε₁ + ε₂) = μ + Bε₁ + d⊙ε₂, log q (at the draws and at other points, by Sample and
// LogProb) against gonum's the exact normal density (gonum's Cholesky) with Σ = BBᵀ + D², the entropy against
// the exact one, and MeanScale's factor against Σ.
func TestLowRankDensity(t *testing.T) {
	for _, tc := range []struct{ dim, rank int }{{1, 0}, {2, 1}, {3, 2}, {5, 2}, {6, 0}, {4, 9}} {
		rng := rand.New(rand.NewPCG(uint64(tc.dim), uint64(tc.rank)))
		b := graph.NewBuilder(graph.Float64)
		ap, err := LowRank{Rank: tc.rank}.Build(b, Block{Size: tc.dim})
		if err != nil {
			t.Fatal(err)
		}
		a := ap.(*lowRank)
		dim, r := tc.dim, a.r
		mu, om, fac := randVec(rng, dim, 1), randVec(rng, dim, 0.5), randVec(rng, dim*r, 0.8)
		for i, v := range [][]float64{mu, om, fac} {
			if err := graph.Set(a.Params()[i], v); err != nil {
				t.Fatal(err)
			}
		}
		const S = 7
		shape := a.NoiseShape(S)
		if shape[0] != S || shape[1] != r+dim {
			t.Fatalf("noise shape %v", shape)
		}
		noise := b.Input("eps", shape...)
		zeta, logq := a.Sample(b, noise)
		at := b.Input("at", S, dim)
		lp := a.LogProb(b, at)
		ent := a.Entropy(b)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		eps := make([]float64, S*(r+dim))
		a.FillNoise(eps, rng)
		pts := randVec(rng, S*dim, 2)
		if err := graph.Set(noise, eps); err != nil {
			t.Fatal(err)
		}
		if err := graph.Set(at, pts); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		cov := lowRankCov(dim, r, om, fac)
		nrm, ok := newMVNormal(mu, cov)
		if !ok {
			t.Fatal("Σ not positive definite")
		}
		z, lq, lpv := graph.Values(zeta), graph.Values(logq), graph.Values(lp)
		for s := 0; s < S; s++ {
			e := eps[s*(r+dim) : (s+1)*(r+dim)]
			for j := 0; j < dim; j++ {
				u := e[r+j]
				for k := 0; k < r; k++ {
					u += fac[j*r+k] * e[k]
				}
				want := mu[j] + math.Exp(om[j])*u
				if got := z[s*dim+j]; math.Abs(got-want) > 1e-12 {
					t.Errorf("dim %d rank %d: draw %d,%d = %v, want %v", dim, r, s, j, got, want)
				}
			}
			if want := nrm.LogProb(z[s*dim : (s+1)*dim]); math.Abs(lq[s]-want) > 1e-9 {
				t.Errorf("dim %d rank %d: log q at draw %d = %.12f, exact %.12f", dim, r, s, lq[s], want)
			}
			if want := nrm.LogProb(pts[s*dim : (s+1)*dim]); math.Abs(lpv[s]-want) > 1e-9 {
				t.Errorf("dim %d rank %d: LogProb %d = %.12f, exact %.12f", dim, r, s, lpv[s], want)
			}
		}
		if got, want := graph.Scalar64(ent), nrm.Entropy(); math.Abs(got-want) > 1e-10 {
			t.Errorf("dim %d rank %d: entropy %.12f, exact %.12f", dim, r, got, want)
		}
		gm, l := a.MeanScale()
		for j := range mu {
			if gm[j] != mu[j] {
				t.Errorf("MeanScale mean %v, want %v", gm, mu)
			}
		}
		for i := 0; i < dim; i++ {
			for j := 0; j < dim; j++ {
				if j > i && l[i*dim+j] != 0 {
					t.Errorf("scale not lower triangular: %v", l)
				}
				var s float64
				for k := 0; k < dim; k++ {
					s += l[i*dim+k] * l[j*dim+k]
				}
				if math.Abs(s-cov.At(i, j)) > 1e-12 {
					t.Errorf("dim %d rank %d: (LLᵀ)_%d%d = %v, Σ = %v", dim, r, i, j, s, cov.At(i, j))
				}
			}
		}
		m.Close()
	}
}

// TestLowRankRank checks the default, the clipping and the errors.
func TestLowRankRank(t *testing.T) {
	for _, tc := range []struct{ rank, dim, want int }{
		{0, 1, 1}, {0, 2, 1}, {0, 4, 3}, {0, 6, 5}, {0, 100, 5}, {3, 100, 3}, {7, 4, 3}, {2, 1, 1},
	} {
		b := graph.NewBuilder(graph.Float64)
		a, err := LowRank{Rank: tc.rank}.Build(b, Block{Size: tc.dim})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.(*lowRank).r; got != tc.want {
			t.Errorf("Rank %d, dim %d: rank %d, want %d", tc.rank, tc.dim, got, tc.want)
		}
	}
	if _, err := (LowRank{Rank: -1}).Build(graph.NewBuilder(graph.Float64), Block{Size: 3}); err == nil {
		t.Error("negative rank accepted")
	}
	if _, err := (LowRank{}).Build(graph.NewBuilder(graph.Float64), Block{Size: 0}); err == nil {
		t.Error("dimension 0 accepted")
	}
	for _, name := range []string{"lowrank", "low-rank", "LowRank"} {
		f, err := FamilyByName(name)
		if err != nil || f.Name() != "lowrank" {
			t.Errorf("FamilyByName(%q) = %v, %v", name, f, err)
		}
	}
}

// TestLowRankInit checks the starting point: the mean at Init, every variance
// at InitSD², correlations of at most α² = 0.01.
func TestLowRankInit(t *testing.T) {
	const dim, sd = 6, 0.3
	b := graph.NewBuilder(graph.Float64)
	init := []float64{1, 2, 3, 4, 5, 6}
	ap, err := LowRank{Rank: 3}.Build(b, Block{Size: dim, Init: init, InitSD: sd})
	if err != nil {
		t.Fatal(err)
	}
	a := ap.(*lowRank)
	cov := lowRankCov(dim, a.r, graph.Values(a.omega), graph.Values(a.fac))
	for i := 0; i < dim; i++ {
		if got := graph.Values(a.mu)[i]; got != init[i] {
			t.Errorf("mean %d = %v, want %v", i, got, init[i])
		}
		if v := cov.At(i, i); math.Abs(v-sd*sd) > 1e-15 {
			t.Errorf("variance %d = %v, want %v", i, v, sd*sd)
		}
		for j := 0; j < i; j++ {
			if c := cov.At(i, j) / (sd * sd); math.Abs(c) > lowRankInit*lowRankInit || c == 0 {
				t.Errorf("starting correlation %d,%d = %v", i, j, c)
			}
		}
	}
}

// elboGauss is the closed-form ELBO of q = N(mu, cov) against gaussTarget
// (up to the target's dropped constant).
func (g gaussTarget) elboGauss(mu []float64, cov *mat.SymDense) float64 {
	d := len(mu)
	p := mat.NewDense(d, d, g.p)
	var ps mat.Dense
	ps.Mul(p, cov)
	diff := make([]float64, d)
	for i := range diff {
		diff[i] = mu[i] - g.m0[i]
	}
	q := mat.Inner(mat.NewVecDense(d, diff), p, mat.NewVecDense(d, diff))
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return math.NaN()
	}
	return -0.5*(mat.Trace(&ps)+q) + 0.5*ch.LogDet() + float64(d)*(0.5+halfLog2Pi)
}

// TestLowRankGradient compares the reparameterized ELBO gradient of every
// parameter (μ, ω and B) with central finite differences of the closed-form
// ELBO against a correlated Gaussian target, at the family's starting point
// (so it also checks that the start is not the stationary point C = 0) and at
// random parameters. The tolerance is four Monte Carlo standard errors from
// replicate gradients. It also checks, by finite differences, that C = 0 is
// stationary in C (the reason the start breaks the symmetry).
func TestLowRankGradient(t *testing.T) {
	const d, S, reps = 3, 400, 30
	g := gaussTarget{m0: []float64{0.5, -1, 2}, p: []float64{2, 1.2, 0.2, 1.2, 1.5, -0.4, 0.2, -0.4, 1}}
	elbo := func(x []float64, r int) float64 {
		return g.elboGauss(x[:d], lowRankCov(d, r, x[d:2*d], x[2*d:]))
	}
	fdGrad := func(x []float64, r int) []float64 {
		const h = 1e-5
		out := make([]float64, len(x))
		for i := range x {
			xp := append([]float64{}, x...)
			xm := append([]float64{}, x...)
			xp[i] += h
			xm[i] -= h
			out[i] = (elbo(xp, r) - elbo(xm, r)) / (2 * h)
		}
		return out
	}
	// C = 0 is stationary in C.
	zero := append([]float64{0.1, 0.2, 0.3, -0.2, 0.1, 0}, make([]float64, 2*d)...)
	for i, v := range fdGrad(zero, 2)[2*d:] {
		if math.Abs(v) > 1e-8 {
			t.Errorf("∂ELBO/∂C_%d at C = 0 is %g, want 0", i, v)
		}
	}
	for trial := 0; trial < 2; trial++ {
		b := graph.NewBuilder(graph.Float64)
		ap, err := LowRank{Rank: 2}.Build(b, Block{Size: d})
		if err != nil {
			t.Fatal(err)
		}
		a := ap.(*lowRank)
		params := a.Params()
		if trial == 1 {
			rng := rand.New(rand.NewPCG(3, 4))
			for i, n := range []int{d, d, d * a.r} {
				if err := graph.Set(params[i], randVec(rng, n, 0.5)); err != nil {
					t.Fatal(err)
				}
			}
		}
		var x []float64
		for _, p := range params {
			x = append(x, graph.Values(p)...)
		}
		noise := b.Input("eps", a.NoiseShape(S)...)
		p := &Problem{B: b, Model: g.model(), Latents: g.model().Latents(), Approx: a, Noise: noise, Scale: 1}
		loss, _ := Reparam{}.Objective(p)
		grads := b.Grad(loss, params...)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, 12))
		sum := make([]float64, len(x))
		sumsq := make([]float64, len(x))
		eps := make([]float64, S*(a.r+d))
		for r := 0; r < reps; r++ {
			a.FillNoise(eps, rng)
			if err := graph.Set(noise, eps); err != nil {
				t.Fatal(err)
			}
			if err := m.Run(); err != nil {
				t.Fatal(err)
			}
			var gv []float64
			for _, gr := range grads {
				gv = append(gv, graph.Values(gr)...)
			}
			for i, v := range gv {
				sum[i] -= v
				sumsq[i] += v * v
			}
		}
		want := fdGrad(x, a.r)
		var bgrad float64
		for i := range x {
			mean := sum[i] / reps
			se := math.Sqrt(math.Max(sumsq[i]/reps-mean*mean, 0) / reps)
			if math.Abs(mean-want[i]) > 4*se+1e-6 {
				t.Errorf("trial %d param %d: gradient %.5f ± %.5f, finite difference %.5f", trial, i, mean, se, want[i])
			}
			if i >= 2*d {
				bgrad = math.Max(bgrad, math.Abs(want[i]))
			}
		}
		if trial == 0 && bgrad < 1e-3 {
			t.Errorf("gradient in C at the start is %g: the start is (nearly) stationary", bgrad)
		}
		m.Close()
	}
}

// TestLowRankEntropyGradient compares the graph's gradient of the closed-form
// entropy (through the Gram–Schmidt QR) with finite differences of
// ½ log det(BBᵀ + D²).
func TestLowRankEntropyGradient(t *testing.T) {
	const d = 4
	b := graph.NewBuilder(graph.Float64)
	ap, err := LowRank{Rank: 3}.Build(b, Block{Size: d})
	if err != nil {
		t.Fatal(err)
	}
	a := ap.(*lowRank)
	rng := rand.New(rand.NewPCG(5, 6))
	om, fac := randVec(rng, d, 0.5), randVec(rng, d*a.r, 1)
	if err := graph.Set(a.omega, om); err != nil {
		t.Fatal(err)
	}
	if err := graph.Set(a.fac, fac); err != nil {
		t.Fatal(err)
	}
	ent := a.Entropy(b)
	grads := b.Grad(ent, a.omega, a.fac)
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	h := func(om, fac []float64) float64 {
		var ch mat.Cholesky
		ch.Factorize(lowRankCov(d, a.r, om, fac))
		return 0.5 * ch.LogDet()
	}
	const step = 1e-6
	check := func(name string, x []float64, got []float64, f func([]float64) float64) {
		for i := range x {
			xp := append([]float64{}, x...)
			xm := append([]float64{}, x...)
			xp[i] += step
			xm[i] -= step
			want := (f(xp) - f(xm)) / (2 * step)
			if math.Abs(got[i]-want) > 1e-7 {
				t.Errorf("∂H/∂%s_%d = %.9f, finite difference %.9f", name, i, got[i], want)
			}
		}
	}
	check("ω", om, graph.Values(grads[0]), func(x []float64) float64 { return h(x, fac) })
	check("C", fac, graph.Values(grads[1]), func(x []float64) float64 { return h(om, x) })
}

// klGauss returns KL(N(m1, s1) ‖ N(m2, s2)).
func klGauss(m1 []float64, s1 *mat.SymDense, m2 []float64, s2 *mat.SymDense) float64 {
	d := len(m1)
	var c1, c2 mat.Cholesky
	if !c1.Factorize(s1) || !c2.Factorize(s2) {
		return math.NaN()
	}
	var inv mat.SymDense
	if err := c2.InverseTo(&inv); err != nil {
		return math.NaN()
	}
	var ps mat.Dense
	ps.Mul(&inv, s1)
	diff := make([]float64, d)
	for i := range diff {
		diff[i] = m1[i] - m2[i]
	}
	q := mat.Inner(mat.NewVecDense(d, diff), &inv, mat.NewVecDense(d, diff))
	return 0.5 * (mat.Trace(&ps) + q - float64(d) + c2.LogDet() - c1.LogDet())
}

// TestLowRankFitRecovers fits LowRank to Gaussian targets that it contains: a
// 5-D covariance that is rank one plus diagonal (Rank 1) and a dense 3-D one
// (Rank 2 = dim-1), and checks that q recovers the target: KL(q ‖ p) small.
func TestLowRankFitRecovers(t *testing.T) {
	v := []float64{1.2, -0.8, 0.5, 1.0, -1.5}
	s := []float64{0.5, 0.7, 0.3, 0.6, 0.4}
	cov5 := mat.NewSymDense(5, nil)
	for i := range v {
		for j := 0; j <= i; j++ {
			c := v[i] * v[j]
			if i == j {
				c += s[i] * s[i]
			}
			cov5.SetSym(i, j, c)
		}
	}
	cov3 := mat.NewSymDense(3, []float64{1, 0.8, -0.5, 0.8, 2, -0.9, -0.5, -0.9, 1.5})
	for _, tc := range []struct {
		name string
		rank int
		cov  *mat.SymDense
		mean []float64
	}{
		{"5-D rank-1 plus diagonal", 1, cov5, []float64{1, -1, 0.5, 2, 0}},
		{"3-D dense", 2, cov3, []float64{-1, 0.5, 3}},
	} {
		d := len(tc.mean)
		var ch mat.Cholesky
		ch.Factorize(tc.cov)
		var prec mat.SymDense
		if err := ch.InverseTo(&prec); err != nil {
			t.Fatal(err)
		}
		g := gaussTarget{m0: tc.mean, p: mat.NewDense(d, d, nil).RawMatrix().Data}
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				g.p[i*d+j] = prec.At(i, j)
			}
		}
		// The best diagonal Gaussian has precision diag(P): its KL is
		// ½ (Σ log P_jj - log det P), the gap a low-rank q must close.
		klMF := 0.5 * ch.LogDet()
		for j := 0; j < d; j++ {
			klMF += 0.5 * math.Log(prec.At(j, j))
		}
		post, err := Fit(g.model(), nil, &Settings{Family: LowRank{Rank: tc.rank}, MaxSteps: 3000}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		kl := klGauss(post.UMean, mat.NewSymDense(d, post.UCov), tc.mean, tc.cov)
		t.Logf("%s: KL(q‖p) = %.5f after %d steps (%s); best mean-field KL %.3f", tc.name, kl, post.Steps, post.Status, klMF)
		if !(kl < 0.01 && kl < klMF/20) {
			t.Errorf("%s: KL(q‖p) = %g (best mean-field %g)", tc.name, kl, klMF)
		}
	}
}
