package vae

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/vigor-ml/vigor/datasets"
	"github.com/vigor-ml/vigor/graph"
)

// EvalSettings configure an evaluation. The zero value evaluates the analytic-KL
// ELBO with one sample per image, 500 images per batch, on continuous targets.
type EvalSettings struct {
	// Targets says how pixels become targets. DynamicBinary is evaluated on the
	// fixed StaticBinary binarization, so that numbers are comparable between
	// runs.
	Targets datasets.Targets
	// Objective is the bound evaluated by Bound (ELBO, ELBOMC or IWAE).
	Objective Objective
	// K is the number of samples per image. 0 means 1 for Bound and 5000 for
	// LogLikelihood.
	K int
	// Limit, if positive, evaluates only the first Limit images.
	Limit int
	// Batch is the number of images per graph run. 0 means 500 for Bound and 10
	// for LogLikelihood.
	Batch int
	// Chunk is the number of importance samples per image drawn in one graph run by
	// LogLikelihood (memory is bounded by Batch·Chunk decoder rows). 0 means
	// min(K, 500).
	Chunk int
	// Progress, if not nil, is called after each graph run with the images done
	// and the total.
	Progress func(done, total int, elapsed time.Duration)
}

// evalTargets maps dynamic binarization to its fixed counterpart.
func evalTargets(t datasets.Targets) datasets.Targets {
	if t == datasets.DynamicBinary {
		return datasets.StaticBinary
	}
	return t
}

func (s EvalSettings) images(set *datasets.ImageSet) (int, error) {
	if set == nil || set.N == 0 {
		return 0, errors.New("vae: empty evaluation set")
	}
	if s.Targets < datasets.Continuous || s.Targets > datasets.DynamicBinary {
		return 0, fmt.Errorf("vae: unknown targets %d", int(s.Targets))
	}
	if s.K < 0 || s.Batch < 0 || s.Chunk < 0 || s.Limit < 0 {
		return 0, errors.New("vae: K, Batch, Chunk and Limit must not be negative")
	}
	n := set.N
	if s.Limit > 0 && s.Limit < n {
		n = s.Limit
	}
	return n, nil
}

// fillImages writes images lo..hi-1 of set into the x input (rows past hi-lo
// are zero) and returns the number of rows.
func fillImages(x *graph.Node, set *datasets.ImageSet, lo, hi int, targets datasets.Targets, buf []float32) int {
	d := set.Dim()
	clear(buf)
	for i := lo; i < hi; i++ {
		set.Float32(buf[(i-lo)*d:(i-lo+1)*d], i, targets, nil)
	}
	copyInto(x, buf)
	return hi - lo
}

// fillNormal fills the buffer of a float32 or float64 input with standard
// normal draws from rng, in order.
func fillNormal(node *graph.Node, rng *rand.Rand) {
	if e := graph.Float32s(node); e != nil {
		for i := range e {
			e[i] = float32(rng.NormFloat64())
		}
		return
	}
	e := graph.Float64s(node)
	for i := range e {
		e[i] = rng.NormFloat64()
	}
}

// Bound returns the mean over the images of set of the chosen bound on
// log p(x) (for ELBO: E_q[log p(x|z)] - KL(q(z|x) ‖ p(z)), one-sample Monte Carlo
// for the expectation), in nats per image. The test loss of the PyTorch example
// is -Bound with ELBO, K = 1 and continuous targets. The noise comes from rng.
func Bound(m *Model, set *datasets.ImageSet, s EvalSettings, rng *rand.Rand) (float64, error) {
	if rng == nil {
		return 0, errors.New("vae: nil *rand.Rand")
	}
	if err := m.check(); err != nil {
		return 0, err
	}
	total, err := s.images(set)
	if err != nil {
		return 0, err
	}
	if set.Dim() != m.Config.Input {
		return 0, fmt.Errorf("vae: images have %d pixels, the model expects %d", set.Dim(), m.Config.Input)
	}
	k := max(s.K, 1)
	batch := s.Batch
	if batch == 0 {
		batch = 500
	}
	batch = min(batch, total)
	n, err := newNet(m.Config, modeBound, s.Objective, batch, k)
	if err != nil {
		return 0, err
	}
	defer n.close()
	if err := n.setWeights(m.Weights); err != nil {
		return 0, err
	}
	targets := evalTargets(s.Targets)
	buf := make([]float32, batch*set.Dim())
	start := time.Now()
	var sum float64
	for lo := 0; lo < total; lo += batch {
		rows := fillImages(n.x, set, lo, min(lo+batch, total), targets, buf)
		n.fillNoise(rng)
		if err := n.run(); err != nil {
			return 0, err
		}
		v := graph.Values(n.bound)
		for i := 0; i < rows; i++ {
			sum += v[i]
		}
		if s.Progress != nil {
			s.Progress(lo+rows, total, time.Since(start))
		}
	}
	mean := sum / float64(total)
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return mean, &NonFiniteError{What: "evaluation bound"}
	}
	return mean, nil
}

