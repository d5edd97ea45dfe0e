package refsuite

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// Graph helpers shared by the models. Latents arrive as (S, size), data as
// (B) or (B, cols).

// sum1 sums over the components: (S, k) → (S).
func sum1(b *graph.Builder, x *graph.Node) *graph.Node { return b.Sum(x, 1) }

// column returns a data vector (B) as a column (B, 1), to broadcast against
// (B, S).
func column(b *graph.Builder, x *graph.Node) *graph.Node { return b.Reshape(x, x.Shape()[0], 1) }

// draws returns a one-component latent (S, 1) as a vector (S), to broadcast
// against (B, S).
func draws(b *graph.Builder, x *graph.Node) *graph.Node { return b.Reshape(x, x.Shape()[0]) }

// linPred returns beta[:, 0] + X·beta[:, 1:]ᵀ, shape (B, S).
func linPred(b *graph.Builder, beta, X *graph.Node) *graph.Node {
	k := beta.Shape()[1]
	return b.Add(b.MatMul(X, b.T(b.Cols(beta, 1, k))), b.Col(beta, 0))
}

// normalPrior returns Σ_j log N(x_j | 0, s²) per draw.
func normalPrior(b *graph.Builder, x *graph.Node, s float64) *graph.Node {
	return sum1(b, b.NormalLogProb(x, b.Scalar(0), b.Scalar(s)))
}

// ---- a, b: eight schools ----

// The eight schools of Rubin (1981): estimated coaching effects and their
// standard errors.
var (
	schoolsY     = []float64{28, 8, -3, 7, -1, 1, 18, 12}
	schoolsSigma = []float64{15, 10, 16, 11, 9, 11, 10, 18}
)

func schoolsData() bbvi.Data {
	idx := make([]int, len(schoolsY))
	for i := range idx {
		idx[i] = i
	}
	return bbvi.Data{
		{Name: "y", Values: schoolsY},
		{Name: "sigma", Values: schoolsSigma},
		{Name: "school", Cols: len(schoolsY), Values: oneHot(idx, len(schoolsY))},
	}
}

func schoolsStan() []StanVar {
	return []StanVar{stanInt("J", len(schoolsY)), stanVec("y", schoolsY), stanVec("sigma", schoolsSigma)}
}

// schoolsLik returns Σ_rows log N(y | theta[school], sigma²) for theta of
// shape (S, 8); the one-hot school column keeps it right on a minibatch.
func schoolsLik(b *graph.Builder, theta *graph.Node, x bbvi.Vars) *graph.Node {
	mean := b.MatMul(x["school"], b.T(theta)) // (B, S)
	return b.Sum(b.NormalLogProb(column(b, x["y"]), mean, column(b, x["sigma"])), 0)
}

func schoolsLik64(theta []float64) float64 {
	var s float64
	for j, y := range schoolsY {
		s += normal64(y, theta[j], schoolsSigma[j])
	}
	return s
}

// EightSchoolsNC is problem a, the eight schools in the non-centred form:
//
//	mu ~ N(0, 5²), tau ~ half-Cauchy(0, 5), theta_tilde_j ~ N(0, 1),
//	y_j ~ N(mu + tau·theta_tilde_j, sigma_j²).
//
// The effects theta_j = mu + tau·theta_tilde_j are derived quantities.
func EightSchoolsNC() *Problem {
	const J = 8
	p := &Problem{
		ID: "a", Name: "eight_schools_nc", Title: "eight schools, non-centred",
		Stan: "eight_schools_nc.stan", Seed: 101, AdaptDelta: 0.95,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{
				{Name: "mu"}, {Name: "tau", Support: bbvi.Positive()}, {Name: "theta_tilde", Size: J},
			},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.AddN(normalPrior(b, z["mu"], 5), sum1(b, halfCauchyLP(b, z["tau"], 5)), normalPrior(b, z["theta_tilde"], 1))
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				return schoolsLik(b, b.Add(z["mu"], b.Mul(z["tau"], z["theta_tilde"])), x)
			},
		},
		Data:     schoolsData(),
		StanData: schoolsStan(),
	}
	p.LogDensity = func(z []float64) float64 {
		mu, tau, tt := z[0], z[1], z[2:2+J]
		lp := normal64(mu, 0, 5) + halfCauchy64(tau, 5)
		theta := make([]float64, J)
		for j, t := range tt {
			lp += normal64(t, 0, 1)
			theta[j] = mu + tau*t
		}
		return lp + schoolsLik64(theta)
	}
	for j := 0; j < J; j++ {
		p.Derived = append(p.Derived, Derived{
			Name: fmt.Sprintf("theta[%d]", j), StanName: fmt.Sprintf("theta[%d]", j+1),
			F: func(z []float64) float64 { return z[0] + z[1]*z[2+j] },
		})
	}
	return p
}

