package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"gonum.org/v1/gonum/blas"

	"github.com/vigor-ml/vigor/internal/gemm/gemmtest"
)

// portable returns plain-Go Kernels with an MR×nr tile, written for
// clarity: they test the driver (blocking, parallel split, edge blocks)
// apart from the assembly of internal/blas32 and internal/blas64. With
// direct, products with n ≤ 2·nr read op(A) in place.
func portable[T Float](nr int, direct bool) *Kernels[T] {
	k := &Kernels[T]{
		NR: nr,
		PackA: func(dst, a []T, lda int, trans bool, i0, mc, p0, kc int) {
			for q := 0; q*MR < mc; q++ {
				for p := 0; p < kc; p++ {
					for i := 0; i < MR; i++ {
						var v T
						if r := q*MR + i; r < mc {
							v = opAt(a, lda, trans, i0+r, p0+p)
						}
						dst[q*MR*kc+p*MR+i] = v
					}
				}
			}
		},
		PackB: func(dst, b []T, ldb int, trans bool, p0, kc, j0, nc int) {
			for q := 0; q*nr < nc; q++ {
				for p := 0; p < kc; p++ {
					for j := 0; j < nr; j++ {
						var v T
						if col := q*nr + j; col < nc {
							v = opAt(b, ldb, trans, p0+p, j0+col)
						}
						dst[q*nr*kc+p*nr+j] = v
					}
				}
			}
		},
		MacroKernel: func(c []T, ldc int, ap, bp []T, mc, nc, kc int, alpha, beta T, _ *Workspace[T]) {
			for i := 0; i < mc; i++ {
				for j := 0; j < nc; j++ {
					var acc T
					for p := 0; p < kc; p++ {
						acc += ap[i/MR*MR*kc+p*MR+i%MR] * bp[j/nr*nr*kc+p*nr+j%nr]
					}
					store(c, i*ldc+j, acc, alpha, beta)
				}
			}
		},
	}
	if direct {
		k.DirectMaxN = 2 * nr
		k.Direct = func(c []T, ldc int, a []T, lda int, trans bool, bp []T, mc, nc, kc int, alpha, beta T, _ *Workspace[T]) {
			for i := 0; i < mc; i++ {
				for j := 0; j < nc; j++ {
					var acc T
					for p := 0; p < kc; p++ {
						acc += opAt(a, lda, trans, i, p) * bp[j/nr*nr*kc+p*nr+j%nr]
					}
					store(c, i*ldc+j, acc, alpha, beta)
				}
			}
		}
	}
	return k
}

func opAt[T Float](x []T, ld int, trans bool, i, j int) T {
	if trans {
		return x[j*ld+i]
	}
	return x[i*ld+j]
}

func store[T Float](c []T, off int, acc, alpha, beta T) {
	if beta == 0 {
		c[off] = alpha * acc
	} else {
		c[off] = alpha*acc + beta*c[off]
	}
}

// driverModes are blockings and goroutine counts that reach every path of
// the driver on small problems: one and several cache blocks, serial,
// shared and static parallel splits.
var driverModes = []struct {
	name  string
	blk   Blocking
	procs int
}{
	{"serial", Blocking{KC: 256, MC: 120, NC: 1536, Par: 1 << 62, MaxShared: 1 << 20}, 1},
	{"serial-smallblocks", Blocking{KC: 5, MC: 12, NC: 32, Par: 1 << 62, MaxShared: 1 << 20}, 1},
	{"shared-3", Blocking{KC: 5, MC: 12, NC: 32, Par: 0, MaxShared: 1 << 20}, 3},
	{"static-2", Blocking{KC: 7, MC: 18, NC: 64, Par: 0, MaxShared: 0}, 2},
}

func testDriver[T Float](t *testing.T, nr int) {
	for _, direct := range []bool{false, true} {
		kern := portable[T](nr, direct)
		for _, md := range driverModes {
			t.Run(fmt.Sprintf("%s/direct=%v", md.name, direct), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(md.procs))
				f := func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
					Gemm(kern, &md.blk, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				}
				gemmtest.Sweep(t, f, uint64(nr), []int{1, 7, 17, 40}, 4)
			})
		}
	}
}

// TestGemm checks the driver for both float types and both tile widths
// against the float64 reference.
func TestGemm(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testDriver[float32](t, 16) })
	t.Run("float64", func(t *testing.T) { testDriver[float64](t, 8) })
}

// TestSameBits checks that the result does not depend on the parallel
// split: shared and static splits on 2 and 5 goroutines give the serial
// bits, for both float types.
func TestSameBits(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testSameBits[float32](t, 16) })
	t.Run("float64", func(t *testing.T) { testSameBits[float64](t, 8) })
}

func testSameBits[T Float](t *testing.T, nr int) {
	kern := portable[T](nr, false)
	rnd := rand.New(rand.NewPCG(3, 4))
	serial := Blocking{KC: 16, MC: 12, NC: 64, Par: 1 << 62, MaxShared: 1 << 20}
	for _, s := range [][3]int{{7, 9, 13}, {61, 33, 40}, {13, 100, 37}, {100, 8, 20}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				a := gemmtest.NewOperand[T](rnd, m, k, tA != blas.NoTrans, 1)
				b := gemmtest.NewOperand[T](rnd, k, n, tB != blas.NoTrans, 0)
				c0 := gemmtest.NewOperand[T](rnd, m, n, false, 2)
				want := append([]T(nil), c0.Data...)
				Gemm(kern, &serial, tA, tB, m, n, k, 0.7, a.Data, a.LD, b.Data, b.LD, -1.5, want, c0.LD)
				for _, procs := range []int{2, 5} {
					for _, shared := range []int{1 << 20, 0} {
						func() {
							defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
							blk := serial
							blk.Par, blk.MaxShared = 0, shared
							c := append([]T(nil), c0.Data...)
							Gemm(kern, &blk, tA, tB, m, n, k, 0.7, a.Data, a.LD, b.Data, b.LD, -1.5, c, c0.LD)
							for i := range c {
								if gemmtest.Bits(c[i]) != gemmtest.Bits(want[i]) {
									t.Fatalf("m=%d n=%d k=%d tA=%c tB=%c procs=%d maxShared=%d: C[%d] = %v, serial %v",
										m, n, k, tA, tB, procs, shared, i, c[i], want[i])
								}
							}
						}()
					}
				}
			}
		}
	}
}

// TestAlignedSlice checks the length and the 64-byte alignment.
func TestAlignedSlice(t *testing.T) {
	for _, n := range []int{1, 5, 16, 1000} {
		s32, s64 := AlignedSlice[float32](n), AlignedSlice[float64](n)
		if len(s32) != n || cap(s32) != n || len(s64) != n || cap(s64) != n {
			t.Fatalf("n=%d: lengths %d/%d and %d/%d", n, len(s32), cap(s32), len(s64), cap(s64))
		}
		if a, b := addr(&s32[0])%64, addr(&s64[0])%64; a != 0 || b != 0 {
			t.Fatalf("n=%d: misaligned by %d and %d bytes", n, a, b)
		}
	}
}

func addr[T Float](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }
