package bbvi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vigor-ml/vigor/graph"
)

// Status says where a fit stands, or why it ended.
type Status int

const (
	// Running: the fit has not ended; more steps will be taken.
	Running Status = iota
	// Converged: the Converger was satisfied (and the averaging phase, if any,
	// ran to its end).
	Converged
	// StepLimit: MaxSteps were taken before the Converger was satisfied. The
	// parameters are still averaged over the last part of the run, but whether
	// they are accurate is unknown.
	StepLimit
	// NonFinite: a NaN or Inf stopped the fit; the parameters are the last
	// finite ones.
	NonFinite
	// Stopped: the caller stopped the fit (SVI.Stop, or Run's context was
	// cancelled).
	Stopped
	// Doubtful: the Converger was satisfied, but the diagnostics of the result
	// (Posterior.Diagnostics) say that q is not a good approximation of the
	// posterior: the optimization ended well, the answer may still be wrong.
	// Only Result sets it, and only when it computes diagnostics.
	Doubtful
)

var statusNames = [...]string{"running", "converged", "step-limit", "non-finite", "stopped", "doubtful"}

// String returns "running", "converged", "step-limit", "non-finite",
// "stopped" or "doubtful".
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// MarshalText implements encoding.TextMarshaler: JSON shows the String form.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("bbvi: unknown status %q", b)
}

// A Converger decides when the optimization has reached stationarity; the
// SVI then averages the iterates and stops. It is asked after every ELBO
// evaluation (every Settings.EvalEvery steps) until it says yes, and it judges
// from the History alone (it keeps no state of its own, so that a restored
// fit decides exactly as the saved one would have). In the spirit of gonum's
// optimize.Converger.
type Converger interface {
	// Window is the number of most recent steps whose iterates the Converger
	// wants to see in History.Iterates; 0 means none.
	Window() int
	// Converged reports whether the fit has converged.
	Converged(h *History) bool
}

// History is what a Converger sees.
type History struct {
	// Step is the number of optimizer steps taken.
	Step int
	// Trace holds every ELBO evaluation so far, oldest first.
	Trace []ELBOPoint
	// Iterates holds a summary of q recorded every Thin steps over the last
	// Window() steps, oldest first (fewer early in the fit). For a Gaussian q
	// each row starts with (μ_1..μ_d, log σ_1..log σ_d), the means and the log
	// marginal sds of its d coordinates, then holds the model's own parameters
	// θ (if any), flattened; for other families it is every parameter,
	// flattened in the order of the graph's parameters. The rows belong to the
	// SVI: copy what you keep.
	Iterates [][]float64
	// Thin is the number of steps between rows of Iterates.
	Thin int
	// Dim is the number d of (μ, log σ) pairs at the start of each row of
	// Iterates; 0 when q is not Gaussian.
	Dim int
}

// RelativeTolerance is Stan's ADVI convergence rule: the fit has converged when
// the mean or the median of the last Window relative ELBO changes
// |(e_t - e_{t-1}) / e_t| is below Tol, once at least min(Window, 3) changes
// have been seen. It looks at the ELBO alone, so its tolerance means different
// things at different ELBO scales; Stationary is the default.
type RelativeTolerance struct {
	// Tol is the relative tolerance; 0 or a negative value never converges.
	Tol float64
	// Changes is the number of relative changes looked at; 0 means 10.
	Changes int
}

// Window implements Converger: RelativeTolerance needs no iterates.
func (r RelativeTolerance) Window() int { return 0 }

// Converged implements Converger.
func (r RelativeTolerance) Converged(h *History) bool {
	w := r.Changes
	if w <= 0 {
		w = 10
	}
	tr := h.Trace
	if len(tr) > w+1 {
		tr = tr[len(tr)-w-1:]
	}
	var rels []float64
	for i := 1; i < len(tr); i++ {
		rels = append(rels, math.Abs((tr[i].ELBO-tr[i-1].ELBO)/tr[i].ELBO))
	}
	if r.Tol <= 0 || len(rels) < min(w, 3) {
		return false
	}
	return mean(rels) < r.Tol || median(rels) < r.Tol
}

