package blas32_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"

	"github.com/vigor-ml/vigor/internal/blas32"
)

func ExampleSgemm() {
	// C = A·Bᵀ for A 2×3 and B 2×3, both row-major.
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0, 1,
		0, 1, 0,
	}
	c := make([]float32, 2*2)
	blas32.Sgemm(blas.NoTrans, blas.Trans, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

func ExampleImplementation() {
	// Implementation satisfies gorgonia's BLAS interface; typical use is
	//
	//	gorgonia.Use(blas32.Implementation{})
	var impl blas.Float32 = blas32.Implementation{}
	x := []float32{1, 2}
	fmt.Println(impl.Sdot(2, x, 1, x, 1))
	// Output: 5
}
