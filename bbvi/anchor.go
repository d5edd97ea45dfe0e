package bbvi

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// The anchored control variate of a minibatch fit. With B of N rows per step
// the likelihood term (N/B)·Σ_batch ℓ_i(ζ) is unbiased, but its noise does
// not shrink as the posterior does: the per-row gradients at the mode are of
// order one and do not cancel within a batch, so the minibatch gradient's
// noise is about √(N/B) times the whole gradient an error of one posterior sd
// makes (31× at N = 10⁶, B = 1024). Adam then settles where the noise puts
// it, and q's means and sds come out biased. A fit with a Laplace start knows
// the mode ζ̂ of the log joint, so it subtracts the first-order Taylor
// expansion of the batch's likelihood around ζ̂ and adds back that of the
// full data:
//
//	(N/B)·Σ_B ℓ_i(ζ) − (N/B)·Σ_B [ℓ_i(ζ̂) + ∇ℓ_i(ζ̂)ᵀ(ζ − ζ̂)] + L(ζ̂) + ∇L(ζ̂)ᵀ(ζ − ζ̂),
//
// L the full data's log likelihood. The subtracted and added terms have the
// same expectation over the batches, so the estimate stays unbiased for every
// ζ, value and gradient; what is left of the noise is the batch's spread of
// the Taylor remainders, of order |ζ − ζ̂|² — about 1/√(NB) of the signal
// instead of √(N/B) for draws within a few sds of the mode. This is the
// control variate of Baker et al. (2019, "Control variates for stochastic
// gradient MCMC", Statistics and Computing 29) and of the SVRG family
// (Johnson & Zhang 2013), anchored at the Laplace mode. It costs one pass
// over the data at the start (L and ∇L at ζ̂) and, per step, the batch's
// likelihood and gradient at ζ̂ for one point (a fraction 1/S of the step's
// own work for S draws). It also steadies the ELBO estimates the convergence
// test reads, whose batch noise is of order √N nats without it.
//
// The correction is linear in ζ, k + cᵀ(ζ − ζ̂); with ζ = ζ̂ + P·u (the
// Laplace preconditioner, P diagonal or lower-triangular) it is k + (Pᵀc)ᵀu,
// and the graph adds it per draw as the product of u with an input vector
// and an input constant, refilled on every step.

// anchorInputs are the inputs of the correction in the fit's graph: per draw,
// u·c + k.
type anchorInputs struct {
	c, k *graph.Node
}

// anchor computes the correction for each batch.
type anchor struct {
	f     *fitter
	batch *modeChunk // the batch's likelihood at ζ̂, weighted N/B, and its gradient
	in    anchorInputs
	lFull float64   // L(ζ̂)
	gFull []float64 // ∇L(ζ̂)
	c, cu []float64
	k     []float64
	gb    []float64 // the batch's gradient, reused from step to step
}

// useAnchor reports whether a fitter with these settings gets the anchored
// control variate: a minibatch fit with a Laplace start (a preconditioner,
// whose shift is the mode), continuous global latents only.
func useAnchor(set Settings, dim, n, bsz int, local, discrete bool) bool {
	return set.pre != nil && !set.PlainBatches && dim > 0 && bsz < n && !local && !discrete
}

// newAnchor builds the batch graph of the correction (rows = the batch size),
// or returns nil when the model has no likelihood to correct.
func (f *fitter) newAnchor() (*anchor, error) {
	c, err := f.newModeChunk(f.bsz)
	if err != nil {
		return nil, fmt.Errorf("bbvi: the anchored control variate: %w", err)
	}
	if !c.lik {
		return nil, nil
	}
	return &anchor{f: f, batch: c, gFull: make([]float64, f.dim), c: make([]float64, f.dim),
		cu: make([]float64, f.dim), k: make([]float64, 1)}, nil
}

// at is the anchor point ζ̂, the shift of the fit's preconditioner.
func (a *anchor) at() []float64 { return a.f.set.pre.shift }

// full computes L(ζ̂) and ∇L(ζ̂) in one pass over the rows, in chunks.
func (a *anchor) full() error {
	f := a.f
	chunk := min(f.n, chunkRows)
	var main, tail *modeChunk
	var err error
	if main, err = f.newModeChunk(chunk); err != nil {
		return err
	}
	defer main.m.Close()
	if rest := f.n % chunk; rest > 0 {
		if tail, err = f.newModeChunk(rest); err != nil {
			return err
		}
		defer tail.m.Close()
	}
	var buf [][]float64
	a.lFull = 0
	clear(a.gFull)
	for start := 0; start < f.n; start += chunk {
		end := min(f.n, start+chunk)
		c := main
		if end-start != chunk {
			c = tail
		}
		if buf, err = f.rowsOf(buf, start, end); err != nil {
			return err
		}
		if err := c.din.setBatch(buf); err != nil {
			return err
		}
		if err := c.likAt(a.at(), 1); err != nil {
			return err
		}
		a.lFull += graph.Scalar64(c.lj)
		for i, v := range graph.Values(c.grad) {
			a.gFull[i] += v
		}
	}
	if math.IsNaN(a.lFull) || math.IsInf(a.lFull, 0) || !finite(a.gFull) {
		return fmt.Errorf("bbvi: the anchored control variate: the log likelihood at the Laplace mode is not finite (%v)", a.lFull)
	}
	return nil
}

