package mixture

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// mixtureProblem is a data set drawn from a known diagonal Gaussian mixture,
// with the oracle estimates from the true labels.
type mixtureProblem struct {
	x               [][]float64
	labels          []int
	k, d            int
	means           [][]float64 // true means, sorted by the first coordinate
	scales          []float64   // true (isotropic) sds
	weights         []float64   // true weights
	oMeans, oScales [][]float64 // per-cluster sample means and sds (divisor n_k)
	oWeights        []float64   // cluster shares
	oLogLik         float64     // log-likelihood at the oracle estimates
}

// threeClusters draws N points in 2-D from three well-separated clusters.
func threeClusters(seed uint64, n int) *mixtureProblem {
	p := &mixtureProblem{
		k: 3, d: 2,
		means:   [][]float64{{-4, 0}, {0, 3}, {4, -1}},
		scales:  []float64{0.5, 0.6, 0.4},
		weights: []float64{0.3, 0.4, 0.3},
	}
	var flat []float64
	for _, m := range p.means {
		flat = append(flat, m...)
	}
	xs, labels := datasets.GaussianMixtureData(rand.New(rand.NewPCG(seed, 99)), n, flat, p.scales, p.weights)
	p.x = rows(xs, p.d)
	p.labels = labels
	p.oracle()
	return p
}

func rows(flat []float64, d int) [][]float64 {
	x := make([][]float64, len(flat)/d)
	for i := range x {
		x[i] = flat[i*d : (i+1)*d]
	}
	return x
}

func (p *mixtureProblem) oracle() {
	cnt := make([]float64, p.k)
	p.oMeans = make([][]float64, p.k)
	p.oScales = make([][]float64, p.k)
	for c := range p.oMeans {
		p.oMeans[c] = make([]float64, p.d)
		p.oScales[c] = make([]float64, p.d)
	}
	for i, row := range p.x {
		c := p.labels[i]
		cnt[c]++
		for j, v := range row {
			p.oMeans[c][j] += v
		}
	}
	for c := range p.oMeans {
		for j := range p.oMeans[c] {
			p.oMeans[c][j] /= cnt[c]
		}
	}
	for i, row := range p.x {
		c := p.labels[i]
		for j, v := range row {
			p.oScales[c][j] += (v - p.oMeans[c][j]) * (v - p.oMeans[c][j])
		}
	}
	p.oWeights = make([]float64, p.k)
	for c := range p.oScales {
		for j := range p.oScales[c] {
			p.oScales[c][j] = math.Sqrt(p.oScales[c][j] / cnt[c])
		}
		p.oWeights[c] = cnt[c] / float64(len(p.x))
	}
	p.oLogLik, _ = LogLik(p.x, p.oMeans, p.oScales, p.oWeights)
}

