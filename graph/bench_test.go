package graph

import (
	"math/rand/v2"
	"testing"
)

// benchMatMul times one run of a dense layer's forward and backward pass with
// the VAE's largest shapes: x (128, 784) · W (784, 400), the loss Σ(xW)², and
// its gradients with respect to x and W (three matrix products in all).
func benchMatMul(b *testing.B, dt Dtype) {
	rng := rand.New(rand.NewPCG(1, 1))
	vals := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	g := NewBuilder(dt)
	x := g.Param("x", vals(128*784), 128, 784)
	w := g.Param("w", vals(784*400), 784, 400)
	loss := g.Sum(g.Square(g.MatMul(x, w)))
	g.Grad(loss, x, w)
	m, err := g.Compile()
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(); err != nil { // first-run allocations
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatMulGrad32 is benchMatMul in float32.
func BenchmarkMatMulGrad32(b *testing.B) { benchMatMul(b, Float32) }

// BenchmarkMatMulGrad64 is benchMatMul in float64.
func BenchmarkMatMulGrad64(b *testing.B) { benchMatMul(b, Float64) }
