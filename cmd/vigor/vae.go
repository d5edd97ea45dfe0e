package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/internal/atomicfile"
	"github.com/vigor-ml/vigor/vae"
)

// Streams derived from --seed for the VAE commands.
const (
	vaeInitStream   = 0x243f6a8885a308d3 // weight initialization
	vaeTrainStream  = 0x13198a2e03707344 // batches, binarization, reparameterization noise
	vaeEvalStream   = 0xa4093822299f31d0 // per-epoch test loss
	vaePictStream   = 0x082efa98ec4e6c89 // samples.png
	vaeSampleStream = 0x452821e638d01377 // vigor vae sample
)

const vaeUsageText = `usage: vigor vae <train|eval|sample> [flags]

The variational autoencoder on MNIST (Kingma & Welling 2014): an encoder MLP maps
an image to a diagonal Gaussian q(z|x), a decoder MLP maps z to Bernoulli pixel
probabilities, trained by maximizing the ELBO (or the IWAE bound).

  vigor vae train    train a VAE, writing a run folder (checkpoint, metrics, pictures)
  vigor vae eval     test ELBO and importance-sampled log-likelihood of a checkpoint
  vigor vae sample   decode draws from the prior into a PNG grid

Use "vigor vae <command> -h" for the flags of each.
`

func runVAE(args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, vaeUsageText)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, vaeUsageText)
		return 0
	case "train":
		return runVAETrain(args[1:], e)
	case "eval":
		return runVAEEval(args[1:], e)
	case "sample":
		return runVAESample(args[1:], e)
	}
	fmt.Fprintf(e.stderr, "vigor vae: unknown command %q (want train, eval or sample)\n", args[0])
	return 2
}

