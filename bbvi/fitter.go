package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/vigor-ml/vigor/graph"
)

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
	din     *dataInputs // the data's inputs
	loss    *graph.Node
	elbo    *graph.Node
	m       *graph.Machine
	rng     *rand.Rand
	perm    []int
	pos     int
	stream  *stream // minibatches from a RowSource (Settings.source); nil for Data
	noiseF  []float64
	qmc     *qmcNoise // Settings.QMC's noise filler, or nil
	backup  [][]float64
	closed  bool
	nq      int         // params[:nq] are q's, params[nq:] the model's own θ
	loc     *localBlock // the continuous local latents' q (nil: none)
	weight  []float64   // the Anneal weight's value, fed to prob.anneal
	next    int         // the optimizer step being taken (for the Anneal weight)
	anc     *anchor     // the anchored control variate of a minibatch fit (nil: none)
	// noAnchor records that the start dropped the anchored control variate
	// (keepAnchor), for the fit's State.
	noAnchor bool
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
	n, err := dataRows(data, set.source)
	if err != nil {
		return nil, err
	}
	if dn, ok := m.(dataNeeder); ok && dn.needsData() && len(data) == 0 {
		return nil, errors.New("bbvi: the model has a likelihood but no data (nil Data): it would fit the prior alone")
	}
	f := &fitter{set: set, model: m, latents: latents, data: data, rng: rng}
	local := false
	for _, l := range latents {
		if l.Support.Discrete() {
			local = local || l.Local
			continue
		}
		if l.Local {
			continue
		}
		f.dim += l.free()
		f.cont = append(f.cont, l)
	}
	f.n = n
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
		approx, err := set.Family.Build(b, Block{Name: "q", Size: f.dim, Init: set.InitMean, InitSD: set.InitSD, InitPrec: set.initPrec})
		if err != nil {
			return nil, err
		}
		f.approx = approx
		f.params = approx.Params()
		shape := approx.NoiseShape(set.Draws)
		if len(shape) == 0 || shape[0] != set.Draws {
			return nil, fmt.Errorf("bbvi: family %s: noise shape %v does not start with the %d draws", set.Family.Name(), shape, set.Draws)
		}
		f.noise = b.Input("noise", shape...)
		f.noiseF = make([]float64, prod(shape))
		if set.QMC {
			if f.qmc, err = newQMCNoise(approx, set.Family.Name(), shape); err != nil {
				return nil, err
			}
		}
	} else if len(set.InitMean) > 0 {
		return nil, fmt.Errorf("bbvi: InitMean has %d values but the model has no continuous latents", len(set.InitMean))
	}
	if set.Amortize != nil && len(localLatents(latents)) == 0 {
		return nil, errors.New("bbvi: Amortize is set but the model has no continuous local latents")
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
		f.din = newDataInputs(b, data, f.bsz)
		x = f.din.x
	}
	if locs := localLatents(latents); len(locs) > 0 {
		if f.n == 0 {
			return nil, errors.New("bbvi: the model has local latents but no data")
		}
		lb, err := newLocalBlock(b, locs, f.n, f.bsz, set.Draws, set, data, x)
		if err != nil {
			return nil, err
		}
		f.loc = lb
		if lb.net != nil {
			f.params = append(f.params, lb.net.Params()...)
		}
	}
	scale := 1.0
	if f.n > 0 {
		scale = float64(f.n) / float64(f.bsz)
	}
	p := &Problem{B: b, Model: m, Latents: latents, Approx: f.approx, Noise: f.noise, Data: x, Scale: scale, Discrete: blocks, pre: set.pre, local: f.loc, rows: f.bsz}
	f.prob = p
	if useAnchor(set, f.dim, f.n, f.bsz, f.loc != nil, len(blocks) > 0) {
		if f.anc, err = f.newAnchor(); err != nil {
			return nil, err
		}
		if f.anc != nil {
			f.anc.in = anchorInputs{c: b.Input("anchor.c", f.dim), k: b.Input("anchor.k", 1)}
			p.anchor = &f.anc.in
		}
	}
	f.loss, f.elbo = set.Estimator.Objective(p)
	if b.Err() != nil {
		return nil, fmt.Errorf("bbvi: building the model graph: %w", p.calls.wrap(b.Err()))
	}
	if f.n > 0 && set.Draws == f.bsz {
		if err := probe(m, latents, data, set.Draws, f.bsz, f.dim, set.Dtype); err != nil {
			return nil, err
		}
	}
	if err := f.annealLoss(); err != nil {
		return nil, err
	}
	f.nq = len(f.params)
	f.model = m
	own := f.params
	if f.loc != nil && f.loc.net == nil {
		own = append(own[:len(own):len(own)], f.loc.muNode, f.loc.sdNode)
	}
	f.params = append(f.params, modelParams(b, own)...)
	wrt := f.params
	if f.loc != nil && f.loc.net == nil {
		wrt = append(wrt[:len(wrt):len(wrt)], f.loc.muNode, f.loc.sdNode)
	}
	f.grads = b.Grad(f.loss, wrt...)
	if f.loc != nil && f.loc.net == nil && len(f.grads) == len(wrt) {
		k := len(f.params)
		f.loc.gMu, f.loc.gSd = f.grads[k], f.grads[k+1]
		f.grads = f.grads[:k]
	}
	if b.Err() != nil {
		if len(f.params) > f.nq {
			return nil, fmt.Errorf("bbvi: differentiating the %s objective (is every b.Param of the model used by its log density?): %w", set.Estimator.Name(), b.Err())
		}
		return nil, fmt.Errorf("bbvi: differentiating the %s objective: %w", set.Estimator.Name(), b.Err())
	}
	f.m, err = b.Compile()
	if err != nil {
		return nil, fmt.Errorf("bbvi: %w", err)
	}
	if f.din != nil {
		if err := f.din.setGlobals(); err != nil {
			return nil, err
		}
	}
	if f.bsz == f.n && f.n > 0 {
		// All the data on every step: load it once.
		if err := f.din.setRange(0); err != nil {
			return nil, err
		}
	} else if set.source != nil {
		f.stream = newStream(set.source, data, f.n, f.bsz)
	} else if f.n > 0 {
		f.perm = make([]int, f.n)
		for i := range f.perm {
			f.perm[i] = i
		}
		f.pos = f.n // shuffle on first use
	}
	f.backup = make([][]float64, len(f.params))
	if f.anc != nil && f.anc.full() != nil {
		// The likelihood is not finite at the mode (or a row cannot be
		// read; the fit will say so): no correction. The graph's inputs stay
		// zero, which is the plain minibatch estimate.
		f.anc = nil
	}
	return f, nil
}

