package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// glmCase is one GLM likelihood test problem.
type glmCase struct {
	kind      GLMKind
	dt        Dtype
	n, d, s   int
	intercept bool
	sigma     int // 0 none, 1 scalar, 2 per draw
}

func (c glmCase) String() string {
	return fmt.Sprintf("%v/%v/B=%d/D=%d/S=%d/icpt=%v/sigma=%d", c.kind, c.dt, c.n, c.d, c.s, c.intercept, c.sigma)
}

// glmData returns X, y, beta, intercept and sigma values for c.
func (c glmCase) data(seed uint64) (X, y, beta, a, sig []float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	X = make([]float64, c.n*c.d)
	for i := range X {
		X[i] = rng.NormFloat64() / math.Sqrt(float64(c.d))
	}
	beta = make([]float64, c.s*c.d)
	for i := range beta {
		beta[i] = rng.NormFloat64() * 0.7
	}
	a = make([]float64, c.s)
	sig = make([]float64, c.s)
	for s := range a {
		a[s] = rng.NormFloat64() * 0.3
		sig[s] = 0.5 + rng.Float64()
	}
	y = make([]float64, c.n)
	for i := range y {
		eta := 0.3
		for j := 0; j < c.d; j++ {
			eta += X[i*c.d+j] * 0.5
		}
		switch c.kind {
		case GLMGaussian:
			y[i] = eta + rng.NormFloat64()
		case GLMLogistic:
			if rng.Float64() < 1/(1+math.Exp(-eta)) {
				y[i] = 1
			}
		case GLMPoisson:
			y[i] = float64(rng.IntN(5))
		}
	}
	return
}

// glmGraph builds the log-likelihood of c, fused or with the unfused
// expressions, and the gradient of Σ_s w_s·ll_s (weights w so that every
// draw's gradient is scaled differently) with respect to beta, the
// intercept and sigma. It returns ll, the gradients, the machine and the
// parameter nodes.
func glmGraph(t *testing.T, c glmCase, fused bool, seed uint64) (ll *Node, grads []*Node, m *Machine, params []*Node, yIn *Node) {
	t.Helper()
	X, y, beta, a, sig := c.data(seed)
	b := NewBuilder(c.dt)
	xn := b.Input("X", c.n, c.d)
	yn := b.Input("y", c.n)
	bn := b.Param("beta", beta, c.s, c.d)
	params = []*Node{bn}
	var an, sn *Node
	if c.intercept {
		an = b.Param("a", a, c.s)
		params = append(params, an)
	}
	switch c.sigma {
	case 1:
		sn = b.Param("sigma", sig[:1], 1)
		params = append(params, sn)
		sn = b.Sum(sn) // a scalar node computed from a parameter
	case 2:
		sn = b.Param("sigma", sig, c.s)
		params = append(params, sn)
	}
	if fused {
		ll = b.GLMLogLik(c.kind, xn, yn, bn, an, sn)
	} else {
		eta := b.MatMul(xn, b.T(bn))
		if an != nil {
			eta = b.Add(eta, an)
		}
		yc := b.Reshape(yn, c.n, 1)
		var lp *Node
		switch c.kind {
		case GLMGaussian:
			lp = b.NormalLogProb(yc, eta, sn)
		case GLMLogistic:
			lp = b.BernoulliLogitsLogProb(yc, eta)
		case GLMPoisson:
			lp = b.Sub(b.Sub(b.Mul(yc, eta), b.Exp(eta)), b.Lgamma(b.Shift(yc, 1)))
		}
		ll = b.Sum(lp, 0)
	}
	wts := make([]float64, c.s)
	for s := range wts {
		wts[s] = 1 + 0.5*float64(s%3)
	}
	cost := b.Sum(b.Mul(ll, b.Constant("w", wts, c.s)))
	grads = b.Grad(cost, params...)
	m, err := b.Compile()
	if err != nil {
		t.Fatalf("%v fused=%v: %v", c, fused, err)
	}
	if err := Set(xn, X); err != nil {
		t.Fatal(err)
	}
	if err := Set(yn, y); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(); err != nil {
		t.Fatalf("%v fused=%v: %v", c, fused, err)
	}
	return ll, grads, m, params, yn
}

func glmCases() []glmCase {
	var cs []glmCase
	for _, dt := range []Dtype{Float64, Float32} {
		for _, n := range []int{7, 1300} {
			for _, icpt := range []bool{true, false} {
				cs = append(cs,
					glmCase{GLMLogistic, dt, n, 5, 3, icpt, 0},
					glmCase{GLMLogistic, dt, n, 4, 8, icpt, 0},
					glmCase{GLMLogistic, dt, n, 5, 1, icpt, 0},
					glmCase{GLMGaussian, dt, n, 3, 1, icpt, 1},
					glmCase{GLMPoisson, dt, n, 4, 8, icpt, 0},
					glmCase{GLMGaussian, dt, n, 3, 9, icpt, 2},
					glmCase{GLMGaussian, dt, n, 6, 2, icpt, 1},
				)
			}
		}
	}
	return cs
}

