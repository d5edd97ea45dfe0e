package datasets

import (
	"fmt"
	"math/rand/v2"
)

// Targets selects how pixels are turned into float32 values in [0, 1].
type Targets int

const (
	// Continuous gives pixel/255.
	Continuous Targets = iota
	// StaticBinary gives a fixed binarization: pixel j of image i is 1 with
	// probability pixel/255, sampled once (in the style of Larochelle's
	// static binarized MNIST) from a PCG generator seeded with
	// (StaticBinarySeed, i). It is the same in every epoch, every Batcher
	// and every run, and independent of the Batcher's rng. (Being keyed by
	// the index alone, image i of the training and of the test set use the
	// same uniform draws.)
	StaticBinary
	// DynamicBinary resamples pixel ~ Bernoulli(pixel/255) from the
	// caller's rng each time an image is produced, so every epoch sees a
	// fresh binarization.
	DynamicBinary
)

// StaticBinarySeed is the fixed seed of the StaticBinary binarization.
const StaticBinarySeed uint64 = 0x76_69_67_6f_72_4d_4e_53 // "vigorMNS"

// String returns the name of the target kind.
func (t Targets) String() string {
	switch t {
	case Continuous:
		return "continuous"
	case StaticBinary:
		return "static-binary"
	case DynamicBinary:
		return "dynamic-binary"
	}
	return fmt.Sprintf("Targets(%d)", int(t))
}

// pixelScale[v] = v/255.
var pixelScale = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v) / 255
	}
	return t
}()

// pixelProb[v] = v/255 in float64, the Bernoulli probability of pixel v.
var pixelProb = func() (t [256]float64) {
	for v := range t {
		t[v] = float64(v) / 255
	}
	return t
}()

// Float32 writes image i into dst[:s.Dim()] as float32 values in [0, 1]
// according to targets. rng is used only for DynamicBinary (it may be nil
// otherwise). It panics (programmer error) if i is out of range, dst is too
// short, targets is unknown, or rng is nil for DynamicBinary.
func (s *ImageSet) Float32(dst []float32, i int, targets Targets, rng *rand.Rand) {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("datasets: ImageSet.Float32: index %d out of range [0, %d)", i, s.N))
	}
	img := s.Image(i)
	if len(dst) < len(img) {
		panic(fmt.Sprintf("datasets: ImageSet.Float32: len(dst) = %d < %d pixels", len(dst), len(img)))
	}
	dst = dst[:len(img)]
	switch targets {
	case Continuous:
		for j, v := range img {
			dst[j] = pixelScale[v]
		}
	case StaticBinary:
		src := rand.NewPCG(StaticBinarySeed, uint64(i))
		for j, v := range img {
			u := float64(src.Uint64()>>11) / (1 << 53)
			dst[j] = bernoulli(u, v)
		}
	case DynamicBinary:
		if rng == nil {
			panic("datasets: ImageSet.Float32: DynamicBinary needs a non-nil *rand.Rand")
		}
		for j, v := range img {
			dst[j] = bernoulli(rng.Float64(), v)
		}
	default:
		panic(fmt.Sprintf("datasets: ImageSet.Float32: unknown targets %d", int(targets)))
	}
}

// bernoulli returns 1 if u < v/255 (u uniform in [0,1)), else 0.
func bernoulli(u float64, v uint8) float32 {
	if u < pixelProb[v] {
		return 1
	}
	return 0
}

// Batcher produces shuffled mini-batches of images as float32 rows.
//
// Each epoch visits every image exactly once in an order drawn with a
// Fisher–Yates shuffle from the Batcher's rng; with dropLast the final
// incomplete batch of an epoch is skipped. The same rng seed gives the same
// batches. A Batcher is not safe for concurrent use.
type Batcher struct {
	set      *ImageSet
	batch    int
	targets  Targets
	rng      *rand.Rand
	dropLast bool

	perm   []int   // visiting order of the current epoch
	pos    int     // next position in perm
	epoch  int     // current epoch, from 0
	cur    []int   // indices of the current batch
	labels []uint8 // labels of the current batch
}

