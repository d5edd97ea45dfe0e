package bbvi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/internal/refprob"
)

func linearModel(ref *refprob.Linear) (*LinearRegression, Data) {
	feats := make([]string, ref.D)
	for j := range feats {
		feats[j] = string(rune('a' + j))
	}
	m := &LinearRegression{Features: feats, Intercept: true, PriorScale: ref.PriorScale, NoiseSD: ref.NoiseSD}
	d, err := m.Data(ref.X, ref.Y)
	if err != nil {
		panic(err)
	}
	return m, d
}

// relFrob returns ||a-b||_F / ||b||_F.
func relFrob(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

func TestConjugateLinear(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		ref := refprob.NewLinear(seed, 150, 4)
		m, data := linearModel(ref)
		k := ref.D + 1
		for _, fam := range []Family{FullRank{}, MeanField{}} {
			post, err := Fit(m, data, &Settings{Family: fam}, rand.New(rand.NewPCG(seed, 7)))
			if err != nil {
				t.Fatal(err)
			}
			mean, cov := post.Mean(), post.Cov()
			var worst float64
			for j := 0; j < k; j++ {
				worst = math.Max(worst, math.Abs(mean[j]-ref.Mean[j])/math.Sqrt(ref.Cov[j*k+j]))
			}
			t.Logf("seed %d %s: steps %d conv %v, worst mean err %.3f sd", seed, fam.Name(), post.Steps, post.Converged, worst)
			if worst > 0.1 {
				t.Errorf("%s: mean off by %.3f posterior sd", fam.Name(), worst)
			}
			if fam.Name() == "fullrank" {
				rf := relFrob(cov, ref.Cov)
				t.Logf("  cov rel frob %.3f", rf)
				if rf > 0.1 {
					t.Errorf("fullrank cov rel frobenius error %.3f", rf)
				}
			} else {
				mf := ref.MeanFieldVar()
				var w float64
				for j := 0; j < k; j++ {
					w = math.Max(w, math.Abs(cov[j*k+j]/mf[j]-1))
				}
				t.Logf("  mf var worst rel err %.3f", w)
				if w > 0.1 {
					t.Errorf("meanfield variance rel error %.3f", w)
				}
			}
		}
	}
}
