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
	"syscall"
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

// vaeAbout is the help text of `vigor vae`.
const vaeAbout = `The variational autoencoder on MNIST (Kingma & Welling 2014): an encoder MLP maps
an image to a diagonal Gaussian q(z|x) (or, with --latent-dist bernoulli, to
independent Bernoulli codes), a decoder MLP maps z to Bernoulli pixel
probabilities, trained by maximizing the ELBO (or the IWAE bound).`

// ---- vigor vae train ----

// vaeTrainSynopsis is the flags summary of `vigor vae train`.
const vaeTrainSynopsis = `[--epochs 10] [--latent 20] [--hidden 400] [--batch 128] [--lr 1e-3]
[--targets continuous|static|dynamic] [--objective elbo|elbo-mc|iwae] [--k 1]
[--estimator reparam|stl|dreg|score|nvil] [--latent-dist gaussian|bernoulli]
[--kl-warmup EPOCHS] [--qmc]
[--activation relu|tanh|sigmoid|softplus] [--decoder bernoulli|gaussian] [--float64]
[--seed 1] [--data-dir DIR] [--out runs/NAME] [--resume]
[--train-limit N] [--test-limit N] [--quiet]`

// vaeTrainAbout is the help text of `vigor vae train`.
const vaeTrainAbout = `Train trains a VAE on MNIST (fetched into the data directory on first use) and
writes a run folder --out: model.ckpt (after every epoch), metrics.jsonl (one
line per epoch: epoch, train_loss, test_loss, seconds), samples.png (decoded
prior draws), recon.png (test digits above their reconstructions), loss.png
(train and test loss curves) and, with --latent 2, latent.png (test codes
coloured by digit). Losses are negative bounds in nats per image. With no flags
it trains the PyTorch example's model: 784-400-20, ReLU, batch 128, Adam 1e-3,
continuous targets, 10 epochs.

Gradient estimators (--estimator): reparam (default), stl (sticking the
landing; needs --objective elbo-mc) and dreg (doubly reparameterized; needs
--objective iwae) for Gaussian latents; score (plain score function) and nvil
(score function with a learned input-dependent baseline and running centring
and scaling, Mnih & Gregor 2014) for --latent-dist bernoulli, which trains on
the elbo objective and defaults to nvil. --kl-warmup EPOCHS raises the KL
weight linearly from 0 to 1 over that many epochs (the losses reported stay
the unweighted bounds). --qmc draws the --k samples of each image as one
randomized quasi-Monte Carlo set (scrambled Sobol'; helps with --k > 1).

--resume continues the run in --out from its checkpoint up to --epochs, and ends
with exactly the weights an uninterrupted run would have.`

// vaeTrainOptions are the flags of `vigor vae train`, bound by flags; check
// fills cfg and train from them.
type vaeTrainOptions struct {
	epochs, latent, batch, k, limit, testLimit int
	hidden, targets, objective, act, dec, out  string
	estimator, latentDist                      string
	warmup                                     int
	dataDir                                    string
	lr                                         float64
	seed                                       uint64
	resume, quiet, float64, qmc                bool
	set                                        map[string]bool // the flags given
	cfg                                        vae.Config
	train                                      vae.TrainSettings
}

// flags implements options.
func (o *vaeTrainOptions) flags(fs *flag.FlagSet) {
	fs.IntVar(&o.epochs, "epochs", 10, "train until this many `epochs` are done")
	fs.IntVar(&o.latent, "latent", 20, "latent `dimension`")
	fs.StringVar(&o.hidden, "hidden", "400", "hidden layer `widths`, comma-separated (the decoder mirrors them)")
	fs.IntVar(&o.batch, "batch", 128, "minibatch `size`")
	fs.Float64Var(&o.lr, "lr", 1e-3, "Adam learning `rate`")
	fs.StringVar(&o.targets, "targets", "continuous", "pixel `targets`: continuous, static or dynamic (binarization)")
	fs.StringVar(&o.objective, "objective", "elbo", "training `objective`: elbo (analytic KL), elbo-mc or iwae")
	fs.IntVar(&o.k, "k", 1, "`samples` of z per image (the IWAE K)")
	fs.StringVar(&o.estimator, "estimator", "", "gradient `estimator`: reparam, stl, dreg (Gaussian latents; default reparam), score or nvil (Bernoulli latents; default nvil)")
	fs.StringVar(&o.latentDist, "latent-dist", "gaussian", "latent `distribution`: gaussian or bernoulli")
	fs.IntVar(&o.warmup, "kl-warmup", 0, "raise the KL weight linearly from 0 to 1 over this many `epochs` (0: none)")
	fs.BoolVar(&o.qmc, "qmc", false, "draw each image's --k Gaussian samples as randomized quasi-Monte Carlo (scrambled Sobol')")
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
}

