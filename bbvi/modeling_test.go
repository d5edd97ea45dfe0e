package bbvi_test

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/refprob"
)

// linearFlat is Bayesian linear regression with a known noise sd 1 and, with
// a nil Prior, a flat prior on (a, b): its posterior is exactly Gaussian,
// N((AᵀA)⁻¹Aᵀy, (AᵀA)⁻¹), A = [1 x].
func linearFlat(t *testing.T) (bbvi.FuncModel, bbvi.Data, *refprob.Linear) {
	ref := refprob.NewLinear(3, 60, 1)
	exact := refprob.ExactLinear(ref.X, ref.Y, 1, 1, 1e8) // prior sd 1e8: flat to 1e-16
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "coef", Size: 2}},
		Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
			a, slope := b.Cols(z["coef"], 0, 1), b.Cols(z["coef"], 1, 2)
			mu := b.Add(a, b.Mul(slope, b.PerRow(x["x"])))
			return b.Sum(b.NormalLogProb(b.PerRow(x["y"]), mu, b.Scalar(1)), 1)
		},
	}
	return m, bbvi.Data{{Name: "x", Values: ref.X}, {Name: "y", Values: ref.Y}}, exact
}

// TestFlatPrior: a FuncModel with a nil Prior has a flat prior, and its
// full-rank fit recovers the exact Gaussian posterior of the flat-prior
// linear regression.
func TestFlatPrior(t *testing.T) {
	m, data, exact := linearFlat(t)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	mean, sd := post.Mean(), post.SD()
	for j := range mean {
		esd := math.Sqrt(exact.Cov[j*2+j])
		if math.Abs(mean[j]-exact.Mean[j]) > 0.05*esd || math.Abs(sd[j]/esd-1) > 0.05 {
			t.Errorf("%s: %.4f ± %.4f, exact %.4f ± %.4f", post.Names[j], mean[j], sd[j], exact.Mean[j], esd)
		}
	}
}

// fitErr builds a fit of m on data with the settings and returns its error.
func fitErr(m bbvi.Model, data bbvi.Data, set *bbvi.Settings) error {
	v, err := bbvi.NewSVI(m, data, set, rand.New(rand.NewPCG(1, 1)))
	if err == nil {
		v.Close()
	}
	return err
}

