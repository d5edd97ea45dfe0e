package blas32

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// sweep checks Sgemm on many shapes with all transposes, alphas, betas and
// padding (see gemmtest.Sweep).
func sweep(t *testing.T, seed uint64, sizes []int, random int) {
	t.Helper()
	gemmtest.Sweep(t, Sgemm, seed, sizes, random)
}

func TestSgemm(t *testing.T) {
	sweep(t, 1, gemmtest.SmallSizes, 40)
}

// TestSgemmGeneric forces the portable micro-kernel.
func TestSgemmGeneric(t *testing.T) {
	defer func(v, g bool) { useAsm, useGonum = v, g }(useAsm, useGonum)
	useAsm, useGonum = false, false
	sweep(t, 2, gemmtest.SmallSizes, 20)
}

// TestSgemmGonumFallback checks the delegation used on amd64 CPUs without
// AVX2/FMA.
func TestSgemmGonumFallback(t *testing.T) {
	defer func(v bool) { useGonum = v }(useGonum)
	useGonum = true
	sweep(t, 10, []int{1, 7, 17}, 5)
}

// TestSgemmBlocks shrinks the cache blocks so that small problems cross
// every block boundary (several jc, pc and ic blocks, partial blocks).
func TestSgemmBlocks(t *testing.T) {
	for _, asm := range []bool{true, false} {
		if asm && !hasAVX2FMA {
			continue
		}
		t.Run(fmt.Sprintf("asm=%v", asm), func(t *testing.T) {
			defer func(v, g bool, kc, mc, nc int) {
				useAsm, useGonum, blocking.KC, blocking.MC, blocking.NC = v, g, kc, mc, nc
			}(useAsm, useGonum, blocking.KC, blocking.MC, blocking.NC)
			useAsm, useGonum = asm, false
			blocking.KC, blocking.MC, blocking.NC = 5, 12, 32
			sweep(t, 3, []int{13, 40, 67}, 10)
		})
	}
}

// TestSgemmParallel forces the parallel path on small problems, with more
// workers than cores.
func TestSgemmParallel(t *testing.T) {
	defer func(p int) { blocking.Par = p }(blocking.Par)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(5))
	blocking.Par = 0
	t.Run("shared", func(t *testing.T) { sweep(t, 4, []int{1, 7, 33, 70, 101}, 20) })
	t.Run("static", func(t *testing.T) {
		defer func(v int) { blocking.MaxShared = v }(blocking.MaxShared)
		blocking.MaxShared = 0
		sweep(t, 8, []int{1, 7, 33, 70, 101}, 10)
	})
	t.Run("smallblocks", func(t *testing.T) {
		defer func(kc, mc, nc int) { blocking.KC, blocking.MC, blocking.NC = kc, mc, nc }(blocking.KC, blocking.MC, blocking.NC)
		blocking.KC, blocking.MC, blocking.NC = 5, 12, 32
		sweep(t, 9, []int{40, 67}, 10)
	})
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

func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	defer func(g bool) { useGonum = g }(useGonum)
	useGonum = false // gonum's Sgemm allocates
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, s := range [][3]int{{5, 7, 9}, {128, 400, 20}, {128, 400, 784}} {
		if allocs := gemmtest.AllocsPerCall(Sgemm, rnd, s[0], s[1], s[2]); allocs > 0.5 {
			t.Errorf("m=%d n=%d k=%d: %v allocations per call", s[0], s[1], s[2], allocs)
		}
	}
}

// TestAllocsParallel checks the parallel path, shared and static.
func TestAllocsParallel(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	defer func(g bool) { useGonum = g }(useGonum)
	useGonum = false
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(p, s int) { blocking.Par, blocking.MaxShared = p, s }(blocking.Par, blocking.MaxShared)
	blocking.Par = 0
	rnd := rand.New(rand.NewPCG(7, 8))
	for _, shared := range []int{blocking.MaxShared, 0} {
		blocking.MaxShared = shared
		for _, s := range [][3]int{{128, 400, 784}, {784, 400, 128}} {
			if allocs := gemmtest.AllocsPerCall(Sgemm, rnd, s[0], s[1], s[2]); allocs > 0.5 {
				t.Errorf("blocking.MaxShared=%d m=%d n=%d k=%d: %v allocations per parallel call", shared, s[0], s[1], s[2], allocs)
			}
		}
	}
}