// SVI is a stochastic variational inference run that the caller holds: build
// it with NewSVI, then Step it (or Run it to the end), observe it (Steps,
// Trace, Params, Status), stop it, save and restore its state, and read the
// fitted q with Result. Fit is the one-call convenience on top.
//
// Each Step draws fresh noise (and, with minibatches, the next batch) from the
// *rand.Rand given to NewSVI, runs the compiled graph once and updates the
// variational parameters. Every Settings.EvalEvery steps it estimates the ELBO
// with its standard error and asks the Converger; once converged (or at 80%
// of MaxSteps at the latest) it averages the iterates over an averaging phase,
// and then it is Done.
//
// An SVI is not safe for concurrent use.
type SVI struct {
	f     *fitter
	set   Settings
	start time.Time

	t        int // steps taken
	trace    []ELBOPoint
	prev     float64 // previous ELBO evaluation (NaN at first)
	avgStart int     // step after which averaging began, -1 before
	avgEnd   int     // last step of the averaging phase
	capAvg   int     // averaging starts after this step at the latest
	sum      [][]float64
	navg     int
	conv     bool // the Converger was satisfied
	win      int  // steps of iterates the Converger looks at
	thin     int  // steps between recorded iterates
	rows     [][]float64
	how      string // the start taken: "laplace" or "default"; "" before the first step
	model    Model
	data     Data

	// Backing off after a collapse of the ELBO (Settings.MaxBackoffs).
	best      [][]float64 // parameters at the best evaluation so far
	bestELBO  float64
	bestSE    float64
	hasBest   bool
	backoffs  int
	rateScale float64 // product of the learning-rate scalings so far
	decays    int     // plateau decays of a minibatch fit's learning rate
	lastDecay int     // the step of the last one

	status Status
	reason string
	err    error // the *NonFiniteError that ended the fit
	result *MixedPosterior
}

// NewSVI builds and compiles the problem — the model's graph, the family, the
// estimator's objective and its gradient — once, and returns the SVI ready
// for its first Step. Settings are as for Fit (nil means defaults). Randomness
// comes only from rng, which the SVI keeps; the caller owns it (to save a run,
// save the rng's source with the SVI's State).
func NewSVI(m Model, data Data, s *Settings, rng *rand.Rand) (*SVI, error) {
	set := s.withDefaults()
	start := time.Now()
	f, err := newFitter(m, data, set, rng)
	if err != nil {
		return nil, err
	}
	if err := checkDerived(m, data, f.dim); err != nil {
		f.m.Close()
		return nil, err
	}
	win := set.Converger.Window()
	return &SVI{
		f: f, set: set, start: start,
		prev: math.NaN(), avgStart: -1, avgEnd: set.MaxSteps,
		capAvg: set.MaxSteps - set.MaxSteps/5,
		win:    win, thin: max(1, (win+199)/200),
		model: m, data: data, rateScale: 1,
	}, nil
}

// chooseStart returns the fitter that starts with the higher ELBO: f, which
// starts at the default start, or one started at the Laplace approximation
// (see Settings.Start), and which it is.
func chooseStart(f *fitter, m Model, data Data, set Settings, rng *rand.Rand) (*fitter, string) {
	if set.Start == "default" || f.dim == 0 || len(f.blocks) > 0 || f.loc != nil {
		return f, "default"
	}
	mode, prec, err := f.laplace()
	if err != nil {
		return f, "default"
	}
	// q is fitted over u = (ζ - mode)/s, s the Laplace marginal sds: it starts
	// at u ~ N(0, (S Λ S)⁻¹), and u is of order one in every coordinate. A
	// DenseFamily is fitted over u = P⁻¹(ζ - mode), P the Cholesky factor of
	// the Laplace covariance, and starts at u ~ N(0, I).
	d := len(mode)
	sd := constantN(d, 1)
	var uprec []float64
	pre := (*precond)(nil)
	if prec != nil {
		l, err := cholInverse(prec, d)
		if err != nil {
			return f, "default"
		}
		if _, dense := set.Family.(DenseFamily); dense {
			pre = newDensePrecond(mode, l)
		}
		uprec = make([]float64, d*d)
		for i := 0; i < d; i++ {
			var v float64
			for _, x := range l[i*d : (i+1)*d] {
				v += x * x
			}
			sd[i] = math.Sqrt(v)
		}
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				uprec[i*d+j] = sd[i] * prec[i*d+j] * sd[j]
			}
		}
	}
	if pre == nil {
		pre = newPrecond(mode, sd)
	} else {
		uprec = nil // N(0, I)
	}
	ls := set
	ls.InitMean, ls.initPrec, ls.pre = nil, uprec, pre
	g, err := newFitter(m, data, ls, rng)
	if err != nil {
		return f, "default"
	}
	// The starts are compared on the plain estimate: the anchored one is only
	// as quiet as the posterior is Gaussian around the mode.
	anc := g.anc
	if err := g.dropAnchor(); err != nil {
		g.m.Close()
		return f, "default"
	}
	e0, _, err0 := f.evalELBO()
	e1, _, err1 := g.evalELBO()
	if err1 == nil && !math.IsNaN(e1) && !math.IsInf(e1, 0) && (err0 != nil || math.IsNaN(e0) || e1 > e0) {
		f.m.Close()
		g.set.pre = ls.pre
		if g.anc = anc; g.anc != nil {
			if keep, err := g.keepAnchor(); err != nil || !keep {
				_ = g.dropAnchor() // cannot fail: the inputs exist
				g.noAnchor = true
			}
		}
		return g, "laplace"
	}
	g.m.Close()
	return f, "default"
}

