package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

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
	// BatchSize is the number B of data rows per step; its likelihood is scaled by
	// N/B. 0 (or B ≥ N) means all the data on every step.
	BatchSize int
	// Optimizer updates the variational parameters. nil means NewOptimizer("adam", 0):
	// Adam with learning rate 0.01 and β₂ = 0.99. An optimizer keeps state: do not
	// share one between fits.
	Optimizer graph.Optimizer
	// MaxSteps bounds the number of optimizer steps. 0 means 20000.
	MaxSteps int
	// Tol is the relative ELBO tolerance: the fit has converged when the mean or the
	// median relative change of the ELBO over the last Window evaluations is below
	// Tol (as in Stan's ADVI). 0 means 0.001; a negative value never stops early.
	Tol float64
	// EvalEvery is the number of steps between ELBO evaluations. 0 means 100.
	EvalEvery int
	// EvalDraws is the number of draws per ELBO evaluation. 0 means 200.
	EvalDraws int
	// Window is the number of relative changes the convergence test looks at.
	// 0 means max(2, MaxSteps/EvalEvery/10), Stan's choice, at most 10.
	Window int
	// AverageSteps is the length of the iterate-averaging phase that follows
	// convergence: the reported parameters are the average of the iterates over
	// this phase (Polyak–Ruppert), which removes the optimizer's jitter. 0 means
	// max(1000, a quarter of the steps taken before convergence); a negative value
	// turns averaging off (the last iterate is reported).
	AverageSteps int
	// Dtype is the float type of the graph: graph.Float64 (the zero value means
	// Float64) or graph.Float32.
	Dtype graph.Dtype
	// InitMean is the initial mean of q in the unconstrained space of the
	// continuous latents; nil means zeros.
	InitMean []float64
	// InitLogits gives the initial logits of the discrete latents' q, by latent
	// name: n values for a binary latent of n components, n·K (row-major) for a
	// categorical one; a local latent has one component per data row. A latent
	// that is missing starts at zero logits (uniform).
	InitLogits map[string][]float64
	// Progress, if not nil, is called after every ELBO evaluation.
	Progress func(Progress)
}

// Progress reports the state of a fit after an ELBO evaluation.
type Progress struct {
	Step, MaxSteps int
	ELBO           float64
	RelChange      float64 // relative ELBO change since the previous evaluation (NaN at first)
	Averaging      bool    // in the iterate-averaging phase
}

// ELBOPoint is one ELBO evaluation of the trace.
type ELBOPoint struct {
	Step int     `json:"step"`
	ELBO float64 `json:"elbo"`
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
	if c.Tol == 0 {
		c.Tol = 0.001
	}
	if c.EvalEvery == 0 {
		c.EvalEvery = 100
	}
	if c.EvalDraws == 0 {
		c.EvalDraws = 200
	}
	if c.Window == 0 {
		c.Window = min(10, max(2, c.MaxSteps/c.EvalEvery/10))
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
	case c.EvalEvery < 0 || c.EvalDraws < 0 || c.Window < 0:
		return errors.New("bbvi: EvalEvery, EvalDraws and Window must not be negative")
	case c.Dtype != graph.Float64 && c.Dtype != graph.Float32:
		return fmt.Errorf("bbvi: Dtype %v (want Float64 or Float32)", c.Dtype)
	case math.IsNaN(c.Tol):
		return errors.New("bbvi: Tol is NaN")
	}
	return nil
}

// fitter holds a compiled problem: the graph is built and compiled once; each
// step only writes new noise and data into the input tensors.
type fitter struct {
	set     Settings
	model   Model
	latents []Latent
	cont    []Latent // the continuous latents, fitted by approx
	dim     int
	blocks  []*DiscreteBlock
	prob    *Problem
	data    Data
	n, bsz  int
	approx  Approx
	params  []*graph.Node
	grads   []*graph.Node
	noise   *graph.Node
	inputs  []*graph.Node // one per data array
	loss    *graph.Node
	elbo    *graph.Node
	m       *graph.Machine
	rng     *rand.Rand
	perm    []int
	pos     int
	noiseF  []float64
	batchF  [][]float64
	backup  [][]float64
}

