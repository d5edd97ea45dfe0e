package vae

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// TestBernoulliVAELearns: a Bernoulli-latent VAE trained with NVIL on
// binarized images improves its test bound from epoch to epoch (the bound of
// each epoch is evaluated with many samples, so the comparison is far outside
// its Monte Carlo error). The plain score function is trained alongside for
// the log (on this small problem Adam's normalization hides most of its
// variance; TestScoreAndNVIL measures it).
func TestBernoulliVAELearns(t *testing.T) {
	train := syntheticImages(600, 6, 6, 11)
	test := syntheticImages(200, 6, 6, 12)
	cfg := Config{Input: 36, Hidden: []int{32}, Latent: 8, Latents: BernoulliLatent}
	eval := func(m *Model) float64 {
		b, err := Bound(m, test, EvalSettings{Targets: datasets.StaticBinary, K: 50, Objective: ELBOMC}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	final := map[Estimator]float64{}
	for _, est := range []Estimator{NVIL, Score} {
		m := newModel(t, cfg, 13)
		tr, err := NewTrainer(m, TrainSettings{Batch: 32, LR: 3e-3, Targets: datasets.DynamicBinary, Estimator: est}, rand.NewPCG(14, 15))
		if err != nil {
			t.Fatal(err)
		}
		bounds := []float64{eval(tr.Model())}
		for e := 0; e < 4; e++ {
			if _, err := tr.TrainEpoch(train); err != nil {
				t.Fatal(err)
			}
			bounds = append(bounds, eval(tr.Model()))
		}
		tr.Close()
		t.Logf("%s: test bound by epoch %.3f", est, bounds)
		if est == NVIL {
			for e := 1; e < len(bounds); e++ {
				if !(bounds[e] > bounds[e-1]) {
					t.Errorf("nvil: the test bound fell from %.3f to %.3f at epoch %d", bounds[e-1], bounds[e], e)
				}
			}
			if !(bounds[len(bounds)-1] > bounds[0]+3) {
				t.Errorf("nvil: test bound %.3f after 4 epochs, %.3f before: no real progress", bounds[len(bounds)-1], bounds[0])
			}
		}
		final[est] = bounds[len(bounds)-1]
	}
	t.Logf("after 4 epochs: nvil %.3f, score %.3f", final[NVIL], final[Score])
}

// TestResumeIsExactNewState: with NVIL (baseline network, its optimizer,
// the signal statistics), KL warm-up and QMC noise, 2 epochs + checkpoint +
// resume + 2 epochs end with exactly the weights of 4 uninterrupted epochs.
func TestResumeIsExactNewState(t *testing.T) {
	set := syntheticImages(150, 4, 4, 2)
	cases := []struct {
		name string
		cfg  Config
		ts   TrainSettings
	}{
		{"nvil+warmup", Config{Input: 16, Hidden: []int{8}, Latent: 3, Latents: BernoulliLatent},
			TrainSettings{Batch: 32, Targets: datasets.DynamicBinary, Estimator: NVIL, KLWarmup: 3}},
		{"dreg+qmc+warmup", Config{Input: 16, Hidden: []int{8}, Latent: 3},
			TrainSettings{Batch: 32, Targets: datasets.DynamicBinary, Objective: IWAE, K: 4, Estimator: DReG, QMC: true, KLWarmup: 3}},
		{"stl", Config{Input: 16, Hidden: []int{8}, Latent: 3, Float64: true},
			TrainSettings{Batch: 32, Objective: ELBOMC, K: 2, Estimator: STL}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newModel(t, c.cfg, 3)
			tr, err := NewTrainer(m.Clone(), c.ts, rand.NewPCG(11, 12))
			if err != nil {
				t.Fatal(err)
			}
			trainEpochs(t, tr, set, 4)
			want := tr.Model().Weights
			tr.Close()

			tr, _ = NewTrainer(m.Clone(), c.ts, rand.NewPCG(11, 12))
			trainEpochs(t, tr, set, 2)
			ck, err := tr.Checkpoint()
			if err != nil {
				t.Fatal(err)
			}
			tr.Close()
			path := filepath.Join(t.TempDir(), "model.ckpt")
			if err := ck.Save(path); err != nil {
				t.Fatal(err)
			}
			c2, err := LoadCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			if c2.Train.Estimator != c.ts.Estimator || c2.Train.KLWarmup != c.ts.KLWarmup || c2.Train.QMC != c.ts.QMC ||
				c2.Model.Config.Latents != c.cfg.Latents {
				t.Fatalf("settings not restored: %+v", c2.Train)
			}
			if (c2.Baseline != nil) != (c.ts.Estimator == NVIL) {
				t.Fatalf("baseline state %v for %s", c2.Baseline != nil, c.ts.Estimator)
			}
			tr2, err := Resume(c2, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tr2.Close()
			trainEpochs(t, tr2, set, 2)
			got := tr2.Model().Weights
			for i := range want {
				for j := range want[i] {
					if got[i][j] != want[i][j] {
						t.Fatalf("weight %d[%d]: resumed %v, uninterrupted %v", i, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}

// TestKLWarmup: the warm-up's gradient is linear in β, g(β) = g_ll - β·g_KL,
// equal at β = 1 to the gradient without warm-up on the same draws, and the
// loss reported is the unweighted bound whatever β.
func TestKLWarmup(t *testing.T) {
	for _, obj := range []Objective{ELBO, ELBOMC, IWAE} {
		m := newModel(t, tinyConfig(Bernoulli), 6)
		const B, K = 3, 2
		nets := map[bool]*net{}
		for _, w := range []bool{false, true} {
			n, err := newNetOpts(m.Config, modeTrain, obj, B, K, netOpts{warmup: w})
			if err != nil {
				t.Fatal(err)
			}
			defer n.close()
			n.setWeights(m.Weights)
			rng := rand.New(rand.NewPCG(8, 8))
			x := make([]float64, B*6)
			for i := range x {
				x[i] = rng.Float64()
			}
			graph.Set(n.x, x)
			fillNormal(n.eps, rng)
			graph.Set(n.mask, []float64{1, 1, 1})
			nets[w] = n
		}
		run := func(n *net, beta float64) ([]float64, float64) {
			if n.beta != nil {
				setScalar(n.beta, beta)
			}
			if err := n.run(); err != nil {
				t.Fatal(err)
			}
			var g []float64
			for _, v := range nodeValues(n.grads) {
				g = append(g, v...)
			}
			return g, graph.Scalar64(n.loss)
		}
		plain, lossPlain := run(nets[false], 0)
		g0, l0 := run(nets[true], 0)
		gh, lh := run(nets[true], 0.5)
		g1, l1 := run(nets[true], 1)
		if l0 != lossPlain || lh != lossPlain || l1 != lossPlain {
			t.Errorf("%s: losses %v %v %v, want the bound's %v", obj, l0, lh, l1, lossPlain)
		}
		differ := false
		for i := range plain {
			if math.Abs(g1[i]-plain[i]) > 1e-12*(1+math.Abs(plain[i])) {
				t.Fatalf("%s: β = 1 gradient %v, without warm-up %v", obj, g1[i], plain[i])
			}
			if obj != IWAE && math.Abs(gh[i]-(g0[i]+g1[i])/2) > 1e-10*(1+math.Abs(gh[i])) {
				t.Fatalf("%s: gradient not linear in β: g(½) = %v, mean of g(0), g(1) = %v", obj, gh[i], (g0[i]+g1[i])/2)
			}
			differ = differ || math.Abs(g0[i]-g1[i]) > 1e-6
		}
		if !differ {
			t.Errorf("%s: β does not change the gradient", obj)
		}
	}
}

// TestQMCNoise: with QMC the K draws of each image are a scrambled net, so
// the gradient of the IWAE bound keeps its mean and its variance falls (K = 16).
func TestQMCNoise(t *testing.T) {
	m := newModel(t, tinyConfig(Gaussian), 23)
	data := syntheticImages(4, 2, 3, 7)
	idx := []int{0, 1}
	set := TrainSettings{Batch: 2, Objective: ELBOMC, K: 16}
	mc := sampleGradients(t, m, set, data, idx, 0, 1500, 9)
	set.QMC = true
	q := sampleGradients(t, m, set, data, idx, 0, 1500, 10)
	sameMeans(t, "qmc vs iid", q, mc)
	vm, vq := mc.totalVariance(""), q.totalVariance("")
	t.Logf("total gradient variance, K=16: i.i.d. %.4g, QMC %.4g (%.1f×)", vm, vq, vm/vq)
	if !(vq < vm/3) {
		t.Errorf("QMC gradient variance %.4g is not a third of i.i.d.'s %.4g", vq, vm)
	}
}

// TestCheckpointVersion1: a version-1 checkpoint (no latent, estimator,
// warm-up or baseline fields) still loads, as a Gaussian reparam run.
func TestCheckpointVersion1(t *testing.T) {
	_, hdr, values := goodCheckpoint(t)
	for _, k := range []string{"latent_dist", "estimator", "kl_warmup", "qmc"} {
		delete(hdr, k)
	}
	js, _ := json.Marshal(hdr)
	c, err := DecodeCheckpoint(frame(1, js, values))
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Config.Latents != GaussianLatent || c.Train.Estimator != Reparam || c.Baseline != nil {
		t.Errorf("version 1 read as %v/%v", c.Model.Config.Latents, c.Train.Estimator)
	}
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint32(buf.Bytes()[8:]); v != CheckpointVersion {
		t.Errorf("re-encoded as version %d", v)
	}
}

// TestCraftedCheckpointsV2: the version-2 fields are validated as settings
// given to this package are: an unknown estimator or latent distribution,
// an estimator that does not fit the latents or the objective, an NVIL run
// without its baseline network, a baseline with another estimator, a bad
// warm-up or bad signal statistics are ErrCorrupt, naming the problem.
func TestCraftedCheckpointsV2(t *testing.T) {
	type header = map[string]any
	set := func(key string, v any) func(header) { return func(h header) { h[key] = v } }
	cases := []struct {
		name string
		edit func(header)
		want string
	}{
		{"bad estimator", set("estimator", "magic"), "magic"},
		{"bad latent distribution", set("latent_dist", "cube"), "cube"},
		{"stl with the analytic elbo", set("estimator", "stl"), "stl needs the elbo-mc objective"},
		{"nvil on Gaussian latents", set("estimator", "nvil"), "for Bernoulli latents"},
		{"negative warm-up", set("kl_warmup", -2), "KL warm-up"},
		{"baseline with reparam", set("baseline_params", []map[string]any{{"name": "baseline.0.W", "shape": []int{6, 100}}}), "a baseline network with the reparam estimator"},
		{"nan signal", func(h header) { h["signal_var"] = -1.0 }, "signal statistics"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCheckpoint(craft(t, tc.edit))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeCheckpoint: %v\nwant ErrCorrupt mentioning %q", err, tc.want)
			}
		})
	}
	// A Bernoulli-latent model whose nvil checkpoint lost its baseline.
	m := newModel(t, Config{Input: 6, Hidden: []int{4}, Latent: 2, Latents: BernoulliLatent}, 1)
	tr, err := NewTrainer(m, TrainSettings{Batch: 4, Estimator: NVIL}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	c, err := tr.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	c.Baseline = nil
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeCheckpoint(buf.Bytes()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "without its baseline") {
		t.Errorf("nvil without a baseline: %v", err)
	}
	if _, err := Resume(c, nil); err == nil {
		t.Error("Resume accepted an nvil checkpoint without its baseline state")
	}
}

// TestWarmupEstimatorsUnbiased: under KL warm-up at β = ½ the STL and DReG
// gradients (DReG's encoder coefficient (1-β)w̃ + βw̃²) have the mean of the
// reparameterized gradient of the same annealed objective, entry by entry.
func TestWarmupEstimatorsUnbiased(t *testing.T) {
	m := newModel(t, tinyConfig(Gaussian), 24)
	const B, K, R = 2, 4, 3000
	x := []float64{0.1, 0.9, 0.4, 0, 1, 0.7, 0.3, 0.3, 0.8, 1, 0, 0.5}
	sample := func(obj Objective, est Estimator, seed uint64) *gradStats {
		n, err := newNetOpts(m.Config, modeTrain, obj, B, K, netOpts{est: est, warmup: true})
		if err != nil {
			t.Fatal(err)
		}
		defer n.close()
		n.setWeights(m.Weights)
		graph.Set(n.x, x)
		graph.Set(n.mask, []float64{1, 1})
		setScalar(n.beta, 0.5)
		rng := rand.New(rand.NewPCG(seed, 3))
		g := newGradStats(m)
		for r := 0; r < R; r++ {
			n.fillNoise(rng)
			if err := n.run(); err != nil {
				t.Fatal(err)
			}
			g.add(nodeValues(n.grads))
		}
		return g
	}
	sameMeans(t, "stl vs reparam, elbo-mc, β = ½", sample(ELBOMC, STL, 1), sample(ELBOMC, Reparam, 2))
	sameMeans(t, "dreg vs reparam, iwae, β = ½", sample(IWAE, DReG, 3), sample(IWAE, Reparam, 4))
}

// TestWarmupSchedule: β rises linearly over the warm-up epochs, batch by
// batch, and stays at 1 after them.
func TestWarmupSchedule(t *testing.T) {
	tr := &Trainer{set: TrainSettings{KLWarmup: 2}}
	for _, c := range []struct {
		epoch, batch, of int
		want             float64
	}{{1, 1, 10, 0}, {1, 6, 10, 0.25}, {2, 1, 10, 0.5}, {2, 10, 10, 0.95}, {3, 1, 10, 1}, {7, 4, 10, 1}} {
		if got := tr.beta(c.epoch, c.batch, c.of); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("epoch %d batch %d/%d: β = %v, want %v", c.epoch, c.batch, c.of, got, c.want)
		}
	}
}

// nvilCheckpoint returns a valid checkpoint of a tiny Bernoulli-latent model
// trained one epoch with NVIL (a baseline network with its optimizer state),
// its header as a map and the values after the header.
func nvilCheckpoint(t testing.TB) (data []byte, hdr map[string]any, values []byte) {
	t.Helper()
	m, err := New(Config{Input: 6, Hidden: []int{5}, Latent: 2, Float64: true, Latents: BernoulliLatent}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, TrainSettings{Batch: 8, Estimator: NVIL, KLWarmup: 2, Targets: datasets.DynamicBinary}, rand.NewPCG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.TrainEpoch(syntheticImages(16, 2, 3, 1)); err != nil {
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
	data = buf.Bytes()
	hl := binary.LittleEndian.Uint32(data[12:])
	if err := json.Unmarshal(data[16:16+hl], &hdr); err != nil {
		t.Fatal(err)
	}
	return data, hdr, data[16+hl : len(data)-32]
}

// TestNVILCheckpointTruncated: an NVIL checkpoint round-trips, and every
// truncation of it, or a flipped bit in its baseline's values, is ErrCorrupt.
func TestNVILCheckpointTruncated(t *testing.T) {
	data, _, _ := nvilCheckpoint(t)
	c, err := DecodeCheckpoint(data)
	if err != nil {
		t.Fatal(err)
	}
	if c.Baseline == nil || !c.Baseline.Init || c.Baseline.Optimizer.Steps != 2 || len(c.Baseline.Optimizer.Buffers) != 2 {
		t.Fatalf("baseline state %+v", c.Baseline)
	}
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("re-encoding changed the bytes (%v)", err)
	}
	for n := 0; n < len(data); n += 1 + n/50 {
		if _, err := DecodeCheckpoint(data[:n]); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotCheckpoint) {
			t.Fatalf("truncated to %d of %d bytes: %v", n, len(data), err)
		}
	}
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)-40] ^= 1 // inside the baseline's optimizer buffers
	if _, err := DecodeCheckpoint(flipped); !errors.Is(err, ErrCorrupt) {
		t.Errorf("flipped bit: %v", err)
	}
}
