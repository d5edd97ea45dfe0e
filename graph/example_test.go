package graph_test

import (
	"fmt"

	"github.com/vigor-ml/vigor/graph"
)

// Build a graph once, then run it with new input values and read a gradient.
func ExampleBuilder() {
	b := graph.NewBuilder(graph.Float64)
	x := b.Input("x", 3)               // data, filled before each run
	w := b.Param("w", []float64{1}, 1) // a learnable weight
	// loss = Σ softplus(w·x): broadcasting multiplies the (1) weight into the (3) data.
	loss := b.Sum(b.Softplus(b.Mul(x, w)))
	grads := b.Grad(loss, w)
	m, err := b.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	for _, xs := range [][]float64{{0, 0, 0}, {1e4, -1e4, 0}} {
		if err := graph.Set(x, xs); err != nil {
			fmt.Println(err)
			return
		}
		if err := m.Run(); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("loss %.4f  dloss/dw %.4f\n", graph.Scalar64(loss), graph.Values(grads[0])[0])
	}
	// Output:
	// loss 2.0794  dloss/dw 0.0000
	// loss 10000.6931  dloss/dw 10000.0000
}
