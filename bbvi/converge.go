package bbvi

import (
	"math"
)

// Stationary is the default Converger. It judges stationarity against the
// Monte Carlo noise of the optimization itself, in the spirit of Dhaka et al.
// (2020, arXiv:2009.00666) and Welandawe et al. (2022, arXiv:2203.15945):
// over the last Steps steps,
//
//   - the iterates of q (its means and log marginal sds, for a Gaussian q) are
//     split into four consecutive chains, and every coordinate must either mix
//     across them (split-R̂ below RHat: the chains differ no more than the
//     optimizer's own jitter explains) or have moved by less than Drift
//     between the window's halves (a mean by less than Drift of its marginal
//     sd, a log sd by less than Drift);
//   - and the ELBO must no longer rise: the mean of the evaluations of the
//     window's second half exceeds that of its first half by no more than
//     twice the standard error of the difference, or by less than 0.05 nats.
//
// A relative tolerance on the ELBO, as in Stan, means 2 nats at an ELBO of
// -2000 and 0.03 at -30, below the noise of its estimate; a test against the
// noise means the same thing at every scale, and works with minibatches,
// whose gradient noise it sees in the jitter.
type Stationary struct {
	// Steps is the window, in optimizer steps; 0 means 1000.
	Steps int
	// RHat is the split-R̂ below which a coordinate counts as mixed; 0 means 1.1.
	RHat float64
	// Drift is the largest move between the window's halves, in marginal sds
	// for a mean and in log units for a log sd, that counts as stationary; 0
	// means 0.2. (The averaging phase that follows shrinks what is left of the
	// optimizer's jitter.)
	Drift float64
}

// Window implements Converger.
func (c Stationary) Window() int {
	if c.Steps <= 0 {
		return 1000
	}
	return c.Steps
}

// Converged implements Converger.
func (c Stationary) Converged(h *History) bool {
	steps := c.Window()
	rhat, drift := orDefault(c.RHat, 1.1), orDefault(c.Drift, 0.2)
	thin := max(1, h.Thin)
	const chains = 4
	need := steps / thin
	rows := h.Iterates
	if len(rows) < need || need < 2*chains || h.Step < steps {
		return false
	}
	rows = rows[len(rows)-need:]
	n := need / chains
	rows = rows[len(rows)-n*chains:]
	dim := len(rows[0])
	last := rows[len(rows)-1]
	for j := 0; j < dim; j++ {
		var means [chains]float64
		var within float64
		for c := 0; c < chains; c++ {
			var s, ss float64
			for _, r := range rows[c*n : (c+1)*n] {
				s += r[j]
			}
			m := s / float64(n)
			for _, r := range rows[c*n : (c+1)*n] {
				ss += (r[j] - m) * (r[j] - m)
			}
			means[c] = m
			within += ss / float64(n-1)
		}
		within /= chains
		if splitRHat(means[:], within, n) < rhat {
			continue
		}
		// The move: the mean of the window's second half against its first.
		move := math.Abs(means[2]+means[3]-means[0]-means[1]) / 2
		if j < h.Dim {
			move /= math.Exp(last[h.Dim+j]) // in units of the marginal sd
		}
		if !(move < drift) {
			return false
		}
	}
	return elboSettled(h.Trace, h.Step-steps)
}

// splitRHat is Gelman and Rubin's potential scale reduction factor from the
// chain means and the mean within-chain variance of chains of length n. A
// coordinate that does not move at all has R̂ 1.
func splitRHat(means []float64, within float64, n int) float64 {
	k := float64(len(means))
	var m float64
	for _, x := range means {
		m += x
	}
	m /= k
	var between float64
	for _, x := range means {
		between += (x - m) * (x - m)
	}
	between /= k - 1 // B/n in Gelman's notation
	if within <= 0 {
		if between == 0 {
			return 1
		}
		return math.Inf(1)
	}
	nf := float64(n)
	return math.Sqrt(((nf-1)/nf*within + between) / within)
}

// elboSettled reports whether the ELBO evaluations after step from no longer
// rise: the second half's mean exceeds the first half's by at most twice the
// standard error of the difference, or by less than 0.05 nats.
func elboSettled(trace []ELBOPoint, from int) bool {
	a, b := traceHalves(trace, from)
	if a == nil {
		return false
	}
	ma, va := meanVar(a)
	mb, vb := meanVar(b)
	d := mb - ma
	se := math.Sqrt(va/float64(len(a)) + vb/float64(len(b)))
	return d < 0.05 || d < 2*se
}

// elboPlateau is elboSettled with medians, and a spread from the median
// absolute deviation, for the minibatch plateau schedule: far from the
// posterior the estimates are heavy-tailed (a draw in a Poisson model's tail
// gives -10¹⁵ where the others give -10⁵), and one such value makes the
// means' difference look like noise, so that a fit still climbing from its
// start looked settled and had its learning rate halved until it froze.
func elboPlateau(trace []ELBOPoint, from int) bool {
	a, b := traceHalves(trace, from)
	if a == nil {
		return false
	}
	ma, mb := median(a), median(b)
	dev := make([]float64, 0, len(a)+len(b))
	for _, x := range a {
		dev = append(dev, math.Abs(x-ma))
	}
	for _, x := range b {
		dev = append(dev, math.Abs(x-mb))
	}
	// 1.4826·MAD (within each half, as the means' test takes the variances
	// within each half) estimates a normal sd; a median's standard error is
	// √(π/2) times the mean's.
	sd := 1.4826 * median(dev)
	se := math.Sqrt(math.Pi/2) * sd * math.Sqrt(1/float64(len(a))+1/float64(len(b)))
	d := mb - ma
	return d < 0.05 || d < 2*se
}

// traceHalves returns the first and the last half of the ELBO evaluations
// after step from (nil when there are fewer than 4).
func traceHalves(trace []ELBOPoint, from int) (a, b []float64) {
	var pts []float64
	for _, p := range trace {
		if p.Step > from {
			pts = append(pts, p.ELBO)
		}
	}
	if len(pts) < 4 {
		return nil, nil
	}
	h := len(pts) / 2
	return pts[:h], pts[len(pts)-h:]
}

func meanVar(xs []float64) (m, v float64) {
	m = mean(xs)
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, v / float64(len(xs)-1)
}
