package blas64

// useAsm selects the AVX2/FMA micro-kernel. It is true when the CPU and OS
// support it; tests clear it to exercise the portable kernel.
var useAsm = hasAVX2FMA

// HasAVX2 reports whether Dgemm uses its AVX2+FMA assembly micro-kernel,
// that is whether this is an amd64 build (without the purego tag) running
// on a CPU that supports AVX2 and FMA with an OS that preserves YMM
// registers. The results are the same either way.
func HasAVX2() bool { return hasAVX2FMA }
