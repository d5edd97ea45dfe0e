package qmc

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDirectionNumbers checks the first coordinates of the unscrambled
// sequence against Sobol' points known by hand (Joe & Kuo's examples): the
// first is van der Corput's sequence, the second uses x+1 with m_1 = 1.
func TestDirectionNumbers(t *testing.T) {
	v, err := directions()
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]float64{ // points 0..7, first three coordinates
		{0, 0, 0}, {0.5, 0.5, 0.5}, {0.75, 0.25, 0.25}, {0.25, 0.75, 0.75},
		{0.375, 0.375, 0.625}, {0.875, 0.875, 0.125}, {0.625, 0.125, 0.875}, {0.125, 0.625, 0.375},
	}
	for i, w := range want {
		// want is in Gray-code order; sobolCoord uses the natural order, so
		// compare the sets by looking each point up.
		found := false
		for k := 0; k < 8 && !found; k++ {
			ok := true
			for j := 0; j < 3; j++ {
				ok = ok && float64(sobolCoord(&v[j], uint32(k)))*0x1p-32 == w[j]
			}
			found = ok
		}
		if !found {
			t.Errorf("point %v (Gray-code index %d) is not among the first 8 natural-order points", w, i)
		}
	}
	if len(v) != MaxDim {
		t.Fatalf("%d dimensions", len(v))
	}
}

// TestNetProperty: the first 2^m scrambled points of every pair of the first
// 8 coordinates, and each coordinate alone, are stratified as a Sobol' net
// is: one point in each interval [k/2^m, (k+1)/2^m) of every coordinate, and,
// for the first two coordinates (a (0, m, 2)-net), one point in every
// elementary box of area 2^-m.
func TestNetProperty(t *testing.T) {
	const m, d = 8, 8
	n := 1 << m
	s, err := NewSobol(d)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	u := make([]float64, n*d)
	for rep := 0; rep < 5; rep++ {
		s.Uniforms(u, n, rng)
		for j := 0; j < d; j++ {
			seen := make([]int, n)
			for i := 0; i < n; i++ {
				seen[int(u[i*d+j]*float64(n))]++
			}
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("rep %d coordinate %d: %d points in [%d/%d, %d/%d)", rep, j, c, k, n, k+1, n)
				}
			}
		}
		for a := 0; a <= m; a++ {
			na, nb := 1<<a, 1<<(m-a)
			seen := make([]int, n)
			for i := 0; i < n; i++ {
				seen[int(u[i*d]*float64(na))*nb+int(u[i*d+1]*float64(nb))]++
			}
			for _, c := range seen {
				if c != 1 {
					t.Fatalf("rep %d: boxes of %d×%d: a box holds %d points", rep, na, nb, c)
				}
			}
		}
	}
}

// l2Star returns the squared L2-star discrepancy of n points in [0,1]^d
// (Warnock's formula).
func l2Star(u []float64, n, d int) float64 {
	a := math.Pow(1.0/3, float64(d))
	var b, c float64
	for i := 0; i < n; i++ {
		p := 1.0
		for j := 0; j < d; j++ {
			x := u[i*d+j]
			p *= (1 - x*x) / 2
		}
		b += p
		for k := 0; k < n; k++ {
			q := 1.0
			for j := 0; j < d; j++ {
				q *= 1 - math.Max(u[i*d+j], u[k*d+j])
			}
			c += q
		}
	}
	return a - 2*b/float64(n) + c/float64(n*n)
}

// TestDiscrepancy: the L2-star discrepancy of scrambled Sobol' points is far
// below that of i.i.d. uniforms. For i.i.d. points its expectation is exact,
// E[D²] = (2^-d - 3^-d)/n, and the scrambled points' mean over randomizations
// must be below a third of it (at n = 256, d = 5 it is about a sixth).
func TestDiscrepancy(t *testing.T) {
	const n, d, reps = 256, 5, 20
	s, _ := NewSobol(d)
	rng := rand.New(rand.NewPCG(3, 4))
	u := make([]float64, n*d)
	var q, mc float64
	for r := 0; r < reps; r++ {
		s.Uniforms(u, n, rng)
		q += l2Star(u, n, d) / reps
		for i := range u {
			u[i] = rng.Float64()
		}
		mc += l2Star(u, n, d) / reps
	}
	exact := (math.Pow(2, -d) - math.Pow(3, -d)) / n
	t.Logf("mean D² (L2-star): scrambled Sobol' %.3g, i.i.d. %.3g, exact i.i.d. expectation %.3g", q, mc, exact)
	if math.Abs(mc-exact) > 0.5*exact {
		t.Errorf("i.i.d. discrepancy %.3g, expected about %.3g: the formula is wrong", mc, exact)
	}
	if !(q < exact/3) {
		t.Errorf("scrambled Sobol' discrepancy %.3g is not below a third of Monte Carlo's %.3g", q, exact)
	}
}

