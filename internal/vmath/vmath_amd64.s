//go:build amd64 && !purego

#include "textflag.h"

// All kernels evaluate exactly the float32 operations of the scalar
// reference code (scalar.go) in the same order, with separate VMULPS/VADDPS
// (no FMA), so that the results are bit-identical. Commuted operands of a
// single addition or multiplication give identical results.

// EXP computes Y0 = Exp32(Y0) for lanes with |x| <= 87 (so that
// -126 <= k <= 126 and the only scaling is by 2**k). Clobbers Y1-Y3.
// Steps: kf = x*log2e + 0.5; fk = floor(kf) (VROUNDPS, equal to float32(k)
// of the scalar truncate-then-decrement); k = int(fk); r = (x - fk*ln2hi) -
// fk*ln2lo; p = Horner from 1/5040 inwards out to 1; result p * 2**k with
// 2**k built as (k+127)<<23.
#define EXP \
	VMULPS    log2e<>(SB), Y0, Y1; \
	VADDPS    half<>(SB), Y1, Y1; \
	VROUNDPS  $9, Y1, Y1; \
	VCVTPS2DQ Y1, Y2; \
	VMULPS    ln2hi<>(SB), Y1, Y3; \
	VSUBPS    Y3, Y0, Y0; \
	VMULPS    ln2lo<>(SB), Y1, Y3; \
	VSUBPS    Y3, Y0, Y0; \
	VMULPS    c5040<>(SB), Y0, Y1; \
	VADDPS    c720<>(SB), Y1, Y1; \
	VMULPS    Y0, Y1, Y1; \
	VADDPS    c120<>(SB), Y1, Y1; \
	VMULPS    Y0, Y1, Y1; \
	VADDPS    c24<>(SB), Y1, Y1; \
	VMULPS    Y0, Y1, Y1; \
	VADDPS    c6<>(SB), Y1, Y1; \
	VMULPS    Y0, Y1, Y1; \
	VADDPS    half<>(SB), Y1, Y1; \
	VMULPS    Y0, Y1, Y1; \
	VADDPS    one<>(SB), Y1, Y1; \
	VMULPS    Y0, Y1, Y1; \
	VADDPS    one<>(SB), Y1, Y1; \
	VPADDD    bias<>(SB), Y2, Y2; \
	VPSLLD    $23, Y2, Y2; \
	VMULPS    Y2, Y1, Y0

// SOFTPLUS computes Y0 = Softplus32(Y4) for lanes with |x| <= 87. Clobbers
// Y1-Y3. Steps: t = EXP(-|x|) (-|x| via OR of the sign bit; Exp32(-0) ==
// Exp32(+0)); sv = t/(2+t); s2 = sv*sv; q = Horner from 1/17 out to 1;
// p = (sv+sv)*q (sv+sv == 2*sv exactly); result x > 0 ? x+p : p.
#define SOFTPLUS \
	VORPS     signbit<>(SB), Y4, Y0; \
	EXP; \
	VADDPS    two<>(SB), Y0, Y1; \
	VDIVPS    Y1, Y0, Y0; \
	VMULPS    Y0, Y0, Y1; \
	VMULPS    s17<>(SB), Y1, Y2; \
	VADDPS    s15<>(SB), Y2, Y2; \
	VMULPS    Y1, Y2, Y2; \
	VADDPS    s13<>(SB), Y2, Y2; \
	VMULPS    Y1, Y2, Y2; \
	VADDPS    s11<>(SB), Y2, Y2; \
	VMULPS    Y1, Y2, Y2; \
	VADDPS    s9<>(SB), Y2, Y2; \
	VMULPS    Y1, Y2, Y2; \
	VADDPS    s7<>(SB), Y2, Y2; \
	VMULPS    Y1, Y2, Y2; \
	VADDPS    s5<>(SB), Y2, Y2; \
	VMULPS    Y1, Y2, Y2; \
	VADDPS    s3<>(SB), Y2, Y2; \
	VMULPS    Y1, Y2, Y2; \
	VADDPS    one<>(SB), Y2, Y2; \
	VADDPS    Y0, Y0, Y0; \
	VMULPS    Y2, Y0, Y0; \
	VADDPS    Y0, Y4, Y1; \
	VXORPS    Y3, Y3, Y3; \
	VCMPPS    $1, Y4, Y3, Y3; \
	VBLENDVPS Y3, Y1, Y0, Y0

