package bbvi

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
)

// Amortize fits the continuous local latents' q(z_i) through an inference
// network instead of a table of per-row parameters (Settings.Amortize): an
// MLP maps row i's features x_i, the row of the data array Input, to
// (m_i, log s_i), the mean and log sds of q(z_i) = N(m_i, diag s_i²). Its
// weights φ are shared by all rows, are variational parameters like the
// global q's (optimized by Settings.Optimizer, averaged, saved), and cost
// O(weights) memory whatever N: the alternative to the per-row table when N
// is large or when q must generalize to rows it has not seen (Kingma &
// Welling 2014; the lecture's "amortized inference"). The per-row table
// reaches each row's own optimum; the network only the best q in its class
// (the amortization gap, Cremer et al. 2018, arXiv:1801.03558). For a model
// whose exact posterior mean is affine in x_i (PPCA, linear-Gaussian models)
// the default network, with no hidden layer, is exact.
type Amortize struct {
	// Input is the name of the data array whose rows are the network's input.
	Input string
	// Hidden are the widths of the hidden layers; nil means none (an affine
	// map from x_i to (m_i, log s_i)).
	Hidden []int
	// Activation is the hidden layers' nonlinearity; the zero value is
	// graph.ActLinear, so set it (graph.ActTanh, graph.ActReLU) with Hidden.
	// The output layer is always linear.
	Activation graph.Activation
	// Seed seeds the PCG that draws the network's initial weights, a stream of
	// its own, so that the fit's *rand.Rand is not touched when the graph is
	// built (and a restored fit draws exactly what the saved one would have).
	// 0 is a seed like any other.
	Seed uint64
}

// amortize builds the inference network on the batch's rows of the Input
// array; its output (B, 2·dim) holds (m_i, log s_i).
func (lb *localBlock) amortize(b *graph.Builder, a *Amortize, data Data, x Vars) error {
	var in *graph.Node
	for _, arr := range data {
		if arr.Name == a.Input {
			lb.input = arr
			in = x[arr.Name]
		}
	}
	if in == nil {
		return fmt.Errorf("bbvi: Amortize: no data array %q (the inference network's input)", a.Input)
	}
	for _, h := range a.Hidden {
		if h < 1 || h > 1<<16 {
			return fmt.Errorf("bbvi: Amortize: hidden width %d (want 1 to %d)", h, 1<<16)
		}
	}
	w := lb.input.width()
	if lb.input.Cols == 0 {
		in = b.Reshape(in, lb.bsz, 1)
	}
	sizes := append(append([]int{w}, a.Hidden...), 2*lb.dim)
	lb.act = a.Activation
	lb.net = b.NewMLP(localName+".net", sizes, a.Activation, graph.ActLinear, rand.New(rand.NewPCG(a.Seed, 0x5eed)))
	out := lb.net.Apply(b, in)
	lb.muNode = b.Cols(out, 0, lb.dim)
	lb.sdNode = b.Cols(out, lb.dim, 2*lb.dim)
	if b.Err() != nil {
		return fmt.Errorf("bbvi: Amortize: %w", b.Err())
	}
	return nil
}

// encodeAll runs the network on every row of the input, in Go, and returns
// the means and log sds, N×dim each.
func (lb *localBlock) encodeAll() (mu, logsd []float64) {
	w := lb.input.width()
	h := append([]float64(nil), lb.input.Values...)
	width := w
	for li, layer := range lb.net.Layers {
		wt, bias := graph.Values(layer.W), graph.Values(layer.B)
		out := make([]float64, lb.n*layer.Out)
		for i := 0; i < lb.n; i++ {
			row := h[i*width : (i+1)*width]
			for o := 0; o < layer.Out; o++ {
				v := bias[o]
				for k, x := range row {
					v += x * wt[k*layer.Out+o]
				}
				if li < len(lb.net.Layers)-1 {
					v = activate(lb.act, v)
				}
				out[i*layer.Out+o] = v
			}
		}
		h, width = out, layer.Out
	}
	d := lb.dim
	mu, logsd = make([]float64, lb.n*d), make([]float64, lb.n*d)
	for i := 0; i < lb.n; i++ {
		copy(mu[i*d:(i+1)*d], h[i*2*d:i*2*d+d])
		copy(logsd[i*d:(i+1)*d], h[i*2*d+d:(i+1)*2*d])
	}
	return mu, logsd
}

// activate is graph's activation a at x, in Go.
func activate(a graph.Activation, x float64) float64 {
	switch a {
	case graph.ActReLU:
		return math.Max(x, 0)
	case graph.ActTanh:
		return math.Tanh(x)
	case graph.ActSigmoid:
		return 1 / (1 + math.Exp(-x))
	case graph.ActSoftplus:
		if x > 30 {
			return x
		}
		return math.Log1p(math.Exp(x))
	}
	return x
}
