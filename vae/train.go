package vae

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// TrainSettings configure training. The zero value is the PyTorch example's
// setup: batch 128, Adam with learning rate 1e-3, continuous targets, the ELBO
// with the analytic KL and one sample.
type TrainSettings struct {
	// Batch is the minibatch size. 0 means 128. The last, smaller batch of an
	// epoch is used too (its missing rows are masked out).
	Batch int
	// LR is Adam's learning rate. 0 means 1e-3.
	LR float64
	// Targets says how pixels become targets in [0, 1]. The zero value is
	// continuous intensities.
	Targets datasets.Targets
	// Objective is the training objective. The zero value is ELBO.
	Objective Objective
	// K is the number of samples of z per image. 0 means 1.
	K int
	// Estimator is the gradient estimator. The zero value is Reparam, the
	// default for Gaussian latents; STL needs the ELBOMC objective, DReG the
	// IWAE one; Bernoulli latents need Score or NVIL with the ELBO objective
	// (the KL in closed form).
	Estimator Estimator
	// KLWarmup is the number of epochs over which the weight β of the KL
	// part of the objective rises linearly from 0 to 1: at each batch
	// β = min(1, t/KLWarmup), t the epochs done so far, fractional within an
	// epoch (for the Monte Carlo objectives β multiplies log p(z) - log q(z|x)
	// in each log weight). The loss reported stays the unweighted bound. 0
	// means no warm-up.
	KLWarmup int
	// QMC draws the K Gaussian noise vectors of each image as one randomized
	// quasi-Monte Carlo point set (Owen-scrambled Sobol' points mapped to
	// normals; see internal/qmc) rather than i.i.d.: unbiased, and of lower
	// variance when K > 1, most for K a power of 2 (with K = 1 it is plain
	// Monte Carlo). Gaussian latents only. false means i.i.d. noise.
	QMC bool
	// Progress, if not nil, is called after every batch.
	Progress func(BatchProgress)
}

// BatchProgress reports training progress after one batch.
type BatchProgress struct {
	Epoch         int     // the epoch being trained, from 1
	Batch, Of     int     // batches done in this epoch, and per epoch
	Images        int     // images done in this epoch
	Loss          float64 // running mean loss per image over this epoch
	ImagesPerSec  float64
	Elapsed, Left time.Duration // in this epoch: time spent and estimated time left
}

func (s TrainSettings) withDefaults() TrainSettings {
	if s.Batch == 0 {
		s.Batch = 128
	}
	if s.LR == 0 {
		s.LR = 1e-3
	}
	if s.K == 0 {
		s.K = 1
	}
	return s
}

func (s TrainSettings) validate() error {
	switch {
	case s.Batch < 1 || s.Batch > MaxRows:
		return fmt.Errorf("vae: batch size %d must be between 1 and %d", s.Batch, MaxRows)
	case !(s.LR > 0) || math.IsInf(s.LR, 0):
		return fmt.Errorf("vae: learning rate %g must be positive and finite", s.LR)
	case s.K < 1 || s.K > MaxRows:
		return fmt.Errorf("vae: K = %d samples must be between 1 and %d", s.K, MaxRows)
	case s.Targets < datasets.Continuous || s.Targets > datasets.DynamicBinary:
		return fmt.Errorf("vae: unknown targets %d", int(s.Targets))
	case s.Objective < ELBO || s.Objective > IWAE:
		return fmt.Errorf("vae: unknown objective %d", int(s.Objective))
	case s.Estimator < Reparam || s.Estimator > NVIL:
		return fmt.Errorf("vae: unknown estimator %d", int(s.Estimator))
	case s.KLWarmup < 0 || s.KLWarmup > MaxWarmup:
		return fmt.Errorf("vae: KL warm-up of %d epochs (want 0 to %d)", s.KLWarmup, MaxWarmup)
	}
	return nil
}

// MaxWarmup bounds TrainSettings.KLWarmup, in epochs.
const MaxWarmup = 1 << 20