// SIGMOID computes Y0 = Sigmoid32(Y4) for lanes with |x| <= 87. Clobbers
// Y1-Y3. Both branches of the scalar code use e = Exp32(-|x|):
// result (x >= 0 ? 1 : e) / (1 + e).
#define SIGMOID \
	VORPS     signbit<>(SB), Y4, Y0; \
	EXP; \
	VADDPS    one<>(SB), Y0, Y1; \
	VXORPS    Y3, Y3, Y3; \
	VCMPPS    $2, Y4, Y3, Y3; \
	VBLENDVPS Y3, one<>(SB), Y0, Y2; \
	VDIVPS    Y1, Y2, Y0

// CHECK jumps to done if a lane of Y4 has |x| > 87 or is NaN.
#define CHECK \
	VANDPS    absmask<>(SB), Y4, Y1; \
	VCMPPS    $6, lim<>(SB), Y1, Y1; \
	VMOVMSKPS Y1, DX; \
	TESTL     DX, DX; \
	JNZ       done

// func expAVX2(dst, x []float32) int
TEXT ·expAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-8, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPS (SI)(AX*4), Y4
	CHECK
	VMOVAPS Y4, Y0
	EXP
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func softplusAVX2(dst, x []float32) int
TEXT ·softplusAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-8, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPS (SI)(AX*4), Y4
	CHECK
	SOFTPLUS
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func sigmoidAVX2(dst, x []float32) int
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-8, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPS (SI)(AX*4), Y4
	CHECK
	SIGMOID
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func bernoulliLogitsAVX2(dst, y, l []float32) int
TEXT ·bernoulliLogitsAVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ y_base+24(FP), BX
	MOVQ l_base+48(FP), SI
	MOVQ l_len+56(FP), CX
	ANDQ $-8, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPS (SI)(AX*4), Y4
	CHECK
	SOFTPLUS
	VMULPS  (BX)(AX*4), Y4, Y1 // y*l
	VSUBPS  Y0, Y1, Y0         // y*l - softplus(l)
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, ret+72(FP)
	RET

// func bernoulliLogitsGradAVX2(dst, y, l, g []float32) int
TEXT ·bernoulliLogitsGradAVX2(SB), NOSPLIT, $0-104
	MOVQ dst_base+0(FP), DI
	MOVQ y_base+24(FP), BX
	MOVQ l_base+48(FP), SI
	MOVQ g_base+72(FP), R8
	MOVQ l_len+56(FP), CX
	ANDQ $-8, CX
	XORQ AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPS (SI)(AX*4), Y4
	VMOVUPS (BX)(AX*4), Y5
	VMOVUPS (R8)(AX*4), Y6

	// A NaN in both y and g would make the NaN payload of the result
	// depend on operand order; leave blocks with NaN y or g to Go.
	VCMPPS    $3, Y6, Y5, Y1 // unordered(y, g)
	VMOVMSKPS Y1, DX
	TESTL     DX, DX
	JNZ       done
	CHECK
	SIGMOID
	VSUBPS    Y0, Y5, Y0 // y - sigmoid(l)
	VMULPS    Y0, Y6, Y0 // g*(y - sigmoid(l))
	VMOVUPS   Y0, (DI)(AX*4)
	ADDQ      $8, AX
	JMP       loop

done:
	VZEROUPPER
	MOVQ AX, ret+96(FP)
	RET

// log2e = 1.442695
DATA log2e<>+0(SB)/4, $0x3fb8aa3b
DATA log2e<>+4(SB)/4, $0x3fb8aa3b
DATA log2e<>+8(SB)/4, $0x3fb8aa3b
DATA log2e<>+12(SB)/4, $0x3fb8aa3b
DATA log2e<>+16(SB)/4, $0x3fb8aa3b
DATA log2e<>+20(SB)/4, $0x3fb8aa3b
DATA log2e<>+24(SB)/4, $0x3fb8aa3b
DATA log2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $32