// NewBatcher returns a Batcher over set yielding batch images at a time, with
// pixel values given by targets, and shuffles the first epoch with rng.
// It panics (programmer error) if set or rng is nil, batch < 1, targets is
// unknown, or len(set.Pixels) or len(set.Labels) does not match set.N.
func NewBatcher(set *ImageSet, batch int, targets Targets, rng *rand.Rand, dropLast bool) *Batcher {
	switch {
	case set == nil:
		panic("datasets: NewBatcher: nil *ImageSet")
	case rng == nil:
		panic("datasets: NewBatcher: nil *rand.Rand")
	case batch < 1:
		panic(fmt.Sprintf("datasets: NewBatcher: batch = %d < 1", batch))
	case targets < Continuous || targets > DynamicBinary:
		panic(fmt.Sprintf("datasets: NewBatcher: unknown targets %d", int(targets)))
	case set.N < 0 || set.Rows < 0 || set.Cols < 0 || len(set.Pixels) != set.N*set.Dim() || len(set.Labels) != set.N:
		panic(fmt.Sprintf("datasets: NewBatcher: inconsistent ImageSet: N=%d, %d×%d, %d pixels, %d labels",
			set.N, set.Rows, set.Cols, len(set.Pixels), len(set.Labels)))
	}
	b := &Batcher{set: set, batch: batch, targets: targets, rng: rng, dropLast: dropLast,
		perm: make([]int, set.N), labels: make([]uint8, 0, batch)}
	for i := range b.perm {
		b.perm[i] = i
	}
	b.shuffle()
	return b
}

// shuffle applies a Fisher–Yates shuffle to the permutation.
func (b *Batcher) shuffle() {
	for i := len(b.perm) - 1; i > 0; i-- {
		j := b.rng.IntN(i + 1)
		b.perm[i], b.perm[j] = b.perm[j], b.perm[i]
	}
}

// BatchSize returns the number of rows of a full batch.
func (b *Batcher) BatchSize() int { return b.batch }

// Dim returns the number of values per row (pixels per image).
func (b *Batcher) Dim() int { return b.set.Dim() }

// Batches returns the number of batches Next yields per epoch.
func (b *Batcher) Batches() int {
	if b.dropLast {
		return b.set.N / b.batch
	}
	return (b.set.N + b.batch - 1) / b.batch
}

// Next fills dst (at least BatchSize()·Dim() values, row-major) with the next
// batch of the current epoch and returns the number of rows filled. Rows past
// n are set to zero. It returns (0, false) when the epoch is exhausted; call
// NewEpoch to continue. It panics (programmer error) if dst is too short.
func (b *Batcher) Next(dst []float32) (n int, ok bool) {
	d := b.set.Dim()
	if len(dst) < b.batch*d {
		panic(fmt.Sprintf("datasets: Batcher.Next: len(dst) = %d < batch·dim = %d", len(dst), b.batch*d))
	}
	left := len(b.perm) - b.pos
	if left <= 0 || (b.dropLast && left < b.batch) {
		b.cur, b.labels = b.cur[:0], b.labels[:0]
		return 0, false
	}
	n = min(b.batch, left)
	b.cur = b.perm[b.pos : b.pos+n]
	b.pos += n
	b.labels = b.labels[:0]
	for r, i := range b.cur {
		b.set.Float32(dst[r*d:(r+1)*d], i, b.targets, b.rng)
		b.labels = append(b.labels, b.set.Labels[i])
	}
	clear(dst[n*d : b.batch*d])
	return n, true
}

// Labels returns the labels of the batch last returned by Next (valid until
// the next call of Next).
func (b *Batcher) Labels() []uint8 { return b.labels }

// Indices returns the image indices of the batch last returned by Next (valid
// until the next call of Next or NewEpoch).
func (b *Batcher) Indices() []int { return b.cur }

// Epoch returns the current epoch number, starting at 0.
func (b *Batcher) Epoch() int { return b.epoch }

// NewEpoch starts the next epoch: it reshuffles the order with the rng and
// increments Epoch. It may be called before the current epoch is exhausted.
func (b *Batcher) NewEpoch() {
	b.shuffle()
	b.epoch++
	b.pos = 0
	b.cur, b.labels = nil, b.labels[:0]
}

// Reset rewinds to the start of the current epoch without reshuffling, so the
// same images come again in the same order (with DynamicBinary the pixels are
// still resampled).
func (b *Batcher) Reset() {
	b.pos = 0
	b.cur, b.labels = nil, b.labels[:0]
}
