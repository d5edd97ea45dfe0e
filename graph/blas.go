package graph

import (
	"sync/atomic"

	"github.com/vigor-ml/vigor/internal/blas32"
	"github.com/vigor-ml/vigor/internal/blas64"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS is a choice of kernels for a graph's matrix products: MatMul and the
// products in its gradient, in float32 and in float64. A Machine uses the BLAS
// of the Builder it was compiled from (see Builder.SetBLAS); new Builders take
// the process default, set by UseBLAS. The zero BLAS means DefaultBLAS().
//
// Importing graph changes nothing outside it: Gorgonia's own process-wide BLAS
// (and that of its tensor package) is neither read nor set by graph.
type BLAS struct {
	impl *blasImpl // nil means vigorBLAS
}

// blasImpl holds the gemm kernels of a BLAS.
type blasImpl struct {
	name string
	f32  blas.Float32Level3
	f64  blas.Float64Level3
}

var (
	// vigorBLAS is the default: Vigor's own float32 and float64 kernels.
	vigorBLAS = &blasImpl{name: vigorBLASName(), f32: blas32.Implementation{}, f64: blas64.Implementation{}}
	gonumBLAS = &blasImpl{name: "gonum", f32: gonum.Implementation{}, f64: gonum.Implementation{}}
	// processDefault is the BLAS of new Builders; nil means vigorBLAS.
	processDefault atomic.Pointer[blasImpl]
)

func vigorBLASName() string {
	if blas32.HasAVX2() {
		return "vigor-blas (avx2)"
	}
	return "vigor-blas (portable)"
}

func (k BLAS) get() *blasImpl {
	if k.impl == nil {
		return vigorBLAS
	}
	return k.impl
}

// String names the BLAS: "vigor-blas (avx2)" or "vigor-blas (portable)"
// for DefaultBLAS, "gonum" for GonumBLAS, "openblas + vigor-blas sgemm" or
// "openblas" for OpenBLAS.
func (k BLAS) String() string { return k.get().name }

// DefaultBLAS returns Vigor's default BLAS, its own kernels: float32 products
// with internal/blas32 (Go with AVX2/FMA assembly on amd64 CPUs that have
// them, "vigor-blas (avx2)"; gonum's Sgemm on other amd64 CPUs and portable
// Go elsewhere, "vigor-blas (portable)"), float64 products with
// internal/blas64 (the same design with a 6×8 float64 micro-kernel; its
// products are accumulated with fused multiply-adds in a fixed order, so they
// are the same bits on every CPU, with or without the assembly, and with any
// number of cores). It is the process default until UseBLAS changes it.
func DefaultBLAS() BLAS { return BLAS{vigorBLAS} }

// GonumBLAS returns gonum's pure Go BLAS for both float types. Its float32
// products are slower than DefaultBLAS's on AVX2 CPUs, but the same on every
// amd64 CPU, bit for bit.
func GonumBLAS() BLAS { return BLAS{gonumBLAS} }

// OpenBLAS returns the BLAS backed by OpenBLAS through cgo, and true, when the
// program was built with the openblas build tag and cgo:
//
//	apt-get install -y libopenblas-dev
//	CGO_LDFLAGS=-lopenblas go build -tags openblas ./...
//
// Its float32 products stay on Vigor's kernel on AVX2 CPUs (about 1.5× faster
// than Debian's OpenBLAS 0.3.21 through cgo on the VAE's shapes; see
// BENCHMARKS.md). In any other build it returns the zero BLAS and false. It
// only returns the choice; UseBLAS or Builder.SetBLAS makes it.
func OpenBLAS() (BLAS, bool) {
	if openBLASImpl == nil {
		return BLAS{}, false
	}
	return BLAS{openBLASImpl}, true
}

// UseBLAS makes k the BLAS of the Builders created afterwards (Builders that
// exist keep theirs). It is graph's one process-wide setting, meant for a
// program's main function, such as a command that was built for OpenBLAS:
//
//	if k, ok := graph.OpenBLAS(); ok {
//		graph.UseBLAS(k)
//	}
//
// Library code should choose per Builder with SetBLAS instead. UseBLAS is safe
// for concurrent use; the zero BLAS restores the default.
func UseBLAS(k BLAS) { processDefault.Store(k.impl) }

// processBLAS returns the BLAS of new Builders.
func processBLAS() *blasImpl {
	if p := processDefault.Load(); p != nil {
		return p
	}
	return vigorBLAS
}

// BLASName returns the name of the BLAS that new Builders use (see UseBLAS and
// BLAS.String); "vigor-blas (avx2)" on an AVX2 machine unless UseBLAS was
// called.
func BLASName() string { return processBLAS().name }

// SetBLAS makes k the BLAS of the machines compiled from b afterwards (the
// zero BLAS means DefaultBLAS). Different BLAS give the same products up to
// the rounding of their sums.
func (b *Builder) SetBLAS(k BLAS) { b.blas = k.get() }

// BLAS returns the BLAS of the machines that Compile returns: the process
// default when b was created (see UseBLAS), unless SetBLAS changed it.
func (b *Builder) BLAS() BLAS { return BLAS{b.blas} }
