package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVAEOnMNIST is the integration test: it fetches MNIST through the same
// code users run (into the default data directory, so it is fetched once),
// trains a small VAE for two short epochs, checks the loss falls, the run
// folder's files, the importance-weighted log-likelihood against the ELBO, and
// the sampler; then it checks that a resumed run ends with exactly the same
// checkpoint as an uninterrupted one.
func TestVAEOnMNIST(t *testing.T) {
	dir := t.TempDir()
	run1 := filepath.Join(dir, "run1")
	common := []string{"--train-limit", "3000", "--test-limit", "500", "--hidden", "200", "--latent", "2",
		"--targets", "dynamic", "--seed", "7"}
	code, stdout, stderr := runCLI(t, false, append([]string{"vae", "train", "--epochs", "2", "--out", run1}, common...)...)
	if code != 0 {
		t.Fatalf("vae train: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "test_loss") {
		t.Errorf("vae train stdout %q lacks the summary", stdout)
	}
	metrics := readMetricsFile(t, filepath.Join(run1, "metrics.jsonl"))
	if len(metrics) != 2 || metrics[0].Epoch != 1 || metrics[1].Epoch != 2 {
		t.Fatalf("metrics.jsonl: %+v", metrics)
	}
	if !(metrics[1].TrainLoss < metrics[0].TrainLoss && metrics[1].TestLoss < metrics[0].TestLoss) {
		t.Errorf("the loss did not fall: %+v", metrics)
	}
	if metrics[1].TestLoss > 250 || metrics[1].TestLoss < 50 {
		t.Errorf("test loss %g nats per binarized digit is implausible", metrics[1].TestLoss)
	}
	for _, f := range []string{"samples.png", "recon.png", "loss.png", "latent.png"} {
		checkPNG(t, filepath.Join(run1, f))
	}

	code, stdout, stderr = runCLI(t, false, "vae", "eval", "--ckpt", filepath.Join(run1, "model.ckpt"), "--k", "200", "--limit", "200", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("vae eval: exit %d\n%s", code, stderr)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("vae eval --json: %v\n%s", err, stdout)
	}
	if rep.Images != 200 || rep.K != 200 || rep.Epoch != 2 || rep.Targets != "dynamic" {
		t.Errorf("eval report %+v", rep)
	}
	if !(rep.LogLikelihood >= rep.ELBO) {
		t.Errorf("importance-weighted log-likelihood %g below the ELBO %g", rep.LogLikelihood, rep.ELBO)
	}

	// Without --quiet and without a terminal, a long evaluation logs its progress.
	code, _, stderr = runCLI(t, false, "vae", "eval", "--ckpt", filepath.Join(run1, "model.ckpt"), "--k", "50", "--limit", "20")
	if code != 0 || !strings.Contains(stderr, "log p(x), K=50: 10/20 images") {
		t.Errorf("vae eval progress: exit %d, stderr %q", code, stderr)
	}

	out := filepath.Join(dir, "s.png")
	code, _, stderr = runCLI(t, false, "vae", "sample", "--ckpt", filepath.Join(run1, "model.ckpt"), "--n", "10", "--out", out)
	if code != 0 {
		t.Fatalf("vae sample: exit %d\n%s", code, stderr)
	}
	checkPNG(t, out)

	// Resume: one epoch, then --resume to two, gives the same checkpoint bytes.
	run2 := filepath.Join(dir, "run2")
	if code, _, stderr := runCLI(t, false, append([]string{"vae", "train", "--epochs", "1", "--out", run2, "--quiet"}, common...)...); code != 0 {
		t.Fatalf("vae train (1 epoch): exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, false, "vae", "train", "--epochs", "2", "--out", run2, "--resume", "--train-limit", "3000", "--test-limit", "500", "--quiet"); code != 0 {
		t.Fatalf("vae train --resume: exit %d\n%s", code, stderr)
	}
	a, _ := os.ReadFile(filepath.Join(run1, "model.ckpt"))
	b, _ := os.ReadFile(filepath.Join(run2, "model.ckpt"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("resumed checkpoint (%d bytes) differs from the uninterrupted one (%d bytes)", len(b), len(a))
	}
	m2 := readMetricsFile(t, filepath.Join(run2, "metrics.jsonl"))
	if len(m2) != 2 || m2[1].TrainLoss != metrics[1].TrainLoss || m2[1].TestLoss != metrics[1].TestLoss {
		t.Errorf("resumed metrics %+v, uninterrupted %+v", m2, metrics)
	}
}

// readMetricsFile reads a metrics.jsonl file.
func readMetricsFile(t *testing.T, path string) []epochMetrics {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []epochMetrics
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m epochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// checkPNG checks that path is a PNG image of at least 50×50 pixels.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if b := img.Bounds(); b.Dx() < 50 || b.Dy() < 50 {
		t.Errorf("%s: image only %v", path, b)
	}
}

// TestVAEBadInput: bad flags and files exit 2 naming the problem, without a
// stack trace and without overwriting an existing checkpoint.
func TestVAEBadInput(t *testing.T) {
	dir := t.TempDir()
	notCkpt := filepath.Join(dir, "notes.txt")
	writeFile(t, notCkpt, "hello\n")
	existing := filepath.Join(dir, "old")
	os.MkdirAll(existing, 0o755)
	writeFile(t, filepath.Join(existing, "model.ckpt"), "precious")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"vae"}, "usage"},
		{[]string{"vae", "fly"}, "unknown command"},
		{[]string{"vae", "train", "--epochs", "0"}, "--epochs"},
		{[]string{"vae", "train", "--latent", "x"}, "latent"},
		{[]string{"vae", "train", "--hidden", "400,-3"}, "--hidden"},
		{[]string{"vae", "train", "--targets", "grey"}, "--targets"},
		{[]string{"vae", "train", "--objective", "kl"}, "--objective"},
		{[]string{"vae", "train", "--activation", "linear"}, "--activation"},
		{[]string{"vae", "train", "--lr", "-1"}, "--lr"},
		{[]string{"vae", "train", "--out", existing}, "--resume"},
		{[]string{"vae", "train", "--out", filepath.Join(dir, "none"), "--resume"}, "model.ckpt"},
		{[]string{"vae", "train", "--out", existing, "--resume"}, "not a Vigor VAE checkpoint"},
		{[]string{"vae", "eval"}, "--ckpt"},
		{[]string{"vae", "eval", "--ckpt", notCkpt}, "notes.txt"},
		{[]string{"vae", "eval", "--ckpt", notCkpt, "--k", "0"}, "--k"},
		{[]string{"vae", "sample", "--ckpt", notCkpt}, "not a Vigor VAE checkpoint"},
		{[]string{"vae", "sample", "--ckpt", notCkpt, "--out", filepath.Join(dir, "no", "x.png")}, "does not exist"},
		{[]string{"data", "fetch", "cifar"}, "cifar"},
		{[]string{"vae", "train", "stray"}, "stray"},
	}
	for _, tc := range cases {
		code, _, stderr := runCLI(t, false, tc.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", tc.args, code, stderr)
		}
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: stderr %q does not mention %q", tc.args, stderr, tc.want)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("%v: stack trace in %q", tc.args, stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(existing, "model.ckpt")); string(b) != "precious" {
		t.Error("an existing checkpoint was overwritten")
	}
}

