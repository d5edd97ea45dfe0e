package datasets_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/vigor-ml/vigor/datasets"
)

func ExampleParseCSV() {
	const data = "y, x1, x2\n1, 0.5, -1\n0, 1.5, 2\n1, 2.5, 3\n"
	t, err := datasets.ParseCSV(strings.NewReader(data), "data.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	X, cols, _ := t.Matrix([]string{"x1", "x2"})
	y, _ := t.Column("y")
	fmt.Println(len(t.Rows), "rows;", cols, "predictors")
	fmt.Println("X =", X)
	fmt.Println("y =", y, "binary:", t.CheckBinary("y") == nil)
	// Output:
	// 3 rows; 2 predictors
	// X = [0.5 -1 1.5 2 2.5 3]
	// y = [1 0 1] binary: true
}

func ExampleTableError() {
	_, err := datasets.ParseCSV(strings.NewReader("x1,x2,x3\n1,2,3\n4,abc,6\n"), "data.csv")
	fmt.Println(err)
	var te *datasets.TableError
	if errors.As(err, &te) && errors.Is(err, datasets.ErrNotNumber) {
		fmt.Printf("line %d, column %d (%s)\n", te.Line, te.Column, te.Field)
	}
	_, err = datasets.ParseCSV(strings.NewReader("a,b\n1,+Inf\n"), "inf.csv")
	fmt.Println(err, errors.Is(err, datasets.ErrNotFinite))
	// Output:
	// data.csv:3:2 (column "x2"): "abc" is not a number
	// line 3, column 2 (x2)
	// inf.csv:2:2 (column "b"): "+Inf" is not finite true
}

func ExampleLinearData() {
	rng := rand.New(rand.NewPCG(1, 2))
	X, y := datasets.LinearData(rng, 100, []float64{1, -2, 0.5}, 0.3, 0.5, 0.1)
	fmt.Println(len(X), len(y))
	// Output:
	// 300 100
}

func ExampleNewBatcher() {
	// A tiny stand-in for MNIST: 10 images of 2×2 pixels.
	set := &datasets.ImageSet{N: 10, Rows: 2, Cols: 2, Pixels: make([]uint8, 40), Labels: make([]uint8, 10)}
	b := datasets.NewBatcher(set, 4, datasets.DynamicBinary, rand.New(rand.NewPCG(1, 2)), false)
	dst := make([]float32, b.BatchSize()*b.Dim())
	for epoch := 0; epoch < 2; epoch++ {
		for {
			n, ok := b.Next(dst)
			if !ok {
				break
			}
			fmt.Print(n, " ")
		}
		fmt.Println("end of epoch", b.Epoch())
		b.NewEpoch()
	}
	// Output:
	// 4 4 2 end of epoch 0
	// 4 4 2 end of epoch 1
}
