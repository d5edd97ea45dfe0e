package vae

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vigor-ml/vigor/graph"
)

// Likelihood is the decoder's observation model p(x | z).
type Likelihood int

const (
	// Bernoulli is p(x_j | z) = Bernoulli(σ(logit_j)), the usual MNIST decoder.
	// Targets in [0, 1] (not only 0/1) give the summed binary cross-entropy of the
	// PyTorch example.
	Bernoulli Likelihood = iota
	// Gaussian is p(x_j | z) = N(mean_j, s_j²), with a linear mean and one learned
	// log standard deviation per pixel.
	Gaussian
)

// String returns "bernoulli" or "gaussian".
func (l Likelihood) String() string {
	switch l {
	case Bernoulli:
		return "bernoulli"
	case Gaussian:
		return "gaussian"
	}
	return fmt.Sprintf("Likelihood(%d)", int(l))
}

// ParseLikelihood parses "bernoulli" or "gaussian".
func ParseLikelihood(s string) (Likelihood, error) {
	switch strings.ToLower(s) {
	case "bernoulli", "":
		return Bernoulli, nil
	case "gaussian", "normal":
		return Gaussian, nil
	}
	return 0, fmt.Errorf("vae: unknown decoder %q (want bernoulli or gaussian)", s)
}

// Objective is the training objective.
type Objective int

const (
	// ELBO is the evidence lower bound with the Gaussian KL in closed form
	// (the default, as in Kingma & Welling 2014).
	ELBO Objective = iota
	// ELBOMC is the ELBO with the KL estimated by Monte Carlo:
	// log q(z|x) - log p(z) at the reparameterized draws.
	ELBOMC
	// IWAE is the importance-weighted bound of Burda et al. (2015) with K
	// samples: log (1/K) Σ_k p(x, z_k)/q(z_k | x). With K = 1 it is the
	// Monte Carlo-KL ELBO.
	IWAE
)

// String returns "elbo", "elbo-mc" or "iwae".
func (o Objective) String() string {
	switch o {
	case ELBO:
		return "elbo"
	case ELBOMC:
		return "elbo-mc"
	case IWAE:
		return "iwae"
	}
	return fmt.Sprintf("Objective(%d)", int(o))
}

// ParseObjective parses "elbo", "elbo-mc" or "iwae".
func ParseObjective(s string) (Objective, error) {
	switch strings.ToLower(s) {
	case "elbo", "":
		return ELBO, nil
	case "elbo-mc", "elbomc", "mc":
		return ELBOMC, nil
	case "iwae":
		return IWAE, nil
	}
	return 0, fmt.Errorf("vae: unknown objective %q (want elbo, elbo-mc or iwae)", s)
}

// LatentDist is the distribution of the latent code z.
type LatentDist int

const (
	// GaussianLatent is z ~ N(0, I) with q(z | x) = N(μ(x), diag σ²(x)),
	// trained with reparameterized gradients (the default).
	GaussianLatent LatentDist = iota
	// BernoulliLatent is z ∈ {0, 1}^L with the prior Bernoulli(½) per unit and
	// q(z_j | x) = Bernoulli(σ(logit_j(x))), trained with score-function
	// gradients (Score or NVIL).
	BernoulliLatent
)

// String returns "gaussian" or "bernoulli".
func (l LatentDist) String() string {
	switch l {
	case GaussianLatent:
		return "gaussian"
	case BernoulliLatent:
		return "bernoulli"
	}
	return fmt.Sprintf("LatentDist(%d)", int(l))
}

// ParseLatentDist parses "gaussian" or "bernoulli" ("" means gaussian).
func ParseLatentDist(s string) (LatentDist, error) {
	switch strings.ToLower(s) {
	case "gaussian", "normal", "":
		return GaussianLatent, nil
	case "bernoulli", "binary":
		return BernoulliLatent, nil
	}
	return 0, fmt.Errorf("vae: unknown latent distribution %q (want gaussian or bernoulli)", s)
}

// Estimator is the gradient estimator of training.
type Estimator int

const (
	// Reparam is the reparameterization (pathwise) gradient of the objective,
	// the default for Gaussian latents.
	Reparam Estimator = iota
	// STL is sticking the landing (Roeder, Wu & Duvenaud 2017,
	// arXiv:1703.09194): the ELBO with a Monte Carlo KL (ELBOMC) whose log q
	// term is differentiated only through the draws z, q's parameters being
	// held constant. The dropped score term has mean zero, so the gradient is
	// unbiased, and its variance vanishes as q approaches the posterior.
	STL
	// DReG is the doubly reparameterized gradient of the IWAE bound (Tucker,
	// Lawson, Gu & Maddison 2018, arXiv:1810.04152): the encoder's gradient
	// Σ_k w̃_k² ∂log w_k/∂z_k ∂z_k/∂φ instead of Σ_k w̃_k ∇φ log w_k, unbiased
	// and with a signal-to-noise ratio that does not decay with K.
	DReG
	// Score is the plain score-function (REINFORCE) gradient for Bernoulli
	// latents: the learning signal log p(x | z) times ∇φ log q(z | x), the KL
	// in closed form.
	Score
	// NVIL is the score function with Mnih & Gregor's (2014, arXiv:1402.0030)
	// variance reduction: the signal is centred by a running mean c and an
	// input-dependent learned baseline C(x) (an MLP with 100 tanh units
	// regressing l - c), and divided by max(1, its running standard deviation).
	NVIL
)