// TestGLMMatchesUnfused compares the fused log-likelihood and its gradients
// with the unfused graph expressions.
func TestGLMMatchesUnfused(t *testing.T) {
	for _, c := range glmCases() {
		t.Run(c.String(), func(t *testing.T) {
			tol := 1e-11
			if c.dt == Float32 {
				tol = 2e-4
			}
			llF, gF, _, _, _ := glmGraph(t, c, true, 1)
			llU, gU, _, _, _ := glmGraph(t, c, false, 1)
			if sh := llF.Shape(); !sameShape(sh, []int{c.s}) {
				t.Fatalf("shape %v, want (%d)", sh, c.s)
			}
			closeSlices(t, "ll", Values(llF), Values(llU), tol)
			for i := range gF {
				closeSlices(t, fmt.Sprintf("grad %d", i), Values(gF[i]), Values(gU[i]), tol)
			}
		})
	}
}

func closeSlices(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var scale float64
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol*(1+scale)) {
			t.Errorf("%s[%d] = %.15g, want %.15g (tol %g·%g)", what, i, got[i], want[i], tol, 1+scale)
			return
		}
	}
}

// TestGLMFiniteDifferences checks the fused gradient of Σ w_s ll_s against
// central differences of the fused log-likelihood itself, in float64.
func TestGLMFiniteDifferences(t *testing.T) {
	for _, c := range []glmCase{
		{GLMLogistic, Float64, 600, 3, 2, true, 0},
		{GLMPoisson, Float64, 9, 2, 3, true, 0},
		{GLMGaussian, Float64, 11, 2, 2, true, 2},
		{GLMGaussian, Float64, 520, 2, 3, false, 1},
	} {
		t.Run(c.String(), func(t *testing.T) {
			ll, grads, m, params, _ := glmGraph(t, c, true, 2)
			wts := make([]float64, c.s)
			for s := range wts {
				wts[s] = 1 + 0.5*float64(s%3)
			}
			cost := func() float64 {
				if err := m.Run(); err != nil {
					t.Fatal(err)
				}
				var v float64
				for s, x := range Values(ll) {
					v += wts[s] * x
				}
				return v
			}
			for pi, p := range params {
				cost() // at the unperturbed parameters
				g := Values(grads[pi])
				vals := Values(p)
				for k := range vals {
					const h = 1e-5
					orig := vals[k]
					vals[k] = orig + h
					Set(p, vals)
					up := cost()
					vals[k] = orig - h
					Set(p, vals)
					down := cost()
					vals[k] = orig
					Set(p, vals)
					fd := (up - down) / (2 * h)
					if math.Abs(fd-g[k]) > 1e-6*(1+math.Abs(fd)) {
						t.Errorf("param %d[%d]: gradient %.10g, finite difference %.10g", pi, k, g[k], fd)
					}
				}
			}
		})
	}
}

// TestGLMSameBitsAnyCores checks that the fused likelihood and gradients are
// the same bits computed on 1 or 2 cores (the blocks split across
// goroutines), and from run to run.
func TestGLMSameBitsAnyCores(t *testing.T) {
	defer func(v int) { glmParMin = v }(glmParMin)
	glmParMin = 0
	for _, c := range []glmCase{
		{GLMLogistic, Float64, 5000, 7, 8, true, 0},
		{GLMGaussian, Float64, 3001, 5, 4, true, 2},
		{GLMPoisson, Float32, 2100, 3, 8, false, 0},
	} {
		var ref [][]float64
		for _, procs := range []int{1, 2, 3, 1} {
			func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				ll, grads, m, _, _ := glmGraph(t, c, true, 3)
				if err := m.Run(); err != nil {
					t.Fatal(err)
				}
				got := [][]float64{Values(ll)}
				for _, g := range grads {
					got = append(got, Values(g))
				}
				if ref == nil {
					ref = got
					return
				}
				for i := range got {
					for k := range got[i] {
						if math.Float64bits(got[i][k]) != math.Float64bits(ref[i][k]) {
							t.Fatalf("%v: GOMAXPROCS=%d: output %d[%d] = %v, with one core %v", c, procs, i, k, got[i][k], ref[i][k])
						}
					}
				}
			}()
		}
	}
}

// TestGLMPoissonNewData checks that the cached log y! follows new data.
func TestGLMPoissonNewData(t *testing.T) {
	c := glmCase{GLMPoisson, Float64, 30, 2, 2, true, 0}
	ll, _, m, _, yn := glmGraph(t, c, true, 4)
	before := Values(ll)
	y := Values(yn)
	y[3] += 2
	Set(yn, y)
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	llU, _, mU, _, yU := glmGraph(t, c, false, 4)
	Set(yU, y)
	if err := mU.Run(); err != nil {
		t.Fatal(err)
	}
	closeSlices(t, "ll after new y", Values(ll), Values(llU), 1e-11)
	if Values(ll)[0] == before[0] {
		t.Error("the log-likelihood did not change with y")
	}
}

