package vae

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// CheckpointVersion is the version of the checkpoint format that this package
// writes and reads.
const CheckpointVersion = 1

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
}

// Checkpoint returns a snapshot of the trainer (deep copies, safe to keep).
func (t *Trainer) Checkpoint() (*Checkpoint, error) {
	rs, err := t.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("vae: saving the random source: %w", err)
	}
	set := t.set
	set.Progress = nil
	return &Checkpoint{Model: t.Model().Clone(), Train: set, Epoch: t.epoch, Steps: t.steps,
		Optimizer: t.opt.State(), RNG: rs}, nil
}

// Resume returns a trainer that continues the run saved in c: same weights,
// optimizer state, epoch count and random stream. progress (may be nil)
// receives per-batch reports.
func Resume(c *Checkpoint, progress func(BatchProgress)) (*Trainer, error) {
	if c == nil || c.Model == nil {
		return nil, errors.New("vae: empty checkpoint")
	}
	src := &rand.PCG{}
	if err := src.UnmarshalBinary(c.RNG); err != nil {
		return nil, fmt.Errorf("vae: checkpoint random source: %w", err)
	}
	set := c.Train
	set.Progress = progress
	t, err := NewTrainer(c.Model.Clone(), set, src)
	if err != nil {
		return nil, err
	}
	if err := t.opt.SetState(c.Optimizer); err != nil {
		t.Close()
		return nil, fmt.Errorf("vae: checkpoint optimizer state: %w", err)
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
		K: c.Train.K, Epoch: c.Epoch, Steps: c.Steps, RNG: c.RNG, OptT: c.Optimizer.Steps, OptBuf: len(c.Optimizer.Buffers)}
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

// LoadCheckpoint reads a checkpoint file. Errors name the file and wrap
// ErrNotCheckpoint, ErrVersion or ErrCorrupt where they apply.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	c, err := DecodeCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// DecodeCheckpoint parses a checkpoint held in memory (see Encode).
func DecodeCheckpoint(data []byte) (*Checkpoint, error) {
	if len(data) < len(checkpointMagic) || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, ErrNotCheckpoint
	}
	rest := data[len(checkpointMagic):]
	if len(rest) < 8 {
		return nil, fmt.Errorf("%w: the file ends inside its header", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(rest); v != CheckpointVersion {
		return nil, fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, v, CheckpointVersion)
	}
	hl := int(binary.LittleEndian.Uint32(rest[4:]))
	rest = rest[8:]
	if hl > len(rest) {
		return nil, fmt.Errorf("%w: the file ends inside its header", ErrCorrupt)
	}
	if len(data) < sha256.Size {
		return nil, ErrCorrupt
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	var h header
	if err := json.Unmarshal(rest[:hl], &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	act, err := graph.ParseActivation(h.Activation)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	dec, err := ParseLikelihood(h.Decoder)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	targets, err := ParseTargets(h.Targets)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	obj, err := ParseObjective(h.Objective)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	cfg := Config{Input: h.Input, Hidden: h.Hidden, Latent: h.Latent, Activation: act, Decoder: dec, Float64: h.Float64}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	specs := cfg.specs()
	if len(specs) != len(h.Params) {
		return nil, fmt.Errorf("%w: %d parameters listed, the architecture has %d", ErrCorrupt, len(h.Params), len(specs))
	}
	total := 0
	for i, s := range specs {
		if h.Params[i].Name != s.name || shapeSize(h.Params[i].Shape) != shapeSize(s.shape) {
			return nil, fmt.Errorf("%w: parameter %d is %s%v, want %s%v", ErrCorrupt, i, h.Params[i].Name, h.Params[i].Shape, s.name, s.shape)
		}
		total += shapeSize(s.shape)
	}
	if h.OptBuf < 0 || h.OptBuf > 4 || h.Epoch < 0 || h.Steps < 0 || h.OptT < 0 {
		return nil, fmt.Errorf("%w: bad header counts", ErrCorrupt)
	}
	need := len(checkpointMagic) + 8 + hl + 8*total*(1+h.OptBuf) + sha256.Size
	if len(data) != need {
		return nil, fmt.Errorf("%w: %d bytes, the header implies %d", ErrCorrupt, len(data), need)
	}
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	vals := body[len(checkpointMagic)+8+hl:]
	next := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(vals[8*i:]))
		}
		vals = vals[8*n:]
		return out
	}
	m := &Model{Config: cfg}
	for _, s := range specs {
		m.Weights = append(m.Weights, next(shapeSize(s.shape)))
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	opt := graph.OptimizerState{Steps: h.OptT}
	for k := 0; k < h.OptBuf; k++ {
		var bufs [][]float64
		for _, s := range specs {
			bufs = append(bufs, next(shapeSize(s.shape)))
		}
		opt.Buffers = append(opt.Buffers, bufs)
	}
	return &Checkpoint{Model: m, Epoch: h.Epoch, Steps: h.Steps, RNG: h.RNG, Optimizer: opt,
		Train: TrainSettings{Batch: h.Batch, LR: h.LR, Targets: targets, Objective: obj, K: h.K}}, nil
}