// TestShapeTraps: the mistakes that used to give silently wrong answers stop
// the fit with an error naming the model function and the shape it returned.
func TestShapeTraps(t *testing.T) {
	_, data, _ := linearFlat(t) // 60 rows
	vars := []bbvi.Latent{{Name: "a"}, {Name: "s", Support: bbvi.Positive()}}
	prior := func(b *graph.Builder, z bbvi.Vars) *graph.Node {
		return b.Sum(b.NormalLogProb(z["a"], b.Scalar(0), b.Scalar(10)), 1)
	}
	good := func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
		return b.Sum(b.NormalLogProb(b.PerRow(x["y"]), z["a"], z["s"]), 1)
	}
	cases := []struct {
		name  string
		m     bbvi.FuncModel
		set   *bbvi.Settings
		wants []string
	}{
		{"likelihood summed to a scalar", bbvi.FuncModel{Vars: vars, Prior: prior,
			Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
				return b.Sum(b.NormalLogProb(b.PerRow(x["y"]), z["a"], z["s"]))
			}}, nil, []string{"FuncModel.Likelihood", "shape ()", "want (8)"}},
		{"likelihood summed to (1)", bbvi.FuncModel{Vars: vars, Prior: prior,
			Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
				rows := b.NormalLogProb(b.PerRow(x["y"]), z["a"], z["s"]) // (S, B)
				return b.Sum(b.Reshape(rows, 1, rows.Shape().Size()), 1)  // (1)
			}}, nil, []string{"FuncModel.Likelihood", "shape (1)", "want (8)"}},
		{"per-row terms as per-draw, Draws = rows", bbvi.FuncModel{Vars: vars, Prior: prior,
			Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
				// Col gives (S): with S = B it lines up with the rows (B).
				return b.NormalLogProb(x["y"], b.Col(z["a"], 0), b.Col(z["s"], 0))
			}}, &bbvi.Settings{Draws: 60}, []string{"Draws (60) equals the rows per batch (60)", "FuncModel.Likelihood", "61 draws"}},
		{"per-row terms as per-draw, Draws = BatchSize", bbvi.FuncModel{Vars: vars, Prior: prior,
			Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
				return b.NormalLogProb(x["y"], b.Col(z["a"], 0), b.Col(z["s"], 0))
			}}, &bbvi.Settings{Draws: 10, BatchSize: 10}, []string{"Draws (10) equals the rows per batch (10)", "FuncModel.Likelihood"}},
		{"prior left at (S, 1)", bbvi.FuncModel{Vars: vars,
			Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
				return b.NormalLogProb(z["a"], b.Scalar(0), b.Scalar(10))
			}, Likelihood: good}, nil, []string{"FuncModel.Prior", "shape (8, 1)", "want (8)", "Sum(·, 1)"}},
		{"density shapes", bbvi.FuncModel{Vars: vars, Prior: prior,
			Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
				return b.Sum(b.NormalLogProb(x["y"], b.Col(z["a"], 0), z["s"]), 1)
			}}, nil, []string{"FuncModel.Likelihood", "NormalLogProb(x (60), loc (8)", "do not broadcast"}},
		{"panic on a misspelled name", bbvi.FuncModel{Vars: vars, Prior: prior,
			Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
				n := x["Y"].Shape()[0] // nil node: panics
				return b.Sum(b.NormalLogProb(b.PerRow(x["y"]), z["a"], b.Scalar(float64(n))), 1)
			}}, nil, []string{"FuncModel.Likelihood panicked"}},
		{"nil node", bbvi.FuncModel{Vars: vars, Prior: prior,
			Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
				return b.Sum(b.NormalLogProb(b.PerRow(x["Y"]), z["a"], z["s"]), 1)
			}}, nil, []string{"in FuncModel.Likelihood", "nil"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := fitErr(c.m, data, c.set)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// The right model passes every check, Draws = rows included.
	if err := fitErr(bbvi.FuncModel{Vars: vars, Prior: prior, Likelihood: good}, data, &bbvi.Settings{Draws: 60}); err != nil {
		t.Errorf("good model: %v", err)
	}
}

