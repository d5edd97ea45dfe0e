package blas64

// packA copies the mc×kc block op(A)[i0:i0+mc, p0:p0+kc] into dst as a
// sequence of mr-row micro-panels. Micro-panel q holds rows i0+q·mr … and is
// stored at dst[q·mr·kc:] column by column: element (i, p) of the panel is at
// p·mr+i. Rows beyond mc in the last micro-panel hold whatever they held
// (the kernels' results for them are discarded).
func packA(dst, a []float64, lda int, trans bool, i0, mc, p0, kc int) {
	if trans {
		// op(A)[i][p] = a[p·lda+i]: each source row holds consecutive i.
		full := mc / mr * mr
		for i := 0; i < full; i += mr {
			d := dst[i*kc : i*kc+mr*kc]
			off := p0*lda + i0 + i
			for p := 0; p < kc; p++ {
				*(*[mr]float64)(d[p*mr:]) = *(*[mr]float64)(a[off+p*lda:])
			}
		}
		if rem := mc - full; rem > 0 {
			// The rows past rem are left as they are: the kernels' results
			// for them are discarded.
			d := dst[full*kc : full*kc+mr*kc]
			off := p0*lda + i0 + full
			src := a[off : off+(kc-1)*lda+rem]
			for p := 0; p < kc; p++ {
				q := d[p*mr : p*mr+rem : p*mr+rem]
				r := src[p*lda : p*lda+len(q)]
				for i := range q {
					q[i] = r[i]
				}
			}
		}
		return
	}
	// op(A)[i][p] = a[i·lda+p]: gather mr source rows.
	for ip := 0; ip < mc; ip += mr {
		mm := min(mr, mc-ip)
		d := dst[ip*kc : ip*kc+mr*kc]
		base := (i0+ip)*lda + p0
		if mm == mr {
			r0 := a[base : base+kc]
			r1 := a[base+lda : base+lda+kc]
			r2 := a[base+2*lda : base+2*lda+kc]
			r3 := a[base+3*lda : base+3*lda+kc]
			r4 := a[base+4*lda : base+4*lda+kc]
			r5 := a[base+5*lda : base+5*lda+kc]
			for p := range r0 {
				q := (*[mr]float64)(d[p*mr:])
				q[0] = r0[p]
				q[1] = r1[p]
				q[2] = r2[p]
				q[3] = r3[p]
				q[4] = r4[p]
				q[5] = r5[p]
			}
			continue
		}
		for i := 0; i < mm; i++ {
			r := a[base+i*lda : base+i*lda+kc]
			for p, v := range r {
				d[p*mr+i] = v
			}
		}
	}
}

// packB copies the kc×nc block op(B)[p0:p0+kc, j0:j0+nc] into dst as a
// sequence of nr-column micro-panels. Micro-panel q holds columns j0+q·nr …
// and is stored at dst[q·nr·kc:] row by row: element (p, j) of the panel is at
// p·nr+j. Columns beyond nc in the last micro-panel are zero.
func packB(dst, b []float64, ldb int, trans bool, p0, kc, j0, nc int) {
	if !trans {
		// op(B)[p][j] = b[p·ldb+j]: each source row holds consecutive j.
		if nc == nr && ldb == nr && j0 == 0 {
			// One panel of whole rows: the block is already in panel order.
			copy(dst[:kc*nr], b[p0*ldb:(p0+kc)*ldb])
			return
		}
		if nc < nr {
			// One partial panel.
			d := dst[:kc*nr]
			off := p0*ldb + j0
			_ = b[off+(kc-1)*ldb+nc-1]
			for p := 0; p < kc; p++ {
				q := (*[nr]float64)(d[p*nr:])
				*q = [nr]float64{}
				//lint:ignore S1001 a loop over at most 7 values beats copy's call to memmove
				for j, v := range b[off+p*ldb : off+p*ldb+nc] {
					q[j] = v
				}
			}
			return
		}
		full := nc / nr * nr
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nc]
			d := dst[p*nr:]
			for j := 0; j < full; j += nr {
				*(*[nr]float64)(d[j*kc:]) = *(*[nr]float64)(src[j:])
			}
			if full < nc {
				t := d[full*kc : full*kc+nr]
				n := copy(t, src[full:])
				clear(t[n:])
			}
		}
		return
	}
	// op(B)[p][j] = b[j·ldb+p]: gather nr source rows.
	for jp := 0; jp < nc; jp += nr {
		nn := min(nr, nc-jp)
		d := dst[jp*kc : jp*kc+nr*kc]
		for j := 0; j < nr; j++ {
			if j >= nn {
				for p := 0; p < kc; p++ {
					d[p*nr+j] = 0
				}
				continue
			}
			base := (j0+jp+j)*ldb + p0
			r := b[base : base+kc]
			for p, v := range r {
				d[p*nr+j] = v
			}
		}
	}
}
