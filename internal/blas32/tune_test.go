package blas32

// Tuning harness for shared, noisy machines. The tests below are skipped
// unless BLAS32_TUNE is set. Instead of averaging (which measures the other
// processes as much as Sgemm), they report the best of many short rounds and,
// for 1 versus 2 goroutines, interleave the two so that both see the same
// load. Examples:
//
//	BLAS32_TUNE=1 go test -run 'TuneTable' -v ./internal/blas32
//	BLAS32_TUNE=1 KC=384 MC=240 go test -run 'TuneTable' -v ./internal/blas32
//	BLAS32_TUNE=1 ROUNDS=2000 go test -run 'TunePar' -v ./internal/blas32
//	BLAS32_TUNE=1 go test -run 'TuneThreshold' -v ./internal/blas32
//
// Check `uptime` (or /proc/stat idle time) before and after: on a busy
// machine the 2-goroutine numbers mostly measure the other processes.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm"
	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

func skipUnlessTuning(t *testing.T) {
	if os.Getenv("BLAS32_TUNE") == "" {
		t.Skip("set BLAS32_TUNE=1 to run")
	}
}

func envInt(s string, d int) int {
	if v, err := strconv.Atoi(os.Getenv(s)); err == nil {
		return v
	}
	return d
}

// bestOf returns the best time per call of f over rounds of at least dur.
func bestOf(f func(), rounds int, dur time.Duration) time.Duration {
	f()
	n := 1
	for {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			f()
		}
		if time.Since(t0) >= dur {
			break
		}
		n *= 2
	}
	best := time.Duration(1 << 62)
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			f()
		}
		best = min(best, time.Since(t0)/time.Duration(n))
	}
	return best
}

// vaeArgs returns random operands for one of vaeShapes.
func vaeArgs(rnd *rand.Rand, tA, tB blas.Transpose, m, n, k int) (a []float32, lda int, b []float32, ldb int, c []float32) {
	mk := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rnd.Float64()*2 - 1)
		}
		return x
	}
	lda, ldb = k, n
	if tA != blas.NoTrans {
		lda = m
	}
	if tB != blas.NoTrans {
		ldb = k
	}
	return mk(m * k), lda, mk(k * n), ldb, mk(m * n)
}

// TestTuneTable prints best-of GFLOP/s for the VAE shapes: this package
// and gonum, each with 1 and 2 procs. KC, MC, NC and PAR override the
// blocking parameters and the parallel threshold; GENERIC=1 selects the
// portable kernel.
func TestTuneTable(t *testing.T) {
	skipUnlessTuning(t)
	defer func(kc, mc, nc, par int, asm bool) {
		blocking.KC, blocking.MC, blocking.NC, blocking.Par, useAsm = kc, mc, nc, par, asm
	}(blocking.KC, blocking.MC, blocking.NC, blocking.Par, useAsm)
	blocking.KC = envInt("KC", blocking.KC)
	blocking.MC = envInt("MC", blocking.MC)
	blocking.NC = envInt("NC", blocking.NC)
	blocking.Par = envInt("PAR", blocking.Par)
	if os.Getenv("GENERIC") != "" {
		useAsm = false
	}
	rounds := envInt("ROUNDS", 80)
	fmt.Printf("KC=%d MC=%d NC=%d PAR=%d asm=%v  (GFLOP/s, best of %d rounds; gonum %d)\n",
		blocking.KC, blocking.MC, blocking.NC, blocking.Par, useAsm, rounds, max(3, rounds/10))
	fmt.Printf("%-24s %8s %8s %8s %8s\n", "shape", "blas32-1", "blas32-2", "gonum-1", "gonum-2")
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, s := range vaeShapes {
		a, lda, b, ldb, c := vaeArgs(rnd, s.TA, s.TB, s.M, s.N, s.K)
		line := fmt.Sprintf("%-24s", s.Name)
		for i, impl := range []gemmtest.Func[float32]{Sgemm, gonum.Implementation{}.Sgemm} {
			r := rounds
			if i == 1 {
				r = max(3, rounds/10) // gonum is slow
			}
			for _, procs := range []int{1, 2} {
				old := runtime.GOMAXPROCS(procs)
				d := bestOf(func() { impl(s.TA, s.TB, s.M, s.N, s.K, 1, a, lda, b, ldb, 0, c, s.N) }, r, time.Millisecond)
				runtime.GOMAXPROCS(old)
				line += fmt.Sprintf(" %8.1f", 2*float64(s.M*s.N*s.K)/d.Seconds()/1e9)
			}
		}
		fmt.Println(line)
	}
}

