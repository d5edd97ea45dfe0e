package blas32

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
	{"square_64", blas.NoTrans, blas.NoTrans, 64, 64, 64},
	{"tiny_8", blas.NoTrans, blas.NoTrans, 8, 8, 8},
}

type sgemmFunc func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

func benchSgemm(b *testing.B, f sgemmFunc, tA, tB blas.Transpose, m, n, k int) {
	rnd := rand.New(rand.NewPCG(1, 2))
	rand32 := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rnd.Float64()*2 - 1)
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

// BenchmarkSgemm compares this package with gonum on the VAE shapes. Run
// with -cpu 1,2 to compare single- and multi-threaded speed.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range vaeShapes {
		b.Run(s.name, func(b *testing.B) {
			b.Run("blas32", func(b *testing.B) { benchSgemm(b, Sgemm, s.tA, s.tB, s.m, s.n, s.k) })
			b.Run("gonum", func(b *testing.B) { benchSgemm(b, gonum.Implementation{}.Sgemm, s.tA, s.tB, s.m, s.n, s.k) })
		})
	}
}

// BenchmarkSgemmGeneric measures the portable micro-kernel.
func BenchmarkSgemmGeneric(b *testing.B) {
	defer func(v, g bool) { useAsm, useGonum = v, g }(useAsm, useGonum)
	useAsm, useGonum = false, false
	for _, s := range vaeShapes[:6] {
		b.Run(s.name, func(b *testing.B) { benchSgemm(b, Sgemm, s.tA, s.tB, s.m, s.n, s.k) })
	}
}

// BenchmarkKernel measures the micro-kernel alone on L1-resident panels,
// the ceiling for the whole routine.
func BenchmarkKernel(b *testing.B) {
	for _, k := range []int{20, 128, 256} {
		b.Run("k="+strconv.Itoa(k), func(b *testing.B) {
			a := gemm.AlignedSlice[float32](mr * k)
			bp := gemm.AlignedSlice[float32](nr * k)
			c := gemm.AlignedSlice[float32](mr * nr)
			for i := range a {
				a[i] = 1
			}
			for i := range bp {
				bp[i] = 1
			}
			for i := 0; i < b.N; i++ {
				if useAsm {
					kernel6x16(k, &a[0], &bp[0], &c[0], nr, 1, 0)
				} else {
					kernelGeneric(k, a, bp, c, nr, 1, 0)
				}
			}
			b.ReportMetric(2*mr*nr*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
