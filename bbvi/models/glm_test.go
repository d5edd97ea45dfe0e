package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/refprob"
	"gonum.org/v1/gonum/stat/distuv"
)

// regressionCase is one ready-made regression with its data.
type regressionCase struct {
	name  string
	model bbvi.Model
	data  bbvi.Data
	// logLik is the exact log-likelihood of one row given its linear
	// predictor eta, the target y, the trials n and the draw's sigma or phi.
	logLik func(eta, y, n, extra float64) float64
}

func lnorm(x, m, s float64) float64 { return distuv.Normal{Mu: m, Sigma: s}.LogProb(x) }

// regressionCases returns every regression, with and without groups, on a
// few rows of data.
func regressionCases(t *testing.T) []regressionCase {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d = 7, 2
	X := make([]float64, n*d)
	y, cnt, trials := make([]float64, n), make([]float64, n), make([]float64, n)
	var bin []float64
	group := make([]int, n)
	for i := range y {
		X[i*d], X[i*d+1] = rng.NormFloat64(), rng.NormFloat64()
		y[i] = rng.NormFloat64()
		cnt[i] = float64(rng.IntN(6))
		trials[i] = cnt[i] + float64(rng.IntN(4))
		bin = append(bin, float64(rng.IntN(2)))
		group[i] = rng.IntN(3)
	}
	var out []regressionCase
	for _, groups := range []*Groups{nil, {Name: "school", Levels: []string{"a", "b", "c"}}} {
		var grp []int
		if groups != nil {
			grp = group
		}
		suffix := ""
		if groups != nil {
			suffix = "+groups"
		}
		add := func(name string, m bbvi.Model, data bbvi.Data, err error, ll func(eta, y, n, extra float64) float64) {
			if err != nil {
				t.Fatal(name, err)
			}
			out = append(out, regressionCase{name + suffix, m, data, ll})
		}
		feats := []string{"u", "v"}
		lin := &LinearRegression{Features: feats, Intercept: true, PriorScale: 2, Group: groups}
		data, err := lin.DataRows(Rows{X: X, Y: y, Group: grp})
		add("linear", lin, data, err, func(eta, y, _, sigma float64) float64 { return lnorm(y, eta, sigma) })
		lin2 := &LinearRegression{Features: feats, NoiseSD: 0.7, Group: groups}
		data, err = lin2.DataRows(Rows{X: X, Y: y, Group: grp})
		add("linear-known-sd", lin2, data, err, func(eta, y, _, _ float64) float64 { return lnorm(y, eta, 0.7) })
		logit := &LogisticRegression{Features: feats, Intercept: true, Group: groups}
		data, err = logit.DataRows(Rows{X: X, Y: bin, Group: grp})
		add("logistic", logit, data, err, func(eta, y, _, _ float64) float64 {
			p := 1 / (1 + math.Exp(-eta))
			return y*math.Log(p) + (1-y)*math.Log(1-p)
		})
		pois := &PoissonRegression{Features: feats, Intercept: true, PriorScale: 3, Group: groups}
		data, err = pois.DataRows(Rows{X: X, Y: cnt, Group: grp})
		add("poisson", pois, data, err, func(eta, y, _, _ float64) float64 {
			return distuv.Poisson{Lambda: math.Exp(eta)}.LogProb(y)
		})
		nb := &NegativeBinomialRegression{Features: feats, Intercept: true, Group: groups}
		data, err = nb.DataRows(Rows{X: X, Y: cnt, Group: grp})
		add("negbinomial", nb, data, err, func(eta, y, _, phi float64) float64 {
			mu := math.Exp(eta)
			lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
			return lg(y+phi) - lg(y+1) - lg(phi) + y*math.Log(mu/(mu+phi)) + phi*math.Log(phi/(mu+phi))
		})
		binm := &BinomialRegression{Features: feats, Intercept: true, Group: groups}
		data, err = binm.DataRows(Rows{X: X, Y: cnt, Trials: trials, Group: grp})
		add("binomial", binm, data, err, func(eta, y, n, _ float64) float64 {
			return distuv.Binomial{N: n, P: 1 / (1 + math.Exp(-eta))}.LogProb(y)
		})
	}
	return out
}

