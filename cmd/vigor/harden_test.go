package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/vae"
)

// The tests of this file run the battery of bad inputs and faults of the
// hardening issue through the command: crafted checkpoints, size flags and
// resource bombs, crash consistency, write errors, exit codes.

// checkRefusal checks the house rules for an error: the exit code, exactly one
// line on stderr with the command's prefix, no stack trace, no "internal
// error", and the words wanted.
func checkRefusal(t *testing.T, args []string, code, wantCode int, stderr string, want ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, wantCode, stderr)
	}
	if !strings.HasSuffix(stderr, "\n") || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "vigor ") {
		t.Errorf("%v: stderr is not one line starting \"vigor \": %q", args, stderr)
	}
	for _, bad := range []string{"panic", "goroutine", ".go:", "internal error", "fatal"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("%v: stderr mentions %q: %q", args, bad, stderr)
		}
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("%v: stderr %q does not mention %q", args, stderr, w)
		}
	}
}

// smallCheckpoint returns a checkpoint of a small model of the given input
// width, trained for one epoch (so that it has an optimizer state).
func smallCheckpoint(t *testing.T, input int) []byte {
	t.Helper()
	m, err := vae.New(vae.Config{Input: input, Hidden: []int{8}, Latent: 2}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := vae.NewTrainer(m, vae.TrainSettings{Batch: 4}, rand.NewPCG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	set := &datasets.ImageSet{N: 8, Rows: 1, Cols: input, Pixels: make([]uint8, 8*input), Labels: make([]uint8, 8)}
	if _, err := tr.TrainEpoch(set); err != nil {
		t.Fatal(err)
	}
	c, err := tr.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editCheckpoint returns data with its JSON header changed by edit and a
// valid checksum: a crafted checkpoint.
func editCheckpoint(t *testing.T, data []byte, edit func(h map[string]any)) []byte {
	t.Helper()
	hl := binary.LittleEndian.Uint32(data[12:])
	var h map[string]any
	if err := json.Unmarshal(data[16:16+hl], &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(data[:12])
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	b.Write(data[16+hl : len(data)-sha256.Size])
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// TestCraftedCheckpoints (issue cases 1, 2 and 10): checkpoints with a valid
// checksum whose header claims absurd sizes or settings, a bad learning rate
// or random state, the wrong input width, or a flipped version bit are bad
// input, exit code 2, one line naming the file: for eval, sample and a
// resumed train alike, before anything is allocated or MNIST is read.
func TestCraftedCheckpoints(t *testing.T) {
	t.Setenv(memoryEnv, "4GiB")
	good := smallCheckpoint(t, 784)
	set := func(key string, v any) func(map[string]any) { return func(h map[string]any) { h[key] = v } }
	flipped := append([]byte(nil), good...)
	flipped[9] ^= 0x10 // the version
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"input (2^61+1)/3", editCheckpoint(t, good, set("input", (1<<61+1)/3)), []string{"width 768614336404564651 exceeds the limit"}},
		{"batch 1e8", editCheckpoint(t, good, set("batch", 100000000)), []string{"batch size 100000000"}},
		{"batch 2^40", editCheckpoint(t, good, set("batch", 1<<40)), []string{"batch size 1099511627776"}},
		{"k 2^40", editCheckpoint(t, good, set("k", 1<<40)), []string{"K = 1099511627776"}},
		{"bad learning rate", editCheckpoint(t, good, set("lr", -1)), []string{"learning rate -1"}},
		{"bad random state", editCheckpoint(t, good, set("rng", []byte("pcg:short"))), []string{"random source state"}},
		{"ten inputs", smallCheckpoint(t, 10), []string{"the model's input has 10 values, not the 784 of a 28×28 MNIST image"}},
		{"flipped version bit", flipped, []string{"checksum mismatch"}},
		{"not a checkpoint", []byte("hello, world\n"), []string{"not a Vigor VAE checkpoint"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ckpt := filepath.Join(dir, "model.ckpt")
			if err := os.WriteFile(ckpt, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"vae", "eval", "--ckpt", ckpt, "--quiet"},
				{"vae", "sample", "--ckpt", ckpt, "--out", filepath.Join(dir, "s.png")},
				{"vae", "train", "--resume", "--out", dir, "--quiet"},
			} {
				code, stdout, stderr := runCLI(t, false, args...)
				checkRefusal(t, args, code, 2, stderr, append([]string{ckpt}, tc.want...)...)
				if stdout != "" {
					t.Errorf("%v: stdout %q", args, stdout)
				}
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"model.ckpt"}) {
				t.Errorf("files left: %v", names)
			}
		})
	}
	// A batch within the package's limits but beyond the memory budget: the
	// refusal says what training would need.
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "model.ckpt")
	writeFile(t, ckpt, string(editCheckpoint(t, good, set("batch", 1000000))))
	args := []string{"vae", "train", "--resume", "--out", dir, "--epochs", "2"}
	code, _, stderr := runCLI(t, false, args...)
	checkRefusal(t, args, code, 2, stderr, ckpt, "with batch 1000000 would need about", "more than the 4.0 GiB allowed ($VIGOR_MEMORY")
}

