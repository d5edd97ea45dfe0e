// Package blas32 provides a fast pure-Go (Go assembly, no cgo) single
// precision general matrix multiply, Sgemm, with exactly the row-major
// semantics of gonum's blas.Float32.Sgemm:
//
//	C = alpha·op(A)·op(B) + beta·C
//
// where op(X) is X or Xᵀ. It follows the BLIS/GotoBLAS design: op(A) and op(B)
// are copied ("packed") block by block into contiguous buffers laid out for a
// register-blocked micro-kernel, so that all four transpose combinations reach
// the same inner loop. The loops over C are blocked so that a KC×16 sliver of
// packed op(B) stays in L1, an MC×KC block of packed op(A) stays in L2, and a
// KC×NC block of packed op(B) stays in the outer caches.
//
// On amd64 CPUs with AVX2 and FMA (and an OS that saves YMM state, as
// golang.org/x/sys/cpu reports) the micro-kernel is a 6×16 tile computed in twelve
// YMM accumulators with VFMADD231PS, and packing uses AVX copies and 8×8
// transposes. On amd64 CPUs without AVX2/FMA, Sgemm delegates to gonum's
// Sgemm, whose SSE inner loops are faster there than portable Go (the purego
// build tag disables this package's assembly, with the same effect). Other
// architectures use a portable pure-Go micro-kernel with the same packing.
//
// Blocking: KC = 256 (k is cut into equal blocks of at most KC, so 784 is
// 4×196 rather than 3×256+16), MC = 192 and NC = 3072. On the Xeon this was
// tuned on (48 KiB L1d, 2 MiB L2 per core) the VAE shapes fit in L2 and the
// speed was flat for KC between 192 and 512.
//
// Products of at least 2²² multiply-adds (m·n·k) are split across up to
// GOMAXPROCS goroutines (the caller plus internal/parallel's persistent
// pool, so a call does not allocate): C is cut along its larger dimension,
// the operand that is not cut is packed once, cooperatively, and shared, and
// the chunks of C are claimed dynamically so that a goroutine that is
// descheduled on a busy machine does not hold up the others (when the shared
// operand would exceed 16 MiB, C is instead cut statically into one block
// per goroutine). Smaller products run on the calling goroutine. Packing
// buffers are recycled through a sync.Pool.
//
// The argument checks, the loop nest over cache blocks and the parallel
// split are internal/gemm's generic driver, shared with internal/blas64;
// this package supplies what runs inside a block: the packing routines and
// the macro-kernel over the 6×16 tiles.
//
// Measured single-threaded on a 2-vCPU Xeon (Emerald Rapids, AVX2 FMA peak
// about 88 GFLOP/s per core at 2.75 GHz): 79–85 GFLOP/s on the large VAE
// products (128×784·784×400 and its gradients), about 10× gonum's Sgemm; see
// bench_test.go and tune_test.go.
//
// Implementation wraps gonum's pure-Go BLAS and overrides only Sgemm, so it
// can be handed to gorgonia.Use:
//
//	gorgonia.Use(blas32.Implementation{})
package blas32