func newFitter(m Model, data Data, set Settings, rng *rand.Rand) (*fitter, error) {
	if m == nil {
		return nil, errors.New("bbvi: nil model")
	}
	if rng == nil {
		return nil, errors.New("bbvi: nil *rand.Rand (randomness must be explicit)")
	}
	if err := set.check(); err != nil {
		return nil, err
	}
	latents := m.Latents()
	if err := validateLatents(latents); err != nil {
		return nil, err
	}
	if err := data.validate(); err != nil {
		return nil, err
	}
	f := &fitter{set: set, model: m, latents: latents, data: data, rng: rng}
	local := false
	for _, l := range latents {
		if l.Support.Discrete() {
			local = local || l.Local
			continue
		}
		f.dim += l.size()
		f.cont = append(f.cont, l)
	}
	f.n = data.N()
	f.bsz = f.n
	if set.BatchSize > 0 && set.BatchSize < f.n {
		f.bsz = set.BatchSize
	}
	if local && f.n == 0 {
		return nil, errors.New("bbvi: the model has local latents but no data")
	}
	if local && f.bsz < f.n {
		return nil, fmt.Errorf("bbvi: the model has local latents: minibatches are not supported (BatchSize %d < N = %d)", set.BatchSize, f.n)
	}
	b := graph.NewBuilder(set.Dtype)
	if f.dim > 0 {
		approx, err := set.Family.Build(b, f.dim, set.InitMean)
		if err != nil {
			return nil, err
		}
		f.approx = approx
		f.params = approx.Params()
		f.noise = b.Input("noise", set.Draws, f.dim)
		f.noiseF = make([]float64, set.Draws*f.dim)
	} else if len(set.InitMean) > 0 {
		return nil, fmt.Errorf("bbvi: InitMean has %d values but the model has no continuous latents", len(set.InitMean))
	}
	blocks, err := buildDiscrete(b, latents, f.n, set.Draws, set.InitLogits)
	if err != nil {
		return nil, err
	}
	f.blocks = blocks
	for _, blk := range blocks {
		f.params = append(f.params, blk.Approx.Params()...)
	}
	var x Vars
	if len(data) > 0 {
		x = Vars{}
		for _, a := range data {
			var in *graph.Node
			if a.Cols == 0 {
				in = b.Input(a.Name, f.bsz)
			} else {
				in = b.Input(a.Name, f.bsz, a.Cols)
			}
			x[a.Name] = in
			f.inputs = append(f.inputs, in)
			f.batchF = append(f.batchF, make([]float64, f.bsz*a.width()))
		}
	}
	scale := 1.0
	if f.n > 0 {
		scale = float64(f.n) / float64(f.bsz)
	}
	p := &Problem{B: b, Model: m, Latents: latents, Approx: f.approx, Noise: f.noise, Data: x, Scale: scale, Discrete: blocks}
	f.prob = p
	f.loss, f.elbo = set.Estimator.Objective(p)
	if b.Err() != nil {
		return nil, fmt.Errorf("bbvi: building the model graph: %w", b.Err())
	}
	f.grads = b.Grad(f.loss, f.params...)
	if b.Err() != nil {
		return nil, fmt.Errorf("bbvi: differentiating the %s objective: %w", set.Estimator.Name(), b.Err())
	}
	f.m, err = b.Compile()
	if err != nil {
		return nil, fmt.Errorf("bbvi: %w", err)
	}
	if f.bsz == f.n && f.n > 0 {
		// All the data on every step: load it once.
		for i, a := range data {
			if err := graph.Set(f.inputs[i], a.Values); err != nil {
				return nil, err
			}
		}
	} else if f.n > 0 {
		f.perm = make([]int, f.n)
		for i := range f.perm {
			f.perm[i] = i
		}
		f.pos = f.n // shuffle on first use
	}
	f.backup = make([][]float64, len(f.params))
	return f, nil
}

