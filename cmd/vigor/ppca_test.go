package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/datasets"
)

// ppcaCSV writes n rows of a 6-column PPCA with 2 latent dimensions and noise
// sd 0.5 to a CSV file in dir and returns its path and the data.
func ppcaCSV(t *testing.T, dir string, n int) (string, []float64) {
	t.Helper()
	const d, k = 6, 2
	rng := rand.New(rand.NewPCG(8, 8))
	w := make([]float64, d*k)
	for i := range w {
		w[i] = 2 * rng.NormFloat64()
	}
	var b strings.Builder
	b.WriteString("a,b,c,d,e,f\n")
	x := make([]float64, 0, n*d)
	for i := 0; i < n; i++ {
		z := []float64{rng.NormFloat64(), rng.NormFloat64()}
		for r := 0; r < d; r++ {
			v := 1 + float64(r) + 0.5*rng.NormFloat64() + w[r*k]*z[0] + w[r*k+1]*z[1]
			s := strconv.FormatFloat(v, 'f', 6, 64)
			v, _ = strconv.ParseFloat(s, 64)
			x = append(x, v)
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s)
		}
		b.WriteByte('\n')
	}
	path := filepath.Join(dir, "ppca.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, x
}

// vigor fit --model ppca reaches the closed-form maximum-likelihood PPCA
// (largest principal angle under 2°, noise sd within 2%), on all the rows
// and with --batch, and --latents-out writes one latent mean per row that
// reconstructs the data through the reported loadings.
func TestFitPPCA(t *testing.T) {
	dir := t.TempDir()
	const n = 200
	data, x := ppcaCSV(t, dir, n)
	want, err := models.PPCAClosedForm(x, n, 6, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ batch, steps string }{{"0", "3000"}, {"40", "5000"}} {
		lat := filepath.Join(dir, "latents"+c.batch+".csv")
		code, stdout, stderr := runCLI(t, false, "fit", "--model", "ppca", "--latent", "2", "--data", data, "--batch", c.batch,
			"--samples", "4", "--steps", c.steps, "--tol", "-1", "--latents-out", lat, "--quiet")
		if code != 0 {
			t.Fatalf("batch %s: exit %d: %s", c.batch, code, stderr)
		}
		var rep struct {
			Model    string      `json:"model"`
			Loadings [][]float64 `json:"loadings"`
			Mean     []float64   `json:"mean"`
			NoiseSD  float64     `json:"noise_sd"`
			ELBO     float64     `json:"elbo"`
			Batch    int         `json:"batch"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("bad JSON: %v\n%s", err, stdout)
		}
		if len(rep.Loadings) != 6 || len(rep.Loadings[0]) != 2 || len(rep.Mean) != 6 || math.IsNaN(rep.ELBO) {
			t.Fatalf("report shapes: %+v", rep)
		}
		w := append(append([]float64(nil), rep.Loadings[0]...), rep.Loadings[1]...)
		for _, row := range rep.Loadings[2:] {
			w = append(w, row...)
		}
		ang, err := models.LargestPrincipalAngle(w, want.W, 6, 2)
		if err != nil {
			t.Fatal(err)
		}
		rel := rep.NoiseSD/want.NoiseSD - 1
		t.Logf("batch %s: angle %.3f°, noise sd %.4f vs %.4f (%.2f%%)", c.batch, ang, rep.NoiseSD, want.NoiseSD, 100*rel)
		if ang > 2 || math.Abs(rel) > 0.02 {
			t.Errorf("batch %s: largest principal angle %.2f°, noise sd %.4f vs ML %.4f", c.batch, ang, rep.NoiseSD, want.NoiseSD)
		}
		for j := range rep.Mean {
			if math.Abs(rep.Mean[j]-want.Mean[j]) > 0.05 {
				t.Errorf("mean[%d] = %.4f, sample mean %.4f", j, rep.Mean[j], want.Mean[j])
			}
		}
		// The latent means reconstruct the rows: x_i ≈ W m_i + μ with a
		// residual of about the noise sd (the posterior shrinks m_i a little).
		tab, err := datasets.ReadCSV(lat)
		if err != nil {
			t.Fatal(err)
		}
		m, k, err := tab.Matrix([]string{"z1", "z2"})
		if err != nil || k != 2 || len(m) != 2*n {
			t.Fatalf("latents: %v, %d columns, %d values", err, k, len(m))
		}
		var ss float64
		for i := 0; i < n; i++ {
			for r := 0; r < 6; r++ {
				v := rep.Mean[r] + rep.Loadings[r][0]*m[2*i] + rep.Loadings[r][1]*m[2*i+1] - x[i*6+r]
				ss += v * v
			}
		}
		if rms := math.Sqrt(ss / (6 * n)); rms > 1.2*want.NoiseSD {
			t.Errorf("batch %s: the latent means reconstruct the data with rms %.4f (noise sd %.4f)", c.batch, rms, want.NoiseSD)
		}
	}
}

// Bad PPCA flags are usage errors.
func TestFitPPCABadInput(t *testing.T) {
	dir := t.TempDir()
	data, _ := ppcaCSV(t, dir, 20)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", data}, "--latent is required"},
		{[]string{"--data", data, "--latent", "0"}, "at least 1"},
		{[]string{"--data", data, "--latent", "6"}, "less than the 6 columns"},
		{[]string{"--data", data, "--latent", "2", "--estimator", "score"}, "does not draw"},
		{[]string{"--data", data, "--latent", "2", "--columns", "a,zz"}, "zz"},
		{[]string{"--data", data, "--latent", "2", "--latents-out", data}, "overwrite"},
		{[]string{"--data", data, "--latent", "2", "--family", "fullrank"}, "mean-field"},
		{[]string{"--data", data, "--latent", "2", "--estimator", "dreg", "--batch", "5"}, "drop --batch"},
	} {
		code, _, stderr := runCLI(t, false, append([]string{"fit", "--model", "ppca", "--steps", "10"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
	}
}

// --estimator stl and dreg reach the regressions' posterior too (the
// registry's names go straight to the flag), and are reported.
func TestFitEstimatorsSTLDReG(t *testing.T) {
	var ref []float64
	for _, est := range []string{"reparam", "stl", "dreg"} {
		code, stdout, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", "testdata/houses.csv", "--target", "price",
			"--estimator", est, "--family", "fullrank", "--quiet")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", est, code, stderr)
		}
		var rep struct {
			Estimator string    `json:"estimator"`
			Mean      []float64 `json:"mean"`
			SD        []float64 `json:"sd"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Estimator != est {
			t.Errorf("estimator reported as %q, want %q", rep.Estimator, est)
		}
		if ref == nil {
			ref = rep.Mean
			continue
		}
		for j, m := range rep.Mean {
			if math.Abs(m-ref[j]) > 0.1*rep.SD[j] {
				t.Errorf("%s: mean[%d] %.4f, reparam's %.4f (sd %.4f)", est, j, m, ref[j], rep.SD[j])
			}
		}
	}
}
