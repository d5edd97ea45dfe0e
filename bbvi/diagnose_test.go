package bbvi_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// funnel is Neal's funnel in 1+k dimensions: v ~ N(0, 3²), x_j | v ~ N(0, e^v).
// No Gaussian is close to it, so a Gaussian q must be flagged.
func funnel(k int) bbvi.Model {
	return bbvi.FuncModel{
		Vars: []bbvi.Latent{{Name: "v", Size: 1}, {Name: "x", Size: k}},
		Prior: func(b *graph.Builder, z bbvi.Vars) *graph.Node {
			v := z["v"] // (S, 1)
			lp := b.Sum(b.NormalLogProb(v, b.Scalar(0), b.Scalar(3)), 1)
			return b.Add(lp, b.Sum(b.NormalLogProb(z["x"], b.Scalar(0), b.Exp(b.Scale(v, 0.5))), 1))
		},
	}
}

func TestDiagnosticsFlagFunnel(t *testing.T) {
	post, err := bbvi.Fit(funnel(4), nil, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	d := post.Diagnostics
	if d == nil {
		t.Fatal("no diagnostics")
	}
	t.Logf("funnel, fullrank: %v, k̂ %.2f, ESS %.0f, ELBO %.3f ± %.3f: %s (%s)", post.Status, d.ParetoK, d.ESS, d.ELBO, d.ELBOSE, d.Verdict(), d.Hint)
	if d.Reliable || d.ParetoK <= 0.7 || !strings.Contains(d.Hint, "flow") {
		t.Errorf("a Gaussian fit of the funnel passes as %q (k̂ %.2f, hint %q)", d.Verdict(), d.ParetoK, d.Hint)
	}
}

// On a posterior that is exactly Gaussian, full-rank q is exact: k̂ small,
// ESS near the number of draws, and the diagnostic ELBO equals log p(x)
// within its standard error.
func TestDiagnosticsExactGaussian(t *testing.T) {
	m, data := normalMean(50, 7, false)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	d := post.Diagnostics
	// Exact log evidence of y_i ~ N(mu, 1), mu ~ N(0, 1): the ELBO is below it,
	// by the KL from q to the posterior, which is 0 here up to the fit's error.
	y := data[0].Values
	n := float64(len(y))
	var sy, syy float64
	for _, v := range y {
		sy += v
		syy += v * v
	}
	logZ := -n/2*math.Log(2*math.Pi) - 0.5*math.Log(1+n) - 0.5*(syy-sy*sy/(1+n))
	t.Logf("normal mean: %v, k̂ %.2f, ESS %.0f, ELBO %.4f ± %.4f, log p(x) %.4f: %s", post.Status, d.ParetoK, d.ESS, d.ELBO, d.ELBOSE, logZ, d.Verdict())
	if !d.Reliable || d.ParetoK > 0.5 || d.ESS < 0.9*float64(d.Draws) {
		t.Errorf("exact q judged %q (k̂ %.2f, ESS %.0f of %d)", d.Verdict(), d.ParetoK, d.ESS, d.Draws)
	}
	if d.ELBO > logZ+4*d.ELBOSE || logZ-d.ELBO > 0.01+4*d.ELBOSE {
		t.Errorf("ELBO %.4f ± %.4f, log p(x) %.4f", d.ELBO, d.ELBOSE, logZ)
	}
	// Resampled draws are draws of the posterior N(sy/(1+n), 1/(1+n)).
	draws, err := d.Resample(4000, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for _, r := range draws {
		s += r[0]
	}
	mean, sd := sy/(1+n), 1/math.Sqrt(1+n)
	if got := s / 4000; math.Abs(got-mean) > 5*sd/math.Sqrt(float64(d.Draws)) {
		t.Errorf("resampled mean %.4f, posterior mean %.4f (sd %.4f)", got, mean, sd)
	}
	// No diagnostics when asked for none.
	post, err = bbvi.Fit(m, data, &bbvi.Settings{DiagnosticDraws: -1, MaxSteps: 200}, rand.New(rand.NewPCG(3, 3)))
	if err != nil || post.Diagnostics != nil {
		t.Errorf("DiagnosticDraws < 0: %v, %v", post.Diagnostics, err)
	}
}

// hastyConverger declares convergence at a fixed step, wherever q is.
type hastyConverger struct{ at int }

func (c hastyConverger) Window() int                    { return 10 }
func (c hastyConverger) Converged(h *bbvi.History) bool { return h.Step >= c.at }

// A fit whose convergence test passes while q is still far from the posterior
// ends Doubtful, not Converged: q started wide at N(0, 1) and stopped after 30
// steps is still off the posterior's mean, which the importance-weighted
// moments see even though k̂ is small (a q wider than the posterior gives
// light-tailed ratios).
func TestDoubtfulStatus(t *testing.T) {
	m, data := normalMean(50, 7, false) // posterior N(≈1.5, 1/51)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{Start: "default", Converger: hastyConverger{30}, AverageSteps: -1},
		rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	d := post.Diagnostics
	t.Logf("%v (%s): k̂ %.2f, ESS %.0f", post.Status, post.Reason, d.ParetoK, d.ESS)
	if post.Status != bbvi.Doubtful || d.Reliable || !strings.Contains(post.Reason, "importance weighting moves the mean of mu") {
		t.Errorf("q far from the posterior ends %v (%q), verdict %q", post.Status, post.Reason, d.Verdict())
	}
	// The funnel's Gaussian fit converges but is doubtful.
	post, err = bbvi.Fit(funnel(4), nil, &bbvi.Settings{Family: bbvi.FullRank{}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if post.Status != bbvi.Doubtful {
		t.Errorf("funnel, fullrank: status %v, want doubtful", post.Status)
	}
}

// k̂ above 0.7 with nearly uniform weights (a scale whose log has an
// exponential tail where q's is Gaussian) keeps a good fit reliable, with a
// note saying why.
func TestReliableWithFarTail(t *testing.T) {
	m, data := normalMean(60, 1, true)
	post, err := bbvi.Fit(m, data, &bbvi.Settings{MaxSteps: 3000}, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	d := post.Diagnostics
	t.Logf("%v: k̂ %.2f, ESS %.0f of %d: %s; note %q", post.Status, d.ParetoK, d.ESS, d.Draws, d.Verdict(), d.Note)
	if post.Status != bbvi.Converged || !d.Reliable {
		t.Errorf("status %v, verdict %q", post.Status, d.Verdict())
	}
	if d.ParetoK > 0.7 && !strings.Contains(d.Note, "far tails") {
		t.Errorf("k̂ %.2f without a note", d.ParetoK)
	}
}