// gaussIntegrand is f(z) = exp(a·z), E f(Z) = exp(|a|²/2) for Z ~ N(0, I),
// Var f(Z) = exp(2|a|²) - exp(|a|²).
func gaussIntegrand(a []float64) (f func(z []float64) float64, mean, variance float64) {
	var s2 float64
	for _, v := range a {
		s2 += v * v
	}
	f = func(z []float64) float64 {
		var dot float64
		for j, v := range a {
			dot += v * z[j]
		}
		return math.Exp(dot)
	}
	return f, math.Exp(s2 / 2), math.Exp(2*s2) - math.Exp(s2)
}

// TestNormalsUnbiasedAndLowVariance: the RQMC mean of a smooth function of
// normal vectors is unbiased (the mean over randomizations is within four
// standard errors of the exact value), and its variance is far below the
// Monte Carlo variance σ²/n known in closed form: the upper end of the
// sample variance's 3-standard-error band must be a given factor below it.
func TestNormalsUnbiasedAndLowVariance(t *testing.T) {
	for _, tc := range []struct {
		n      int
		a      []float64
		factor float64 // required variance reduction
	}{
		{64, []float64{0.5}, 20},
		{256, []float64{0.3, -0.2, 0.4, 0.1}, 30},
		{128, []float64{0.2, 0.1, -0.1, 0.2, 0.15, -0.05, 0.1, 0.1, 0.05, -0.2}, 15},
	} {
		d := len(tc.a)
		f, mean, variance := gaussIntegrand(tc.a)
		s, _ := NewSobol(d)
		rng := rand.New(rand.NewPCG(5, uint64(d)))
		const R = 400
		z := make([]float64, tc.n*d)
		var sum, sum2 float64
		for r := 0; r < R; r++ {
			s.Normals(z, tc.n, rng)
			var est float64
			for i := 0; i < tc.n; i++ {
				est += f(z[i*d:(i+1)*d]) / float64(tc.n)
			}
			sum += est
			sum2 += est * est
		}
		m := sum / R
		v := (sum2 - R*m*m) / (R - 1)
		mcVar := variance / float64(tc.n)
		t.Logf("d=%d n=%d: mean %.6f (exact %.6f), RQMC variance %.3g, MC variance %.3g (ratio %.1f)", d, tc.n, m, mean, v, mcVar, mcVar/v)
		if se := math.Sqrt(v / R); math.Abs(m-mean) > 4*se {
			t.Errorf("d=%d: RQMC mean %.6f, exact %.6f, more than 4 standard errors (%.3g)", d, m, mean, se)
		}
		// The upper end of the sample variance's 3-standard-error band
		// (relative standard error √(2/(R-1)) for near-Gaussian estimates).
		vHi := v * (1 + 3*math.Sqrt(2.0/(R-1)))
		if !(vHi*tc.factor < mcVar) {
			t.Errorf("d=%d: RQMC variance %.3g (at most %.3g) is not %g times below Monte Carlo's %.3g", d, v, vHi, tc.factor, mcVar)
		}
	}
}

// TestPadding: past MaxDim the coordinates are Monte Carlo uniforms; every
// coordinate stays in (0, 1) and the same source gives the same points.
func TestPadding(t *testing.T) {
	d := MaxDim + 3
	s, err := NewSobol(d)
	if err != nil {
		t.Fatal(err)
	}
	a := make([]float64, 4*d)
	b := make([]float64, 4*d)
	s.Uniforms(a, 4, rand.New(rand.NewPCG(9, 9)))
	s.Uniforms(b, 4, rand.New(rand.NewPCG(9, 9)))
	for i := range a {
		if !(a[i] > 0 && a[i] < 1) || a[i] != b[i] {
			t.Fatalf("value %d: %v, %v", i, a[i], b[i])
		}
	}
	if _, err := NewSobol(0); err == nil {
		t.Error("dimension 0 accepted")
	}
}

// TestUniformMarginal: a scrambled point is uniform on its own; the first
// point (the origin before scrambling) of many randomizations has the
// moments of U(0, 1) within Monte Carlo error.
func TestUniformMarginal(t *testing.T) {
	s, _ := NewSobol(2)
	rng := rand.New(rand.NewPCG(11, 1))
	const R = 20000
	u := make([]float64, 2)
	var m1, m2 float64
	for r := 0; r < R; r++ {
		s.Uniforms(u, 1, rng)
		m1 += u[0] / R
		m2 += u[0] * u[0] / R
	}
	// Var(U) = 1/12, Var(U²) = 4/45.
	if se := math.Sqrt(1.0 / 12 / R); math.Abs(m1-0.5) > 4*se {
		t.Errorf("mean %.4f, want 0.5 ± %.4f", m1, se)
	}
	if se := math.Sqrt(4.0 / 45 / R); math.Abs(m2-1.0/3) > 4*se {
		t.Errorf("second moment %.4f, want 1/3 ± %.4f", m2, se)
	}
}
