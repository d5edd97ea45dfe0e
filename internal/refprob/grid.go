package refprob

import "math"

// Grid2 returns the mean and standard deviation of each coordinate of the
// two-dimensional density proportional to exp(logp(u, v)), by the midpoint
// rule on an n×n grid covering center ± 8·scale in each coordinate: an exact
// answer (to the quadrature's accuracy, far below Monte Carlo error for
// n ≥ 200 and a unimodal density that the box contains) for checking a
// fitted posterior of two parameters.
func Grid2(logp func(u, v float64) float64, center, scale [2]float64, n int) (mean, sd [2]float64) {
	h := [2]float64{16 * scale[0] / float64(n), 16 * scale[1] / float64(n)}
	lp := make([]float64, n*n)
	top := math.Inf(-1)
	for i := 0; i < n; i++ {
		u := center[0] - 8*scale[0] + (float64(i)+0.5)*h[0]
		for j := 0; j < n; j++ {
			v := center[1] - 8*scale[1] + (float64(j)+0.5)*h[1]
			lp[i*n+j] = logp(u, v)
			top = math.Max(top, lp[i*n+j])
		}
	}
	var z, m0, m1, s0, s1 float64
	for i := 0; i < n; i++ {
		u := center[0] - 8*scale[0] + (float64(i)+0.5)*h[0]
		for j := 0; j < n; j++ {
			v := center[1] - 8*scale[1] + (float64(j)+0.5)*h[1]
			w := math.Exp(lp[i*n+j] - top)
			z += w
			m0 += w * u
			m1 += w * v
			s0 += w * u * u
			s1 += w * v * v
		}
	}
	mean = [2]float64{m0 / z, m1 / z}
	sd = [2]float64{math.Sqrt(s0/z - mean[0]*mean[0]), math.Sqrt(s1/z - mean[1]*mean[1])}
	return mean, sd
}