// validateFor reports settings that do not fit the model's latents.
func (s TrainSettings) validateFor(cfg Config) error {
	if err := s.validate(); err != nil {
		return err
	}
	if cfg.Latents == BernoulliLatent {
		switch {
		case s.Estimator != Score && s.Estimator != NVIL:
			return fmt.Errorf("vae: Bernoulli latents are trained with the score or nvil estimator, not %s", s.Estimator)
		case s.Objective != ELBO:
			return fmt.Errorf("vae: Bernoulli latents are trained on the elbo objective (KL in closed form), not %s", s.Objective)
		case s.QMC:
			return errors.New("vae: QMC noise is for Gaussian latents only")
		}
		return nil
	}
	switch {
	case s.Estimator == Score || s.Estimator == NVIL:
		return fmt.Errorf("vae: the %s estimator is for Bernoulli latents; Gaussian latents use reparam, stl or dreg", s.Estimator)
	case s.Estimator == STL && s.Objective != ELBOMC:
		return fmt.Errorf("vae: stl needs the elbo-mc objective (a Monte Carlo KL), not %s (for iwae use dreg)", s.Objective)
	case s.Estimator == DReG && s.Objective != IWAE:
		return fmt.Errorf("vae: dreg needs the iwae objective, not %s (for the ELBO use stl)", s.Objective)
	}
	return nil
}

// ErrNonFinite is the sentinel for training stopped by a NaN or an infinity; the
// error returned is a *NonFiniteError, which matches it with errors.Is.
var ErrNonFinite = errors.New("non-finite value")

// NonFiniteError reports a NaN or Inf loss or gradient met in training. The
// trainer's weights are those before the offending batch.
type NonFiniteError struct {
	Epoch, Batch int
	What         string
}

// Error implements error.
func (e *NonFiniteError) Error() string {
	if e.Epoch == 0 {
		return fmt.Sprintf("vae: non-finite %s in evaluation", e.What)
	}
	return fmt.Sprintf("vae: non-finite %s in epoch %d, batch %d (the weights are kept from before that batch)", e.What, e.Epoch, e.Batch)
}

// Is makes errors.Is(err, ErrNonFinite) true.
func (e *NonFiniteError) Is(target error) bool { return target == ErrNonFinite }

// Trainer trains a Model with Adam. Its randomness (batch order, dynamic
// binarization, the noise of the reparameterization) comes from one PCG source
// whose state is saved in checkpoints, so a resumed run ends with exactly the
// weights of an uninterrupted one.
type Trainer struct {
	set   TrainSettings
	model *Model
	src   *rand.PCG
	rng   *rand.Rand
	opt   *graph.Adam
	net   *net
	epoch int // completed epochs
	steps int // optimizer steps taken
	xbuf  []float32
	stale bool // the model's weights lag the graph's

	bopt       *graph.Adam // NVIL: the baseline network's optimizer
	sig        signalStats // NVIL: running statistics of the learning signal
	centreOnly bool        // NVIL: do not divide the signal by its running sd
	sigbuf     []float64   // NVIL: the signals of a batch
}

// signalAlpha is the memory of NVIL's running statistics (Mnih & Gregor
// 2014 use 0.8).
const signalAlpha = 0.8

// signalStats are the running mean and variance of NVIL's learning signal
// l - C(x), initialized from the first batch.
type signalStats struct {
	mean, v float64
	init    bool
}

// update folds a batch of signals into the running statistics.
func (s *signalStats) update(sig []float64) {
	if len(sig) == 0 {
		return
	}
	var m, v float64
	for _, x := range sig {
		m += x
	}
	m /= float64(len(sig))
	for _, x := range sig {
		v += (x - m) * (x - m)
	}
	v /= float64(len(sig))
	if !s.init {
		s.mean, s.v, s.init = m, v, true
		return
	}
	s.mean = signalAlpha*s.mean + (1-signalAlpha)*m
	s.v = signalAlpha*s.v + (1-signalAlpha)*v
}