// EightSchoolsCP is problem b, the eight schools in the centred form:
//
//	mu ~ N(0, 5²), tau ~ half-Cauchy(0, 5), theta_j ~ N(mu, tau²),
//	y_j ~ N(theta_j, sigma_j²),
//
// whose posterior has a funnel in (tau, theta). The reference comes from the
// non-centred program (the same posterior); the centred program is run for
// its diagnostics (StanDiag).
func EightSchoolsCP() *Problem {
	const J = 8
	return &Problem{
		ID: "b", Name: "eight_schools_cp", Title: "eight schools, centred",
		Stan: "eight_schools_nc.stan", StanDiag: "eight_schools_cp.stan", Seed: 102, AdaptDelta: 0.95,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{
				{Name: "mu"}, {Name: "tau", Support: bbvi.Positive()}, {Name: "theta", Size: J},
			},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.AddN(normalPrior(b, z["mu"], 5), sum1(b, halfCauchyLP(b, z["tau"], 5)),
					sum1(b, b.NormalLogProb(z["theta"], z["mu"], z["tau"])))
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				return schoolsLik(b, z["theta"], x)
			},
		},
		Data:     schoolsData(),
		StanData: schoolsStan(),
		LogDensity: func(z []float64) float64 {
			mu, tau, theta := z[0], z[1], z[2:2+J]
			lp := normal64(mu, 0, 5) + halfCauchy64(tau, 5)
			for _, t := range theta {
				lp += normal64(t, mu, tau)
			}
			return lp + schoolsLik64(theta)
		},
	}
}

// ---- c: linear regression with flat priors ----

// LinRegFlat is problem c, a linear regression with improper priors:
//
//	p(beta) ∝ 1, p(sigma) ∝ 1/sigma,   y_i ~ N(beta_0 + x_i·beta_{1:}, sigma²),
//
// on 50 rows and two standard normal predictors.
func LinRegFlat() *Problem {
	g := newGen(3)
	r := regression{N: 50, K: 2}
	for i := 0; i < r.N; i++ {
		x1, x2 := g.normal(0, 1), g.normal(0, 1)
		r.X = append(r.X, x1, x2)
		r.y = append(r.y, g.normal(1+2*x1-0.5*x2, 0.8))
	}
	return &Problem{
		ID: "c", Name: "linreg_flat", Title: "linear regression, flat priors",
		Stan: "linreg_flat.stan", Seed: 103,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{{Name: "beta", Size: r.K + 1}, {Name: "sigma", Support: bbvi.Positive()}},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return sum1(b, b.Neg(b.Log(z["sigma"]))) // flat beta: 0
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				return b.Sum(b.NormalLogProb(column(b, x["y"]), linPred(b, z["beta"], x["X"]), draws(b, z["sigma"])), 0)
			},
		},
		Data:     r.data(),
		StanData: r.stan(false),
		LogDensity: func(z []float64) float64 {
			beta, sigma := z[:r.K+1], z[r.K+1]
			lp := -math.Log(sigma)
			for i := 0; i < r.N; i++ {
				lp += normal64(r.y[i], linPred64(beta, r.X[i*r.K:(i+1)*r.K]), sigma)
			}
			return lp
		},
	}
}

// ---- d: interaction, predictors on very different scales ----

