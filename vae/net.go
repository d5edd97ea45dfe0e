package vae

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/qmc"
)

// netMode says what a compiled network computes.
type netMode int

const (
	modeTrain   netMode = iota // per-image bound, summed loss and its gradients
	modeBound                  // per-image bound only (evaluation)
	modeWeights                // log importance weights (K, B) (likelihood estimation)
	modeDecode                 // z -> decoder mean
	modeEncode                 // x -> (mu, logvar), or q's probabilities for Bernoulli latents
)

// netOpts are the training options that change a training graph; the zero
// value is the plain reparameterized gradient of the objective.
type netOpts struct {
	est    Estimator
	warmup bool // a β input scales the KL part of the objective
	qmc    bool // the Gaussian noise is randomized QMC, per image
}

// net is one compiled Gorgonia graph of the VAE for a fixed batch size and
// number of samples. Inputs are allocated once and filled in place.
type net struct {
	cfg    Config
	mode   netMode
	obj    Objective
	opts   netOpts
	batch  int // B: rows of x (or of z in modeDecode)
	k      int // K: samples per row
	b      *graph.Builder
	params []*graph.Node
	x      *graph.Node // (B, Input) data, or (B, Latent) codes in modeDecode
	mask   *graph.Node // (B) 1 for real rows, 0 for padding (modeTrain)
	eps    *graph.Node // (K·B, Latent) base noise (standard normal or logistic), row k·B+i
	bound  *graph.Node // (B) the objective's bound per image (modeTrain, modeBound)
	logw   *graph.Node // (K, B) log p(x, z_k) - log q(z_k | x) (modeWeights)
	loss   *graph.Node // scalar Σ_i mask_i·(-bound_i) (modeTrain); its gradient is the estimator's
	out    *graph.Node // decoder mean (modeDecode) or mu (modeEncode)
	out2   *graph.Node // logvar (modeEncode)
	grads  []*graph.Node
	m      *graph.Machine

	beta *graph.Node // (1) the KL weight β of warm-up, or nil

	// NVIL: the baseline network C(x), its inputs and outputs.
	bparams  []*graph.Node
	bgrads   []*graph.Node
	sigMean  *graph.Node // (1) running mean c of the centred signal
	sigScale *graph.Node // (1) max(1, running sd)
	ll       *graph.Node // (K·B) log p(x | z) per draw
	base     *graph.Node // (B) C(x)

	sobol *qmc.Sobol // QMC noise, or nil
	qbuf  []float64
}