// ErrDone is returned by Step after the fit has ended.
var ErrDone = errors.New("bbvi: the fit has ended")

var errClosed = errors.New("bbvi: the SVI is closed")

// Steps returns the number of optimizer steps taken.
func (v *SVI) Steps() int { return v.t }

// Done reports whether the fit has ended (Status is not Running).
func (v *SVI) Done() bool { return v.status != Running }

// Status returns where the fit stands and a sentence that says why.
func (v *SVI) Status() (Status, string) {
	if v.status == Running {
		phase := "optimizing"
		if v.averaging() {
			phase = fmt.Sprintf("averaging the iterates since step %d", v.avgStart)
		}
		return Running, fmt.Sprintf("%s at step %d of at most %d", phase, v.t, v.set.MaxSteps)
	}
	return v.status, v.reason
}

// Trace returns a copy of the ELBO evaluations so far.
func (v *SVI) Trace() []ELBOPoint { return append([]ELBOPoint(nil), v.trace...) }

// Params returns a copy of the current value of every variational parameter,
// by node name ("q.mu", "q.logsd", "q.z.logits", ...), and of the model's own
// parameters θ. With continuous local latents it includes the per-row table,
// "q.local.mu" and "q.local.logsd" (N×dim each, row-major; not with
// Settings.Amortize, whose network's weights are "q.local.net...").
func (v *SVI) Params() map[string][]float64 {
	out := map[string][]float64{}
	for _, p := range v.f.params {
		out[paramName(p)] = graph.Values(p)
	}
	if lb := v.f.loc; lb != nil && lb.net == nil {
		out[localName+".mu"] = append([]float64(nil), lb.mu...)
		out[localName+".logsd"] = append([]float64(nil), lb.logsd...)
	}
	return out
}

func (v *SVI) averaging() bool { return v.avgStart >= 0 && v.set.AverageSteps >= 0 }

// startAveraging begins the averaging phase after step at.
func (v *SVI) startAveraging(at int) {
	v.avgStart = at
	if v.set.AverageSteps < 0 {
		v.avgEnd = at
		return
	}
	n := v.set.AverageSteps
	if n == 0 {
		n = max(1000, at/4)
	}
	v.avgEnd = min(v.set.MaxSteps, at+n)
	if v.f.loc != nil {
		v.f.loc.startAvg(at)
	}
}

// Step takes one optimizer step, then, every EvalEvery steps, evaluates the
// ELBO and consults the Converger. It returns ErrDone once the fit has ended,
// and a *NonFiniteError (ending the fit with Status NonFinite and the last
// finite parameters) when a NaN or Inf appears. Other errors (a failing
// graph run) leave the fit as it was.
func (v *SVI) Step() error {
	if v.f.closed {
		return errClosed
	}
	if v.Done() {
		return ErrDone
	}
	if v.how == "" {
		v.f, v.how = chooseStart(v.f, v.model, v.data, v.set, v.f.rng)
	}
	t := v.t + 1
	if v.avgStart < 0 && t > v.capAvg && v.set.AverageSteps >= 0 {
		v.startAveraging(t - 1)
	}
	if err := v.f.step(t); err != nil {
		return v.fail(err)
	}
	v.t = t
	if v.averaging() {
		v.accumulate()
	}
	if v.avgStart < 0 && v.win > 0 && t%v.thin == 0 {
		v.record()
	}
	if t%v.set.EvalEvery == 0 {
		if err := v.evaluate(); err != nil {
			return v.fail(err)
		}
	}
	v.checkEnd()
	return nil
}

// record keeps a summary of q for the Converger, dropping the rows older than
// its window.
func (v *SVI) record() {
	keep := max(1, v.win/v.thin)
	var row []float64
	if len(v.rows) >= keep {
		row = v.rows[0][:0]
		copy(v.rows, v.rows[1:])
		v.rows = v.rows[:len(v.rows)-1]
	}
	v.rows = append(v.rows, v.f.summary(row))
}

// history is what the Converger sees.
func (v *SVI) history() *History {
	d := 0
	if _, gauss := v.f.approx.(Gaussian); gauss {
		d = v.f.dim
	}
	return &History{Step: v.t, Trace: v.trace, Iterates: v.rows, Thin: v.thin, Dim: d}
}

// accumulate adds the current parameters to the running sum of the averaging
// phase.
func (v *SVI) accumulate() {
	if v.sum == nil {
		v.sum = v.f.snapshot()
	} else {
		for i, p := range v.f.params {
			for j, x := range graph.Values(p) {
				v.sum[i][j] += x
			}
		}
	}
	v.navg++
}