// LogLikelihood estimates log p(x) for each of the first images of set by
// importance sampling with q(z | x) as the proposal (Burda et al. 2015):
//
//	log p(x) ≈ log (1/K) Σ_k p(x, z_k) / q(z_k | x),   z_k ~ q(z | x).
//
// The K samples are drawn Chunk at a time and combined with a running
// log-sum-exp in float64, so memory stays bounded for any K and nothing can
// overflow. It returns the per-image estimates and their mean.
func LogLikelihood(m *Model, set *datasets.ImageSet, s EvalSettings, rng *rand.Rand) (perImage []float64, mean float64, err error) {
	if rng == nil {
		return nil, 0, errors.New("vae: nil *rand.Rand")
	}
	if err := m.check(); err != nil {
		return nil, 0, err
	}
	total, err := s.images(set)
	if err != nil {
		return nil, 0, err
	}
	if set.Dim() != m.Config.Input {
		return nil, 0, fmt.Errorf("vae: images have %d pixels, the model expects %d", set.Dim(), m.Config.Input)
	}
	K := s.K
	if K == 0 {
		K = 5000
	}
	chunk := s.Chunk
	if chunk == 0 {
		chunk = 500
	}
	chunk = min(chunk, K)
	batch := s.Batch
	if batch == 0 {
		batch = 10
	}
	batch = min(batch, total)
	n, err := newNet(m.Config, modeWeights, IWAE, batch, chunk)
	if err != nil {
		return nil, 0, err
	}
	defer n.close()
	if err := n.setWeights(m.Weights); err != nil {
		return nil, 0, err
	}
	targets := evalTargets(s.Targets)
	buf := make([]float32, batch*set.Dim())
	perImage = make([]float64, total)
	maxw := make([]float64, batch)
	acc := make([]float64, batch) // Σ exp(w - maxw)
	start := time.Now()
	for lo := 0; lo < total; lo += batch {
		rows := fillImages(n.x, set, lo, min(lo+batch, total), targets, buf)
		for i := range maxw {
			maxw[i], acc[i] = math.Inf(-1), 0
		}
		for done := 0; done < K; done += chunk {
			use := min(chunk, K-done) // samples of this chunk that count
			n.fillNoise(rng)
			if err := n.run(); err != nil {
				return nil, 0, err
			}
			w32, w64 := graph.Float32s(n.logw), graph.Float64s(n.logw)
			for i := 0; i < rows; i++ {
				for k := 0; k < use; k++ {
					var v float64
					if w32 != nil {
						v = float64(w32[k*batch+i])
					} else {
						v = w64[k*batch+i]
					}
					if math.IsNaN(v) || math.IsInf(v, 1) {
						return nil, 0, &NonFiniteError{What: "importance weight"}
					}
					if math.IsInf(v, -1) {
						continue // a zero weight adds nothing
					}
					if v > maxw[i] {
						acc[i] = acc[i]*math.Exp(maxw[i]-v) + 1
						maxw[i] = v
					} else {
						acc[i] += math.Exp(v - maxw[i])
					}
				}
			}
		}
		for i := 0; i < rows; i++ {
			// The log 2π terms of p(z) and q(z|x) cancel in the weights.
			perImage[lo+i] = maxw[i] + math.Log(acc[i]) - math.Log(float64(K))
		}
		if s.Progress != nil {
			s.Progress(lo+rows, total, time.Since(start))
		}
	}
	var sum float64
	for _, v := range perImage {
		sum += v
	}
	mean = sum / float64(total)
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return perImage, mean, &NonFiniteError{What: "log-likelihood estimate"}
	}
	return perImage, mean, nil
}
