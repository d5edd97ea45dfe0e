package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// testSet returns n images of 2×3 pixels; pixel j of image i is (i*6+j)*13 mod 256,
// label i mod 10.
func testSet(n int) *ImageSet {
	s := &ImageSet{N: n, Rows: 2, Cols: 3, Pixels: make([]uint8, n*6), Labels: make([]uint8, n)}
	for i := range s.Pixels {
		s.Pixels[i] = uint8(i * 13)
	}
	for i := range s.Labels {
		s.Labels[i] = uint8(i % 10)
	}
	return s
}

// rowImage identifies which image a Continuous row came from.
func rowImage(t *testing.T, s *ImageSet, row []float32) int {
	t.Helper()
	for i := 0; i < s.N; i++ {
		match := true
		for j, v := range s.Image(i) {
			if row[j] != float32(v)/255 {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	t.Fatalf("row %v matches no image", row)
	return -1
}

func TestBatcherCoverage(t *testing.T) {
	tests := []struct {
		n, batch int
		dropLast bool
		sizes    []int
	}{
		{10, 3, false, []int{3, 3, 3, 1}},
		{10, 3, true, []int{3, 3, 3}},
		{9, 3, true, []int{3, 3, 3}},
		{9, 3, false, []int{3, 3, 3}},
		{2, 5, false, []int{2}},
		{2, 5, true, nil},
		{0, 4, false, nil},
		{7, 1, false, []int{1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tc := range tests {
		s := testSet(tc.n)
		b := NewBatcher(s, tc.batch, Continuous, rand.New(rand.NewPCG(1, 2)), tc.dropLast)
		if b.Batches() != len(tc.sizes) {
			t.Errorf("n=%d batch=%d dropLast=%v: Batches() = %d, want %d", tc.n, tc.batch, tc.dropLast, b.Batches(), len(tc.sizes))
		}
		dst := make([]float32, tc.batch*s.Dim())
		var orders [][]int
		for epoch := 0; epoch < 3; epoch++ {
			if b.Epoch() != epoch {
				t.Errorf("Epoch() = %d, want %d", b.Epoch(), epoch)
			}
			var sizes, seen []int
			for {
				for i := range dst {
					dst[i] = -1
				}
				n, ok := b.Next(dst)
				if !ok {
					if n != 0 {
						t.Errorf("Next returned n=%d with ok=false", n)
					}
					break
				}
				sizes = append(sizes, n)
				idx := b.Indices()
				labels := b.Labels()
				if len(idx) != n || len(labels) != n {
					t.Fatalf("Indices %v / Labels %v for n=%d", idx, labels, n)
				}
				for r := 0; r < n; r++ {
					row := dst[r*s.Dim() : (r+1)*s.Dim()]
					if got := rowImage(t, s, row); got != idx[r] {
						t.Errorf("row %d holds image %d, Indices says %d", r, got, idx[r])
					}
					if labels[r] != s.Labels[idx[r]] {
						t.Errorf("label %d for image %d", labels[r], idx[r])
					}
				}
				for _, v := range dst[n*s.Dim():] {
					if v != 0 {
						t.Fatalf("rows past n not zeroed: %v", dst)
					}
				}
				seen = append(seen, idx...)
			}
			if !slices.Equal(sizes, tc.sizes) {
				t.Errorf("n=%d batch=%d dropLast=%v: batch sizes %v, want %v", tc.n, tc.batch, tc.dropLast, sizes, tc.sizes)
			}
			// Every index at most once; all of them unless dropLast cut some.
			sorted := slices.Clone(seen)
			slices.Sort(sorted)
			if len(slices.Compact(sorted)) != len(seen) {
				t.Errorf("epoch %d repeats indices: %v", epoch, seen)
			}
			if !tc.dropLast && len(seen) != tc.n {
				t.Errorf("epoch %d saw %d of %d images", epoch, len(seen), tc.n)
			}
			orders = append(orders, seen)
			b.NewEpoch()
		}
		if tc.n >= 7 && slices.Equal(orders[0], orders[1]) && slices.Equal(orders[1], orders[2]) {
			t.Errorf("n=%d: order never reshuffled: %v", tc.n, orders[0])
		}
	}
}

func TestBatcherDeterminism(t *testing.T) {
	s := testSet(50)
	for _, targets := range []Targets{Continuous, StaticBinary, DynamicBinary} {
		run := func(seed uint64) []float32 {
			b := NewBatcher(s, 8, targets, rand.New(rand.NewPCG(seed, 99)), false)
			dst := make([]float32, 8*s.Dim())
			var all []float32
			for epoch := 0; epoch < 2; epoch++ {
				for {
					n, ok := b.Next(dst)
					if !ok {
						break
					}
					all = append(all, dst[:n*s.Dim()]...)
				}
				b.NewEpoch()
			}
			return all
		}
		a, b, c := run(5), run(5), run(6)
		if !slices.Equal(a, b) {
			t.Errorf("%v: same seed gave different batches", targets)
		}
		if slices.Equal(a, c) {
			t.Errorf("%v: different seeds gave identical batches", targets)
		}
		for _, v := range a {
			if v < 0 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("%v: value %v outside [0, 1]", targets, v)
			}
			if targets != Continuous && v != 0 && v != 1 {
				t.Fatalf("%v: non-binary value %v", targets, v)
			}
		}
	}
}

func TestBatcherReset(t *testing.T) {
	s := testSet(10)
	b := NewBatcher(s, 4, Continuous, rand.New(rand.NewPCG(3, 3)), false)
	dst := make([]float32, 4*s.Dim())
	b.Next(dst)
	first := slices.Clone(b.Indices())
	b.Next(dst)
	b.Reset()
	b.Next(dst)
	if !slices.Equal(b.Indices(), first) || b.Epoch() != 0 {
		t.Errorf("after Reset: %v epoch %d, want %v epoch 0", b.Indices(), b.Epoch(), first)
	}
}

func TestFloat32Targets(t *testing.T) {
	// One image with every pixel value; check each target kind.
	s := &ImageSet{N: 2, Rows: 16, Cols: 16, Pixels: make([]uint8, 512), Labels: []uint8{1, 2}}
	for i := range 256 {
		s.Pixels[i] = uint8(i)
		s.Pixels[256+i] = uint8(i)
	}
	dst := make([]float32, 256)
	s.Float32(dst, 0, Continuous, nil)
	for v, got := range dst {
		if want := float32(v) / 255; got != want {
			t.Fatalf("Continuous pixel %d = %v, want %v", v, got, want)
		}
	}
	// Static binarization is fixed per image, differs between images, keeps
	// 0 and 255 exact, and is 1 about as often as the mean intensity says.
	a, b, other := make([]float32, 256), make([]float32, 256), make([]float32, 256)
	s.Float32(a, 0, StaticBinary, nil)
	s.Float32(b, 0, StaticBinary, rand.New(rand.NewPCG(1, 1)))
	s.Float32(other, 1, StaticBinary, nil)
	if !slices.Equal(a, b) {
		t.Errorf("StaticBinary depends on the rng")
	}
	if slices.Equal(a, other) {
		t.Errorf("StaticBinary identical for two images")
	}
	if a[0] != 0 || a[255] != 1 {
		t.Errorf("StaticBinary: pixel 0 -> %v, pixel 255 -> %v", a[0], a[255])
	}
	// Dynamic binarization: average over many draws approaches pixel/255.
	rng := rand.New(rand.NewPCG(4, 4))
	mean := make([]float64, 256)
	const reps = 4000
	for range reps {
		s.Float32(dst, 0, DynamicBinary, rng)
		for j, v := range dst {
			mean[j] += float64(v) / reps
		}
	}
	for v, m := range mean {
		p := float64(v) / 255
		if se := math.Sqrt(p*(1-p)/reps) + 1e-12; math.Abs(m-p) > 5*se {
			t.Errorf("DynamicBinary pixel %d: mean %.4f, want %.4f", v, m, p)
		}
	}
	var ones float64
	for _, v := range a {
		ones += float64(v)
	}
	if exp, se := 127.5, math.Sqrt(256*0.25); math.Abs(ones-exp) > 5*se {
		t.Errorf("StaticBinary: %v ones, want about %v", ones, exp)
	}
}

func TestBatcherPanics(t *testing.T) {
	s := testSet(4)
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		f    func()
	}{
		{"nil set", func() { NewBatcher(nil, 1, Continuous, rng, false) }},
		{"nil rng", func() { NewBatcher(s, 1, Continuous, nil, false) }},
		{"zero batch", func() { NewBatcher(s, 0, Continuous, rng, false) }},
		{"bad targets", func() { NewBatcher(s, 1, Targets(7), rng, false) }},
		{"inconsistent set", func() { NewBatcher(&ImageSet{N: 3, Rows: 1, Cols: 1, Pixels: []uint8{1}}, 1, Continuous, rng, false) }},
		{"short dst", func() { NewBatcher(s, 2, Continuous, rng, false).Next(make([]float32, 11)) }},
		{"index out of range", func() { s.Float32(make([]float32, 6), 4, Continuous, nil) }},
		{"dynamic without rng", func() { s.Float32(make([]float32, 6), 0, DynamicBinary, nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "datasets: ") {
					t.Errorf("recovered %v, want a \"datasets: \" panic", r)
				}
			}()
			tc.f()
		})
	}
	if got := DynamicBinary.String(); got != "dynamic-binary" {
		t.Errorf("String() = %q", got)
	}
}

// BenchmarkBatcherEpoch measures one epoch over the cached MNIST training
// set (skipped when it has not been fetched).
func BenchmarkBatcherEpoch(b *testing.B) {
	dir, err := DataDir("")
	if err != nil {
		b.Skip(err)
	}
	m, err := LoadMNIST(dir)
	if err != nil {
		b.Skip("MNIST not available: ", err)
	}
	for _, targets := range []Targets{Continuous, StaticBinary, DynamicBinary} {
		b.Run(targets.String(), func(b *testing.B) {
			bt := NewBatcher(&m.Train, 100, targets, rand.New(rand.NewPCG(1, 1)), true)
			dst := make([]float32, 100*m.Train.Dim())
			for b.Loop() {
				for {
					if _, ok := bt.Next(dst); !ok {
						break
					}
				}
				bt.NewEpoch()
			}
		})
	}
}