// TestVAEResumeConflict: --resume refuses a flag that contradicts the
// checkpoint, and trains nothing when the epochs are done.
func TestVAEResumeConflict(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "r")
	args := []string{"vae", "train", "--epochs", "1", "--out", run, "--train-limit", "256", "--test-limit", "64", "--hidden", "32", "--latent", "3", "--quiet"}
	if code, _, stderr := runCLI(t, false, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr := runCLI(t, false, "vae", "train", "--epochs", "2", "--out", run, "--resume", "--latent", "5")
	if code != 2 || !strings.Contains(stderr, "--latent differs from the checkpoint's 3") {
		t.Errorf("conflicting --latent on resume: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI(t, false, "vae", "train", "--epochs", "1", "--out", run, "--resume", "--latent", "3", "--train-limit", "256", "--test-limit", "64")
	if code != 0 || !strings.Contains(stderr, "nothing to train") {
		t.Errorf("resume with epochs already done: exit %d, %q", code, stderr)
	}
}

// TestDataFetch fetches (or finds) MNIST and prints where it is.
func TestDataFetch(t *testing.T) {
	code, stdout, stderr := runCLI(t, false, "data", "fetch", "mnist")
	if code != 0 {
		t.Fatalf("data fetch mnist: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "60000 training and 10000 test images") {
		t.Errorf("stdout %q", stdout)
	}
}