// check implements options: it validates the flags and builds the model
// configuration and training settings.
func (o *vaeTrainOptions) check(given map[string]bool) error {
	o.set = given
	switch {
	case o.epochs < 1:
		return badf("--epochs %d: must be at least 1", o.epochs)
	case o.latent < 1:
		return badf("--latent %d: must be at least 1", o.latent)
	case o.batch < 1:
		return badf("--batch %d: must be at least 1", o.batch)
	case !(o.lr > 0) || math.IsInf(o.lr, 0):
		return badf("--lr %g: must be positive", o.lr)
	case o.k < 1:
		return badf("--k %d: must be at least 1", o.k)
	case o.warmup < 0 || o.warmup > vae.MaxWarmup:
		return badf("--kl-warmup %d: must be between 0 and %d epochs", o.warmup, vae.MaxWarmup)
	case o.limit < 0 || o.testLimit < 0:
		return badf("--train-limit and --test-limit must not be negative")
	case o.out == "":
		return badf("--out: empty run folder")
	}
	hidden, err := parseWidths(o.hidden)
	if err != nil {
		return badf("--hidden %q: %v", o.hidden, err)
	}
	act, err := graph.ParseActivation(o.act)
	if err != nil || act == graph.ActLinear {
		return badf("--activation %q: want relu, tanh, sigmoid or softplus", o.act)
	}
	dec, err := vae.ParseLikelihood(o.dec)
	if err != nil {
		return badf("--decoder %q: want bernoulli or gaussian", o.dec)
	}
	targets, err := vae.ParseTargets(o.targets)
	if err != nil {
		return badf("--targets %q: want continuous, static or dynamic", o.targets)
	}
	obj, err := vae.ParseObjective(o.objective)
	if err != nil {
		return badf("--objective %q: want elbo, elbo-mc or iwae", o.objective)
	}
	latents, err := vae.ParseLatentDist(o.latentDist)
	if err != nil {
		return badf("--latent-dist %q: want gaussian or bernoulli", o.latentDist)
	}
	est, err := vae.ParseEstimator(o.estimator)
	if err != nil {
		return badf("--estimator %q: want reparam, stl, dreg, score or nvil", o.estimator)
	}
	if latents == vae.BernoulliLatent && o.estimator == "" {
		est = vae.NVIL
	}
	o.cfg = vae.Config{Input: 784, Hidden: hidden, Latent: o.latent, Activation: act, Decoder: dec, Float64: o.float64, Latents: latents}
	o.train = vae.TrainSettings{Batch: o.batch, LR: o.lr, Targets: targets, Objective: obj, K: o.k,
		Estimator: est, KLWarmup: o.warmup, QMC: o.qmc}
	if o.resume {
		return nil // the checkpoint's settings are checked once it is read
	}
	if err := checkTraining("", o.cfg, o.train); err != nil {
		return err
	}
	if err := vae.CheckSettings(o.cfg, o.train); err != nil {
		return bad(err)
	}
	return nil
}

// mnistMemory is what MNIST and the pictures take in memory besides a
// network: the 70000 images as bytes, and float copies of test images.
const mnistMemory = 256 << 20

// checkTraining refuses, as a usageError, training settings that would not
// fit in the memory budget or that are beyond the vae package's limits;
// source, if not empty, is the checkpoint they come from.
func checkTraining(source string, cfg vae.Config, set vae.TrainSettings) error {
	need, limitErr := vae.TrainMemory(cfg, set)
	what := fmt.Sprintf("training %s with batch %d", cfg.WithDefaults(), max(set.Batch, 1))
	if set.K > 1 {
		what += fmt.Sprintf(" and K %d", set.K)
	}
	if source != "" {
		what = source + ": " + what
	}
	if err := checkMemory(what, need+mnistMemory); err != nil {
		return err
	}
	if limitErr != nil {
		if source != "" {
			return badf("%s: %v", source, limitErr)
		}
		return bad(limitErr)
	}
	return nil
}

