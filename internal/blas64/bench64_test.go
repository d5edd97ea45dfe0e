package blas64

import (
	"strconv"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm"
	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// vaeShapes are the benchmarked products: a VAE training step's (see
// gemmtest.VAEShapes), the GLM and BBVI products of package graph (tall
// and thin), and two small squares.
var vaeShapes = append(append(append([]gemmtest.Shape(nil), gemmtest.VAEShapes...),
	gemmtest.Shape{Name: "glm_eta_1024x8x20", TA: blas.NoTrans, TB: blas.Trans, M: 1024, N: 8, K: 20},
	gemmtest.Shape{Name: "glm_grad_8x20x1024", TA: blas.Trans, TB: blas.NoTrans, M: 8, N: 20, K: 1024},
	gemmtest.Shape{Name: "glm_gradT_20x8x512", TA: blas.Trans, TB: blas.NoTrans, M: 20, N: 8, K: 512},
	gemmtest.Shape{Name: "glm_eta_512x8x20", TA: blas.NoTrans, TB: blas.Trans, M: 512, N: 8, K: 20},
	gemmtest.Shape{Name: "bbvi_eta_100000x8x20", TA: blas.NoTrans, TB: blas.Trans, M: 100000, N: 8, K: 20},
	gemmtest.Shape{Name: "bbvi_grad_8x20x100000", TA: blas.Trans, TB: blas.NoTrans, M: 8, N: 20, K: 100000},
), gemmtest.SmallShapes...)

// BenchmarkDgemm compares this package with gonum on the VAE shapes. Run
// with -cpu 1,2 to compare single- and multi-threaded speed.
func BenchmarkDgemm(b *testing.B) {
	for _, s := range vaeShapes {
		b.Run(s.Name, func(b *testing.B) {
			b.Run("blas64", func(b *testing.B) { gemmtest.Bench(b, Dgemm, s) })
			b.Run("gonum", func(b *testing.B) { gemmtest.Bench(b, gonum.Implementation{}.Dgemm, s) })
		})
	}
}

// BenchmarkDgemmGeneric measures the portable micro-kernel.
func BenchmarkDgemmGeneric(b *testing.B) {
	defer func(v bool) { useAsm = v }(useAsm)
	useAsm = false
	for _, s := range vaeShapes[:6] {
		b.Run(s.Name, func(b *testing.B) { gemmtest.Bench(b, Dgemm, s) })
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
