package plot_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"

	"github.com/vigor-ml/vigor/internal/plot"
)

func ExampleLineChart() {
	epochs := []float64{1, 2, 3, 4, 5}
	chart := plot.LineChart{
		Title:  "VAE loss",
		XLabel: "epoch",
		YLabel: "negative ELBO",
		Series: []plot.Series{
			{Name: "train", X: epochs, Y: []float64{160, 130, 118, 112, 109}},
			{Name: "test", X: epochs, Y: []float64{150, 128, 120, 116, 114}, Dashed: true},
		},
	}
	data, err := chart.PNG() // or chart.Save("loss.png")
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds())
	// Output: (0,0)-(640,420)
}

func ExampleGrid() {
	// Two 2×2 "digits" in a 1×2 grid, magnified 3 times.
	digits := [][]float64{
		{1, 0, 0, 1},
		{0, 1, 1, 0},
	}
	img, err := plot.Grid(digits, 1, 2, 2, 2, 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds(), img.GrayAt(1, 1).Y, img.GrayAt(4, 1).Y, img.GrayAt(0, 0).Y)
	// Output: (0,0)-(15,8) 255 0 128
}