func TestGLMErrors(t *testing.T) {
	for name, f := range map[string]func(b *Builder){
		"kind": func(b *Builder) { b.GLMLogLik(0, b.Input("X", 4, 2), b.Input("y", 4), b.Input("b", 3, 2), nil, nil) },
		"D mismatch": func(b *Builder) {
			b.GLMLogLik(GLMLogistic, b.Input("X", 4, 2), b.Input("y", 4), b.Input("b", 3, 3), nil, nil)
		},
		"y shape": func(b *Builder) {
			b.GLMLogLik(GLMLogistic, b.Input("X", 4, 2), b.Input("y", 5), b.Input("b", 3, 2), nil, nil)
		},
		"intercept": func(b *Builder) {
			b.GLMLogLik(GLMLogistic, b.Input("X", 4, 2), b.Input("y", 4), b.Input("b", 3, 2), b.Input("a", 4), nil)
		},
		"no sigma": func(b *Builder) {
			b.GLMLogLik(GLMGaussian, b.Input("X", 4, 2), b.Input("y", 4), b.Input("b", 3, 2), nil, nil)
		},
		"extra sigma": func(b *Builder) {
			b.GLMLogLik(GLMPoisson, b.Input("X", 4, 2), b.Input("y", 4), b.Input("b", 3, 2), nil, b.Scalar(1))
		},
		"sigma shape": func(b *Builder) {
			b.GLMLogLik(GLMGaussian, b.Input("X", 4, 2), b.Input("y", 4), b.Input("b", 3, 2), nil, b.Input("s", 2))
		},
	} {
		b := NewBuilder(Float64)
		f(b)
		if b.Err() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if GLMLogistic.String() != "logistic" || GLMKind(9).String() != "GLMKind(9)" {
		t.Error("GLMKind.String")
	}
}

// RunGradients gives Run's gradients bit for bit. Where no gradient reads
// the log-likelihood value (a cost linear in it) the logistic and Poisson
// ops skip it and their value reads 0 afterwards; the Gaussian op, whose σ
// gradient needs the sum of squares, and any op whose value a gradient
// reads (here a cost quadratic in it) compute it as Run does.
func TestGLMRunGradients(t *testing.T) {
	for _, c := range glmCases() {
		ll, grads, m, _, _ := glmGraph(t, c, true, 5)
		want := Values(ll)
		var wantG [][]float64
		for _, g := range grads {
			wantG = append(wantG, Values(g))
		}
		if err := m.RunGradients(); err != nil {
			t.Fatal(err)
		}
		for i, g := range grads {
			for k, v := range Values(g) {
				if math.Float64bits(v) != math.Float64bits(wantG[i][k]) {
					t.Fatalf("%v: gradient %d[%d] = %v after RunGradients, %v after Run", c, i, k, v, wantG[i][k])
				}
			}
		}
		got := Values(ll)
		for s := range got {
			skipped := c.kind != GLMGaussian
			if skipped && got[s] != 0 || !skipped && got[s] != want[s] {
				t.Fatalf("%v: value[%d] = %v after RunGradients (after Run %v; skipped %v)", c, s, got[s], want[s], skipped)
			}
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		if v := Values(ll); v[0] != want[0] {
			t.Fatalf("%v: Run after RunGradients gives %v, want %v", c, v[0], want[0])
		}
	}
	// A cost that reads the value: Σ_s ll_s².
	c := glmCase{GLMLogistic, Float64, 300, 4, 3, true, 0}
	X, y, beta, a, _ := c.data(9)
	b := NewBuilder(Float64)
	xn, yn := b.Input("X", c.n, c.d), b.Input("y", c.n)
	bn, an := b.Param("beta", beta, c.s, c.d), b.Param("a", a, c.s)
	ll := b.GLMLogLik(GLMLogistic, xn, yn, bn, an, nil)
	grads := b.Grad(b.Sum(b.Square(ll)), bn, an)
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.lazy) != 0 {
		t.Fatalf("%d lazy ops for a cost that reads the value", len(m.lazy))
	}
	if err := Set(xn, X); err != nil {
		t.Fatal(err)
	}
	if err := Set(yn, y); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	want, wantG := Values(ll), Values(grads[0])
	if err := m.RunGradients(); err != nil {
		t.Fatal(err)
	}
	if got, gotG := Values(ll), Values(grads[0]); got[0] != want[0] || gotG[0] != wantG[0] {
		t.Fatalf("value %v, gradient %v after RunGradients; after Run %v, %v", got[0], gotG[0], want[0], wantG[0])
	}
}