// String returns "reparam", "stl", "dreg", "score" or "nvil".
func (e Estimator) String() string {
	switch e {
	case Reparam:
		return "reparam"
	case STL:
		return "stl"
	case DReG:
		return "dreg"
	case Score:
		return "score"
	case NVIL:
		return "nvil"
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// ParseEstimator parses "reparam" (or "pathwise", or ""), "stl", "dreg",
// "score" or "nvil".
func ParseEstimator(s string) (Estimator, error) {
	switch strings.ToLower(s) {
	case "reparam", "pathwise", "":
		return Reparam, nil
	case "stl":
		return STL, nil
	case "dreg":
		return DReG, nil
	case "score", "reinforce":
		return Score, nil
	case "nvil":
		return NVIL, nil
	}
	return 0, fmt.Errorf("vae: unknown estimator %q (want reparam, stl, dreg, score or nvil)", s)
}

// Config is a VAE's architecture. The zero value is the model of the PyTorch
// example: 784-400-20 with ReLU, a Bernoulli decoder and float32.
type Config struct {
	// Input is the number of values per example. 0 means 784 (28×28 MNIST).
	Input int `json:"input"`
	// Hidden are the encoder's hidden widths; the decoder uses them in reverse.
	// nil means [400].
	Hidden []int `json:"hidden"`
	// Latent is the dimension of z. 0 means 20.
	Latent int `json:"latent"`
	// Activation is the hidden layers' nonlinearity. The zero value, ActLinear,
	// means ReLU (a linear hidden layer is never wanted); use ParseActivation names.
	Activation graph.Activation `json:"-"`
	// Decoder is the observation model. The zero value is Bernoulli.
	Decoder Likelihood `json:"-"`
	// Float64 selects float64 arithmetic; the default is float32.
	Float64 bool `json:"float64,omitempty"`
	// Latents is the distribution of z. The zero value is GaussianLatent.
	Latents LatentDist `json:"-"`
}

// WithDefaults returns c with its zero fields replaced by the defaults.
func (c Config) WithDefaults() Config {
	if c.Input == 0 {
		c.Input = 784
	}
	if c.Hidden == nil {
		c.Hidden = []int{400}
	}
	if c.Latent == 0 {
		c.Latent = 20
	}
	if c.Activation == graph.ActLinear {
		c.Activation = graph.ActReLU
	}
	c.Hidden = append([]int(nil), c.Hidden...)
	return c
}

// Validate reports the first problem with a (defaulted) configuration,
// including sizes beyond MaxWidth, MaxLayers and MaxParams.
func (c Config) Validate() error {
	if c.Input <= 0 {
		return fmt.Errorf("vae: input width %d must be positive", c.Input)
	}
	if c.Latent <= 0 {
		return fmt.Errorf("vae: latent size %d must be positive", c.Latent)
	}
	if len(c.Hidden) == 0 {
		return errors.New("vae: at least one hidden layer is needed")
	}
	if len(c.Hidden) > MaxLayers {
		return fmt.Errorf("vae: %d hidden layers (at most %d)", len(c.Hidden), MaxLayers)
	}
	for _, h := range c.Hidden {
		if h <= 0 {
			return fmt.Errorf("vae: hidden width %d must be positive", h)
		}
	}
	if _, err := graph.ParseActivation(c.Activation.String()); err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	if c.Decoder != Bernoulli && c.Decoder != Gaussian {
		return fmt.Errorf("vae: unknown decoder %d", int(c.Decoder))
	}
	if c.Latents != GaussianLatent && c.Latents != BernoulliLatent {
		return fmt.Errorf("vae: unknown latent distribution %d", int(c.Latents))
	}
	return c.checkLimits()
}

// Dtype returns the float type of the graph.
func (c Config) Dtype() graph.Dtype {
	if c.Float64 {
		return graph.Float64
	}
	return graph.Float32
}

// String describes the architecture, e.g. "784-400-20 relu bernoulli float32",
// with " bernoulli-latents" appended for Bernoulli latents.
func (c Config) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d", c.Input)
	for _, h := range c.Hidden {
		fmt.Fprintf(&sb, "-%d", h)
	}
	fmt.Fprintf(&sb, "-%d %s %s %s", c.Latent, c.Activation, c.Decoder, c.Dtype())
	if c.Latents == BernoulliLatent {
		sb.WriteString(" bernoulli-latents")
	}
	return sb.String()
}

// paramSpec names one parameter tensor of the network.
type paramSpec struct {
	name  string
	shape []int
	fanIn int // for the initialization
}

// decoderOffset is the index of the decoder's first parameter in specs.
func (c Config) decoderOffset() int {
	if c.Latents == BernoulliLatent {
		return 2*len(c.Hidden) + 2
	}
	return 2*len(c.Hidden) + 4
}

// specs lists the network's parameters in their fixed order: encoder layers,
// the mean and log-variance heads (for Bernoulli latents one logits head),
// decoder layers, and (Gaussian decoder) the per-pixel log standard
// deviations.
func (c Config) specs() []paramSpec {
	var ps []paramSpec
	dense := func(name string, in, out int) {
		ps = append(ps, paramSpec{name + ".W", []int{in, out}, in}, paramSpec{name + ".b", []int{out}, in})
	}
	in := c.Input
	for i, h := range c.Hidden {
		dense(fmt.Sprintf("enc.%d", i), in, h)
		in = h
	}
	if c.Latents == BernoulliLatent {
		dense("enc.logits", in, c.Latent)
	} else {
		dense("enc.mu", in, c.Latent)
		dense("enc.logvar", in, c.Latent)
	}
	in = c.Latent
	for i := len(c.Hidden) - 1; i >= 0; i-- {
		dense(fmt.Sprintf("dec.%d", len(c.Hidden)-1-i), in, c.Hidden[i])
		in = c.Hidden[i]
	}
	dense("dec.out", in, c.Input)
	if c.Decoder == Gaussian {
		ps = append(ps, paramSpec{"dec.logsd", []int{c.Input}, 0})
	}
	return ps
}
