package blas32

import (
	"strconv"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vigor-ml/vigor/internal/gemm"
	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// vaeShapes are the benchmarked products: a VAE training step's and two
// squares (see gemmtest.VAEShapes).
var vaeShapes = append(append([]gemmtest.Shape(nil), gemmtest.VAEShapes...), gemmtest.SmallShapes...)

// BenchmarkSgemm compares this package with gonum on the VAE shapes. Run
// with -cpu 1,2 to compare single- and multi-threaded speed.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range vaeShapes {
		b.Run(s.Name, func(b *testing.B) {
			b.Run("blas32", func(b *testing.B) { gemmtest.Bench(b, Sgemm, s) })
			b.Run("gonum", func(b *testing.B) { gemmtest.Bench(b, gonum.Implementation{}.Sgemm, s) })
		})
	}
}

// BenchmarkSgemmGeneric measures the portable micro-kernel.
func BenchmarkSgemmGeneric(b *testing.B) {
	defer func(v, g bool) { useAsm, useGonum = v, g }(useAsm, useGonum)
	useAsm, useGonum = false, false
	for _, s := range vaeShapes[:6] {
		b.Run(s.Name, func(b *testing.B) { gemmtest.Bench(b, Sgemm, s) })
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