// Interaction is problem d, a regression with an interaction whose predictors
// live on very different scales (x1 in the thousands, x2 in the thousandths),
// not centred:
//
//	y_i ~ N(beta_0 + beta_1 x1_i + beta_2 x2_i + beta_3 x1_i x2_i, sigma²),
//	beta_j ~ N(0, 10⁴²), sigma ~ Exponential(1),
//
// on 100 rows. The posterior sds range over seven orders of magnitude and the
// coefficients are strongly correlated.
func Interaction() *Problem {
	g := newGen(4)
	r := regression{N: 100, K: 3}
	for i := 0; i < r.N; i++ {
		x1, x2 := g.normal(3000, 800), g.normal(0.002, 0.0008)
		x12 := round6(x1 * x2)
		r.X = append(r.X, x1, x2, x12)
		r.y = append(r.y, g.normal(1+0.002*x1+1500*x2+0.4*x12, 1))
	}
	return &Problem{
		ID: "d", Name: "interaction", Title: "interaction, predictors ~1e3 and ~1e-3",
		Stan: "interaction.stan", Seed: 104,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{{Name: "beta", Size: r.K + 1}, {Name: "sigma", Support: bbvi.Positive()}},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.Add(normalPrior(b, z["beta"], 1e4), sum1(b, b.ExponentialLogProb(z["sigma"], b.Scalar(1))))
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				return b.Sum(b.NormalLogProb(column(b, x["y"]), linPred(b, z["beta"], x["X"]), draws(b, z["sigma"])), 0)
			},
		},
		Data:     r.data(),
		StanData: r.stan(false),
		LogDensity: func(z []float64) float64 {
			beta, sigma := z[:r.K+1], z[r.K+1]
			lp := exponential64(sigma, 1)
			for _, v := range beta {
				lp += normal64(v, 0, 1e4)
			}
			for i := 0; i < r.N; i++ {
				lp += normal64(r.y[i], linPred64(beta, r.X[i*r.K:(i+1)*r.K]), sigma)
			}
			return lp
		},
	}
}

// ---- e: logistic regression ----

// Logistic is problem e, a logistic regression on 400 rows and five
// predictors with pairwise correlation 0.3 (six coefficients with the
// intercept):
//
//	y_i ~ Bernoulli(sigmoid(beta_0 + x_i·beta_{1:})),   beta_j ~ N(0, 5²).
func Logistic() *Problem {
	g := newGen(5)
	r := regression{N: 400, K: 5}
	r.X = g.correlated(r.N, r.K, 0.3)
	truth := []float64{-0.5, 1, -1, 0.5, 0, 0.25}
	for i := 0; i < r.N; i++ {
		eta := linPred64(truth, r.X[i*r.K:(i+1)*r.K])
		y := 0.0
		if g.rng.Float64() < 1/(1+math.Exp(-eta)) {
			y = 1
		}
		r.y = append(r.y, y)
	}
	return &Problem{
		ID: "e", Name: "logistic", Title: "logistic regression, 400 rows",
		Stan: "logistic.stan", Seed: 105,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{{Name: "beta", Size: r.K + 1}},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return normalPrior(b, z["beta"], 5)
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				return b.Sum(b.BernoulliLogitsLogProb(column(b, x["y"]), linPred(b, z["beta"], x["X"])), 0)
			},
		},
		Data:     r.data(),
		StanData: r.stan(true),
		LogDensity: func(z []float64) float64 {
			var lp float64
			for _, v := range z {
				lp += normal64(v, 0, 5)
			}
			for i := 0; i < r.N; i++ {
				lp += bernoulliLogit64(r.y[i], linPred64(z, r.X[i*r.K:(i+1)*r.K]))
			}
			return lp
		},
	}
}

// ---- f: strongly correlated predictors ----

// CorrRegression is problem f, a linear regression with 26 coefficients (the
// intercept and 25 predictors with pairwise correlation 0.95) on 200 rows:
//
//	y_i ~ N(beta_0 + x_i·beta_{1:}, sigma²),   beta_j ~ N(0, 10²),   sigma ~ half-N(0, 5²).
//
// The posterior sds are about four times the best mean-field sds.
func CorrRegression() *Problem {
	g := newGen(6)
	r := regression{N: 200, K: 25}
	r.X = g.correlated(r.N, r.K, 0.95)
	truth := make([]float64, r.K+1)
	truth[0] = 0.5
	for j := 1; j <= r.K; j++ {
		truth[j] = 0.3 * float64(j%5-2)
	}
	for i := 0; i < r.N; i++ {
		r.y = append(r.y, g.normal(linPred64(truth, r.X[i*r.K:(i+1)*r.K]), 1))
	}
	return &Problem{
		ID: "f", Name: "corr_regression", Title: "26 coefficients, predictors correlated 0.95",
		Stan: "corr_regression.stan", Seed: 106,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{{Name: "beta", Size: r.K + 1}, {Name: "sigma", Support: bbvi.Positive()}},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.Add(normalPrior(b, z["beta"], 10), sum1(b, b.HalfNormalLogProb(z["sigma"], b.Scalar(5))))
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				return b.Sum(b.NormalLogProb(column(b, x["y"]), linPred(b, z["beta"], x["X"]), draws(b, z["sigma"])), 0)
			},
		},
		Data:     r.data(),
		StanData: r.stan(false),
		LogDensity: func(z []float64) float64 {
			beta, sigma := z[:r.K+1], z[r.K+1]
			lp := halfNormal64(sigma, 5)
			for _, v := range beta {
				lp += normal64(v, 0, 10)
			}
			for i := 0; i < r.N; i++ {
				lp += normal64(r.y[i], linPred64(beta, r.X[i*r.K:(i+1)*r.K]), sigma)
			}
			return lp
		},
	}
}

