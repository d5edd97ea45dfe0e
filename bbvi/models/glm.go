package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/stat/distuv"
)

// Groups adds varying intercepts to a regression: rows belong to groups (the
// levels of a grouping column), and the intercept of group g is
//
//	a + τ·η_g,   η_g ~ Normal(0, 1),   τ ~ HalfNormal(s),
//
// written non-centred (η, not a + τ·η, is the latent), which keeps the
// posterior's geometry simple when τ is small. s is the model's PriorScale.
// The model then has the latents "tau" (positive) and "eta" (one component
// per level), and one derived quantity named Name holding each group's
// deviation τ·η_g, labelled Name[level]. The group of each row is the index
// array "group" of the data (see Rows.Group), gathered with graph's Gather:
// thousands of groups cost little more than a few.
type Groups struct {
	Name   string   // the grouping variable, such as "county"; it names the derived deviations
	Levels []string // the name of each group, in order: group g is Levels[g]
}

// Rows are the data of a regression, for its DataRows method: the design matrix,
// the targets, and what some models add.
type Rows struct {
	X      []float64 // N×D, row-major, one column per feature
	Y      []float64 // the N targets; nil for the rows of a prediction (see bbvi.Predict)
	Trials []float64 // BinomialRegression only: the trials of each row
	Group  []int     // with Groups set: each row's group, 0 to len(Levels)-1
}

// glm is what the regressions share: the coefficients (intercept first),
// optional varying intercepts, and the linear predictor.
type glm struct {
	features   []string
	intercept  bool
	priorScale float64
	group      *Groups
}

// latents returns beta, then extra (sigma, phi), then tau and eta with groups.
func (g glm) latents(extra ...bbvi.Latent) []bbvi.Latent {
	labels := coefLabels(g.features, g.intercept)
	ls := []bbvi.Latent{{Name: "beta", Size: len(labels), Labels: labels}}
	ls = append(ls, extra...)
	if g.group != nil {
		etaLabels := make([]string, len(g.group.Levels))
		for i, l := range g.group.Levels {
			etaLabels[i] = "eta[" + l + "]"
		}
		ls = append(ls,
			bbvi.Latent{Name: "tau", Support: bbvi.Positive()},
			bbvi.Latent{Name: "eta", Size: len(g.group.Levels), Labels: etaLabels})
	}
	return ls
}

// logPrior returns the coefficients' prior, and the groups' when there are.
func (g glm) logPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	s := orDefault(g.priorScale, 10)
	lp := b.Sum(b.NormalLogProb(z["beta"], b.Scalar(0), b.Scalar(s)), 1)
	if g.group != nil {
		lp = b.Add(lp, b.Sum(b.HalfNormalLogProb(z["tau"], b.Scalar(s)), 1))
		lp = b.Add(lp, b.Sum(b.NormalLogProb(z["eta"], b.Scalar(0), b.Scalar(1)), 1))
	}
	return lp
}

// deviations returns τ·η, (S, G).
func (g glm) deviations(b *graph.Builder, z bbvi.Vars) *graph.Node {
	return b.Mul(z["tau"], z["eta"]) // (S, 1) · (S, G)
}

// linpred returns the linear predictor of every draw and row, (S, B):
// X β + a (+ τ·η_group).
func (g glm) linpred(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
	beta := z["beta"]
	d := len(g.features)
	coef := beta
	if g.intercept {
		coef = b.Cols(beta, 1, d+1)
	}
	eta := b.MatMul(coef, b.T(x["X"])) // (S, D)·(D, B) → (S, B)
	if g.intercept {
		eta = b.Add(eta, b.Cols(beta, 0, 1))
	}
	if g.group != nil {
		eta = b.Add(eta, b.Gather(g.deviations(b, z), b.Index("group")))
	}
	return eta
}

// quantities declares the groups' deviations, if any.
func (g glm) quantities() []bbvi.Quantity {
	if g.group == nil {
		return nil
	}
	labels := make([]string, len(g.group.Levels))
	for i, l := range g.group.Levels {
		labels[i] = g.group.Name + "[" + l + "]"
	}
	return []bbvi.Quantity{{Name: g.group.Name, Size: len(labels), Labels: labels}}
}

