package models_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"gonum.org/v1/gonum/stat/distuv"
)

// A Poisson regression with varying intercepts by school: each school's
// deviation τ·η_g is a derived quantity, and bbvi.Predict draws counts for
// new rows from the posterior predictive distribution.
func ExamplePoissonRegression_groups() {
	rng := rand.New(rand.NewPCG(5, 6))
	schools := []string{"Abbey", "Beech", "Cedar", "Dale", "Elm", "Fir"}
	dev := []float64{0.6, -0.5, 0, 0.3, -0.2, 0.1} // the true deviations
	const n = 240
	X, y := make([]float64, n), make([]float64, n)
	group := make([]int, n)
	for i := range y {
		X[i], group[i] = rng.NormFloat64(), i%len(schools)
		y[i] = distuv.Poisson{Lambda: math.Exp(1 + 0.4*X[i] + dev[group[i]]), Src: rng}.Rand()
	}
	model := &models.PoissonRegression{Features: []string{"x"}, Intercept: true, PriorScale: 2,
		Group: &models.Groups{Name: "school", Levels: schools}}
	data, err := model.DataRows(models.Rows{X: X, Y: y, Group: group})
	if err != nil {
		fmt.Println(err)
		return
	}
	post, err := bbvi.Fit(model, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		fmt.Println(err)
		return
	}
	d := post.Derived
	mean, lo, hi := d.Mean(), d.Quantile(0.05), d.Quantile(0.95)
	for j, name := range d.Names {
		fmt.Printf("%-14s %5.2f  [%5.2f, %5.2f]\n", name, mean[j], lo[j], hi[j])
	}
	// Two new rows of school Abbey, x = 0 and x = 1: their mean count, by simulation.
	rows, err := model.DataRows(models.Rows{X: []float64{0, 1}, Group: []int{0, 0}})
	if err != nil {
		fmt.Println(err)
		return
	}
	const draws = 4000
	pred, err := bbvi.Predict(model, post, rows, draws, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	var m0, m1 float64
	for s := 0; s < draws; s++ {
		m0 += pred[2*s] / draws
		m1 += pred[2*s+1] / draws
	}
	fmt.Printf("predicted mean counts: %.1f at x = 0, %.1f at x = 1\n", m0, m1)
	// Output:
	// school[Abbey]   0.49  [ 0.26,  0.74]
	// school[Beech]  -0.65  [-0.95, -0.35]
	// school[Cedar]  -0.00  [-0.25,  0.25]
	// school[Dale]    0.22  [-0.02,  0.47]
	// school[Elm]    -0.22  [-0.48,  0.04]
	// school[Fir]     0.13  [-0.12,  0.38]
	// predicted mean counts: 4.5 at x = 0, 6.6 at x = 1
}
