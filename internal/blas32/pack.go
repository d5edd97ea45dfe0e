package blas32

// packA copies the mc×kc block op(A)[i0:i0+mc, p0:p0+kc] into dst as a
// sequence of mr-row micro-panels. Micro-panel q holds rows i0+q·mr … and is
// stored at dst[q·mr·kc:] column by column: element (i, p) of the panel is at
// p·mr+i. Rows beyond mc in the last micro-panel are zero.
func packA(dst, a []float32, lda int, trans bool, i0, mc, p0, kc int) {
	if trans {
		// op(A)[i][p] = a[p·lda+i]: each source row holds consecutive i.
		full := mc / mr * mr
		if useAsm && full > 0 && kc > 0 {
			// Bounds for the assembly: the last row read and panel written.
			_ = a[(p0+kc-1)*lda+i0+full-1]
			_ = dst[full*kc-1]
			packATrans6(kc, full/mr, &a[p0*lda+i0], lda, &dst[0])
		}
		for p := 0; p < kc; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+mc]
			d := dst[p*mr:]
			for i := 0; i < full && !useAsm; i += mr {
				*(*[mr]float32)(d[i*kc:]) = *(*[mr]float32)(src[i:])
			}
			if full < mc {
				t := d[full*kc : full*kc+mr]
				n := copy(t, src[full:])
				clear(t[n:])
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
			p8 := 0
			if useAsm {
				// Transpose 8 columns at a time with AVX. The assembly
				// writes two floats past column p8, so p8 < kc and the
				// loop below rewrites them.
				p8 = (kc - 1) &^ 7
				if p8 > 0 {
					_ = a[base+(mr-1)*lda+p8-1]
					_ = d[mr*p8+1]
					packANoTrans6(p8, &a[base], lda, &d[0])
				}
			}
			r0 := a[base+p8 : base+kc]
			r1 := a[base+lda+p8 : base+lda+kc]
			r2 := a[base+2*lda+p8 : base+2*lda+kc]
			r3 := a[base+3*lda+p8 : base+3*lda+kc]
			r4 := a[base+4*lda+p8 : base+4*lda+kc]
			r5 := a[base+5*lda+p8 : base+5*lda+kc]
			d := d[mr*p8:]
			for p := range r0 {
				q := (*[mr]float32)(d[p*mr:])
				q[0] = r0[p]
				q[1] = r1[p]
				q[2] = r2[p]
				q[3] = r3[p]
				q[4] = r4[p]
				q[5] = r5[p]
			}
			continue
		}
		for i := 0; i < mr; i++ {
			if i >= mm {
				for p := 0; p < kc; p++ {
					d[p*mr+i] = 0
				}
				continue
			}
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
func packB(dst, b []float32, ldb int, trans bool, p0, kc, j0, nc int) {
	if !trans {
		// op(B)[p][j] = b[p·ldb+j]: each source row holds consecutive j.
		full := nc / nr * nr
		if useAsm && full > 0 && kc > 0 {
			// Bounds for the assembly: the last row read and panel written.
			_ = b[(p0+kc-1)*ldb+j0+full-1]
			_ = dst[full*kc-1]
			packBNoTrans16(kc, full/nr, &b[p0*ldb+j0], ldb, &dst[0])
		}
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nc]
			d := dst[p*nr:]
			for j := 0; j < full && !useAsm; j += nr {
				*(*[nr]float32)(d[j*kc:]) = *(*[nr]float32)(src[j:])
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
		if useAsm && nn == nr && kc >= 8 {
			// Transpose 8×8 blocks with AVX, the last kc%8 columns below.
			kc8 := kc &^ 7
			base := (j0+jp)*ldb + p0
			_ = b[base+(nr-1)*ldb+kc8-1]
			packBTrans16(kc8, &b[base], ldb, &d[0])
			for j := 0; j < nr; j++ {
				r := b[base+j*ldb+kc8 : base+j*ldb+kc]
				for p, v := range r {
					d[(kc8+p)*nr+j] = v
				}
			}
			continue
		}
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