// ---- g: AR(1) ----

// AR1 is problem g, a first-order autoregression of 200 steps, conditional on
// the first value:
//
//	y_t ~ N(mu + phi (y_{t-1} - mu), sigma²),
//	mu ~ N(0, 10²), phi ~ U(-1, 1), sigma ~ half-N(0, 2²).
//
// The flat prior on phi contributes 0 (a constant).
func AR1() *Problem {
	g := newGen(7)
	const T, mu, phi, sigma = 200, 1.0, 0.8, 0.5
	series := []float64{g.normal(mu, sigma/math.Sqrt(1-phi*phi))}
	for t := 1; t < T; t++ {
		series = append(series, g.normal(mu+phi*(series[t-1]-mu), sigma))
	}
	y, ylag := series[1:], series[:T-1]
	return &Problem{
		ID: "g", Name: "ar1", Title: "AR(1) time series",
		Stan: "ar1.stan", Seed: 107,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{
				{Name: "mu"}, {Name: "phi", Support: bbvi.Interval(-1, 1)}, {Name: "sigma", Support: bbvi.Positive()},
			},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.Add(normalPrior(b, z["mu"], 10), sum1(b, b.HalfNormalLogProb(z["sigma"], b.Scalar(2))))
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				mu := draws(b, z["mu"])
				mean := b.Add(mu, b.Mul(draws(b, z["phi"]), b.Sub(column(b, x["ylag"]), mu))) // (B, S)
				return b.Sum(b.NormalLogProb(column(b, x["y"]), mean, draws(b, z["sigma"])), 0)
			},
		},
		Data:     bbvi.Data{{Name: "y", Values: y}, {Name: "ylag", Values: ylag}},
		StanData: []StanVar{stanInt("N", len(y)), stanVec("y", y), stanVec("ylag", ylag)},
		LogDensity: func(z []float64) float64 {
			m, ph, s := z[0], z[1], z[2]
			lp := normal64(m, 0, 10) + halfNormal64(s, 2)
			for t := range y {
				lp += normal64(y[t], m+ph*(ylag[t]-m), s)
			}
			return lp
		},
	}
}

// ---- h: two-component mixture ----

// Mixture is problem h, a mixture of two normals with ordered means on 200
// points, the order written as mu2 = mu1 + gap with gap > 0:
//
//	y_i ~ w N(mu1, sigma_1²) + (1-w) N(mu1 + gap, sigma_2²),
//	mu1 ~ N(0, 5²), gap ~ half-N(0, 5²), w ~ Beta(2, 2), sigma_k ~ LogNormal(0, 1).
//
// mu2 is a derived quantity.
func Mixture() *Problem {
	g := newGen(8)
	const N = 200
	y := make([]float64, N)
	for i := range y {
		if g.rng.Float64() < 0.35 {
			y[i] = g.normal(-1, 0.6)
		} else {
			y[i] = g.normal(2, 1)
		}
	}
	return &Problem{
		ID: "h", Name: "mixture", Title: "two-normal mixture, ordered means",
		Stan: "mixture.stan", Seed: 108,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{
				{Name: "mu1"}, {Name: "gap", Support: bbvi.Positive()}, {Name: "w", Support: bbvi.Interval(0, 1)},
				{Name: "sigma", Size: 2, Support: bbvi.Positive()},
			},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.AddN(normalPrior(b, z["mu1"], 5), sum1(b, b.HalfNormalLogProb(z["gap"], b.Scalar(5))),
					sum1(b, betaLP(b, z["w"], 2, 2)), sum1(b, logNormalLP(b, z["sigma"], 0, 1)))
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				mu1, w := draws(b, z["mu1"]), draws(b, z["w"])
				mu2 := b.Add(mu1, draws(b, z["gap"]))
				yc := column(b, x["y"])
				l1 := b.Add(b.Log(w), b.NormalLogProb(yc, mu1, b.Col(z["sigma"], 0)))          // (B, S)
				l2 := b.Add(b.Log1p(b.Neg(w)), b.NormalLogProb(yc, mu2, b.Col(z["sigma"], 1))) // (B, S)
				return b.Sum(logAddExp(b, l1, l2), 0)
			},
		},
		Data:     bbvi.Data{{Name: "y", Values: y}},
		StanData: []StanVar{stanInt("N", N), stanVec("y", y)},
		LogDensity: func(z []float64) float64 {
			mu1, gap, w, s1, s2 := z[0], z[1], z[2], z[3], z[4]
			lp := normal64(mu1, 0, 5) + halfNormal64(gap, 5) + beta64(w, 2, 2) + logNormal64(s1, 0, 1) + logNormal64(s2, 0, 1)
			for _, v := range y {
				lp += logAddExp64(math.Log(w)+normal64(v, mu1, s1), math.Log1p(-w)+normal64(v, mu1+gap, s2))
			}
			return lp
		},
		Derived: []Derived{{Name: "mu2", StanName: "mu2", F: func(z []float64) float64 { return z[0] + z[1] }}},
	}
}

