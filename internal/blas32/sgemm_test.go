package blas32

import (
	"testing"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// knobs are this package's tuning variables, for the shared tests.
var knobs = gemmtest.Knobs{
	Asm: &useAsm, HasAsm: hasAVX2FMA, Gonum: &useGonum,
	KC: &blocking.KC, MC: &blocking.MC, NC: &blocking.NC,
	Par: &blocking.Par, MaxShared: &blocking.MaxShared,
}

func TestSgemm(t *testing.T) {
	gemmtest.Sweep(t, Sgemm, 1, gemmtest.SmallSizes, 40)
}

// TestSgemmGeneric forces the portable micro-kernel.
func TestSgemmGeneric(t *testing.T) {
	gemmtest.Generic(t, Sgemm, knobs, 2, gemmtest.SmallSizes, 20)
}

// TestSgemmGonumFallback checks the delegation used on amd64 CPUs without
// AVX2/FMA.
func TestSgemmGonumFallback(t *testing.T) {
	defer func(v bool) { useGonum = v }(useGonum)
	useGonum = true
	gemmtest.Sweep(t, Sgemm, 10, []int{1, 7, 17}, 5)
}

// TestSgemmBlocks shrinks the cache blocks so that small problems cross
// every block boundary (several jc, pc and ic blocks, partial blocks).
func TestSgemmBlocks(t *testing.T) {
	gemmtest.Blocks(t, Sgemm, knobs, 3, []int{13, 40, 67}, 10)
}

// TestSgemmParallel forces the parallel path on small problems, with more
// workers than cores.
func TestSgemmParallel(t *testing.T) {
	gemmtest.Parallel(t, Sgemm, knobs, []int{1, 7, 33, 70, 101}, 20)
}

// TestSgemmLarge checks shapes that cross the default cache blocks and the
// parallel threshold, including the VAE shapes.
func TestSgemmLarge(t *testing.T) {
	shapes := [][3]int{{128, 400, 784}, {784, 400, 128}, {128, 784, 400}, {70, 3100, 40}, {401, 129, 517}}
	if testing.Short() {
		shapes = shapes[:2]
	}
	gemmtest.Large(t, Sgemm, 5, shapes)
}

// TestMatchesGonum compares with gonum's Sgemm, bit for bit where the
// result is exact (small integers) and including k = 0.
func TestMatchesGonum(t *testing.T) {
	gemmtest.MatchesGonum(t, Implementation{}.Sgemm, gonum.Implementation{}.Sgemm)
}

// TestPanics checks that invalid arguments panic with gonum's messages.
func TestPanics(t *testing.T) {
	gemmtest.Panics(t, Sgemm, gonum.Implementation{}.Sgemm)
}

// TestAllocs checks that Sgemm does not allocate, serial and parallel.
func TestAllocs(t *testing.T) {
	gemmtest.Allocs(t, Sgemm, knobs, raceEnabled)
}
