//go:build amd64 && !purego

#include "textflag.h"

// func packBNoTrans16(kc, panels int, src *float32, ldb int, dst *float32)
//
// For p in [0,kc) and q in [0,panels), copies the 16 floats at
// src[p·ldb+16q:] to dst[16·kc·q+16p:]. It needs AVX.
TEXT ·packBNoTrans16(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ panels+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ ldb+24(FP), R8
	MOVQ dst+32(FP), DI
	SHLQ $2, R8          // ldb in bytes
	TESTQ CX, CX
	JEQ   nndone
	TESTQ BX, BX
	JEQ   nndone

	// Panel by panel: dst is written sequentially.
nnpanel:
	MOVQ SI, R10
	MOVQ CX, R12

nnrow:
	VMOVUPS (R10), Y0
	VMOVUPS 32(R10), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, R10
	ADDQ    $64, DI
	DECQ    R12
	JNE     nnrow

	ADDQ $64, SI
	DECQ BX
	JNE  nnpanel

nndone:
	VZEROUPPER
	RET

// TRANSPOSE8 loads 8 floats from each of the 8 rows at (AX), (AX)(R8*1),
// (AX)(R8*2), (AX)(R9*1), (DX), (DX)(R8*1), (DX)(R8*2), (DX)(R9*1) and
// stores column c of that 8×8 block to c·64(DI), for c = 0..7.
#define TRANSPOSE8 \
	VMOVUPS (AX), Y0 \
	VMOVUPS (AX)(R8*1), Y1 \
	VMOVUPS (AX)(R8*2), Y2 \
	VMOVUPS (AX)(R9*1), Y3 \
	VMOVUPS (DX), Y4 \
	VMOVUPS (DX)(R8*1), Y5 \
	VMOVUPS (DX)(R8*2), Y6 \
	VMOVUPS (DX)(R9*1), Y7 \
	VUNPCKLPS Y1, Y0, Y8 \
	VUNPCKHPS Y1, Y0, Y9 \
	VUNPCKLPS Y3, Y2, Y10 \
	VUNPCKHPS Y3, Y2, Y11 \
	VUNPCKLPS Y5, Y4, Y12 \
	VUNPCKHPS Y5, Y4, Y13 \
	VUNPCKLPS Y7, Y6, Y14 \
	VUNPCKHPS Y7, Y6, Y15 \
	VSHUFPS $0x44, Y10, Y8, Y0 \
	VSHUFPS $0xEE, Y10, Y8, Y1 \
	VSHUFPS $0x44, Y11, Y9, Y2 \
	VSHUFPS $0xEE, Y11, Y9, Y3 \
	VSHUFPS $0x44, Y14, Y12, Y4 \
	VSHUFPS $0xEE, Y14, Y12, Y5 \
	VSHUFPS $0x44, Y15, Y13, Y6 \
	VSHUFPS $0xEE, Y15, Y13, Y7 \
	VPERM2F128 $0x20, Y4, Y0, Y8 \
	VPERM2F128 $0x20, Y5, Y1, Y9 \
	VPERM2F128 $0x20, Y6, Y2, Y10 \
	VPERM2F128 $0x20, Y7, Y3, Y11 \
	VPERM2F128 $0x31, Y4, Y0, Y12 \
	VPERM2F128 $0x31, Y5, Y1, Y13 \
	VPERM2F128 $0x31, Y6, Y2, Y14 \
	VPERM2F128 $0x31, Y7, Y3, Y15 \
	VMOVUPS Y8, (DI) \
	VMOVUPS Y9, 64(DI) \
	VMOVUPS Y10, 128(DI) \
	VMOVUPS Y11, 192(DI) \
	VMOVUPS Y12, 256(DI) \
	VMOVUPS Y13, 320(DI) \
	VMOVUPS Y14, 384(DI) \
	VMOVUPS Y15, 448(DI)

// func packBTrans16(kc8 int, src *float32, ldb int, dst *float32)
//
// Transposes the 16×kc8 block whose row j is src[j·ldb : j·ldb+kc8] into
// dst, element (j, p) going to dst[16p+j]. kc8 must be a multiple of 8. It
// needs AVX.
TEXT ·packBTrans16(SB), NOSPLIT, $0-32
	MOVQ kc8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), R8
	MOVQ dst+24(FP), DI
	SHLQ $2, R8          // ldb in bytes
	LEAQ (R8)(R8*2), R9  // 3·ldb
	MOVQ R8, R10
	SHLQ $3, R10         // 8·ldb: rows 8..15
	SHRQ $3, CX
	JEQ  tdone