// TestSizeFlags (issue case 3): size flags that cannot fit are refused at once,
// exit code 2, one line saying what would be needed, and nothing is created
// on disk (no run folder, no output file).
func TestSizeFlags(t *testing.T) {
	t.Setenv(memoryEnv, "4GiB")
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, goodCSV)
	run := filepath.Join(dir, "run")
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"vae", "train", "--batch", "100000000", "--out", run}, []string{"with batch 100000000 would need about", "TiB of memory"}},
		{[]string{"vae", "train", "--hidden", "100000000", "--out", run}, []string{"784-100000000-20", "would need about"}},
		{[]string{"vae", "train", "--hidden", "400,1e8", "--out", run}, []string{"--hidden"}},
		{[]string{"vae", "train", "--latent", "1000000000", "--out", run}, []string{"784-400-1000000000", "would need about"}},
		{[]string{"vae", "train", "--latent", "1e9", "--out", run}, []string{"latent"}},
		{[]string{"vae", "train", "--objective", "iwae", "--k", "1000000000", "--out", run}, []string{"K 1000000000 would need about"}},
		{[]string{"vae", "train", "--objective", "iwae", "--k", "10000", "--out", run}, []string{"K 10000 would need about", "GiB of memory"}},
		{[]string{"fit", "--model", "linear", "--data", data, "--target", "y", "--samples", "1000000000", "--out", filepath.Join(dir, "p.json")},
			[]string{"--samples 1000000000", "would need about"}},
		{[]string{"fit", "--model", "linear", "--data", data, "--target", "y", "--draws", "1000000000", "--draws-out", filepath.Join(dir, "d.csv")},
			[]string{"--draws 1000000000", "would need about"}},
		{[]string{"fit", "--model", "gmm", "--k", "2", "--data", data, "--samples", "1000000000"}, []string{"--samples 1000000000", "would need about"}},
		{[]string{"study", "variance", "--draws", "1,1000000000", "--out", filepath.Join(dir, "study")}, []string{"--draws 1000000000", "would need about"}},
	}
	for _, tc := range tests {
		code, stdout, stderr := runCLI(t, false, tc.args...)
		checkRefusal(t, tc.args, code, 2, stderr, tc.want...)
		if stdout != "" {
			t.Errorf("%v: stdout %q", tc.args, stdout)
		}
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"data.csv"}) {
		t.Errorf("files left: %v", names)
	}
	// A bad budget is bad input too.
	t.Setenv(memoryEnv, "lots")
	args := []string{"vae", "train", "--out", run}
	code, _, stderr := runCLI(t, false, args...)
	checkRefusal(t, args, code, 2, stderr, `$VIGOR_MEMORY="lots"`)
}