// likAt runs the chunk's graph for the likelihood alone (prior weight 0)
// weighted by v, at x.
func (c *modeChunk) likAt(x []float64, v float64) error {
	c.buf[0] = 0
	if err := graph.Set(c.w, c.buf); err != nil {
		return err
	}
	c.buf[0] = v
	if err := graph.Set(c.v, c.buf); err != nil {
		return err
	}
	if err := graph.Set(c.zeta, x); err != nil {
		return err
	}
	return c.m.Run()
}

// update computes the correction for the batch just written into a.batch's
// inputs and writes it into the fit's graph.
func (a *anchor) update() error {
	f := a.f
	if err := a.batch.likAt(a.at(), float64(f.n)/float64(f.bsz)); err != nil {
		return fmt.Errorf("bbvi: the anchored control variate: %w", err)
	}
	a.gb = graph.AppendValues(a.gb[:0], a.batch.grad)
	for i := range a.c {
		a.c[i] = a.gFull[i] - a.gb[i]
	}
	a.k[0] = a.lFull - graph.Scalar64(a.batch.lj)
	pre := f.set.pre
	d := len(a.c)
	if pre.lower == nil {
		for i := range a.cu {
			a.cu[i] = pre.scale[i] * a.c[i]
		}
	} else {
		clear(a.cu)
		for i := 0; i < d; i++ {
			ci := a.c[i]
			row := pre.lower[i*d : i*d+i+1]
			for j, p := range row {
				a.cu[j] += p * ci
			}
		}
	}
	if !finite(a.cu) || !finite(a.k) {
		// A batch whose likelihood at the mode is not finite: no correction
		// rather than a non-finite one (the fit's own terms decide).
		clear(a.cu)
		a.k[0] = 0
	}
	if err := graph.Set(a.in.c, a.cu); err != nil {
		return err
	}
	return graph.Set(a.in.k, a.k)
}

// anchorTrialRuns is the number of graph runs, with and without the
// correction, by which keepAnchor compares the two gradients' variances.
const anchorTrialRuns = 16

// keepAnchor decides, at the start of a fit, whether the anchored control
// variate helps: the Taylor expansion around the mode is only as good as
// the posterior is Gaussian there, and where q's draws reach far from the
// mode in units of its curvature (a hierarchical scale whose mode runs to
// zero, a Laplace start without a Hessian) the remainder's spread can
// exceed the batch noise it removes. It runs the graph anchorTrialRuns times
// with the correction and as many times without, on fresh noise and batches,
// and keeps the correction only when the gradient's total variance is lower
// with it. Otherwise it drops it (see dropAnchor) and returns false.
func (f *fitter) keepAnchor() (bool, error) {
	if f.anc == nil {
		return false, nil
	}
	anc := f.anc
	variance := func() (float64, error) {
		var sum, sq []float64
		for r := 0; r < anchorTrialRuns; r++ {
			if _, err := f.run(); err != nil {
				return 0, err
			}
			i := 0
			for _, g := range f.grads {
				for _, v := range graph.Values(g) {
					if i == len(sum) {
						sum, sq = append(sum, 0), append(sq, 0)
					}
					sum[i] += v
					sq[i] += v * v
					i++
				}
			}
		}
		n := float64(anchorTrialRuns)
		var total float64
		for i := range sum {
			m := sum[i] / n
			total += (sq[i] - n*m*m) / (n - 1)
		}
		return total, nil
	}
	with, err := variance()
	if err != nil {
		return false, err
	}
	if err := f.dropAnchor(); err != nil {
		return false, err
	}
	without, err := variance()
	if err != nil {
		return false, err
	}
	if with < without && !math.IsNaN(with) {
		f.anc = anc
		return true, nil
	}
	return false, nil
}

// dropAnchor turns the anchored control variate off: the graph's correction
// inputs are zero, the plain minibatch estimate.
func (f *fitter) dropAnchor() error {
	if f.anc == nil {
		return nil
	}
	in := f.anc.in
	f.anc = nil
	if err := graph.Set(in.c, make([]float64, f.dim)); err != nil {
		return err
	}
	return graph.Set(in.k, []float64{0})
}
