package vae

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// netMode says what a compiled network computes.
type netMode int

const (
	modeTrain   netMode = iota // per-image bound, summed loss and its gradients
	modeBound                  // per-image bound only (evaluation)
	modeWeights                // log importance weights (K, B) (likelihood estimation)
	modeDecode                 // z -> decoder mean
	modeEncode                 // x -> (mu, logvar)
)

// net is one compiled Gorgonia graph of the VAE for a fixed batch size and
// number of samples. Inputs are allocated once and filled in place.
type net struct {
	cfg    Config
	mode   netMode
	obj    Objective
	batch  int // B: rows of x (or of z in modeDecode)
	k      int // K: samples per row
	b      *graph.Builder
	params []*graph.Node
	x      *graph.Node // (B, Input) data, or (B, Latent) codes in modeDecode
	mask   *graph.Node // (B) 1 for real rows, 0 for padding (modeTrain)
	eps    *graph.Node // (K·B, Latent) standard normal noise, row k·B+i
	bound  *graph.Node // (B) the objective's bound per image (modeTrain, modeBound)
	logw   *graph.Node // (K, B) log p(x, z_k) - log q(z_k | x) (modeWeights)
	loss   *graph.Node // scalar Σ_i mask_i·(-bound_i) (modeTrain)
	out    *graph.Node // decoder mean (modeDecode) or mu (modeEncode)
	out2   *graph.Node // logvar (modeEncode)
	grads  []*graph.Node
	m      *graph.Machine
}

// layer applies parameters ps[i] (W) and ps[i+1] (b) with an activation.
func (n *net) layer(x *graph.Node, i int, act graph.Activation) *graph.Node {
	b := n.b
	y := b.Add(b.MatMul(x, n.params[i]), n.params[i+1])
	switch act {
	case graph.ActLinear:
		return y
	case graph.ActReLU:
		return b.ReLU(y)
	case graph.ActTanh:
		return b.Tanh(y)
	case graph.ActSigmoid:
		return b.Sigmoid(y)
	case graph.ActSoftplus:
		return b.Softplus(y)
	}
	b.Failf("vae: unknown activation %v", act)
	return nil
}

// encode returns the mean and log-variance of q(z | x), each (B, Latent).
func (n *net) encode(x *graph.Node) (mu, logvar *graph.Node) {
	h := x
	nh := len(n.cfg.Hidden)
	for i := 0; i < nh; i++ {
		h = n.layer(h, 2*i, n.cfg.Activation)
	}
	return n.layer(h, 2*nh, graph.ActLinear), n.layer(h, 2*nh+2, graph.ActLinear)
}

// decode returns the decoder's output layer for codes z (R, Latent): Bernoulli
// logits or Gaussian means, (R, Input).
func (n *net) decode(z *graph.Node) *graph.Node {
	nh := len(n.cfg.Hidden)
	h := z
	off := 2*nh + 4
	for j := 0; j < nh; j++ {
		h = n.layer(h, off+2*j, n.cfg.Activation)
	}
	return n.layer(h, off+2*nh, graph.ActLinear)
}

// tile repeats x (B, w) k times along the rows: row k·B+i is row i of x. For
// k = 1 it is x itself (no copy).
func (n *net) tile(x *graph.Node, k int) *graph.Node {
	if k == 1 {
		return x
	}
	b := n.b
	B, w := x.Shape()[0], x.Shape()[1]
	return b.Reshape(b.Add(b.Reshape(x, 1, B, w), b.Constant("zeros", nil, k, 1, 1)), k*B, w)
}

// logLik returns log p(x | z) summed over pixels, one value per row of the
// decoder outputs out (R, Input) against the targets xs of the same shape: (R).
func (n *net) logLik(xs, out *graph.Node) *graph.Node {
	b := n.b
	var lp *graph.Node
	switch n.cfg.Decoder {
	case Gaussian:
		logsd := n.params[len(n.params)-1]
		lp = b.NormalLogProb(xs, out, b.Exp(logsd))
	default:
		lp = b.BernoulliLogitsLogProb(xs, out)
	}
	return b.Sum(lp, 1)
}

