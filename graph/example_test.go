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

// A log-density broadcasts over the (draws, rows) layout: two draws of a
// location latent, shape (S, 1), against four data rows, shape (1, B), give
// one log-density per draw and row, (S, B); summing over the rows gives one
// log-likelihood per draw, (S).
func ExampleBuilder_CauchyLogProb() {
	b := graph.NewBuilder(graph.Float64)
	loc := b.Constant("loc", []float64{0, 2}, 2, 1)  // S = 2 draws of a latent location
	y := b.Constant("y", []float64{-1, 0, 1, 30}, 4) // B = 4 data rows, one outlier
	perRow := b.CauchyLogProb(b.PerRow(y), loc, b.Scalar(1))
	perDraw := b.Sum(perRow, 1)
	m, err := b.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	if err := m.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("per row", perRow.Shape(), fmt.Sprintf("%.3f", graph.Values(perRow)))
	fmt.Println("per draw", perDraw.Shape(), fmt.Sprintf("%.3f", graph.Values(perDraw)))
	// Output:
	// per row (2, 4) [-1.838 -1.145 -1.838 -7.948 -3.447 -2.754 -1.838 -7.810]
	// per draw (2) [-12.769 -15.850]
}

// Varying intercepts: Gather picks each row's group intercept from the
// draws of a latent with one entry per group, and its gradient adds each
// row's gradient back onto that row's group.
func ExampleBuilder_Gather() {
	b := graph.NewBuilder(graph.Float64)
	// S = 2 draws of G = 3 group intercepts.
	alpha := b.Param("alpha", []float64{10, 20, 30, 11, 21, 31}, 2, 3)
	group := b.IndexInput("school", 5, 3) // B = 5 rows, groups 0..2
	if err := group.Set([]int{2, 0, 0, 1, 2}); err != nil {
		fmt.Println(err)
		return
	}
	mu := b.Gather(alpha, group) // (S, B)
	grad := b.Grad(b.Sum(mu), alpha)
	m, err := b.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	if err := m.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("mu", mu.Shape(), graph.Values(mu))
	fmt.Println("rows per group", graph.Values(grad[0]))
	// Output:
	// mu (2, 5) [30 10 10 20 30 31 11 11 21 31]
	// rows per group [2 1 2 2 1 2]
}
