package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// LinearData draws a regression data set: X ~ N(0, Σ) with Σ_ij = rho^|i-j|,
// y = intercept + X·beta + noiseSD·ε with ε ~ N(0, 1).
//
// X is row-major n×len(beta); y has n values. The rows of X are drawn as a
// stationary AR(1) sequence, x_1 = z_1, x_j = rho·x_{j-1} + sqrt(1-rho²)·z_j,
// which has exactly this covariance (unit variances) for -1 ≤ rho ≤ 1.
//
// It panics (programmer error) if rng is nil, n < 0, rho is outside [-1, 1],
// or noiseSD is negative or not finite.
func LinearData(rng *rand.Rand, n int, beta []float64, intercept, rho, noiseSD float64) (X []float64, y []float64) {
	checkDesign("LinearData", rng, n, rho)
	if !(noiseSD >= 0) || math.IsInf(noiseSD, 0) {
		panic(fmt.Sprintf("datasets: LinearData: noiseSD = %v, want finite and >= 0", noiseSD))
	}
	X, eta := design(rng, n, beta, intercept, rho)
	for i := range eta {
		eta[i] += noiseSD * rng.NormFloat64()
	}
	return X, eta
}

// LogisticData draws a binary classification data set: X as in LinearData and
// y_i ~ Bernoulli(sigmoid(intercept + x_i·beta)), with y_i ∈ {0, 1}.
//
// It panics (programmer error) if rng is nil, n < 0 or rho is outside [-1, 1].
func LogisticData(rng *rand.Rand, n int, beta []float64, intercept, rho float64) (X []float64, y []float64) {
	checkDesign("LogisticData", rng, n, rho)
	X, eta := design(rng, n, beta, intercept, rho)
	for i, e := range eta {
		if rng.Float64() < Sigmoid(e) {
			eta[i] = 1
		} else {
			eta[i] = 0
		}
	}
	return X, eta
}

// Sigmoid returns the logistic function 1/(1+exp(-x)), computed without
// overflow for large |x|.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func checkDesign(fn string, rng *rand.Rand, n int, rho float64) {
	if rng == nil {
		panic("datasets: " + fn + ": nil *rand.Rand")
	}
	if n < 0 {
		panic(fmt.Sprintf("datasets: %s: n = %d < 0", fn, n))
	}
	if !(rho >= -1 && rho <= 1) {
		panic(fmt.Sprintf("datasets: %s: rho = %v, want -1 <= rho <= 1", fn, rho))
	}
}

// design draws X (n×len(beta), AR(1) rows) and the linear predictor
// intercept + X·beta.
func design(rng *rand.Rand, n int, beta []float64, intercept, rho float64) (X, eta []float64) {
	d := len(beta)
	X = make([]float64, n*d)
	eta = make([]float64, n)
	innov := math.Sqrt(1 - rho*rho)
	for i := 0; i < n; i++ {
		row := X[i*d : (i+1)*d]
		s := intercept
		for j := range row {
			z := rng.NormFloat64()
			if j == 0 {
				row[j] = z
			} else {
				row[j] = rho*row[j-1] + innov*z
			}
			s += row[j] * beta[j]
		}
		eta[i] = s
	}
	return X, eta
}

// GaussianMixtureData draws n points in dimension d from a mixture of K
// isotropic Gaussians: component k has mean means[k*d:(k+1)*d], standard
// deviation scales[k] in every coordinate, and probability proportional to
// weights[k]. K = len(weights) and d = len(means)/K. It returns the points
// (row-major n×d) and the true component label of each point.
//
// It panics (programmer error) if rng is nil, n < 0, K = 0,
// len(scales) != K, len(means) is not a positive multiple of K, a scale is
// negative or not finite, a weight is negative or not finite, or the weights
// sum to zero.
func GaussianMixtureData(rng *rand.Rand, n int, means []float64, scales, weights []float64) (X []float64, labels []int) {
	if rng == nil {
		panic("datasets: GaussianMixtureData: nil *rand.Rand")
	}
	if n < 0 {
		panic(fmt.Sprintf("datasets: GaussianMixtureData: n = %d < 0", n))
	}
	K := len(weights)
	if K == 0 || len(scales) != K || len(means) == 0 || len(means)%K != 0 {
		panic(fmt.Sprintf("datasets: GaussianMixtureData: len(means)=%d, len(scales)=%d, len(weights)=%d; want K>0 weights and scales and K·d means",
			len(means), len(scales), len(weights)))
	}
	d := len(means) / K
	cum := make([]float64, K)
	total := 0.0
	for k, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			panic(fmt.Sprintf("datasets: GaussianMixtureData: weights[%d] = %v, want finite and >= 0", k, w))
		}
		if s := scales[k]; !(s >= 0) || math.IsInf(s, 0) {
			panic(fmt.Sprintf("datasets: GaussianMixtureData: scales[%d] = %v, want finite and >= 0", k, s))
		}
		total += w
		cum[k] = total
	}
	if total == 0 || math.IsInf(total, 0) {
		panic(fmt.Sprintf("datasets: GaussianMixtureData: weights sum to %v", total))
	}
	X = make([]float64, n*d)
	labels = make([]int, n)
	for i := 0; i < n; i++ {
		u := rng.Float64() * total
		k := 0
		for k < K-1 && (u >= cum[k] || weights[k] == 0) {
			k++
		}
		for weights[k] == 0 { // only if rounding made u reach total
			k--
		}
		labels[i] = k
		mu := means[k*d : (k+1)*d]
		row := X[i*d : (i+1)*d]
		for j := range row {
			row[j] = mu[j] + scales[k]*rng.NormFloat64()
		}
	}
	return X, labels
}
