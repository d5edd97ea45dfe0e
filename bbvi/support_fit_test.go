package bbvi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// fitFullRank fits m with the full-rank family and a fixed seed.
func fitFullRank(t *testing.T, m Model, data Data) *Posterior {
	t.Helper()
	post, err := Fit(m, data, &Settings{Family: FullRank{}}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if post.Status != Converged {
		t.Errorf("status %v: %s", post.Status, post.Reason)
	}
	return post
}

// checkMoments compares reported means and sds with exact ones: a mean within
// frac exact sds plus four Monte Carlo standard errors of the summary, an sd
// within sdFrac.
func checkMoments(t *testing.T, post *Posterior, names []string, mean, sd []float64, frac, sdFrac float64) {
	t.Helper()
	gm, gs := post.Mean(), post.SD()
	for i, name := range names {
		j := post.Index(name)
		if j < 0 {
			t.Fatalf("no component %s in %v", name, post.Names)
		}
		mcse := gs[j] / math.Sqrt(PosteriorDraws)
		t.Logf("%s: mean %.5f (exact %.5f, %.2f sd) sd %.5f (exact %.5f)", name, gm[j], mean[i], (gm[j]-mean[i])/sd[i], gs[j], sd[i])
		if math.Abs(gm[j]-mean[i]) > frac*sd[i]+4*mcse {
			t.Errorf("%s: mean %.5f, exact %.5f (sd %.5f)", name, gm[j], mean[i], sd[i])
		}
		if math.Abs(gs[j]/sd[i]-1) > sdFrac {
			t.Errorf("%s: sd %.5f, exact %.5f", name, gs[j], sd[i])
		}
	}
}

// TestSimplexDirichlet fits the probabilities of a categorical variable with
// a Dirichlet prior, a Simplex latent, and compares the reported posterior
// with the exact Dirichlet(α + counts).
func TestSimplexDirichlet(t *testing.T) {
	const k, n = 4, 300
	truth := []float64{0.1, 0.2, 0.3, 0.4}
	alpha := []float64{2, 1, 1.5, 3}
	rng := rand.New(rand.NewPCG(51, 1))
	onehot := make([]float64, n*k)
	counts := make([]float64, k)
	for i := 0; i < n; i++ {
		u, c := rng.Float64(), 0
		for c < k-1 && u > truth[c] {
			u -= truth[c]
			c++
		}
		onehot[i*k+c] = 1
		counts[c]++
	}
	m := FuncModel{
		Vars: []Latent{{Name: "w", Size: k, Support: Simplex()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.DirichletLogProb(z["w"], b.Constant("alpha", alpha, k)) // (S)
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			// Σ_i Σ_k y_ik log w_k = log w · (Σ_i y_i): (S, K)·(K, B) summed over rows.
			return b.Sum(b.MatMul(b.Log(z["w"]), b.T(x["y"])), 1)
		},
	}
	data := Data{{Name: "y", Cols: k, Values: onehot}}
	post := fitFullRank(t, m, data)
	var a0 float64
	for i := range alpha {
		a0 += alpha[i] + counts[i]
	}
	names := make([]string, k)
	mean, sd := make([]float64, k), make([]float64, k)
	for i := range names {
		names[i] = fmt.Sprintf("w[%d]", i)
		mean[i] = (alpha[i] + counts[i]) / a0
		sd[i] = math.Sqrt(mean[i] * (1 - mean[i]) / (a0 + 1))
	}
	checkMoments(t, post, names, mean, sd, 0.05, 0.08)
	var s float64
	for _, v := range post.Mean() {
		s += v
	}
	if math.Abs(s-1) > 1e-12 {
		t.Errorf("the reported simplex sums to %v", s)
	}
	// The same fit in float32, and with a mean-field q (a Diagonal, whose
	// Posterior summarizes the simplex from its own draws).
	for _, set := range []*Settings{{Family: FullRank{}, Dtype: graph.Float32}, {Family: MeanField{}}} {
		p32, err := Fit(m, data, set, rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v %s:", set.Dtype, set.Family.Name())
		checkMoments(t, p32, names, mean, sd, 0.05, 0.08)
	}
	// Quantiles against the exact Beta marginals.
	q05, q95 := post.Quantile(0.05), post.Quantile(0.95)
	for i := range names {
		beta := distuv.Beta{Alpha: alpha[i] + counts[i], Beta: a0 - alpha[i] - counts[i]}
		if math.Abs(q05[i]-beta.Quantile(0.05)) > 0.2*sd[i] || math.Abs(q95[i]-beta.Quantile(0.95)) > 0.2*sd[i] {
			t.Errorf("%s: 90%% interval (%.4f, %.4f), exact (%.4f, %.4f)", names[i], q05[i], q95[i], beta.Quantile(0.05), beta.Quantile(0.95))
		}
	}
}

// TestOrderedMeans fits two group means declared Ordered, with data that
// keep them apart: the ordering then cuts off no posterior mass (the
// truncated part is below 1e-20), so the posterior is the product of the
// two conjugate normals. The fit works in (μ_0, log(μ_1 - μ_0)), where the
// posterior is not Gaussian: a wrong Jacobian would move the gap by about
// var(gap)/gap.
func TestOrderedMeans(t *testing.T) {
	const n, prior = 15, 10.0
	rng := rand.New(rand.NewPCG(52, 1))
	y := make([]float64, 2*n)
	g := make([]float64, 2*n)
	var sums [2]float64
	for i := range y {
		g[i] = float64(i % 2)
		y[i] = -1 + 3*g[i] + rng.NormFloat64()
		sums[i%2] += y[i]
	}
	m := FuncModel{
		Vars: []Latent{{Name: "mu", Size: 2, Support: Ordered()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(prior)), 1)
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			mu := z["mu"]
			m0, m1 := b.Cols(mu, 0, 1), b.Cols(mu, 1, 2) // (S, 1)
			gr := b.PerRow(x["g"])                       // (1, B)
			loc := b.Add(m0, b.Mul(b.Sub(m1, m0), gr))   // (S, B)
			return b.Sum(b.NormalLogProb(b.PerRow(x["y"]), loc, b.Scalar(1)), 1)
		},
	}
	post := fitFullRank(t, m, Data{{Name: "y", Values: y}, {Name: "g", Values: g}})
	prec := float64(n) + 1/(prior*prior)
	mean := []float64{sums[0] / prec, sums[1] / prec}
	sd := []float64{1 / math.Sqrt(prec), 1 / math.Sqrt(prec)}
	checkMoments(t, post, []string{"mu[0]", "mu[1]"}, mean, sd, 0.05, 0.08)
	// The draws are ordered.
	draws := post.Sample(nil, 1000, rand.New(rand.NewPCG(9, 9)))
	for s := 0; s < 1000; s++ {
		if !(draws[2*s] < draws[2*s+1]) {
			t.Fatalf("draw %d is not ordered: %v", s, draws[2*s:2*s+2])
		}
	}
}

// mvnLikelihood returns Σ_i log N(y_i; 0, L Lᵀ) for per-draw factors L
// (S, K, K) and rows y (B, K): (S).
func mvnLikelihood(b *graph.Builder, l, y *graph.Node) *graph.Node {
	s, k := l.Shape()[0], l.Shape()[1]
	zero := b.Constant("zero", nil, s, 1, k)
	return b.Sum(b.MultiNormalCholeskyLogProb(y, zero, l), 1)
}

// TestCholeskyCorrLKJ fits the correlation of a bivariate normal with unit
// variances and an LKJ(η) prior, a CholeskyCorr latent, and compares the
// reported Omega with the exact posterior of ρ, computed by quadrature:
// p(ρ | y) ∝ (1 - ρ²)^(η-1) Π_i N(y_i; 0, Ω(ρ)).
func TestCholeskyCorrLKJ(t *testing.T) {
	const n, rho, eta = 100, 0.6, 2.0
	rng := rand.New(rand.NewPCG(53, 1))
	y := make([]float64, 2*n)
	var sxx, sxy, syy float64
	for i := 0; i < n; i++ {
		a, c := rng.NormFloat64(), rng.NormFloat64()
		y[2*i], y[2*i+1] = a, rho*a+math.Sqrt(1-rho*rho)*c
		sxx += y[2*i] * y[2*i]
		sxy += y[2*i] * y[2*i+1]
		syy += y[2*i+1] * y[2*i+1]
	}
	m := FuncModel{
		Vars: []Latent{{Name: "Omega", Size: 2, Support: CholeskyCorr()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.LKJCholeskyLogProb(z["Omega"], b.Scalar(eta))
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			return mvnLikelihood(b, z["Omega"], x["y"])
		},
	}
	post := fitFullRank(t, m, Data{{Name: "y", Cols: 2, Values: y}})
	logPost := func(r float64) float64 {
		det := 1 - r*r
		return (eta-1)*math.Log(det) - 0.5*float64(n)*math.Log(det) - 0.5*(sxx-2*r*sxy+syy)/det
	}
	// Normalize around the mode to keep exp in range.
	mode := logPost(sxy / math.Sqrt(sxx*syy))
	moment := func(p int) float64 {
		return quad.Fixed(func(r float64) float64 { return math.Pow(r, float64(p)) * math.Exp(logPost(r)-mode) }, -1, 1, 2000, nil, 0)
	}
	z0, z1, z2 := moment(0), moment(1), moment(2)
	mean := z1 / z0
	sd := math.Sqrt(z2/z0 - mean*mean)
	checkMoments(t, post, []string{"Omega[1,0]", "Omega[0,1]"}, []float64{mean, mean}, []float64{sd, sd}, 0.05, 0.08)
	if v := post.Mean()[post.Index("Omega[1,1]")]; v != 1 {
		t.Errorf("Omega[1,1] mean %v, want 1", v)
	}
}

// TestCholeskyCorrTrivariate fits a 3×3 correlation matrix with an LKJ prior
// and checks the reported matrix against the truth, within three posterior
// sds, and the diagnostics' draws, which are reported in the same layout.
func TestCholeskyCorrTrivariate(t *testing.T) {
	const n, k = 200, 3
	omega := []float64{1, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 1}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(k, omega)) {
		t.Fatal("not positive definite")
	}
	var lt mat.TriDense
	ch.LTo(&lt)
	rng := rand.New(rand.NewPCG(54, 1))
	y := make([]float64, n*k)
	for i := 0; i < n; i++ {
		e := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		for r := 0; r < k; r++ {
			for c := 0; c <= r; c++ {
				y[i*k+r] += lt.At(r, c) * e[c]
			}
		}
	}
	m := FuncModel{
		Vars: []Latent{{Name: "Omega", Size: k, Support: CholeskyCorr()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.LKJCholeskyLogProb(z["Omega"], b.Scalar(1.5))
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			return mvnLikelihood(b, z["Omega"], x["y"])
		},
	}
	post := fitFullRank(t, m, Data{{Name: "y", Cols: k, Values: y}})
	mean, sd := post.Mean(), post.SD()
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			c := i*k + j
			if post.Names[c] != fmt.Sprintf("Omega[%d,%d]", i, j) {
				t.Fatalf("name %d is %s", c, post.Names[c])
			}
			if math.Abs(mean[c]-omega[c]) > 3*sd[c]+1e-12 {
				t.Errorf("%s: mean %.3f ± %.3f, truth %.3f", post.Names[c], mean[c], sd[c], omega[c])
			}
		}
	}
	if post.Diagnostics == nil {
		t.Fatal("no diagnostics")
	}
	rows, err := post.Diagnostics.Resample(500, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var avg float64
	for _, r := range rows {
		if len(r) != k*k || r[0] != 1 || r[4] != 1 || r[8] != 1 || r[1] != r[3] {
			t.Fatalf("a resampled draw is not a correlation matrix: %v", r)
		}
		avg += r[1] / float64(len(rows))
	}
	if math.Abs(avg-mean[1]) > 4*sd[1]/math.Sqrt(float64(len(rows)))+4*sd[1]/math.Sqrt(PosteriorDraws) {
		t.Errorf("resampled Omega[0,1] averages %.3f, reported mean %.3f", avg, mean[1])
	}
	t.Logf("k̂ %.2f, %s", post.Diagnostics.ParetoK, post.Diagnostics.Verdict())
}

// TestCholeskyCovInverseWishart fits a 2×2 covariance matrix of zero-mean
// normal data with an inverse-Wishart(ν, I) prior, a CholeskyCov latent, and
// compares the reported Σ with the exact posterior IW(ν + n, I + Σ y yᵀ).
// The prior on L is the inverse-Wishart density of Σ = L Lᵀ times the
// Jacobian |∂Σ/∂L| = 2^K Π_j L_jj^(K-j) (0-based j), up to constants:
//
//	log p(L) = -½ tr(Σ⁻¹) - (ν + K + 1) Σ_j log L_jj + Σ_j (K - j) log L_jj,
//
// with -½ tr(Σ⁻¹) from the normal log-densities of the unit vectors.
func TestCholeskyCovInverseWishart(t *testing.T) {
	const n, k, nu = 200, 2, 5.0
	sigma := []float64{2, 0.8, 0.8, 1}
	l10 := sigma[2] / math.Sqrt(sigma[0])
	lt := []float64{math.Sqrt(sigma[0]), 0, l10, math.Sqrt(sigma[3] - l10*l10)}
	rng := rand.New(rand.NewPCG(55, 1))
	y := make([]float64, n*k)
	psi := []float64{1, 0, 0, 1}
	for i := 0; i < n; i++ {
		a, c := rng.NormFloat64(), rng.NormFloat64()
		y[i*k], y[i*k+1] = lt[0]*a, lt[2]*a+lt[3]*c
		for r := 0; r < k; r++ {
			for s := 0; s < k; s++ {
				psi[r*k+s] += y[i*k+r] * y[i*k+s]
			}
		}
	}
	w := make([]float64, k)
	for j := range w {
		// -(ν + K + 1) + (K - j), plus K from Σ_k log N(e_k) = ... - K Σ_j log L_jj - ½ tr(Σ⁻¹).
		w[j] = -(nu + k + 1) + float64(k-j) + k
	}
	m := FuncModel{
		Vars: []Latent{{Name: "Sigma", Size: k, Support: CholeskyCov()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			l := z["Sigma"]
			s := l.Shape()[0]
			eye := b.Constant("eye", []float64{1, 0, 0, 1}, k, k)
			units := b.Sum(b.MultiNormalCholeskyLogProb(eye, b.Constant("zeros", nil, s, 1, k), l), 1) // Σ_k log N(e_k; 0, Σ)
			logDiag := b.Log(b.Sum(b.Mul(l, eye), 2))                                                  // (S, K)
			return b.Add(units, b.Sum(b.Mul(logDiag, b.Constant("w", w, k)), 1))
		},
		Likelihood: func(b *graph.Builder, z Vars, x Vars) *graph.Node {
			return mvnLikelihood(b, z["Sigma"], x["y"])
		},
	}
	post := fitFullRank(t, m, Data{{Name: "y", Cols: k, Values: y}})
	// IW(ν', Ψ') in dimension p: E Σ = Ψ'/(ν'-p-1),
	// Var Σ_ij = [(ν'-p+1)ψ_ij² + (ν'-p-1)ψ_ii ψ_jj] / [(ν'-p)(ν'-p-1)²(ν'-p-3)].
	v := nu + n
	p := float64(k)
	names := []string{"Sigma[0,0]", "Sigma[1,0]", "Sigma[1,1]", "Sigma[0,1]"}
	idx := [][2]int{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	mean, sd := make([]float64, 4), make([]float64, 4)
	for c, ij := range idx {
		i, j := ij[0], ij[1]
		mean[c] = psi[i*k+j] / (v - p - 1)
		sd[c] = math.Sqrt(((v-p+1)*psi[i*k+j]*psi[i*k+j] + (v-p-1)*psi[i*k+i]*psi[j*k+j]) / ((v - p) * (v - p - 1) * (v - p - 1) * (v - p - 3)))
	}
	checkMoments(t, post, names, mean, sd, 0.05, 0.08)
}

// TestSupportsExactGaussian fits priors whose pull-back through the support's
// bijector (with its log|det J|) is exactly Gaussian in the unconstrained
// space, so that q can match them exactly: a log-normal distance from a
// bound, a normal first value with log-normal gaps for Ordered, log-normal
// first value and gaps for PositiveOrdered. The reported means then have
// closed forms (E exp(N(m, s²)) = exp(m + s²/2)); a missing or wrong Jacobian
// would move them by factors like exp(-s²) = 0.78.
func TestSupportsExactGaussian(t *testing.T) {
	const m, s = 0.3, 0.5
	gap := math.Exp(m + s*s/2)
	gapSD := gap * math.Sqrt(math.Expm1(s*s))
	logNormal := func(b *graph.Builder, x *graph.Node) *graph.Node {
		return b.Sum(b.LogNormalLogProb(x, b.Scalar(m), b.Scalar(s)), 1)
	}
	cases := []struct {
		name  string
		l     Latent
		prior func(b *graph.Builder, z *graph.Node) *graph.Node
		mean  []float64
		sd    []float64
	}{
		{"lower", Latent{Name: "x", Support: LowerBound(-2)},
			func(b *graph.Builder, z *graph.Node) *graph.Node { return logNormal(b, b.Shift(z, 2)) },
			[]float64{-2 + gap}, []float64{gapSD}},
		{"upper", Latent{Name: "x", Support: UpperBound(1)},
			func(b *graph.Builder, z *graph.Node) *graph.Node { return logNormal(b, b.Sub(b.Scalar(1), z)) },
			[]float64{1 - gap}, []float64{gapSD}},
		{"ordered", Latent{Name: "x", Size: 3, Support: Ordered()},
			func(b *graph.Builder, z *graph.Node) *graph.Node {
				first := b.Sum(b.NormalLogProb(b.Cols(z, 0, 1), b.Scalar(1), b.Scalar(0.4)), 1)
				return b.Add(first, logNormal(b, b.Sub(b.Cols(z, 1, 3), b.Cols(z, 0, 2))))
			},
			[]float64{1, 1 + gap, 1 + 2*gap}, []float64{0.4, math.Hypot(0.4, gapSD), math.Sqrt(0.16 + 2*gapSD*gapSD)}},
		{"positive ordered", Latent{Name: "x", Size: 2, Support: PositiveOrdered()},
			func(b *graph.Builder, z *graph.Node) *graph.Node {
				return b.Add(logNormal(b, b.Cols(z, 0, 1)), logNormal(b, b.Sub(b.Cols(z, 1, 2), b.Cols(z, 0, 1))))
			},
			[]float64{gap, 2 * gap}, []float64{gapSD, math.Sqrt2 * gapSD}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mod := FuncModel{Vars: []Latent{c.l}, Prior: func(b *graph.Builder, z Vars) *graph.Node { return c.prior(b, z["x"]) }}
			post := fitFullRank(t, mod, nil)
			names := c.l.ComponentNames()
			checkMoments(t, post, names, c.mean, c.sd, 0.05, 0.08)
		})
	}
}

// TestVectorSupportsFlow fits a prior alone, a Dirichlet(2, 3, 5) simplex and
// an LKJ(3) correlation matrix of dimension 2, with a flow: the Posterior of a
// non-Gaussian q, from its own draws, reports them with the exact moments
// (Beta marginals; for K = 2, (ρ+1)/2 ~ Beta(η, η), so E ρ = 0 and
// Var ρ = 1/(2η+1)).
func TestVectorSupportsFlow(t *testing.T) {
	alpha := []float64{2, 3, 5}
	const eta = 3.0
	m := FuncModel{
		Vars: []Latent{{Name: "w", Size: 3, Support: Simplex()}, {Name: "R", Size: 2, Support: CholeskyCorr()}},
		Prior: func(b *graph.Builder, z Vars) *graph.Node {
			return b.Add(b.DirichletLogProb(z["w"], b.Constant("alpha", alpha, 3)), b.LKJCholeskyLogProb(z["R"], b.Scalar(eta)))
		},
	}
	post, err := Fit(m, nil, &Settings{Family: Flow{}}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if post.Frozen() == nil || post.Dim() != 7 || len(post.UMean) != 3 {
		t.Fatalf("a flow posterior of %d components over %d coordinates", post.Dim(), len(post.UMean))
	}
	names := []string{"w[0]", "w[1]", "w[2]", "R[1,0]", "R[0,1]"}
	mean, sd := make([]float64, 5), make([]float64, 5)
	for i, a := range alpha {
		mean[i] = a / 10
		sd[i] = math.Sqrt(mean[i] * (1 - mean[i]) / 11)
	}
	sd[3] = 1 / math.Sqrt(2*eta+1)
	sd[4] = sd[3]
	checkMoments(t, post, names, mean, sd, 0.1, 0.1)
}