// cmdFail prints err as one line prefixed with the command's name and returns
// its exit code: 2 for a usageError, 1 otherwise.
func cmdFail(e *env, name string, err error) int {
	fmt.Fprintf(e.stderr, "%s: %s\n", name, oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// parseFlags parses args with fs; -h prints usage and gives flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, head string, e *env) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stderr, head)
			printFlags(e.stderr, fs)
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return badf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// ---- vigor vae train ----

const vaeTrainHead = `usage: vigor vae train [flags]

Train trains a VAE on MNIST (fetched into the data directory on first use) and
writes a run folder --out: model.ckpt (after every epoch), metrics.jsonl (one
line per epoch: epoch, train_loss, test_loss, seconds), samples.png (decoded
prior draws), recon.png (test digits above their reconstructions), loss.png
(train and test loss curves) and, with --latent 2, latent.png (test codes
coloured by digit). Losses are negative bounds in nats per image. With no flags
it trains the PyTorch example's model: 784-400-20, ReLU, batch 128, Adam 1e-3,
continuous targets, 10 epochs.

--resume continues the run in --out from its checkpoint up to --epochs, and ends
with exactly the weights an uninterrupted run would have.

Flags:
`

type vaeTrainOpts struct {
	epochs, latent, batch, k, limit, testLimit int
	hidden, targets, objective, act, dec, out  string
	dataDir                                    string
	lr                                         float64
	seed                                       uint64
	resume, quiet, float64                     bool
	set                                        map[string]bool
	cfg                                        vae.Config
	train                                      vae.TrainSettings
}

func parseVAETrain(args []string, e *env) (*vaeTrainOpts, error) {
	fs := flag.NewFlagSet("vigor vae train", flag.ContinueOnError)
	o := &vaeTrainOpts{}
	fs.IntVar(&o.epochs, "epochs", 10, "train until this many `epochs` are done")
	fs.IntVar(&o.latent, "latent", 20, "latent `dimension`")
	fs.StringVar(&o.hidden, "hidden", "400", "hidden layer `widths`, comma-separated (the decoder mirrors them)")
	fs.IntVar(&o.batch, "batch", 128, "minibatch `size`")
	fs.Float64Var(&o.lr, "lr", 1e-3, "Adam learning `rate`")
	fs.StringVar(&o.targets, "targets", "continuous", "pixel `targets`: continuous, static or dynamic (binarization)")
	fs.StringVar(&o.objective, "objective", "elbo", "training `objective`: elbo (analytic KL), elbo-mc or iwae")
	fs.IntVar(&o.k, "k", 1, "`samples` of z per image (the IWAE K)")
	fs.StringVar(&o.act, "activation", "relu", "hidden `activation`: relu, tanh, sigmoid or softplus")
	fs.StringVar(&o.dec, "decoder", "bernoulli", "`decoder`: bernoulli or gaussian")
	fs.BoolVar(&o.float64, "float64", false, "compute in float64 instead of float32")
	fs.Uint64Var(&o.seed, "seed", 1, "random `seed`; the same seed gives the same weights")
	fs.StringVar(&o.dataDir, "data-dir", "", "MNIST `directory` (default $VIGOR_DATA, else the user cache)")
	fs.StringVar(&o.out, "out", filepath.Join("runs", "vae"), "run `folder`")
	fs.BoolVar(&o.resume, "resume", false, "continue the run in --out from its checkpoint")
	fs.IntVar(&o.limit, "train-limit", 0, "train on the first `N` training images only (0: all 60000)")
	fs.IntVar(&o.testLimit, "test-limit", 0, "evaluate on the first `N` test images only (0: all 10000)")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress on stderr")
	if err := parseFlags(fs, args, vaeTrainHead, e); err != nil {
		return nil, err
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	switch {
	case o.epochs < 1:
		return nil, badf("--epochs %d: must be at least 1", o.epochs)
	case o.latent < 1:
		return nil, badf("--latent %d: must be at least 1", o.latent)
	case o.batch < 1:
		return nil, badf("--batch %d: must be at least 1", o.batch)
	case !(o.lr > 0) || math.IsInf(o.lr, 0):
		return nil, badf("--lr %g: must be positive", o.lr)
	case o.k < 1:
		return nil, badf("--k %d: must be at least 1", o.k)
	case o.limit < 0 || o.testLimit < 0:
		return nil, badf("--train-limit and --test-limit must not be negative")
	case o.out == "":
		return nil, badf("--out: empty run folder")
	}
	hidden, err := parseWidths(o.hidden)
	if err != nil {
		return nil, badf("--hidden %q: %v", o.hidden, err)
	}
	act, err := graph.ParseActivation(o.act)
	if err != nil || act == graph.ActLinear {
		return nil, badf("--activation %q: want relu, tanh, sigmoid or softplus", o.act)
	}
	dec, err := vae.ParseLikelihood(o.dec)
	if err != nil {
		return nil, badf("--decoder %q: want bernoulli or gaussian", o.dec)
	}
	targets, err := vae.ParseTargets(o.targets)
	if err != nil {
		return nil, badf("--targets %q: want continuous, static or dynamic", o.targets)
	}
	obj, err := vae.ParseObjective(o.objective)
	if err != nil {
		return nil, badf("--objective %q: want elbo, elbo-mc or iwae", o.objective)
	}
	if obj == vae.ELBO && o.set["k"] && o.k > 1 && o.set["objective"] {
		// fine: the analytic-KL ELBO averages the reconstruction term over K draws
	}
	o.cfg = vae.Config{Input: 784, Hidden: hidden, Latent: o.latent, Activation: act, Decoder: dec, Float64: o.float64}
	o.train = vae.TrainSettings{Batch: o.batch, LR: o.lr, Targets: targets, Objective: obj, K: o.k}
	return o, nil
}

func parseWidths(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// epochMetrics is one line of metrics.jsonl.
type epochMetrics struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	TestLoss  float64 `json:"test_loss"`
	Seconds   float64 `json:"seconds"`
}

// loadMNIST finds (fetching if needed) and loads MNIST, logging to stderr.
func loadMNIST(dataDir string, e *env, quiet bool) (*datasets.MNIST, error) {
	dir, err := datasets.DataDir(dataDir)
	if err != nil {
		return nil, err
	}
	var log io.Writer = e.stderr
	if quiet {
		log = nil
	}
	m, err := datasets.EnsureMNIST(context.Background(), dir, log)
	if err != nil {
		var me *datasets.MissingError
		if errors.As(err, &me) || errors.Is(err, datasets.ErrChecksum) || errors.Is(err, datasets.ErrFormat) || errors.Is(err, datasets.ErrMismatch) {
			return nil, usageError{err}
		}
		return nil, err
	}
	return m, nil
}

func subset(s *datasets.ImageSet, n int) *datasets.ImageSet {
	if n <= 0 || n >= s.N {
		return s
	}
	d := s.Dim()
	return &datasets.ImageSet{N: n, Rows: s.Rows, Cols: s.Cols, Pixels: s.Pixels[:n*d], Labels: s.Labels[:n]}
}

func runVAETrain(args []string, e *env) int {
	const name = "vigor vae train"
	o, err := parseVAETrain(args, e)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return cmdFail(e, name, err)
	}
	ckptPath := filepath.Join(o.out, "model.ckpt")
	metricsPath := filepath.Join(o.out, "metrics.jsonl")
	var ckpt *vae.Checkpoint
	var history []epochMetrics
	if o.resume {
		ckpt, err = vae.LoadCheckpoint(ckptPath)
		if err != nil {
			return cmdFail(e, name, usageError{err})
		}
		if err := checkResumeFlags(o, ckpt); err != nil {
			return cmdFail(e, name, err)
		}
		history, err = readMetrics(metricsPath, ckpt.Epoch)
		if err != nil {
			return cmdFail(e, name, usageError{err})
		}
	} else {
		if _, err := os.Stat(ckptPath); err == nil {
			return cmdFail(e, name, badf("%s already exists: pass --resume to continue that run, or choose another --out", ckptPath))
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return cmdFail(e, name, usageError{fmt.Errorf("--out: %w", err)})
	}
	mn, err := loadMNIST(o.dataDir, e, o.quiet)
	if err != nil {
		return cmdFail(e, name, err)
	}
	train, test := subset(&mn.Train, o.limit), subset(&mn.Test, o.testLimit)

	bar := newEpochBar(e, o.quiet)
	var tr *vae.Trainer
	if ckpt != nil {
		tr, err = vae.Resume(ckpt, bar.update)
	} else {
		var m *vae.Model
		m, err = vae.New(o.cfg, rand.New(rand.NewPCG(o.seed, vaeInitStream)))
		if err == nil {
			set := o.train
			set.Progress = bar.update
			tr, err = vae.NewTrainer(m, set, rand.NewPCG(o.seed, vaeTrainStream))
		}
	}
	if err != nil {
		return cmdFail(e, name, err)
	}
	defer tr.Close()
	set := tr.Settings()
	if !o.quiet {
		m := tr.Model()
		fmt.Fprintf(e.stderr, "%s: %s, %d weights, batch %d, %s, %s targets, %d train / %d test images -> %s\n",
			name, m.Config, m.NumParams(), set.Batch, set.Objective, vae.FormatTargets(set.Targets), train.N, test.N, o.out)
		if tr.Epoch() >= o.epochs {
			fmt.Fprintf(e.stderr, "%s: the checkpoint already has %d epochs (--epochs %d): nothing to train\n", name, tr.Epoch(), o.epochs)
		}
	}
	for tr.Epoch() < o.epochs {
		start := time.Now()
		trainLoss, err := tr.TrainEpoch(train)
		bar.finish()
		if err != nil {
			return cmdFail(e, name, err)
		}
		ep := tr.Epoch()
		m := tr.Model()
		testBound, err := vae.Bound(m, test, vae.EvalSettings{Targets: set.Targets}, rand.New(rand.NewPCG(uint64(ep), vaeEvalStream)))
		if err != nil {
			return cmdFail(e, name, err)
		}
		rec := epochMetrics{Epoch: ep, TrainLoss: trainLoss, TestLoss: -testBound, Seconds: time.Since(start).Seconds()}
		history = append(history, rec)
		c, err := tr.Checkpoint()
		if err == nil {
			err = c.Save(ckptPath)
		}
		if err == nil {
			err = writeMetrics(metricsPath, history)
		}
		if err == nil {
			err = writePictures(o.out, m, test, set.Targets, history, o.seed)
		}
		if err != nil {
			return cmdFail(e, name, err)
		}
		if !o.quiet {
			fmt.Fprintf(e.stderr, "epoch %d/%d  train loss %.2f  test loss %.2f  %.1fs\n", ep, o.epochs, rec.TrainLoss, rec.TestLoss, rec.Seconds)
		}
	}
	if len(history) > 0 {
		last := history[len(history)-1]
		fmt.Fprintf(e.stdout, "epochs %d  train_loss %.4f  test_loss %.4f  run %s\n", last.Epoch, last.TrainLoss, last.TestLoss, o.out)
	}
	return 0
}

// checkResumeFlags rejects flags given with --resume that contradict the
// checkpoint: the architecture and training settings come from the checkpoint.
func checkResumeFlags(o *vaeTrainOpts, c *vae.Checkpoint) error {
	cfg, tr := c.Model.Config, c.Train
	type cmp struct {
		flag      string
		same      bool
		ckptValue string
	}
	checks := []cmp{
		{"latent", o.cfg.Latent == cfg.Latent, fmt.Sprint(cfg.Latent)},
		{"hidden", fmt.Sprint(o.cfg.Hidden) == fmt.Sprint(cfg.Hidden), strings.Trim(strings.ReplaceAll(fmt.Sprint(cfg.Hidden), " ", ","), "[]")},
		{"activation", o.cfg.Activation == cfg.Activation, cfg.Activation.String()},
		{"decoder", o.cfg.Decoder == cfg.Decoder, cfg.Decoder.String()},
		{"float64", o.cfg.Float64 == cfg.Float64, fmt.Sprint(cfg.Float64)},
		{"batch", o.train.Batch == tr.Batch, fmt.Sprint(tr.Batch)},
		{"lr", o.train.LR == tr.LR, fmt.Sprint(tr.LR)},
		{"targets", o.train.Targets == tr.Targets, vae.FormatTargets(tr.Targets)},
		{"objective", o.train.Objective == tr.Objective, tr.Objective.String()},
		{"k", o.train.K == tr.K, fmt.Sprint(tr.K)},
	}
	for _, c := range checks {
		if o.set[c.flag] && !c.same {
			return badf("--%s differs from the checkpoint's %s: a resumed run keeps its settings (drop the flag)", c.flag, c.ckptValue)
		}
	}
	return nil
}

// readMetrics reads metrics.jsonl, keeping the lines of epochs up to upTo (a
// resumed run rewrites any later ones). A missing file gives no lines.
func readMetrics(path string, upTo int) ([]epochMetrics, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []epochMetrics
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m epochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if m.Epoch <= upTo {
			out = append(out, m)
		}
	}
	return out, sc.Err()
}

func writeMetrics(path string, history []epochMetrics) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, m := range history {
			if err := enc.Encode(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// testImages returns the first n test images as float64 rows with the
// evaluation targets (dynamic binarization is shown as its fixed binarization).
func testImages(set *datasets.ImageSet, n int, targets datasets.Targets) [][]float64 {
	if targets == datasets.DynamicBinary {
		targets = datasets.StaticBinary
	}
	n = min(n, set.N)
	buf := make([]float32, set.Dim())
	rows := make([][]float64, n)
	for i := range rows {
		set.Float32(buf, i, targets, nil)
		rows[i] = make([]float64, len(buf))
		for j, v := range buf {
			rows[i][j] = float64(v)
		}
	}
	return rows
}

// writePictures refreshes samples.png, recon.png, loss.png and (2-D latent
// space) latent.png in dir.
func writePictures(dir string, m *vae.Model, test *datasets.ImageSet, targets datasets.Targets, history []epochMetrics, seed uint64) error {
	h, w := test.Rows, test.Cols
	samples, err := m.SamplePrior(64, rand.New(rand.NewPCG(seed, vaePictStream)))
	if err != nil {
		return err
	}
	if err := saveGrid(filepath.Join(dir, "samples.png"), samples, 8, 8, h, w); err != nil {
		return err
	}
	x := testImages(test, 32, targets)
	rec, err := m.Reconstruct(x)
	if err != nil {
		return err
	}
	var tiles [][]float64
	for r := 0; r+8 <= len(x); r += 8 {
		tiles = append(tiles, x[r:r+8]...)
		tiles = append(tiles, rec[r:r+8]...)
	}
	if len(tiles) > 0 {
		if err := saveGrid(filepath.Join(dir, "recon.png"), tiles, len(tiles)/8, 8, h, w); err != nil {
			return err
		}
	}
	loss, err := lossPicture(history)
	if err != nil {
		return err
	}
	if err := loss.save(filepath.Join(dir, "loss.png")); err != nil {
		return err
	}
	if m.Config.Latent == 2 {
		n := min(test.N, 5000)
		mu, _, err := m.Encode(testImages(test, n, targets))
		if err != nil {
			return err
		}
		latent, err := latentPicture(mu, test.Labels[:len(mu)])
		if err != nil {
			return err
		}
		if err := latent.save(filepath.Join(dir, "latent.png")); err != nil {
			return err
		}
	}
	return nil
}

// ---- vigor vae eval ----

const vaeEvalHead = `usage: vigor vae eval --ckpt runs/NAME/model.ckpt [flags]

Eval reports, on the MNIST test set, the ELBO (analytic KL, one sample per
image) and the log-likelihood log p(x) estimated by importance sampling with K
samples from q(z|x) (Burda et al. 2015), both in nats per image. The estimate
is computed in bounded memory; K = 5000 over all 10000 images takes a while
(use --limit for a quick look). Dynamic-binarization runs are evaluated on the
fixed (static) binarization of the test set.

Flags:
`

// evalReport is the JSON of `vigor vae eval --json`.
type evalReport struct {
	Checkpoint    string  `json:"checkpoint"`
	Model         string  `json:"model"`
	Epoch         int     `json:"epoch"`
	Targets       string  `json:"targets"`
	Images        int     `json:"images"`
	ELBO          float64 `json:"elbo"`
	LogLikelihood float64 `json:"log_likelihood"`
	K             int     `json:"k"`
	Seed          uint64  `json:"seed"`
	Seconds       float64 `json:"seconds"`
}

func runVAEEval(args []string, e *env) int {
	const name = "vigor vae eval"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	ckptPath := fs.String("ckpt", "", "the checkpoint `file` (required)")
	k := fs.Int("k", 5000, "importance `samples` per image")
	limit := fs.Int("limit", 0, "evaluate the first `N` test images only (0: all)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	seed := fs.Uint64("seed", 1, "random `seed`")
	dataDir := fs.String("data-dir", "", "MNIST `directory` (default $VIGOR_DATA, else the user cache)")
	quiet := fs.Bool("quiet", false, "print no progress on stderr")
	err := parseFlags(fs, args, vaeEvalHead, e)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		switch {
		case *ckptPath == "":
			err = badf("--ckpt is required")
		case *k < 1:
			err = badf("--k %d: must be at least 1", *k)
		case *limit < 0:
			err = badf("--limit %d: must not be negative", *limit)
		}
	}
	if err != nil {
		return cmdFail(e, name, err)
	}
	c, err := vae.LoadCheckpoint(*ckptPath)
	if err != nil {
		return cmdFail(e, name, usageError{err})
	}
	mn, err := loadMNIST(*dataDir, e, *quiet)
	if err != nil {
		return cmdFail(e, name, err)
	}
	test := subset(&mn.Test, *limit)
	start := time.Now()
	targets := c.Train.Targets
	elbo, err := vae.Bound(c.Model, test, vae.EvalSettings{Targets: targets}, rand.New(rand.NewPCG(*seed, vaeEvalStream)))
	if err != nil {
		return cmdFail(e, name, err)
	}
	bar := newCountLog(e, *quiet, fmt.Sprintf("log p(x), K=%d", *k), "images")
	_, ll, err := vae.LogLikelihood(c.Model, test, vae.EvalSettings{Targets: targets, K: *k, Progress: bar.update},
		rand.New(rand.NewPCG(*seed, vaeSampleStream)))
	bar.finish()
	if err != nil {
		return cmdFail(e, name, err)
	}
	rep := evalReport{Checkpoint: *ckptPath, Model: c.Model.Config.String(), Epoch: c.Epoch, Targets: vae.FormatTargets(targets),
		Images: test.N, ELBO: elbo, LogLikelihood: ll, K: *k, Seed: *seed, Seconds: time.Since(start).Seconds()}
	if *asJSON {
		doc, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", doc)
	} else {
		fmt.Fprintf(e.stdout, "checkpoint      %s (%s, epoch %d, %s targets)\n", rep.Checkpoint, rep.Model, rep.Epoch, rep.Targets)
		fmt.Fprintf(e.stdout, "test images     %d\n", rep.Images)
		fmt.Fprintf(e.stdout, "ELBO            %.3f nats  (test loss %.3f)\n", rep.ELBO, -rep.ELBO)
		fmt.Fprintf(e.stdout, "log p(x), K=%-4d %.3f nats  (importance sampling)\n", rep.K, rep.LogLikelihood)
	}
	return 0
}

// ---- vigor vae sample ----

const vaeSampleHead = `usage: vigor vae sample --ckpt runs/NAME/model.ckpt [flags]

Sample draws N codes z ~ N(0, I), decodes them, and writes the decoded pixel
probabilities as a PNG grid (as square as possible).

Flags:
`

func runVAESample(args []string, e *env) int {
	const name = "vigor vae sample"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	ckptPath := fs.String("ckpt", "", "the checkpoint `file` (required)")
	n := fs.Int("n", 64, "number of `samples`")
	out := fs.String("out", "samples.png", "output PNG `file`")
	seed := fs.Uint64("seed", 1, "random `seed`")
	err := parseFlags(fs, args, vaeSampleHead, e)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		switch {
		case *ckptPath == "":
			err = badf("--ckpt is required")
		case *n < 1 || *n > 10000:
			err = badf("--n %d: must be between 1 and 10000", *n)
		default:
			err = checkWritable(*out)
		}
	}
	if err != nil {
		return cmdFail(e, name, err)
	}
	c, err := vae.LoadCheckpoint(*ckptPath)
	if err != nil {
		return cmdFail(e, name, usageError{err})
	}
	if c.Model.Config.Input != 784 {
		return cmdFail(e, name, badf("%s: the model's input has %d values, not 28×28", *ckptPath, c.Model.Config.Input))
	}
	imgs, err := c.Model.SamplePrior(*n, rand.New(rand.NewPCG(*seed, vaeSampleStream)))
	if err != nil {
		return cmdFail(e, name, err)
	}
	cols := int(math.Ceil(math.Sqrt(float64(*n))))
	rows := (*n + cols - 1) / cols
	for len(imgs) < rows*cols {
		imgs = append(imgs, make([]float64, 784))
	}
	if err := saveGrid(*out, imgs, rows, cols, 28, 28); err != nil {
		return cmdFail(e, name, err)
	}
	fmt.Fprintf(e.stdout, "wrote %d samples to %s\n", *n, *out)
	return 0
}