// dense applies w and bias with an activation.
func (n *net) dense(x, w, bias *graph.Node, act graph.Activation) *graph.Node {
	b := n.b
	y := b.Add(b.MatMul(x, w), bias)
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

// layer applies parameters ps[i] (W) and ps[i+1] (b) with an activation.
func (n *net) layer(ps []*graph.Node, x *graph.Node, i int, act graph.Activation) *graph.Node {
	return n.dense(x, ps[i], ps[i+1], act)
}

// encodeHidden runs the encoder's hidden layers.
func (n *net) encodeHidden(x *graph.Node) *graph.Node {
	h := x
	for i := range n.cfg.Hidden {
		h = n.layer(n.params, h, 2*i, n.cfg.Activation)
	}
	return h
}

// encode returns the mean and log-variance of q(z | x), each (B, Latent).
func (n *net) encode(x *graph.Node) (mu, logvar *graph.Node) {
	h := n.encodeHidden(x)
	nh := len(n.cfg.Hidden)
	return n.layer(n.params, h, 2*nh, graph.ActLinear), n.layer(n.params, h, 2*nh+2, graph.ActLinear)
}

// encodeLogits returns the logits of a Bernoulli q(z | x), (B, Latent).
func (n *net) encodeLogits(x *graph.Node) *graph.Node {
	return n.layer(n.params, n.encodeHidden(x), 2*len(n.cfg.Hidden), graph.ActLinear)
}

// decode returns the decoder's output layer for codes z (R, Latent), with
// the parameters ps (the graph's, or detached copies): Bernoulli logits or
// Gaussian means, (R, Input).
func (n *net) decode(ps []*graph.Node, z *graph.Node) *graph.Node {
	nh := len(n.cfg.Hidden)
	h := z
	off := n.cfg.decoderOffset()
	for j := 0; j < nh; j++ {
		h = n.layer(ps, h, off+2*j, n.cfg.Activation)
	}
	return n.layer(ps, h, off+2*nh, graph.ActLinear)
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

// tileVec repeats a vector v (B) k times: element k·B+i is v_i.
func (n *net) tileVec(v *graph.Node, k int) *graph.Node {
	if k == 1 {
		return v
	}
	b := n.b
	B := v.Shape()[0]
	return b.Reshape(b.Add(b.Reshape(v, 1, B), b.Constant("zeros", nil, k, 1)), k*B)
}

// perImage averages a per-draw value (K·B) over the K draws: (B).
func (n *net) perImage(v *graph.Node) *graph.Node {
	if n.k == 1 {
		return v
	}
	return n.b.Mean(n.b.Reshape(v, n.k, n.batch), 0)
}

// logLik returns log p(x | z) summed over pixels, one value per row of the
// decoder outputs out (R, Input) against the targets xs of the same shape: (R).
func (n *net) logLik(ps []*graph.Node, xs, out *graph.Node) *graph.Node {
	b := n.b
	var lp *graph.Node
	switch n.cfg.Decoder {
	case Gaussian:
		logsd := ps[len(ps)-1]
		lp = b.NormalLogProb(xs, out, b.Exp(logsd))
	default:
		lp = b.BernoulliLogitsLogProb(xs, out)
	}
	return b.Sum(lp, 1)
}

// detached returns copies of the parameters through which no gradient flows.
func (n *net) detached() []*graph.Node {
	ps := make([]*graph.Node, len(n.params))
	for i, p := range n.params {
		ps[i] = n.b.StopGradient(p)
	}
	return ps
}

func newNet(cfg Config, mode netMode, obj Objective, batch, k int) (*net, error) {
	return newNetOpts(cfg, mode, obj, batch, k, netOpts{})
}

func newNetOpts(cfg Config, mode netMode, obj Objective, batch, k int, opts netOpts) (*net, error) {
	if batch < 1 || k < 1 {
		return nil, fmt.Errorf("vae: batch %d and samples %d must be positive", batch, k)
	}
	if err := cfg.checkRows(batch, k); err != nil {
		return nil, err
	}
	if mode != modeTrain {
		opts = netOpts{qmc: opts.qmc}
	}
	n := &net{cfg: cfg, mode: mode, obj: obj, batch: batch, k: k, opts: opts}
	b := graph.NewBuilder(cfg.Dtype())
	n.b = b
	for _, s := range cfg.specs() {
		n.params = append(n.params, b.Param(s.name, nil, s.shape...))
	}
	L, D := cfg.Latent, cfg.Input
	switch mode {
	case modeDecode:
		n.x = b.Input("z", batch, L)
		out := n.decode(n.params, n.x)
		if cfg.Decoder == Bernoulli {
			out = b.Sigmoid(out)
		}
		n.out = out
	case modeEncode:
		n.x = b.Input("x", batch, D)
		if cfg.Latents == BernoulliLatent {
			n.out = b.Sigmoid(n.encodeLogits(n.x))
		} else {
			n.out, n.out2 = n.encode(n.x)
		}
	default:
		n.x = b.Input("x", batch, D)
		n.eps = b.Input("eps", k*batch, L)
		if mode == modeTrain {
			n.mask = b.Input("mask", batch)
			if opts.warmup {
				n.beta = b.Input("beta", 1)
			}
		}
		var obj *graph.Node // the differentiable per-image objective, when it differs from bound
		if cfg.Latents == BernoulliLatent {
			obj = n.buildBernoulli()
		} else {
			obj = n.buildGaussian()
		}
		if mode == modeTrain {
			if obj == nil {
				n.loss = b.Neg(b.Sum(b.Mul(n.mask, n.bound)))
			} else {
				// The value is the bound's, the gradient the objective's.
				n.loss = b.Neg(b.Sum(b.Mul(n.mask, b.Add(obj, b.StopGradient(b.Sub(n.bound, obj))))))
			}
			if n.bparams != nil {
				bl := n.baselineLoss()
				n.loss = b.Add(n.loss, b.Sub(bl, b.StopGradient(bl)))
			}
			all := append(append([]*graph.Node(nil), n.params...), n.bparams...)
			gs := b.Grad(n.loss, all...)
			if len(gs) == len(all) {
				n.grads, n.bgrads = gs[:len(n.params)], gs[len(n.params):]
			}
		}
	}
	if b.Err() != nil {
		return nil, fmt.Errorf("vae: building the %s graph: %w", cfg, b.Err())
	}
	if opts.qmc && n.eps != nil {
		s, err := qmc.NewSobol(L)
		if err != nil {
			return nil, fmt.Errorf("vae: %w", err)
		}
		n.sobol, n.qbuf = s, make([]float64, k*L)
	}
	m, err := b.Compile()
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	n.m = m
	return n, nil
}

// klWeight multiplies a KL term by β during warm-up.
func (n *net) klWeight(kl *graph.Node) *graph.Node {
	if n.beta == nil {
		return kl
	}
	return n.b.Mul(n.beta, kl)
}

// buildGaussian builds the bound of Gaussian latents and returns the
// differentiable objective when its gradient is not the bound's (STL, DReG,
// KL warm-up), else nil.
func (n *net) buildGaussian() *graph.Node {
	b, k, batch := n.b, n.k, n.batch
	mu, lv := n.encode(n.x)
	// z = mu + exp(lv/2)·eps for all K draws at once, row k·B+i for draw k
	// of image i; with K = 1 nothing is copied.
	lvK, muK := n.tile(lv, k), n.tile(mu, k)
	z := b.Add(muK, b.Mul(b.Exp(b.Scale(lvK, 0.5)), n.eps))
	xK := n.tile(n.x, k)
	if n.obj == ELBO && n.mode != modeWeights {
		ll := n.perImage(n.logLik(n.params, xK, n.decode(n.params, z))) // (B)
		kl := b.Sum(b.KLStdNormalLogVar(mu, lv), 1)                     // (B)
		n.bound = b.Sub(ll, kl)
		if n.beta != nil {
			return b.Sub(ll, n.klWeight(kl))
		}
		return nil
	}
	// log w = log p(x|z) + log p(z) - log q(z|x); the log 2π terms cancel.
	logpz := func(z *graph.Node) *graph.Node { return b.Scale(b.Sum(b.Square(z), 1), -0.5) }
	epsTerm := b.Scale(b.Sum(b.Square(n.eps), 1), -0.5)
	logq := b.Sub(epsTerm, b.Scale(b.Sum(lvK, 1), 0.5))
	// logqSTL is log q(z|x) with q's parameters detached: its gradient flows
	// only through the path z (sticking the landing).
	logqSTL := func() *graph.Node {
		e := b.Mul(b.Sub(z, b.StopGradient(muK)), b.StopGradient(b.Exp(b.Scale(lvK, -0.5))))
		return b.Sub(b.Scale(b.Sum(b.Square(e), 1), -0.5), b.StopGradient(b.Scale(b.Sum(lvK, 1), 0.5)))
	}
	weights := func(ll, lpz, lq *graph.Node) (logw, logwBeta *graph.Node) {
		kl := b.Sub(lpz, lq)
		logw = b.Reshape(b.Add(ll, kl), k, batch)
		if n.beta == nil {
			return logw, logw
		}
		return logw, b.Reshape(b.Add(ll, n.klWeight(kl)), k, batch)
	}
	if n.mode == modeTrain && n.opts.est == DReG {
		return n.buildDReG(z, xK, logpz, lvK, epsTerm, logqSTL())
	}
	if n.mode == modeTrain && n.opts.est == STL {
		logq = logqSTL()
	}
	ll := n.logLik(n.params, xK, n.decode(n.params, z))
	logw, logwBeta := weights(ll, logpz(z), logq)
	if n.mode == modeWeights {
		n.logw = logw
		return nil
	}
	n.bound = n.boundFromWeights(logw, n.obj)
	if n.beta != nil {
		return n.boundFromWeights(logwBeta, n.obj)
	}
	return nil
}

// buildDReG builds the doubly reparameterized IWAE gradient (Tucker et al.
// 2018, arXiv:1810.04152) from two decoder passes: one on detached draws,
// whose bound gives the decoder's usual IWAE gradient Σ_k w̃_k ∇θ log w_k, and
// one with detached decoder weights and q, whose surrogate Σ_k w̃_k² log w_k
// gives the encoder's gradient Σ_k w̃_k² ∂log w_k/∂z_k ∂z_k/∂φ (w̃ the
// normalized weights, held constant). Under KL warm-up, log w_k =
// log p(x|z_k) + β(log p(z_k) - log q(z_k|x)) and the coefficient is
// (1-β)w̃_k + βw̃_k², which the same identity gives.
func (n *net) buildDReG(z, xK *graph.Node, logpz func(*graph.Node) *graph.Node, lvK, epsTerm, logqSTL *graph.Node) *graph.Node {
	b, k, batch := n.b, n.k, n.batch
	zs := b.StopGradient(z)
	logqConst := b.Sub(epsTerm, b.StopGradient(b.Scale(b.Sum(lvK, 1), 0.5)))
	llA := n.logLik(n.params, xK, n.decode(n.params, zs))
	klA := b.Sub(logpz(zs), logqConst)
	logwA := b.Reshape(b.Add(llA, klA), k, batch)
	n.bound = n.boundFromWeights(logwA, IWAE)
	logwABeta := logwA
	if n.beta != nil {
		logwABeta = b.Reshape(b.Add(llA, n.klWeight(klA)), k, batch)
	}
	det := n.detached()
	llB := n.logLik(det, xK, n.decode(det, z))
	logwB := b.Reshape(b.Add(llB, n.klWeight(b.Sub(logpz(z), logqSTL))), k, batch)
	// w̃ = softmax over the K draws of each image, held constant.
	wt := b.StopGradient(b.Exp(b.Sub(logwABeta, b.Reshape(b.LogSumExp(logwABeta, 0), 1, batch))))
	c := b.Square(wt)
	if n.beta != nil {
		c = b.Add(b.Mul(b.Sub(b.Scalar(1), n.beta), wt), b.Mul(n.beta, c))
	}
	surr := b.Sum(b.Mul(b.StopGradient(c), logwB), 0) // (B)
	obj := n.boundFromWeights(logwABeta, IWAE)
	return b.Add(obj, b.Sub(surr, b.StopGradient(surr)))
}

// buildBernoulli builds the bound of Bernoulli latents, q(z_j | x) =
// Bernoulli(σ(logit_j(x))) under the prior Bernoulli(½)^L, and, for training,
// the score-function objective, which it returns:
//
//	ELBO(x) = E_q[log p(x | z)] - KL(q ‖ p),   KL = Σ_j [σ(l_j) l_j - softplus(l_j) + log 2],
//	∇φ ELBO = E_q[(log p(x|z) - b(x)) ∇φ log q(z|x)] - ∇φ KL,
//
// with b(x) = 0 for the plain score function, and for NVIL the learned,
// centred baseline c + C(x), the encoder's whole gradient (score term and
// KL) divided by max(1, the running sd of the signal).
func (n *net) buildBernoulli() *graph.Node {
	b, k, batch, L := n.b, n.k, n.batch, n.cfg.Latent
	logits := n.encodeLogits(n.x)
	lK := n.tile(logits, k)
	z := b.BernoulliSample(lK, n.eps)
	ll := n.logLik(n.params, n.tile(n.x, k), n.decode(n.params, z)) // (K·B)
	logq := b.Sum(b.BernoulliLogitsLogProb(z, lK), 1)               // (K·B)
	if n.obj != ELBO || n.mode == modeWeights {
		logw := b.Reshape(b.Sub(b.Shift(ll, -float64(L)*math.Ln2), logq), k, batch)
		if n.mode == modeWeights {
			n.logw = logw
		} else {
			n.bound = n.boundFromWeights(logw, n.obj)
		}
		return nil
	}
	kl := b.Sum(b.Shift(b.Sub(b.Mul(b.Sigmoid(logits), logits), b.Softplus(logits)), math.Ln2), 1) // (B)
	llm := n.perImage(ll)
	n.bound = b.Sub(llm, kl)
	if n.mode != modeTrain {
		return nil
	}
	signal, klTerm := ll, n.klWeight(kl)
	if n.opts.est == NVIL {
		n.ll = ll
		n.addBaseline()
		n.sigMean = b.Input("signal.mean", 1)
		n.sigScale = b.Input("signal.scale", 1)
		signal = b.Div(b.Sub(b.Sub(ll, n.sigMean), n.tileVec(n.base, k)), n.sigScale)
		// The KL's gradient reaches the encoder only: dividing it too keeps
		// the direction of the encoder's gradient, which the scaling only
		// shortens (as dividing Mnih & Gregor's signal log p(x,z) - log q(z|x)
		// does).
		klTerm = b.Div(klTerm, n.sigScale)
	}
	surr := n.perImage(b.Mul(b.StopGradient(signal), logq))
	return b.Add(b.Sub(llm, klTerm), surr)
}

// baselineHidden is the width of the NVIL baseline network's hidden layer
// (Mnih & Gregor 2014 use 100 tanh units).
const baselineHidden = 100

// baselineSpecs lists the NVIL baseline network's parameters for an input
// width: a tanh layer and a linear output.
func baselineSpecs(input int) []paramSpec {
	return []paramSpec{
		{"baseline.0.W", []int{input, baselineHidden}, input}, {"baseline.0.b", []int{baselineHidden}, input},
		{"baseline.out.W", []int{baselineHidden, 1}, baselineHidden}, {"baseline.out.b", []int{1}, baselineHidden},
	}
}

// addBaseline adds the baseline network C(x) (B).
func (n *net) addBaseline() {
	b := n.b
	for _, s := range baselineSpecs(n.cfg.Input) {
		n.bparams = append(n.bparams, b.Param(s.name, nil, s.shape...))
	}
	h := n.dense(n.x, n.bparams[0], n.bparams[1], graph.ActTanh)
	n.base = b.Reshape(n.dense(h, n.bparams[2], n.bparams[3], graph.ActLinear), n.batch)
}

// baselineLoss is the baseline's regression loss Σ_i mask_i·mean_k (l_ki - c -
// C(x_i))², with the signal l detached: its gradient reaches only C's weights.
func (n *net) baselineLoss() *graph.Node {
	b := n.b
	r := b.Sub(b.Sub(b.StopGradient(n.ll), n.sigMean), n.tileVec(n.base, n.k))
	return b.Sum(b.Mul(n.mask, n.perImage(b.Square(r))))
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

// fillNoise draws the base noise of a run from rng: logistic noise for
// Bernoulli latents; for Gaussian ones standard normals, or with QMC one
// scrambled Sobol' set of K points per image.
func (n *net) fillNoise(rng *rand.Rand) {
	switch {
	case n.cfg.Latents == BernoulliLatent:
		fillLogistic(n.eps, rng)
	case n.sobol != nil:
		e32, e64 := graph.Float32s(n.eps), graph.Float64s(n.eps)
		L, B := n.cfg.Latent, n.batch
		for i := 0; i < B; i++ {
			n.sobol.Normals(n.qbuf, n.k, rng)
			for k := 0; k < n.k; k++ {
				row := (k*B + i) * L
				src := n.qbuf[k*L : (k+1)*L]
				if e32 != nil {
					for j, v := range src {
						e32[row+j] = float32(v)
					}
				} else {
					copy(e64[row:row+L], src)
				}
			}
		}
	default:
		fillNormal(n.eps, rng)
	}
}

// fillLogistic fills a float32 or float64 input with standard logistic draws
// log u - log(1-u), u ~ U(0, 1), from rng.
func fillLogistic(node *graph.Node, rng *rand.Rand) {
	u := func() float64 {
		for {
			if v := rng.Float64(); v > 0 {
				return v
			}
		}
	}
	if e := graph.Float32s(node); e != nil {
		for i := range e {
			v := u()
			e[i] = float32(math.Log(v) - math.Log1p(-v))
		}
		return
	}
	graph.LogisticNoise(graph.Float64s(node), u)
}

// setWeights copies parameter values into the graph.
func (n *net) setWeights(w [][]float64) error {
	return setNodes(n.params, w)
}

// setNodes copies values into parameter nodes.
func setNodes(ps []*graph.Node, w [][]float64) error {
	if len(w) != len(ps) {
		return fmt.Errorf("vae: %d weight tensors for %d parameters", len(w), len(ps))
	}
	for i, p := range ps {
		if err := graph.Set(p, w[i]); err != nil {
			return fmt.Errorf("vae: parameter %s: %w", p.Name(), err)
		}
	}
	return nil
}

// weights returns a float64 copy of the parameter values.
func (n *net) weights() [][]float64 { return nodeValues(n.params) }

func nodeValues(ps []*graph.Node) [][]float64 {
	w := make([][]float64, len(ps))
	for i, p := range ps {
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