// within reports the largest absolute difference between two K×D tables.
func maxDiff(a, b [][]float64) float64 {
	var m float64
	for i := range a {
		for j := range a[i] {
			m = math.Max(m, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return m
}

func maxDiff1(a, b []float64) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// checkRecovered checks a sorted fit against the truth (within tol) and the
// oracle estimates (within otol), and its assignments against the labels.
func checkRecovered(t *testing.T, p *mixtureProblem, f *Result, tol, otol float64) {
	t.Helper()
	if f.K != p.k || f.D != p.d || len(f.Means) != p.k || len(f.Scales) != p.k || len(f.Weights) != p.k || len(f.Resp) != len(p.x) {
		t.Fatalf("%s: shapes K=%d D=%d, %d means, %d scales, %d weights, %d resp rows", f.Method, f.K, f.D, len(f.Means), len(f.Scales), len(f.Weights), len(f.Resp))
	}
	trueScales := make([][]float64, p.k)
	for c := range trueScales {
		trueScales[c] = []float64{p.scales[c], p.scales[c]}
	}
	if d := maxDiff(f.Means, p.means); d > tol {
		t.Errorf("%s: means %v, truth %v (off by %.3f)", f.Method, f.Means, p.means, d)
	}
	if d := maxDiff(f.Scales, trueScales); d > tol {
		t.Errorf("%s: scales %v, truth %v (off by %.3f)", f.Method, f.Scales, trueScales, d)
	}
	if d := maxDiff1(f.Weights, p.weights); d > tol {
		t.Errorf("%s: weights %v, truth %v (off by %.3f)", f.Method, f.Weights, p.weights, d)
	}
	if d := maxDiff(f.Means, p.oMeans); d > otol {
		t.Errorf("%s: means %v, oracle %v (off by %.4f)", f.Method, f.Means, p.oMeans, d)
	}
	if d := maxDiff(f.Scales, p.oScales); d > otol {
		t.Errorf("%s: scales %v, oracle %v (off by %.4f)", f.Method, f.Scales, p.oScales, d)
	}
	if d := maxDiff1(f.Weights, p.oWeights); d > otol {
		t.Errorf("%s: weights %v, oracle %v (off by %.4f)", f.Method, f.Weights, p.oWeights, d)
	}
	var wsum float64
	for _, w := range f.Weights {
		wsum += w
	}
	if math.Abs(wsum-1) > 1e-12 {
		t.Errorf("%s: weights sum to %v", f.Method, wsum)
	}
	wrong := 0
	for i, r := range f.Resp {
		var s float64
		best := 0
		for c, v := range r {
			s += v
			if v > r[best] {
				best = c
			}
		}
		if math.Abs(s-1) > 1e-12 {
			t.Fatalf("%s: Resp row %d sums to %v", f.Method, i, s)
		}
		if best != p.labels[i] {
			wrong++
		}
	}
	if wrong > len(p.x)/100 {
		t.Errorf("%s: %d of %d points assigned to the wrong cluster", f.Method, wrong, len(p.x))
	}
	ll, _ := LogLik(p.x, f.Means, f.Scales, f.Weights)
	if math.Abs(ll-f.LogLik) > 1e-9*math.Abs(ll) {
		t.Errorf("%s: LogLik %v, recomputed %v", f.Method, f.LogLik, ll)
	}
}

func TestKMeansPPDeterministic(t *testing.T) {
	p := threeClusters(1, 300)
	a := KMeansPP(p.x, 3, rand.New(rand.NewPCG(5, 5)))
	b := KMeansPP(p.x, 3, rand.New(rand.NewPCG(5, 5)))
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different centres: %v and %v", a, b)
	}
	// The centres are rows of x, one in each (well-separated) cluster.
	for _, seed := range []uint64{1, 2, 3, 4} {
		c := KMeansPP(p.x, 3, rand.New(rand.NewPCG(seed, 1)))
		seen := map[int]bool{}
		for _, ctr := range c {
			found := -1
			for i, row := range p.x {
				if reflect.DeepEqual(row, ctr) {
					found = i
					break
				}
			}
			if found < 0 {
				t.Fatalf("seed %d: centre %v is not a row of x", seed, ctr)
			}
			seen[p.labels[found]] = true
		}
		if len(seen) != 3 {
			t.Errorf("seed %d: centres %v cover clusters %v, want all three", seed, c, seen)
		}
	}
	// The returned centres are copies.
	a[0][0] = math.NaN()
	for _, row := range p.x {
		if math.IsNaN(row[0]) {
			t.Fatal("KMeansPP returned a row of x itself, not a copy")
		}
	}
}

func TestKMeansPPDuplicates(t *testing.T) {
	x := [][]float64{{1, 2}, {1, 2}, {1, 2}, {1, 2}}
	c := KMeansPP(x, 3, rand.New(rand.NewPCG(1, 1)))
	if len(c) != 3 {
		t.Fatalf("%d centres, want 3", len(c))
	}
	for _, ctr := range c {
		if !reflect.DeepEqual(ctr, []float64{1, 2}) {
			t.Errorf("centre %v, want [1 2]", ctr)
		}
	}
	// Two distinct points and k = 2: both are chosen.
	c = KMeansPP([][]float64{{0}, {0}, {0}, {5}}, 2, rand.New(rand.NewPCG(2, 2)))
	if c[0][0] == c[1][0] {
		t.Errorf("centres %v, want 0 and 5", c)
	}
	for name, f := range map[string]func(){
		"k=0":    func() { KMeansPP(x, 0, rand.New(rand.NewPCG(1, 1))) },
		"k>n":    func() { KMeansPP(x, 5, rand.New(rand.NewPCG(1, 1))) },
		"nil":    func() { KMeansPP(x, 2, nil) },
		"ragged": func() { KMeansPP([][]float64{{1, 2}, {3}}, 1, rand.New(rand.NewPCG(1, 1))) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("KMeansPP %s did not panic", name)
				}
			}()
			f()
		}()
	}
}

