package bbvi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/vigor-ml/vigor/graph"
)

// Settings configure a fit. The zero value (or a nil *Settings) gives good
// defaults; each field documents its own.
type Settings struct {
	// Family is the variational family. nil means MeanField.
	Family Family
	// Estimator is the gradient estimator. nil means Reparam{} (closed-form entropy).
	Estimator Estimator
	// Draws is the number S of Monte Carlo draws per step. 0 means 8.
	Draws int
	// QMC draws the S base-noise vectors of each step as one randomized
	// quasi-Monte Carlo point set (Owen-scrambled Sobol' points mapped to
	// normals) instead of i.i.d. normals: every draw is still exactly N(0, I),
	// so estimates stay unbiased, but their variance is lower, most for S a
	// power of 2. It needs a family with standard normal noise (NormalNoiser);
	// discrete latents keep their own noise. false means i.i.d. draws.
	QMC bool
	// BatchSize is the number B of data rows per step; its likelihood is scaled by
	// N/B. 0 (or B ≥ N) means all the data on every step. A minibatch fit
	// that takes the Laplace start subtracts from each batch's likelihood its
	// first-order expansion around the mode and adds back the full data's (an
	// unbiased control variate that removes most of the batch noise; see
	// PlainBatches).
	BatchSize int
	// PlainBatches turns off the anchored control variate of minibatch fits:
	// each step's likelihood is then (N/B)·Σ_batch ℓ_i alone. The control
	// variate costs one pass over the data at the start and one evaluation
	// of the batch's likelihood gradient at the mode per step.
	PlainBatches bool
	// Optimizer updates the variational parameters. nil means NewOptimizer("adam", 0):
	// Adam with learning rate 0.01 and β₂ = 0.99. An optimizer keeps state: do not
	// share one between fits.
	Optimizer graph.Optimizer
	// MaxSteps bounds the number of optimizer steps. 0 means 20000.
	MaxSteps int
	// Converger decides when the optimization has converged. nil means
	// Stationary{} (see Stationary); Tol < 0 means never (the fit runs to
	// MaxSteps).
	Converger Converger
	// Tol, when positive, selects Stan's rule instead of the default Converger:
	// RelativeTolerance{Tol: Tol, Changes: Window}. 0 means the default
	// Converger; a negative value never stops early.
	Tol float64
	// EvalEvery is the number of steps between ELBO evaluations. 0 means 100.
	EvalEvery int
	// EvalDraws is the number of draws per ELBO evaluation. 0 means 200.
	EvalDraws int
	// Window is the number of relative changes RelativeTolerance looks at when
	// Tol is set. 0 means max(2, MaxSteps/EvalEvery/10), Stan's choice, at most
	// 10.
	Window int
	// AverageSteps is the length of the iterate-averaging phase: the reported
	// parameters are the average of the iterates over this phase
	// (Polyak–Ruppert), which removes the optimizer's jitter. The phase starts
	// when the Converger is satisfied, or at 80% of MaxSteps at the latest (a fit
	// that has not converged by then averages over its last fifth, and its
	// Status says StepLimit). 0 means max(1000, a quarter of the steps taken
	// before the phase starts), cut at MaxSteps; a negative value turns averaging
	// off (the last iterate is reported, and the fit stops as soon as it has
	// converged).
	AverageSteps int
	// Dtype is the float type of the graph: graph.Float64 (the zero value means
	// Float64) or graph.Float32.
	Dtype graph.Dtype
	// InitMean is the initial mean of q in the unconstrained space of the
	// continuous latents; nil means zeros.
	InitMean []float64
	// InitSD is the initial standard deviation of q in every direction of the
	// unconstrained space of the continuous latents; 0 means 1.
	InitSD float64
	// Start chooses where q starts. "" or "auto": the better, by its ELBO, of
	// the default start (InitMean or zeros, with InitSD) and a Laplace
	// approximation at the mode of the log joint (found by L-BFGS from the
	// default start), for models without discrete latents; "default": the
	// default start only. See Posterior.Start for the one taken.
	Start string
	// initPrec is the starting precision of a Laplace start, over u.
	initPrec []float64
	// pre is the preconditioner of a Laplace start (nil: none).
	pre *precond
	// source is the RowSource of a fit by NewSVISource that streams its rows.
	source RowSource
	// InitLogits gives the initial logits of the discrete latents' q, by latent
	// name: n values for a binary latent of n components, n·K (row-major) for a
	// categorical one; a local latent has one component per data row. A latent
	// that is missing starts at zero logits (uniform).
	InitLogits map[string][]float64
	// DiagnosticDraws is the number of fresh draws from the fitted q whose
	// importance ratios give the fit's Diagnostics (PSIS k̂, ELBO, verdict).
	// 0 means 4000, or fewer (at least 500) for large data, so that draws ×
	// rows × latents stays under about 2·10⁹; a negative value skips the
	// diagnostics.
	DiagnosticDraws int
	// MaxBackoffs is how many times the fit may back off after its ELBO
	// collapses (an evaluation falls below the best so far by more than five
	// standard errors plus max(2, dim/2) nats, as when the step size is too
	// large for the posterior's curvature): it returns to the parameters of
	// the best evaluation, resets the optimizer and halves its learning rate.
	// 0 means 6; negative never backs off. Only graph.RateScaler optimizers
	// (all of graph's) can back off; the Optimizer given here is the one
	// scaled, so give each fit its own.
	MaxBackoffs int
	// LocalLR is the base learning rate of the lazy Adam that updates the
	// per-row parameters of continuous local latents (see Latent.Local); each
	// row's rate decays with its own updates t_i as LocalLR/√(1 + t_i/LocalDecay).
	// 0 means DefaultLocalLR. The moments' β₁, β₂ are the Optimizer's when it is
	// a *graph.Adam, else 0.9 and 0.99. A fit with such a table does not back
	// off (MaxBackoffs): the table is not part of the best parameters it keeps.
	LocalLR float64
	// Amortize, if not nil, replaces the per-row table of the continuous local
	// latents' q by an inference network from each row's features (see
	// Amortize). nil means a table.
	Amortize *Amortize
	// Anneal, if not nil, weighs part of the ELBO over the first steps (KL
	// warm-up or likelihood tempering; see Anneal). nil means the plain ELBO
	// from the first step.
	Anneal *Anneal
	// Progress, if not nil, is called after every ELBO evaluation.
	Progress func(Progress)
}