// TestWideCSV (issue case 4): 50,000 columns. Full-rank (d² memory) is refused
// up front, saying so; mean-field passes the same check, as its memory grows
// with d only; a mean-field fit beyond the report's covariance limit writes
// "cov": null and the sds.
func TestWideCSV(t *testing.T) {
	t.Setenv(memoryEnv, "8GiB")
	dir := t.TempDir()
	wide := func(name string, d, n int) string {
		var b strings.Builder
		for j := 1; j <= d; j++ {
			fmt.Fprintf(&b, "x%d,", j)
		}
		b.WriteString("y\n")
		rng := rand.New(rand.NewPCG(uint64(d), 1))
		for i := 0; i < n; i++ {
			for j := 0; j <= d; j++ {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatFloat(math.Round(rng.NormFloat64()*100)/100, 'g', -1, 64))
			}
			b.WriteByte('\n')
		}
		p := filepath.Join(dir, name)
		writeFile(t, p, b.String())
		return p
	}
	data := wide("wide.csv", 50000, 3)
	for _, family := range []string{"fullrank", "lowrank", "flow"} {
		args := []string{"fit", "--model", "linear", "--data", data, "--target", "y", "--family", family}
		code, _, stderr := runCLI(t, false, args...)
		checkRefusal(t, args, code, 2, stderr, "--family "+family+" with 50002 coefficients", "would need about", "--family meanfield needs memory in proportion")
	}
	o := newFitOptions()
	o.family, o.samples, o.data = bbvi.MeanField{}, 8, data
	if err := o.checkMemory(fitSize{n: 3, d: 50002, report: false}); err != nil {
		t.Errorf("mean-field with 50002 coefficients refused: %v", err)
	}

	data = wide("w2.csv", 2100, 8)
	out := filepath.Join(dir, "w2.json")
	args := []string{"fit", "--model", "linear", "--data", data, "--target", "y", "--steps", "5", "--quiet", "--out", out}
	if code, _, stderr := runCLI(t, false, args...); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	var rep struct {
		Cov         [][]float64 `json:"cov"`
		SD          []float64   `json:"sd"`
		Diagnostics struct {
			ParetoK *float64 `json:"pareto_k"`
		} `json:"diagnostics"`
	}
	doc, _ := os.ReadFile(out)
	if err := json.Unmarshal(doc, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Cov != nil || len(rep.SD) != 2102 || !bytes.Contains(doc, []byte(`"cov": null`)) {
		t.Errorf("report of 2102 coefficients: cov %d rows, %d sds", len(rep.Cov), len(rep.SD))
	}
}

// TestReadBombs (issue cases 5 and 11): /dev/zero and huge one-line files are
// refused after a bounded read, in little memory, with one line naming the
// file and line.
func TestReadBombs(t *testing.T) {
	dir := t.TempDir()
	oneLine := func(name, unit string, n int) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, strings.Repeat(unit, n))
		return p
	}
	tests := []struct {
		data string
		want []string
	}{
		{oneLine("xs.csv", "x", 30<<20), []string{"xs.csv:1:1: cell longer than 4096 bytes"}},
		{oneLine("ones.csv", "1,", 15<<20), []string{"ones.csv:1: more than 131072 columns"}},
		{oneLine("spaces.csv", "x ", 15<<20), []string{"spaces.csv:1:1: cell longer"}},
		{oneLine("nul.csv", "\x00", 1<<20), []string{"nul.csv:1: NUL byte"}},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		tests = append(tests, struct {
			data string
			want []string
		}{"/dev/zero", []string{"/dev/zero:1: NUL byte"}})
	}
	for _, tc := range tests {
		args := []string{"fit", "--model", "linear", "--data", tc.data, "--target", "y"}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		code, _, stderr := runCLI(t, false, args...)
		runtime.ReadMemStats(&after)
		checkRefusal(t, args, code, 2, stderr, tc.want...)
		if d := after.TotalAlloc - before.TotalAlloc; d > 100<<20 {
			t.Errorf("%v: allocated %d MiB", args, d>>20)
		}
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		args := []string{"vae", "eval", "--ckpt", "/dev/zero"}
		code, _, stderr := runCLI(t, false, args...)
		checkRefusal(t, args, code, 2, stderr, "/dev/zero: not a Vigor VAE checkpoint")
	}
}

