//go:build amd64 && !purego

#include "textflag.h"

// The float64 kernels evaluate exactly the IEEE-754 float64 operations of
// the scalar reference code (scalar64.go) in the same order, four lanes at
// a time, with separate VMULPD/VADDPD/VSUBPD/VDIVPD (never FMA), so that
// the results are bit-identical. Commuted operands of a single addition or
// multiplication give identical results; branches of the scalar code
// become blends of both sides.

// EXP64 computes Y0 = Exp64(Y0) for lanes with |x| <= 708, where
// -1021 <= k <= 1021 and the scaling is one exact multiplication by 2**k.
// Clobbers Y1-Y7. k = trunc(x·log2e + copysign(0.5, x)) (VCVTTPD2DQ
// truncates as Go's int conversion does); hi = x - fk·ln2hi; lo = fk·ln2lo;
// r = hi - lo; t = r·r; c = r - t·(P1 + t·(P2 + t·(P3 + t·(P4 + t·P5))));
// y = 1 - ((lo - (r·c)/(2 - c)) - hi); result y·2**k, 2**k = (k+1023)<<52.
#define EXP64 \
	VMULPD      d_log2e<>(SB), Y0, Y1; \
	VANDPD      d_sign<>(SB), Y0, Y2; \
	VORPD       d_half<>(SB), Y2, Y2; \
	VADDPD      Y2, Y1, Y1; \
	VCVTTPD2DQY Y1, X2; \
	VCVTDQ2PD   X2, Y1; \
	VPMOVSXDQ   X2, Y2; \
	VMULPD      d_ln2hi<>(SB), Y1, Y3; \
	VSUBPD      Y3, Y0, Y3; \
	VMULPD      d_ln2lo<>(SB), Y1, Y4; \
	VSUBPD      Y4, Y3, Y5; \
	VMULPD      Y5, Y5, Y6; \
	VMULPD      d_p5<>(SB), Y6, Y7; \
	VADDPD      d_p4<>(SB), Y7, Y7; \
	VMULPD      Y6, Y7, Y7; \
	VADDPD      d_p3<>(SB), Y7, Y7; \
	VMULPD      Y6, Y7, Y7; \
	VADDPD      d_p2<>(SB), Y7, Y7; \
	VMULPD      Y6, Y7, Y7; \
	VADDPD      d_p1<>(SB), Y7, Y7; \
	VMULPD      Y6, Y7, Y7; \
	VSUBPD      Y7, Y5, Y7; \
	VMULPD      Y7, Y5, Y6; \
	VMOVUPD     d_two<>(SB), Y1; \
	VSUBPD      Y7, Y1, Y1; \
	VDIVPD      Y1, Y6, Y6; \
	VSUBPD      Y6, Y4, Y6; \
	VSUBPD      Y3, Y6, Y6; \
	VMOVUPD     d_one<>(SB), Y1; \
	VSUBPD      Y6, Y1, Y1; \
	VPADDQ      d_bias<>(SB), Y2, Y2; \
	VPSLLQ      $52, Y2, Y2; \
	VMULPD      Y2, Y1, Y0