// load draws fresh noise and, with minibatches, the next batch (sampled without
// replacement within an epoch, reshuffled every epoch).
func (f *fitter) load() error {
	if f.noise != nil {
		for i := range f.noiseF {
			f.noiseF[i] = f.rng.NormFloat64()
		}
		if err := graph.Set(f.noise, f.noiseF); err != nil {
			return err
		}
	}
	for _, blk := range f.blocks {
		if err := blk.Fill(f.rng); err != nil {
			return err
		}
	}
	if f.perm == nil {
		return nil
	}
	if f.pos+f.bsz > f.n {
		f.rng.Shuffle(len(f.perm), func(i, j int) { f.perm[i], f.perm[j] = f.perm[j], f.perm[i] })
		f.pos = 0
	}
	rows := f.perm[f.pos : f.pos+f.bsz]
	f.pos += f.bsz
	for k, a := range f.data {
		w := a.width()
		dst := f.batchF[k]
		for r, i := range rows {
			copy(dst[r*w:(r+1)*w], a.Values[i*w:(i+1)*w])
		}
		if err := graph.Set(f.inputs[k], dst); err != nil {
			return err
		}
	}
	return nil
}

// run evaluates the graph on fresh noise and data and returns the ELBO estimate.
func (f *fitter) run() (float64, error) {
	if err := f.load(); err != nil {
		return 0, err
	}
	if err := f.m.Run(); err != nil {
		return 0, fmt.Errorf("bbvi: running the graph: %w", err)
	}
	return graph.Scalar64(f.elbo), nil
}

// evalELBO averages the ELBO estimate over at least EvalDraws draws.
func (f *fitter) evalELBO() (float64, error) {
	reps := max(1, (f.set.EvalDraws+f.set.Draws-1)/f.set.Draws)
	var sum float64
	for r := 0; r < reps; r++ {
		e, err := f.run()
		if err != nil {
			return 0, err
		}
		sum += e
	}
	return sum / float64(reps), nil
}