// mnistInput is the input width of a model for MNIST: 28×28 pixels.
const mnistInput = 28 * 28

// loadCheckpoint reads the checkpoint at path for a command on MNIST: a file
// larger than the memory budget is refused before it is read, and so is a
// model whose input is not a 28×28 image. Every error is a usageError that
// names path.
func loadCheckpoint(path string) (*vae.Checkpoint, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		if err := checkMemory(fmt.Sprintf("%s: loading its %s", path, formatBytes(uint64(fi.Size()))), 2*uint64(fi.Size())); err != nil {
			return nil, err
		}
	}
	c, err := vae.LoadCheckpoint(path)
	if err != nil {
		return nil, bad(err)
	}
	if c.Model.Config.Input != mnistInput {
		return nil, badf("%s: the model's input has %d values, not the %d of a 28×28 MNIST image", path, c.Model.Config.Input, mnistInput)
	}
	return c, nil
}

// parseWidths parses the comma-separated hidden layer widths of --hidden.
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

// loadMNIST finds (fetching if needed) and loads MNIST, logging to stderr. A
// missing or corrupt data set is a usageError.
func loadMNIST(dataDir string, e *env, quiet bool) (*datasets.MNIST, error) {
	dir, err := datasets.DataDir(dataDir)
	if err != nil {
		return nil, err
	}
	if err := checkDataDir(dataDir, dir); err != nil {
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
			return nil, bad(err)
		}
		return nil, err
	}
	return m, nil
}

// checkDataDir refuses, as a usageError, a data directory that is a file or
// lies under one: flag is the value of --data-dir ("" when the directory
// comes from $VIGOR_DATA or the user cache).
func checkDataDir(flag, dir string) error {
	where := "--data-dir " + dir
	if flag == "" {
		where = "the data directory " + dir
		if os.Getenv("VIGOR_DATA") != "" {
			where = "$VIGOR_DATA " + dir
		}
	}
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return badf("%s is not a directory", where)
	case errors.Is(err, syscall.ENOTDIR):
		return badf("%s: a part of the path is a file, not a directory", where)
	}
	return nil
}

// subset returns the first n images of s (all of them for n <= 0).
func subset(s *datasets.ImageSet, n int) *datasets.ImageSet {
	if n <= 0 || n >= s.N {
		return s
	}
	d := s.Dim()
	return &datasets.ImageSet{N: n, Rows: s.Rows, Cols: s.Cols, Pixels: s.Pixels[:n*d], Labels: s.Labels[:n]}
}

