package bbvi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/graph"
)

// vectorLatents has one latent of every kind of continuous support but
// positive and interval (covered elsewhere).
func vectorLatents() []Latent {
	return []Latent{
		{Name: "a"},
		{Name: "w", Size: 3, Support: Simplex()},
		{Name: "c", Size: 3, Support: Ordered()},
		{Name: "Omega", Size: 3, Support: CholeskyCorr()},
		{Name: "L", Size: 2, Support: CholeskyCov()},
		{Name: "u", Size: 2, Support: UpperBound(1)},
		{Name: "p", Size: 2, Support: PositiveOrdered()},
		{Name: "l", Support: LowerBound(-3)},
	}
}

const vectorFree = 1 + 2 + 3 + 3 + 3 + 2 + 2 + 1 // unconstrained coordinates
const vectorDim = 1 + 3 + 3 + 9 + 4 + 2 + 2 + 1  // reported components

func TestSupportSizes(t *testing.T) {
	free, comps := 0, 0
	for _, l := range vectorLatents() {
		free += l.free()
		comps += l.components()
		if err := l.checkSupport(); err != nil {
			t.Errorf("%s: %v", l.Name, err)
		}
	}
	if free != vectorFree || comps != vectorDim {
		t.Errorf("free %d, components %d; want %d and %d", free, comps, vectorFree, vectorDim)
	}
	names := Latent{Name: "Omega", Size: 2, Support: CholeskyCorr()}.ComponentNames()
	if want := []string{"Omega[0,0]", "Omega[0,1]", "Omega[1,0]", "Omega[1,1]"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if names := (Latent{Name: "w", Size: 3, Support: Simplex()}).ComponentNames(); !reflect.DeepEqual(names, []string{"w[0]", "w[1]", "w[2]"}) {
		t.Errorf("simplex names %v", names)
	}
	bad := []struct {
		l    Latent
		want string
	}{
		{Latent{Name: "w", Support: Simplex()}, "Size"},
		{Latent{Name: "R", Size: 1, Support: CholeskyCorr()}, "Size"},
		{Latent{Name: "R", Size: 41, Support: CholeskyCov()}, "at most"},
		{Latent{Name: "w", Size: 2001, Support: Simplex()}, "at most"},
		{Latent{Name: "c", Size: 5000, Support: Ordered()}, "at most"},
		{Latent{Name: "l", Support: LowerBound(math.NaN())}, "lower bound"},
		{Latent{Name: "u", Support: UpperBound(math.Inf(1))}, "upper bound"},
		{Latent{Name: "w", Size: 0, Support: Simplex(), Local: true}, "local"},
	}
	for _, c := range bad {
		err := validateLatents([]Latent{c.l})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.l.Name) {
			t.Errorf("%v: error %v, want one naming the latent and %q", c.l, err, c.want)
		}
	}
	for s, want := range map[Support]string{
		LowerBound(2): "lower(2)", UpperBound(-1): "upper(-1)", Ordered(): "ordered", PositiveOrdered(): "positive_ordered",
		Simplex(): "simplex", CholeskyCorr(): "cholesky_corr", CholeskyCov(): "cholesky_cov",
	} {
		if s.String() != want || s.Elementwise() != (s.Kind == LowerBounded || s.Kind == UpperBounded) || s.Discrete() {
			t.Errorf("%v: String %q, Elementwise %v", s, s.String(), s.Elementwise())
		}
	}
}

// TestConstrainVector checks the graph the fit builds: the latents arrive in
// the documented shapes, with the values of the bijectors' plain-Go forms,
// and the log|det J| is the sum of theirs.
func TestConstrainVector(t *testing.T) {
	const s = 4
	rng := rand.New(rand.NewPCG(41, 1))
	zeta := make([]float64, s*vectorFree)
	for i := range zeta {
		zeta[i] = rng.NormFloat64()
	}
	latents := vectorLatents()
	for _, dt := range []graph.Dtype{graph.Float64, graph.Float32} {
		b := graph.NewBuilder(dt)
		p := &Problem{B: b, Latents: latents}
		z, logdet := p.Constrain(b.Constant("zeta", zeta, s, vectorFree))
		if b.Err() != nil {
			t.Fatal(b.Err())
		}
		shapes := map[string][]int{"a": {s, 1}, "w": {s, 3}, "c": {s, 3}, "Omega": {s, 3, 3}, "L": {s, 2, 2}, "u": {s, 2}, "p": {s, 2}, "l": {s, 1}}
		for name, want := range shapes {
			if got := []int(z[name].Shape()); !reflect.DeepEqual(got, want) {
				t.Errorf("%v: %s has shape %v, want %v", dt, name, got, want)
			}
		}
		var nodes []*graph.Node
		for _, l := range latents {
			nodes = append(nodes, z[l.Name])
		}
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		tol := 1e-12
		if dt == graph.Float32 {
			tol = 1e-5
		}
		ld := graph.Values(logdet)
		for r := 0; r < s; r++ {
			row := zeta[r*vectorFree : (r+1)*vectorFree]
			off := 0
			var want float64
			for k, l := range latents {
				u := row[off : off+l.free()]
				off += l.free()
				bij := l.Support.Bijector()
				y := make([]float64, bij.OutDim(len(u)))
				bij.Forward64(y, u)
				want += bij.LogDetJacobian64(u)
				got := graph.Values(nodes[k])
				w := len(got) / s
				for i, v := range y {
					if math.Abs(got[r*w+i]-v) > tol*math.Max(1, math.Abs(v)) {
						t.Errorf("%v: draw %d: %s[%d] = %v, want %v", dt, r, l.Name, i, got[r*w+i], v)
					}
				}
			}
			if math.Abs(ld[r]-want) > tol*math.Max(1, math.Abs(want)) {
				t.Errorf("%v: draw %d: log det %v, want %v", dt, r, ld[r], want)
			}
		}
		m.Close()
	}
}