tloop:
	// Rows 0..7 to dst[16p+0..7].
	MOVQ SI, AX
	LEAQ (SI)(R8*4), DX
	TRANSPOSE8
	// Rows 8..15 to dst[16p+8..15].
	LEAQ (SI)(R10*1), AX
	LEAQ (AX)(R8*4), DX
	ADDQ $32, DI
	TRANSPOSE8
	SUBQ $32, DI

	ADDQ $32, SI         // next 8 columns p
	ADDQ $512, DI        // next 8 rows of the panel
	DECQ CX
	JNE  tloop

tdone:
	VZEROUPPER
	RET

// func packATrans6(kc, panels int, src *float32, lda int, dst *float32)
//
// For p in [0,kc) and q in [0,panels), copies the 6 floats at
// src[p·lda+6q:] to dst[6·kc·q+6p:].
TEXT ·packATrans6(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ panels+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ lda+24(FP), R8
	MOVQ dst+32(FP), DI
	SHLQ $2, R8          // lda in bytes
	TESTQ CX, CX
	JEQ   atdone
	TESTQ BX, BX
	JEQ   atdone

	// Panel by panel: dst is written sequentially.
atpanel:
	MOVQ SI, R10
	MOVQ CX, R12

atrow:
	MOVUPS (R10), X0
	MOVQ   16(R10), R13
	MOVUPS X0, (DI)
	MOVQ   R13, 16(DI)
	ADDQ   R8, R10
	ADDQ   $24, DI
	DECQ   R12
	JNE    atrow

	ADDQ $24, SI
	DECQ BX
	JNE  atpanel

atdone:
	RET

// func packANoTrans6(kc8 int, src *float32, lda int, dst *float32)
//
// Transposes the 6×kc8 block whose row i is src[i·lda : i·lda+kc8] into
// dst, element (i, p) going to dst[6p+i]. kc8 must be a multiple of 8. It
// writes 8 floats at each dst[6p:], so it also writes dst[6·kc8 :
// 6·kc8+2], which the caller must own and overwrite later. It needs AVX.
TEXT ·packANoTrans6(SB), NOSPLIT, $0-32
	MOVQ kc8+0(FP), CX
	MOVQ src+8(FP), AX
	MOVQ lda+16(FP), R8
	MOVQ dst+24(FP), DI
	SHLQ $2, R8          // lda in bytes
	LEAQ (R8)(R8*2), R9  // 3·lda
	LEAQ (AX)(R8*4), DX  // row 4
	SHRQ $3, CX
	JEQ  andone

aloop:
	// Rows 0..5; rows 6 and 7 repeat row 5 and land in the slots that the
	// next store overwrites.
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R8*1), Y1
	VMOVUPS (AX)(R8*2), Y2
	VMOVUPS (AX)(R9*1), Y3
	VMOVUPS (DX), Y4
	VMOVUPS (DX)(R8*1), Y5
	VMOVAPS Y5, Y6
	VMOVAPS Y5, Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 24(DI)
	VMOVUPS Y10, 48(DI)
	VMOVUPS Y11, 72(DI)
	VMOVUPS Y12, 96(DI)
	VMOVUPS Y13, 120(DI)
	VMOVUPS Y14, 144(DI)
	VMOVUPS Y15, 168(DI)

	ADDQ $32, AX
	ADDQ $32, DX
	ADDQ $192, DI
	DECQ CX
	JNE  aloop

andone:
	VZEROUPPER
	RET
