package bbvi

import (
	"errors"
	"fmt"

	"github.com/vigor-ml/vigor/graph"
)

// Latent declares one latent variable of a model: a block of Size components that
// share a support. In the graph it appears as a node of shape (S, Size): one row
// per Monte Carlo draw; a categorical latent is one-hot, (S, Size, K). With a
// vector or matrix support Size is the dimension K: a simplex is (S, K), a
// Cholesky factor (S, K, K) (see Support).
//
// A Local latent has its own value for every data row (z_i for row i).
//
// A discrete local latent (the assignments of a mixture model) has one
// component per row: its Size must be 0 and in the graph it has shape (S, B),
// or (S, B, K) if categorical, with B the rows of the batch; a model with
// discrete local latents is fitted on all its data at every step (no
// minibatches). With a PointwiseModel the score-function estimator
// Rao-Blackwellizes them.
//
// A continuous local latent lives on the real line and has Size components per
// row (0 means one, seen as shape (S, B); otherwise (S, B, Size)). Each row has
// its own mean-field normal q(z_i), whose parameters are read and updated only
// for the rows of the batch (see Settings.LocalLR; Settings.Amortize replaces
// them by an inference network), so such models fit with minibatches in
// O(N·Size) memory and O(B·Size) work per step. The
// model must put every per-row term — the local prior log p(z_i | globals)
// with log p(x_i | z_i, globals) — in its (Point)LogLikelihood, which the fit
// scales by N/B, as it does the entropy of the batch's q(z_i).
type Latent struct {
	Name    string
	Size    int      // number of components; 0 means 1 (0 for a discrete Local latent)
	Support Support  // zero value: the real line
	Labels  []string // optional component names for reports; nil means Name[i] (or Name when Size is 1)
	Local   bool     // its own value for every data row
}

func (l Latent) size() int {
	if l.Size == 0 {
		return 1
	}
	return l.Size
}

// ComponentNames returns the report name of each component: Name[i], or
// Name[i,j] for the K×K matrix a Cholesky latent is reported as.
func (l Latent) ComponentNames() []string {
	n := l.components()
	if len(l.Labels) == n {
		return append([]string(nil), l.Labels...)
	}
	if l.Support.matrix() {
		return matrixNames(l.Name, l.size())
	}
	if n == 1 {
		return []string{l.Name}
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s[%d]", l.Name, i)
	}
	return out
}

// Vars maps latent (or data) names to their graph nodes.
type Vars map[string]*graph.Node

// A Model is a joint density p(x, z) written as a graph.
//
// Latent draws come with a leading sample axis: z[name] has shape (S, Size) in the
// constrained space. Data arrays come as minibatches: x[name] has shape (B, Cols),
// or (B) for one value per row. Both methods must return a vector of shape (S):
// one log-density per draw, vectorized over the draws (never build S copies).
type Model interface {
	// Latents declares the latent variables, in a fixed order.
	Latents() []Latent
	// LogPrior returns log p(z), shape (S). It may return nil when the model's
	// only latents are continuous local ones (their priors are per-row terms of
	// the likelihood).
	LogPrior(b *graph.Builder, z Vars) *graph.Node
	// LogLikelihood returns Σ_i log p(x_i | z) over the rows of the batch, shape
	// (S). The fit scales it by N/B, so a minibatch gives an unbiased estimate.
	LogLikelihood(b *graph.Builder, z Vars, x Vars) *graph.Node
}

// A PointwiseModel is a Model whose likelihood splits over the data rows, given
// the global latents:
//
//	log p(x, z) = log p(z_global) + Σ_i ℓ_i,   ℓ_i = log p(x_i, z_i | z_global),
//
// where z_i are the row's local latents (if any) and ℓ_i includes their prior
// log p(z_i | z_global). The score-function estimator uses the row terms to
// Rao-Blackwellize: the learning signal of a local z_i is ℓ_i - log q(z_i)
// instead of the whole joint, which drops the noise of every term that does not
// depend on z_i (Pyro's TraceGraph_ELBO does the same).
type PointwiseModel interface {
	Model
	// PointLogLikelihood returns ℓ_i for every draw and row of the batch, shape
	// (S, B); LogLikelihood must equal its sum over the rows. nil means the model
	// cannot split (the estimators then use LogLikelihood).
	PointLogLikelihood(b *graph.Builder, z Vars, x Vars) *graph.Node
}

