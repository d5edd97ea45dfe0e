//go:build amd64 && !purego

#include "textflag.h"

// Register use in kernel6x8:
//	SI	packed A micro-panel (6 float64s per k step)
//	DI	packed B micro-panel (8 float64s per k step)
//	CX	remaining k steps
//	DX	C, row by row
//	R8	ldc in bytes
//	Y0, Y1	one row of B (8 float64s)
//	Y2, Y3	broadcast elements of A
//	Y4..Y15	accumulators: row i of the tile is Y(4+2i), Y(5+2i)
//
// Each accumulator lane is acc = fma(a, b, acc), one rounding per k step,
// as kernelGeneric computes it with math.FMA.

// KSTEP performs one rank-1 update of the 6×8 accumulator tile with the
// A column at aoff(SI) and the B row at boff(DI).
#define KSTEP(aoff, boff) \
	VMOVUPD boff(DI), Y0 \
	VMOVUPD boff+32(DI), Y1 \
	VBROADCASTSD aoff(SI), Y2 \
	VBROADCASTSD aoff+8(SI), Y3 \
	VFMADD231PD Y0, Y2, Y4 \
	VFMADD231PD Y1, Y2, Y5 \
	VFMADD231PD Y0, Y3, Y6 \
	VFMADD231PD Y1, Y3, Y7 \
	VBROADCASTSD aoff+16(SI), Y2 \
	VBROADCASTSD aoff+24(SI), Y3 \
	VFMADD231PD Y0, Y2, Y8 \
	VFMADD231PD Y1, Y2, Y9 \
	VFMADD231PD Y0, Y3, Y10 \
	VFMADD231PD Y1, Y3, Y11 \
	VBROADCASTSD aoff+32(SI), Y2 \
	VBROADCASTSD aoff+40(SI), Y3 \
	VFMADD231PD Y0, Y2, Y12 \
	VFMADD231PD Y1, Y2, Y13 \
	VFMADD231PD Y0, Y3, Y14 \
	VFMADD231PD Y1, Y3, Y15

// STOREBETA stores row (lo, hi) as fma(C, beta, lo/hi) (beta in Y1) and
// advances DX.
#define STOREBETA(lo, hi) \
	VFMADD231PD (DX), Y1, lo \
	VFMADD231PD 32(DX), Y1, hi \
	VMOVUPD lo, (DX) \
	VMOVUPD hi, 32(DX) \
	ADDQ R8, DX

// STORE0 stores row (lo, hi) without reading C and advances DX.
#define STORE0(lo, hi) \
	VMOVUPD lo, (DX) \
	VMOVUPD hi, 32(DX) \
	ADDQ R8, DX

// func kernel6x8(k int, a, b, c *float64, ldc int, alpha, beta float64)
TEXT ·kernel6x8(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8

	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

	// Prefetch the C tile; it is needed only after the k loop.
	MOVQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)

	CMPQ CX, $4
	JLT  tail

