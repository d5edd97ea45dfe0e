package vae

import (
	"errors"
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// batchRows writes the images idx of set, as targets, into the x input
// (the rows after len(idx) zero) and sets the mask.
func (t *Trainer) batchRows(set *datasets.ImageSet, idx []int, targets datasets.Targets) error {
	n := t.net
	if set == nil || set.Dim() != t.model.Config.Input {
		return fmt.Errorf("vae: the images do not have the model's %d pixels", t.model.Config.Input)
	}
	if len(idx) == 0 || len(idx) > n.batch {
		return fmt.Errorf("vae: %d images for a batch of %d", len(idx), n.batch)
	}
	d := set.Dim()
	clear(t.xbuf)
	for r, i := range idx {
		if i < 0 || i >= set.N {
			return fmt.Errorf("vae: image %d out of range [0, %d)", i, set.N)
		}
		set.Float32(t.xbuf[r*d:(r+1)*d], i, targets, nil)
	}
	copyInto(n.x, t.xbuf)
	setMask(n.mask, len(idx))
	return nil
}

// Gradient returns one estimate of the gradient, with respect to the model's
// weights (in ParamNames order), of Σ_i bound(x_i) over the images idx of set
// (at most Batch of them; dynamic binarization is read as the static one),
// drawing the noise from the trainer's source, without moving the weights.
// KL warm-up is ignored (β = 1). For NVIL the signal is centred but not
// divided by its running standard deviation, so that the estimate is unbiased,
// and the baseline network and the running statistics learn from the
// estimate as they do in training, so that consecutive calls show the
// estimator as it is once its baseline has learned. It is the variance
// study's probe (see package bbvi/study).
func (t *Trainer) Gradient(set *datasets.ImageSet, idx []int) ([][]float64, error) {
	n := t.net
	if err := t.batchRows(set, idx, evalTargets(t.set.Targets)); err != nil {
		return nil, err
	}
	n.fillNoise(t.rng)
	if n.beta != nil {
		if err := setScalar(n.beta, 1); err != nil {
			return nil, err
		}
	}
	t.centreOnly = true
	defer func() { t.centreOnly = false }()
	if err := t.forward(len(idx)); err != nil {
		return nil, err
	}
	if _, err := t.step(0, 0, len(idx), true); err != nil {
		return nil, err
	}
	g := nodeValues(n.grads)
	for _, v := range g {
		for j := range v {
			v[j] = -v[j] // the gradient of the loss -Σ bound
		}
	}
	return g, nil
}

// MaxExactLatent bounds the latent size of ExactGradient, which enumerates
// all 2^Latent codes.
const MaxExactLatent = 16

// ExactGradient returns the exact gradient, with respect to m's weights (in
// ParamNames order), of Σ_i ELBO(x_i) over the images idx of set as targets,
// for a model with Bernoulli latents and a Bernoulli decoder, by enumerating
// every code z ∈ {0, 1}^L (L ≤ MaxExactLatent):
//
//	ELBO(x) = Σ_z q(z | x) log p(x | z) - KL(q(z|x) ‖ Bernoulli(½)^L),
//
// differentiated in the graph. It also returns the mean ELBO. It is the
// reference of the score-function estimators' tests and of the variance
// study.
func ExactGradient(m *Model, set *datasets.ImageSet, idx []int, targets datasets.Targets) (grad [][]float64, elbo float64, err error) {
	if err := m.check(); err != nil {
		return nil, 0, err
	}
	cfg := m.Config
	switch {
	case cfg.Latents != BernoulliLatent || cfg.Decoder != Bernoulli:
		return nil, 0, errors.New("vae: ExactGradient needs Bernoulli latents and a Bernoulli decoder")
	case cfg.Latent > MaxExactLatent:
		return nil, 0, fmt.Errorf("vae: ExactGradient enumerates 2^%d codes (at most 2^%d)", cfg.Latent, MaxExactLatent)
	case set == nil || set.Dim() != cfg.Input:
		return nil, 0, fmt.Errorf("vae: the images do not have the model's %d pixels", cfg.Input)
	case len(idx) == 0:
		return nil, 0, errors.New("vae: no images")
	}
	B, L, C := len(idx), cfg.Latent, 1<<cfg.Latent
	if err := cfg.checkRows(max(B, C), 1); err != nil {
		return nil, 0, err
	}
	n := &net{cfg: cfg, batch: B, k: 1, b: graph.NewBuilder(cfg.Dtype())}
	b := n.b
	for _, s := range cfg.specs() {
		n.params = append(n.params, b.Param(s.name, nil, s.shape...))
	}
	codes := make([]float64, C*L)
	for c := 0; c < C; c++ {
		for j := 0; j < L; j++ {
			codes[c*L+j] = float64(c >> j & 1)
		}
	}
	n.x = b.Input("x", B, cfg.Input)
	z := b.Constant("codes", codes, C, L)
	logits := n.encodeLogits(n.x) // (B, L)
	// log q(z_c | x_i) = Σ_j z_cj l_ij - softplus(l_ij): (B, C).
	logq := b.Sub(b.MatMul(logits, b.T(z)), b.Reshape(b.Sum(b.Softplus(logits), 1), B, 1))
	out := n.decode(n.params, z) // (C, D) decoder logits
	// log p(x_i | z_c) = Σ_d x_id o_cd - softplus(o_cd): (B, C).
	ll := b.Sub(b.MatMul(n.x, b.T(out)), b.Reshape(b.Sum(b.Softplus(out), 1), 1, C))
	kl := b.Sum(b.Shift(b.Sub(b.Mul(b.Sigmoid(logits), logits), b.Softplus(logits)), math.Ln2), 1) // (B)
	total := b.Sum(b.Sub(b.Sum(b.Mul(b.Exp(logq), ll), 1), kl))
	grads := b.Grad(total, n.params...)
	if b.Err() != nil {
		return nil, 0, fmt.Errorf("vae: building the exact ELBO: %w", b.Err())
	}
	if n.m, err = b.Compile(); err != nil {
		return nil, 0, fmt.Errorf("vae: %w", err)
	}
	defer n.close()
	if err := n.setWeights(m.Weights); err != nil {
		return nil, 0, err
	}
	buf := make([]float32, B*cfg.Input)
	for r, i := range idx {
		if i < 0 || i >= set.N {
			return nil, 0, fmt.Errorf("vae: image %d out of range [0, %d)", i, set.N)
		}
		set.Float32(buf[r*cfg.Input:(r+1)*cfg.Input], i, evalTargets(targets), nil)
	}
	copyInto(n.x, buf)
	if err := n.run(); err != nil {
		return nil, 0, err
	}
	return nodeValues(grads), graph.Scalar64(total) / float64(B), nil
}