// naiveLogLik computes the mixture log-likelihood and responsibilities
// directly from the densities, with no log-domain tricks.
func naiveLogLik(x [][]float64, means, scales [][]float64, weights []float64) (float64, [][]float64) {
	var ll float64
	resp := make([][]float64, len(x))
	for i, row := range x {
		p := make([]float64, len(weights))
		var tot float64
		for k, w := range weights {
			dens := w
			for j, v := range row {
				z := (v - means[k][j]) / scales[k][j]
				dens *= math.Exp(-z*z/2) / (scales[k][j] * math.Sqrt(2*math.Pi))
			}
			p[k] = dens
			tot += dens
		}
		for k := range p {
			p[k] /= tot
		}
		resp[i] = p
		ll += math.Log(tot)
	}
	return ll, resp
}

func TestMixtureLogLik(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	for _, kd := range [][2]int{{1, 1}, {2, 3}, {4, 2}} {
		k, d := kd[0], kd[1]
		means := make([][]float64, k)
		scales := make([][]float64, k)
		weights := make([]float64, k)
		var ws float64
		for c := 0; c < k; c++ {
			means[c] = randVec(rng, d, 2)
			scales[c] = make([]float64, d)
			for j := range scales[c] {
				scales[c][j] = 0.3 + rng.Float64()
			}
			weights[c] = 0.1 + rng.Float64()
			ws += weights[c]
		}
		for c := range weights {
			weights[c] /= ws
		}
		x := make([][]float64, 20)
		for i := range x {
			x[i] = randVec(rng, d, 3)
		}
		ll, resp := LogLik(x, means, scales, weights)
		nll, nresp := naiveLogLik(x, means, scales, weights)
		if math.Abs(ll-nll) > 1e-12*math.Abs(nll) {
			t.Errorf("K=%d D=%d: log-lik %.17g, naive %.17g", k, d, ll, nll)
		}
		if diff := maxDiff(resp, nresp); diff > 1e-13 {
			t.Errorf("K=%d D=%d: responsibilities off by %g", k, d, diff)
		}
	}
	// A point far from every component: the naive densities underflow to 0,
	// the log-domain computation does not.
	means := [][]float64{{0}, {1}}
	scales := [][]float64{{0.1}, {0.1}}
	ll, resp := LogLik([][]float64{{60}}, means, scales, []float64{0.5, 0.5})
	// Component 1 dominates: ll ≈ log 0.5 + log N(60; 1, 0.01).
	want := math.Log(0.5) - 0.5*59*59/0.01 - math.Log(0.1) - halfLog2Pi
	if math.Abs(ll-want) > 1e-9*math.Abs(want) || !(resp[0][1] > 1-1e-12) {
		t.Errorf("far point: ll %v (want %v), resp %v", ll, want, resp[0])
	}
	// A zero weight gives a zero responsibility.
	_, resp = LogLik([][]float64{{0.5}}, means, scales, []float64{0, 1})
	if resp[0][0] != 0 || resp[0][1] != 1 {
		t.Errorf("zero weight: resp %v", resp[0])
	}
}

func randVec(rng *rand.Rand, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * rng.NormFloat64()
	}
	return v
}

func TestSortComponents(t *testing.T) {
	x := [][]float64{{0, 0}, {1, 5}, {3, 1}, {1, -2}}
	means := [][]float64{{3, 0}, {1, 4}, {-2, 1}, {1, -1}}
	scales := [][]float64{{1, 1.5}, {2, 0.5}, {0.7, 0.8}, {1.1, 0.9}}
	weights := []float64{0.1, 0.2, 0.3, 0.4}
	ll, resp := LogLik(x, means, scales, weights)
	f := &Result{K: 4, D: 2, Means: means, Scales: scales, Weights: weights, Resp: resp, LogLik: ll}
	f.SortComponents()
	// Order by first coordinate, ties (1, -1) < (1, 4) by the second.
	wantMeans := [][]float64{{-2, 1}, {1, -1}, {1, 4}, {3, 0}}
	if !reflect.DeepEqual(f.Means, wantMeans) {
		t.Fatalf("sorted means %v, want %v", f.Means, wantMeans)
	}
	if want := []float64{0.3, 0.4, 0.2, 0.1}; !reflect.DeepEqual(f.Weights, want) {
		t.Errorf("sorted weights %v, want %v", f.Weights, want)
	}
	if want := [][]float64{{0.7, 0.8}, {1.1, 0.9}, {2, 0.5}, {1, 1.5}}; !reflect.DeepEqual(f.Scales, want) {
		t.Errorf("sorted scales %v, want %v", f.Scales, want)
	}
	// The sorted fit describes the same mixture: its responsibilities are the
	// permuted columns and recomputing gives the same numbers.
	ll2, resp2 := LogLik(x, f.Means, f.Scales, f.Weights)
	if math.Abs(ll2-ll) > 1e-12*math.Abs(ll) {
		t.Errorf("log-lik after sorting %v, before %v", ll2, ll)
	}
	if d := maxDiff(f.Resp, resp2); d > 1e-15 {
		t.Errorf("Resp columns not permuted consistently (off by %g): %v vs %v", d, f.Resp, resp2)
	}
}

