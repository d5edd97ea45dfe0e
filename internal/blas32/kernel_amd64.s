//go:build amd64 && !purego

#include "textflag.h"

// Register use in kernel6x16:
//	SI	packed A micro-panel (6 floats per k step)
//	DI	packed B micro-panel (16 floats per k step)
//	CX	remaining k steps
//	DX	C, row by row
//	R8	ldc in bytes
//	Y0, Y1	one row of B (16 floats)
//	Y2, Y3	broadcast elements of A
//	Y4..Y15	accumulators: row i of the tile is Y(4+2i), Y(5+2i)

// KSTEP performs one rank-1 update of the 6×16 accumulator tile with the
// A column at aoff(SI) and the B row at boff(DI).
#define KSTEP(aoff, boff) \
	VMOVUPS boff(DI), Y0 \
	VMOVUPS boff+32(DI), Y1 \
	VBROADCASTSS aoff(SI), Y2 \
	VBROADCASTSS aoff+4(SI), Y3 \
	VFMADD231PS Y0, Y2, Y4 \
	VFMADD231PS Y1, Y2, Y5 \
	VFMADD231PS Y0, Y3, Y6 \
	VFMADD231PS Y1, Y3, Y7 \
	VBROADCASTSS aoff+8(SI), Y2 \
	VBROADCASTSS aoff+12(SI), Y3 \
	VFMADD231PS Y0, Y2, Y8 \
	VFMADD231PS Y1, Y2, Y9 \
	VFMADD231PS Y0, Y3, Y10 \
	VFMADD231PS Y1, Y3, Y11 \
	VBROADCASTSS aoff+16(SI), Y2 \
	VBROADCASTSS aoff+20(SI), Y3 \
	VFMADD231PS Y0, Y2, Y12 \
	VFMADD231PS Y1, Y2, Y13 \
	VFMADD231PS Y0, Y3, Y14 \
	VFMADD231PS Y1, Y3, Y15

// STOREBETA stores row (lo, hi) as lo,hi + beta·C (beta in Y1) and advances DX.
#define STOREBETA(lo, hi) \
	VFMADD231PS (DX), Y1, lo \
	VFMADD231PS 32(DX), Y1, hi \
	VMOVUPS lo, (DX) \
	VMOVUPS hi, 32(DX) \
	ADDQ R8, DX

// STORE0 stores row (lo, hi) without reading C and advances DX.
#define STORE0(lo, hi) \
	VMOVUPS lo, (DX) \
	VMOVUPS hi, 32(DX) \
	ADDQ R8, DX

// func kernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x16(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	// Prefetch the C tile; it is needed only after the k loop.
	MOVQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)

	CMPQ CX, $4
	JLT  tail

loop4:
	KSTEP(0, 0)
	KSTEP(24, 64)
	KSTEP(48, 128)
	KSTEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  loop4

tail:
	TESTQ CX, CX
	JEQ   done

loop1:
	KSTEP(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNE  loop1

done:
	VBROADCASTSS alpha+40(FP), Y0
	VMULPS Y0, Y4, Y4
	VMULPS Y0, Y5, Y5
	VMULPS Y0, Y6, Y6
	VMULPS Y0, Y7, Y7
	VMULPS Y0, Y8, Y8
	VMULPS Y0, Y9, Y9
	VMULPS Y0, Y10, Y10
	VMULPS Y0, Y11, Y11
	VMULPS Y0, Y12, Y12
	VMULPS Y0, Y13, Y13
	VMULPS Y0, Y14, Y14
	VMULPS Y0, Y15, Y15

	MOVL beta+44(FP), AX
	ANDL $0x7fffffff, AX
	JEQ  beta0

	VBROADCASTSS beta+44(FP), Y1
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
