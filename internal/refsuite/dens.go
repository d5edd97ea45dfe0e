package refsuite

import (
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// This file holds the log-densities that graph does not provide, each as a
// graph function (elementwise, broadcasting like graph's) and as a float64
// twin, and the float64 twins of graph's own densities that the models use.

const halfLog2Pi = 0.91893853320467274178032973640561763986139747363778 // ½ log 2π

// halfCauchyLP returns log HalfCauchy(x | 0, s) = log 2 - log π - log s -
// log(1 + (x/s)²) elementwise, for x ≥ 0 (not checked).
func halfCauchyLP(b *graph.Builder, x *graph.Node, s float64) *graph.Node {
	return b.Shift(b.Neg(b.Log1p(b.Square(b.Scale(x, 1/s)))), math.Ln2-math.Log(math.Pi)-math.Log(s))
}

// logNormalLP returns log LogNormal(x | mu, s) = -log x - log s - ½ log 2π -
// ½((log x - mu)/s)² elementwise, for x > 0.
func logNormalLP(b *graph.Builder, x *graph.Node, mu, s float64) *graph.Node {
	lx := b.Log(x)
	z := b.Scale(b.Shift(lx, -mu), 1/s)
	return b.Shift(b.Sub(b.Scale(b.Square(z), -0.5), lx), -math.Log(s)-halfLog2Pi)
}

// betaLP returns log Beta(x | a, c) = (a-1) log x + (c-1) log(1-x) - log B(a, c)
// elementwise, for 0 < x < 1.
func betaLP(b *graph.Builder, x *graph.Node, a, c float64) *graph.Node {
	t := b.Add(b.Scale(b.Log(x), a-1), b.Scale(b.Log1p(b.Neg(x)), c-1))
	return b.Shift(t, -logBeta(a, c))
}

// logAddExp returns log(e^x + e^y) = x + softplus(y - x), stable for any
// finite x and y.
func logAddExp(b *graph.Builder, x, y *graph.Node) *graph.Node {
	return b.Add(x, b.Softplus(b.Sub(y, x)))
}

// poissonLogLP returns log Poisson(y | e^eta) = y·eta - e^eta - log y!
// elementwise.
func poissonLogLP(b *graph.Builder, y, eta *graph.Node) *graph.Node {
	return b.Sub(b.Sub(b.Mul(y, eta), b.Exp(eta)), b.Lgamma(b.Shift(y, 1)))
}

func logBeta(a, c float64) float64 {
	la, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(c)
	lac, _ := math.Lgamma(a + c)
	return la + lc - lac
}

// float64 twins.

func normal64(x, m, s float64) float64 {
	z := (x - m) / s
	return -0.5*z*z - math.Log(s) - halfLog2Pi
}

func halfNormal64(x, s float64) float64 {
	z := x / s
	return math.Ln2 - halfLog2Pi - math.Log(s) - 0.5*z*z
}

func halfCauchy64(x, s float64) float64 {
	z := x / s
	return math.Ln2 - math.Log(math.Pi) - math.Log(s) - math.Log1p(z*z)
}

func exponential64(x, rate float64) float64 { return math.Log(rate) - rate*x }

func logNormal64(x, mu, s float64) float64 {
	return normal64(math.Log(x), mu, s) - math.Log(x)
}

func beta64(x, a, c float64) float64 {
	return (a-1)*math.Log(x) + (c-1)*math.Log1p(-x) - logBeta(a, c)
}

// bernoulliLogit64 returns y·eta - log(1 + e^eta), computed stably.
func bernoulliLogit64(y, eta float64) float64 { return y*eta - softplus64(eta) }

func poissonLog64(y, eta float64) float64 {
	lf, _ := math.Lgamma(y + 1)
	return y*eta - math.Exp(eta) - lf
}

func softplus64(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func logAddExp64(x, y float64) float64 {
	if x < y {
		x, y = y, x
	}
	return x + math.Log1p(math.Exp(y-x))
}
