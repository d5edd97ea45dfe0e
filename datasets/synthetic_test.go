package datasets

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// within reports whether got is within k standard errors of want.
func within(got, want, se, k float64) bool { return math.Abs(got-want) <= k*se }

func TestLinearData(t *testing.T) {
	tests := []struct {
		name      string
		seed      uint64
		n         int
		beta      []float64
		intercept float64
		rho       float64
		noise     float64
	}{
		{"independent", 1, 20000, []float64{1, -2, 0.5}, 0.3, 0, 0.5},
		{"correlated", 2, 20000, []float64{0.5, 0, 0, 1}, -1, 0.8, 1},
		{"anti-correlated", 3, 20000, []float64{1, 1}, 2, -0.6, 0.1},
		{"noiseless", 4, 500, []float64{3}, 0, 0.9, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tc.seed, 0))
			X, y := LinearData(rng, tc.n, tc.beta, tc.intercept, tc.rho, tc.noise)
			d := len(tc.beta)
			if len(X) != tc.n*d || len(y) != tc.n {
				t.Fatalf("len(X)=%d len(y)=%d", len(X), len(y))
			}
			n := float64(tc.n)
			for j := 0; j < d; j++ {
				var m, v float64
				for i := 0; i < tc.n; i++ {
					m += X[i*d+j]
					v += X[i*d+j] * X[i*d+j]
				}
				m /= n
				v /= n
				if !within(m, 0, 1/math.Sqrt(n), 5) {
					t.Errorf("mean of column %d = %.4f, want 0", j, m)
				}
				if !within(v, 1, math.Sqrt(2/n), 5) {
					t.Errorf("variance of column %d = %.4f, want 1", j, v)
				}
				if j > 0 {
					var c float64
					for i := 0; i < tc.n; i++ {
						c += X[i*d+j] * X[i*d+j-1]
					}
					c /= n
					if se := math.Sqrt((1 + tc.rho*tc.rho) / n); !within(c, tc.rho, se, 5) {
						t.Errorf("cov(x%d, x%d) = %.4f, want %.2f", j-1, j, c, tc.rho)
					}
				}
			}
			if d >= 3 {
				var c float64
				for i := 0; i < tc.n; i++ {
					c += X[i*d] * X[i*d+2]
				}
				c /= n
				if !within(c, tc.rho*tc.rho, math.Sqrt(2/n), 5) {
					t.Errorf("cov(x0, x2) = %.4f, want %.4f", c, tc.rho*tc.rho)
				}
			}
			// Residuals from the true coefficients are the noise.
			var rm, rv float64
			for i := 0; i < tc.n; i++ {
				r := y[i] - tc.intercept
				for j, b := range tc.beta {
					r -= X[i*d+j] * b
				}
				rm += r
				rv += r * r
			}
			rm /= n
			rv /= n
			if tc.noise == 0 {
				if math.Abs(rm) > 1e-12 || rv > 1e-20 {
					t.Errorf("noiseless residuals: mean %g, mean square %g", rm, rv)
				}
				return
			}
			if !within(rm, 0, tc.noise/math.Sqrt(n), 5) {
				t.Errorf("residual mean = %.4f", rm)
			}
			if sd := math.Sqrt(rv); !within(sd, tc.noise, tc.noise/math.Sqrt(2*n), 5) {
				t.Errorf("residual sd = %.4f, want %.4f", sd, tc.noise)
			}
		})
	}
}

func TestLinearDataDeterministic(t *testing.T) {
	X1, y1 := LinearData(rand.New(rand.NewPCG(7, 7)), 50, []float64{1, 2}, 0, 0.5, 1)
	X2, y2 := LinearData(rand.New(rand.NewPCG(7, 7)), 50, []float64{1, 2}, 0, 0.5, 1)
	for i := range X1 {
		if X1[i] != X2[i] {
			t.Fatal("same seed gave different X")
		}
	}
	for i := range y1 {
		if y1[i] != y2[i] {
			t.Fatal("same seed gave different y")
		}
	}
}

func TestLogisticData(t *testing.T) {
	tests := []struct {
		seed      uint64
		beta      []float64
		intercept float64
		rho       float64
	}{
		{1, []float64{1, -1, 0.5}, 0, 0.3},
		{2, []float64{2}, -1.5, 0},
		{3, []float64{0, 0}, 3, 0.9},
	}
	for _, tc := range tests {
		rng := rand.New(rand.NewPCG(tc.seed, 42))
		const n = 20000
		X, y := LogisticData(rng, n, tc.beta, tc.intercept, tc.rho)
		d := len(tc.beta)
		if len(X) != n*d || len(y) != n {
			t.Fatalf("len(X)=%d len(y)=%d", len(X), len(y))
		}
		var sumY, sumP, varP float64
		// Calibration in two halves of the predicted probability.
		var hiY, hiP, hiN float64
		for i := 0; i < n; i++ {
			if y[i] != 0 && y[i] != 1 {
				t.Fatalf("y[%d] = %v", i, y[i])
			}
			eta := tc.intercept
			for j, b := range tc.beta {
				eta += X[i*d+j] * b
			}
			p := Sigmoid(eta)
			sumY += y[i]
			sumP += p
			varP += p * (1 - p)
			if p > 0.5 {
				hiY += y[i]
				hiP += p
				hiN++
			}
		}
		if se := math.Sqrt(varP); !within(sumY, sumP, se, 5) {
			t.Errorf("seed %d: sum(y) = %.0f, want %.1f ± %.1f", tc.seed, sumY, sumP, se)
		}
		if hiN > 0 {
			if se := math.Sqrt(hiN) / 2; !within(hiY, hiP, se, 5) {
				t.Errorf("seed %d: calibration for p>0.5: %.0f ones, want %.1f", tc.seed, hiY, hiP)
			}
		}
	}
}