// Progress reports the state of a fit after an ELBO evaluation.
type Progress struct {
	Step, MaxSteps int
	ELBO           float64
	SE             float64 // Monte Carlo standard error of ELBO
	RelChange      float64 // relative ELBO change since the previous evaluation (NaN at first)
	Averaging      bool    // in the iterate-averaging phase
}

// ELBOPoint is one ELBO evaluation of the trace: the mean of the estimates
// over Settings.EvalDraws draws and its Monte Carlo standard error.
type ELBOPoint struct {
	Step int     `json:"step"`
	ELBO float64 `json:"elbo"`
	SE   float64 `json:"se"`
}

// ErrNonFinite is the sentinel for a fit stopped by a NaN or an infinity; the
// error returned is a *NonFiniteError, which matches it with errors.Is.
var ErrNonFinite = errors.New("non-finite value")

// NonFiniteError reports a NaN or Inf met during a fit.
type NonFiniteError struct {
	Step int    // the optimizer step (1-based) at which it was met
	What string // "ELBO" or "gradient of <param>"
}

// Error implements error.
func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("bbvi: non-finite %s at step %d (the posterior keeps the last finite parameters)", e.What, e.Step)
}

// Is makes errors.Is(err, ErrNonFinite) true.
func (e *NonFiniteError) Is(target error) bool { return target == ErrNonFinite }

func (s *Settings) withDefaults() Settings {
	var c Settings
	if s != nil {
		c = *s
	}
	if c.Family == nil {
		c.Family = MeanField{}
	}
	if c.Estimator == nil {
		c.Estimator = Reparam{}
	}
	if c.Draws == 0 {
		c.Draws = 8
	}
	if c.Optimizer == nil {
		c.Optimizer, _ = NewOptimizer("adam", 0)
	}
	if c.MaxSteps == 0 {
		c.MaxSteps = 20000
	}
	if c.EvalEvery == 0 {
		c.EvalEvery = 100
	}
	if c.EvalDraws == 0 {
		c.EvalDraws = 200
	}
	if c.MaxBackoffs == 0 {
		c.MaxBackoffs = 6
	}
	if c.Window == 0 {
		c.Window = min(10, max(2, c.MaxSteps/c.EvalEvery/10))
	}
	if c.Converger == nil {
		switch {
		case c.Tol > 0:
			c.Converger = RelativeTolerance{Tol: c.Tol, Changes: c.Window}
		case c.Tol < 0:
			c.Converger = RelativeTolerance{Tol: -1}
		default:
			c.Converger = Stationary{}
		}
	}
	if c.Dtype == 0 { // unset
		c.Dtype = graph.Float64
	}
	return c
}