// LOG1PRED reduces Y0 = x (lanes with -1 < x < 2**53) for log1pKernel:
// f in Y8, c in Y9, float64(k) in Y10. Clobbers Y1-Y6. Lanes with
// √2/2-1 < x < √2-1 get f = x, c = 0, k = 0; the others u = 1 + x,
// kexp = exponent of u, c = (kexp > 0 ? 1 - (u - x) : x - (u - 1))/u,
// m = mantissa bits of u, and u normalized to [1, √2) with k = kexp or to
// [√2/2, 1) with k = kexp+1; f = u - 1. float64(k) is computed exactly as
// bits(k + bits(1.5·2**52)) - 1.5·2**52.
#define LOG1PRED \
	VADDPD    d_one<>(SB), Y0, Y1; \
	VPSRLQ    $52, Y1, Y2; \
	VPSUBQ    d_bias<>(SB), Y2, Y2; \
	VSUBPD    Y0, Y1, Y3; \
	VMOVUPD   d_one<>(SB), Y4; \
	VSUBPD    Y3, Y4, Y3; \
	VSUBPD    d_one<>(SB), Y1, Y4; \
	VSUBPD    Y4, Y0, Y4; \
	VPXOR     Y5, Y5, Y5; \
	VPCMPGTQ  Y5, Y2, Y5; \
	VBLENDVPD Y5, Y3, Y4, Y9; \
	VDIVPD    Y1, Y9, Y9; \
	VANDPD    d_mant<>(SB), Y1, Y3; \
	VPCMPGTQ  d_sqrt2mant<>(SB), Y3, Y4; \
	VMOVUPD   d_exp3ff<>(SB), Y5; \
	VBLENDVPD Y4, d_exp3fe<>(SB), Y5, Y6; \
	VORPD     Y6, Y3, Y6; \
	VSUBPD    d_one<>(SB), Y6, Y8; \
	VPSUBQ    Y4, Y2, Y2; \
	VPADDQ    d_magicbits<>(SB), Y2, Y2; \
	VSUBPD    d_magic<>(SB), Y2, Y10; \
	VANDPD    d_abs<>(SB), Y0, Y3; \
	VCMPPD    $1, d_sqrt2m1<>(SB), Y3, Y3; \
	VCMPPD    $14, d_sqrt2halfm1<>(SB), Y0, Y4; \
	VANDPD    Y4, Y3, Y3; \
	VBLENDVPD Y3, Y0, Y8, Y8; \
	VANDNPD   Y9, Y3, Y9; \
	VANDNPD   Y10, Y3, Y10

// LOG1PK computes Y0 = log1pKernel(f = Y8, c = Y9, k = Y10). Clobbers
// Y1-Y6. hfsq = (0.5·f)·f; s = f/(2 + f); z = s·s;
// R = z·(lp1 + z·(lp2 + ... + z·(lp6 + z·lp7)));
// result fk·ln2hi - ((hfsq - (s·(hfsq + R) + (fk·ln2lo + c))) - f).
#define LOG1PK \
	VMULPD d_half<>(SB), Y8, Y1; \
	VMULPD Y8, Y1, Y1; \
	VADDPD d_two<>(SB), Y8, Y2; \
	VDIVPD Y2, Y8, Y2; \
	VMULPD Y2, Y2, Y3; \
	VMULPD d_lp7<>(SB), Y3, Y4; \
	VADDPD d_lp6<>(SB), Y4, Y4; \
	VMULPD Y3, Y4, Y4; \
	VADDPD d_lp5<>(SB), Y4, Y4; \
	VMULPD Y3, Y4, Y4; \
	VADDPD d_lp4<>(SB), Y4, Y4; \
	VMULPD Y3, Y4, Y4; \
	VADDPD d_lp3<>(SB), Y4, Y4; \
	VMULPD Y3, Y4, Y4; \
	VADDPD d_lp2<>(SB), Y4, Y4; \
	VMULPD Y3, Y4, Y4; \
	VADDPD d_lp1<>(SB), Y4, Y4; \
	VMULPD Y3, Y4, Y4; \
	VADDPD Y4, Y1, Y5; \
	VMULPD Y5, Y2, Y5; \
	VMULPD d_ln2lo<>(SB), Y10, Y6; \
	VADDPD Y9, Y6, Y6; \
	VADDPD Y6, Y5, Y5; \
	VSUBPD Y5, Y1, Y5; \
	VSUBPD Y8, Y5, Y5; \
	VMULPD d_ln2hi<>(SB), Y10, Y6; \
	VSUBPD Y5, Y6, Y0