func TestSigmoid(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{0, 0.5}, {1000, 1}, {-1000, 0}, {math.Log(3), 0.75}, {-math.Log(3), 0.25},
	} {
		if got := Sigmoid(tc.x); math.Abs(got-tc.want) > 1e-15 || math.IsNaN(got) {
			t.Errorf("Sigmoid(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}

func TestGaussianMixtureData(t *testing.T) {
	tests := []struct {
		name    string
		seed    uint64
		means   []float64
		scales  []float64
		weights []float64
	}{
		{"2d three components", 1, []float64{0, 0, 5, 5, -5, 3}, []float64{1, 0.5, 2}, []float64{0.5, 0.3, 0.2}},
		{"1d unnormalized weights", 2, []float64{-2, 2}, []float64{0.3, 0.3}, []float64{3, 1}},
		{"zero weight and scale", 3, []float64{1, 2, 3}, []float64{1, 0, 1}, []float64{1, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const n = 30000
			rng := rand.New(rand.NewPCG(tc.seed, 9))
			X, labels := GaussianMixtureData(rng, n, tc.means, tc.scales, tc.weights)
			K := len(tc.weights)
			d := len(tc.means) / K
			if len(X) != n*d || len(labels) != n {
				t.Fatalf("len(X)=%d len(labels)=%d", len(X), len(labels))
			}
			total := 0.0
			for _, w := range tc.weights {
				total += w
			}
			count := make([]float64, K)
			sum := make([]float64, K*d)
			sq := make([]float64, K*d)
			for i, k := range labels {
				if k < 0 || k >= K {
					t.Fatalf("label %d out of range", k)
				}
				count[k]++
				for j := 0; j < d; j++ {
					v := X[i*d+j] - tc.means[k*d+j]
					sum[k*d+j] += v
					sq[k*d+j] += v * v
				}
			}
			for k := 0; k < K; k++ {
				p := tc.weights[k] / total
				if p == 0 {
					if count[k] != 0 {
						t.Errorf("component %d has weight 0 but %v points", k, count[k])
					}
					continue
				}
				if se := math.Sqrt(n * p * (1 - p)); !within(count[k], n*p, se, 5) {
					t.Errorf("component %d: %v points, want %.0f", k, count[k], n*p)
				}
				s := tc.scales[k]
				for j := 0; j < d; j++ {
					m := sum[k*d+j] / count[k]
					sd := math.Sqrt(sq[k*d+j] / count[k])
					if s == 0 {
						if m != 0 || sd != 0 {
							t.Errorf("component %d has scale 0 but spread %v", k, sd)
						}
						continue
					}
					if !within(m, 0, s/math.Sqrt(count[k]), 5) {
						t.Errorf("component %d coordinate %d: mean offset %.4f", k, j, m)
					}
					if !within(sd, s, s/math.Sqrt(2*count[k]), 5) {
						t.Errorf("component %d coordinate %d: sd %.4f, want %.4f", k, j, sd, s)
					}
				}
			}
		})
	}
}

func TestSyntheticPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		f    func()
	}{
		{"linear nil rng", func() { LinearData(nil, 1, []float64{1}, 0, 0, 1) }},
		{"linear negative n", func() { LinearData(rng, -1, []float64{1}, 0, 0, 1) }},
		{"linear rho > 1", func() { LinearData(rng, 1, []float64{1}, 0, 1.5, 1) }},
		{"linear NaN rho", func() { LinearData(rng, 1, []float64{1}, 0, math.NaN(), 1) }},
		{"linear negative noise", func() { LinearData(rng, 1, []float64{1}, 0, 0, -1) }},
		{"logistic rho", func() { LogisticData(rng, 1, []float64{1}, 0, -2) }},
		{"mixture no components", func() { GaussianMixtureData(rng, 1, nil, nil, nil) }},
		{"mixture scales length", func() { GaussianMixtureData(rng, 1, []float64{0, 1}, []float64{1}, []float64{1, 1}) }},
		{"mixture means length", func() { GaussianMixtureData(rng, 1, []float64{0, 1, 2}, []float64{1, 1}, []float64{1, 1}) }},
		{"mixture negative weight", func() { GaussianMixtureData(rng, 1, []float64{0, 1}, []float64{1, 1}, []float64{1, -1}) }},
		{"mixture zero weights", func() { GaussianMixtureData(rng, 1, []float64{0, 1}, []float64{1, 1}, []float64{0, 0}) }},
		{"mixture negative scale", func() { GaussianMixtureData(rng, 1, []float64{0, 1}, []float64{1, -1}, []float64{1, 1}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, ok := r.(string)
				if !ok || !strings.HasPrefix(s, "datasets: ") {
					t.Errorf("recovered %v, want a panic message prefixed \"datasets: \"", r)
				}
			}()
			tc.f()
		})
	}
}
