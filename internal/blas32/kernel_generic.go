package blas32

// kernelGeneric is the portable micro-kernel: it computes the mr×nr tile
//
//	C = alpha·Ap·Bp + beta·C
//
// where a is a packed mr×k micro-panel of A (stride mr), b a packed k×nr
// micro-panel of B (stride nr) and c holds the tile with row stride ldc.
// If beta is zero, C is not read. It works on 2×4 sub-tiles so that the
// eight accumulators and six operands stay in registers (amd64 has sixteen
// floating-point registers).
func kernelGeneric(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	a = a[:k*mr]
	b = b[:k*nr]
	var acc [mr * nr]float32
	for j := 0; j < nr; j += 4 {
		for i := 0; i < mr; i += 2 {
			var c00, c01, c02, c03 float32
			var c10, c11, c12, c13 float32
			ai, bj := i, j
			for p := 0; p < k; p++ {
				ap := a[ai : ai+2 : ai+2]
				bp := b[bj : bj+4 : bj+4]
				a0, a1 := ap[0], ap[1]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				ai += mr
				bj += nr
			}
			*(*[4]float32)(acc[i*nr+j:]) = [4]float32{c00, c01, c02, c03}
			*(*[4]float32)(acc[(i+1)*nr+j:]) = [4]float32{c10, c11, c12, c13}
		}
	}
	for i := 0; i < mr; i++ {
		crow := (*[nr]float32)(c[i*ldc:])
		arow := (*[nr]float32)(acc[i*nr:])
		if beta == 0 {
			for j, v := range arow {
				crow[j] = alpha * v
			}
		} else {
			for j, v := range arow {
				crow[j] = alpha*v + beta*crow[j]
			}
		}
	}
}
