package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVAEBernoulliOnMNIST trains a VAE with Bernoulli latents and NVIL on a
// slice of binarized MNIST for two short epochs: the losses fall, eval and
// sample work on the checkpoint, a resumed run (baseline network and signal
// statistics included) ends with the bytes of an uninterrupted one, and a
// resumed run refuses a contradicting --estimator.
func TestVAEBernoulliOnMNIST(t *testing.T) {
	dir := t.TempDir()
	run1 := filepath.Join(dir, "run1")
	common := []string{"--latent-dist", "bernoulli", "--train-limit", "2000", "--test-limit", "300", "--hidden", "100",
		"--latent", "16", "--targets", "dynamic", "--seed", "5", "--kl-warmup", "1", "--quiet"}
	code, stdout, stderr := runCLI(t, false, append([]string{"vae", "train", "--epochs", "2", "--out", run1}, common...)...)
	if code != 0 {
		t.Fatalf("vae train: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "test_loss") {
		t.Errorf("stdout %q lacks the summary", stdout)
	}
	m := readMetricsFile(t, filepath.Join(run1, "metrics.jsonl"))
	if len(m) != 2 || !(m[1].TrainLoss < m[0].TrainLoss && m[1].TestLoss < m[0].TestLoss) {
		t.Errorf("the losses did not fall: %+v", m)
	}
	ckpt := filepath.Join(run1, "model.ckpt")
	code, stdout, stderr = runCLI(t, false, "vae", "eval", "--ckpt", ckpt, "--k", "100", "--limit", "50", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("vae eval: exit %d\n%s", code, stderr)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Model, "bernoulli-latents") || !(rep.LogLikelihood >= rep.ELBO) {
		t.Errorf("eval report %+v", rep)
	}
	out := filepath.Join(dir, "s.png")
	if code, _, stderr := runCLI(t, false, "vae", "sample", "--ckpt", ckpt, "--n", "9", "--out", out); code != 0 {
		t.Fatalf("vae sample: exit %d\n%s", code, stderr)
	}
	checkPNG(t, out)

	run2 := filepath.Join(dir, "run2")
	if code, _, stderr := runCLI(t, false, append([]string{"vae", "train", "--epochs", "1", "--out", run2}, common...)...); code != 0 {
		t.Fatalf("vae train (1 epoch): exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, false, "vae", "train", "--epochs", "2", "--out", run2, "--resume", "--estimator", "score", "--quiet")
	if code != 2 || !strings.Contains(stderr, "--estimator differs from the checkpoint's nvil") {
		t.Errorf("conflicting --estimator on resume: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, false, "vae", "train", "--epochs", "2", "--out", run2, "--resume",
		"--train-limit", "2000", "--test-limit", "300", "--quiet"); code != 0 {
		t.Fatalf("vae train --resume: exit %d\n%s", code, stderr)
	}
	a, _ := os.ReadFile(ckpt)
	b, _ := os.ReadFile(filepath.Join(run2, "model.ckpt"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("resumed checkpoint (%d bytes) differs from the uninterrupted one (%d bytes)", len(b), len(a))
	}
}

// TestVAEEstimatorFlags: estimators that do not fit the latents or the
// objective, and bad values of the new flags, are usage errors (exit 2, one
// line that names the flag).
func TestVAEEstimatorFlags(t *testing.T) {
	run := filepath.Join(t.TempDir(), "r")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--estimator", "fancy"}, "--estimator"},
		{[]string{"--estimator", "stl"}, "stl needs the elbo-mc objective"},
		{[]string{"--estimator", "dreg", "--objective", "elbo-mc"}, "dreg needs the iwae objective"},
		{[]string{"--estimator", "nvil"}, "for Bernoulli latents"},
		{[]string{"--latent-dist", "cube"}, "--latent-dist"},
		{[]string{"--latent-dist", "bernoulli", "--estimator", "reparam"}, "score or nvil"},
		{[]string{"--latent-dist", "bernoulli", "--objective", "iwae"}, "elbo objective"},
		{[]string{"--latent-dist", "bernoulli", "--qmc"}, "QMC"},
		{[]string{"--kl-warmup", "-1"}, "--kl-warmup"},
	}
	for _, tc := range cases {
		args := append([]string{"vae", "train", "--out", run}, tc.args...)
		code, _, stderr := runCLI(t, false, args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q)", tc.args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(run); err == nil {
		t.Error("a refused run created its folder")
	}
}