// ---- i: Poisson GLM with an offset ----

// PoissonOffset is problem i, a Poisson regression with a log link and a
// log-exposure offset on 100 rows:
//
//	y_i ~ Poisson(E_i exp(beta_0 + x_i·beta_{1:})),   beta_j ~ N(0, 2.5²),
//
// with exposures E_i ~ U(0.5, 5) and two standard normal predictors.
func PoissonOffset() *Problem {
	g := newGen(9)
	const N, K = 100, 2
	truth := []float64{0.3, 0.5, -0.3}
	var X, offset, y []float64
	for i := 0; i < N; i++ {
		x := []float64{g.normal(0, 1), g.normal(0, 1)}
		off := round6(math.Log(g.uniform(0.5, 5)))
		X = append(X, x...)
		offset = append(offset, off)
		y = append(y, g.poisson(math.Exp(off+linPred64(truth, x))))
	}
	return &Problem{
		ID: "i", Name: "poisson_offset", Title: "Poisson GLM, log link, offset",
		Stan: "poisson_offset.stan", Seed: 109,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{{Name: "beta", Size: K + 1}},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return normalPrior(b, z["beta"], 2.5)
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				eta := b.Add(linPred(b, z["beta"], x["X"]), column(b, x["offset"]))
				return b.Sum(poissonLogLP(b, column(b, x["y"]), eta), 0)
			},
		},
		Data: bbvi.Data{{Name: "X", Cols: K, Values: X}, {Name: "offset", Values: offset}, {Name: "y", Values: y}},
		StanData: []StanVar{stanInt("N", N), stanInt("K", K), stanMat("X", N, K, X),
			stanVec("offset", offset), stanIntVec("y", y)},
		LogDensity: func(z []float64) float64 {
			var lp float64
			for _, v := range z {
				lp += normal64(v, 0, 2.5)
			}
			for i := 0; i < N; i++ {
				lp += poissonLog64(y[i], offset[i]+linPred64(z, X[i*K:(i+1)*K]))
			}
			return lp
		},
	}
}

// ---- j: varying intercepts ----

