package blas64

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm"
)

// vaeShapes are the matrix products of one training step of a 784-400-20
// VAE with batch 128: the forward products and the gradients of each layer
// Y = X·W, dX = dY·Wᵀ and dW = Xᵀ·dY. Names end in m×n×k.
var vaeShapes = []struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}{
	{"enc1_XW_128x400x784", blas.NoTrans, blas.NoTrans, 128, 400, 784},
	{"enc2_HW_128x20x400", blas.NoTrans, blas.NoTrans, 128, 20, 400},
	{"dec1_ZW_128x400x20", blas.NoTrans, blas.NoTrans, 128, 400, 20},
	{"dec2_HW_128x784x400", blas.NoTrans, blas.NoTrans, 128, 784, 400},
	{"enc1_dYWt_128x784x400", blas.NoTrans, blas.Trans, 128, 784, 400},
	{"enc1_XtdY_784x400x128", blas.Trans, blas.NoTrans, 784, 400, 128},
	{"enc2_dYWt_128x400x20", blas.NoTrans, blas.Trans, 128, 400, 20},
	{"enc2_HtdY_400x20x128", blas.Trans, blas.NoTrans, 400, 20, 128},
	{"dec1_ZtdY_20x400x128", blas.Trans, blas.NoTrans, 20, 400, 128},
	{"dec1_dYWt_128x20x400", blas.NoTrans, blas.Trans, 128, 20, 400},
	{"dec2_dYWt_128x400x784", blas.NoTrans, blas.Trans, 128, 400, 784},
	{"dec2_HtdY_400x784x128", blas.Trans, blas.NoTrans, 400, 784, 128},
	{"square_512", blas.NoTrans, blas.NoTrans, 512, 512, 512},
	{"glm_eta_1024x8x20", blas.NoTrans, blas.Trans, 1024, 8, 20},
	{"glm_grad_8x20x1024", blas.Trans, blas.NoTrans, 8, 20, 1024},
	{"glm_gradT_20x8x512", blas.Trans, blas.NoTrans, 20, 8, 512},
	{"glm_eta_512x8x20", blas.NoTrans, blas.Trans, 512, 8, 20},
	{"bbvi_eta_100000x8x20", blas.NoTrans, blas.Trans, 100000, 8, 20},
	{"bbvi_grad_8x20x100000", blas.Trans, blas.NoTrans, 8, 20, 100000},
	{"square_64", blas.NoTrans, blas.NoTrans, 64, 64, 64},
	{"tiny_8", blas.NoTrans, blas.NoTrans, 8, 8, 8},
}

type dgemmFunc func(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)

func benchDgemm(b *testing.B, f dgemmFunc, tA, tB blas.Transpose, m, n, k int) {
	rnd := rand.New(rand.NewPCG(1, 2))
	rand32 := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(rnd.Float64()*2 - 1)
		}
		return s
	}
	a, bb, c := rand32(m*k), rand32(k*n), rand32(m*n)
	lda, ldb := k, n
	if tA != blas.NoTrans {
		lda = m
	}
	if tB != blas.NoTrans {
		ldb = k
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkDgemm compares this package with gonum on the VAE shapes. Run
// with -cpu 1,2 to compare single- and multi-threaded speed.
func BenchmarkDgemm(b *testing.B) {
	for _, s := range vaeShapes {
		b.Run(s.name, func(b *testing.B) {
			b.Run("blas64", func(b *testing.B) { benchDgemm(b, Dgemm, s.tA, s.tB, s.m, s.n, s.k) })
			b.Run("gonum", func(b *testing.B) { benchDgemm(b, gonum.Implementation{}.Dgemm, s.tA, s.tB, s.m, s.n, s.k) })
		})
	}
}

// BenchmarkDgemmGeneric measures the portable micro-kernel.
func BenchmarkDgemmGeneric(b *testing.B) {
	defer func(v bool) { useAsm = v }(useAsm)
	useAsm = false
	for _, s := range vaeShapes[:6] {
		b.Run(s.name, func(b *testing.B) { benchDgemm(b, Dgemm, s.tA, s.tB, s.m, s.n, s.k) })
	}
}

// BenchmarkKernel measures the micro-kernel alone on L1-resident panels,
// the ceiling for the whole routine.
func BenchmarkKernel(b *testing.B) {
	for _, k := range []int{20, 128, 256} {
		b.Run("k="+strconv.Itoa(k), func(b *testing.B) {
			a := gemm.AlignedSlice[float64](mr * k)
			bp := gemm.AlignedSlice[float64](nr * k)
			c := gemm.AlignedSlice[float64](mr * nr)
			for i := range a {
				a[i] = 1
			}
			for i := range bp {
				bp[i] = 1
			}
			for i := 0; i < b.N; i++ {
				if useAsm {
					kernel6x8(k, &a[0], &bp[0], &c[0], nr, 1, 0)
				} else {
					kernelGeneric(k, a, bp, c, nr, 1, 0)
				}
			}
			b.ReportMetric(2*mr*nr*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
