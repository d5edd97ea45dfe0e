package study_test

import (
	"fmt"

	"github.com/vigor-ml/vigor/bbvi/study"
)

// The pathwise estimator and sticking the landing on the one-point logistic
// toy, 8 draws per estimate: both are unbiased for the exact gradient (known
// by quadrature), and STL, which drops the score term of log q, has the
// lower variance here. The importance-weighted estimators are refused.
func ExampleRunVarianceStudy() {
	rows, err := study.RunVarianceStudy(&study.VarianceStudy{Problems: []string{"toy"}, Estimators: []string{"pathwise", "stl"},
		Draws: []int{8}, Reps: 2000, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rows {
		if r.Param == "total" {
			fmt.Printf("%-8s S=%d  total variance %.2f  |error| < 3 SE: %v\n", r.Estimator, r.Draws, r.Variance, r.Error < 3*r.SE)
		}
	}
	fmt.Println(study.CheckEstimator("dreg") != nil)
	// Output:
	// pathwise S=8  total variance 1.14  |error| < 3 SE: true
	// stl      S=8  total variance 0.42  |error| < 3 SE: true
	// true
}
