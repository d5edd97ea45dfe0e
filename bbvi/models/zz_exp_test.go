package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
)

func TestZZMinibatch(t *testing.T) {
	const n, d = 50000, 10
	rng := rand.New(rand.NewPCG(1, 2))
	beta := make([]float64, d)
	for j := range beta {
		beta[j] = rng.NormFloat64() * 0.5
	}
	X, y := datasets.LogisticData(rng, n, beta, 0.3, 0.5)
	feats := make([]string, d)
	for j := range feats {
		feats[j] = string(rune('a' + j))
	}
	m := &LogisticRegression{Features: feats, Intercept: true}
	data, _ := m.Data(X, y)
	full, err := bbvi.Fit(m, data, &bbvi.Settings{DiagnosticDraws: -1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("full: %v %s steps %d %.1fs", full.Status, full.Reason, full.Steps, full.Seconds)
	for _, start := range []string{"auto", "default"} {
		mb, err := bbvi.Fit(m, data, &bbvi.Settings{BatchSize: 512, Start: start}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		fm, fs := full.Mean(), full.SD()
		mm, ms := mb.Mean(), mb.SD()
		var worst, sdr float64
		for j := range fm {
			worst = math.Max(worst, math.Abs(mm[j]-fm[j])/fs[j])
			sdr = math.Max(sdr, math.Abs(math.Log(ms[j]/fs[j])))
		}
		t.Logf("batch 512 start %s: %v %s steps %d %.1fs, worst mean %.2f sd, worst log sd ratio %.2f, %s", start, mb.Status, mb.Reason, mb.Steps, mb.Seconds, worst, sdr, mb.Diagnostics.Verdict())
	}
}