// run implements options: it trains (or resumes) the run in --out epoch by
// epoch, writing after each the metrics line, then the checkpoint, then the
// pictures, so that a kill between two writes leaves the metrics at most one
// line ahead of the checkpoint, which a resumed run drops (see
// reconcileMetrics). The run folder is created only when there is something
// to write in it, and the temporary files of a killed run in it are removed
// first.
func (o *vaeTrainOptions) run(e *env) error {
	name := e.cmd
	ckptPath := filepath.Join(o.out, "model.ckpt")
	metricsPath := filepath.Join(o.out, "metrics.jsonl")
	var ckpt *vae.Checkpoint
	var history []epochMetrics
	var err error
	if o.resume {
		ckpt, err = loadCheckpoint(ckptPath)
		if err != nil {
			return err
		}
		if err := checkResumeFlags(o, ckpt); err != nil {
			return err
		}
		if err := checkTraining(ckptPath, ckpt.Model.Config, ckpt.Train); err != nil {
			return err
		}
		history, err = reconcileMetrics(e, metricsPath, ckpt.Epoch, o.quiet)
		if err != nil {
			return err
		}
	} else {
		if _, err := os.Stat(ckptPath); err == nil {
			return badf("%s already exists: pass --resume to continue that run, or choose another --out", ckptPath)
		}
	}
	removeStale(e, o.out, o.quiet)
	mkdir := func() error {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return badf("--out: %w", err)
		}
		return nil
	}
	mn, err := loadMNIST(o.dataDir, e, o.quiet)
	if err != nil {
		return err
	}
	train, test := subset(&mn.Train, o.limit), subset(&mn.Test, o.testLimit)

	bar := newEpochBar(e, o.quiet)
	var tr *vae.Trainer
	if ckpt != nil {
		tr, err = vae.Resume(ckpt, bar.update)
		if err != nil {
			return badf("%s: %v", ckptPath, err)
		}
	} else {
		var m *vae.Model
		m, err = vae.New(o.cfg, rand.New(rand.NewPCG(o.seed, vaeInitStream)))
		if err == nil {
			set := o.train
			set.Progress = bar.update
			tr, err = vae.NewTrainer(m, set, rand.NewPCG(o.seed, vaeTrainStream))
		}
		if err != nil {
			return err
		}
	}
	defer tr.Close()
	set := tr.Settings()
	if !o.quiet {
		m := tr.Model()
		fmt.Fprintf(e.stderr, "%s: %s, %d weights, batch %d, %s, %s gradient, %s targets, %d train / %d test images -> %s\n",
			name, m.Config, m.NumParams(), set.Batch, set.Objective, set.Estimator, vae.FormatTargets(set.Targets), train.N, test.N, o.out)
	}
	if tr.Epoch() >= o.epochs {
		if !o.quiet {
			fmt.Fprintf(e.stderr, "%s: the checkpoint already has %d epochs (--epochs %d): nothing to train\n", name, tr.Epoch(), o.epochs)
		}
		// Refresh the pictures: a run killed after its last checkpoint may
		// not have drawn them.
		if err := writePictures(o.out, tr.Model(), test, set.Targets, history, o.seed); err != nil {
			return err
		}
	}
	for tr.Epoch() < o.epochs {
		start := time.Now()
		trainLoss, err := tr.TrainEpoch(train)
		bar.finish()
		if err != nil {
			return err
		}
		ep := tr.Epoch()
		m := tr.Model()
		testBound, err := vae.Bound(m, test, vae.EvalSettings{Targets: set.Targets}, rand.New(rand.NewPCG(uint64(ep), vaeEvalStream)))
		if err != nil {
			return err
		}
		rec := epochMetrics{Epoch: ep, TrainLoss: trainLoss, TestLoss: -testBound, Seconds: time.Since(start).Seconds()}
		history = append(history, rec)
		c, err := tr.Checkpoint()
		if err == nil {
			err = mkdir()
		}
		if err == nil {
			err = writeMetrics(metricsPath, history)
		}
		if err == nil {
			err = c.Save(ckptPath)
		}
		if err == nil {
			err = writePictures(o.out, m, test, set.Targets, history, o.seed)
		}
		if err != nil {
			return err
		}
		if !o.quiet {
			fmt.Fprintf(e.stderr, "epoch %d/%d  train loss %.2f  test loss %.2f  %.1fs\n", ep, o.epochs, rec.TrainLoss, rec.TestLoss, rec.Seconds)
		}
	}
	if len(history) > 0 {
		last := history[len(history)-1]
		return e.printf("the summary line (the run folder is complete)", "epochs %d  train_loss %.4f  test_loss %.4f  run %s\n",
			last.Epoch, last.TrainLoss, last.TestLoss, o.out)
	}
	return nil
}

// removeStale removes the temporary files that a killed run left in dir,
// saying so on stderr unless quiet. Failing to is not an error.
func removeStale(e *env, dir string, quiet bool) {
	removed, err := atomicfile.RemoveStale(dir)
	if quiet {
		return
	}
	if len(removed) > 0 {
		fmt.Fprintf(e.stderr, "%s: removed %d temporary file(s) left in %s by a killed run: %s\n", e.cmd, len(removed), dir, strings.Join(removed, ", "))
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: warning: removing the temporary files of a killed run: %v\n", e.cmd, err)
	}
}

// reconcileMetrics reads metrics.jsonl for a run resumed from a checkpoint
// of epoch upTo and makes it agree with the checkpoint: lines of later
// epochs (written by a run killed before its checkpoint) are dropped and the
// file rewritten at once; epochs missing before upTo (a run of an older
// version killed after its checkpoint) are reported, as loss.png lacks them.
func reconcileMetrics(e *env, path string, upTo int, quiet bool) ([]epochMetrics, error) {
	history, dropped, err := readMetrics(path, upTo)
	if err != nil {
		return nil, bad(err)
	}
	if dropped > 0 {
		if err := writeMetrics(path, history); err != nil {
			return nil, err
		}
		if !quiet {
			fmt.Fprintf(e.stderr, "%s: %s: dropped %d line(s) past the checkpoint's epoch %d (a run killed between its writes)\n", e.cmd, path, dropped, upTo)
		}
	}
	if len(history) < upTo && !quiet {
		fmt.Fprintf(e.stderr, "%s: warning: %s has %d line(s) for the checkpoint's %d epochs\n", e.cmd, path, len(history), upTo)
	}
	return history, nil
}