func TestMixtureBadInput(t *testing.T) {
	good := [][]float64{{0, 1}, {1, 2}, {2, 0}, {5, 5}}
	nan := math.NaN()
	cases := []struct {
		name string
		m    GaussianMixture
		x    [][]float64
	}{
		{"K=0", GaussianMixture{}, good},
		{"K<0", GaussianMixture{K: -1}, good},
		{"K>N", GaussianMixture{K: 5}, good},
		{"empty", GaussianMixture{K: 1}, nil},
		{"no columns", GaussianMixture{K: 1}, [][]float64{{}, {}}},
		{"ragged", GaussianMixture{K: 2}, [][]float64{{0, 1}, {1}, {2, 0}}},
		{"NaN", GaussianMixture{K: 2}, [][]float64{{0, 1}, {1, nan}, {2, 0}}},
		{"Inf", GaussianMixture{K: 2}, [][]float64{{0, 1}, {math.Inf(-1), 3}, {2, 0}}},
		{"constant column", GaussianMixture{K: 2}, [][]float64{{0, 1}, {1, 1}, {2, 1}}},
		{"mean prior", GaussianMixture{K: 2, MeanPriorScale: -1}, good},
		{"scale prior", GaussianMixture{K: 2, ScalePriorScale: math.Inf(1)}, good},
		{"concentration", GaussianMixture{K: 2, WeightConcentration: nan}, good},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range cases {
		_, errMarg := c.m.FitMarginal(c.x, &bbvi.Settings{MaxSteps: 1}, rng)
		if !errors.Is(errMarg, ErrInput) {
			t.Errorf("%s: FitMarginal error %v, want ErrInput", c.name, errMarg)
		}
		if c.m.MeanPriorScale != 0 || c.m.ScalePriorScale != 0 || c.m.WeightConcentration != 0 {
			continue // EM ignores the priors
		}
		_, errEM := c.m.FitEM(c.x, nil, rng)
		if !errors.Is(errEM, ErrInput) {
			t.Errorf("%s: FitEM error %v, want ErrInput", c.name, errEM)
		}
	}
	m := GaussianMixture{K: 2}
	if _, err := m.FitMarginal(good, nil, nil); err == nil {
		t.Error("FitMarginal accepted a nil rng")
	}
	if _, err := m.FitMarginal(good, &bbvi.Settings{InitMean: []float64{1}}, rng); err == nil {
		t.Error("FitMarginal accepted an InitMean of the wrong length")
	}
}

// TestMixtureModelGraph checks the model's vectorized log-likelihood and
// log-prior against direct computations for a few draws, and their gradients
// against finite differences.
func TestMixtureModelGraph(t *testing.T) {
	p := threeClusters(4, 40)
	for _, k := range []int{1, 3} {
		m := GaussianMixture{K: k, MeanPriorScale: 3, ScalePriorScale: 2, WeightConcentration: 1.5}
		md, err := m.prepare(p.x)
		if err != nil {
			t.Fatal(err)
		}
		mm, err := m.model(md)
		if err != nil {
			t.Fatal(err)
		}
		const S = 3
		kd := k * md.d
		rng := rand.New(rand.NewPCG(8, uint64(k)))
		muV, sigV := randVec(rng, S*kd, 1), make([]float64, S*kd)
		for i := range sigV {
			sigV[i] = 0.3 + rng.Float64()
		}
		var vV []float64
		if k > 1 {
			vV = randVec(rng, S*(k-1), 1)
		}
		flat := make([]float64, 0, md.n*md.d)
		for _, row := range md.std {
			flat = append(flat, row...)
		}
		// build returns the log-likelihood and log-prior nodes, and the
		// parameters in the order mu, sigma, v.
		build := func(b *graph.Builder) (ll, lp *graph.Node, params []*graph.Node) {
			z := bbvi.Vars{mixMeans: b.Param("mu", muV, S, kd), mixScales: b.Param("sigma", sigV, S, kd)}
			params = []*graph.Node{z[mixMeans], z[mixScales]}
			if k > 1 {
				z[mixWeights] = b.Param("v", vV, S, k-1)
				params = append(params, z[mixWeights])
			}
			ll = mm.LogLikelihood(b, z, bbvi.Vars{"x": b.Constant("x", flat, md.n, md.d)})
			lp = mm.LogPrior(b, z)
			return ll, lp, params
		}
		// Values: Gorgonia may reuse an intermediate node's buffer for a later
		// op, so the two outputs are read from a graph where nothing follows them.
		b := graph.NewBuilder(graph.Float64)
		ll, lp, _ := build(b)
		mach, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := mach.Run(); err != nil {
			t.Fatal(err)
		}
		gotLL, gotLP := graph.Values(ll), graph.Values(lp)
		for s := 0; s < S; s++ {
			means, scales := make([][]float64, k), make([][]float64, k)
			var lpWant float64
			for c := 0; c < k; c++ {
				means[c] = muV[s*kd+c*md.d : s*kd+(c+1)*md.d]
				scales[c] = sigV[s*kd+c*md.d : s*kd+(c+1)*md.d]
				for j := 0; j < md.d; j++ {
					mu, sg := means[c][j], scales[c][j]
					lpWant += -0.5*mu*mu/9 - math.Log(3) - halfLog2Pi
					lpWant += math.Log(2) - halfLog2Pi - math.Log(2) - 0.5*sg*sg/4
				}
			}
			weights := []float64{1}
			if k > 1 {
				weights = make([]float64, k)
				v := vV[s*(k-1) : (s+1)*(k-1)]
				graph.StickBreaking{}.Forward64(weights, v)
				// Dirichlet(1.5) density of w, plus the Jacobian.
				a := 1.5
				lg, _ := math.Lgamma(a * float64(k))
				lga, _ := math.Lgamma(a)
				lpWant += lg - float64(k)*lga + graph.StickBreaking{}.LogDetJacobian64(v)
				for _, w := range weights {
					lpWant += (a - 1) * math.Log(w)
				}
			}
			// In the data's units: unstandardize, then the plain log-likelihood.
			um, us := md.unstandardize(means, scales)
			llWant, _ := LogLik(p.x, um, us, weights)
			if math.Abs(gotLL[s]-llWant) > 1e-9*math.Abs(llWant) {
				t.Errorf("K=%d draw %d: log-likelihood %.12g, want %.12g", k, s, gotLL[s], llWant)
			}
			if math.Abs(gotLP[s]-lpWant) > 1e-9*math.Max(1, math.Abs(lpWant)) {
				t.Errorf("K=%d draw %d: log-prior %.12g, want %.12g", k, s, gotLP[s], lpWant)
			}
		}
		mach.Close()
		// Gradients of the log-joint against central differences.
		b = graph.NewBuilder(graph.Float64)
		ll, lp, params := build(b)
		cost := b.Sum(b.Add(ll, lp))
		grads := b.Grad(cost, params...)
		mach, err = b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := mach.Run(); err != nil {
			t.Fatal(err)
		}
		const h = 1e-6
		for pi, pn := range params {
			g := graph.Values(grads[pi])
			vals := graph.Float64s(pn)
			for i := range vals {
				old := vals[i]
				vals[i] = old + h
				_ = mach.Run()
				fp := graph.Scalar64(cost)
				vals[i] = old - h
				_ = mach.Run()
				fm := graph.Scalar64(cost)
				vals[i] = old
				want := (fp - fm) / (2 * h)
				if math.Abs(g[i]-want) > 1e-5*(1+math.Abs(want)) {
					t.Errorf("K=%d: d/d%s[%d] = %g, finite difference %g", k, pn.Name(), i, g[i], want)
				}
			}
		}
		mach.Close()
	}
}

// mixtureTestSettings keep the BBVI tests short: the k-means++ start is close,
// the fit is stationary within a few hundred steps (judged over a 400-step
// window), and 300 averaging steps are enough.
func mixtureTestSettings() *bbvi.Settings {
	return &bbvi.Settings{MaxSteps: 1500, AverageSteps: 300, Converger: bbvi.Stationary{Steps: 400}}
}

func TestFitMarginalRecovers(t *testing.T) {
	p := threeClusters(1, 600)
	m := GaussianMixture{K: 3}
	f, err := m.FitMarginal(p.x, mixtureTestSettings(), rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	f.SortComponents()
	t.Logf("steps %d, converged %v, ELBO %.2f, log-lik %.2f (oracle %.2f)", f.Iterations, f.Converged, f.Trace[len(f.Trace)-1], f.LogLik, p.oLogLik)
	if f.Method != "bbvi-marginal" || f.Posterior == nil || !f.Converged {
		t.Errorf("method %q, posterior %v, converged %v", f.Method, f.Posterior != nil, f.Converged)
	}
	if f.Iterations != f.Posterior.Steps || len(f.Trace) != len(f.Posterior.Trace) {
		t.Errorf("iterations %d and %d trace points, posterior has %d and %d", f.Iterations, len(f.Trace), f.Posterior.Steps, len(f.Posterior.Trace))
	}
	// Posterior means differ from the maximum-likelihood (oracle) values by a
	// fraction of a posterior sd (≈ σ/√n_k ≈ 0.04): allow 0.03.
	checkRecovered(t, p, f, 0.1, 0.03)
	// The ELBO is a lower bound on log p(x), which is below the maximized
	// log-likelihood plus the log prior density at its maximum; the gap is the
	// cost of the parameters' uncertainty, a few nats per parameter.
	elbo := f.Trace[len(f.Trace)-1]
	if !(elbo < f.LogLik) || elbo < f.LogLik-200 {
		t.Errorf("ELBO %.2f, log-likelihood %.2f", elbo, f.LogLik)
	}

	// EM and BBVI agree.
	em, err := m.FitEM(p.x, nil, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	em.SortComponents()
	if d := maxDiff(em.Means, f.Means); d > 0.1 {
		t.Errorf("EM means %v, BBVI %v", em.Means, f.Means)
	}
	if d := maxDiff(em.Scales, f.Scales); d > 0.1 {
		t.Errorf("EM scales %v, BBVI %v", em.Scales, f.Scales)
	}
	if d := maxDiff1(em.Weights, f.Weights); d > 0.1 {
		t.Errorf("EM weights %v, BBVI %v", em.Weights, f.Weights)
	}
	if d := maxDiff(em.Resp, f.Resp); d > 0.1 {
		t.Errorf("EM and BBVI responsibilities differ by %.3f", d)
	}
}

// TestFitMarginalSmall covers K = 1 (no weights latent), full-rank, minibatches,
// float32, and bit-for-bit determinism on a small problem.
func TestFitMarginalSmall(t *testing.T) {
	p := threeClusters(5, 120)
	// K = 1: the posterior means are close to the sample mean and sd.
	f, err := GaussianMixture{K: 1}.FitMarginal(p.x, &bbvi.Settings{MaxSteps: 800, AverageSteps: 200}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	md, _ := GaussianMixture{K: 1}.prepare(p.x)
	for j := 0; j < 2; j++ {
		// Posterior sd of the mean ≈ s/√N ≈ 0.3; of the sd ≈ s/√(2N) ≈ 0.2.
		if math.Abs(f.Means[0][j]-md.loc[j]) > 0.1*md.sd[j] || math.Abs(f.Scales[0][j]-md.sd[j]) > 0.1*md.sd[j] {
			t.Errorf("K=1 column %d: mean %.3f sd %.3f, sample %.3f and %.3f", j, f.Means[0][j], f.Scales[0][j], md.loc[j], md.sd[j])
		}
	}
	if !reflect.DeepEqual(f.Weights, []float64{1}) {
		t.Errorf("K=1 weights %v", f.Weights)
	}

	set := func() *bbvi.Settings {
		return &bbvi.Settings{MaxSteps: 300, AverageSteps: 100, Family: bbvi.FullRank{}, BatchSize: 40, Dtype: graph.Float32}
	}
	a, err := GaussianMixture{K: 3}.FitMarginal(p.x, set(), rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := GaussianMixture{K: 3}.FitMarginal(p.x, set(), rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	a.Posterior.Seconds, b.Posterior.Seconds = 0, 0
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different fits")
	}
	a.SortComponents()
	if d := maxDiff(a.Means, p.means); d > 0.3 {
		t.Errorf("full-rank float32 minibatch fit: means %v, truth %v", a.Means, p.means)
	}
}