// derived computes the groups' deviations.
func (g glm) derived(b *graph.Builder, z bbvi.Vars) bbvi.Vars {
	if g.group == nil {
		return nil
	}
	return bbvi.Vars{g.group.Name: g.deviations(b, z)}
}

// data checks and packs rows; reserved are the names the features must not
// take (the model's latents and labels).
func (g glm) data(r Rows, reserved ...string) (bbvi.Data, error) {
	d := len(g.features)
	if d == 0 {
		return nil, fmt.Errorf("bbvi: regression needs at least one feature")
	}
	seen := map[string]bool{}
	if g.intercept {
		reserved = append(reserved, "intercept")
	}
	for _, n := range reserved {
		seen[n] = true
	}
	for _, f := range g.features {
		if seen[f] {
			return nil, fmt.Errorf("bbvi: feature name %q is repeated or clashes with a latent's name", f)
		}
		seen[f] = true
	}
	if len(r.X)%d != 0 || len(r.X) == 0 {
		return nil, fmt.Errorf("bbvi: X has %d values, not a whole number of rows of %d features", len(r.X), d)
	}
	n := len(r.X) / d
	if r.Y != nil && len(r.Y) != n {
		return nil, fmt.Errorf("bbvi: X has %d rows, y %d", n, len(r.Y))
	}
	out := bbvi.Data{{Name: "X", Cols: d, Values: r.X}}
	if r.Y != nil {
		out = append(out, bbvi.Array{Name: "y", Values: r.Y})
	}
	if g.group != nil {
		if g.group.Name == "" || len(g.group.Levels) == 0 {
			return nil, fmt.Errorf("bbvi: Groups needs a name and at least one level")
		}
		for _, l := range []string{"beta", "tau", "eta", "sigma", "phi"} {
			if g.group.Name == l {
				return nil, fmt.Errorf("bbvi: the groups' name %q is the name of a latent", l)
			}
		}
		if len(r.Group) != n {
			return nil, fmt.Errorf("bbvi: %d group numbers for %d rows", len(r.Group), n)
		}
		idx := make([]float64, n)
		for i, v := range r.Group {
			if v < 0 || v >= len(g.group.Levels) {
				return nil, fmt.Errorf("bbvi: row %d is in group %d, want 0 to %d", i, v, len(g.group.Levels)-1)
			}
			idx[i] = float64(v)
		}
		out = append(out, bbvi.Array{Name: "group", Values: idx, Groups: len(g.group.Levels)})
	} else if r.Group != nil {
		return nil, fmt.Errorf("bbvi: group numbers given but the model has no Groups")
	}
	return out, nil
}

// checkCounts checks that every target is a whole number ≥ 0 (and at most
// its trials, when given).
func checkCounts(y, trials []float64) error {
	for i, v := range y {
		if !(v >= 0) || v != math.Trunc(v) || math.IsInf(v, 0) {
			return fmt.Errorf("bbvi: count in row %d is %g, want a whole number ≥ 0", i, v)
		}
		if trials != nil && v > trials[i] {
			return fmt.Errorf("bbvi: row %d has %g successes in %g trials", i, v, trials[i])
		}
	}
	return nil
}

// PoissonRegression is Bayesian Poisson regression with a log link,
//
//	y_i ~ Poisson(exp(a + x_i·β)),   a, β_j ~ Normal(0, s²),
//
// with optional varying intercepts (Group). Its data are "X" (N×D) and "y"
// (N counts), and "group" with groups; see DataRows. The latent "beta" holds the
// intercept first (when Intercept is set), then one coefficient per feature.
// Without groups the likelihood is graph.GLMLogLik's fused Poisson one.
type PoissonRegression struct {
	Features   []string // feature names, one per column of X
	Intercept  bool     // include the intercept a
	PriorScale float64  // s, the prior sd of the coefficients (and τ's scale); 0 means 10
	Group      *Groups  // varying intercepts; nil means none
}