func newNet(cfg Config, mode netMode, obj Objective, batch, k int) (*net, error) {
	if batch < 1 || k < 1 {
		return nil, fmt.Errorf("vae: batch %d and samples %d must be positive", batch, k)
	}
	if err := cfg.checkRows(batch, k); err != nil {
		return nil, err
	}
	n := &net{cfg: cfg, mode: mode, obj: obj, batch: batch, k: k}
	b := graph.NewBuilder(cfg.Dtype())
	n.b = b
	for _, s := range cfg.specs() {
		n.params = append(n.params, b.Param(s.name, nil, s.shape...))
	}
	L, D := cfg.Latent, cfg.Input
	switch mode {
	case modeDecode:
		n.x = b.Input("z", batch, L)
		out := n.decode(n.x)
		if cfg.Decoder == Bernoulli {
			out = b.Sigmoid(out)
		}
		n.out = out
	case modeEncode:
		n.x = b.Input("x", batch, D)
		n.out, n.out2 = n.encode(n.x)
	default:
		n.x = b.Input("x", batch, D)
		n.eps = b.Input("eps", k*batch, L)
		mu, lv := n.encode(n.x)
		// z = mu + exp(lv/2)·eps for all K draws at once, row k·B+i for draw k
		// of image i; with K = 1 nothing is copied.
		lvK := n.tile(lv, k)
		z := b.Add(n.tile(mu, k), b.Mul(b.Exp(b.Scale(lvK, 0.5)), n.eps))
		ll := n.logLik(n.tile(n.x, k), n.decode(z)) // (K·B)
		if (mode == modeTrain || mode == modeBound) && obj == ELBO {
			kl := b.Sum(b.KLStdNormalLogVar(mu, lv), 1) // (B)
			if k > 1 {
				ll = b.Mean(b.Reshape(ll, k, batch), 0)
			}
			n.bound = b.Sub(ll, kl)
		} else {
			// log w = log p(x|z) + log p(z) - log q(z|x); the log 2π terms cancel.
			logpz := b.Scale(b.Sum(b.Square(z), 1), -0.5)
			logq := b.Sub(b.Scale(b.Sum(b.Square(n.eps), 1), -0.5), b.Scale(b.Sum(lvK, 1), 0.5))
			logw := b.Reshape(b.Sub(b.Add(ll, logpz), logq), k, batch) // (K, B)
			if mode == modeWeights {
				n.logw = logw
			} else {
				n.bound = n.boundFromWeights(logw, obj)
			}
		}
	}
	if mode == modeTrain {
		n.mask = b.Input("mask", batch)
		n.loss = b.Neg(b.Sum(b.Mul(n.mask, n.bound)))
		n.grads = b.Grad(n.loss, n.params...)
	}
	if b.Err() != nil {
		return nil, fmt.Errorf("vae: building the %s graph: %w", cfg, b.Err())
	}
	m, err := b.Compile()
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	n.m = m
	return n, nil
}

// boundFromWeights turns log weights (K, B) into a per-image bound (B): their
// mean (ELBOMC) or log-mean-exp (IWAE).
func (n *net) boundFromWeights(logw *graph.Node, obj Objective) *graph.Node {
	b := n.b
	if obj == IWAE {
		return b.Shift(b.LogSumExp(logw, 0), -math.Log(float64(n.k)))
	}
	return b.Mean(logw, 0)
}

// setWeights copies parameter values into the graph.
func (n *net) setWeights(w [][]float64) error {
	if len(w) != len(n.params) {
		return fmt.Errorf("vae: %d weight tensors for %d parameters", len(w), len(n.params))
	}
	for i, p := range n.params {
		if err := graph.Set(p, w[i]); err != nil {
			return fmt.Errorf("vae: parameter %s: %w", p.Name(), err)
		}
	}
	return nil
}

// weights returns a float64 copy of the parameter values.
func (n *net) weights() [][]float64 {
	w := make([][]float64, len(n.params))
	for i, p := range n.params {
		w[i] = graph.Values(p)
	}
	return w
}

// run evaluates the graph on the current inputs.
func (n *net) run() error {
	if err := n.m.Run(); err != nil {
		return fmt.Errorf("vae: running the graph: %w", err)
	}
	return nil
}

// close releases the machine.
func (n *net) close() {
	if n.m != nil {
		n.m.Close()
	}
}