// HierIntercept is problem j, a varying-intercept regression with 20 groups
// of 2 to 10 rows each (120 rows), in the centred form:
//
//	y_i ~ N(alpha_{g(i)} + beta x_i, sigma²),   alpha_j ~ N(mu, tau²),
//	mu ~ N(0, 5²), tau ~ half-N(0, 2²), beta ~ N(0, 5²), sigma ~ half-N(0, 2²).
//
// The group of each row is a one-hot data column, so minibatches stay right.
// Stan samples the non-centred form (the same posterior) and reports alpha.
func HierIntercept() *Problem {
	g := newGen(10)
	const J = 20
	alpha := make([]float64, J)
	for j := range alpha {
		alpha[j] = 1 + 0.8*g.rng.NormFloat64()
	}
	var group []int
	var groupStan, x, y []float64
	for j := 0; j < J; j++ {
		for k := 0; k < 2+(j*7)%9; k++ {
			xi := g.normal(0, 1)
			group = append(group, j)
			groupStan = append(groupStan, float64(j+1))
			x = append(x, xi)
			y = append(y, g.normal(alpha[j]+0.5*xi, 1))
		}
	}
	N := len(y)
	return &Problem{
		ID: "j", Name: "hier_intercept", Title: "varying intercepts, 20 groups",
		Stan: "hier_intercept.stan", Seed: 110, AdaptDelta: 0.95,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{
				{Name: "mu"}, {Name: "tau", Support: bbvi.Positive()}, {Name: "beta"},
				{Name: "sigma", Support: bbvi.Positive()}, {Name: "alpha", Size: J},
			},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.AddN(normalPrior(b, z["mu"], 5), sum1(b, b.HalfNormalLogProb(z["tau"], b.Scalar(2))),
					normalPrior(b, z["beta"], 5), sum1(b, b.HalfNormalLogProb(z["sigma"], b.Scalar(2))),
					sum1(b, b.NormalLogProb(z["alpha"], z["mu"], z["tau"])))
			},
			Likelihood: func(b *graph.Builder, z bbvi.Vars, x bbvi.Vars) *graph.Node {
				mean := b.Add(b.MatMul(x["group"], b.T(z["alpha"])), b.Mul(column(b, x["x"]), draws(b, z["beta"]))) // (B, S)
				return b.Sum(b.NormalLogProb(column(b, x["y"]), mean, draws(b, z["sigma"])), 0)
			},
		},
		Data: bbvi.Data{{Name: "group", Cols: J, Values: oneHot(group, J)}, {Name: "x", Values: x}, {Name: "y", Values: y}},
		StanData: []StanVar{stanInt("N", N), stanInt("J", J), stanIntVec("g", groupStan),
			stanVec("x", x), stanVec("y", y)},
		LogDensity: func(z []float64) float64 {
			mu, tau, beta, sigma, a := z[0], z[1], z[2], z[3], z[4:4+J]
			lp := normal64(mu, 0, 5) + halfNormal64(tau, 2) + normal64(beta, 0, 5) + halfNormal64(sigma, 2)
			for _, v := range a {
				lp += normal64(v, mu, tau)
			}
			for i := range y {
				lp += normal64(y[i], a[group[i]]+beta*x[i], sigma)
			}
			return lp
		},
	}
}

// ---- k, l: far from Gaussian ----

// Funnel is problem k, Neal's funnel in five dimensions, without data:
//
//	v ~ N(0, 3²),   x_i ~ N(0, e^v) (sd e^{v/2}),   i = 1..4.
//
// Its moments are known: v has mean 0 and sd 3, each x_i mean 0 and sd
// e^{9/4}, all uncorrelated. No Gaussian fits it: a Gaussian family must be
// flagged here.
func Funnel() *Problem {
	const D = 4
	return &Problem{
		ID: "k", Name: "funnel", Title: "Neal's funnel, 5 dimensions",
		Stan: "funnel.stan", Exact: true, Seed: 111, AdaptDelta: 0.95,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{{Name: "v"}, {Name: "x", Size: D}},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.Add(normalPrior(b, z["v"], 3),
					sum1(b, b.NormalLogProb(z["x"], b.Scalar(0), b.Exp(b.Scale(z["v"], 0.5)))))
			},
		},
		LogDensity: func(z []float64) float64 {
			lp := normal64(z[0], 0, 3)
			for _, x := range z[1 : 1+D] {
				lp += normal64(x, 0, math.Exp(z[0]/2))
			}
			return lp
		},
	}
}

// Banana is problem l, a two-dimensional banana (a Rosenbrock-type ridge),
// without data:
//
//	x_1 ~ N(0, 2²),   x_2 ~ N(x_1²/2, 1).
//
// Its moments are known: means (0, 2), sds (2, 3), uncorrelated.
func Banana() *Problem {
	return &Problem{
		ID: "l", Name: "banana", Title: "banana (curved ridge), 2 dimensions",
		Stan: "banana.stan", Exact: true, Seed: 112,
		Model: bbvi.FuncModel{
			Vars: []bbvi.Latent{{Name: "x", Size: 2}},
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				x1, x2 := b.Col(z["x"], 0), b.Col(z["x"], 1)
				return b.Add(b.NormalLogProb(x1, b.Scalar(0), b.Scalar(2)),
					b.NormalLogProb(x2, b.Scale(b.Square(x1), 0.5), b.Scalar(1)))
			},
		},
		LogDensity: func(z []float64) float64 {
			return normal64(z[0], 0, 2) + normal64(z[1], z[0]*z[0]/2, 1)
		},
	}
}
