package study

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
	"github.com/vigor-ml/vigor/vae"
)

// The "bvae" problem: a small VAE with Bernoulli latents whose ELBO gradient
// is known exactly by enumerating its 2^6 codes (vae.ExactGradient).
const (
	bvaeSide, bvaeLatent, bvaeHidden = 6, 6, 32
	bvaeImages, bvaeBatch            = 512, 16
	bvaeSeed                         = 20140402
	bvaeTrainEpochs                  = 3
	// bvaeWarmup is the number of one-draw gradient estimates from which
	// NVIL's baseline network and running statistics learn, the VAE's
	// weights held fixed, before any cell of the problem.
	bvaeWarmup = 2000
)

// bvaeEstimators are the estimators that apply to "bvae" (and only to it,
// for "nvil"): the plain score function and NVIL.
var bvaeEstimators = map[string]vae.Estimator{"score": vae.Score, "nvil": vae.NVIL}

// applies reports whether the estimator name runs on the problem.
func applies(problem, estimator string) bool {
	_, ok := bvaeEstimators[estimator]
	if problem == "bvae" {
		return ok
	}
	return estimator != "nvil"
}

// CellCount returns the number of (problem, estimator, S) cells that cfg
// runs (nil means the full study): the estimators of the "bvae" problem are
// score and nvil, and nvil runs on "bvae" only.
func CellCount(cfg *VarianceStudy) int {
	c := cfg.withDefaults()
	n := 0
	for _, p := range c.Problems {
		for _, e := range c.Estimators {
			if applies(p, e) {
				n += len(c.Draws)
			}
		}
	}
	return n
}

// strokeImages returns n h×w images of bright strokes (a row, a column or the
// diagonal, by class) on a dark noisy background.
func strokeImages(n, h, w int, rng *rand.Rand) *datasets.ImageSet {
	s := &datasets.ImageSet{N: n, Rows: h, Cols: w, Pixels: make([]uint8, n*h*w), Labels: make([]uint8, n)}
	for i := 0; i < n; i++ {
		c := rng.IntN(3)
		s.Labels[i] = uint8(c)
		img := s.Pixels[i*h*w : (i+1)*h*w]
		pos := rng.IntN(h)
		for r := 0; r < h; r++ {
			for q := 0; q < w; q++ {
				on := (c == 0 && r == pos) || (c == 1 && q == pos) || (c == 2 && r == q)
				v := rng.IntN(60)
				if on {
					v = 180 + rng.IntN(76)
				}
				img[r*w+q] = uint8(v)
			}
		}
	}
	return s
}

// bvaeProblem holds the model, the fixed batch, the exact gradient and the
// warmed-up NVIL state.
type bvaeProblem struct {
	model *vae.Model
	set   *datasets.ImageSet
	idx   []int
	exact []float64
	enc   []bool // per flattened entry: an encoder weight
	nvil  *vae.Checkpoint
}

