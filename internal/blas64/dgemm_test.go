package blas64

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// sweep checks Dgemm on many shapes with all transposes, alphas, betas and
// padding (see gemmtest.Sweep).
func sweep(t *testing.T, seed uint64, sizes []int, random int) {
	t.Helper()
	gemmtest.Sweep(t, Dgemm, seed, sizes, random)
}

func TestDgemm(t *testing.T) {
	sweep(t, 1, gemmtest.SmallSizes, 12)
}

// TestDgemmGeneric forces the portable micro-kernel.
func TestDgemmGeneric(t *testing.T) {
	defer func(v bool) { useAsm = v }(useAsm)
	useAsm = false
	sweep(t, 2, gemmtest.SmallSizes, 8)
}

// TestDgemmBlocks shrinks the cache blocks so that small problems cross
// every block boundary (several jc, pc and ic blocks, partial blocks).
func TestDgemmBlocks(t *testing.T) {
	for _, asm := range []bool{true, false} {
		if asm && !hasAVX2FMA {
			continue
		}
		t.Run(fmt.Sprintf("asm=%v", asm), func(t *testing.T) {
			defer func(v bool, kc, mc, nc int) {
				useAsm, blocking.KC, blocking.MC, blocking.NC = v, kc, mc, nc
			}(useAsm, blocking.KC, blocking.MC, blocking.NC)
			useAsm = asm
			blocking.KC, blocking.MC, blocking.NC = 5, 12, 32
			sweep(t, 3, []int{13, 40, 67}, 10)
		})
	}
}

// TestDgemmParallel forces the parallel path on small problems, with more
// workers than cores.
func TestDgemmParallel(t *testing.T) {
	defer func(p int) { blocking.Par = p }(blocking.Par)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(5))
	blocking.Par = 0
	t.Run("shared", func(t *testing.T) { sweep(t, 4, []int{1, 7, 33, 70, 101}, 6) })
	t.Run("static", func(t *testing.T) {
		defer func(v int) { blocking.MaxShared = v }(blocking.MaxShared)
		blocking.MaxShared = 0
		sweep(t, 8, []int{1, 7, 70}, 4)
	})
	t.Run("smallblocks", func(t *testing.T) {
		defer func(kc, mc, nc int) { blocking.KC, blocking.MC, blocking.NC = kc, mc, nc }(blocking.KC, blocking.MC, blocking.NC)
		blocking.KC, blocking.MC, blocking.NC = 5, 12, 32
		sweep(t, 9, []int{40, 67}, 4)
	})
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

func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, s := range [][3]int{{5, 7, 9}, {128, 400, 20}, {128, 400, 784}} {
		if allocs := gemmtest.AllocsPerCall(Dgemm, rnd, s[0], s[1], s[2]); allocs > 0.5 {
			t.Errorf("m=%d n=%d k=%d: %v allocations per call", s[0], s[1], s[2], allocs)
		}
	}
}

// TestAllocsParallel checks the parallel path, shared and static.
func TestAllocsParallel(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(p, s int) { blocking.Par, blocking.MaxShared = p, s }(blocking.Par, blocking.MaxShared)
	blocking.Par = 0
	rnd := rand.New(rand.NewPCG(7, 8))
	for _, shared := range []int{blocking.MaxShared, 0} {
		blocking.MaxShared = shared
		for _, s := range [][3]int{{128, 400, 784}, {784, 400, 128}} {
			if allocs := gemmtest.AllocsPerCall(Dgemm, rnd, s[0], s[1], s[2]); allocs > 0.5 {
				t.Errorf("blocking.MaxShared=%d m=%d n=%d k=%d: %v allocations per parallel call", shared, s[0], s[1], s[2], allocs)
			}
		}
	}
}
