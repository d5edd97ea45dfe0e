package blas32

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgonia.Use must accept Implementation.
var _ G.BLAS = Implementation{}

// countingImpl counts the Sgemm calls that reach Implementation.
type countingImpl struct {
	Implementation
	calls *int
}

func (c countingImpl) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cc []float32, ldc int) {
	*c.calls++
	c.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

// TestGorgonia runs a float32 MatMul and its gradients through gorgonia with
// Implementation and with gonum's, and compares values and gradients.
func TestGorgonia(t *testing.T) {
	defer G.Use(gonum.Implementation{})
	rnd := rand.New(rand.NewPCG(8, 8))
	const m, k, n = 37, 53, 29
	xs := make([]float32, m*k)
	ws := make([]float32, k*n)
	for i := range xs {
		xs[i] = float32(rnd.Float64()*2 - 1)
	}
	for i := range ws {
		ws[i] = float32(rnd.Float64()*2 - 1)
	}
	run := func() (out, dx, dw []float32) {
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float32, G.WithShape(m, k), G.WithName("x"),
			G.WithValue(tensor.New(tensor.WithShape(m, k), tensor.WithBacking(append([]float32(nil), xs...)))))
		w := G.NewMatrix(g, tensor.Float32, G.WithShape(k, n), G.WithName("w"),
			G.WithValue(tensor.New(tensor.WithShape(k, n), tensor.WithBacking(append([]float32(nil), ws...)))))
		y := G.Must(G.Mul(x, w))
		cost := G.Must(G.Sum(G.Must(G.Square(y))))
		if _, err := G.Grad(cost, x, w); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		gx, _ := x.Grad()
		gw, _ := w.Grad()
		cp := func(v G.Value) []float32 { return append([]float32(nil), v.Data().([]float32)...) }
		return cp(y.Value()), cp(gx), cp(gw)
	}
	G.Use(gonum.Implementation{})
	wantY, wantDX, wantDW := run()
	var calls int
	G.Use(countingImpl{calls: &calls})
	gotY, gotDX, gotDW := run()
	if calls < 3 {
		t.Errorf("gorgonia made %d Sgemm calls through Implementation, want ≥ 3 (y, dx, dw)", calls)
	}
	cmp := func(name string, got, want []float32) {
		if len(got) != len(want) {
			t.Fatalf("%s: len %d, want %d", name, len(got), len(want))
		}
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s[%d] = %v, gonum %v", name, i, got[i], want[i])
			}
		}
	}
	cmp("y", gotY, wantY)
	cmp("dx", gotDX, wantDX)
	cmp("dw", gotDW, wantDW)
}

// BenchmarkGorgoniaAutoencoder times a forward and backward pass of a
// 784-400-20-400-784 tanh autoencoder on a batch of 128 (the matrix
// products of the VAE) in gorgonia, with gonum's BLAS and with this
// package's.
func BenchmarkGorgoniaAutoencoder(b *testing.B) {
	defer G.Use(gonum.Implementation{})
	for _, impl := range []struct {
		name string
		blas G.BLAS
	}{{"gonum", gonum.Implementation{}}, {"blas32", Implementation{}}} {
		b.Run(impl.name, func(b *testing.B) {
			G.Use(impl.blas)
			rnd := rand.New(rand.NewPCG(9, 9))
			g := G.NewGraph()
			mat := func(name string, r, c int, scale float64) *G.Node {
				d := make([]float32, r*c)
				for i := range d {
					d[i] = float32(scale * (rnd.Float64()*2 - 1))
				}
				return G.NewMatrix(g, tensor.Float32, G.WithShape(r, c), G.WithName(name),
					G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(d))))
			}
			x := mat("x", 128, 784, 1)
			w1 := mat("w1", 784, 400, 0.05)
			w2 := mat("w2", 400, 20, 0.05)
			w3 := mat("w3", 20, 400, 0.2)
			w4 := mat("w4", 400, 784, 0.05)
			h1 := G.Must(G.Tanh(G.Must(G.Mul(x, w1))))
			z := G.Must(G.Mul(h1, w2))
			h2 := G.Must(G.Tanh(G.Must(G.Mul(z, w3))))
			y := G.Must(G.Mul(h2, w4))
			loss := G.Must(G.Mean(G.Must(G.Square(G.Must(G.Sub(y, x))))))
			if _, err := G.Grad(loss, w1, w2, w3, w4); err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
		})
	}
}