// TestRegressionLogDensities checks every regression's log prior and
// log-likelihood, built as a graph for S draws, against the same sums
// computed directly with gonum's distributions.
func TestRegressionLogDensities(t *testing.T) {
	const s = 3
	for _, c := range regressionCases(t) {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			b := graph.NewBuilder(graph.Float64)
			z := bbvi.Vars{}
			vals := map[string][]float64{}
			for _, l := range c.model.Latents() {
				k := max(l.Size, 1)
				v := make([]float64, s*k)
				for i := range v {
					v[i] = 0.5 * rng.NormFloat64()
					if l.Support.Kind == bbvi.PositiveReals {
						v[i] = 0.3 + rng.Float64()
					}
				}
				vals[l.Name] = v
				z[l.Name] = b.Input(l.Name, s, k)
			}
			x := bbvi.Vars{}
			arr := map[string]bbvi.Array{}
			var ix *graph.Index
			for _, a := range c.data {
				arr[a.Name] = a
				if a.Groups > 0 {
					ix = b.IndexInput(a.Name, a.Rows(), a.Groups)
					continue
				}
				if a.Cols > 0 {
					x[a.Name] = b.Input(a.Name, a.Rows(), a.Cols)
				} else {
					x[a.Name] = b.Input(a.Name, a.Rows())
				}
			}
			lp := c.model.LogPrior(b, z)
			ll := c.model.LogLikelihood(b, z, x)
			m, err := b.Compile()
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for name, v := range vals {
				must(t, graph.Set(z[name], v))
			}
			for name, n := range x {
				must(t, graph.Set(n, arr[name].Values))
			}
			if ix != nil {
				for i, v := range arr["group"].Values {
					ix.Ints()[i] = int(v)
				}
			}
			must(t, m.Run())
			gotP, gotL := graph.Values(lp), graph.Values(ll)
			X, y, nrows := arr["X"].Values, arr["y"].Values, arr["y"].Rows()
			d := arr["X"].Cols
			for k := 0; k < s; k++ {
				var wantP, wantL float64
				beta := vals["beta"]
				nb := len(beta) / s
				scale := 10.0
				switch mm := c.model.(type) {
				case *LinearRegression:
					scale = orDefault(mm.PriorScale, 10)
				case *PoissonRegression:
					scale = orDefault(mm.PriorScale, 10)
				}
				for j := 0; j < nb; j++ {
					wantP += lnorm(beta[k*nb+j], 0, scale)
				}
				extra := 0.0
				if v, ok := vals["sigma"]; ok {
					extra = v[k]
					wantP += math.Log(2) + lnorm(extra, 0, 10)
				}
				if v, ok := vals["phi"]; ok {
					extra = v[k]
					wantP += distuv.Gamma{Alpha: 2, Beta: 0.1}.LogProb(extra)
				}
				var tau float64
				var eta []float64
				if v, ok := vals["tau"]; ok {
					tau = v[k]
					g := len(vals["eta"]) / s
					eta = vals["eta"][k*g : (k+1)*g]
					wantP += math.Log(2) + lnorm(tau, 0, scale)
					for _, e := range eta {
						wantP += lnorm(e, 0, 1)
					}
				}
				for i := 0; i < nrows; i++ {
					lin := 0.0
					off := nb - d
					if off == 1 {
						lin = beta[k*nb]
					}
					for j := 0; j < d; j++ {
						lin += X[i*d+j] * beta[k*nb+off+j]
					}
					if eta != nil {
						lin += tau * eta[int(arr["group"].Values[i])]
					}
					n := 0.0
					if tr, ok := arr["trials"]; ok {
						n = tr.Values[i]
					}
					wantL += c.logLik(lin, y[i], n, extra)
				}
				if math.Abs(gotP[k]-wantP) > 1e-9*(1+math.Abs(wantP)) {
					t.Errorf("draw %d: log prior %.12g, want %.12g", k, gotP[k], wantP)
				}
				if math.Abs(gotL[k]-wantL) > 1e-9*(1+math.Abs(wantL)) {
					t.Errorf("draw %d: log-likelihood %.12g, want %.12g", k, gotL[k], wantL)
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCountRegressionsExact fits the Poisson and binomial regressions of an
// intercept and one slope with the full-rank family and compares the
// posterior means and sds with the exact ones, by quadrature on a grid. With
// 150 rows the posterior is close to Gaussian: the full-rank q's means are
// within 0.1 posterior sd and its sds within 8%, well above the Monte Carlo
// error of the averaged fit.
func TestCountRegressionsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 150
	x, cnt, succ, trials := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		cnt[i] = distuv.Poisson{Lambda: math.Exp(0.4 + 0.6*x[i]), Src: rng}.Rand()
		trials[i] = float64(5 + rng.IntN(10))
		succ[i] = distuv.Binomial{N: trials[i], P: 1 / (1 + math.Exp(-(-0.3 + 0.8*x[i]))), Src: rng}.Rand()
	}
	pois := &PoissonRegression{Features: []string{"x"}, Intercept: true, PriorScale: 2}
	pdata, err := pois.DataRows(Rows{X: x, Y: cnt})
	must(t, err)
	binm := &BinomialRegression{Features: []string{"x"}, Intercept: true, PriorScale: 2}
	bdata, err := binm.DataRows(Rows{X: x, Y: succ, Trials: trials})
	must(t, err)
	cases := []struct {
		name  string
		model bbvi.Model
		data  bbvi.Data
		logp  func(a, b float64) float64
	}{
		{"poisson", pois, pdata, func(a, b float64) float64 {
			lp := lnorm(a, 0, 2) + lnorm(b, 0, 2)
			for i := range x {
				eta := a + b*x[i]
				lp += cnt[i]*eta - math.Exp(eta)
			}
			return lp
		}},
		{"binomial", binm, bdata, func(a, b float64) float64 {
			lp := lnorm(a, 0, 2) + lnorm(b, 0, 2)
			for i := range x {
				eta := a + b*x[i]
				lp += succ[i]*eta - trials[i]*math.Log1p(math.Exp(eta))
			}
			return lp
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			post, err := bbvi.Fit(c.model, c.data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 2)))
			must(t, err)
			mean, sd := post.Mean(), post.SD()
			wm, ws := refprob.Grid2(c.logp, [2]float64{mean[0], mean[1]}, [2]float64{sd[0], sd[1]}, 300)
			for j := 0; j < 2; j++ {
				if math.Abs(mean[j]-wm[j]) > 0.1*ws[j] {
					t.Errorf("%s: mean %.4f, exact %.4f (sd %.4f)", post.Names[j], mean[j], wm[j], ws[j])
				}
				if math.Abs(sd[j]/ws[j]-1) > 0.08 {
					t.Errorf("%s: sd %.4f, exact %.4f", post.Names[j], sd[j], ws[j])
				}
			}
		})
	}
}

