package bbvi_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
)

// TestQMCFit: a fit with Settings.QMC is reproducible bit for bit from its
// seed, differs from the i.i.d. fit (the noise really changed), and reaches
// the same posterior within the fits' own Monte Carlo error, for every family
// with normal noise.
func TestQMCFit(t *testing.T) {
	m, data := normalMean(50, 3, true)
	for _, fam := range []string{"meanfield", "fullrank"} {
		family, err := bbvi.FamilyByName(fam)
		if err != nil {
			t.Fatal(err)
		}
		fit := func(q bool) *bbvi.Posterior {
			p, err := bbvi.Fit(m, data, &bbvi.Settings{Family: family, QMC: q, MaxSteps: 3000, Draws: 8, DiagnosticDraws: -1},
				rand.New(rand.NewPCG(4, 4)))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		a, b, mc := fit(true), fit(true), fit(false)
		ma, mb, mm := a.Mean()[0], b.Mean()[0], mc.Mean()[0]
		if ma != mb {
			t.Errorf("%s: same seed, different QMC fits: %v vs %v", fam, ma, mb)
		}
		if ma == mm {
			t.Errorf("%s: the QMC fit equals the i.i.d. one: the option did nothing", fam)
		}
		// The posterior sd of mu is about 0.7/√50 ≈ 0.1; the two fits'
		// optimizer noise is a small fraction of it.
		if math.Abs(ma-mm) > 0.03 {
			t.Errorf("%s: posterior mean of mu %.4f with QMC, %.4f without", fam, ma, mm)
		}
	}
}