// load draws fresh noise and, with minibatches, the next batch (sampled without
// replacement within an epoch, reshuffled every epoch).
func (f *fitter) load() error {
	if f.qmc != nil {
		f.qmc.fill(f.noiseF, f.rng)
	} else if f.noise != nil {
		f.approx.FillNoise(f.noiseF, f.rng)
	}
	if f.noise != nil {
		if err := graph.Set(f.noise, f.noiseF); err != nil {
			return err
		}
	}
	for _, blk := range f.blocks {
		if err := blk.Fill(f.rng); err != nil {
			return err
		}
	}
	if err := f.setAnneal(); err != nil {
		return err
	}
	if f.stream != nil {
		if f.anc != nil {
			if err := f.stream.load(f.rng, f.din, f.anc.batch.din); err != nil {
				return err
			}
			return f.anc.update()
		}
		return f.stream.load(f.rng, f.din)
	}
	if f.perm == nil {
		if f.loc != nil {
			return f.loc.load(f.loc.rows, f.rng) // all the rows, in order
		}
		return nil
	}
	if f.pos+f.bsz > f.n {
		f.rng.Shuffle(len(f.perm), func(i, j int) { f.perm[i], f.perm[j] = f.perm[j], f.perm[i] })
		f.pos = 0
	}
	rows := f.perm[f.pos : f.pos+f.bsz]
	f.pos += f.bsz
	if err := f.din.setRows(rows); err != nil {
		return err
	}
	if f.anc != nil {
		if err := f.anc.batch.din.setRows(rows); err != nil {
			return err
		}
		if err := f.anc.update(); err != nil {
			return err
		}
	}
	if f.loc != nil {
		return f.loc.load(rows, f.rng)
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

// runGradients is run for an optimizer step: when no step hook of the
// estimator reads the graph's values, the graph runs by RunGradients (fused
// likelihoods skip the log-likelihood values that no gradient reads) and
// ok is false: the ELBO estimate was not computed. Otherwise it is run.
func (f *fitter) runGradients() (elbo float64, ok bool, err error) {
	if len(f.prob.after) > 0 {
		e, err := f.run()
		return e, true, err
	}
	if err := f.load(); err != nil {
		return 0, false, err
	}
	if err := f.m.RunGradients(); err != nil {
		return 0, false, fmt.Errorf("bbvi: running the graph: %w", err)
	}
	return 0, false, nil
}

// evalELBO averages the ELBO estimate over at least EvalDraws draws (in runs
// of Draws draws) and returns it with its Monte Carlo standard error, from the
// spread of the runs' estimates (NaN with a single run).
func (f *fitter) evalELBO() (mean, se float64, err error) {
	reps := max(1, (f.set.EvalDraws+f.set.Draws-1)/f.set.Draws)
	var sum, sq float64
	for r := 0; r < reps; r++ {
		e, err := f.run()
		if err != nil {
			return 0, 0, err
		}
		sum += e
		sq += e * e
	}
	n := float64(reps)
	mean = sum / n
	se = math.NaN()
	if reps > 1 {
		v := (sq - n*mean*mean) / (n - 1)
		se = math.Sqrt(math.Max(v, 0) / n)
	}
	return mean, se, nil
}

// posterior reports both parts of q at the current parameters.
func (f *fitter) posterior(set Settings, trace []ELBOPoint, steps int) (*MixedPosterior, error) {
	mp := &MixedPosterior{
		Probs:     map[string][]float64{},
		Estimator: set.Estimator.Name(),
		Trace:     trace,
		Steps:     steps,
		Params:    f.theta(),
	}
	for _, blk := range f.blocks {
		mp.Probs[blk.Latent.Name] = blk.Approx.Probs()
	}
	if f.approx == nil && f.loc != nil {
		post, err := newDiagPosterior(nil, nil, nil)
		if err != nil {
			return nil, err
		}
		mp.Continuous = post
	}
	if f.approx != nil {
		// A Gaussian q gives an exact Posterior; any other q one from its frozen
		// copy, summarized by Monte Carlo with a seed from the fitted parameters.
		var post *Posterior
		var err error
		switch q := f.approx.(type) {
		case Diagonal:
			mu, sd := q.MeanSD()
			if pre := f.set.pre; pre != nil {
				for i := range mu {
					mu[i] = pre.shift[i] + pre.scale[i]*mu[i]
					sd[i] = pre.scale[i] * sd[i]
				}
			}
			post, err = newDiagPosterior(f.cont, mu, sd)
		case Gaussian:
			mu, scale := q.MeanScale()
			if f.set.pre != nil {
				mu, scale = f.set.pre.gaussian(mu, scale)
			}
			post, err = newPosterior(f.cont, mu, scale)
		case Freezer:
			vals := make([][]float64, 0, len(f.approx.Params()))
			for _, p := range f.approx.Params() {
				vals = append(vals, graph.Values(p))
			}
			var fz Frozen = q.Freeze()
			if f.set.pre != nil {
				fz = preFrozen{fz, f.set.pre}
			}
			post, err = newSampledPosterior(f.cont, fz, ParamSeed(vals...))
		default:
			return nil, fmt.Errorf("bbvi: family %s: q is neither Gaussian (MeanScale) nor a Freezer, so it gives no Posterior", set.Family.Name())
		}
		if err != nil {
			return nil, err
		}
		mp.Continuous = post
	}
	if post := mp.Continuous; post != nil {
		post.Family = set.Family.Name()
		post.Estimator = mp.Estimator
		post.Params = mp.Params
		post.Trace = trace
		post.Steps = steps
	}
	if f.loc != nil {
		mp.Continuous.Local = f.loc.posteriors()
	}
	return mp, nil
}

// summary appends to dst[:0] a summary of q at the current parameters, for the
// Converger: (μ, log σ) of every coordinate of ζ for a Gaussian q (σ the
// marginal sd), else every parameter, flattened. A Diagonal q gives it in
// O(dim) memory.
func (f *fitter) summary(dst []float64) []float64 {
	dst = dst[:0]
	if g, ok := f.approx.(Diagonal); ok {
		mu, sd := g.MeanSD()
		dst = append(dst, mu...)
		for _, s := range sd {
			dst = append(dst, 0.5*math.Log(s*s))
		}
		return dst
	}
	if g, ok := f.approx.(Gaussian); ok {
		mu, l := g.MeanScale()
		d := len(mu)
		dst = append(dst, mu...)
		for j := 0; j < d; j++ {
			var v float64
			for _, x := range l[j*d : (j+1)*d] {
				v += x * x
			}
			dst = append(dst, 0.5*math.Log(v))
		}
		for _, p := range f.params[f.nq:] {
			dst = append(dst, graph.Values(p)...)
		}
		return dst
	}
	for _, p := range f.params {
		dst = append(dst, graph.Values(p)...)
	}
	return dst
}

// modelParams returns the Params of the graph that are not q's: the model's
// own parameters θ, learned jointly with q (variational EM).
func modelParams(b *graph.Builder, q []*graph.Node) []*graph.Node {
	own := map[*graph.Node]bool{}
	for _, p := range q {
		own[p] = true
	}
	var out []*graph.Node
	for _, p := range b.Params() {
		if !own[p] {
			out = append(out, p)
		}
	}
	return out
}

// theta returns the model parameters' current values by name.
func (f *fitter) theta() map[string][]float64 {
	if len(f.params) == f.nq {
		return nil
	}
	out := map[string][]float64{}
	for _, p := range f.params[f.nq:] {
		out[paramName(p)] = graph.Values(p)
	}
	return out
}

func prod(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
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
	f.next = t
	e, ok, err := f.runGradients()
	if err != nil {
		return err
	}
	if ok && (math.IsNaN(e) || math.IsInf(e, 0)) {
		return &NonFiniteError{Step: t, What: "ELBO"}
	}
	for i, g := range f.grads {
		if !graph.Finite(g) {
			return &NonFiniteError{Step: t, What: "gradient of " + paramName(f.params[i])}
		}
	}
	if f.loc != nil && f.loc.net == nil && !f.loc.finiteGrads() {
		return &NonFiniteError{Step: t, What: "gradient of the local parameters " + localName}
	}
	if err := f.prob.FinishStep(); err != nil {
		return fmt.Errorf("bbvi: %s estimator: %w", f.set.Estimator.Name(), err)
	}
	for i, p := range f.params {
		f.backup[i] = graph.AppendValues(f.backup[i][:0], p)
	}
	if len(f.params) > 0 {
		if err := f.set.Optimizer.Step(f.params, f.grads); err != nil {
			return fmt.Errorf("bbvi: optimizer: %w", err)
		}
	}
	for i, p := range f.params {
		if !graph.Finite(p) {
			f.restore(f.backup)
			return &NonFiniteError{Step: t, What: "parameter " + paramName(f.params[i]) + " after the update"}
		}
	}
	if f.loc != nil && f.loc.net == nil && !f.loc.update(t) {
		f.restore(f.backup)
		return &NonFiniteError{Step: t, What: "local parameters " + localName + " after the update"}
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

// preFrozen is a frozen q over u seen through the preconditioner: draws of
// ζ = c + P u with log q(ζ) = log q(u) - log|det P|.
type preFrozen struct {
	Frozen
	pre *precond
}

// Sample implements Frozen.
func (p preFrozen) Sample(dst []float64, rng *rand.Rand) float64 {
	lq := p.Frozen.Sample(dst, rng)
	p.pre.point(dst)
	return lq - p.pre.logDet
}