loop4:
	KSTEP(0, 0)
	KSTEP(48, 64)
	KSTEP(96, 128)
	KSTEP(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  loop4

tail:
	TESTQ CX, CX
	JEQ   done

loop1:
	KSTEP(0, 0)
	ADDQ $48, SI
	ADDQ $64, DI
	DECQ CX
	JNE  loop1

done:
	VBROADCASTSD alpha+40(FP), Y0
	VMULPD Y0, Y4, Y4
	VMULPD Y0, Y5, Y5
	VMULPD Y0, Y6, Y6
	VMULPD Y0, Y7, Y7
	VMULPD Y0, Y8, Y8
	VMULPD Y0, Y9, Y9
	VMULPD Y0, Y10, Y10
	VMULPD Y0, Y11, Y11
	VMULPD Y0, Y12, Y12
	VMULPD Y0, Y13, Y13
	VMULPD Y0, Y14, Y14
	VMULPD Y0, Y15, Y15

	MOVQ beta+48(FP), AX
	SHLQ $1, AX
	JEQ  beta0

	VBROADCASTSD beta+48(FP), Y1
	STOREBETA(Y4, Y5)
	STOREBETA(Y6, Y7)
	STOREBETA(Y8, Y9)
	STOREBETA(Y10, Y11)
	STOREBETA(Y12, Y13)
	STOREBETA(Y14, Y15)
	VZEROUPPER
	RET

beta0:
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	STORE0(Y8, Y9)
	STORE0(Y10, Y11)
	STORE0(Y12, Y13)
	STORE0(Y14, Y15)
	VZEROUPPER
	RET

// KSTEPS performs one rank-1 update of the 6×8 accumulator tile with the B
// row at (DI) and the A column read in place: rows 0..5 at (SI), (SI)(R9),
// (SI)(R9*2), (SI)(R10), (R11), (R11)(R9) (R9 the row stride, R10 = 3·R9,
// R11 = SI + 4·R9), then advances SI and R11 by the step stride R12 and DI
// by one B row.
#define KSTEPS \
	VMOVUPD (DI), Y0 \
	VMOVUPD 32(DI), Y1 \
	VBROADCASTSD (SI), Y2 \
	VBROADCASTSD (SI)(R9*1), Y3 \
	VFMADD231PD Y0, Y2, Y4 \
	VFMADD231PD Y1, Y2, Y5 \
	VFMADD231PD Y0, Y3, Y6 \
	VFMADD231PD Y1, Y3, Y7 \
	VBROADCASTSD (SI)(R9*2), Y2 \
	VBROADCASTSD (SI)(R10*1), Y3 \
	VFMADD231PD Y0, Y2, Y8 \
	VFMADD231PD Y1, Y2, Y9 \
	VFMADD231PD Y0, Y3, Y10 \
	VFMADD231PD Y1, Y3, Y11 \
	VBROADCASTSD (R11), Y2 \
	VBROADCASTSD (R11)(R9*1), Y3 \
	VFMADD231PD Y0, Y2, Y12 \
	VFMADD231PD Y1, Y2, Y13 \
	VFMADD231PD Y0, Y3, Y14 \
	VFMADD231PD Y1, Y3, Y15 \
	ADDQ R12, SI \
	ADDQ R12, R11 \
	ADDQ $64, DI

// func kernel6x8s(k int, a *float64, rs, ps int, b, c *float64, ldc int, alpha, beta float64)
//
// kernel6x8 with A read in place: element (r, p) of the 6×k panel is at
// a + r·rs + p·ps (strides in elements). The arithmetic is kernel6x8's.
TEXT ·kernel6x8s(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rs+16(FP), R9
	MOVQ ps+24(FP), R12
	MOVQ b+32(FP), DI
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R8
	SHLQ $3, R8
	SHLQ $3, R9
	SHLQ $3, R12
	LEAQ (R9)(R9*2), R10
	LEAQ (SI)(R9*4), R11

	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

	TESTQ CX, CX
	JEQ   sdone

sloop:
	KSTEPS
	DECQ CX
	JNE  sloop

sdone:
	VBROADCASTSD alpha+56(FP), Y0
	VMULPD Y0, Y4, Y4
	VMULPD Y0, Y5, Y5
	VMULPD Y0, Y6, Y6
	VMULPD Y0, Y7, Y7
	VMULPD Y0, Y8, Y8
	VMULPD Y0, Y9, Y9
	VMULPD Y0, Y10, Y10
	VMULPD Y0, Y11, Y11
	VMULPD Y0, Y12, Y12
	VMULPD Y0, Y13, Y13
	VMULPD Y0, Y14, Y14
	VMULPD Y0, Y15, Y15

	MOVQ beta+64(FP), AX
	SHLQ $1, AX
	JEQ  sbeta0

	VBROADCASTSD beta+64(FP), Y1
	STOREBETA(Y4, Y5)
	STOREBETA(Y6, Y7)
	STOREBETA(Y8, Y9)
	STOREBETA(Y10, Y11)
	STOREBETA(Y12, Y13)
	STOREBETA(Y14, Y15)
	VZEROUPPER
	RET

sbeta0:
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	STORE0(Y8, Y9)
	STORE0(Y10, Y11)
	STORE0(Y12, Y13)
	STORE0(Y14, Y15)
	VZEROUPPER
	RET
