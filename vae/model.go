package vae

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
)

// Model is a VAE's architecture and weights. Weights are kept in float64 in the
// fixed order of ParamNames, whatever the float type used to train; a float32
// network's weights round-trip exactly.
type Model struct {
	Config  Config
	Weights [][]float64
}

// New returns a model with the given architecture (zero fields take defaults)
// and weights initialized from rng as PyTorch's nn.Linear does: every weight and
// bias ~ U(-1/√fan_in, 1/√fan_in), drawn in ParamNames order; the Gaussian
// decoder's log standard deviations start at 0. A nil rng is an error.
func New(cfg Config, rng *rand.Rand) (*Model, error) {
	if rng == nil {
		return nil, fmt.Errorf("vae: nil *rand.Rand (randomness must be explicit)")
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg}
	for _, s := range cfg.specs() {
		w := make([]float64, shapeSize(s.shape))
		if s.fanIn > 0 {
			a := 1 / math.Sqrt(float64(s.fanIn))
			for i := range w {
				w[i] = a * (2*rng.Float64() - 1)
			}
		}
		m.Weights = append(m.Weights, w)
	}
	return m, nil
}

func shapeSize(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// ParamNames returns the names of the weight tensors, in the order of Weights.
func (m *Model) ParamNames() []string {
	var names []string
	for _, s := range m.Config.specs() {
		names = append(names, s.name)
	}
	return names
}

// NumParams returns the total number of weights.
func (m *Model) NumParams() int {
	n := 0
	for _, w := range m.Weights {
		n += len(w)
	}
	return n
}

// check verifies that the weights match the architecture.
func (m *Model) check() error {
	if m == nil {
		return fmt.Errorf("vae: nil model")
	}
	if err := m.Config.Validate(); err != nil {
		return err
	}
	specs := m.Config.specs()
	if len(specs) != len(m.Weights) {
		return fmt.Errorf("vae: model has %d weight tensors, its architecture %s needs %d", len(m.Weights), m.Config, len(specs))
	}
	for i, s := range specs {
		if len(m.Weights[i]) != shapeSize(s.shape) {
			return fmt.Errorf("vae: weight %s has %d values, want %d", s.name, len(m.Weights[i]), shapeSize(s.shape))
		}
		for _, v := range m.Weights[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("vae: weight %s is not finite", s.name)
			}
		}
	}
	return nil
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := &Model{Config: m.Config.WithDefaults()}
	c.Config.Hidden = append([]int(nil), m.Config.Hidden...)
	for _, w := range m.Weights {
		c.Weights = append(c.Weights, append([]float64(nil), w...))
	}
	return c
}

// rowsNet runs a forward-only network over rows in batches of at most batch rows,
// padding the last one, and collects one or two outputs per row.
func (m *Model) rowsNet(mode netMode, rows [][]float64, width int) (out, out2 [][]float64, err error) {
	if err := m.check(); err != nil {
		return nil, nil, err
	}
	for i, r := range rows {
		if len(r) != width {
			return nil, nil, fmt.Errorf("vae: row %d has %d values, want %d", i, len(r), width)
		}
	}
	if len(rows) == 0 {
		return nil, nil, nil
	}
	batch := min(len(rows), 256)
	n, err := newNet(m.Config, mode, ELBO, batch, 1)
	if err != nil {
		return nil, nil, err
	}
	defer n.close()
	if err := n.setWeights(m.Weights); err != nil {
		return nil, nil, err
	}
	in := make([]float64, batch*width)
	for lo := 0; lo < len(rows); lo += batch {
		hi := min(lo+batch, len(rows))
		clear(in)
		for i := lo; i < hi; i++ {
			copy(in[(i-lo)*width:], rows[i])
		}
		if err := graph.Set(n.x, in); err != nil {
			return nil, nil, err
		}
		if err := n.run(); err != nil {
			return nil, nil, err
		}
		o := graph.Values(n.out)
		w := len(o) / batch
		var o2 []float64
		if n.out2 != nil {
			o2 = graph.Values(n.out2)
		}
		for i := lo; i < hi; i++ {
			r := i - lo
			out = append(out, o[r*w:(r+1)*w])
			if o2 != nil {
				out2 = append(out2, o2[r*w:(r+1)*w])
			}
		}
	}
	return out, out2, nil
}

// Encode returns the mean and log-variance of q(z | x) for each row of x
// (Input values each). For Bernoulli latents mu is q's probabilities
// σ(logits), the mean of z, and logvar is nil.
func (m *Model) Encode(x [][]float64) (mu, logvar [][]float64, err error) {
	return m.rowsNet(modeEncode, x, m.Config.Input)
}

// Decode returns the decoder's mean for each code in z (Latent values each):
// pixel probabilities σ(logits) for the Bernoulli decoder, means for the
// Gaussian one.
func (m *Model) Decode(z [][]float64) ([][]float64, error) {
	out, _, err := m.rowsNet(modeDecode, z, m.Config.Latent)
	return out, err
}

// Reconstruct encodes each row of x to the mean of q(z | x) (for Bernoulli
// latents, the probabilities) and decodes it.
func (m *Model) Reconstruct(x [][]float64) ([][]float64, error) {
	mu, _, err := m.Encode(x)
	if err != nil {
		return nil, err
	}
	return m.Decode(mu)
}

// SamplePrior draws n codes from the prior, z ~ N(0, I) (for Bernoulli
// latents z_j ~ Bernoulli(½)), from rng and decodes them (see Decode).
func (m *Model) SamplePrior(n int, rng *rand.Rand) ([][]float64, error) {
	if rng == nil {
		return nil, fmt.Errorf("vae: nil *rand.Rand")
	}
	if n < 0 {
		return nil, fmt.Errorf("vae: %d samples", n)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	z := make([][]float64, n)
	for i := range z {
		z[i] = make([]float64, m.Config.Latent)
		for j := range z[i] {
			if m.Config.Latents == BernoulliLatent {
				z[i][j] = float64(rng.IntN(2))
			} else {
				z[i][j] = rng.NormFloat64()
			}
		}
	}
	return m.Decode(z)
}
