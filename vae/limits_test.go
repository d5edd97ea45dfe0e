package vae

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMemoryEstimates: the estimates accept the usual settings, grow with
// the sizes, and stay meaningful (with an error naming the limit) for sizes
// beyond the package's limits, however absurd, without overflowing.
func TestMemoryEstimates(t *testing.T) {
	def, err := TrainMemory(Config{}, TrainSettings{})
	if err != nil || def > 1<<30 {
		t.Errorf("the PyTorch example's training: %d bytes, %v; want under 1 GiB", def, err)
	}
	big, err := TrainMemory(Config{}, TrainSettings{Batch: 100000})
	if err != nil || big < 1<<30 || big < def {
		t.Errorf("batch 100000: %d bytes, %v", big, err)
	}
	tests := []struct {
		name string
		cfg  Config
		set  TrainSettings
		min  uint64 // at least this many bytes
		want string // the error
	}{
		{"batch 1e8", Config{}, TrainSettings{Batch: 100000000}, 1 << 40, "batch size 100000000 must be between 1 and"},
		{"batch 2^40", Config{}, TrainSettings{Batch: 1 << 40}, 1 << 50, "batch size"},
		{"k 1e9 with iwae", Config{}, TrainSettings{K: 1000000000, Objective: IWAE}, 1 << 40, "K = 1000000000"},
		{"batch·k", Config{}, TrainSettings{Batch: 1 << 12, K: 1 << 13}, 1 << 40, "samples per run"},
		{"hidden 1e8", Config{Hidden: []int{100000000}}, TrainSettings{}, 1 << 40, "width 100000000 exceeds the limit"},
		{"latent 1e9", Config{Latent: 1000000000}, TrainSettings{}, 1 << 40, "width 1000000000 exceeds the limit"},
		{"input (2^61+1)/3", Config{Input: (1<<61 + 1) / 3}, TrainSettings{}, math.MaxUint64, "exceeds the limit"},
		{"too many weights", Config{Hidden: []int{MaxWidth, MaxWidth}}, TrainSettings{}, 1 << 40, "weights (at most"},
		{"one value too many in a tensor", Config{Input: 1 << 20}, TrainSettings{Batch: 1<<11 + 1, K: 1}, 1 << 30, "values in one tensor"},
	}
	for _, tc := range tests {
		need, err := TrainMemory(tc.cfg, tc.set)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if need < tc.min {
			t.Errorf("%s: estimate %d bytes, want at least %d", tc.name, need, tc.min)
		}
	}
	ev, err := EvalMemory(Config{}, EvalSettings{K: 5000})
	if err != nil || ev > 1<<30 {
		t.Errorf("the default evaluation: %d bytes, %v", ev, err)
	}
	if _, err := EvalMemory(Config{}, EvalSettings{K: 1 << 40, Chunk: 1 << 40}); err == nil {
		t.Error("EvalMemory accepted chunks of 2^40 samples")
	}
}

// TestLimitsNoPanic: library calls with absurd sizes return errors, never
// panic (a makeslice of a negative or overflowing length).
func TestLimitsNoPanic(t *testing.T) {
	m := newModel(t, tinyConfig(Bernoulli), 1)
	set := syntheticImages(8, 2, 3, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := NewTrainer(m.Clone(), TrainSettings{Batch: 1 << 40}, rand.NewPCG(1, 1)); err == nil {
		t.Error("NewTrainer accepted batch 2^40")
	}
	if _, err := NewTrainer(m.Clone(), TrainSettings{Batch: 1 << 13, K: 1 << 13}, rand.NewPCG(1, 1)); err == nil {
		t.Error("NewTrainer accepted 2^26 rows")
	}
	if _, err := Bound(m, set, EvalSettings{K: 1 << 40}, rng); err == nil {
		t.Error("Bound accepted K = 2^40")
	}
	if _, _, err := LogLikelihood(m, set, EvalSettings{K: 1 << 40, Chunk: 1 << 40}, rng); err == nil {
		t.Error("LogLikelihood accepted chunks of 2^40")
	}
	if _, err := m.SamplePrior(-1, rng); err == nil {
		t.Error("SamplePrior(-1) succeeded")
	}
	if _, err := New(Config{Input: (1<<61 + 1) / 3}, rng); err == nil {
		t.Error("New accepted an input of (2^61+1)/3")
	}
}