// randomScale returns a random lower-triangular scale factor with positive
// diagonal.
func randomScale(rng *rand.Rand, d int, size float64) []float64 {
	l := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			l[i*d+j] = 0.3 * size * rng.NormFloat64()
		}
		l[i*d+i] = size * (0.5 + rng.Float64())
	}
	return l
}

// TestVectorPosterior checks the reports of vector and matrix latents under
// a Gaussian q: the layout (a simplex sums to 1, a correlation matrix has a
// unit diagonal, both matrices are symmetric), determinism, and every
// summary against fresh draws of Sample within Monte Carlo standard errors.
// The elementwise latents keep their exact summaries, checked the same way
// (with the decreasing upper-bound map's quantiles).
func TestVectorPosterior(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	mu := make([]float64, vectorFree)
	for i := range mu {
		mu[i] = 0.5 * rng.NormFloat64()
	}
	scale := randomScale(rng, vectorFree, 0.5)
	sd := make([]float64, vectorFree)
	for i := range sd {
		sd[i] = scale[i*vectorFree+i]
	}
	full, err := newPosterior(vectorLatents(), mu, scale)
	if err != nil {
		t.Fatal(err)
	}
	diag, err := newDiagPosterior(vectorLatents(), mu, sd)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := newPosterior(vectorLatents(), mu, scale)
	if !reflect.DeepEqual(full.Mean(), again.Mean()) || !reflect.DeepEqual(full.Cov(), again.Cov()) || !reflect.DeepEqual(full.Quantile(0.2), again.Quantile(0.2)) {
		t.Error("the same q gives different summaries")
	}
	for name, p := range map[string]*Posterior{"fullrank": full, "diagonal": diag} {
		t.Run(name, func(t *testing.T) {
			if p.Dim() != vectorDim || len(p.Names) != vectorDim || len(p.UMean) != vectorFree {
				t.Fatalf("Dim %d, %d names, %d unconstrained", p.Dim(), len(p.Names), len(p.UMean))
			}
			mean, sds, cov := p.Mean(), p.SD(), p.Cov()
			q10 := p.Quantile(0.1)
			ix := func(n string) int {
				i := p.Index(n)
				if i < 0 {
					t.Fatalf("no component %s in %v", n, p.Names)
				}
				return i
			}
			if s := mean[ix("w[0]")] + mean[ix("w[1]")] + mean[ix("w[2]")]; math.Abs(s-1) > 1e-12 {
				t.Errorf("simplex mean sums to %v", s)
			}
			for i := 0; i < 3; i++ {
				if v := mean[ix(fmt.Sprintf("Omega[%d,%d]", i, i))]; math.Abs(v-1) > 1e-12 {
					t.Errorf("Omega[%d,%d] mean %v, want 1", i, i, v)
				}
				for j := 0; j < 3; j++ {
					if a, b := mean[ix(fmt.Sprintf("Omega[%d,%d]", i, j))], mean[ix(fmt.Sprintf("Omega[%d,%d]", j, i))]; a != b || math.Abs(a) > 1 {
						t.Errorf("Omega mean not symmetric or outside [-1, 1]: %v, %v", a, b)
					}
				}
			}
			if mean[ix("c[0]")] >= mean[ix("c[1]")] || q10[ix("p[0]")] <= 0 {
				t.Errorf("ordered means %v, positive-ordered 10%% quantile %v", mean[ix("c[0]"):ix("c[0]")+3], q10[ix("p[0]")])
			}
			// Fresh draws.
			const n = 40000
			draws := p.Sample(nil, n, rand.New(rand.NewPCG(43, 1)))
			d := p.Dim()
			for j := 0; j < d; j++ {
				var m, below float64
				for s := 0; s < n; s++ {
					v := draws[s*d+j]
					m += v
					if v < q10[j] {
						below++
					}
				}
				m /= n
				// The summary's own Monte Carlo error (PosteriorDraws draws)
				// for vector latents, plus that of the fresh draws.
				se := sds[j] * math.Sqrt(1.0/n+1.0/PosteriorDraws)
				if math.Abs(m-mean[j]) > 4*se+1e-12 {
					t.Errorf("%s: mean %v, fresh draws %v (se %v)", p.Names[j], mean[j], m, se)
				}
				if sds[j] > 0 {
					if f := below / n; math.Abs(f-0.1) > 4*math.Sqrt(0.09*(1.0/n+1.0/PosteriorDraws)) {
						t.Errorf("%s: %.4f of the draws below the 10%% quantile %v", p.Names[j], f, q10[j])
					}
				}
			}
			// Covariances against the fresh draws, for pairs across and within latents.
			pairs := [][2]string{{"w[0]", "w[1]"}, {"a", "w[0]"}, {"c[0]", "c[2]"}, {"Omega[1,0]", "Omega[2,1]"}, {"L[1,1]", "a"}, {"u[0]", "u[1]"}, {"l", "p[1]"}, {"u[1]", "w[2]"}}
			for _, pr := range pairs {
				i, j := ix(pr[0]), ix(pr[1])
				var c float64
				for s := 0; s < n; s++ {
					c += (draws[s*d+i] - mean[i]) * (draws[s*d+j] - mean[j])
				}
				c /= n
				se := sds[i] * sds[j] * math.Sqrt(2*(1.0/n+1.0/PosteriorDraws))
				if math.Abs(c-cov[i*d+j]) > 4*se {
					t.Errorf("cov(%s, %s) = %v, fresh draws %v (se %v)", pr[0], pr[1], cov[i*d+j], c, se)
				}
			}
			if name == "diagonal" && (cov[ix("a")*d+ix("w[0]")] != 0 || cov[ix("w[0]")*d+ix("c[0]")] != 0 || cov[ix("w[0]")*d+ix("w[1]")] >= 0) {
				t.Error("a Diagonal q: want zero covariance between latents and a negative one within the simplex")
			}
			if cov[ix("Omega[0,0]")*d+ix("Omega[0,0]")] > 1e-20 || sds[ix("Omega[2,2]")] > 1e-7 {
				t.Errorf("the unit diagonal of Omega has variance %v", cov[ix("Omega[0,0]")*d+ix("Omega[0,0]")])
			}
		})
	}
	// A sampled posterior of the same Gaussian agrees with the exact one.
	mc, err := NewSampledPosterior(vectorLatents(), gaussFrozen{mu, scale}, 44)
	if err != nil {
		t.Fatal(err)
	}
	want, got, sds := full.Mean(), mc.Mean(), full.SD()
	for j := range want {
		if se := sds[j] * math.Sqrt(2.0/PosteriorDraws); math.Abs(got[j]-want[j]) > 4*se+1e-12 {
			t.Errorf("sampled posterior: %s mean %v, want %v (se %v)", mc.Names[j], got[j], want[j], se)
		}
	}
	// NewPosterior from the covariance gives the same numbers as the factor,
	// up to the Monte Carlo error of the vector latents (the factor it
	// computes differs in the last bits, and so does the seed).
	cv := make([]float64, vectorFree*vectorFree)
	for i := 0; i < vectorFree; i++ {
		for j := 0; j < vectorFree; j++ {
			for k := 0; k <= min(i, j); k++ {
				cv[i*vectorFree+j] += scale[i*vectorFree+k] * scale[j*vectorFree+k]
			}
		}
	}
	np, err := NewPosterior(vectorLatents(), mu, cv)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range np.Mean() {
		tol := 1e-9 * math.Max(1, math.Abs(want[j]))
		if np.mc(j) {
			tol = 4 * sds[j] * math.Sqrt(2.0/PosteriorDraws)
		}
		if math.Abs(v-want[j]) > tol {
			t.Errorf("NewPosterior: %s mean %v, want %v", np.Names[j], v, want[j])
		}
	}
}

// TestMomentsConstantComponent checks that the moment check of the
// diagnostics passes over a constant component (the unit diagonal of a
// reported correlation matrix), whose weighted variance is rounding noise.
func TestMomentsConstantComponent(t *testing.T) {
	const n = 1000
	rng := rand.New(rand.NewPCG(45, 1))
	draws := make([][]float64, n)
	w := make([]float64, n)
	var sum float64
	for s := range draws {
		draws[s] = []float64{1, rng.NormFloat64()}
		w[s] = 0.5 + rng.Float64()
		sum += w[s]
	}
	for s := range w {
		w[s] /= sum
	}
	if r := momentReasons(draws, nil, w, 900, false, []string{"Omega[0,0]", "x"}); len(r) != 0 {
		t.Errorf("reasons %q for a constant component and a matching one", r)
	}
}