// TestBlankLines (issue case 11): an empty line and a whitespace-only line
// inside the data are treated alike: both skipped.
func TestBlankLines(t *testing.T) {
	dir := t.TempDir()
	var outs []string
	for i, csv := range []string{goodCSV, strings.Replace(goodCSV, "\n", "\n\n", 3), strings.Replace(goodCSV, "\n", "\n \t\n", 3)} {
		data := filepath.Join(dir, fmt.Sprintf("d%d.csv", i))
		writeFile(t, data, csv)
		code, stdout, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", data, "--target", "y", "--steps", "200", "--quiet")
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", csv, code, stderr)
		}
		var rep struct {
			Mean []float64 `json:"mean"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, fmt.Sprint(rep.Mean))
	}
	if outs[0] != outs[1] || outs[0] != outs[2] {
		t.Errorf("blank lines change the fit: %v", outs)
	}
}

// failingWriter fails every write as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestTrainCrashConsistency (issue cases 6, 7 and 8): a run killed between
// the metrics line and the checkpoint resumes with metrics that agree with
// the checkpoint (and the same numbers as an uninterrupted run); the
// temporary files of a killed run are removed by the next run in the folder;
// a full stdout is exit code 1 with one line naming what was lost.
func TestTrainCrashConsistency(t *testing.T) {
	dir := t.TempDir()
	common := []string{"--train-limit", "256", "--test-limit", "64", "--hidden", "32", "--latent", "3", "--quiet"}
	train := func(out string, epochs int, extra ...string) {
		t.Helper()
		args := append(append([]string{"vae", "train", "--out", out, "--epochs", strconv.Itoa(epochs)}, common...), extra...)
		if code, _, stderr := runCLI(t, false, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	full, cut := filepath.Join(dir, "full"), filepath.Join(dir, "cut")
	train(full, 2)
	train(cut, 1)
	want := readMetricsFile(t, filepath.Join(full, "metrics.jsonl"))

	// Killed after the metrics line of epoch 2, before its checkpoint: the
	// metrics are one line ahead, and there are temporary files of the kill.
	line, _ := json.Marshal(want[1])
	f, err := os.OpenFile(filepath.Join(cut, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(append(line, '\n'))
	f.Close()
	pid := strconv.Itoa(deadPID(t))
	stale := []string{".model.ckpt.tmp-" + pid + "-123", ".loss.png.tmp-" + pid + "-9"}
	for _, s := range stale {
		writeFile(t, filepath.Join(cut, s), "half a file")
	}
	// A resume with nothing to train reconciles the metrics at once.
	code, _, stderr := runCLI(t, false, append([]string{"vae", "train", "--out", cut, "--epochs", "1", "--resume"}, common[:4]...)...)
	if code != 0 || !strings.Contains(stderr, "dropped 1 line(s) past the checkpoint's epoch 1") || !strings.Contains(stderr, "removed 2 temporary file(s)") {
		t.Errorf("resume with nothing to train: exit %d, stderr %q", code, stderr)
	}
	if got := readMetricsFile(t, filepath.Join(cut, "metrics.jsonl")); len(got) != 1 || got[0].Epoch != 1 {
		t.Errorf("metrics after the reconciliation: %+v", got)
	}
	for _, s := range stale {
		if _, err := os.Stat(filepath.Join(cut, s)); err == nil {
			t.Errorf("stale %s left", s)
		}
	}
	// Resuming to epoch 2 gives the uninterrupted run's checkpoint and metrics.
	writeFile(t, filepath.Join(cut, stale[0]), "again")
	train(cut, 2, "--resume")
	got := readMetricsFile(t, filepath.Join(cut, "metrics.jsonl"))
	if len(got) != 2 || got[0].TrainLoss != want[0].TrainLoss || got[1].TrainLoss != want[1].TrainLoss || got[1].TestLoss != want[1].TestLoss {
		t.Errorf("metrics %+v, uninterrupted %+v", got, want)
	}
	a, _ := os.ReadFile(filepath.Join(full, "model.ckpt"))
	b, _ := os.ReadFile(filepath.Join(cut, "model.ckpt"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("the resumed checkpoint differs from the uninterrupted one")
	}
	if _, err := os.Stat(filepath.Join(cut, stale[0])); err == nil {
		t.Error("a stale temporary file survived a resumed run")
	}

	// A full stdout: exit code 1, one line that says what was lost.
	ckpt := filepath.Join(full, "model.ckpt")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"vae", "eval", "--ckpt", ckpt, "--k", "5", "--limit", "10", "--quiet"}, "writing the evaluation (ELBO "},
		{[]string{"vae", "eval", "--ckpt", ckpt, "--k", "5", "--limit", "10", "--quiet", "--json"}, "log p(x) "},
		{[]string{"vae", "sample", "--ckpt", ckpt, "--n", "4", "--out", filepath.Join(dir, "s.png")}, "the samples are in"},
		{[]string{"vae", "train", "--out", filepath.Join(dir, "third"), "--epochs", "1", "--train-limit", "64", "--test-limit", "16", "--hidden", "8", "--quiet"}, "the run folder is complete"},
		{[]string{"fit", "--model", "linear", "--data", writeTemp(t, dir, goodCSV), "--target", "y", "--steps", "50", "--quiet"}, "writing the fit's JSON result to stdout"},
	} {
		var stderr bytes.Buffer
		code := run(tc.args, failingWriter{}, &stderr, false)
		checkRefusal(t, tc.args, code, 1, stderr.String(), tc.want, "no space left on device")
	}
	if full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0); err == nil {
		defer full.Close()
		var stderr bytes.Buffer
		args := []string{"vae", "eval", "--ckpt", ckpt, "--k", "5", "--limit", "10", "--quiet"}
		code := run(args, full, &stderr, false)
		checkRefusal(t, args, code, 1, stderr.String(), "writing the evaluation", "no space left on device")
	}
}

// writeTemp writes content to a new file in dir and returns its path.
func writeTemp(t *testing.T, dir, content string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "*.csv")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(content)
	f.Close()
	return f.Name()
}

// TestDataDirNotADirectory (issue case 10): a --data-dir that is a file is bad
// input, exit code 2, for every command that reads MNIST.
func TestDataDirNotADirectory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "x")
	for _, args := range [][]string{
		{"data", "fetch", "mnist", "--data-dir", file},
		{"data", "fetch", "mnist", "--data-dir", filepath.Join(file, "sub")},
		{"vae", "train", "--data-dir", file, "--out", filepath.Join(dir, "run"), "--quiet"},
	} {
		code, _, stderr := runCLI(t, false, args...)
		checkRefusal(t, args, code, 2, stderr, "--data-dir "+file)
	}
	t.Setenv("VIGOR_DATA", file)
	args := []string{"data", "fetch", "mnist"}
	code, _, stderr := runCLI(t, false, args...)
	checkRefusal(t, args, code, 2, stderr, "$VIGOR_DATA "+file+" is not a directory")
	if names := dirNames(t, dir); !slices.Equal(names, []string{"file"}) {
		t.Errorf("files left: %v", names)
	}
}

// TestResumeWithoutRandomState (issue case 10): a checkpoint without the
// random source's state cannot resume: exit code 2, naming the file.
func TestResumeWithoutRandomState(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "model.ckpt")
	writeFile(t, ckpt, string(editCheckpoint(t, smallCheckpoint(t, 784), func(h map[string]any) { delete(h, "rng") })))
	args := []string{"vae", "train", "--resume", "--out", dir, "--epochs", "2", "--train-limit", "64", "--test-limit", "16", "--quiet"}
	code, _, stderr := runCLI(t, false, args...)
	checkRefusal(t, args, code, 2, stderr, ckpt, "random source")
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"12345", 12345, true},
		{"512MiB", 512 << 20, true},
		{"8G", 8 << 30, true},
		{"8gb", 8 << 30, true},
		{"1.5GiB", 3 << 29, true},
		{" 2T ", 2 << 40, true},
		{"4KiB", 4096, true},
		{"1e9", 1e9, true},
		{"", 0, false},
		{"lots", 0, false},
		{"-1G", 0, false},
		{"0", 0, false},
		{"8X", 0, false},
		{"1e400", 0, false},
	}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for n, want := range map[uint64]string{0: "0 bytes", 1023: "1023 bytes", 1536: "1.5 KiB", 12 << 30: "12.0 GiB", 300 << 30: "300 GiB", math.MaxUint64: "16.0 EiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	t.Setenv(memoryEnv, "")
	if n, how, err := memoryBudget(); err != nil || n == 0 || how == "" {
		t.Errorf("memoryBudget() = %d, %q, %v", n, how, err)
	}
}

// TestJSONFloat: the reports' floats encode as encoding/json's, and non-finite
// values (which encoding/json refuses, losing the report) as null; the
// diagnostics keep bbvi's fields.
func TestJSONFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 123456789012345678901234.0, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for i := 0; i < 2000; i++ {
		vals = append(vals, math.Float64frombits(rng.Uint64()), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(60)-30)))
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		want, _ := json.Marshal(v)
		got, _ := json.Marshal(jsonFloat(v))
		if !bytes.Equal(got, want) {
			t.Errorf("%v: %s, encoding/json %s", v, got, want)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got, err := json.Marshal(jsonFloat(v)); err != nil || string(got) != "null" {
			t.Errorf("%v: %s, %v", v, got, err)
		}
	}
	d := &bbvi.Diagnostics{Draws: 10, ELBO: -1.5, ELBOSE: 0.25, ParetoK: 0.3, ESS: 7, Reliable: false, Reasons: []string{"r"}, Hint: "h"}
	want, _ := json.Marshal(d)
	got, _ := json.Marshal(jsonDiag(d))
	if !bytes.Equal(got, want) {
		t.Errorf("diagnostics %s, bbvi's %s", got, want)
	}
	tr := []bbvi.ELBOPoint{{Step: 3, ELBO: -2, SE: 0.5}}
	want, _ = json.Marshal(tr)
	got, _ = json.Marshal(jsonTrace(tr))
	if !bytes.Equal(got, want) {
		t.Errorf("trace %s, bbvi's %s", got, want)
	}
}