// TestGlobalAndIndexData fits a varying-intercept model whose group of each
// row is an index array and whose group-level predictor is a Global array,
// with and without minibatches, and checks it against the exact posterior:
// with known sds it is linear-Gaussian in (μ, γ, α_g).
func TestGlobalAndIndexData(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, G = 240, 12
	u := make([]float64, G) // group-level predictor
	for g := range u {
		u[g] = float64(g)/float64(G) - 0.5
	}
	grp, y := make([]float64, n), make([]float64, n)
	for i := range y {
		g := rng.IntN(G)
		grp[i] = float64(g)
		y[i] = 1 + 2*u[g] + 0.5*rng.NormFloat64() + rng.NormFloat64()
	}
	// α_g = μ + γ u_g + 0.5 η_g, y_i ~ N(α_g[i], 1); μ, γ ~ N(0, 10²), η ~ N(0, 1).
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "mu"}, {Name: "gamma"}, {Name: "eta", Size: G}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			lp := b.Add(b.Sum(b.NormalLogProb(z["mu"], b.Scalar(0), b.Scalar(10)), 1), b.Sum(b.NormalLogProb(z["gamma"], b.Scalar(0), b.Scalar(10)), 1))
			return b.Add(lp, b.Sum(b.NormalLogProb(z["eta"], b.Scalar(0), b.Scalar(1)), 1))
		},
		Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
			alpha := b.Add(b.Add(z["mu"], b.Mul(z["gamma"], b.PerRow(x["u"]))), b.Scale(z["eta"], 0.5)) // (S, G)
			return b.Sum(b.NormalLogProb(b.PerRow(x["y"]), b.Gather(alpha, b.Index("group")), b.Scalar(1)), 1)
		},
	}
	data := bbvi.Data{
		{Name: "y", Values: y},
		{Name: "group", Values: grp, Groups: G},
		{Name: "u", Values: u, Global: true},
	}
	// Exact posterior of (μ, γ): integrate η out. y = A θ + noise with
	// θ = (μ, γ) and Cov y = I + 0.25 Z Zᵀ: precision I/100 + Aᵀ C⁻¹ A, done
	// group by group (C is block diagonal by group after sorting; compute
	// with the Woodbury identity per group).
	var p00, p01, p11, r0, r1 float64
	for g := 0; g < G; g++ {
		var cnt, sy float64
		for i := range y {
			if int(grp[i]) == g {
				cnt++
				sy += y[i]
			}
		}
		// For a group of k rows with C = I + 0.25·11ᵀ, 1ᵀC⁻¹1 = k/(1+0.25k), 1ᵀC⁻¹y = Σy/(1+0.25k).
		w := cnt / (1 + 0.25*cnt)
		wy := sy / (1 + 0.25*cnt)
		p00 += w
		p01 += w * u[g]
		p11 += w * u[g] * u[g]
		r0 += wy
		r1 += wy * u[g]
	}
	p00 += 0.01
	p11 += 0.01
	det := p00*p11 - p01*p01
	exactMean := []float64{(p11*r0 - p01*r1) / det, (p00*r1 - p01*r0) / det}
	exactSD := []float64{math.Sqrt(p11 / det), math.Sqrt(p00 / det)}
	for _, batch := range []int{0, 60} {
		post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: bbvi.FullRank{}, BatchSize: batch}, rand.New(rand.NewPCG(2, 3)))
		if err != nil {
			t.Fatal(err)
		}
		mean, sd := post.Mean(), post.SD()
		tol := 0.1
		if batch > 0 {
			tol = 0.25 // minibatch noise in the averaged iterate
		}
		for j := 0; j < 2; j++ {
			if math.Abs(mean[j]-exactMean[j]) > tol*exactSD[j] || math.Abs(sd[j]/exactSD[j]-1) > tol {
				t.Errorf("batch %d: %s = %.4f ± %.4f, exact %.4f ± %.4f", batch, post.Names[j], mean[j], sd[j], exactMean[j], exactSD[j])
			}
		}
	}
	// Bad indexes are named with their array and row.
	bad := append(bbvi.Data(nil), data...)
	bad[1] = bbvi.Array{Name: "group", Values: append(append([]float64(nil), grp[:5]...), append([]float64{12}, grp[6:]...)...), Groups: G}
	if err := fitErr(m, bad, nil); err == nil || !strings.Contains(err.Error(), `index array "group" row 5`) {
		t.Errorf("index out of range: error %v", err)
	}
	bad[1].Values[5] = 1.5
	if err := fitErr(m, bad, nil); err == nil || !strings.Contains(err.Error(), `index array "group" row 5: 1.5`) {
		t.Errorf("fractional index: error %v", err)
	}
	missing := bbvi.FuncModel{Vars: m.Vars, Prior: m.Prior, Likelihood: func(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
		return b.Sum(b.Gather(z["eta"], b.Index("county")), 1)
	}}
	if err := fitErr(missing, data, nil); err == nil || !strings.Contains(err.Error(), `Index("county")`) || !strings.Contains(err.Error(), `"group"`) {
		t.Errorf("unknown index: error %v", err)
	}
}