// NewTrainer prepares to train m (which it then owns and updates) with the given
// settings, drawing randomness from src. src must not be shared.
func NewTrainer(m *Model, set TrainSettings, src *rand.PCG) (*Trainer, error) {
	if src == nil {
		return nil, errors.New("vae: nil *rand.PCG (randomness must be explicit)")
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	set = set.withDefaults()
	if err := set.validateFor(m.Config); err != nil {
		return nil, err
	}
	n, err := newNetOpts(m.Config, modeTrain, set.Objective, set.Batch, set.K,
		netOpts{est: set.Estimator, warmup: set.KLWarmup > 0, qmc: set.QMC})
	if err != nil {
		return nil, err
	}
	if err := n.setWeights(m.Weights); err != nil {
		n.close()
		return nil, err
	}
	t := &Trainer{set: set, model: m, src: src, rng: rand.New(src), net: n,
		opt:  &graph.Adam{LR: set.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8},
		xbuf: make([]float32, set.Batch*m.Config.Input)}
	if n.bparams != nil {
		// The baseline network starts as nn.Linear does, drawn from the
		// trainer's source.
		var w [][]float64
		for _, s := range baselineSpecs(m.Config.Input) {
			v := make([]float64, shapeSize(s.shape))
			a := 1 / math.Sqrt(float64(s.fanIn))
			for i := range v {
				v[i] = a * (2*t.rng.Float64() - 1)
			}
			w = append(w, v)
		}
		if err := setNodes(n.bparams, w); err != nil {
			n.close()
			return nil, err
		}
		t.bopt = &graph.Adam{LR: set.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	}
	return t, nil
}

// beta is the KL weight at batch bi (from 1) of nb in epoch (from 1).
func (t *Trainer) beta(epoch, bi, nb int) float64 {
	w := float64(t.set.KLWarmup)
	return min(1, (float64(epoch-1)+float64(bi-1)/float64(nb))/w)
}

// setScalar sets a one-value input.
func setScalar(n *graph.Node, v float64) error { return graph.Set(n, []float64{v}) }

// forward runs the graph on the inputs in place (the first rows of the
// batch real). For NVIL it first sets the signal's running statistics, which
// the first batch initializes (by a run whose result is discarded).
func (t *Trainer) forward(rows int) error {
	n := t.net
	if n.sigMean == nil {
		return n.run()
	}
	if !t.sig.init {
		if err := setScalar(n.sigMean, 0); err != nil {
			return err
		}
		if err := setScalar(n.sigScale, 1); err != nil {
			return err
		}
		if err := n.run(); err != nil {
			return err
		}
		t.sig.update(t.signals(rows))
	}
	scale := 1.0
	if !t.centreOnly {
		scale = max(1, math.Sqrt(t.sig.v))
	}
	if err := setScalar(n.sigMean, t.sig.mean); err != nil {
		return err
	}
	if err := setScalar(n.sigScale, scale); err != nil {
		return err
	}
	return n.run()
}

// signals returns NVIL's signals l - C(x) of the last run, for the real rows,
// in a buffer reused from step to step.
func (t *Trainer) signals(rows int) []float64 {
	n := t.net
	t.sigbuf = t.sigbuf[:0]
	at := func(node *graph.Node, i int) float64 {
		if v := graph.Float32s(node); v != nil {
			return float64(v[i])
		}
		return graph.Float64s(node)[i]
	}
	for k := 0; k < n.k; k++ {
		for i := 0; i < rows; i++ {
			t.sigbuf = append(t.sigbuf, at(n.ll, k*n.batch+i)-at(n.base, i))
		}
	}
	return t.sigbuf
}

// step checks the last run's loss and gradients and, if finite, takes the
// optimizer steps (VAE weights unless frozen, and the NVIL baseline) and
// updates NVIL's statistics. It returns the loss.
func (t *Trainer) step(epoch, bi, rows int, frozen bool) (float64, error) {
	n := t.net
	loss := graph.Scalar64(n.loss)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, &NonFiniteError{Epoch: epoch, Batch: bi, What: "loss"}
	}
	for i, g := range n.grads {
		if !finiteNode(g) {
			return 0, &NonFiniteError{Epoch: epoch, Batch: bi, What: "gradient of " + n.params[i].Name()}
		}
	}
	for i, g := range n.bgrads {
		if !finiteNode(g) {
			return 0, &NonFiniteError{Epoch: epoch, Batch: bi, What: "gradient of " + n.bparams[i].Name()}
		}
	}
	if !frozen {
		if err := t.opt.Step(n.params, n.grads); err != nil {
			return 0, err
		}
		t.stale = true
	}
	if n.bparams != nil {
		if err := t.bopt.Step(n.bparams, n.bgrads); err != nil {
			return 0, err
		}
		t.sig.update(t.signals(rows))
	}
	return loss, nil
}

// Close releases the trainer's compiled graph.
func (t *Trainer) Close() { t.net.close() }

// Epoch returns the number of completed epochs.
func (t *Trainer) Epoch() int { return t.epoch }

// Steps returns the number of optimizer steps taken.
func (t *Trainer) Steps() int { return t.steps }

// Settings returns the trainer's settings with defaults filled in.
func (t *Trainer) Settings() TrainSettings { return t.set }

// Model returns the model with its weights brought up to date.
func (t *Trainer) Model() *Model {
	if t.stale {
		t.model.Weights = t.net.weights()
		t.stale = false
	}
	return t.model
}

// TrainEpoch runs one pass over set in a shuffled order and returns the mean
// loss per image (the negative bound, averaged over the epoch's batches as they
// were trained). A non-finite loss or gradient stops it with a *NonFiniteError
// and the weights from before the offending batch.
func (t *Trainer) TrainEpoch(set *datasets.ImageSet) (float64, error) {
	if set == nil || set.N == 0 {
		return 0, errors.New("vae: empty training set")
	}
	if set.Dim() != t.model.Config.Input {
		return 0, fmt.Errorf("vae: images have %d pixels, the model expects %d", set.Dim(), t.model.Config.Input)
	}
	n := t.net
	B := t.set.Batch
	batcher := datasets.NewBatcher(set, B, t.set.Targets, t.rng, false)
	epoch := t.epoch + 1
	start := time.Now()
	var sum float64
	images := 0
	for bi := 1; ; bi++ {
		rows, ok := batcher.Next(t.xbuf)
		if !ok {
			break
		}
		copyInto(n.x, t.xbuf)
		n.fillNoise(t.rng)
		setMask(n.mask, rows)
		if n.beta != nil {
			if err := setScalar(n.beta, t.beta(epoch, bi, batcher.Batches())); err != nil {
				return 0, err
			}
		}
		if err := t.forward(rows); err != nil {
			return 0, err
		}
		loss, err := t.step(epoch, bi, rows, false)
		if err != nil {
			return 0, err
		}
		t.steps++
		sum += loss
		images += rows
		if t.set.Progress != nil {
			el := time.Since(start)
			rate := float64(images) / el.Seconds()
			left := time.Duration(float64(set.N-images) / rate * float64(time.Second))
			t.set.Progress(BatchProgress{Epoch: epoch, Batch: bi, Of: batcher.Batches(), Images: images,
				Loss: sum / float64(images), ImagesPerSec: rate, Elapsed: el, Left: left})
		}
	}
	t.epoch++
	return sum / float64(images), nil
}

// copyInto copies float32 src into the buffer of a float32 or float64 input.
func copyInto(dst *graph.Node, src []float32) {
	if d := graph.Float32s(dst); d != nil {
		copy(d, src)
		return
	}
	d := graph.Float64s(dst)
	for i := range d {
		d[i] = float64(src[i])
	}
}

// setMask sets the first rows entries of the mask input to 1 and the rest to 0.
func setMask(mask *graph.Node, rows int) {
	if m := graph.Float32s(mask); m != nil {
		fillMask(m, rows)
		return
	}
	fillMask(graph.Float64s(mask), rows)
}

func fillMask[T float32 | float64](m []T, rows int) {
	for i := range m {
		m[i] = 0
		if i < rows {
			m[i] = 1
		}
	}
}

// finiteNode reports whether every value of n is finite.
func finiteNode(n *graph.Node) bool {
	if d := graph.Float32s(n); d != nil {
		return allFinite(d)
	}
	return allFinite(graph.Float64s(n))
}

func allFinite[T float32 | float64](v []T) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}

// CheckSettings reports the first problem with training a model of
// configuration cfg with settings set (zero fields take their defaults), as
// NewTrainer would: an estimator that does not fit the latents or the
// objective, or a value out of range.
func CheckSettings(cfg Config, set TrainSettings) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	return set.withDefaults().validateFor(cfg)
}
