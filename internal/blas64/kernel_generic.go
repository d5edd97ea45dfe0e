package blas64

import "math"

// kernelGeneric is the portable micro-kernel: it computes the mr×nr tile
//
//	C = alpha·Ap·Bp + beta·C
//
// where a is a packed mr×k micro-panel of A (stride mr), b a packed k×nr
// micro-panel of B (stride nr) and c holds the tile with row stride ldc.
// If beta is zero, C is not read. Each element is accumulated with math.FMA
// in the order of p and stored as fma(beta, C, alpha·acc), exactly as the
// assembly kernel computes it. It works on 2×4 sub-tiles so that the
// accumulators and operands stay in registers.
func kernelGeneric(k int, a, b, c []float64, ldc int, alpha, beta float64) {
	a = a[:k*mr]
	b = b[:k*nr]
	var acc [mr * nr]float64
	for j := 0; j < nr; j += 4 {
		for i := 0; i < mr; i += 2 {
			var c00, c01, c02, c03 float64
			var c10, c11, c12, c13 float64
			ai, bj := i, j
			for p := 0; p < k; p++ {
				ap := a[ai : ai+2 : ai+2]
				bp := b[bj : bj+4 : bj+4]
				a0, a1 := ap[0], ap[1]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				c00 = math.FMA(a0, b0, c00)
				c01 = math.FMA(a0, b1, c01)
				c02 = math.FMA(a0, b2, c02)
				c03 = math.FMA(a0, b3, c03)
				c10 = math.FMA(a1, b0, c10)
				c11 = math.FMA(a1, b1, c11)
				c12 = math.FMA(a1, b2, c12)
				c13 = math.FMA(a1, b3, c13)
				ai += mr
				bj += nr
			}
			*(*[4]float64)(acc[i*nr+j:]) = [4]float64{c00, c01, c02, c03}
			*(*[4]float64)(acc[(i+1)*nr+j:]) = [4]float64{c10, c11, c12, c13}
		}
	}
	for i := 0; i < mr; i++ {
		crow := (*[nr]float64)(c[i*ldc:])
		arow := (*[nr]float64)(acc[i*nr:])
		if beta == 0 {
			for j, v := range arow {
				crow[j] = alpha * v
			}
		} else {
			for j, v := range arow {
				crow[j] = math.FMA(beta, crow[j], alpha*v)
			}
		}
	}
}