// NegativeBinomialRegression is Bayesian negative binomial regression with a
// log link, for overdispersed counts,
//
//	y_i ~ NegBinomial(μ_i = exp(a + x_i·β), φ),   Var y_i = μ_i + μ_i²/φ,
//	a, β_j ~ Normal(0, s²),   φ ~ Gamma(2, 0.1),
//
// (Stan's neg_binomial_2_log; the Gamma(2, 0.1) prior on the dispersion, of
// mean 20, is Juárez and Steel's), with optional varying intercepts (Group).
// Its latents are "beta" (the intercept first), "phi", then the groups'.
type NegativeBinomialRegression struct {
	Features   []string
	Intercept  bool
	PriorScale float64 // s; 0 means 10
	Group      *Groups // nil means none
}

// BinomialRegression is Bayesian binomial regression with a logit link,
//
//	y_i ~ Binomial(n_i, sigmoid(a + x_i·β)),   a, β_j ~ Normal(0, s²),
//
// for y_i successes out of n_i trials, with optional varying intercepts
// (Group). Its data are "X", "y" and "trials" (and "group"); see DataRows.
type BinomialRegression struct {
	Features   []string
	Intercept  bool
	PriorScale float64 // s; 0 means 10
	Group      *Groups // nil means none
}

func (m *PoissonRegression) glm() glm {
	return glm{m.Features, m.Intercept, m.PriorScale, m.Group}
}

// Latents implements bbvi.Model.
func (m *PoissonRegression) Latents() []bbvi.Latent { return m.glm().latents() }

// LogPrior implements bbvi.Model.
func (m *PoissonRegression) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	return m.glm().logPrior(b, z)
}

// LogLikelihood implements bbvi.Model.
func (m *PoissonRegression) LogLikelihood(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
	g := m.glm()
	if g.group == nil {
		return glmLogLik(b, graph.GLMPoisson, z, x, len(m.Features), m.Intercept, nil)
	}
	return b.Sum(b.PoissonLogRateLogProb(b.PerRow(x["y"]), g.linpred(b, z, x)), 1)
}

// DerivedQuantities implements bbvi.Deriver: the groups' deviations, if any.
func (m *PoissonRegression) DerivedQuantities() []bbvi.Quantity { return m.glm().quantities() }

// Derived implements bbvi.Deriver.
func (m *PoissonRegression) Derived(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
	return m.glm().derived(b, z)
}

// Predictive implements bbvi.Predictor: the log rate, (S, B).
func (m *PoissonRegression) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	return []*graph.Node{m.glm().linpred(b, z, x)}
}

// Simulate implements bbvi.Predictor: a Poisson draw of rate exp(params[0]).
func (m *PoissonRegression) Simulate(params []float64, rng *rand.Rand) float64 {
	return distuv.Poisson{Lambda: math.Exp(params[0]), Src: rng}.Rand()
}

// DataRows packs the rows for the model; it returns an error naming the first row
// whose count is negative or not whole.
func (m *PoissonRegression) DataRows(r Rows) (bbvi.Data, error) {
	if err := checkCounts(r.Y, nil); err != nil {
		return nil, err
	}
	return m.glm().data(r, reservedGroups(m.Group)...)
}

func reservedGroups(g *Groups, extra ...string) []string {
	if g != nil {
		extra = append(extra, "tau")
	}
	return extra
}

func (m *NegativeBinomialRegression) glm() glm {
	return glm{m.Features, m.Intercept, m.PriorScale, m.Group}
}

// Latents implements bbvi.Model.
func (m *NegativeBinomialRegression) Latents() []bbvi.Latent {
	return m.glm().latents(bbvi.Latent{Name: "phi", Support: bbvi.Positive()})
}

// LogPrior implements bbvi.Model.
func (m *NegativeBinomialRegression) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	lp := m.glm().logPrior(b, z)
	return b.Add(lp, b.Sum(b.GammaLogProb(z["phi"], b.Scalar(2), b.Scalar(0.1)), 1))
}

// LogLikelihood implements bbvi.Model.
func (m *NegativeBinomialRegression) LogLikelihood(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
	eta := m.glm().linpred(b, z, x)
	return b.Sum(b.NegativeBinomialLogMeanLogProb(b.PerRow(x["y"]), eta, z["phi"]), 1)
}

// DerivedQuantities implements bbvi.Deriver: the groups' deviations, if any.
func (m *NegativeBinomialRegression) DerivedQuantities() []bbvi.Quantity {
	return m.glm().quantities()
}

