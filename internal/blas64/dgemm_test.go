package blas64

import (
	"testing"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// knobs are this package's tuning variables, for the shared tests.
var knobs = gemmtest.Knobs{
	Asm: &useAsm, HasAsm: hasAVX2FMA,
	KC: &blocking.KC, MC: &blocking.MC, NC: &blocking.NC,
	Par: &blocking.Par, MaxShared: &blocking.MaxShared,
}

func TestDgemm(t *testing.T) {
	gemmtest.Sweep(t, Dgemm, 1, gemmtest.SmallSizes, 12)
}

// TestDgemmGeneric forces the portable micro-kernel.
func TestDgemmGeneric(t *testing.T) {
	gemmtest.Generic(t, Dgemm, knobs, 2, gemmtest.SmallSizes, 8)
}

// TestDgemmBlocks shrinks the cache blocks so that small problems cross
// every block boundary (several jc, pc and ic blocks, partial blocks).
func TestDgemmBlocks(t *testing.T) {
	gemmtest.Blocks(t, Dgemm, knobs, 3, []int{13, 40, 67}, 10)
}

// TestDgemmParallel forces the parallel path on small problems, with more
// workers than cores.
func TestDgemmParallel(t *testing.T) {
	gemmtest.Parallel(t, Dgemm, knobs, []int{1, 7, 33, 70, 101}, 6)
}

// TestDgemmLarge checks shapes that cross the default cache blocks and the
// parallel threshold, including the VAE shapes.
func TestDgemmLarge(t *testing.T) {
	shapes := [][3]int{{128, 400, 784}, {70, 3100, 40}, {401, 129, 517}}
	if testing.Short() {
		shapes = shapes[:1]
	}
	gemmtest.Large(t, Dgemm, 5, shapes)
}

// TestMatchesGonum compares with gonum's Dgemm, bit for bit where the
// result is exact (small integers) and including k = 0.
func TestMatchesGonum(t *testing.T) {
	gemmtest.MatchesGonum(t, Implementation{}.Dgemm, gonum.Implementation{}.Dgemm)
}

// TestPanics checks that invalid arguments panic with gonum's messages.
func TestPanics(t *testing.T) {
	gemmtest.Panics(t, Dgemm, gonum.Implementation{}.Dgemm)
}

// TestAllocs checks that Dgemm does not allocate, serial and parallel.
func TestAllocs(t *testing.T) {
	gemmtest.Allocs(t, Dgemm, knobs, raceEnabled)
}