// LOG1PSMALL01 computes Y0 = Log1p64(t) for Y12 = t in [0, 1], given
// Y0 = LOG1PK's result for t: lanes with t < 2**-29 get t - (t·t)·0.5,
// lanes with t < 2**-54 get t. Clobbers Y1, Y2.
#define LOG1PSMALL01 \
	VMULPD    Y12, Y12, Y1; \
	VMULPD    d_half<>(SB), Y1, Y1; \
	VSUBPD    Y1, Y12, Y1; \
	VCMPPD    $1, d_small<>(SB), Y12, Y2; \
	VBLENDVPD Y2, Y1, Y0, Y0; \
	VCMPPD    $1, d_tiny<>(SB), Y12, Y2; \
	VBLENDVPD Y2, Y12, Y0, Y0

// SOFTPLUS64 computes Y0 = Softplus64(Y11) for lanes with |x| <= 708, and
// Y12 = Exp64(-|x|). Clobbers Y1-Y10: t = EXP64(-|x|); p = Log1p64(t);
// result x > 0 ? x + p : p.
#define SOFTPLUS64 \
	VORPD     d_sign<>(SB), Y11, Y0; \
	EXP64; \
	VMOVAPD   Y0, Y12; \
	LOG1PRED; \
	LOG1PK; \
	LOG1PSMALL01; \
	VADDPD    Y0, Y11, Y1; \
	VXORPD    Y2, Y2, Y2; \
	VCMPPD    $1, Y11, Y2, Y2; \
	VBLENDVPD Y2, Y1, Y0, Y0

// SIGMOIDE computes Y0 = Sigmoid64(x) for Y11 = x and Y12 = Exp64(-|x|):
// (x >= 0 ? 1 : e)/(1 + e). Clobbers Y1-Y3.
#define SIGMOIDE \
	VADDPD    d_one<>(SB), Y12, Y1; \
	VXORPD    Y3, Y3, Y3; \
	VCMPPD    $2, Y11, Y3, Y3; \
	VBLENDVPD Y3, d_one<>(SB), Y12, Y2; \
	VDIVPD    Y1, Y2, Y0

// CHECKEXP jumps to done if a lane of Y11 has |x| > 708 or is NaN.
#define CHECKEXP \
	VANDPD    d_abs<>(SB), Y11, Y1; \
	VCMPPD    $6, d_lim<>(SB), Y1, Y1; \
	VMOVMSKPD Y1, DX; \
	TESTL     DX, DX; \
	JNZ       done

// func exp64AVX2(dst, x []float64) int
TEXT ·exp64AVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPD (SI)(AX*8), Y11
	CHECKEXP
	VMOVAPD Y11, Y0
	EXP64
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func log1p64AVX2(dst, x []float64) int
//
// It handles lanes with -1 < x < 2**53 and |x| >= 2**-29 (so not NaN).
TEXT ·log1p64AVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

