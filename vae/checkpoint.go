package vae

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// CheckpointVersion is the version of the checkpoint format that this package
// writes. It reads version 1 too (the same layout without the latent
// distribution, estimator, KL warm-up, QMC and NVIL baseline fields).
const CheckpointVersion = 2

// checkpointMagic starts every checkpoint file.
const checkpointMagic = "VIGORVAE"

// Errors a caller may branch on; the errors returned wrap them.
var (
	// ErrNotCheckpoint: the file does not start like a Vigor VAE checkpoint.
	ErrNotCheckpoint = errors.New("not a Vigor VAE checkpoint")
	// ErrVersion: the checkpoint was written in another format version.
	ErrVersion = errors.New("unsupported checkpoint version")
	// ErrCorrupt: the checkpoint is truncated or its contents do not match its
	// checksum.
	ErrCorrupt = errors.New("truncated or corrupt checkpoint")
)

// Checkpoint is everything needed to use a trained model or to resume its
// training exactly: the architecture and weights, the training settings, the
// optimizer's state, the epoch and the state of the random source.
type Checkpoint struct {
	Model     *Model
	Train     TrainSettings // Progress is not saved
	Epoch     int           // completed epochs
	Steps     int           // optimizer steps taken
	Optimizer graph.OptimizerState
	RNG       []byte // the PCG source's MarshalBinary state
	// Baseline is the NVIL estimator's state (nil for other estimators).
	Baseline *BaselineState
}

// BaselineState is what NVIL learns besides the model: the baseline network
// C(x) (weights in the order of its parameters, baseline.0.W, baseline.0.b,
// baseline.out.W, baseline.out.b), its optimizer's state, and the running
// mean and variance of the learning signal (Init false before the first
// batch).
type BaselineState struct {
	Weights    [][]float64
	Optimizer  graph.OptimizerState
	SignalMean float64
	SignalVar  float64
	Init       bool
}

// Checkpoint returns a snapshot of the trainer (deep copies, safe to keep).
func (t *Trainer) Checkpoint() (*Checkpoint, error) {
	rs, err := t.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("vae: saving the random source: %w", err)
	}
	set := t.set
	set.Progress = nil
	c := &Checkpoint{Model: t.Model().Clone(), Train: set, Epoch: t.epoch, Steps: t.steps,
		Optimizer: t.opt.State(), RNG: rs}
	if t.net.bparams != nil {
		c.Baseline = &BaselineState{Weights: nodeValues(t.net.bparams), Optimizer: t.bopt.State(),
			SignalMean: t.sig.mean, SignalVar: t.sig.v, Init: t.sig.init}
	}
	return c, nil
}

// Resume returns a trainer that continues the run saved in c: same weights,
// optimizer state, epoch count and random stream. progress (may be nil)
// receives per-batch reports.
func Resume(c *Checkpoint, progress func(BatchProgress)) (*Trainer, error) {
	if c == nil || c.Model == nil {
		return nil, errors.New("vae: empty checkpoint")
	}
	if err := new(rand.PCG).UnmarshalBinary(c.RNG); err != nil {
		return nil, fmt.Errorf("vae: checkpoint random source: %w", err)
	}
	set := c.Train
	set.Progress = progress
	// NewTrainer may draw from its source (NVIL's baseline starts random):
	// the saved state replaces it afterwards.
	src := rand.NewPCG(0, 0)
	t, err := NewTrainer(c.Model.Clone(), set, src)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Trainer, error) {
		t.Close()
		return nil, err
	}
	if err := src.UnmarshalBinary(c.RNG); err != nil {
		return fail(fmt.Errorf("vae: checkpoint random source: %w", err))
	}
	if err := t.opt.SetState(c.Optimizer); err != nil {
		return fail(fmt.Errorf("vae: checkpoint optimizer state: %w", err))
	}
	switch bs := c.Baseline; {
	case (bs != nil) != (t.net.bparams != nil):
		return fail(fmt.Errorf("vae: the checkpoint's baseline state does not fit the %s estimator", set.Estimator))
	case bs != nil:
		if err := setNodes(t.net.bparams, bs.Weights); err != nil {
			return fail(fmt.Errorf("vae: checkpoint baseline: %w", err))
		}
		if err := t.bopt.SetState(bs.Optimizer); err != nil {
			return fail(fmt.Errorf("vae: checkpoint baseline optimizer state: %w", err))
		}
		t.sig = signalStats{mean: bs.SignalMean, v: bs.SignalVar, init: bs.Init}
	}
	t.epoch, t.steps = c.Epoch, c.Steps
	return t, nil
}