// half = 0.5
DATA half<>+0(SB)/4, $0x3f000000
DATA half<>+4(SB)/4, $0x3f000000
DATA half<>+8(SB)/4, $0x3f000000
DATA half<>+12(SB)/4, $0x3f000000
DATA half<>+16(SB)/4, $0x3f000000
DATA half<>+20(SB)/4, $0x3f000000
DATA half<>+24(SB)/4, $0x3f000000
DATA half<>+28(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $32

// ln2hi = 0.69314575
DATA ln2hi<>+0(SB)/4, $0x3f317200
DATA ln2hi<>+4(SB)/4, $0x3f317200
DATA ln2hi<>+8(SB)/4, $0x3f317200
DATA ln2hi<>+12(SB)/4, $0x3f317200
DATA ln2hi<>+16(SB)/4, $0x3f317200
DATA ln2hi<>+20(SB)/4, $0x3f317200
DATA ln2hi<>+24(SB)/4, $0x3f317200
DATA ln2hi<>+28(SB)/4, $0x3f317200
GLOBL ln2hi<>(SB), RODATA|NOPTR, $32

// ln2lo = 1.4286068e-06
DATA ln2lo<>+0(SB)/4, $0x35bfbe8e
DATA ln2lo<>+4(SB)/4, $0x35bfbe8e
DATA ln2lo<>+8(SB)/4, $0x35bfbe8e
DATA ln2lo<>+12(SB)/4, $0x35bfbe8e
DATA ln2lo<>+16(SB)/4, $0x35bfbe8e
DATA ln2lo<>+20(SB)/4, $0x35bfbe8e
DATA ln2lo<>+24(SB)/4, $0x35bfbe8e
DATA ln2lo<>+28(SB)/4, $0x35bfbe8e
GLOBL ln2lo<>(SB), RODATA|NOPTR, $32

// one = 1
DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $32

// two = 2
DATA two<>+0(SB)/4, $0x40000000
DATA two<>+4(SB)/4, $0x40000000
DATA two<>+8(SB)/4, $0x40000000
DATA two<>+12(SB)/4, $0x40000000
DATA two<>+16(SB)/4, $0x40000000
DATA two<>+20(SB)/4, $0x40000000
DATA two<>+24(SB)/4, $0x40000000
DATA two<>+28(SB)/4, $0x40000000
GLOBL two<>(SB), RODATA|NOPTR, $32

// c6 = 0.16666667
DATA c6<>+0(SB)/4, $0x3e2aaaab
DATA c6<>+4(SB)/4, $0x3e2aaaab
DATA c6<>+8(SB)/4, $0x3e2aaaab
DATA c6<>+12(SB)/4, $0x3e2aaaab
DATA c6<>+16(SB)/4, $0x3e2aaaab
DATA c6<>+20(SB)/4, $0x3e2aaaab
DATA c6<>+24(SB)/4, $0x3e2aaaab
DATA c6<>+28(SB)/4, $0x3e2aaaab
GLOBL c6<>(SB), RODATA|NOPTR, $32

// c24 = 0.041666668
DATA c24<>+0(SB)/4, $0x3d2aaaab
DATA c24<>+4(SB)/4, $0x3d2aaaab
DATA c24<>+8(SB)/4, $0x3d2aaaab
DATA c24<>+12(SB)/4, $0x3d2aaaab
DATA c24<>+16(SB)/4, $0x3d2aaaab
DATA c24<>+20(SB)/4, $0x3d2aaaab
DATA c24<>+24(SB)/4, $0x3d2aaaab
DATA c24<>+28(SB)/4, $0x3d2aaaab
GLOBL c24<>(SB), RODATA|NOPTR, $32

// c120 = 0.008333334
DATA c120<>+0(SB)/4, $0x3c088889
DATA c120<>+4(SB)/4, $0x3c088889
DATA c120<>+8(SB)/4, $0x3c088889
DATA c120<>+12(SB)/4, $0x3c088889
DATA c120<>+16(SB)/4, $0x3c088889
DATA c120<>+20(SB)/4, $0x3c088889
DATA c120<>+24(SB)/4, $0x3c088889
DATA c120<>+28(SB)/4, $0x3c088889
GLOBL c120<>(SB), RODATA|NOPTR, $32

// c720 = 0.0013888889
DATA c720<>+0(SB)/4, $0x3ab60b61
DATA c720<>+4(SB)/4, $0x3ab60b61
DATA c720<>+8(SB)/4, $0x3ab60b61
DATA c720<>+12(SB)/4, $0x3ab60b61
DATA c720<>+16(SB)/4, $0x3ab60b61
DATA c720<>+20(SB)/4, $0x3ab60b61
DATA c720<>+24(SB)/4, $0x3ab60b61
DATA c720<>+28(SB)/4, $0x3ab60b61
GLOBL c720<>(SB), RODATA|NOPTR, $32

// c5040 = 0.0001984127
DATA c5040<>+0(SB)/4, $0x39500d01
DATA c5040<>+4(SB)/4, $0x39500d01
DATA c5040<>+8(SB)/4, $0x39500d01
DATA c5040<>+12(SB)/4, $0x39500d01
DATA c5040<>+16(SB)/4, $0x39500d01
DATA c5040<>+20(SB)/4, $0x39500d01
DATA c5040<>+24(SB)/4, $0x39500d01
DATA c5040<>+28(SB)/4, $0x39500d01
GLOBL c5040<>(SB), RODATA|NOPTR, $32

// s3 = 0.33333334
DATA s3<>+0(SB)/4, $0x3eaaaaab
DATA s3<>+4(SB)/4, $0x3eaaaaab
DATA s3<>+8(SB)/4, $0x3eaaaaab
DATA s3<>+12(SB)/4, $0x3eaaaaab
DATA s3<>+16(SB)/4, $0x3eaaaaab
DATA s3<>+20(SB)/4, $0x3eaaaaab
DATA s3<>+24(SB)/4, $0x3eaaaaab
DATA s3<>+28(SB)/4, $0x3eaaaaab
GLOBL s3<>(SB), RODATA|NOPTR, $32

// s5 = 0.2
DATA s5<>+0(SB)/4, $0x3e4ccccd
DATA s5<>+4(SB)/4, $0x3e4ccccd
DATA s5<>+8(SB)/4, $0x3e4ccccd
DATA s5<>+12(SB)/4, $0x3e4ccccd
DATA s5<>+16(SB)/4, $0x3e4ccccd
DATA s5<>+20(SB)/4, $0x3e4ccccd
DATA s5<>+24(SB)/4, $0x3e4ccccd
DATA s5<>+28(SB)/4, $0x3e4ccccd
GLOBL s5<>(SB), RODATA|NOPTR, $32

// s7 = 0.14285715
DATA s7<>+0(SB)/4, $0x3e124925
DATA s7<>+4(SB)/4, $0x3e124925
DATA s7<>+8(SB)/4, $0x3e124925
DATA s7<>+12(SB)/4, $0x3e124925
DATA s7<>+16(SB)/4, $0x3e124925
DATA s7<>+20(SB)/4, $0x3e124925
DATA s7<>+24(SB)/4, $0x3e124925
DATA s7<>+28(SB)/4, $0x3e124925
GLOBL s7<>(SB), RODATA|NOPTR, $32

// s9 = 0.11111111
DATA s9<>+0(SB)/4, $0x3de38e39
DATA s9<>+4(SB)/4, $0x3de38e39
DATA s9<>+8(SB)/4, $0x3de38e39
DATA s9<>+12(SB)/4, $0x3de38e39
DATA s9<>+16(SB)/4, $0x3de38e39
DATA s9<>+20(SB)/4, $0x3de38e39
DATA s9<>+24(SB)/4, $0x3de38e39
DATA s9<>+28(SB)/4, $0x3de38e39
GLOBL s9<>(SB), RODATA|NOPTR, $32

// s11 = 0.09090909
DATA s11<>+0(SB)/4, $0x3dba2e8c
DATA s11<>+4(SB)/4, $0x3dba2e8c
DATA s11<>+8(SB)/4, $0x3dba2e8c
DATA s11<>+12(SB)/4, $0x3dba2e8c
DATA s11<>+16(SB)/4, $0x3dba2e8c
DATA s11<>+20(SB)/4, $0x3dba2e8c
DATA s11<>+24(SB)/4, $0x3dba2e8c
DATA s11<>+28(SB)/4, $0x3dba2e8c
GLOBL s11<>(SB), RODATA|NOPTR, $32

// s13 = 0.07692308
DATA s13<>+0(SB)/4, $0x3d9d89d9
DATA s13<>+4(SB)/4, $0x3d9d89d9
DATA s13<>+8(SB)/4, $0x3d9d89d9
DATA s13<>+12(SB)/4, $0x3d9d89d9
DATA s13<>+16(SB)/4, $0x3d9d89d9
DATA s13<>+20(SB)/4, $0x3d9d89d9
DATA s13<>+24(SB)/4, $0x3d9d89d9
DATA s13<>+28(SB)/4, $0x3d9d89d9
GLOBL s13<>(SB), RODATA|NOPTR, $32

// s15 = 0.06666667
DATA s15<>+0(SB)/4, $0x3d888889
DATA s15<>+4(SB)/4, $0x3d888889
DATA s15<>+8(SB)/4, $0x3d888889
DATA s15<>+12(SB)/4, $0x3d888889
DATA s15<>+16(SB)/4, $0x3d888889
DATA s15<>+20(SB)/4, $0x3d888889
DATA s15<>+24(SB)/4, $0x3d888889
DATA s15<>+28(SB)/4, $0x3d888889
GLOBL s15<>(SB), RODATA|NOPTR, $32

// s17 = 0.05882353
DATA s17<>+0(SB)/4, $0x3d70f0f1
DATA s17<>+4(SB)/4, $0x3d70f0f1
DATA s17<>+8(SB)/4, $0x3d70f0f1
DATA s17<>+12(SB)/4, $0x3d70f0f1
DATA s17<>+16(SB)/4, $0x3d70f0f1
DATA s17<>+20(SB)/4, $0x3d70f0f1
DATA s17<>+24(SB)/4, $0x3d70f0f1
DATA s17<>+28(SB)/4, $0x3d70f0f1
GLOBL s17<>(SB), RODATA|NOPTR, $32

// lim = 87
DATA lim<>+0(SB)/4, $0x42ae0000
DATA lim<>+4(SB)/4, $0x42ae0000
DATA lim<>+8(SB)/4, $0x42ae0000
DATA lim<>+12(SB)/4, $0x42ae0000
DATA lim<>+16(SB)/4, $0x42ae0000
DATA lim<>+20(SB)/4, $0x42ae0000
DATA lim<>+24(SB)/4, $0x42ae0000
DATA lim<>+28(SB)/4, $0x42ae0000
GLOBL lim<>(SB), RODATA|NOPTR, $32

// absmask
DATA absmask<>+0(SB)/4, $0x7fffffff
DATA absmask<>+4(SB)/4, $0x7fffffff
DATA absmask<>+8(SB)/4, $0x7fffffff
DATA absmask<>+12(SB)/4, $0x7fffffff
DATA absmask<>+16(SB)/4, $0x7fffffff
DATA absmask<>+20(SB)/4, $0x7fffffff
DATA absmask<>+24(SB)/4, $0x7fffffff
DATA absmask<>+28(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $32

// signbit
DATA signbit<>+0(SB)/4, $0x80000000
DATA signbit<>+4(SB)/4, $0x80000000
DATA signbit<>+8(SB)/4, $0x80000000
DATA signbit<>+12(SB)/4, $0x80000000
DATA signbit<>+16(SB)/4, $0x80000000
DATA signbit<>+20(SB)/4, $0x80000000
DATA signbit<>+24(SB)/4, $0x80000000
DATA signbit<>+28(SB)/4, $0x80000000
GLOBL signbit<>(SB), RODATA|NOPTR, $32

// bias
DATA bias<>+0(SB)/4, $0x0000007f
DATA bias<>+4(SB)/4, $0x0000007f
DATA bias<>+8(SB)/4, $0x0000007f
DATA bias<>+12(SB)/4, $0x0000007f
DATA bias<>+16(SB)/4, $0x0000007f
DATA bias<>+20(SB)/4, $0x0000007f
DATA bias<>+24(SB)/4, $0x0000007f
DATA bias<>+28(SB)/4, $0x0000007f
GLOBL bias<>(SB), RODATA|NOPTR, $32