// TestDerivedFuncModel: a FuncModel's derived quantity is summarized with
// the exact answer of a Gaussian q: θ = μ + 2ε with μ, ε real latents has
// mean E μ + 2 E ε and the sd of the linear combination.
func TestDerivedFuncModel(t *testing.T) {
	m, data, _ := linearFlat(t)
	m.Quantities = []bbvi.Quantity{{Name: "theta", Size: 2, Labels: []string{"sum", "diff"}}}
	m.Derive = func(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
		a, s := b.Cols(z["coef"], 0, 1), b.Cols(z["coef"], 1, 2)
		return bbvi.Vars{"theta": b.Concat(1, b.Add(a, s), b.Sub(a, b.Scale(s, 2)))}
	}
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	d := post.Derived
	if d == nil || d.N != bbvi.PosteriorDraws || strings.Join(d.Names, ",") != "sum,diff" {
		t.Fatalf("derived %+v", d)
	}
	mu, cov := post.Mean(), post.Cov()
	for j, w := range [][2]float64{{1, 1}, {1, -2}} {
		wantM := w[0]*mu[0] + w[1]*mu[1]
		wantSD := math.Sqrt(w[0]*w[0]*cov[0] + 2*w[0]*w[1]*cov[1] + w[1]*w[1]*cov[3])
		se := wantSD / math.Sqrt(float64(d.N))
		if math.Abs(d.Mean()[j]-wantM) > 4*se {
			t.Errorf("%s: mean %.5f, exact %.5f (se %.5f)", d.Names[j], d.Mean()[j], wantM, se)
		}
		if math.Abs(d.SD()[j]/wantSD-1) > 4/math.Sqrt(2*float64(d.N)) {
			t.Errorf("%s: sd %.5f, exact %.5f", d.Names[j], d.SD()[j], wantSD)
		}
		q95 := wantM + 1.6448536269514722*wantSD
		if math.Abs(d.Quantile(0.95)[j]-q95) > 6*se {
			t.Errorf("%s: 95%% quantile %.5f, exact %.5f", d.Names[j], d.Quantile(0.95)[j], q95)
		}
	}
	// A quantity of the wrong shape stops the fit before it starts.
	m.Derive = func(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
		return bbvi.Vars{"theta": b.Sum(z["coef"], 1)}
	}
	if err := fitErr(m, data, nil); err == nil || !strings.Contains(err.Error(), `FuncModel.Derive: quantity "theta" has shape (3)`) {
		t.Errorf("wrong shape: error %v", err)
	}
}

// TestREADMEQuickstart runs the README's quickstart model, checking that the
// README shows this very code, with and without minibatches, against the
// exact posterior by quadrature.
func TestREADMEQuickstart(t *testing.T) {
	const code = `
model := bbvi.FuncModel{
    Vars: []bbvi.Latent{
        {Name: "coef", Size: 2, Labels: []string{"a", "b"}},
    },
    Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
        return b.Sum(b.NormalLogProb(z["coef"], b.Scalar(0), b.Scalar(1)), 1)
    },
    Likelihood: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
        coef := z["coef"]                                               // (S, 2): draws × coefficients
        a, slope := b.Cols(coef, 0, 1), b.Cols(coef, 1, 2)              // (S, 1) each
        eta := b.Add(a, b.Mul(slope, b.PerRow(d["x"])))                 // (S, B): draws × rows
        return b.Sum(b.PoissonLogRateLogProb(b.PerRow(d["y"]), eta), 1) // (S): Poisson log-likelihood
    },
}
data := bbvi.Data{{Name: "x", Values: x}, {Name: "y", Values: y}}`
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if !strings.Contains(squash(string(readme)), squash(code)) {
		t.Fatal("README.md's quickstart is not the code this test runs: update both")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		y[i] = poisson(rng, math.Exp(0.5+0.8*x[i]))
	}
	model := bbvi.FuncModel{
		Vars: []bbvi.Latent{
			{Name: "coef", Size: 2, Labels: []string{"a", "b"}},
		},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.Sum(b.NormalLogProb(z["coef"], b.Scalar(0), b.Scalar(1)), 1)
		},
		Likelihood: func(b *graph.Builder, z bbvi.Vars, d bbvi.Vars) *graph.Node {
			coef := z["coef"]                                               // (S, 2): draws × coefficients
			a, slope := b.Cols(coef, 0, 1), b.Cols(coef, 1, 2)              // (S, 1) each
			eta := b.Add(a, b.Mul(slope, b.PerRow(d["x"])))                 // (S, B): draws × rows
			return b.Sum(b.PoissonLogRateLogProb(b.PerRow(d["y"]), eta), 1) // (S): Poisson log-likelihood
		},
	}
	data := bbvi.Data{{Name: "x", Values: x}, {Name: "y", Values: y}}
	logp := func(a, s float64) float64 {
		lp := -0.5*a*a - 0.5*s*s
		for i := range x {
			eta := a + s*x[i]
			lp += y[i]*eta - math.Exp(eta)
		}
		return lp
	}
	for _, batch := range []int{0, 50, 8} {
		post, err := bbvi.Fit(model, data, &bbvi.Settings{Family: bbvi.FullRank{}, BatchSize: batch}, rand.New(rand.NewPCG(7, 7)))
		if err != nil {
			t.Fatalf("BatchSize %d: %v", batch, err)
		}
		mean, sd := post.Mean(), post.SD()
		wm, ws := refprob.Grid2(logp, [2]float64{mean[0], mean[1]}, [2]float64{sd[0], sd[1]}, 250)
		tol := 0.1
		if batch > 0 {
			tol = 0.3 // the minibatch gradient's noise in the averaged iterate
		}
		for j := 0; j < 2; j++ {
			if math.Abs(mean[j]-wm[j]) > tol*ws[j] || math.Abs(sd[j]/ws[j]-1) > tol {
				t.Errorf("BatchSize %d: %s = %.4f ± %.4f, exact %.4f ± %.4f", batch, post.Names[j], mean[j], sd[j], wm[j], ws[j])
			}
		}
	}
}

