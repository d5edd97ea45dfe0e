package vae

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// tinyConfig is a small float64 network for exact tests.
func tinyConfig(dec Likelihood) Config {
	return Config{Input: 6, Hidden: []int{5}, Latent: 3, Activation: graph.ActTanh, Decoder: dec, Float64: true}
}

// syntheticImages returns n random h×w images whose pixels have structure (a
// few bright strokes per class) so that a VAE can learn something.
func syntheticImages(n, h, w int, seed uint64) *datasets.ImageSet {
	rng := rand.New(rand.NewPCG(seed, 99))
	s := &datasets.ImageSet{N: n, Rows: h, Cols: w, Pixels: make([]uint8, n*h*w), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		c := rng.IntN(3)
		s.Labels[i] = uint8(c)
		img := s.Pixels[i*h*w : (i+1)*h*w]
		for r := 0; r < h; r++ {
			for q := 0; q < w; q++ {
				on := (c == 0 && r == h/2) || (c == 1 && q == w/2) || (c == 2 && r == q)
				v := rng.IntN(40)
				if on {
					v = 200 + rng.IntN(56)
				}
				img[r*w+q] = uint8(v)
			}
		}
	}
	return s
}

func newModel(t *testing.T, cfg Config, seed uint64) *Model {
	t.Helper()
	m, err := New(cfg, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// boundNet builds a forward network with m's weights and fills x with one image.
func boundNet(t *testing.T, m *Model, obj Objective, mode netMode, k int, x []float64) *net {
	t.Helper()
	n, err := newNet(m.Config, mode, obj, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.setWeights(m.Weights); err != nil {
		t.Fatal(err)
	}
	if err := graph.Set(n.x, x); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAnalyticKLMatchesMonteCarlo: with the same draws, the bound with the
// Monte Carlo KL minus the bound with the analytic KL is KL - mean(log q - log
// p), whose standard error we compute from the draws.
func TestAnalyticKLMatchesMonteCarlo(t *testing.T) {
	m := newModel(t, tinyConfig(Bernoulli), 3)
	// Make q(z|x) far from the prior so that the KL is sizeable.
	for i := range m.Weights[3] {
		m.Weights[3][i] += 1.5 // enc.mu.b
	}
	x := []float64{1, 0, 1, 1, 0, 0.5}
	const K = 20000
	rng := rand.New(rand.NewPCG(7, 7))
	eps := make([]float64, K*3)
	for i := range eps {
		eps[i] = rng.NormFloat64()
	}
	var bounds [2]float64
	for j, obj := range []Objective{ELBO, ELBOMC} {
		n := boundNet(t, m, obj, modeBound, K, x)
		if err := graph.Set(n.eps, eps); err != nil {
			t.Fatal(err)
		}
		if err := n.run(); err != nil {
			t.Fatal(err)
		}
		bounds[j] = graph.Values(n.bound)[0]
		n.close()
	}
	mu, lv, err := m.Encode([][]float64{x})
	if err != nil {
		t.Fatal(err)
	}
	var kl float64
	for j := 0; j < 3; j++ {
		kl += 0.5 * (mu[0][j]*mu[0][j] + math.Exp(lv[0][j]) - 1 - lv[0][j])
	}
	// Per-draw MC KL terms log q - log p, for the standard error.
	var s, s2 float64
	for k := 0; k < K; k++ {
		var d float64
		for j := 0; j < 3; j++ {
			e := eps[k*3+j]
			z := mu[0][j] + math.Exp(lv[0][j]/2)*e
			d += -0.5*e*e - 0.5*lv[0][j] + 0.5*z*z
		}
		s += d
		s2 += d * d
	}
	mean := s / K
	se := math.Sqrt((s2/K - mean*mean) / K)
	if kl < 1 {
		t.Fatalf("test setup: KL %g too small to be a meaningful check", kl)
	}
	// ELBO - ELBOMC = mean(logq - logp) - KL.
	diff := bounds[0] - bounds[1]
	if math.Abs(diff-(mean-kl)) > 1e-8 {
		t.Errorf("bound difference %g, want the MC-minus-analytic KL %g", diff, mean-kl)
	}
	if math.Abs(mean-kl) > 4*se {
		t.Errorf("MC KL %g ± %g, analytic %g: more than 4 standard errors apart", mean, se, kl)
	}
}

// TestIWAEOneSampleIsELBO: with K = 1 the IWAE bound is the Monte Carlo-KL ELBO
// for the same draw.
func TestIWAEOneSampleIsELBO(t *testing.T) {
	for _, dec := range []Likelihood{Bernoulli, Gaussian} {
		m := newModel(t, tinyConfig(dec), 4)
		x := []float64{0.2, 0, 1, 1, 0.7, 0}
		rng := rand.New(rand.NewPCG(1, 1))
		for rep := 0; rep < 5; rep++ {
			eps := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			var got [2]float64
			for j, obj := range []Objective{IWAE, ELBOMC} {
				n := boundNet(t, m, obj, modeBound, 1, x)
				graph.Set(n.eps, eps)
				if err := n.run(); err != nil {
					t.Fatal(err)
				}
				got[j] = graph.Values(n.bound)[0]
				n.close()
			}
			if math.Abs(got[0]-got[1]) > 1e-12*math.Abs(got[1]) {
				t.Errorf("%v: IWAE(K=1) %v != ELBO %v", dec, got[0], got[1])
			}
		}
	}
}

// TestIWAEGrowsWithK: E[IWAE_K] increases with K (Burda et al. 2015, Thm 1),
// checked on averages over many images with their standard errors.
func TestIWAEGrowsWithK(t *testing.T) {
	m := newModel(t, Config{Input: 16, Hidden: []int{12}, Latent: 2, Float64: true}, 5)
	set := syntheticImages(400, 4, 4, 3)
	prev := math.Inf(-1)
	prevSE := 0.0
	for _, k := range []int{1, 4, 32} {
		rng := rand.New(rand.NewPCG(uint64(k), 2))
		var sum, sum2 float64
		const reps = 10
		for r := 0; r < reps; r++ {
			b, err := Bound(m, set, EvalSettings{Targets: datasets.StaticBinary, Objective: IWAE, K: k}, rng)
			if err != nil {
				t.Fatal(err)
			}
			sum += b
			sum2 += b * b
		}
		mean := sum / reps
		se := math.Sqrt(math.Max(0, sum2/reps-mean*mean) / reps)
		t.Logf("K=%d: IWAE %.4f ± %.4f", k, mean, se)
		if !(mean-prev > 4*math.Hypot(se, prevSE)) {
			t.Errorf("IWAE with K=%d (%.4f ± %.4f) is not clearly above the smaller K's %.4f ± %.4f", k, mean, se, prev, prevSE)
		}
		prev, prevSE = mean, se
	}
}

// TestGradientsFiniteDifferences checks the training graph's gradients against
// central differences of its loss, in float64, for every objective and decoder.
func TestGradientsFiniteDifferences(t *testing.T) {
	for _, dec := range []Likelihood{Bernoulli, Gaussian} {
		for _, obj := range []Objective{ELBO, ELBOMC, IWAE} {
			m := newModel(t, tinyConfig(dec), 6)
			const B, K = 3, 2
			n, err := newNet(m.Config, modeTrain, obj, B, K)
			if err != nil {
				t.Fatal(err)
			}
			n.setWeights(m.Weights)
			rng := rand.New(rand.NewPCG(8, 8))
			x := make([]float64, B*6)
			for i := range x {
				x[i] = rng.Float64()
			}
			graph.Set(n.x, x)
			fillNormal(n.eps, rng)
			graph.Set(n.mask, []float64{1, 1, 0}) // the padded row must not count
			if err := n.run(); err != nil {
				t.Fatal(err)
			}
			var grads [][]float64
			for _, g := range n.grads {
				grads = append(grads, graph.Values(g))
			}
			loss := func() float64 {
				if err := n.run(); err != nil {
					t.Fatal(err)
				}
				return graph.Scalar64(n.loss)
			}
			const h = 1e-6
			checked := 0
			for i, p := range n.params {
				data := graph.Float64s(p)
				for j := 0; j < len(data); j += 1 + len(data)/7 {
					old := data[j]
					data[j] = old + h
					up := loss()
					data[j] = old - h
					down := loss()
					data[j] = old
					fd := (up - down) / (2 * h)
					if math.Abs(fd-grads[i][j]) > 1e-5*(1+math.Abs(fd)) {
						t.Errorf("%v/%v: d loss/d %s[%d] = %.8g, finite difference %.8g", dec, obj, p.Name(), j, grads[i][j], fd)
					}
					checked++
				}
			}
			n.close()
			if checked < 20 {
				t.Fatalf("only %d gradient entries checked", checked)
			}
		}
	}
}

// TestMaskIgnoresPadding: a padded row changes neither the loss nor the gradients.
func TestMaskIgnoresPadding(t *testing.T) {
	m := newModel(t, tinyConfig(Bernoulli), 9)
	n, err := newNet(m.Config, modeTrain, ELBO, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	n.setWeights(m.Weights)
	graph.Set(n.mask, []float64{1, 0})
	graph.Set(n.eps, []float64{0.1, 0.2, 0.3, 1, 2, 3})
	var losses []float64
	for _, row2 := range [][]float64{{0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}} {
		graph.Set(n.x, append([]float64{1, 0, 1, 0, 1, 0}, row2...))
		n.run()
		losses = append(losses, graph.Scalar64(n.loss))
	}
	if losses[0] != losses[1] {
		t.Errorf("loss depends on a masked row: %v", losses)
	}
}

func trainEpochs(t *testing.T, tr *Trainer, set *datasets.ImageSet, n int) []float64 {
	t.Helper()
	var out []float64
	for i := 0; i < n; i++ {
		l, err := tr.TrainEpoch(set)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestTrainingLearns: the loss falls, in float32 and float64, and a training run
// is reproducible from its seeds.
func TestTrainingLearns(t *testing.T) {
	set := syntheticImages(600, 6, 6, 1)
	for _, f64 := range []bool{false, true} {
		var runs [2][]float64
		for r := range runs {
			m := newModel(t, Config{Input: 36, Hidden: []int{32}, Latent: 2, Float64: f64}, 2)
			tr, err := NewTrainer(m, TrainSettings{Batch: 50, LR: 3e-3, Targets: datasets.DynamicBinary}, rand.NewPCG(5, 5))
			if err != nil {
				t.Fatal(err)
			}
			runs[r] = trainEpochs(t, tr, set, 8)
			tr.Close()
		}
		l := runs[0]
		if !(l[len(l)-1] < 0.8*l[0]) {
			t.Errorf("float64=%v: loss did not fall: %v", f64, l)
		}
		for i := range l {
			if runs[0][i] != runs[1][i] {
				t.Fatalf("float64=%v: same seeds, different losses: %v vs %v", f64, runs[0], runs[1])
			}
		}
	}
}

// TestResumeIsExact: training 2 epochs, saving, loading and training 2 more ends
// with exactly the weights of 4 uninterrupted epochs.
func TestResumeIsExact(t *testing.T) {
	set := syntheticImages(300, 5, 5, 2)
	cfg := Config{Input: 25, Hidden: []int{16}, Latent: 3}
	ts := TrainSettings{Batch: 32, Targets: datasets.DynamicBinary, Objective: IWAE, K: 3}
	m := newModel(t, cfg, 3)
	tr, err := NewTrainer(m.Clone(), ts, rand.NewPCG(11, 12))
	if err != nil {
		t.Fatal(err)
	}
	trainEpochs(t, tr, set, 4)
	want := tr.Model().Weights
	tr.Close()

	tr, _ = NewTrainer(m.Clone(), ts, rand.NewPCG(11, 12))
	trainEpochs(t, tr, set, 2)
	c, err := tr.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	path := filepath.Join(t.TempDir(), "model.ckpt")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	c2, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Epoch != 2 || c2.Steps != 2*10 {
		t.Errorf("checkpoint epoch %d steps %d, want 2 and 20", c2.Epoch, c2.Steps)
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
}

func TestCheckpointErrors(t *testing.T) {
	m := newModel(t, tinyConfig(Gaussian), 1)
	rs, _ := rand.NewPCG(1, 2).MarshalBinary()
	c := &Checkpoint{Model: m, Train: TrainSettings{Batch: 4, LR: 1e-3, K: 1}, RNG: rs}
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	back, err := DecodeCheckpoint(good)
	if err != nil {
		t.Fatal(err)
	}
	if back.Model.Config.String() != m.Config.String() || back.Model.Weights[2][1] != m.Weights[2][1] {
		t.Errorf("round trip changed the model")
	}
	versioned := resum(append([]byte(nil), good...))
	versioned[8] = 9
	versioned = resum(versioned)
	flippedVersion := append([]byte(nil), good...)
	flippedVersion[8] ^= 2 // a flipped bit in the version: corruption
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-100] ^= 1
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotCheckpoint},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), ErrNotCheckpoint},
		{"version", versioned, ErrVersion},
		{"flipped version bit", flippedVersion, ErrCorrupt},
		{"truncated header", good[:20], ErrCorrupt},
		{"truncated body", good[:len(good)-50], ErrCorrupt},
		{"flipped bit", flipped, ErrCorrupt},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		path := filepath.Join(dir, tc.name)
		os.WriteFile(path, tc.data, 0o644)
		_, err := LoadCheckpoint(path)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		} else if !bytes.Contains([]byte(err.Error()), []byte(path)) {
			t.Errorf("%s: error %q does not name the file", tc.name, err)
		}
	}
}

func TestNonFiniteStops(t *testing.T) {
	set := syntheticImages(64, 4, 4, 1)
	m := newModel(t, Config{Input: 16, Hidden: []int{8}, Latent: 2, Decoder: Gaussian}, 1)
	tr, err := NewTrainer(m, TrainSettings{Batch: 16, LR: 1e6}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var last error
	for i := 0; i < 50 && last == nil; i++ {
		_, last = tr.TrainEpoch(set)
	}
	if !errors.Is(last, ErrNonFinite) {
		t.Fatalf("huge learning rate: error %v, want ErrNonFinite", last)
	}
	if err := tr.Model().check(); err != nil {
		t.Errorf("weights after the stop are not the last finite ones: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := New(Config{Latent: -1}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("negative latent size accepted")
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Error("nil rng accepted")
	}
	m := newModel(t, tinyConfig(Bernoulli), 1)
	if _, err := NewTrainer(m, TrainSettings{Batch: -1}, rand.NewPCG(1, 1)); err == nil {
		t.Error("negative batch accepted")
	}
	tr, err := NewTrainer(m, TrainSettings{}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.TrainEpoch(syntheticImages(10, 3, 3, 1)); err == nil {
		t.Error("images of the wrong size accepted")
	}
}

// TestLogLikelihoodChunks: the importance-sampling estimate does not depend on
// how the K samples are split into chunks (with one image per run, the draws are
// the same), K need not be a multiple of the chunk, and the estimate is above
// the ELBO.
func TestLogLikelihoodChunks(t *testing.T) {
	m := newModel(t, Config{Input: 16, Hidden: []int{12}, Latent: 2, Float64: true}, 5)
	set := syntheticImages(30, 4, 4, 3)
	var est [][]float64
	var means []float64
	for _, chunk := range []int{60, 7, 1} {
		s := EvalSettings{Targets: datasets.StaticBinary, K: 60, Chunk: chunk, Batch: 1}
		if chunk == 7 {
			s.K = 63 // 9 chunks of 7
		}
		a, mean, err := LogLikelihood(m, set, s, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 30 {
			t.Fatalf("%d estimates for 30 images", len(a))
		}
		est = append(est, a)
		means = append(means, mean)
	}
	for i := range est[0] {
		if math.Abs(est[0][i]-est[2][i]) > 1e-9 {
			t.Errorf("image %d: chunk 60 gives %v, chunk 1 gives %v", i, est[0][i], est[2][i])
		}
	}
	elbo, err := Bound(m, set, EvalSettings{Targets: datasets.StaticBinary, K: 256, Objective: ELBOMC}, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for i, mean := range means {
		if !(mean > elbo) {
			t.Errorf("run %d: log-likelihood estimate %g below the ELBO %g", i, mean, elbo)
		}
	}
}

// TestLogLikelihoodExact: when q(z|x) is the prior and the decoder ignores z,
// every importance weight is p(x), so the estimate is exact for any K.
func TestLogLikelihoodExact(t *testing.T) {
	cfg := Config{Input: 9, Hidden: []int{4}, Latent: 2, Activation: graph.ActTanh, Float64: true}
	m := newModel(t, cfg, 12)
	names := m.ParamNames()
	for i, name := range names {
		switch name {
		case "enc.mu.W", "enc.mu.b", "enc.logvar.W", "enc.logvar.b", "dec.0.W":
			clear(m.Weights[i])
		}
	}
	set := syntheticImages(5, 3, 3, 4)
	rows := testRows(set, datasets.StaticBinary)
	// The decoder's logits without z: tanh(b0)·Wout + bout.
	idx := map[string]int{}
	for i, n := range names {
		idx[n] = i
	}
	b0, wout, bout := m.Weights[idx["dec.0.b"]], m.Weights[idx["dec.out.W"]], m.Weights[idx["dec.out.b"]]
	for _, k := range []int{1, 37, 600} {
		got, _, err := LogLikelihood(m, set, EvalSettings{Targets: datasets.StaticBinary, K: k, Chunk: 50}, rand.New(rand.NewPCG(3, 3)))
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range rows {
			var want float64
			for j := 0; j < 9; j++ {
				l := bout[j]
				for h := 0; h < 4; h++ {
					l += math.Tanh(b0[h]) * wout[h*9+j]
				}
				want += x[j]*l - math.Log1p(math.Exp(l))
			}
			if math.Abs(got[i]-want) > 1e-9 {
				t.Errorf("K=%d image %d: log p(x) %v, exact %v", k, i, got[i], want)
			}
		}
	}
}

func testRows(set *datasets.ImageSet, targets datasets.Targets) [][]float64 {
	buf := make([]float32, set.Dim())
	var rows [][]float64
	for i := 0; i < set.N; i++ {
		set.Float32(buf, i, targets, nil)
		r := make([]float64, len(buf))
		for j, v := range buf {
			r[j] = float64(v)
		}
		rows = append(rows, r)
	}
	return rows
}
