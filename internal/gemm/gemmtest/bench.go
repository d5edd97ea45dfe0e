package gemmtest

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// Shape is one benchmarked product. Names end in m×n×k.
type Shape struct {
	Name    string
	TA, TB  blas.Transpose
	M, N, K int
}

// VAEShapes are the matrix products of one training step of a 784-400-20
// VAE with batch 128: the forward products and the gradients of each layer
// Y = X·W, dX = dY·Wᵀ and dW = Xᵀ·dY, then two squares.
var VAEShapes = []Shape{
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
}

// SmallShapes are small squares, where the per-call overhead shows.
var SmallShapes = []Shape{
	{"square_64", blas.NoTrans, blas.NoTrans, 64, 64, 64},
	{"tiny_8", blas.NoTrans, blas.NoTrans, 8, 8, 8},
}

// Bench measures f(s.TA, s.TB, s.M, s.N, s.K, 1, A, B, 0, C) on random
// operands in [−1, 1) and reports its speed in GFLOP/s.
func Bench[T Float](b *testing.B, f Func[T], s Shape) {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = T(rnd.Float64()*2 - 1)
		}
		return x
	}
	m, n, k := s.M, s.N, s.K
	a, bb, c := random(m*k), random(k*n), random(m*n)
	lda, ldb := k, n
	if s.TA != blas.NoTrans {
		lda = m
	}
	if s.TB != blas.NoTrans {
		ldb = k
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f(s.TA, s.TB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