// FuncModel adapts plain functions to a Model, for models written in a few lines.
//
// A nil Prior means a flat (improper, constant) prior over every latent: log
// p(z) = 0 in the constrained space. The posterior is then proper only if the
// likelihood makes it so, as for regression coefficients with enough data.
// (The latents' transforms still add their log-Jacobians: a flat prior on a
// positive latent is flat in the latent itself, not in its logarithm.)
//
// A nil Likelihood means a model without data, unless Points is set: then the
// likelihood is the sum over rows of Points, and the model is a PointwiseModel.
// A FuncModel with a Likelihood or Points needs data: fitting it with a nil
// (or empty) Data is an error, rather than a fit of the prior alone.
//
// Quantities and Derive declare derived quantities (see Deriver); both nil
// means none.
type FuncModel struct {
	Vars []Latent
	// Prior returns log p(z), shape (S); nil means a flat prior.
	Prior func(b *graph.Builder, z Vars) *graph.Node
	// Likelihood returns Σ_i log p(x_i | z) over the batch, shape (S).
	Likelihood func(b *graph.Builder, z Vars, x Vars) *graph.Node
	// Points, if not nil, returns the per-row log-likelihood terms, shape (S, B)
	// (see PointwiseModel).
	Points func(b *graph.Builder, z Vars, x Vars) *graph.Node
	// Quantities declares the derived quantities Derive computes, in order.
	Quantities []Quantity
	// Derive returns each derived quantity of Quantities by name, shape
	// (S, Size), from the latents and the Global data arrays (see Deriver).
	Derive func(b *graph.Builder, z Vars, x Vars) Vars
}

// Latents implements Model.
func (m FuncModel) Latents() []Latent { return m.Vars }

// LogPrior implements Model: Prior, or a flat prior (zeros of shape (S)) when
// Prior is nil.
func (m FuncModel) LogPrior(b *graph.Builder, z Vars) *graph.Node {
	if m.Prior != nil {
		return m.Prior(b, z)
	}
	for _, l := range m.Vars {
		if v := z[l.Name]; v != nil && v.Dims() > 0 {
			s := v.Shape()[0]
			return b.Constant("flat-prior", make([]float64, s), s)
		}
	}
	b.Failf("bbvi: FuncModel with a nil Prior (flat): no latent draws to count the draws from")
	return nil
}

// DerivedQuantities implements Deriver: Quantities.
func (m FuncModel) DerivedQuantities() []Quantity { return m.Quantities }

// Derived implements Deriver: Derive, or nil when it is nil.
func (m FuncModel) Derived(b *graph.Builder, z Vars, x Vars) Vars {
	if m.Derive == nil {
		return nil
	}
	return m.Derive(b, z, x)
}

// LogLikelihood implements Model: Likelihood, or else the row sum of Points; nil
// when both are nil.
func (m FuncModel) LogLikelihood(b *graph.Builder, z Vars, x Vars) *graph.Node {
	if m.Likelihood == nil {
		if m.Points != nil {
			return b.Sum(m.Points(b, z, x), 1)
		}
		return nil
	}
	return m.Likelihood(b, z, x)
}

// needsData reports whether the model reads data: it has a Likelihood or
// Points.
func (m FuncModel) needsData() bool { return m.Likelihood != nil || m.Points != nil }

// A dataNeeder knows whether it has a likelihood that reads data, so that a
// fit without data is refused instead of silently fitting the prior.
type dataNeeder interface{ needsData() bool }

// PointLogLikelihood implements PointwiseModel; it returns nil when Points is nil.
func (m FuncModel) PointLogLikelihood(b *graph.Builder, z Vars, x Vars) *graph.Node {
	if m.Points == nil {
		return nil
	}
	return m.Points(b, z, x)
}

func validateLatents(ls []Latent) error {
	if len(ls) == 0 {
		return errors.New("bbvi: model declares no latent variables")
	}
	seen := map[string]bool{}
	for _, l := range ls {
		if l.Name == "" {
			return errors.New("bbvi: a latent variable has no name")
		}
		if seen[l.Name] {
			return fmt.Errorf("bbvi: latent %q declared twice", l.Name)
		}
		seen[l.Name] = true
		if l.Size < 0 {
			return fmt.Errorf("bbvi: latent %q: negative size", l.Name)
		}
		if l.Local && l.Size != 0 && l.Support.Discrete() {
			return fmt.Errorf("bbvi: local latent %q: Size %d (a discrete local latent has one component per data row: leave Size 0)", l.Name, l.Size)
		}
		if l.Local && !l.Support.Discrete() && l.Support.Kind != RealLine {
			return fmt.Errorf("bbvi: local latent %q: a continuous local latent must live on the real line (support %s)", l.Name, l.Support)
		}
		if err := l.checkSupport(); err != nil {
			return fmt.Errorf("bbvi: latent %q: %w", l.Name, err)
		}
	}
	return nil
}
