package graph

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vigor-ml/vigor/internal/blas32"
	"github.com/vigor-ml/vigor/internal/blas64"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGorgoniaBLASUntouched checks that importing graph, building and running
// matrix products leaves Gorgonia's process-wide BLAS (and its tensor
// package's) at their own default, gonum's.
func TestGorgoniaBLASUntouched(t *testing.T) {
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		x := b.Param("x", []float64{1, 2, 3, 4}, 2, 2)
		b.Grad(b.Sum(b.MatMul(x, x)), x)
		m, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
	}
	if G.WhichBLAS() != (gonum.Implementation{}) || tensor.WhichBLAS() != (gonum.Implementation{}) {
		t.Errorf("Gorgonia's BLAS is %T and tensor's %T, want their default gonum.Implementation", G.WhichBLAS(), tensor.WhichBLAS())
	}
}

// denseLayer builds y = x·w with cost Σ y ⊙ c, whose gradients are exactly the
// products c·wᵀ and xᵀ·c (the incoming gradient of y is c itself), and
// returns y, dcost/dx and dcost/dw after one run.
func denseLayer(t *testing.T, b *Builder, xs, ws, cs []float64, m, k, n int) (y, dx, dw []float64) {
	t.Helper()
	x := b.Param("x", xs, m, k)
	w := b.Param("w", ws, k, n)
	yn := b.MatMul(x, w)
	gs := b.Grad(b.Sum(b.Mul(yn, b.Constant("c", cs, m, n))), x, w)
	mach, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if err := mach.Run(); err != nil {
		t.Fatal(err)
	}
	return Values(yn), Values(gs[0]), Values(gs[1])
}

func normals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// vigorGemm is Vigor's default kernels as one gonum-style BLAS: blas32's
// Sgemm and blas64's Dgemm.
type vigorGemm struct{ blas32.Implementation }

func (vigorGemm) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	blas64.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// TestMatMulAsGorgonia checks that a fresh Builder's matrix product and its
// gradients give the same bits as Gorgonia's own product gives with Vigor's
// default kernels installed as Gorgonia's BLAS (float32 through
// internal/blas32, float64 through internal/blas64): graph passes the same
// gemm arguments. Gorgonia's BLAS is set for the comparison and restored.
func TestMatMulAsGorgonia(t *testing.T) {
	old := G.WhichBLAS()
	G.Use(vigorGemm{})
	t.Cleanup(func() { G.Use(old) })
	rng := rand.New(rand.NewPCG(3, 4))
	const m, k, n = 37, 53, 29 // odd sizes: edges of the kernels' tiles
	xs, ws, cs := normals(rng, m*k), normals(rng, k*n), normals(rng, m*n)
	for _, dt := range []Dtype{Float64, Float32} {
		y, dx, dw := denseLayer(t, NewBuilder(dt), xs, ws, cs, m, k, n)

		g := G.NewGraph()
		tdt := dt.tensorDtype()
		bld := &Builder{dt: dt}
		x := G.NewMatrix(g, tdt, G.WithShape(m, k), G.WithName("x"), G.WithValue(bld.newValue(xs, m, k)))
		w := G.NewMatrix(g, tdt, G.WithShape(k, n), G.WithName("w"), G.WithValue(bld.newValue(ws, k, n)))
		c := G.NewMatrix(g, tdt, G.WithShape(m, n), G.WithName("c"), G.WithValue(bld.newValue(cs, m, n)))
		yg := G.Must(G.Mul(x, w))
		cost := G.Must(G.Sum(G.Must(G.HadamardProd(yg, c))))
		gs, err := G.Grad(cost, x, w)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		want := [][]float64{Values(&Node{n: yg}), Values(&Node{n: gs[0]}), Values(&Node{n: gs[1]})}
		vm.Close()
		for i, got := range [][]float64{y, dx, dw} {
			if !slices.Equal(got, want[i]) {
				t.Errorf("%v: %s differs from Gorgonia's product", dt, []string{"x·w", "∂x", "∂w"}[i])
			}
		}
	}
}

// countingBLAS counts the gemm calls that reach it, then forwards them to gonum.
type countingBLAS struct {
	gonum.Implementation
	s, d *int
}