// TestGroupsDerivedAndPredict fits a Poisson regression with 200 groups, in minibatches, and
// checks the derived deviations against τ·η_g computed from joint draws of
// the posterior, and the posterior predictive means against E[exp(η_i)],
// both within 4.5 Monte Carlo standard errors.
func TestGroupsDerivedAndPredict(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n, G = 800, 200
	levels := make([]string, G)
	dev := make([]float64, G)
	for g := range levels {
		levels[g] = fmt.Sprintf("g%d", g)
		dev[g] = 0.4 * rng.NormFloat64()
	}
	x, y := make([]float64, n), make([]float64, n)
	grp := make([]int, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		grp[i] = rng.IntN(G)
		y[i] = distuv.Poisson{Lambda: math.Exp(0.5 + 0.3*x[i] + dev[grp[i]]), Src: rng}.Rand()
	}
	m := &PoissonRegression{Features: []string{"x"}, Intercept: true, PriorScale: 2, Group: &Groups{Name: "g", Levels: levels}}
	data, err := m.DataRows(Rows{X: x, Y: y, Group: grp})
	must(t, err)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{BatchSize: 200}, rand.New(rand.NewPCG(1, 2)))
	must(t, err)
	if post.Derived == nil || post.Derived.Dim() != G || post.Derived.Names[0] != "g[g0]" {
		t.Fatalf("derived quantities %+v", post.Derived)
	}
	tauMean := post.Mean()[post.Index("tau")]
	if math.Abs(tauMean-0.4) > 0.12 {
		t.Errorf("tau %.3f, true 0.4", tauMean)
	}
	// E[τ·η_g] from joint draws of q.
	const nd = 20000
	draws := post.Sample(nil, nd, rand.New(rand.NewPCG(9, 9)))
	dim := post.Dim()
	it, ie := post.Index("tau"), post.Index("eta[g0]")
	dm, dsd := post.Derived.Mean(), post.Derived.SD()
	for _, g := range []int{0, 1, 77, 199} {
		var sum float64
		for s := 0; s < nd; s++ {
			sum += draws[s*dim+it] * draws[s*dim+ie+g]
		}
		want := sum / nd
		se := dsd[g] * math.Sqrt(1.0/nd+1.0/float64(post.Derived.N))
		if math.Abs(dm[g]-want) > 4.5*se {
			t.Errorf("group %d: derived mean %.4f, E[tau eta] %.4f (se %.4f)", g, dm[g], want, se)
		}
	}
	// Posterior predictive means of three new rows.
	newX := []float64{-1, 0, 1.5}
	newG := []int{3, 150, 199}
	pdata, err := m.DataRows(Rows{X: newX, Group: newG})
	must(t, err)
	const np = 4000
	pred, err := bbvi.Predict(m, post, pdata, np, rand.New(rand.NewPCG(5, 5)))
	must(t, err)
	ia, ib := post.Index("intercept"), post.Index("x")
	for i := range newX {
		var sum, sq float64
		for s := 0; s < np; s++ {
			v := pred[s*len(newX)+i]
			if v < 0 || v != math.Trunc(v) {
				t.Fatalf("draw %g is not a count", v)
			}
			sum += v
			sq += v * v
		}
		pm := sum / np
		pv := sq/np - pm*pm
		var lam float64
		for s := 0; s < nd; s++ {
			row := draws[s*dim : (s+1)*dim]
			lam += math.Exp(row[ia] + row[ib]*newX[i] + row[it]*row[ie+newG[i]])
		}
		lam /= nd
		if se := math.Sqrt(pv / np); math.Abs(pm-lam) > 4.5*se {
			t.Errorf("row %d: predictive mean %.4f, E[exp(eta)] %.4f (se %.4f)", i, pm, lam, se)
		}
	}
}
