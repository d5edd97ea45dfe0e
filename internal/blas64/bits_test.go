package blas64

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// refDgemm computes the documented result bit for bit: for each element,
// acc = fma(a, b, acc) over each k block in order (blocks of equal size at
// most blocking.KC), then C = alpha·acc for the first block when beta = 0, else
// C = fma(beta', C, alpha·acc) with beta' = beta for the first block and 1
// for the later ones.
func refDgemm(m, n, k int, alpha float64, a, b gemmtest.Operand[float64], beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				if beta == 0 {
					c[i*ldc+j] = 0
				} else {
					c[i*ldc+j] *= beta
				}
			}
		}
		return
	}
	nk := (k + blocking.KC - 1) / blocking.KC
	kc := (k + nk - 1) / nk
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for p0 := 0; p0 < k; p0 += kc {
				var acc float64
				for p := p0; p < min(k, p0+kc); p++ {
					acc = math.FMA(a.At(i, p), b.At(p, j), acc)
				}
				bt := beta
				if p0 > 0 {
					bt = 1
				}
				if bt == 0 {
					c[i*ldc+j] = alpha * acc
				} else {
					c[i*ldc+j] = math.FMA(bt, c[i*ldc+j], alpha*acc)
				}
			}
		}
	}
}

// TestSameBits checks that Dgemm computes exactly refDgemm's bits with the
// assembly kernel, with the portable kernel, and split across goroutines
// (shared and static) with GOMAXPROCS 1, 2 and 5, for all transposes, odd
// sizes, sizes across the k blocks, and several alphas and betas.
func TestSameBits(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 11))
	shapes := [][3]int{{1, 1, 1}, {7, 9, 13}, {6, 8, 256}, {13, 17, 257}, {61, 33, 300}, {100, 8, 20}, {8, 20, 1000}, {3, 70, 513}}
	type mode struct {
		name      string
		asm       bool
		procs     int
		parallel  bool
		maxShared int
	}
	modes := []mode{
		{"asm", true, 1, false, blocking.MaxShared},
		{"portable", false, 1, false, blocking.MaxShared},
		{"asm-par2-shared", true, 2, true, blocking.MaxShared},
		{"asm-par5-static", true, 5, true, 0},
		{"portable-par2", false, 2, true, blocking.MaxShared},
	}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, ab := range [][2]float64{{1, 0}, {0.7, 1}, {-1.3, 0.45}} {
					a := gemmtest.NewOperand[float64](rnd, m, k, tA != blas.NoTrans, 1)
					b := gemmtest.NewOperand[float64](rnd, k, n, tB != blas.NoTrans, 2)
					c0 := gemmtest.NewOperand[float64](rnd, m, n, false, 1)
					want := append([]float64(nil), c0.Data...)
					refDgemm(m, n, k, ab[0], a, b, ab[1], want, c0.LD)
					for _, md := range modes {
						if md.asm && !hasAVX2FMA {
							continue
						}
						func() {
							defer func(v bool, p, ms int) { useAsm, blocking.Par, blocking.MaxShared = v, p, ms }(useAsm, blocking.Par, blocking.MaxShared)
							defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(md.procs))
							useAsm, blocking.MaxShared = md.asm, md.maxShared
							if md.parallel {
								blocking.Par = 0
							}
							c := append([]float64(nil), c0.Data...)
							Dgemm(tA, tB, m, n, k, ab[0], a.Data, a.LD, b.Data, b.LD, ab[1], c, c0.LD)
							for i := range c {
								if math.Float64bits(c[i]) != math.Float64bits(want[i]) {
									t.Fatalf("%s m=%d n=%d k=%d tA=%c tB=%c alpha=%v beta=%v: C[%d] = %v, want %v",
										md.name, m, n, k, tA, tB, ab[0], ab[1], i, c[i], want[i])
								}
							}
						}()
					}
				}
			}
		}
	}
}

// TestFused checks that the products are accumulated with one rounding per
// step: 1·(-(1+2⁻²⁹)) + x·x with x = 1+2⁻³⁰ is 2⁻⁶⁰ when x·x is not
// rounded first, and 0 when it is.
func TestFused(t *testing.T) {
	for _, asm := range []bool{true, false} {
		if asm && !hasAVX2FMA {
			continue
		}
		func() {
			defer func(v bool) { useAsm = v }(useAsm)
			useAsm = asm
			x := 1 + 1.0/(1<<30)
			a := []float64{1, x}
			b := []float64{-(1 + 1.0/(1<<29)), x}
			c := []float64{math.NaN()}
			Dgemm(blas.NoTrans, blas.NoTrans, 1, 1, 2, 1, a, 2, b, 1, 0, c, 1)
			if c[0] != 1.0/(1<<60) {
				t.Errorf("asm=%v: C = %v, want 2⁻⁶⁰", asm, c[0])
			}
		}()
	}
}