// newBVAEProblem trains the model briefly with NVIL (so that the gradients
// are those of a model in training), computes the exact gradient on the
// first bvaeBatch images and warms NVIL's baseline up at fixed weights.
func newBVAEProblem(seed uint64) (*bvaeProblem, error) {
	rng := rand.New(rand.NewPCG(bvaeSeed, 0xb7ae))
	set := strokeImages(bvaeImages, bvaeSide, bvaeSide, rng)
	cfg := vae.Config{Input: bvaeSide * bvaeSide, Hidden: []int{bvaeHidden}, Latent: bvaeLatent,
		Activation: graph.ActTanh, Float64: true, Latents: vae.BernoulliLatent}
	m, err := vae.New(cfg, rng)
	if err != nil {
		return nil, err
	}
	tr, err := vae.NewTrainer(m, vae.TrainSettings{Batch: 32, LR: 3e-3, Targets: datasets.DynamicBinary, Estimator: vae.NVIL},
		rand.NewPCG(bvaeSeed, 0x7a1))
	if err != nil {
		return nil, err
	}
	for e := 0; e < bvaeTrainEpochs; e++ {
		if _, err := tr.TrainEpoch(set); err != nil {
			tr.Close()
			return nil, err
		}
	}
	m = tr.Model().Clone()
	tr.Close()
	p := &bvaeProblem{model: m, set: set}
	for i := 0; i < bvaeBatch; i++ {
		p.idx = append(p.idx, i)
	}
	g, _, err := vae.ExactGradient(m, set, p.idx, datasets.StaticBinary)
	if err != nil {
		return nil, err
	}
	for i, name := range m.ParamNames() {
		p.exact = append(p.exact, g[i]...)
		for range g[i] {
			p.enc = append(p.enc, strings.HasPrefix(name, "enc."))
		}
	}
	w, err := vae.NewTrainer(m.Clone(), vae.TrainSettings{Batch: bvaeBatch, LR: 3e-3, Targets: datasets.StaticBinary, Estimator: vae.NVIL},
		rand.NewPCG(seed, 0xba5e))
	if err != nil {
		return nil, err
	}
	defer w.Close()
	for r := 0; r < bvaeWarmup; r++ {
		if _, err := w.Gradient(set, p.idx); err != nil {
			return nil, err
		}
	}
	if p.nvil, err = w.Checkpoint(); err != nil {
		return nil, err
	}
	return p, nil
}

// run computes one cell: gradient estimates of the encoder's and decoder's
// weights with S draws per image, as the study's other problems do, reported
// in three rows, "encoder", "decoder" and "total" (each aggregated as the
// "total" rows of the other problems).
func (p *bvaeProblem) run(label string, draws, reps, burn int, rng *rand.Rand) ([]VarianceRow, error) {
	set := vae.TrainSettings{Batch: bvaeBatch, LR: 3e-3, K: draws, Targets: datasets.StaticBinary, Estimator: bvaeEstimators[label]}
	// The cell's source is derived from the study's stream for this cell.
	src := rand.NewPCG(rng.Uint64(), rng.Uint64())
	var tr *vae.Trainer
	var err error
	if set.Estimator == vae.NVIL {
		c := *p.nvil
		c.Train = set
		c.RNG, err = src.MarshalBinary()
		if err == nil {
			tr, err = vae.Resume(&c, nil)
		}
	} else {
		tr, err = vae.NewTrainer(p.model.Clone(), set, src)
	}
	if err != nil {
		return nil, fmt.Errorf("bbvi: variance study bvae/%s: %w", label, err)
	}
	defer tr.Close()
	k := len(p.exact)
	sum := make([]float64, k)
	sumsq := make([]float64, k)
	sqerr := make([]float64, k)
	for r := 0; r < burn+reps; r++ {
		g, err := tr.Gradient(p.set, p.idx)
		if err != nil {
			return nil, err
		}
		if r < burn {
			continue
		}
		j := 0
		for _, w := range g {
			for _, v := range w {
				sum[j] += v
				sumsq[j] += v * v
				e := v - p.exact[j]
				sqerr[j] += e * e
				j++
			}
		}
	}
	n := float64(reps)
	var rows []VarianceRow
	for _, part := range []string{"encoder", "decoder", "total"} {
		r := VarianceRow{Problem: "bvae", Estimator: label, Draws: draws, Param: part}
		var meanSq, exactSq, errSq, seSq float64
		for j := 0; j < k; j++ {
			if (part == "encoder" && !p.enc[j]) || (part == "decoder" && p.enc[j]) {
				continue
			}
			m := sum[j] / n
			v := math.Max(sumsq[j]-n*m*m, 0) / (n - 1)
			meanSq += m * m
			exactSq += p.exact[j] * p.exact[j]
			errSq += (m - p.exact[j]) * (m - p.exact[j])
			seSq += v / n
			r.Variance += v
			r.MSE += sqerr[j] / n
		}
		r.Mean, r.Exact, r.Error, r.SE = math.Sqrt(meanSq), math.Sqrt(exactSq), math.Sqrt(errSq), math.Sqrt(seSq)
		rows = append(rows, r)
	}
	return rows, nil
}
