package vae

import (
	"fmt"
	"math"
	"math/bits"
)

// Limits on the sizes this package accepts, from settings or from a
// checkpoint. They keep every size computation far from overflow (widths of
// at most 2²⁰, at most 64 layers, hence products below 2⁶³) and refuse the
// absurd before anything is allocated; whether a size fits the machine's
// memory is the caller's judgement (see TrainMemory and EvalMemory).
const (
	// MaxWidth bounds the input width, every hidden width and the latent size.
	MaxWidth = 1 << 20
	// MaxLayers bounds the number of hidden layers.
	MaxLayers = 64
	// MaxParams bounds the number of weights of a model.
	MaxParams = 1 << 30
	// MaxRows bounds the rows of a network run: the batch times the samples
	// per image (Batch·K for training, Batch·Chunk for LogLikelihood).
	MaxRows = 1 << 24
	// maxElems bounds the values of one tensor: rows times a width.
	maxElems = 1 << 31
)

// numParams returns the number of weights of a configuration whose widths
// are within MaxWidth and layers within MaxLayers (so nothing overflows).
func (c Config) numParams() int64 {
	var n int64
	for _, s := range c.specs() {
		k := int64(1)
		for _, d := range s.shape {
			k *= int64(d)
		}
		n += k
	}
	return n
}

// checkLimits reports a configuration beyond the package's limits.
func (c Config) checkLimits() error {
	if len(c.Hidden) > MaxLayers {
		return fmt.Errorf("vae: %d hidden layers (at most %d)", len(c.Hidden), MaxLayers)
	}
	for _, w := range append([]int{c.Input, c.Latent}, c.Hidden...) {
		if w > MaxWidth {
			return fmt.Errorf("vae: width %d exceeds the limit of %d", w, MaxWidth)
		}
	}
	if n := c.numParams(); n > MaxParams {
		return fmt.Errorf("vae: %s has %d weights (at most %d)", c, n, int64(MaxParams))
	}
	return nil
}

// widest is the widest layer of c, input and output included.
func (c Config) widest() int {
	w := max(c.Input, c.Latent)
	for _, h := range c.Hidden {
		w = max(w, h)
	}
	return w
}

// checkRows reports a network run of batch rows with k samples each that
// exceeds MaxRows, or whose widest tensor would exceed the element limit. c
// must be within its own limits.
func (c Config) checkRows(batch, k int) error {
	hi, rows := bits.Mul64(uint64(batch), uint64(k))
	if batch < 1 || k < 1 || hi != 0 || rows > MaxRows {
		return fmt.Errorf("vae: %d rows × %d samples per run: want 1 to %d in all", batch, k, MaxRows)
	}
	if e := rows * uint64(c.widest()); e > maxElems {
		return fmt.Errorf("vae: %d rows × %d samples of width %d: %d values in one tensor (at most %d)", batch, k, c.widest(), e, uint64(maxElems))
	}
	return nil
}

// memory estimates the bytes of a network for c that runs rows rows at once:
// the weights in float64 (the Model, and the copies of a checkpoint), the
// graph's parameters, and the activations of every layer (their values, and
// for training their gradients and the pre-activations). Training adds the
// gradients and Adam's two moments. It is a rough upper estimate meant to
// refuse what cannot fit, not an account. It is computed in float64, so that
// it is meaningful (and finite) for any sizes, however absurd.
func (c Config) memory(rows float64, training bool) float64 {
	esize := 4.0
	if c.Float64 {
		esize = 8
	}
	var p, width float64 // weights; values per row over all layers
	in := float64(c.Input)
	for _, h := range c.Hidden {
		p += 2 * (in*float64(h) + float64(h)) // an encoder and a decoder layer
		in = float64(h)
		width += 2 * float64(h)
	}
	p += 2*(in*float64(c.Latent)+float64(c.Latent)) + float64(c.Input)
	width += 4*float64(c.Input) + 5*float64(c.Latent)
	perParam, perAct := 3*8+esize, 2.0
	if training {
		perParam, perAct = 6*8+4*esize, 3
	}
	return p*perParam + rows*width*esize*perAct + 64<<20 // plus the runtime's own
}

// bytesOf converts an estimate to bytes, saturating.
func bytesOf(f float64) uint64 {
	switch {
	case !(f > 0):
		return 0
	case f >= math.MaxUint64:
		return math.MaxUint64
	}
	return uint64(f)
}

// TrainMemory estimates the memory, in bytes, that training a model of
// configuration cfg with settings set takes (zero fields take their
// defaults), checkpoints included: an order of magnitude, for refusing
// settings that cannot fit before anything is allocated. The estimate is
// returned even for settings beyond the package's limits (saturated at the
// largest uint64), together with an error that names the limit.
func TrainMemory(cfg Config, set TrainSettings) (uint64, error) {
	cfg = cfg.WithDefaults()
	set = set.withDefaults()
	rows := float64(set.Batch) * float64(set.K)
	if set.Estimator == DReG {
		rows *= 2 // two decoder passes
	}
	need := bytesOf(cfg.memory(rows, true))
	if err := cfg.Validate(); err != nil {
		return need, err
	}
	if err := set.validate(); err != nil {
		return need, err
	}
	return need, cfg.checkRows(set.Batch, set.K)
}

// EvalMemory estimates the memory, in bytes, that evaluating a model of
// configuration cfg takes: the larger of LogLikelihood with the settings s
// (Batch·Chunk rows at once; zero fields take their defaults) and Bound with
// the same Batch and one sample per image. As TrainMemory, it returns the
// estimate even for settings beyond the package's limits, with an error.
func EvalMemory(cfg Config, s EvalSettings) (uint64, error) {
	cfg = cfg.WithDefaults()
	bound, ll := 500, 10
	if s.Batch > 0 {
		bound, ll = s.Batch, s.Batch
	}
	chunk, k := s.Chunk, s.K
	if chunk == 0 {
		chunk = 500
	}
	if k == 0 {
		k = 5000
	}
	chunk = min(chunk, k)
	need := bytesOf(max(cfg.memory(float64(bound), false), cfg.memory(float64(ll)*float64(chunk), false)))
	if err := cfg.Validate(); err != nil {
		return need, err
	}
	if s.K < 0 || s.Batch < 0 || s.Chunk < 0 {
		return need, fmt.Errorf("vae: K, Batch and Chunk must not be negative")
	}
	if err := cfg.checkRows(bound, 1); err != nil {
		return need, err
	}
	return need, cfg.checkRows(ll, chunk)
}