// flatLinear is the flat-prior linear regression as a Predictor: the mean of
// each row and the known noise sd 1.
type flatLinear struct{ bbvi.FuncModel }

func (m flatLinear) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	a, slope := b.Cols(z["coef"], 0, 1), b.Cols(z["coef"], 1, 2)
	return []*graph.Node{b.Add(a, b.Mul(slope, b.PerRow(x["x"])))}
}

func (m flatLinear) Simulate(p []float64, rng *rand.Rand) float64 { return p[0] + rng.NormFloat64() }

// TestPredict checks the posterior predictive draws of a linear regression
// against their exact mean, a + b·x, and variance, 1 + Var(a + b·x), under q,
// within 4.5 Monte Carlo standard errors.
func TestPredict(t *testing.T) {
	fm, data, _ := linearFlat(t)
	m := flatLinear{fm}
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{-2, 0, 3}
	const n = 20000
	draws, err := bbvi.Predict(m, post, bbvi.Data{{Name: "x", Values: xs}}, n, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	mu, cov := post.Mean(), post.Cov()
	for i, x := range xs {
		var sum, sq float64
		for s := 0; s < n; s++ {
			v := draws[s*len(xs)+i]
			sum += v
			sq += v * v
		}
		pm := sum / n
		pv := sq/n - pm*pm
		wantM := mu[0] + x*mu[1]
		wantV := 1 + cov[0] + 2*x*cov[1] + x*x*cov[3]
		if math.Abs(pm-wantM) > 4.5*math.Sqrt(wantV/n) {
			t.Errorf("x = %g: predictive mean %.4f, exact %.4f", x, pm, wantM)
		}
		if math.Abs(pv/wantV-1) > 4.5*math.Sqrt(2.0/n) {
			t.Errorf("x = %g: predictive variance %.4f, exact %.4f", x, pv, wantV)
		}
	}
	// A parameter of the wrong shape is named.
	bad := flatLinear{fm}
	_, err = bbvi.Predict(badPredictor{bad}, post, bbvi.Data{{Name: "x", Values: xs}}, 10, rand.New(rand.NewPCG(3, 3)))
	if err == nil || !strings.Contains(err.Error(), "parameter 0 has shape (10)") {
		t.Errorf("bad parameter: error %v", err)
	}
}

type badPredictor struct{ flatLinear }

func (m badPredictor) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	return []*graph.Node{b.Col(z["coef"], 0)}
}