func finite(vals []float64) bool {
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// step runs one optimizer step. It returns a *NonFiniteError, leaving the
// parameters untouched, if the ELBO or a gradient is not finite, and restores the
// parameters if the update itself made them non-finite.
func (f *fitter) step(t int) error {
	e, err := f.run()
	if err != nil {
		return err
	}
	if math.IsNaN(e) || math.IsInf(e, 0) {
		return &NonFiniteError{Step: t, What: "ELBO"}
	}
	for i, g := range f.grads {
		if !finite(graph.Values(g)) {
			return &NonFiniteError{Step: t, What: "gradient of " + f.params[i].Name()}
		}
	}
	if err := f.prob.FinishStep(); err != nil {
		return fmt.Errorf("bbvi: %s estimator: %w", f.set.Estimator.Name(), err)
	}
	for i, p := range f.params {
		f.backup[i] = graph.Values(p)
	}
	if err := f.set.Optimizer.Step(f.params, f.grads); err != nil {
		return fmt.Errorf("bbvi: optimizer: %w", err)
	}
	for i, p := range f.params {
		if !finite(graph.Values(p)) {
			f.restore(f.backup)
			return &NonFiniteError{Step: t, What: "parameter " + f.params[i].Name() + " after the update"}
		}
	}
	return nil
}

func (f *fitter) snapshot() [][]float64 {
	out := make([][]float64, len(f.params))
	for i, p := range f.params {
		out[i] = graph.Values(p)
	}
	return out
}

func (f *fitter) restore(vals [][]float64) {
	for i, p := range f.params {
		// Cannot fail: the sizes come from the same nodes.
		_ = graph.Set(p, vals[i])
	}
}

// Fit fits the variational family to the model's posterior given the data, by
// stochastic optimization of the ELBO, and returns the fitted posterior.
//
// Randomness comes only from rng: the same seed gives identical results, bit for
// bit. If a NaN or Inf appears, Fit stops and returns the posterior at the last
// finite parameters together with a *NonFiniteError (errors.Is(err, ErrNonFinite)).
// Models with discrete latents are fitted by FitMixed; Fit returns an error for
// them.
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

// fitModel runs the fit loop on any model and reports both parts of q.
func fitModel(m Model, data Data, s *Settings, rng *rand.Rand) (*MixedPosterior, error) {
	set := s.withDefaults()
	start := time.Now()
	f, err := newFitter(m, data, set, rng)
	if err != nil {
		return nil, err
	}
	defer f.m.Close()

	var (
		trace      []ELBOPoint
		rels       []float64
		prev       = math.NaN()
		converged  bool
		avgStart   = -1
		avgEnd     = set.MaxSteps
		sum        [][]float64
		navg       int
		t          int
		fitErr     error
		capAverage = set.MaxSteps - set.MaxSteps/5 // start averaging here at the latest
	)
	startAveraging := func(at int) {
		avgStart = at
		if set.AverageSteps < 0 {
			avgEnd = at
			return
		}
		n := set.AverageSteps
		if n == 0 {
			n = max(1000, at/4)
		}
		avgEnd = min(set.MaxSteps, at+n)
	}
	for t = 1; t <= set.MaxSteps; t++ {
		if avgStart < 0 && t > capAverage && set.AverageSteps >= 0 {
			startAveraging(t - 1)
		}
		if avgStart >= 0 && t > avgEnd {
			t--
			break
		}
		if err := f.step(t); err != nil {
			fitErr = err
			break
		}
		if avgStart >= 0 && set.AverageSteps >= 0 {
			vals := f.snapshot()
			if sum == nil {
				sum = vals
			} else {
				for i := range sum {
					for j := range sum[i] {
						sum[i][j] += vals[i][j]
					}
				}
			}
			navg++
		}
		if t%set.EvalEvery == 0 {
			e, err := f.evalELBO()
			if err != nil {
				fitErr = err
				break
			}
			if math.IsNaN(e) || math.IsInf(e, 0) {
				fitErr = &NonFiniteError{Step: t, What: "ELBO"}
				break
			}
			trace = append(trace, ELBOPoint{Step: t, ELBO: e})
			rel := math.Abs((e - prev) / e)
			if !math.IsNaN(prev) {
				rels = append(rels, rel)
				if len(rels) > set.Window {
					rels = rels[1:]
				}
			}
			prev = e
			if set.Progress != nil {
				set.Progress(Progress{Step: t, MaxSteps: set.MaxSteps, ELBO: e, RelChange: rel, Averaging: avgStart >= 0})
			}
			if avgStart < 0 && set.Tol > 0 && len(rels) >= min(set.Window, 3) && (mean(rels) < set.Tol || median(rels) < set.Tol) {
				converged = true
				if set.AverageSteps < 0 {
					break
				}
				startAveraging(t)
			}
		}
	}
	if t > set.MaxSteps {
		t = set.MaxSteps
	}
	if fitErr == nil && navg > 0 {
		for i := range sum {
			for j := range sum[i] {
				sum[i][j] /= float64(navg)
			}
		}
		f.restore(sum)
	}
	steps := t
	var nf *NonFiniteError
	if errors.As(fitErr, &nf) {
		steps = nf.Step - 1
	}
	if fitErr == nil {
		e, err := f.evalELBO()
		if err != nil {
			return nil, err
		}
		if math.IsNaN(e) || math.IsInf(e, 0) {
			fitErr = &NonFiniteError{Step: t, What: "ELBO at the averaged parameters"}
		} else {
			trace = append(trace, ELBOPoint{Step: steps, ELBO: e})
		}
	} else if nf == nil {
		return nil, fitErr
	}
	mp := &MixedPosterior{
		Probs:     map[string][]float64{},
		Estimator: set.Estimator.Name(),
		Trace:     trace,
		Steps:     steps,
		Converged: converged && fitErr == nil,
	}
	for _, blk := range f.blocks {
		mp.Probs[blk.Latent.Name] = blk.Approx.Probs()
	}
	if f.approx != nil {
		mu, scale := f.approx.MeanScale()
		post, err := newPosterior(f.cont, mu, scale)
		if err != nil {
			return nil, err
		}
		post.Family = set.Family.Name()
		post.Estimator = mp.Estimator
		post.Trace = trace
		post.Steps = steps
		post.Converged = mp.Converged
		mp.Continuous = post
	}
	mp.Seconds = time.Since(start).Seconds()
	if mp.Continuous != nil {
		mp.Continuous.Seconds = mp.Seconds
	}
	return mp, fitErr
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	c := append([]float64(nil), xs...)
	sort.Float64s(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
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