func (c countingBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cc []float32, ldc int) {
	*c.s++
	c.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

func (c countingBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, cc []float64, ldc int) {
	*c.d++
	c.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

// TestBuilderBLAS checks the explicit choice of BLAS: the default kernels and
// GonumBLAS give exactly their own Sgemm's bits, a machine sends all its
// products (the forward one and both gradients) to its builder's BLAS, and
// UseBLAS changes only the Builders created afterwards.
func TestBuilderBLAS(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const m, k, n = 64, 300, 48
	xs, ws, cs := normals(rng, m*k), normals(rng, k*n), normals(rng, m*n)
	x32 := make([]float32, m*k)
	w32 := make([]float32, k*n)
	for i, v := range xs {
		x32[i] = float32(v)
	}
	for i, v := range ws {
		w32[i] = float32(v)
	}
	for _, c := range []struct {
		k     BLAS
		name  string
		sgemm func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	}{
		{BLAS{}, vigorBLASName(), blas32.Sgemm},
		{DefaultBLAS(), vigorBLASName(), blas32.Sgemm},
		{GonumBLAS(), "gonum", gonum.Implementation{}.Sgemm},
	} {
		b := NewBuilder(Float32)
		b.SetBLAS(c.k)
		if got := b.BLAS().String(); got != c.name || c.k.String() != c.name {
			t.Errorf("BLAS named %q (builder %q), want %q", c.k.String(), got, c.name)
		}
		y, _, _ := denseLayer(t, b, xs, ws, cs, m, k, n)
		want := make([]float32, m*n)
		c.sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, x32, k, w32, n, 0, want, n)
		for i := range want {
			if float32(y[i]) != want[i] {
				t.Errorf("%s: y[%d] = %g, want %g from its Sgemm", c.name, i, y[i], want[i])
				break
			}
		}
	}

	var s, d int
	counting := BLAS{&blasImpl{name: "counting", f32: countingBLAS{s: &s, d: &d}, f64: countingBLAS{s: &s, d: &d}}}
	for _, dt := range []Dtype{Float32, Float64} {
		s, d = 0, 0
		b := NewBuilder(dt)
		b.SetBLAS(counting)
		denseLayer(t, b, xs[:6], ws[:6], cs[:4], 2, 3, 2)
		if want := [2]int{3, 0}; dt == Float64 {
			want = [2]int{0, 3}
			if s != want[0] || d != want[1] {
				t.Errorf("%v: %d Sgemm and %d Dgemm calls, want %v", dt, s, d, want)
			}
		} else if s != want[0] || d != want[1] {
			t.Errorf("%v: %d Sgemm and %d Dgemm calls, want %v", dt, s, d, want)
		}
	}

	before := NewBuilder(Float64)
	UseBLAS(counting)
	after := NewBuilder(Float64)
	name := BLASName()
	UseBLAS(BLAS{})
	if name != "counting" || after.BLAS().String() != "counting" {
		t.Errorf("after UseBLAS: BLASName %q, new builder's BLAS %q, want counting", name, after.BLAS())
	}
	if before.BLAS().String() != vigorBLASName() || BLASName() != vigorBLASName() {
		t.Errorf("an older builder has %q and the restored default is %q, want %q", before.BLAS(), BLASName(), vigorBLASName())
	}
	ob, ok := OpenBLAS()
	if ok != (openBLASImpl != nil) || (!ok && ob != (BLAS{})) {
		t.Errorf("OpenBLAS() = %v, %v in a build with openBLASImpl %v", ob, ok, openBLASImpl)
	}
	if !ok {
		return // not the openblas build
	}
	// OpenBLAS agrees with the default kernels up to rounding.
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		b.SetBLAS(ob)
		got := make([][]float64, 3)
		got[0], got[1], got[2] = denseLayer(t, b, xs, ws, cs, m, k, n)
		want := make([][]float64, 3)
		want[0], want[1], want[2] = denseLayer(t, NewBuilder(dt), xs, ws, cs, m, k, n)
		tol := 1e-12
		if dt == Float32 {
			tol = 1e-4
		}
		for i := range want {
			for j := range want[i] {
				if math.Abs(got[i][j]-want[i][j]) > tol*(1+math.Abs(want[i][j])) {
					t.Fatalf("%v %s: output %d element %d = %g, default BLAS %g", dt, ob, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// TestMatMulShapes checks the matrix-vector forms of MatMul against plain
// loops, and the shapes it refuses.
func TestMatMulShapes(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6} // (2, 3)
	v3 := []float64{1, -1, 2}
	v2 := []float64{3, -2}
	b := NewBuilder(Float64)
	am := b.Constant("a", a, 2, 3)
	mv := b.MatMul(am, b.Constant("v3", v3, 3))
	vm := b.MatMul(b.Constant("v2", v2, 2), am)
	m, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := Values(mv), []float64{1*1 - 2 + 3*2, 4 - 5 + 6*2}; !slices.Equal(got, want) || mv.Dims() != 1 {
		t.Errorf("matrix·vector = %v %v, want %v", got, mv.Shape(), want)
	}
	if got, want := Values(vm), []float64{3*1 - 2*4, 3*2 - 2*5, 3*3 - 2*6}; !slices.Equal(got, want) || vm.Dims() != 1 {
		t.Errorf("vector·matrix = %v %v, want %v", got, vm.Shape(), want)
	}
	for _, c := range []struct {
		name string
		f    func(b *Builder) *Node
	}{
		{"vector·vector", func(b *Builder) *Node { return b.MatMul(b.Input("u", 3), b.Input("v", 3)) }},
		{"scalar", func(b *Builder) *Node { return b.MatMul(b.Scalar(2), b.Input("v", 3, 3)) }},
		{"inner", func(b *Builder) *Node { return b.MatMul(b.Input("u", 2, 3), b.Input("v", 2, 3)) }},
		{"inner vector", func(b *Builder) *Node { return b.MatMul(b.Input("u", 2, 3), b.Input("v", 2)) }},
		{"three axes", func(b *Builder) *Node { return b.MatMul(b.Input("u", 2, 3, 4), b.Input("v", 4, 2)) }},
	} {
		b := NewBuilder(Float64)
		if n := c.f(b); n != nil || b.Err() == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// TestMatMulTransGradients checks the four transpose forms of the product
// (the gradient products use the transposed ones) against plain loops, and
// their gradients against finite differences.
func TestMatMulTransGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const m, n, k = 3, 4, 2
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		ta, tb := tr[0], tr[1]
		sa, sb := []int{m, k}, []int{k, n}
		if ta {
			sa = []int{k, m}
		}
		if tb {
			sb = []int{n, k}
		}
		av, bv, cv := normals(rng, m*k), normals(rng, k*n), normals(rng, m*n)
		b := NewBuilder(Float64)
		pa := b.Param("a", av, sa...)
		pb := b.Param("b", bv, sb...)
		gn, err := G.ApplyOp(&matMulOp{transA: ta, transB: tb}, pa.n, pb.n)
		prod := b.keep("matmul", gn, err)
		// A cost that is not linear in the product, so that the check covers
		// the products' own gradients rather than only the incoming one.
		cost := b.Sum(b.Mul(b.Square(prod), b.Constant("c", cv, m, n)))
		gs := b.Grad(cost, pa, pb)
		mach, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if err := mach.Run(); err != nil {
			t.Fatal(err)
		}
		at := func(i, p int) float64 { // op(A)[i, p]
			if ta {
				return av[p*m+i]
			}
			return av[i*k+p]
		}
		bt := func(p, j int) float64 { // op(B)[p, j]
			if tb {
				return bv[j*k+p]
			}
			return bv[p*n+j]
		}
		got := Values(prod)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var want float64
				for p := 0; p < k; p++ {
					want += at(i, p) * bt(p, j)
				}
				if math.Abs(got[i*n+j]-want) > 1e-12 {
					t.Errorf("trans %v: C[%d,%d] = %g, want %g", tr, i, j, got[i*n+j], want)
				}
			}
		}
		checkFiniteDiff(t, mach, cost, []*Node{pa, pb}, [][]float64{Values(gs[0]), Values(gs[1])}, 1e-6, "matmul")
	}
}