// checkResumeFlags rejects flags given with --resume that contradict the
// checkpoint: the architecture and training settings come from the checkpoint.
func checkResumeFlags(o *vaeTrainOptions, c *vae.Checkpoint) error {
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
		{"latent-dist", o.cfg.Latents == cfg.Latents, cfg.Latents.String()},
		{"estimator", o.train.Estimator == tr.Estimator, tr.Estimator.String()},
		{"kl-warmup", o.train.KLWarmup == tr.KLWarmup, fmt.Sprint(tr.KLWarmup)},
		{"qmc", o.train.QMC == tr.QMC, fmt.Sprint(tr.QMC)},
	}
	for _, c := range checks {
		if o.set[c.flag] && !c.same {
			return badf("--%s differs from the checkpoint's %s: a resumed run keeps its settings (drop the flag)", c.flag, c.ckptValue)
		}
	}
	return nil
}

// maxMetricsBytes bounds metrics.jsonl: a million epochs' lines.
const maxMetricsBytes = 256 << 20

// readMetrics reads metrics.jsonl, keeping the lines of epochs up to upTo and
// counting the later ones, dropped (a resumed run rewrites them). A missing
// file gives no lines.
func readMetrics(path string, upTo int) (kept []epochMetrics, dropped int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxMetricsBytes))
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m epochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, 0, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if m.Epoch <= upTo {
			kept = append(kept, m)
		} else {
			dropped++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", path, err)
	}
	return kept, dropped, nil
}

// writeMetrics writes metrics.jsonl atomically, one JSON line per epoch.
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

// vaeEvalSynopsis is the flags summary of `vigor vae eval`.
const vaeEvalSynopsis = `--ckpt runs/NAME/model.ckpt [--k 5000] [--limit N] [--json] [--seed 1]
[--data-dir DIR] [--quiet]`

// vaeEvalAbout is the help text of `vigor vae eval`.
const vaeEvalAbout = `Eval reports, on the MNIST test set, the ELBO (analytic KL, one sample per
image) and the log-likelihood log p(x) estimated by importance sampling with K
samples from q(z|x) (Burda et al. 2015), both in nats per image. The estimate
is computed in bounded memory; K = 5000 over all 10000 images takes a while
(use --limit for a quick look). Dynamic-binarization runs are evaluated on the
fixed (static) binarization of the test set.`

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

// vaeEvalOptions are the flags of `vigor vae eval`.
type vaeEvalOptions struct {
	ckpt    string
	k       int
	limit   int
	asJSON  bool
	seed    uint64
	dataDir string
	quiet   bool
}

// flags implements options.
func (o *vaeEvalOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.ckpt, "ckpt", "", "the checkpoint `file` (required)")
	fs.IntVar(&o.k, "k", 5000, "importance `samples` per image")
	fs.IntVar(&o.limit, "limit", 0, "evaluate the first `N` test images only (0: all)")
	fs.BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	fs.Uint64Var(&o.seed, "seed", 1, "random `seed`")
	fs.StringVar(&o.dataDir, "data-dir", "", "MNIST `directory` (default $VIGOR_DATA, else the user cache)")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress on stderr")
}

// check implements options.
func (o *vaeEvalOptions) check(map[string]bool) error {
	switch {
	case o.ckpt == "":
		return badf("--ckpt is required")
	case o.k < 1:
		return badf("--k %d: must be at least 1", o.k)
	case o.limit < 0:
		return badf("--limit %d: must not be negative", o.limit)
	}
	return nil
}

