package gemmtest

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// Knobs point at a GEMM package's tuning variables, which the shared tests
// below set and restore. Nil pointers are knobs the package does not have.
type Knobs struct {
	Asm    *bool // use the assembly kernels
	HasAsm bool  // the CPU and build can run them
	Gonum  *bool // delegate to gonum (cleared by tests of the package's own kernels)

	KC, MC, NC *int // cache blocks (see gemm.Blocking)
	Par        *int // multiply-adds from which a product is split across goroutines
	MaxShared  *int // largest operand shared by the goroutines of a split
}

// save returns a function that restores every knob to its current value.
func (k Knobs) save() func() {
	var restore []func()
	for _, p := range []*bool{k.Asm, k.Gonum} {
		if p != nil {
			v := *p
			restore = append(restore, func() { *p = v })
		}
	}
	for _, p := range []*int{k.KC, k.MC, k.NC, k.Par, k.MaxShared} {
		if p != nil {
			v := *p
			restore = append(restore, func() { *p = v })
		}
	}
	return func() {
		for _, r := range restore {
			r()
		}
	}
}

func (k Knobs) setAsm(asm bool) {
	if k.Asm != nil {
		*k.Asm = asm
	}
	if k.Gonum != nil {
		*k.Gonum = false
	}
}

func (k Knobs) smallBlocks() { *k.KC, *k.MC, *k.NC = 5, 12, 32 }

// Generic sweeps f with the portable micro-kernel.
func Generic[T Float](t *testing.T, f Func[T], k Knobs, seed uint64, sizes []int, random int) {
	t.Helper()
	defer k.save()()
	k.setAsm(false)
	Sweep(t, f, seed, sizes, random)
}

// Blocks shrinks the cache blocks (KC, MC, NC = 5, 12, 32) so that small
// problems cross every block boundary (several jc, pc and ic blocks,
// partial blocks), with the assembly (if the CPU has it) and the portable
// micro-kernel.
func Blocks[T Float](t *testing.T, f Func[T], k Knobs, seed uint64, sizes []int, random int) {
	for _, asm := range []bool{true, false} {
		if asm && !k.HasAsm {
			continue
		}
		t.Run(fmt.Sprintf("asm=%v", asm), func(t *testing.T) {
			defer k.save()()
			k.setAsm(asm)
			k.smallBlocks()
			Sweep(t, f, seed, sizes, random)
		})
	}
}

// Parallel forces the parallel path on small problems, with more
// goroutines (GOMAXPROCS 5) than cores: a shared split (sweep of sizes with
// random shapes), a static split and a shared split with small cache
// blocks (random/2 random shapes each).
func Parallel[T Float](t *testing.T, f Func[T], k Knobs, sizes []int, random int) {
	defer k.save()()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(5))
	*k.Par = 0
	t.Run("shared", func(t *testing.T) { Sweep(t, f, 4, sizes, random) })
	t.Run("static", func(t *testing.T) {
		defer k.save()()
		*k.MaxShared = 0
		Sweep(t, f, 8, sizes, random/2)
	})
	t.Run("smallblocks", func(t *testing.T) {
		defer k.save()()
		k.smallBlocks()
		Sweep(t, f, 9, []int{40, 67}, random/2)
	})
}

// Allocs checks that f does not allocate, serial (GOMAXPROCS 1) and split
// across 2 goroutines (shared and static), on the VAE encoder's products.
// raceEnabled skips it: the race detector makes sync.Pool drop objects.
func Allocs[T Float](t *testing.T, f Func[T], k Knobs, raceEnabled bool) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	defer k.save()()
	k.setAsm(k.HasAsm) // gonum's GEMMs allocate
	rnd := rand.New(rand.NewPCG(7, 7))
	t.Run("serial", func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		for _, s := range [][3]int{{5, 7, 9}, {128, 400, 20}, {128, 400, 784}} {
			if allocs := AllocsPerCall(f, rnd, s[0], s[1], s[2]); allocs > 0.5 {
				t.Errorf("m=%d n=%d k=%d: %v allocations per call", s[0], s[1], s[2], allocs)
			}
		}
	})
	t.Run("parallel", func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
		defer k.save()()
		*k.Par = 0
		for _, shared := range []int{*k.MaxShared, 0} {
			*k.MaxShared = shared
			for _, s := range [][3]int{{128, 400, 784}, {784, 400, 128}} {
				if allocs := AllocsPerCall(f, rnd, s[0], s[1], s[2]); allocs > 0.5 {
					t.Errorf("maxShared=%d m=%d n=%d k=%d: %v allocations per parallel call", shared, s[0], s[1], s[2], allocs)
				}
			}
		}
	})
}