// TestTunePar interleaves 1- and 2-procs calls of this package's Sgemm
// (always parallel when 2 procs) and reports the best and median speed of
// each and the median of the per-round speed-up.
func TestTunePar(t *testing.T) {
	skipUnlessTuning(t)
	defer func(p int) { blocking.Par = p }(blocking.Par)
	blocking.Par = 0
	rounds := envInt("ROUNDS", 200)
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, s := range vaeShapes {
		a, lda, b, ldb, c := vaeArgs(rnd, s.TA, s.TB, s.M, s.N, s.K)
		f := func() { Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1, a, lda, b, ldb, 0, c, s.N) }
		var t1, t2, ratio []float64
		for r := 0; r < rounds; r++ {
			var d [2]float64
			for i, procs := range []int{1, 2} {
				old := runtime.GOMAXPROCS(procs)
				t0 := time.Now()
				f()
				d[i] = time.Since(t0).Seconds()
				runtime.GOMAXPROCS(old)
			}
			t1, t2, ratio = append(t1, d[0]), append(t2, d[1]), append(ratio, d[0]/d[1])
		}
		slices.Sort(t1)
		slices.Sort(t2)
		slices.Sort(ratio)
		gf := 2 * float64(s.M*s.N*s.K) / 1e9
		fmt.Printf("%-24s 1 proc best %6.1f med %6.1f | 2 procs best %6.1f med %6.1f | speed-up med %.2f\n",
			s.Name, gf/t1[0], gf/t1[len(t1)/2], gf/t2[0], gf/t2[len(t2)/2], ratio[len(ratio)/2])
	}
}

// TestTuneThreshold compares 1 and 2 procs (always parallel) on products of
// increasing size around the parallel threshold.
func TestTuneThreshold(t *testing.T) {
	skipUnlessTuning(t)
	defer func(p int) { blocking.Par = p }(blocking.Par)
	blocking.Par = 0
	rounds := envInt("ROUNDS", 300)
	for _, sz := range [][3]int{{128, 20, 400}, {128, 64, 128}, {128, 128, 128}, {128, 256, 128},
		{128, 400, 128}, {128, 400, 256}, {256, 256, 256}, {128, 400, 784}} {
		m, n, k := sz[0], sz[1], sz[2]
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		f := func() { Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n) }
		best := [2]float64{1e9, 1e9}
		for r := 0; r < rounds; r++ {
			for i, procs := range []int{1, 2} {
				old := runtime.GOMAXPROCS(procs)
				t0 := time.Now()
				f()
				best[i] = min(best[i], time.Since(t0).Seconds())
				runtime.GOMAXPROCS(old)
			}
		}
		fmt.Printf("%4d×%4d×%4d  %9d MACs  1 proc %8.1f µs  2 procs %8.1f µs  speed-up %.2f\n",
			m, n, k, m*n*k, best[0]*1e6, best[1]*1e6, best[0]/best[1])
	}
}

// TestTunePack times packing the operands of the 128×784·784×400 product.
func TestTunePack(t *testing.T) {
	skipUnlessTuning(t)
	const m, k, n, kc = 128, 784, 400, 196
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	dst := gemm.AlignedSlice[float32](1 << 20)
	for _, trans := range []bool{false, true} {
		lda, ldb := k, n
		if trans {
			lda, ldb = m, k
		}
		dA := bestOf(func() {
			for pc := 0; pc < k; pc += kc {
				packA(dst, a, lda, trans, 0, m, pc, kc)
			}
		}, 50, time.Millisecond)
		dB := bestOf(func() {
			for pc := 0; pc < k; pc += kc {
				packB(dst, b, ldb, trans, pc, kc, 0, n)
			}
		}, 50, time.Millisecond)
		fmt.Printf("trans=%-5v packA %v (%.2f ns/elem)  packB %v (%.2f ns/elem)\n",
			trans, dA, float64(dA.Nanoseconds())/(m*k), dB, float64(dB.Nanoseconds())/(k*n))
	}
}