// header is the JSON part of a checkpoint.
type header struct {
	Input      int    `json:"input"`
	Hidden     []int  `json:"hidden"`
	Latent     int    `json:"latent"`
	Activation string `json:"activation"`
	Decoder    string `json:"decoder"`
	Float64    bool   `json:"float64"`

	Batch     int     `json:"batch"`
	LR        float64 `json:"lr"`
	Targets   string  `json:"targets"`
	Objective string  `json:"objective"`
	K         int     `json:"k"`

	Epoch  int    `json:"epoch"`
	Steps  int    `json:"steps"`
	RNG    []byte `json:"rng"`
	OptT   int    `json:"optimizer_steps"`
	OptBuf int    `json:"optimizer_buffers"` // buffers per parameter stored after the weights

	Params []paramHeader `json:"params"`

	// Version 2.
	LatentDist string        `json:"latent_dist,omitempty"`
	Estimator  string        `json:"estimator,omitempty"`
	KLWarmup   int           `json:"kl_warmup,omitempty"`
	QMC        bool          `json:"qmc,omitempty"`
	Baseline   []paramHeader `json:"baseline_params,omitempty"` // stored after the optimizer buffers
	BaseOptT   int           `json:"baseline_optimizer_steps,omitempty"`
	BaseOptBuf int           `json:"baseline_optimizer_buffers,omitempty"`
	SignalMean float64       `json:"signal_mean,omitempty"`
	SignalVar  float64       `json:"signal_var,omitempty"`
	SignalInit bool          `json:"signal_init,omitempty"`
}

type paramHeader struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// FormatTargets returns the short name of t that ParseTargets reads back:
// "continuous", "static" or "dynamic".
func FormatTargets(t datasets.Targets) string {
	switch t {
	case datasets.StaticBinary:
		return "static"
	case datasets.DynamicBinary:
		return "dynamic"
	}
	return "continuous"
}

// ParseTargets parses "continuous", "static" or "dynamic".
func ParseTargets(s string) (datasets.Targets, error) {
	switch s {
	case "continuous", "":
		return datasets.Continuous, nil
	case "static", "static-binary":
		return datasets.StaticBinary, nil
	case "dynamic", "dynamic-binary":
		return datasets.DynamicBinary, nil
	}
	return 0, fmt.Errorf("vae: unknown targets %q (want continuous, static or dynamic)", s)
}