// evaluate estimates the ELBO, records it, reports progress and asks the
// Converger.
func (v *SVI) evaluate() error {
	e, se, err := v.f.evalELBO()
	if err != nil {
		return err
	}
	if math.IsNaN(e) || math.IsInf(e, 0) {
		return &NonFiniteError{Step: v.t, What: "ELBO"}
	}
	pt := ELBOPoint{Step: v.t, ELBO: e, SE: se}
	v.trace = append(v.trace, pt)
	if v.backOff(e, se) {
		return nil
	}
	rel := math.Abs((e - v.prev) / e)
	v.prev = e
	if v.set.Progress != nil {
		v.set.Progress(Progress{Step: v.t, MaxSteps: v.set.MaxSteps, ELBO: e, SE: se, RelChange: rel, Averaging: v.avgStart >= 0})
	}
	if v.avgStart < 0 && (v.set.Anneal == nil || v.t > v.set.Anneal.Steps) && v.set.Converger.Converged(v.history()) {
		v.conv = true
		v.startAveraging(v.t)
		return nil
	}
	v.plateau()
	return nil
}

// maxDecays bounds the plateau decays of a minibatch fit's learning rate.
const maxDecays = 6

// plateau is the step-size schedule of a minibatch fit under the default
// Converger: when the ELBO has stopped rising over a whole window but the
// iterates still wander (the gradient's minibatch noise, of order N/B, keeps
// them moving by more than the convergence test accepts), the learning rate
// is halved — at most maxDecays times, each after a full window at the
// previous rate — so the iterates' jitter shrinks until they are stationary.
// The ELBO's plateau is judged by medians (elboPlateau). Only fits that took
// the Laplace start, near the answer, are scheduled; full-data fits and
// other Convergers are left as they are.
func (v *SVI) plateau() {
	st, ok := v.set.Converger.(Stationary)
	rs, scalable := v.set.Optimizer.(graph.RateScaler)
	// Only from the Laplace start: from the default start a minibatch fit
	// can spend thousands of steps climbing through estimates so noisy that
	// the ELBO looks flat, and smaller steps would freeze it where it is.
	if !ok || !scalable || v.avgStart >= 0 || v.f.bsz >= v.f.n || v.decays >= maxDecays || v.how != "laplace" {
		return
	}
	w := st.Window()
	if v.t < v.lastDecay+w || v.t < w || !elboPlateau(v.trace, v.t-w) {
		return
	}
	v.halveRate(rs)
	v.decays++
	v.lastDecay = v.t
}

// backOff keeps the parameters of the best ELBO evaluation before the
// averaging phase and, when the evaluation e ± se has collapsed below it,
// returns to them, resets the optimizer, halves its learning rate and
// restarts the Converger's window: it reports whether it did.
func (v *SVI) backOff(e, se float64) bool {
	opt, ok := v.set.Optimizer.(graph.RateScaler)
	if v.avgStart >= 0 || v.set.MaxBackoffs < 0 || !ok || (v.f.loc != nil && v.f.loc.net == nil) {
		return false // a per-row table is not part of the best parameters kept
	}
	se = nanZero(se)
	if v.hasBest && v.backoffs < v.set.MaxBackoffs &&
		v.bestELBO-e > 5*math.Hypot(se, v.bestSE)+math.Max(2, float64(v.f.dim)/2) {
		v.f.restore(v.best)
		opt.Reset()
		v.halveRate(opt)
		v.backoffs++
		v.rows = v.rows[:0]
		v.prev = math.NaN()
		return true
	}
	if !v.hasBest || e > v.bestELBO {
		if v.best == nil {
			v.best = v.f.snapshot()
		} else {
			for i, p := range v.f.params {
				v.best[i] = graph.AppendValues(v.best[i][:0], p)
			}
		}
		v.bestELBO, v.bestSE, v.hasBest = e, se, true
	}
	return false
}

// halveRate halves the optimizer's learning rate and records it in
// rateScale, which State saves.
func (v *SVI) halveRate(rs graph.RateScaler) {
	rs.ScaleRate(0.5)
	v.rateScale *= 0.5
}