// TestGlobalOnlyData: a model whose data are all Global (no per-row arrays,
// no minibatches) fits exactly as with the same arrays per row and all rows
// in every step.
func TestGlobalOnlyData(t *testing.T) {
	m, data, _ := linearFlat(t)
	global := bbvi.Data{}
	for _, a := range data {
		a.Global = true
		global = append(global, a)
	}
	set := &bbvi.Settings{MaxSteps: 300, Tol: -1}
	p1, err := bbvi.Fit(m, data, set, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := bbvi.Fit(m, global, set, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if m1, m2 := p1.Mean(), p2.Mean(); m1[0] != m2[0] || m1[1] != m2[1] || p1.ELBO() != p2.ELBO() {
		t.Errorf("per-row %v (ELBO %v), Global %v (ELBO %v)", m1, p1.ELBO(), m2, p2.ELBO())
	}
	if p2.Diagnostics == nil || math.IsNaN(p2.Diagnostics.ELBO) {
		t.Errorf("diagnostics %+v", p2.Diagnostics)
	}
}

type panicSimulate struct{ flatLinear }

func (panicSimulate) Simulate([]float64, *rand.Rand) float64 { panic("boom") }

type panicPredictive struct{ flatLinear }

func (panicPredictive) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	n := x["nope"].Shape()[0] // nil node: panics
	return []*graph.Node{b.Scale(z["coef"], float64(n))}
}

// TestModelPanics: a panic in Derive, Predictive or Simulate is an error
// naming the function.
func TestModelPanics(t *testing.T) {
	fm, data, _ := linearFlat(t)
	fm.Quantities = []bbvi.Quantity{{Name: "q"}}
	fm.Derive = func(b *graph.Builder, z, x bbvi.Vars) bbvi.Vars {
		n := x["y"].Shape()[0] // x has only the Global arrays: a nil node, so this panics
		return bbvi.Vars{"q": b.Scale(b.Cols(z["coef"], 0, 1), float64(n))}
	}
	if err := fitErr(fm, data, nil); err == nil || !strings.Contains(err.Error(), "FuncModel.Derive panicked") {
		t.Errorf("Derive: error %v", err)
	}
	fm.Quantities, fm.Derive = nil, nil
	post, err := bbvi.Fit(fm, data, &bbvi.Settings{MaxSteps: 200, Tol: -1}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	rows := bbvi.Data{{Name: "x", Values: []float64{1, 2}}}
	for _, c := range []struct {
		m    bbvi.Predictor
		want string
	}{
		{panicSimulate{flatLinear{fm}}, "bbvi_test.panicSimulate.Simulate panicked: boom"},
		{panicPredictive{flatLinear{fm}}, "bbvi_test.panicPredictive.Predictive panicked"},
	} {
		if _, err := bbvi.Predict(c.m, post, rows, 5, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

// TestDerivePerRowData: Derive reading a per-row array (not available to
// it) is an error that says which data it sees.
func TestDerivePerRowData(t *testing.T) {
	fm, data, _ := linearFlat(t)
	fm.Quantities = []bbvi.Quantity{{Name: "q"}}
	fm.Derive = func(b *graph.Builder, z, x bbvi.Vars) bbvi.Vars {
		return bbvi.Vars{"q": b.Mul(b.Cols(z["coef"], 0, 1), b.PerRow(x["x"]))}
	}
	err := fitErr(fm, data, nil)
	if err == nil || !strings.Contains(err.Error(), "in FuncModel.Derive") || !strings.Contains(err.Error(), "Global data arrays only") {
		t.Errorf("error %v", err)
	}
}

// TestDerivedSimplex: a derived quantity of a simplex latent (K values from
// K-1 unconstrained coordinates) agrees with the same function of the
// posterior's own draws, within 4.5 Monte Carlo standard errors.
func TestDerivedSimplex(t *testing.T) {
	m := bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "w", Size: 3, Support: bbvi.Simplex()}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			return b.DirichletLogProb(z["w"], b.Constant("alpha", []float64{2, 3, 5}, 3))
		},
		Quantities: []bbvi.Quantity{{Name: "odds"}},
		Derive: func(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
			w := z["w"]
			return bbvi.Vars{"odds": b.Div(b.Cols(w, 2, 3), b.Cols(w, 0, 1))} // w_3 / w_1, (S, 1)
		},
	}
	post, err := bbvi.Fit(m, nil, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	draws := post.Sample(nil, n, rand.New(rand.NewPCG(4, 4)))
	d := post.Dim()
	var sum, sq float64
	for s := 0; s < n; s++ {
		v := draws[s*d+2] / draws[s*d]
		sum += v
		sq += v * v
	}
	want := sum / n
	sd := math.Sqrt(sq/n - want*want)
	got := post.Derived.Mean()[0]
	if se := sd * math.Sqrt(1.0/n+1.0/float64(post.Derived.N)); math.Abs(got-want) > 4.5*se {
		t.Errorf("derived mean %.4f, from the posterior's draws %.4f (se %.4f)", got, want, se)
	}
}