// Encode writes c in the checkpoint format: the magic "VIGORVAE", the version
// (uint32, little-endian), the length of a JSON header (uint32) and the header,
// then every weight tensor and every optimizer buffer as little-endian float64,
// and finally the SHA-256 of everything before it.
func (c *Checkpoint) Encode(w io.Writer) error {
	m := c.Model
	if err := m.check(); err != nil {
		return err
	}
	h := header{Input: m.Config.Input, Hidden: m.Config.Hidden, Latent: m.Config.Latent,
		Activation: m.Config.Activation.String(), Decoder: m.Config.Decoder.String(), Float64: m.Config.Float64,
		Batch: c.Train.Batch, LR: c.Train.LR, Targets: FormatTargets(c.Train.Targets), Objective: c.Train.Objective.String(),
		K: c.Train.K, Epoch: c.Epoch, Steps: c.Steps, RNG: c.RNG, OptT: c.Optimizer.Steps, OptBuf: len(c.Optimizer.Buffers),
		LatentDist: m.Config.Latents.String(), Estimator: c.Train.Estimator.String(), KLWarmup: c.Train.KLWarmup, QMC: c.Train.QMC}
	if bs := c.Baseline; bs != nil {
		specs := baselineSpecs(m.Config.Input)
		if len(bs.Weights) != len(specs) {
			return errors.New("vae: the baseline state does not match the baseline network")
		}
		for i, s := range specs {
			h.Baseline = append(h.Baseline, paramHeader{Name: s.name, Shape: s.shape})
			if len(bs.Weights[i]) != shapeSize(s.shape) {
				return fmt.Errorf("vae: baseline weight %s has %d values, want %d", s.name, len(bs.Weights[i]), shapeSize(s.shape))
			}
			for k := range bs.Optimizer.Buffers {
				if i >= len(bs.Optimizer.Buffers[k]) || len(bs.Optimizer.Buffers[k][i]) != len(bs.Weights[i]) {
					return fmt.Errorf("vae: baseline optimizer buffer %d of %s does not match the weights", k, s.name)
				}
			}
		}
		h.BaseOptT, h.BaseOptBuf = bs.Optimizer.Steps, len(bs.Optimizer.Buffers)
		h.SignalMean, h.SignalVar, h.SignalInit = bs.SignalMean, bs.SignalVar, bs.Init
	}
	for i, s := range m.Config.specs() {
		h.Params = append(h.Params, paramHeader{Name: s.name, Shape: s.shape})
		for k := range c.Optimizer.Buffers {
			if i >= len(c.Optimizer.Buffers[k]) || len(c.Optimizer.Buffers[k][i]) != len(m.Weights[i]) {
				return fmt.Errorf("vae: optimizer buffer %d of %s does not match the weights", k, s.name)
			}
		}
	}
	if len(c.Optimizer.Buffers) > 0 && len(c.Optimizer.Buffers[0]) != len(m.Weights) {
		return errors.New("vae: optimizer state does not match the weights")
	}
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	binary.Write(&buf, binary.LittleEndian, uint32(CheckpointVersion))
	binary.Write(&buf, binary.LittleEndian, uint32(len(js)))
	buf.Write(js)
	var b8 [8]byte
	put := func(vals []float64) {
		for _, v := range vals {
			binary.LittleEndian.PutUint64(b8[:], math.Float64bits(v))
			buf.Write(b8[:])
		}
	}
	for _, wts := range m.Weights {
		put(wts)
	}
	for _, bufs := range c.Optimizer.Buffers {
		for _, b := range bufs {
			put(b)
		}
	}
	if bs := c.Baseline; bs != nil {
		for _, wts := range bs.Weights {
			put(wts)
		}
		for _, bufs := range bs.Optimizer.Buffers {
			for _, b := range bufs {
				put(b)
			}
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	_, err = w.Write(buf.Bytes())
	return err
}

// Save writes the checkpoint to path atomically (a temporary file in the same
// directory, renamed when complete), so an interrupted save never leaves a
// half-written checkpoint behind.
func (c *Checkpoint) Save(path string) error {
	if err := atomicfile.Write(path, c.Encode); err != nil {
		return fmt.Errorf("vae: saving checkpoint: %w", err)
	}
	return nil
}

// maxHeaderBytes bounds the JSON header of a checkpoint.
const maxHeaderBytes = 1 << 20

// maxCheckpointBytes bounds a checkpoint file: the largest model (MaxParams
// weights) and the largest NVIL baseline, each with two optimizer buffers,
// its header, and the framing.
const maxCheckpointBytes = 16 + maxHeaderBytes + 8*MaxParams*3 + 8*maxBaselineParams*3 + sha256.Size

// maxBaselineParams bounds the NVIL baseline network's weights: its input is
// at most MaxWidth wide.
const maxBaselineParams = (MaxWidth+2)*baselineHidden + 1

// LoadCheckpoint reads a checkpoint file. Errors name the file and wrap
// ErrNotCheckpoint, ErrVersion or ErrCorrupt where they apply. See
// DecodeCheckpoint for what is checked; the file is read no further than the
// size its header declares, in memory proportional to that size, and a file
// that does not start like a checkpoint (/dev/zero) is refused after its
// first 8 bytes.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	c, err := readCheckpoint(bufio.NewReaderSize(f, 1<<16), size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// DecodeCheckpoint parses a checkpoint held in memory (see Encode). It never
// panics. Sizes are checked with overflow-safe arithmetic against the
// package's limits (MaxWidth, MaxLayers, MaxParams, MaxRows) and against the
// length of data before anything is allocated from them, and the checksum
// before anything else: a flipped bit anywhere, the version included, is
// ErrCorrupt; ErrVersion is a well-formed checkpoint of another version (every
// version ends with the SHA-256 of what precedes it). The contents are then
// validated as settings given to this package are: the architecture, the
// training settings (as NewTrainer does), finite weights and optimizer state,
// the random source's state; a problem wraps ErrCorrupt.
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	return readCheckpoint(bytes.NewReader(data), int64(len(data)))
}

// layout is a checkpoint header parsed and checked: what the rest of the file
// holds.
type layout struct {
	h       header
	cfg     Config
	set     TrainSettings
	specs   []paramSpec
	weights int64 // weights per buffer
	bspecs  []paramSpec
	bweight int64 // baseline weights per buffer
}

// parseHeader parses and checks the JSON header of a version-1 or version-2
// checkpoint.
func parseHeader(js []byte) (*layout, error) {
	var l layout
	h := &l.h
	if err := json.Unmarshal(js, h); err != nil {
		return nil, err
	}
	act, err := graph.ParseActivation(h.Activation)
	if err != nil {
		return nil, err
	}
	dec, err := ParseLikelihood(h.Decoder)
	if err != nil {
		return nil, err
	}
	targets, err := ParseTargets(h.Targets)
	if err != nil {
		return nil, err
	}
	obj, err := ParseObjective(h.Objective)
	if err != nil {
		return nil, err
	}
	latents, err := ParseLatentDist(h.LatentDist)
	if err != nil {
		return nil, err
	}
	est, err := ParseEstimator(h.Estimator)
	if err != nil {
		return nil, err
	}
	l.cfg = Config{Input: h.Input, Hidden: h.Hidden, Latent: h.Latent, Activation: act, Decoder: dec, Float64: h.Float64, Latents: latents}
	if err := l.cfg.Validate(); err != nil {
		return nil, err
	}
	l.set = TrainSettings{Batch: h.Batch, LR: h.LR, Targets: targets, Objective: obj, K: h.K,
		Estimator: est, KLWarmup: h.KLWarmup, QMC: h.QMC}
	set := l.set.withDefaults()
	if err := set.validateFor(l.cfg); err != nil {
		return nil, err
	}
	if err := l.cfg.checkRows(set.Batch, set.K); err != nil {
		return nil, err
	}
	switch {
	case h.Epoch < 0 || h.Steps < 0 || h.OptT < 0:
		return nil, fmt.Errorf("negative counts: epoch %d, steps %d, optimizer steps %d", h.Epoch, h.Steps, h.OptT)
	case h.OptBuf != 0 && h.OptBuf != 2:
		return nil, fmt.Errorf("%d optimizer buffers per weight (Adam has 2)", h.OptBuf)
	case h.OptBuf == 0 && h.OptT > 0:
		return nil, fmt.Errorf("no optimizer buffers after %d optimizer steps", h.OptT)
	}
	if len(h.RNG) > 0 {
		if err := new(rand.PCG).UnmarshalBinary(h.RNG); err != nil {
			return nil, fmt.Errorf("random source state: %v", err)
		}
	}
	l.specs = l.cfg.specs()
	if len(l.specs) != len(h.Params) {
		return nil, fmt.Errorf("%d parameters listed, the architecture has %d", len(h.Params), len(l.specs))
	}
	for i, s := range l.specs {
		if p := h.Params[i]; p.Name != s.name || !slices.Equal(p.Shape, s.shape) {
			return nil, fmt.Errorf("parameter %d is %.40q%v, want %s%v", i, p.Name, p.Shape, s.name, s.shape)
		}
	}
	l.weights = l.cfg.numParams()
	switch {
	case est == NVIL && len(h.Baseline) == 0:
		return nil, errors.New("an nvil run without its baseline network")
	case est != NVIL && (len(h.Baseline) > 0 || h.BaseOptBuf > 0 || h.BaseOptT > 0):
		return nil, fmt.Errorf("a baseline network with the %s estimator", est)
	case h.BaseOptT < 0:
		return nil, fmt.Errorf("negative baseline optimizer steps %d", h.BaseOptT)
	case h.BaseOptBuf != 0 && h.BaseOptBuf != 2:
		return nil, fmt.Errorf("%d baseline optimizer buffers per weight (Adam has 2)", h.BaseOptBuf)
	case h.BaseOptBuf == 0 && h.BaseOptT > 0:
		return nil, fmt.Errorf("no baseline optimizer buffers after %d steps", h.BaseOptT)
	case math.IsNaN(h.SignalMean) || math.IsInf(h.SignalMean, 0) || !(h.SignalVar >= 0) || math.IsInf(h.SignalVar, 0):
		return nil, fmt.Errorf("signal statistics %v, %v", h.SignalMean, h.SignalVar)
	}
	if len(h.Baseline) > 0 {
		l.bspecs = baselineSpecs(l.cfg.Input)
		if len(l.bspecs) != len(h.Baseline) {
			return nil, fmt.Errorf("%d baseline parameters listed, the network has %d", len(h.Baseline), len(l.bspecs))
		}
		for i, s := range l.bspecs {
			if p := h.Baseline[i]; p.Name != s.name || !slices.Equal(p.Shape, s.shape) {
				return nil, fmt.Errorf("baseline parameter %d is %.40q%v, want %s%v", i, p.Name, p.Shape, s.name, s.shape)
			}
			l.bweight += int64(shapeSize(s.shape))
		}
	}
	return &l, nil
}

// size returns the file size the layout implies, after a header of hl
// bytes. The limits keep it far below 2⁶³.
func (l *layout) size(hl int64) int64 {
	return 16 + hl + 8*l.weights*int64(1+l.h.OptBuf) + 8*l.bweight*int64(1+l.h.BaseOptBuf) + sha256.Size
}

// readCheckpoint reads a checkpoint from r, whose size is size bytes (-1:
// unknown, as for a pipe).
func readCheckpoint(r io.Reader, size int64) (*Checkpoint, error) {
	var pre [16]byte
	n, err := io.ReadFull(r, pre[:])
	switch {
	case n < len(checkpointMagic) && (err == io.EOF || err == io.ErrUnexpectedEOF):
		return nil, ErrNotCheckpoint
	case n >= len(checkpointMagic) && string(pre[:len(checkpointMagic)]) != checkpointMagic:
		return nil, ErrNotCheckpoint
	case err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("%w: the file ends inside its header", ErrCorrupt)
	case err != nil:
		return nil, fmt.Errorf("vae: reading the checkpoint: %w", err)
	}
	version := binary.LittleEndian.Uint32(pre[8:])
	hl := int64(binary.LittleEndian.Uint32(pre[12:]))
	if hl > maxHeaderBytes {
		return nil, fmt.Errorf("%w: a header of %d bytes (at most %d)", ErrCorrupt, hl, maxHeaderBytes)
	}
	if size >= 0 && 16+hl+sha256.Size > size {
		return nil, fmt.Errorf("%w: the file ends inside its header (%d bytes declared)", ErrCorrupt, hl)
	}
	sum := sha256.New()
	sum.Write(pre[:])
	js := make([]byte, hl)
	if _, err := io.ReadFull(r, js); err != nil {
		return nil, readErr(err, "inside its header")
	}
	sum.Write(js)

	// Only a version-1 header is parsed; whatever else is wrong, the checksum
	// of the rest of the file says whether the file is corrupt first.
	var l *layout
	herr := fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, version, CheckpointVersion)
	if version == 1 || version == CheckpointVersion {
		l, herr = parseHeader(js)
		if herr != nil {
			herr = fmt.Errorf("%w: header: %v", ErrCorrupt, herr)
		}
	}
	if herr != nil {
		rest := int64(maxCheckpointBytes)
		if size >= 0 {
			rest = size - 16 - hl
		}
		ok, err := checksumRest(r, sum, rest)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
		}
		return nil, herr
	}
	need := l.size(hl)
	if size < 0 {
		// A pipe: buffer the rest, as far as it goes, to learn its size.
		data, err := io.ReadAll(io.LimitReader(r, need-16-hl+1))
		if err != nil {
			return nil, fmt.Errorf("vae: reading the checkpoint: %w", err)
		}
		r, size = bytes.NewReader(data), 16+hl+int64(len(data))
	}
	if size != need {
		return nil, fmt.Errorf("%w: %d bytes, the header implies %d", ErrCorrupt, size, need)
	}

	buf := make([]byte, 1<<16)
	next := func(n int) ([]float64, error) {
		out := make([]float64, n)
		return out, readFloats(r, sum, out, buf)
	}
	m := &Model{Config: l.cfg}
	for _, s := range l.specs {
		w, err := next(shapeSize(s.shape))
		if err != nil {
			return nil, err
		}
		m.Weights = append(m.Weights, w)
	}
	opt := graph.OptimizerState{Steps: l.h.OptT}
	for k := 0; k < l.h.OptBuf; k++ {
		var bufs [][]float64
		for _, s := range l.specs {
			b, err := next(shapeSize(s.shape))
			if err != nil {
				return nil, err
			}
			bufs = append(bufs, b)
		}
		opt.Buffers = append(opt.Buffers, bufs)
	}
	var base *BaselineState
	if l.bspecs != nil {
		base = &BaselineState{Optimizer: graph.OptimizerState{Steps: l.h.BaseOptT},
			SignalMean: l.h.SignalMean, SignalVar: l.h.SignalVar, Init: l.h.SignalInit}
		for _, s := range l.bspecs {
			w, err := next(shapeSize(s.shape))
			if err != nil {
				return nil, err
			}
			base.Weights = append(base.Weights, w)
		}
		for k := 0; k < l.h.BaseOptBuf; k++ {
			var bufs [][]float64
			for _, s := range l.bspecs {
				b, err := next(shapeSize(s.shape))
				if err != nil {
					return nil, err
				}
				bufs = append(bufs, b)
			}
			base.Optimizer.Buffers = append(base.Optimizer.Buffers, bufs)
		}
	}
	var want [sha256.Size]byte
	if _, err := io.ReadFull(r, want[:]); err != nil {
		return nil, readErr(err, "before its checksum")
	}
	if !bytes.Equal(sum.Sum(nil), want[:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}

	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for k, bufs := range opt.Buffers {
		for i, b := range bufs {
			for _, v := range b {
				if math.IsNaN(v) || math.IsInf(v, 0) || (k == 1 && v < 0) {
					return nil, fmt.Errorf("%w: optimizer buffer %d of %s holds %v", ErrCorrupt, k, l.specs[i].name, v)
				}
			}
		}
	}
	if base != nil {
		for i, w := range base.Weights {
			for _, v := range w {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("%w: baseline weight %s is not finite", ErrCorrupt, l.bspecs[i].name)
				}
			}
		}
		for k, bufs := range base.Optimizer.Buffers {
			for i, b := range bufs {
				for _, v := range b {
					if math.IsNaN(v) || math.IsInf(v, 0) || (k == 1 && v < 0) {
						return nil, fmt.Errorf("%w: baseline optimizer buffer %d of %s holds %v", ErrCorrupt, k, l.bspecs[i].name, v)
					}
				}
			}
		}
	}
	return &Checkpoint{Model: m, Epoch: l.h.Epoch, Steps: l.h.Steps, RNG: l.h.RNG, Optimizer: opt, Train: l.set, Baseline: base}, nil
}

