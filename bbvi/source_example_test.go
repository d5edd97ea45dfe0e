package bbvi_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// A fit whose data are read from a binary column cache of a CSV file, as
// for data larger than memory: the cache is built once, then the fit reads
// minibatches from it in blocks (here the file is small, so it is read
// whole; with more rows than a window of about 32 MiB, the fit holds only
// the window).
func ExampleFitSource() {
	dir, _ := os.MkdirTemp("", "vigor-example")
	defer os.RemoveAll(dir)
	csv := filepath.Join(dir, "data.csv")
	X, y := datasets.LinearData(rand.New(rand.NewPCG(1, 2)), 2000, []float64{2, -1}, 0.5, 0, 1)
	rows := make([][]float64, len(y))
	for i := range rows {
		rows[i] = []float64{X[2*i], X[2*i+1], y[i]}
	}
	if err := datasets.SaveCSV(csv, []string{"x1", "x2", "y"}, rows); err != nil {
		fmt.Println(err)
		return
	}

	cache := datasets.CachePath(csv, "") // data.csv.vcache
	if _, err := datasets.BuildCache(csv, cache, datasets.CSVLimits{}); err != nil {
		fmt.Println(err)
		return
	}
	c, err := datasets.OpenCache(cache, csv) // refuses a stale or damaged cache
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	src, err := bbvi.NewColumnSource(c,
		bbvi.ColumnArray{Name: "X", Cols: 2, Columns: []int{0, 1}},
		bbvi.ColumnArray{Name: "y", Columns: []int{2}})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := &models.LinearRegression{Features: []string{"x1", "x2"}, Intercept: true, NoiseSD: 1}
	post, err := bbvi.FitSource(m, src, &bbvi.Settings{BatchSize: 200}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Rows(), "rows:", post.Status)
	for i, name := range post.Names {
		fmt.Printf("%s %.1f\n", name, post.Mean()[i])
	}
	// Output:
	// 2000 rows: converged
	// intercept 0.5
	// x1 2.0
	// x2 -1.0
}
