package graph

import "math"

// KLNormal returns the Kullback–Leibler divergence KL(N(mu1, sd1²) ‖ N(mu2, sd2²))
// elementwise (broadcasting like Add):
// log(sd2/sd1) + (sd1² + (mu1-mu2)²) / (2 sd2²) - ½.
// sd1 and sd2 must be positive. It returns nil after an error; check b.Err.
func (b *Builder) KLNormal(mu1, sd1, mu2, sd2 *Node) *Node {
	defer b.enter("KLNormal", "mu1", mu1, "sd1", sd1, "mu2", mu2, "sd2", sd2)()
	ns := []*Node{mu1, sd1, mu2, sd2}
	if !b.bindAll(ns...) {
		return nil
	}
	mu1, sd1, mu2, sd2 = ns[0], ns[1], ns[2], ns[3]
	r := b.Square(b.Div(sd1, sd2))
	d := b.Square(b.Div(b.Sub(mu1, mu2), sd2))
	return b.Shift(b.Add(b.Sub(b.Log(sd2), b.Log(sd1)), b.Scale(b.Add(r, d), 0.5)), -0.5)
}

// KLStdNormalLogVar returns KL(N(mu, exp(logVar)) ‖ N(0, 1)) elementwise
// (broadcasting like Add): ½(mu² + exp(logVar) - 1 - logVar), the usual
// variational-autoencoder regulariser. It returns nil after an error; check b.Err.
func (b *Builder) KLStdNormalLogVar(mu, logVar *Node) *Node {
	defer b.enter("KLStdNormalLogVar", "mu", mu, "logVar", logVar)()
	ns := []*Node{mu, logVar}
	if !b.bindAll(ns...) {
		return nil
	}
	mu, logVar = ns[0], ns[1]
	return b.Scale(b.Shift(b.Sub(b.Add(b.Square(mu), b.Exp(logVar)), logVar), -1), 0.5)
}

// KLNormal64 returns KL(N(mu1, sd1²) ‖ N(mu2, sd2²)) in plain Go, with the same
// formula as KLNormal. sd1 and sd2 must be positive (otherwise the result is NaN
// or ±Inf).
func KLNormal64(mu1, sd1, mu2, sd2 float64) float64 {
	r := sd1 / sd2
	d := (mu1 - mu2) / sd2
	return math.Log(sd2) - math.Log(sd1) + 0.5*(r*r+d*d) - 0.5
}