func (c *Settings) check() error {
	switch {
	case c.Draws < 0:
		return fmt.Errorf("bbvi: Draws %d < 0", c.Draws)
	case c.BatchSize < 0:
		return fmt.Errorf("bbvi: BatchSize %d < 0", c.BatchSize)
	case c.MaxSteps < 0:
		return fmt.Errorf("bbvi: MaxSteps %d < 0", c.MaxSteps)
	case c.DiagnosticDraws > 1<<20:
		return fmt.Errorf("bbvi: DiagnosticDraws %d (at most %d)", c.DiagnosticDraws, 1<<20)
	case c.DiagnosticDraws > 0 && c.DiagnosticDraws < 5:
		return fmt.Errorf("bbvi: DiagnosticDraws %d (PSIS needs at least 5; a negative value skips the diagnostics)", c.DiagnosticDraws)
	case c.EvalEvery < 0 || c.EvalDraws < 0 || c.Window < 0:
		return errors.New("bbvi: EvalEvery, EvalDraws and Window must not be negative")
	case c.Dtype != graph.Float64 && c.Dtype != graph.Float32:
		return fmt.Errorf("bbvi: Dtype %v (want Float64 or Float32)", c.Dtype)
	case c.Start != "" && c.Start != "auto" && c.Start != "default":
		return fmt.Errorf("bbvi: Start %q (want auto or default)", c.Start)
	case math.IsNaN(c.Tol):
		return errors.New("bbvi: Tol is NaN")
	case c.LocalLR < 0 || math.IsNaN(c.LocalLR) || math.IsInf(c.LocalLR, 0):
		return fmt.Errorf("bbvi: LocalLR %v (want a positive finite value, or 0 for the default)", c.LocalLR)
	case c.Anneal.check() != nil:
		return c.Anneal.check()
	case c.InitSD < 0 || math.IsNaN(c.InitSD) || math.IsInf(c.InitSD, 0):
		return fmt.Errorf("bbvi: InitSD %v (want a positive finite value, or 0 for 1)", c.InitSD)
	}
	return nil
}

// Fit fits the variational family to the model's posterior given the data, by
// stochastic optimization of the ELBO, and returns the fitted posterior. It is
// NewSVI, Run and Result in one call.
//
// Randomness comes only from rng: the same seed gives identical results, bit for
// bit. If a NaN or Inf appears, Fit stops and returns the posterior at the last
// finite parameters (Status NonFinite) together with a *NonFiniteError
// (errors.Is(err, ErrNonFinite)). Models with discrete latents are fitted by
// FitMixed; Fit returns an error for them.
func Fit(m Model, data Data, s *Settings, rng *rand.Rand) (*Posterior, error) {
	if m != nil {
		for _, l := range m.Latents() {
			if l.Support.Discrete() {
				return nil, fmt.Errorf("bbvi: latent %q is discrete: fit the model with FitMixed", l.Name)
			}
		}
	}
	mp, err := fitModel(m, data, s, rng)
	if mp == nil {
		return nil, err
	}
	return mp.Continuous, err
}

// fitModel runs an SVI to the end and reports both parts of q.
func fitModel(m Model, data Data, s *Settings, rng *rand.Rand) (*MixedPosterior, error) {
	v, err := NewSVI(m, data, s, rng)
	if err != nil {
		return nil, err
	}
	defer v.Close()
	if err := v.Run(context.Background()); err != nil && !errors.Is(err, ErrNonFinite) {
		return nil, err
	}
	return v.Result()
}

// NewOptimizer returns the optimizer called name ("adam", "rmsprop", "adagrad" or
// "sgd") with learning rate lr, tuned for stochastic ELBO gradients; lr 0 means the
// optimizer's default here: 0.01 for Adam and RMSProp, 0.1 for AdaGrad and 0.001
// for SGD. Adam uses β₂ = 0.99 rather than the usual 0.999: the early ELBO
// gradients are orders of magnitude larger than those near the optimum, and a
// long second-moment memory shrinks the late steps so much that the variances
// stop converging (with 0.999 the mean-field variances of a 150-row regression
// were still 10–30% off when the ELBO test declared convergence).
func NewOptimizer(name string, lr float64) (graph.Optimizer, error) {
	name = strings.ToLower(name)
	switch name {
	case "adam", "":
		return &graph.Adam{LR: lr, Beta2: 0.99}, nil
	case "sgd":
		return &graph.SGD{LR: orDefault(lr, 0.001)}, nil
	}
	return graph.NewOptimizer(name, lr)
}

// orDefault returns v, or d when v is 0.
func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}