func nanZero(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// checkEnd ends the fit when the averaging phase or the step budget is over.
func (v *SVI) checkEnd() {
	if !(v.avgStart >= 0 && v.t >= v.avgEnd) && v.t < v.set.MaxSteps {
		return
	}
	if v.conv {
		v.end(Converged, v.convergedReason())
		return
	}
	reason := fmt.Sprintf("the convergence test was not met within MaxSteps = %d", v.set.MaxSteps)
	if v.navg > 0 {
		reason += fmt.Sprintf("; the last %d iterates were averaged", v.navg)
	}
	reason += v.backoffNote()
	v.end(StepLimit, reason)
}

func (v *SVI) convergedReason() string {
	r := fmt.Sprintf("converged at step %d", v.avgStart)
	if v.navg > 0 {
		r += fmt.Sprintf(", then averaged over %d steps", v.navg)
	}
	return r + v.backoffNote()
}

// backoffNote says how often the fit backed off or decayed its learning
// rate, if it did.
func (v *SVI) backoffNote() string {
	switch {
	case v.backoffs > 0:
		return fmt.Sprintf(" (the ELBO collapsed %d time(s): the fit returned to its best parameters; the learning rate is now %g of the initial one)", v.backoffs, v.rateScale)
	case v.decays > 0:
		return fmt.Sprintf(" (minibatch noise: the learning rate was halved %d time(s) on ELBO plateaus, to %g of the initial one)", v.decays, v.rateScale)
	}
	return ""
}

func (v *SVI) end(s Status, reason string) {
	v.status, v.reason = s, reason
}

// fail ends the fit on a non-finite value; other errors are returned as they
// are and leave the fit running.
func (v *SVI) fail(err error) error {
	var nf *NonFiniteError
	if errors.As(err, &nf) {
		v.end(NonFinite, nf.Error())
		v.err = err
	}
	return err
}

// Stop ends the fit now, with Status Stopped: Result then reports the average
// of the iterates of the averaging phase so far, if it has begun, or else the
// current parameters. Stop on a fit that has ended does nothing.
func (v *SVI) Stop() {
	if !v.Done() {
		v.end(Stopped, fmt.Sprintf("stopped by the caller at step %d", v.t))
	}
}

// Run steps the fit until it ends or ctx is cancelled (then it Stops the fit
// and returns nil). It returns a *NonFiniteError if a NaN or Inf ended the fit
// (Result still gives the last finite q), and any other error as it comes.
func (v *SVI) Run(ctx context.Context) error {
	for !v.Done() {
		if ctx.Err() != nil {
			v.Stop()
			v.reason = fmt.Sprintf("stopped at step %d: %v", v.t, context.Cause(ctx))
			break
		}
		if err := v.Step(); err != nil {
			return err
		}
	}
	return nil
}

// Result ends the fit if it is still running (as Stop does) and returns the
// fitted q: the averaged parameters when there was an averaging phase, with a
// last ELBO evaluation at them appended to the trace. After a NaN or Inf it
// returns the q at the last finite parameters together with the
// *NonFiniteError. Later calls return the same result.
func (v *SVI) Result() (*MixedPosterior, error) {
	if v.result != nil {
		return v.result, v.err
	}
	if v.f.closed {
		return nil, errClosed
	}
	v.Stop()
	steps := v.t
	if v.status == NonFinite {
		var nf *NonFiniteError
		if errors.As(v.err, &nf) {
			steps = nf.Step - 1
		}
	} else {
		if v.navg > 0 {
			for i := range v.sum {
				for j := range v.sum[i] {
					v.sum[i][j] /= float64(v.navg)
				}
			}
			v.f.restore(v.sum)
			if v.f.loc != nil {
				v.f.loc.finishAvg(v.t)
			}
			v.navg = 0
		}
		e, se, err := v.f.evalELBO()
		if err != nil {
			return nil, err
		}
		if math.IsNaN(e) || math.IsInf(e, 0) {
			v.err = &NonFiniteError{Step: v.t, What: "ELBO at the averaged parameters"}
			v.end(NonFinite, v.err.Error())
		} else {
			v.trace = append(v.trace, ELBOPoint{Step: steps, ELBO: e, SE: se})
		}
	}
	mp, err := v.f.posterior(v.set, v.trace, steps)
	if err != nil {
		return nil, err
	}
	mp.Status, mp.Reason = v.status, v.reason
	if mp.Continuous != nil {
		mp.Continuous.Status, mp.Continuous.Reason = v.status, v.reason
		mp.Continuous.Start = v.how
		if v.status != NonFinite && len(v.f.blocks) == 0 && v.f.loc == nil && v.set.DiagnosticDraws >= 0 {
			n := v.set.DiagnosticDraws
			if n == 0 {
				n = diagnosticDraws(v.f.n, v.f.dim)
			}
			d, err := v.f.diagnose(n, v.status, v.reason)
			if err != nil {
				d = &Diagnostics{Reasons: []string{"no diagnostics: " + err.Error()}}
			}
			mp.Continuous.Diagnostics = d
			if v.status == Converged && !d.Reliable {
				v.status, v.reason = Doubtful, v.reason+"; but "+strings.TrimPrefix(d.Verdict(), "doubtful: ")
				mp.Status, mp.Reason = v.status, v.reason
				mp.Continuous.Status, mp.Continuous.Reason = v.status, v.reason
			}
		}
	}
	if mp.Continuous != nil && len(v.f.blocks) == 0 {
		if err := derive(v.f.model, v.f.data, mp.Continuous); err != nil {
			return nil, err
		}
	}
	mp.Seconds = time.Since(v.start).Seconds()
	if mp.Continuous != nil {
		mp.Continuous.Seconds = mp.Seconds
	}
	v.result = mp
	return mp, v.err
}

// Close releases the compiled graph. After Close the SVI cannot step, and
// Result returns the result computed before, if any.
func (v *SVI) Close() {
	if v.f.closed {
		return
	}
	v.f.closed = true
	v.f.m.Close()
	v.Stop()
}

// SVIState is everything an SVI carries from one step to the next, except the
// random source (which the caller owns): with it and the source's own state
// (rand.PCG's MarshalBinary), a fit resumes exactly where it stopped.
type SVIState struct {
	Step      int            `json:"step"`
	Params    [][]float64    `json:"params"`    // in the order of the graph's parameters
	Optimizer OptimizerState `json:"optimizer"` // the optimizer's moments
	Estimator [][]float64    `json:"estimator"` // Problem.State slices
	Nodes     [][]float64    `json:"nodes"`     // Problem.StateNode values
	Perm      []int          `json:"perm,omitempty"`
	Pos       int            `json:"pos"`
	// Best, BestELBO and BestSE are the parameters and ELBO of the best
	// evaluation so far, Backoffs and RateScale how often the fit backed off
	// and the learning rate's scaling since (Settings.MaxBackoffs).
	Best      [][]float64 `json:"best,omitempty"`
	BestELBO  float64     `json:"best_elbo"`
	BestSE    float64     `json:"best_se"`
	Backoffs  int         `json:"backoffs"`
	RateScale float64     `json:"rate_scale"`
	// Decays and LastDecay are the plateau decays of a minibatch fit's
	// learning rate and the step of the last one.
	Decays    int          `json:"decays"`
	LastDecay int          `json:"last_decay"`
	Trace     []ELBOPoint  `json:"trace"`
	AvgStart  int          `json:"avg_start"`
	AvgEnd    int          `json:"avg_end"`
	Sum       [][]float64  `json:"sum,omitempty"`
	NAvg      int          `json:"navg"`
	Converged bool         `json:"converged"`
	Iterates  [][]float64  `json:"iterates,omitempty"` // the Converger's window
	Start     string       `json:"start"`              // the start taken (Posterior.Start)
	Shift     []float64    `json:"shift,omitempty"`    // the preconditioner of a Laplace start: ζ = Shift + Scale ⊙ u
	Scale     []float64    `json:"scale,omitempty"`    // (diagonal), or ζ = Shift + Lower·u (dense, for a DenseFamily)
	Lower     []float64    `json:"lower,omitempty"`
	NoAnchor  bool         `json:"no_anchor,omitempty"` // the anchored control variate was dropped at the start (it did not lower the gradient's variance)
	Local     *LocalState  `json:"local,omitempty"`     // the per-row parameters of continuous local latents
	Stream    *StreamState `json:"stream,omitempty"`    // the minibatch stream of a fit from a RowSource
}

// OptimizerState is the optimizer's state within an SVIState: its step count
// and buffers (graph.OptimizerState, with the buffers kept).
type OptimizerState struct {
	Steps   int           `json:"steps"`
	Buffers [][][]float64 `json:"buffers"`
}

// State returns a deep copy of the fit's state. The optimizer must be
// graph.Stateful (all of graph's optimizers are). A fit that has ended has no
// state to resume: State returns ErrDone.
func (v *SVI) State() (*SVIState, error) {
	if v.Done() {
		return nil, ErrDone
	}
	opt, ok := v.set.Optimizer.(graph.Stateful)
	if !ok {
		return nil, fmt.Errorf("bbvi: optimizer %s cannot save its state (it is not graph.Stateful)", v.set.Optimizer)
	}
	os := opt.State()
	st := &SVIState{
		Step: v.t, Params: v.f.snapshot(),
		Optimizer: OptimizerState{Steps: os.Steps, Buffers: os.Buffers},
		Perm:      append([]int(nil), v.f.perm...), Pos: v.f.pos,
		Trace:    v.Trace(),
		AvgStart: v.avgStart, AvgEnd: v.avgEnd, NAvg: v.navg, Converged: v.conv,
		Start:    v.how,
		BestELBO: v.bestELBO, BestSE: v.bestSE, Backoffs: v.backoffs, RateScale: v.rateScale,
		Decays: v.decays, LastDecay: v.lastDecay, NoAnchor: v.f.noAnchor,
	}
	for _, b := range v.best {
		st.Best = append(st.Best, append([]float64(nil), b...))
	}
	if v.f.stream != nil {
		st.Stream = v.f.stream.state()
	}
	if p := v.f.set.pre; p != nil {
		st.Shift = append([]float64(nil), p.shift...)
		st.Scale = append([]float64(nil), p.scale...)
		st.Lower = append([]float64(nil), p.lower...)
	}
	if v.f.loc != nil && v.f.loc.net == nil {
		st.Local = v.f.loc.state()
	}
	for _, r := range v.rows {
		st.Iterates = append(st.Iterates, append([]float64(nil), r...))
	}
	for _, s := range v.f.prob.state {
		st.Estimator = append(st.Estimator, append([]float64(nil), s...))
	}
	for _, n := range v.f.prob.stateNodes {
		st.Nodes = append(st.Nodes, graph.Values(n))
	}
	for _, s := range v.sum {
		st.Sum = append(st.Sum, append([]float64(nil), s...))
	}
	return st, nil
}

// Restore replaces the fit's state with st, taken by State from an SVI of the
// same model, data and settings. Restore the rng's source too, and the next
// Steps are exactly those the saved fit would have taken.
func (v *SVI) Restore(st *SVIState) error {
	if st == nil {
		return errors.New("bbvi: Restore: nil state")
	}
	f := v.f
	if v.result != nil || f.closed {
		return errors.New("bbvi: Restore: the fit has ended (Result or Close was called)")
	}
	dense := len(st.Lower) > 0
	if (len(st.Shift) != 0 && len(st.Shift) != f.dim) || (!dense && len(st.Scale) != len(st.Shift)) ||
		(dense && (len(st.Scale) != 0 || len(st.Lower) != f.dim*f.dim)) {
		return errors.New("bbvi: Restore: the state's preconditioner does not fit this model")
	}
	if !finite(st.Shift) || !finite(st.Lower) {
		return errors.New("bbvi: Restore: the state's preconditioner is not finite")
	}
	for i, x := range st.Scale {
		if !(x > 0) || math.IsInf(x, 0) {
			return fmt.Errorf("bbvi: Restore: the state's preconditioner has scale %v at %d", x, i)
		}
	}
	for j := 0; dense && j < f.dim; j++ {
		if !(st.Lower[j*f.dim+j] > 0) {
			return errors.New("bbvi: Restore: the state's dense preconditioner has a diagonal that is not positive")
		}
	}
	if len(st.Shift) > 0 {
		// A fit that took the Laplace start runs on a preconditioned graph.
		set := f.set
		set.InitMean, set.initPrec = nil, nil
		if dense {
			set.pre = newDensePrecond(append([]float64(nil), st.Shift...), append([]float64(nil), st.Lower...))
		} else {
			set.pre = newPrecond(append([]float64(nil), st.Shift...), append([]float64(nil), st.Scale...))
		}
		g, err := newFitter(v.model, v.data, set, f.rng)
		if err != nil {
			return fmt.Errorf("bbvi: Restore: %w", err)
		}
		if st.NoAnchor {
			if err := g.dropAnchor(); err != nil {
				return fmt.Errorf("bbvi: Restore: %w", err)
			}
			g.noAnchor = true
		}
		f.m.Close()
		v.f, f = g, g
	}
	if err := sameShapes("parameters", st.Params, f.snapshot()); err != nil {
		return err
	}
	if len(st.Sum) > 0 {
		if err := sameShapes("averages", st.Sum, f.snapshot()); err != nil {
			return err
		}
	}
	if err := sameShapes("estimator state", st.Estimator, f.prob.state); err != nil {
		return err
	}
	var nodes [][]float64
	for _, n := range f.prob.stateNodes {
		nodes = append(nodes, graph.Values(n))
	}
	if err := sameShapes("estimator inputs", st.Nodes, nodes); err != nil {
		return err
	}
	if len(st.Perm) != len(f.perm) || st.Pos < 0 || st.Pos > f.n || st.Step < 0 || st.Step > v.set.MaxSteps {
		return errors.New("bbvi: Restore: the state is not from a fit of this data and these settings")
	}
	if f.loc != nil && f.loc.net == nil {
		if err := f.loc.restore(st.Local); err != nil {
			return err
		}
	} else if st.Local != nil {
		return errors.New("bbvi: Restore: the state has a table of local parameters, the fit has none (no continuous local latents, or amortized ones)")
	}
	opt, ok := v.set.Optimizer.(graph.Stateful)
	if !ok {
		return fmt.Errorf("bbvi: optimizer %s cannot restore its state (it is not graph.Stateful)", v.set.Optimizer)
	}
	if len(st.Best) > 0 {
		if err := sameShapes("best parameters", st.Best, f.snapshot()); err != nil {
			return err
		}
	}
	if st.RateScale < 0 || math.IsNaN(st.RateScale) || math.IsInf(st.RateScale, 0) || st.Backoffs < 0 ||
		math.IsNaN(st.BestELBO) || math.IsInf(st.BestELBO, 0) || !(st.BestSE >= 0) {
		return errors.New("bbvi: Restore: the state's back-off record is not valid")
	}
	if err := opt.SetState(graph.OptimizerState{Steps: st.Optimizer.Steps, Buffers: st.Optimizer.Buffers}); err != nil {
		return fmt.Errorf("bbvi: Restore: %w", err)
	}
	scale := st.RateScale
	if scale == 0 {
		scale = 1 // a state saved before back-offs were recorded
	}
	if scale != v.rateScale {
		rs, ok := v.set.Optimizer.(graph.RateScaler)
		if !ok {
			return fmt.Errorf("bbvi: Restore: optimizer %s cannot scale its learning rate", v.set.Optimizer)
		}
		rs.ScaleRate(scale / v.rateScale)
		v.rateScale = scale
	}
	v.best = nil
	for _, b := range st.Best {
		v.best = append(v.best, append([]float64(nil), b...))
	}
	v.hasBest = len(v.best) > 0
	v.bestELBO, v.bestSE, v.backoffs = st.BestELBO, st.BestSE, st.Backoffs
	if st.Decays < 0 || st.Decays > maxDecays || st.LastDecay < 0 || st.LastDecay > st.Step {
		return errors.New("bbvi: Restore: the state's learning-rate schedule is not valid")
	}
	v.decays, v.lastDecay = st.Decays, st.LastDecay
	f.restore(st.Params)
	for i, s := range st.Estimator {
		copy(f.prob.state[i], s)
	}
	for i, n := range f.prob.stateNodes {
		if err := graph.Set(n, st.Nodes[i]); err != nil {
			return fmt.Errorf("bbvi: Restore: %w", err)
		}
	}
	if err := f.restoreStream(st.Stream); err != nil {
		return err
	}
	copy(f.perm, st.Perm)
	f.pos = st.Pos
	v.t = st.Step
	v.trace = append([]ELBOPoint(nil), st.Trace...)
	v.avgStart, v.avgEnd, v.navg, v.conv = st.AvgStart, st.AvgEnd, st.NAvg, st.Converged
	v.how = st.Start
	v.rows = nil
	for _, r := range st.Iterates {
		v.rows = append(v.rows, append([]float64(nil), r...))
	}
	v.sum = nil
	for _, s := range st.Sum {
		v.sum = append(v.sum, append([]float64(nil), s...))
	}
	v.prev = math.NaN()
	if n := len(v.trace); n > 0 {
		v.prev = v.trace[n-1].ELBO
	}
	v.status, v.reason = Running, ""
	return nil
}

func sameShapes(what string, got, want [][]float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("bbvi: Restore: %d %s blocks, the fit has %d", len(got), what, len(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Errorf("bbvi: Restore: %s block %d has %d values, the fit has %d", what, i, len(got[i]), len(want[i]))
		}
	}
	return nil
}

// SetParams sets variational parameters by node name (as Params reports
// them); parameters not named keep their values. The sizes must match.
func (v *SVI) SetParams(vals map[string][]float64) error {
	byName := map[string]*graph.Node{}
	for _, p := range v.f.params {
		byName[paramName(p)] = p
	}
	for name, x := range vals {
		if lb := v.f.loc; lb != nil {
			if found, err := lb.set(name, x); found {
				if err != nil {
					return err
				}
				continue
			}
		}
		p, ok := byName[name]
		if !ok {
			return fmt.Errorf("bbvi: SetParams: no parameter %q", name)
		}
		if err := graph.Set(p, x); err != nil {
			return fmt.Errorf("bbvi: SetParams %q: %w", name, err)
		}
	}
	return nil
}

// Gradient draws fresh noise (and, with minibatches, the next batch) from the
// fit's rng, runs the graph once and returns the estimator's estimate of
// ∇λ ELBO for every variational parameter, by node name, without updating the
// parameters or counting a step. The per-row table of continuous local
// latents gets its gradient for all N rows: the batch's rows' estimates, 0
// for the others. The estimator's state advances as on a step
// (a running baseline sees the draws), which is what a study of the
// estimator's variance at fixed parameters wants.
func (v *SVI) Gradient() (map[string][]float64, error) {
	if v.f.closed {
		return nil, errClosed
	}
	if _, err := v.f.run(); err != nil {
		return nil, err
	}
	if err := v.f.prob.FinishStep(); err != nil {
		return nil, fmt.Errorf("bbvi: %s estimator: %w", v.set.Estimator.Name(), err)
	}
	out := map[string][]float64{}
	for i, g := range v.f.grads {
		vals := graph.Values(g)
		for j := range vals {
			vals[j] = -vals[j] // the loss is -ELBO
		}
		out[paramName(v.f.params[i])] = vals
	}
	if lb := v.f.loc; lb != nil && lb.net == nil {
		mu, logsd := lb.grads()
		for j := range mu {
			mu[j], logsd[j] = -mu[j], -logsd[j]
		}
		out[localName+".mu"], out[localName+".logsd"] = mu, logsd
	}
	return out, nil
}

// paramName is a parameter node's name as it was given to the builder,
// without the suffix the builder adds to make names unique ("q.mu#1" → "q.mu").
func paramName(p *graph.Node) string {
	n := p.Name()
	if i := strings.LastIndexByte(n, '#'); i > 0 {
		return n[:i]
	}
	return n
}
