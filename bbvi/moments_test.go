package bbvi

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
)

// weightsOf returns the PSIS-smoothed normalized weights and ESS of draws
// from q against p.
func weightsOf(t *testing.T, draws [][]float64, q, p *distmv.Normal) ([]float64, float64) {
	t.Helper()
	lw := make([]float64, len(draws))
	for s, x := range draws {
		lw[s] = p.LogProb(x) - q.LogProb(x)
	}
	res, err := PSIS(lw)
	if err != nil {
		t.Fatal(err)
	}
	return res.Weights(nil), res.ESS
}

func normalDraws(q *distmv.Normal, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = q.Rand(nil)
	}
	return out
}

func mvn(t *testing.T, mu []float64, cov []float64, seed uint64) *distmv.Normal {
	t.Helper()
	d := len(mu)
	n, ok := distmv.NewNormal(mu, mat.NewSymDense(d, cov), rand.New(rand.NewPCG(seed, 1)))
	if !ok {
		t.Fatal("covariance not positive definite")
	}
	return n
}

// The moment check sees a q that is off the posterior's mean, or too wide or
// narrow, and stays quiet when q is the posterior.
func TestMomentReasons(t *testing.T) {
	const n = 4000
	names := []string{"a", "b"}
	q := mvn(t, []float64{0, 0}, []float64{1, 0, 0, 1}, 1)
	draws := normalDraws(q, n)
	cases := []struct {
		name string
		p    *distmv.Normal
		want string // a substring of the reasons; "" for none
	}{
		{"exact", mvn(t, []float64{0, 0}, []float64{1, 0, 0, 1}, 2), ""},
		{"small shift", mvn(t, []float64{0.05, 0}, []float64{1, 0, 0, 1}, 2), ""},
		{"shifted", mvn(t, []float64{0, 0.5}, []float64{1, 0, 0, 1}, 2), "mean of b by 0."},
		{"too wide", mvn(t, []float64{0, 0}, []float64{0.5, 0, 0, 1}, 2), "sd of a is 1.4"},
	}
	for _, c := range cases {
		w, ess := weightsOf(t, draws, q, c.p)
		got := strings.Join(momentReasons(draws, draws, w, ess, false, names), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: reasons %q, want %q", c.name, got, c.want)
		}
	}
}

// For a diagonal q the sds are judged against the best diagonal Gaussian's,
// 1/√(Σ⁻¹)_jj, not the marginals: the optimal mean-field q of a correlated
// Gaussian passes, a q with the marginal sds (too wide for mean-field) does
// not, and the dense check would flag the optimal one.
func TestMomentReasonsDiagonal(t *testing.T) {
	const n = 4000
	rho := 0.8
	p := mvn(t, []float64{0, 0}, []float64{1, rho, rho, 1}, 2)
	best := math.Sqrt(1 - rho*rho) // 1/√(Σ⁻¹)_jj
	opt := mvn(t, []float64{0, 0}, []float64{best * best, 0, 0, best * best}, 3)
	draws := normalDraws(opt, n)
	w, ess := weightsOf(t, draws, opt, p)
	if r := momentReasons(draws, draws, w, ess, true, nil); len(r) != 0 {
		t.Errorf("optimal mean-field q flagged: %q", r)
	}
	if r := momentReasons(draws, draws, w, ess, false, nil); len(r) == 0 {
		t.Error("the dense check accepts mean-field sds 0.6 of the marginals")
	}
	wide := mvn(t, []float64{0, 0}, []float64{1, 0, 0, 1}, 4)
	draws = normalDraws(wide, n)
	w, ess = weightsOf(t, draws, wide, p)
	r := momentReasons(draws, draws, w, ess, true, nil)
	if len(r) != 1 || !strings.Contains(r[0], "times the best mean-field sd") {
		t.Errorf("mean-field q with the marginal sds: reasons %q", r)
	}
}