loop:
	CMPQ      AX, CX
	JGE       done
	VMOVUPD   (SI)(AX*8), Y0
	VCMPPD    $14, d_negone<>(SB), Y0, Y1
	VCMPPD    $1, d_two53<>(SB), Y0, Y2
	VANDPD    Y2, Y1, Y1
	VANDPD    d_abs<>(SB), Y0, Y2
	VCMPPD    $13, d_small<>(SB), Y2, Y2
	VANDPD    Y2, Y1, Y1
	VMOVMSKPD Y1, DX
	CMPL      DX, $15
	JNE       done
	LOG1PRED
	LOG1PK
	VMOVUPD   Y0, (DI)(AX*8)
	ADDQ      $4, AX
	JMP       loop

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func softplus64AVX2(dst, x []float64) int
TEXT ·softplus64AVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPD (SI)(AX*8), Y11
	CHECKEXP
	SOFTPLUS64
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func sigmoid64AVX2(dst, x []float64) int
TEXT ·sigmoid64AVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPD (SI)(AX*8), Y11
	CHECKEXP
	VORPD   d_sign<>(SB), Y11, Y0
	EXP64
	VMOVAPD Y0, Y12
	SIGMOIDE
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func logistic64AVX2(ll, r, y, eta []float64) int
//
// ll = y·η - Softplus64(η), r = y - Sigmoid64(η), sharing Exp64(-|η|).
TEXT ·logistic64AVX2(SB), NOSPLIT, $0-104
	MOVQ ll_base+0(FP), DI
	MOVQ r_base+24(FP), R9
	MOVQ y_base+48(FP), R10
	MOVQ eta_base+72(FP), SI
	MOVQ eta_len+80(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPD (SI)(AX*8), Y11
	CHECKEXP
	SOFTPLUS64
	VMOVUPD (R10)(AX*8), Y13
	VMULPD  Y11, Y13, Y14
	VSUBPD  Y0, Y14, Y14
	VMOVUPD Y14, (DI)(AX*8)
	SIGMOIDE
	VSUBPD  Y0, Y13, Y13
	VMOVUPD Y13, (R9)(AX*8)
	ADDQ    $4, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+96(FP)
	RET

// func bernoulli64AVX2(dst, y, l []float64) int
//
// dst = y·l - Softplus64(l).
TEXT ·bernoulli64AVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ y_base+24(FP), R10
	MOVQ l_base+48(FP), SI
	MOVQ l_len+56(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPD (SI)(AX*8), Y11
	CHECKEXP
	SOFTPLUS64
	VMOVUPD (R10)(AX*8), Y13
	VMULPD  Y11, Y13, Y14
	VSUBPD  Y0, Y14, Y14
	VMOVUPD Y14, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+72(FP)
	RET

// func poisson64AVX2(ll, r, y, eta []float64) int
//
// ll = y·η - Exp64(η), r = y - Exp64(η).
TEXT ·poisson64AVX2(SB), NOSPLIT, $0-104
	MOVQ ll_base+0(FP), DI
	MOVQ r_base+24(FP), R9
	MOVQ y_base+48(FP), R10
	MOVQ eta_base+72(FP), SI
	MOVQ eta_len+80(FP), CX
	ANDQ $-4, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPD (SI)(AX*8), Y11
	CHECKEXP
	VMOVAPD Y11, Y0
	EXP64
	VMOVUPD (R10)(AX*8), Y13
	VMULPD  Y11, Y13, Y14
	VSUBPD  Y0, Y14, Y14
	VMOVUPD Y14, (DI)(AX*8)
	VSUBPD  Y0, Y13, Y13
	VMOVUPD Y13, (R9)(AX*8)
	ADDQ    $4, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+96(FP)
	RET

DATA d_log2e<>+0(SB)/8, $0x3ff71547652b82fe
DATA d_log2e<>+8(SB)/8, $0x3ff71547652b82fe
DATA d_log2e<>+16(SB)/8, $0x3ff71547652b82fe
DATA d_log2e<>+24(SB)/8, $0x3ff71547652b82fe
GLOBL d_log2e<>(SB), RODATA|NOPTR, $32

DATA d_half<>+0(SB)/8, $0x3fe0000000000000
DATA d_half<>+8(SB)/8, $0x3fe0000000000000
DATA d_half<>+16(SB)/8, $0x3fe0000000000000
DATA d_half<>+24(SB)/8, $0x3fe0000000000000
GLOBL d_half<>(SB), RODATA|NOPTR, $32

DATA d_one<>+0(SB)/8, $0x3ff0000000000000
DATA d_one<>+8(SB)/8, $0x3ff0000000000000
DATA d_one<>+16(SB)/8, $0x3ff0000000000000
DATA d_one<>+24(SB)/8, $0x3ff0000000000000
GLOBL d_one<>(SB), RODATA|NOPTR, $32

DATA d_two<>+0(SB)/8, $0x4000000000000000
DATA d_two<>+8(SB)/8, $0x4000000000000000
DATA d_two<>+16(SB)/8, $0x4000000000000000
DATA d_two<>+24(SB)/8, $0x4000000000000000
GLOBL d_two<>(SB), RODATA|NOPTR, $32

DATA d_ln2hi<>+0(SB)/8, $0x3fe62e42fee00000
DATA d_ln2hi<>+8(SB)/8, $0x3fe62e42fee00000
DATA d_ln2hi<>+16(SB)/8, $0x3fe62e42fee00000
DATA d_ln2hi<>+24(SB)/8, $0x3fe62e42fee00000
GLOBL d_ln2hi<>(SB), RODATA|NOPTR, $32

DATA d_ln2lo<>+0(SB)/8, $0x3dea39ef35793c76
DATA d_ln2lo<>+8(SB)/8, $0x3dea39ef35793c76
DATA d_ln2lo<>+16(SB)/8, $0x3dea39ef35793c76
DATA d_ln2lo<>+24(SB)/8, $0x3dea39ef35793c76
GLOBL d_ln2lo<>(SB), RODATA|NOPTR, $32

DATA d_p1<>+0(SB)/8, $0x3fc5555555555555
DATA d_p1<>+8(SB)/8, $0x3fc5555555555555
DATA d_p1<>+16(SB)/8, $0x3fc5555555555555
DATA d_p1<>+24(SB)/8, $0x3fc5555555555555
GLOBL d_p1<>(SB), RODATA|NOPTR, $32

DATA d_p2<>+0(SB)/8, $0xbf66c16c16bebd93
DATA d_p2<>+8(SB)/8, $0xbf66c16c16bebd93
DATA d_p2<>+16(SB)/8, $0xbf66c16c16bebd93
DATA d_p2<>+24(SB)/8, $0xbf66c16c16bebd93
GLOBL d_p2<>(SB), RODATA|NOPTR, $32

DATA d_p3<>+0(SB)/8, $0x3f11566aaf25de2c
DATA d_p3<>+8(SB)/8, $0x3f11566aaf25de2c
DATA d_p3<>+16(SB)/8, $0x3f11566aaf25de2c
DATA d_p3<>+24(SB)/8, $0x3f11566aaf25de2c
GLOBL d_p3<>(SB), RODATA|NOPTR, $32

DATA d_p4<>+0(SB)/8, $0xbebbbd41c5d26bf1
DATA d_p4<>+8(SB)/8, $0xbebbbd41c5d26bf1
DATA d_p4<>+16(SB)/8, $0xbebbbd41c5d26bf1
DATA d_p4<>+24(SB)/8, $0xbebbbd41c5d26bf1
GLOBL d_p4<>(SB), RODATA|NOPTR, $32

DATA d_p5<>+0(SB)/8, $0x3e66376972bea4d0
DATA d_p5<>+8(SB)/8, $0x3e66376972bea4d0
DATA d_p5<>+16(SB)/8, $0x3e66376972bea4d0
DATA d_p5<>+24(SB)/8, $0x3e66376972bea4d0
GLOBL d_p5<>(SB), RODATA|NOPTR, $32

DATA d_lp1<>+0(SB)/8, $0x3fe5555555555593
DATA d_lp1<>+8(SB)/8, $0x3fe5555555555593
DATA d_lp1<>+16(SB)/8, $0x3fe5555555555593
DATA d_lp1<>+24(SB)/8, $0x3fe5555555555593
GLOBL d_lp1<>(SB), RODATA|NOPTR, $32

DATA d_lp2<>+0(SB)/8, $0x3fd999999997fa04
DATA d_lp2<>+8(SB)/8, $0x3fd999999997fa04
DATA d_lp2<>+16(SB)/8, $0x3fd999999997fa04
DATA d_lp2<>+24(SB)/8, $0x3fd999999997fa04
GLOBL d_lp2<>(SB), RODATA|NOPTR, $32

DATA d_lp3<>+0(SB)/8, $0x3fd2492494229359
DATA d_lp3<>+8(SB)/8, $0x3fd2492494229359
DATA d_lp3<>+16(SB)/8, $0x3fd2492494229359
DATA d_lp3<>+24(SB)/8, $0x3fd2492494229359
GLOBL d_lp3<>(SB), RODATA|NOPTR, $32

DATA d_lp4<>+0(SB)/8, $0x3fcc71c51d8e78af
DATA d_lp4<>+8(SB)/8, $0x3fcc71c51d8e78af
DATA d_lp4<>+16(SB)/8, $0x3fcc71c51d8e78af
DATA d_lp4<>+24(SB)/8, $0x3fcc71c51d8e78af
GLOBL d_lp4<>(SB), RODATA|NOPTR, $32

DATA d_lp5<>+0(SB)/8, $0x3fc7466496cb03de
DATA d_lp5<>+8(SB)/8, $0x3fc7466496cb03de
DATA d_lp5<>+16(SB)/8, $0x3fc7466496cb03de
DATA d_lp5<>+24(SB)/8, $0x3fc7466496cb03de
GLOBL d_lp5<>(SB), RODATA|NOPTR, $32

DATA d_lp6<>+0(SB)/8, $0x3fc39a09d078c69f
DATA d_lp6<>+8(SB)/8, $0x3fc39a09d078c69f
DATA d_lp6<>+16(SB)/8, $0x3fc39a09d078c69f
DATA d_lp6<>+24(SB)/8, $0x3fc39a09d078c69f
GLOBL d_lp6<>(SB), RODATA|NOPTR, $32

DATA d_lp7<>+0(SB)/8, $0x3fc2f112df3e5244
DATA d_lp7<>+8(SB)/8, $0x3fc2f112df3e5244
DATA d_lp7<>+16(SB)/8, $0x3fc2f112df3e5244
DATA d_lp7<>+24(SB)/8, $0x3fc2f112df3e5244
GLOBL d_lp7<>(SB), RODATA|NOPTR, $32

DATA d_sqrt2m1<>+0(SB)/8, $0x3fda827999fcef32
DATA d_sqrt2m1<>+8(SB)/8, $0x3fda827999fcef32
DATA d_sqrt2m1<>+16(SB)/8, $0x3fda827999fcef32
DATA d_sqrt2m1<>+24(SB)/8, $0x3fda827999fcef32
GLOBL d_sqrt2m1<>(SB), RODATA|NOPTR, $32

DATA d_sqrt2halfm1<>+0(SB)/8, $0xbfd2bec333018867
DATA d_sqrt2halfm1<>+8(SB)/8, $0xbfd2bec333018867
DATA d_sqrt2halfm1<>+16(SB)/8, $0xbfd2bec333018867
DATA d_sqrt2halfm1<>+24(SB)/8, $0xbfd2bec333018867
GLOBL d_sqrt2halfm1<>(SB), RODATA|NOPTR, $32

DATA d_small<>+0(SB)/8, $0x3e20000000000000
DATA d_small<>+8(SB)/8, $0x3e20000000000000
DATA d_small<>+16(SB)/8, $0x3e20000000000000
DATA d_small<>+24(SB)/8, $0x3e20000000000000
GLOBL d_small<>(SB), RODATA|NOPTR, $32

DATA d_tiny<>+0(SB)/8, $0x3c90000000000000
DATA d_tiny<>+8(SB)/8, $0x3c90000000000000
DATA d_tiny<>+16(SB)/8, $0x3c90000000000000
DATA d_tiny<>+24(SB)/8, $0x3c90000000000000
GLOBL d_tiny<>(SB), RODATA|NOPTR, $32

DATA d_two53<>+0(SB)/8, $0x4340000000000000
DATA d_two53<>+8(SB)/8, $0x4340000000000000
DATA d_two53<>+16(SB)/8, $0x4340000000000000
DATA d_two53<>+24(SB)/8, $0x4340000000000000
GLOBL d_two53<>(SB), RODATA|NOPTR, $32

DATA d_negone<>+0(SB)/8, $0xbff0000000000000
DATA d_negone<>+8(SB)/8, $0xbff0000000000000
DATA d_negone<>+16(SB)/8, $0xbff0000000000000
DATA d_negone<>+24(SB)/8, $0xbff0000000000000
GLOBL d_negone<>(SB), RODATA|NOPTR, $32

DATA d_lim<>+0(SB)/8, $0x4086200000000000
DATA d_lim<>+8(SB)/8, $0x4086200000000000
DATA d_lim<>+16(SB)/8, $0x4086200000000000
DATA d_lim<>+24(SB)/8, $0x4086200000000000
GLOBL d_lim<>(SB), RODATA|NOPTR, $32

DATA d_magic<>+0(SB)/8, $0x4338000000000000
DATA d_magic<>+8(SB)/8, $0x4338000000000000
DATA d_magic<>+16(SB)/8, $0x4338000000000000
DATA d_magic<>+24(SB)/8, $0x4338000000000000
GLOBL d_magic<>(SB), RODATA|NOPTR, $32

DATA d_sign<>+0(SB)/8, $0x8000000000000000
DATA d_sign<>+8(SB)/8, $0x8000000000000000
DATA d_sign<>+16(SB)/8, $0x8000000000000000
DATA d_sign<>+24(SB)/8, $0x8000000000000000
GLOBL d_sign<>(SB), RODATA|NOPTR, $32

DATA d_abs<>+0(SB)/8, $0x7fffffffffffffff
DATA d_abs<>+8(SB)/8, $0x7fffffffffffffff
DATA d_abs<>+16(SB)/8, $0x7fffffffffffffff
DATA d_abs<>+24(SB)/8, $0x7fffffffffffffff
GLOBL d_abs<>(SB), RODATA|NOPTR, $32

DATA d_mant<>+0(SB)/8, $0x000fffffffffffff
DATA d_mant<>+8(SB)/8, $0x000fffffffffffff
DATA d_mant<>+16(SB)/8, $0x000fffffffffffff
DATA d_mant<>+24(SB)/8, $0x000fffffffffffff
GLOBL d_mant<>(SB), RODATA|NOPTR, $32

DATA d_sqrt2mant<>+0(SB)/8, $0x0006a09e667f3bcc
DATA d_sqrt2mant<>+8(SB)/8, $0x0006a09e667f3bcc
DATA d_sqrt2mant<>+16(SB)/8, $0x0006a09e667f3bcc
DATA d_sqrt2mant<>+24(SB)/8, $0x0006a09e667f3bcc
GLOBL d_sqrt2mant<>(SB), RODATA|NOPTR, $32

DATA d_exp3ff<>+0(SB)/8, $0x3ff0000000000000
DATA d_exp3ff<>+8(SB)/8, $0x3ff0000000000000
DATA d_exp3ff<>+16(SB)/8, $0x3ff0000000000000
DATA d_exp3ff<>+24(SB)/8, $0x3ff0000000000000
GLOBL d_exp3ff<>(SB), RODATA|NOPTR, $32

DATA d_exp3fe<>+0(SB)/8, $0x3fe0000000000000
DATA d_exp3fe<>+8(SB)/8, $0x3fe0000000000000
DATA d_exp3fe<>+16(SB)/8, $0x3fe0000000000000
DATA d_exp3fe<>+24(SB)/8, $0x3fe0000000000000
GLOBL d_exp3fe<>(SB), RODATA|NOPTR, $32

DATA d_bias<>+0(SB)/8, $0x00000000000003ff
DATA d_bias<>+8(SB)/8, $0x00000000000003ff
DATA d_bias<>+16(SB)/8, $0x00000000000003ff
DATA d_bias<>+24(SB)/8, $0x00000000000003ff
GLOBL d_bias<>(SB), RODATA|NOPTR, $32

DATA d_magicbits<>+0(SB)/8, $0x4338000000000000
DATA d_magicbits<>+8(SB)/8, $0x4338000000000000
DATA d_magicbits<>+16(SB)/8, $0x4338000000000000
DATA d_magicbits<>+24(SB)/8, $0x4338000000000000
GLOBL d_magicbits<>(SB), RODATA|NOPTR, $32