// run implements options: it evaluates the checkpoint on the test set and
// prints the report.
func (o *vaeEvalOptions) run(e *env) error {
	c, err := loadCheckpoint(o.ckpt)
	if err != nil {
		return err
	}
	need, limitErr := vae.EvalMemory(c.Model.Config, vae.EvalSettings{K: o.k})
	if err := checkMemory(fmt.Sprintf("%s: evaluating %s", o.ckpt, c.Model.Config), need+mnistMemory); err != nil {
		return err
	}
	if limitErr != nil {
		return badf("%s: %v", o.ckpt, limitErr)
	}
	mn, err := loadMNIST(o.dataDir, e, o.quiet)
	if err != nil {
		return err
	}
	test := subset(&mn.Test, o.limit)
	start := time.Now()
	targets := c.Train.Targets
	elbo, err := vae.Bound(c.Model, test, vae.EvalSettings{Targets: targets}, rand.New(rand.NewPCG(o.seed, vaeEvalStream)))
	if err != nil {
		return err
	}
	bar := newCountLog(e, o.quiet, fmt.Sprintf("log p(x), K=%d", o.k), "images")
	_, ll, err := vae.LogLikelihood(c.Model, test, vae.EvalSettings{Targets: targets, K: o.k, Progress: bar.update},
		rand.New(rand.NewPCG(o.seed, vaeSampleStream)))
	bar.finish()
	if err != nil {
		return err
	}
	rep := evalReport{Checkpoint: o.ckpt, Model: c.Model.Config.String(), Epoch: c.Epoch, Targets: vae.FormatTargets(targets),
		Images: test.N, ELBO: elbo, LogLikelihood: ll, K: o.k, Seed: o.seed, Seconds: time.Since(start).Seconds()}
	var out bytes.Buffer
	if o.asJSON {
		doc, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(&out, "%s\n", doc)
	} else {
		fmt.Fprintf(&out, "checkpoint      %s (%s, epoch %d, %s targets)\n", rep.Checkpoint, rep.Model, rep.Epoch, rep.Targets)
		fmt.Fprintf(&out, "test images     %d\n", rep.Images)
		fmt.Fprintf(&out, "ELBO            %.3f nats  (test loss %.3f)\n", rep.ELBO, -rep.ELBO)
		fmt.Fprintf(&out, "log p(x), K=%-4d %.3f nats  (importance sampling)\n", rep.K, rep.LogLikelihood)
	}
	lost := fmt.Sprintf("the evaluation (ELBO %.3f, log p(x) %.3f nats per image on %d images, K=%d)", rep.ELBO, rep.LogLikelihood, rep.Images, rep.K)
	return e.write(lost, out.Bytes())
}

// ---- vigor vae sample ----

// vaeSampleSynopsis is the flags summary of `vigor vae sample`.
const vaeSampleSynopsis = `--ckpt runs/NAME/model.ckpt [--n 64] [--out samples.png] [--seed 1]`

// vaeSampleAbout is the help text of `vigor vae sample`.
const vaeSampleAbout = `Sample draws N codes from the prior (z ~ N(0, I), or Bernoulli(½) codes for a
model with Bernoulli latents), decodes them, and writes the decoded pixel
probabilities as a PNG grid (as square as possible).`

// vaeSampleOptions are the flags of `vigor vae sample`.
type vaeSampleOptions struct {
	ckpt string
	n    int
	out  string
	seed uint64
}

// flags implements options.
func (o *vaeSampleOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.ckpt, "ckpt", "", "the checkpoint `file` (required)")
	fs.IntVar(&o.n, "n", 64, "number of `samples`")
	fs.StringVar(&o.out, "out", "samples.png", "output PNG `file`")
	fs.Uint64Var(&o.seed, "seed", 1, "random `seed`")
}

// check implements options; it also rejects an --out that cannot be written.
func (o *vaeSampleOptions) check(map[string]bool) error {
	switch {
	case o.ckpt == "":
		return badf("--ckpt is required")
	case o.n < 1 || o.n > 10000:
		return badf("--n %d: must be between 1 and 10000", o.n)
	}
	return checkWritable(o.out)
}

// run implements options: it decodes --n prior draws into the PNG grid --out.
func (o *vaeSampleOptions) run(e *env) error {
	c, err := loadCheckpoint(o.ckpt)
	if err != nil {
		return err
	}
	imgs, err := c.Model.SamplePrior(o.n, rand.New(rand.NewPCG(o.seed, vaeSampleStream)))
	if err != nil {
		return err
	}
	cols := int(math.Ceil(math.Sqrt(float64(o.n))))
	rows := (o.n + cols - 1) / cols
	for len(imgs) < rows*cols {
		imgs = append(imgs, make([]float64, 784))
	}
	if err := saveGrid(o.out, imgs, rows, cols, 28, 28); err != nil {
		return err
	}
	return e.printf("the confirmation line (the samples are in "+o.out+")", "wrote %d samples to %s\n", o.n, o.out)
}
