package blas32

import "runtime"

// useAsm selects the AVX2/FMA micro-kernel and the AVX packing routines. It
// is true when the CPU and OS support them; tests clear it to exercise the
// portable kernel.
var useAsm = hasAVX2FMA

// useGonum makes Sgemm delegate to gonum's Sgemm. On amd64 CPUs without
// AVX2/FMA, gonum's SSE assembly inner loops are faster than the portable
// Go micro-kernel; on other architectures gonum's Sgemm is pure Go and the
// packed portable kernel is the faster of the two.
var useGonum = !hasAVX2FMA && runtime.GOARCH == "amd64"

// HasAVX2 reports whether Sgemm uses its AVX2+FMA assembly micro-kernel,
// that is whether this is an amd64 build (without the purego tag) running
// on a CPU that supports AVX2 and FMA with an OS that preserves YMM
// registers.
func HasAVX2() bool { return hasAVX2FMA }
