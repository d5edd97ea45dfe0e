package vae

import (
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/datasets"
)

// benchStep measures one training step of the default 784-400-20 VAE (batch
// 128): filling the inputs, the forward and backward pass, the finiteness
// checks and the Adam update. The images are random (timing does not depend on
// their content). Each benchmark op is one step.
func benchStep(b *testing.B, cfg Config) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 128 * 4
	set := &datasets.ImageSet{N: n, Rows: 28, Cols: 28, Pixels: make([]uint8, n*784), Labels: make([]uint8, n)}
	for i := range set.Pixels {
		set.Pixels[i] = uint8(rng.IntN(256))
	}
	m, err := New(cfg, rng)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := NewTrainer(m, TrainSettings{}, rand.NewPCG(2, 2))
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.TrainEpoch(set); err != nil { // warm up: first-run allocations
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 4 {
		if _, err := tr.TrainEpoch(set); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainStep32 is the default float32 VAE; one op is one step.
func BenchmarkTrainStep32(b *testing.B) { benchStep(b, Config{}) }

// BenchmarkTrainStep64 is the same in float64.
func BenchmarkTrainStep64(b *testing.B) { benchStep(b, Config{Float64: true}) }