// readErr describes an error reading a checkpoint: an early end is
// ErrCorrupt ("the file ends " + where).
func readErr(err error, where string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: the file ends %s", ErrCorrupt, where)
	}
	return fmt.Errorf("vae: reading the checkpoint: %w", err)
}

// readFloats fills dst with little-endian float64s read from r through buf,
// adding the bytes to sum.
func readFloats(r io.Reader, sum hash.Hash, dst []float64, buf []byte) error {
	buf = buf[:len(buf)/8*8]
	for len(dst) > 0 {
		b := buf[:min(len(buf), 8*len(dst))]
		if _, err := io.ReadFull(r, b); err != nil {
			return readErr(err, "inside its weights")
		}
		sum.Write(b)
		for i := 0; i < len(b); i += 8 {
			dst[i/8] = math.Float64frombits(binary.LittleEndian.Uint64(b[i:]))
		}
		dst = dst[len(b)/8:]
	}
	return nil
}

// checksumRest reads the rest of a checkpoint, n bytes at most (the exact
// count when the size is known), adds all but its last 32 bytes to sum and
// reports whether those 32 bytes are sum's SHA-256. Memory stays constant.
func checksumRest(r io.Reader, sum hash.Hash, n int64) (bool, error) {
	var tail [sha256.Size]byte
	have := 0 // bytes held in tail
	buf := make([]byte, 1<<16)
	lr := io.LimitReader(r, n)
	for {
		k, err := lr.Read(buf)
		chunk := buf[:k]
		// Keep the last 32 bytes seen in tail; hash what falls out of it.
		if total := have + len(chunk); total > sha256.Size {
			out := total - sha256.Size
			if out <= have {
				sum.Write(tail[:out])
				copy(tail[:], tail[out:have])
				have -= out
			} else {
				sum.Write(tail[:have])
				sum.Write(chunk[:out-have])
				chunk = chunk[out-have:]
				have = 0
			}
		}
		have += copy(tail[have:], chunk)
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, fmt.Errorf("vae: reading the checkpoint: %w", err)
		}
	}
	return have == sha256.Size && bytes.Equal(sum.Sum(nil), tail[:]), nil
}