// Derived implements bbvi.Deriver.
func (m *NegativeBinomialRegression) Derived(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
	return m.glm().derived(b, z)
}

// Predictive implements bbvi.Predictor: the log mean (S, B) and φ (S, 1).
func (m *NegativeBinomialRegression) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	return []*graph.Node{m.glm().linpred(b, z, x), z["phi"]}
}

// Simulate implements bbvi.Predictor: a gamma–Poisson draw, λ ~ Gamma(φ,
// rate φ/μ), y ~ Poisson(λ), with μ = exp(params[0]) and φ = params[1].
func (m *NegativeBinomialRegression) Simulate(params []float64, rng *rand.Rand) float64 {
	mu, phi := math.Exp(params[0]), params[1]
	lambda := distuv.Gamma{Alpha: phi, Beta: phi / mu, Src: rng}.Rand()
	return distuv.Poisson{Lambda: lambda, Src: rng}.Rand()
}

// DataRows packs the rows for the model; it returns an error naming the first row
// whose count is negative or not whole.
func (m *NegativeBinomialRegression) DataRows(r Rows) (bbvi.Data, error) {
	if err := checkCounts(r.Y, nil); err != nil {
		return nil, err
	}
	return m.glm().data(r, reservedGroups(m.Group, "phi")...)
}

func (m *BinomialRegression) glm() glm {
	return glm{m.Features, m.Intercept, m.PriorScale, m.Group}
}

// Latents implements bbvi.Model.
func (m *BinomialRegression) Latents() []bbvi.Latent { return m.glm().latents() }

// LogPrior implements bbvi.Model.
func (m *BinomialRegression) LogPrior(b *graph.Builder, z bbvi.Vars) *graph.Node {
	return m.glm().logPrior(b, z)
}

// LogLikelihood implements bbvi.Model.
func (m *BinomialRegression) LogLikelihood(b *graph.Builder, z, x bbvi.Vars) *graph.Node {
	eta := m.glm().linpred(b, z, x)
	return b.Sum(b.BinomialLogitsLogProb(b.PerRow(x["y"]), b.PerRow(x["trials"]), eta), 1)
}

// DerivedQuantities implements bbvi.Deriver: the groups' deviations, if any.
func (m *BinomialRegression) DerivedQuantities() []bbvi.Quantity { return m.glm().quantities() }

// Derived implements bbvi.Deriver.
func (m *BinomialRegression) Derived(b *graph.Builder, z, _ bbvi.Vars) bbvi.Vars {
	return m.glm().derived(b, z)
}

// Predictive implements bbvi.Predictor: the logits (S, B) and the trials
// (1, B).
func (m *BinomialRegression) Predictive(b *graph.Builder, z, x bbvi.Vars) []*graph.Node {
	return []*graph.Node{m.glm().linpred(b, z, x), b.PerRow(x["trials"])}
}

// Simulate implements bbvi.Predictor: a Binomial(params[1],
// sigmoid(params[0])) draw.
func (m *BinomialRegression) Simulate(params []float64, rng *rand.Rand) float64 {
	p := 1 / (1 + math.Exp(-params[0]))
	return distuv.Binomial{N: params[1], P: p, Src: rng}.Rand()
}

// DataRows packs the rows for the model, with r.Trials; it returns an error
// naming the first row whose count is negative or not whole, whose trials
// are, or whose count exceeds its trials.
func (m *BinomialRegression) DataRows(r Rows) (bbvi.Data, error) {
	for i, v := range r.Trials {
		if !(v >= 0) || v != math.Trunc(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("bbvi: trials in row %d is %g, want a whole number ≥ 0", i, v)
		}
	}
	if r.Y != nil && len(r.Trials) != len(r.Y) {
		return nil, fmt.Errorf("bbvi: %d trials for %d targets", len(r.Trials), len(r.Y))
	}
	if err := checkCounts(r.Y, r.Trials); err != nil {
		return nil, err
	}
	d, err := m.glm().data(r, reservedGroups(m.Group)...)
	if err != nil {
		return nil, err
	}
	if d.N() != len(r.Trials) {
		return nil, fmt.Errorf("bbvi: %d trials for %d rows", len(r.Trials), d.N())
	}
	return append(d, bbvi.Array{Name: "trials", Values: r.Trials}), nil
}
