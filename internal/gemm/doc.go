// Package gemm is the type-generic driver shared by internal/blas32 (Sgemm)
// and internal/blas64 (Dgemm): argument checking with gonum's panics, the
// quick returns, the BLIS/GotoBLAS loop nest over cache blocks, the split of
// large products across goroutines (on internal/parallel's shared pool) and
// the recycled, 64-byte aligned packing buffers. It computes
//
//	C = alpha·op(A)·op(B) + beta·C        op(A) m×k, op(B) k×n, row-major
//
// as the serial loop nest
//
//	for jc over n in steps of NC:                        (block of op(B): kc×nc, packed)
//	  for pc over k in blocks of kc ≤ KC, equal sizes:   (beta for the first block, 1 after)
//	    pack op(B)[pc:pc+kc, jc:jc+nc]
//	    for ic over m in steps of MC:                    (block of op(A): mc×kc, packed)
//	      pack op(A)[ic:ic+mc, pc:pc+kc]
//	      macro-kernel: C[ic:ic+mc, jc:jc+nc] += the packed blocks' product, MR×NR tile by tile
//
// The float type's package supplies what runs inside a block (Kernels):
// its packing routines and its macro-kernel, whose loop over the tiles calls
// the type's AVX2 assembly or portable micro-kernel directly; the driver
// calls them once per block, so the indirection costs nothing measurable.
//
// A product of at least Blocking.Par multiply-adds is split across up to
// GOMAXPROCS goroutines: C is cut along its larger dimension into chunks of
// whole tiles, the operand that is not cut is packed once, cooperatively,
// and shared (unless it would exceed Blocking.MaxShared elements: then C is
// cut statically into one block per goroutine, each packing what it needs),
// and the chunks are claimed dynamically. The cut never depends on which
// goroutine computes what, and every element of C is computed by one
// goroutine with the same blocks in the same order, so the result has the
// same bits whatever the number of goroutines.
//
// Reference: F. G. Van Zee and R. A. van de Geijn, "BLIS: A Framework for
// Rapidly Instantiating BLAS Functionality", ACM TOMS 41(3), 2015.
package gemm
