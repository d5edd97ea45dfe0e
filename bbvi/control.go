package bbvi

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// A ControlVariate reduces the variance of the score-function estimator
//
//	∇λ ELBO ≈ (1/S) Σ_s (f_s - b_s) ⊙ h_s,   h_s = ∇λ log q(ζ_s; λ),   f_s = log p(x, ζ_s) - log q(ζ_s),
//
// by subtracting a baseline b_s from the learning signal. Because E_q[h] = 0, any
// b_s that does not depend on draw s leaves the estimator unbiased. The
// implementations here are DecayingBaseline, LeaveOneOut and Optimal; a nil
// ControlVariate means b = 0. A control variate written outside this package
// implements the same two methods: Surrogate builds its part of the loss from
// the ScoreTerm, and keeps any state it carries between steps in
// Problem.State slices and Problem.StateNode inputs, so that a fit saved with
// SVI.State resumes exactly.
type ControlVariate interface {
	// Name is the control variate's short name ("decay", "loo", "optimal").
	Name() string
	// Surrogate returns the loss term of one block of score terms: a scalar
	// whose gradient with respect to the block's Params is minus the block's
	// estimate of ∇λ ELBO. On a building error it records the error on the
	// builder (Problem.B.Fail) and returns nil.
	Surrogate(t *ScoreTerm) *graph.Node
}

// ScoreTerm is one block of the score-function surrogate: the learning
// signals and the log q terms of the same shape, (S) for a global block or
// (S, n) for a Rao-Blackwellized local block (one signal per component), and
// the parameters of that part of q.
type ScoreTerm struct {
	// Problem is the problem being built; its builder is Problem.B.
	Problem *Problem
	// Draws is the number S of draws per step.
	Draws int
	// Signal holds the learning signals f, detached from the parameters.
	Signal *graph.Node
	// LogQ holds the log q terms, differentiable in Params.
	LogQ *graph.Node
	// Params are q's parameters for this block.
	Params []*graph.Node
	// Score returns the per-draw scores of Params, shape (S, param shape...);
	// nil if the family gives none (it implements no Scorer).
	Score func() []*graph.Node
}

// Plain returns the surrogate -(1/S) Σ w ⊙ log q for detached weights w of
// Signal's shape: with w = f - b for a baseline b, its gradient is minus the
// estimate of ∇λ ELBO.
func (t *ScoreTerm) Plain(w *graph.Node) *graph.Node {
	b := t.Problem.B
	return b.Scale(b.Sum(b.Mul(w, t.LogQ)), -1/float64(t.Draws))
}

// SignalShape is the shape of one draw's signals: (1) for signals of shape (S),
// (n) for (S, n).
func (t *ScoreTerm) SignalShape() []int {
	s := t.Signal.Shape()
	if len(s) == 1 {
		return []int{1}
	}
	return append([]int(nil), s[1:]...)
}

func decayOrDefault(d float64) float64 {
	if d == 0 {
		return 0.9
	}
	return d
}

func checkDecay(name string, d float64) error {
	if d >= 1 || math.IsNaN(d) {
		return fmt.Errorf("bbvi: %s control variate: Decay %v must be below 1", name, d)
	}
	return nil
}

// LeaveOneOut is the leave-one-out baseline across the S draws of a step (Mnih &
// Rezende 2016, arXiv:1602.06725; Kool et al. 2019): draw s uses the mean signal
// of the other draws,
//
//	b_s = (1/(S-1)) Σ_{s'≠s} f_s',
//
// which does not depend on draw s, so the estimate stays unbiased. With S = 1
// there are no other draws and b = 0. It keeps no state between steps.
type LeaveOneOut struct{}

// Name implements ControlVariate.
func (LeaveOneOut) Name() string { return "loo" }

func (LeaveOneOut) Surrogate(t *ScoreTerm) *graph.Node {
	if t.Draws == 1 {
		return t.Plain(t.Signal)
	}
	b := t.Problem.B
	s := float64(t.Draws)
	// f_s - b_s = (S f_s - Σ f) / (S - 1)
	w := b.Scale(b.Sub(b.Scale(t.Signal, s), b.Sum(t.Signal, 0)), 1/(s-1))
	return t.Plain(w)
}

// DecayingBaseline is a running average of the learning signal over the
// previous steps (Williams 1992; Ranganath et al. 2014, arXiv:1401.0118):
//
//	m_t = Decay·m_{t-1} + (1 - Decay)·mean_s f_s(t),   b_{t+1} = m_t / (1 - Decay^t),
//
// with the usual bias correction, and b_1 = 0. The baseline of a step is built
// from earlier steps only, so the estimate stays unbiased. A Rao-Blackwellized
// local block keeps one average per component. The state lives in the fit (it
// is updated after every optimizer step); the value itself holds only settings.
type DecayingBaseline struct {
	// Decay is the weight of the past, in [0, 1); 0 means 0.9.
	Decay float64
}

// Name implements ControlVariate.
func (DecayingBaseline) Name() string { return "decay" }

func (c DecayingBaseline) Surrogate(t *ScoreTerm) *graph.Node {
	b := t.Problem.B
	d := decayOrDefault(c.Decay)
	if err := checkDecay("decaying-baseline", c.Decay); err != nil {
		b.Fail(err)
		return nil
	}
	shape := t.SignalShape()
	p := t.Problem
	base := b.Input("cv.baseline", shape...)
	tap := b.Tap(b.Mean(t.Signal, 0))
	if b.Err() != nil {
		return nil
	}
	p.StateNode(base)
	avg := p.State(len(graph.Values(base)))
	steps := p.State(1)
	next := make([]float64, len(avg))
	p.AfterStep(func() error {
		steps[0]++
		corr := 1 - math.Pow(d, steps[0])
		for i, v := range tap.Values() {
			avg[i] = d*avg[i] + (1-d)*v
			next[i] = avg[i] / corr
		}
		return graph.Set(base, next)
	})
	return t.Plain(b.Sub(t.Signal, base))
}

// Optimal is the optimal control variate of Ranganath et al. (2014,
// arXiv:1401.0118) with the score as control: for every parameter component j,
//
//	ĝ_j = (1/S) Σ_s (f_s - a_j) h_sj,   a*_j = Cov(f h_j, h_j) / Var(h_j),   h_j = ∂ log q / ∂λ_j,
//
// which minimizes the variance of ĝ_j among the scalings of the control h_j.
// a*_j is estimated from the draws themselves, leave-one-out — draw s uses the
// moments of the other S-1 draws of the step pooled with exponentially decayed
// moments of the previous steps (weight Decay per step) — so that a_j for draw s
// does not depend on it and the estimate stays exactly unbiased. (The plain
// estimate from all S draws, as in the paper, has a bias of order 1/S; the
// pooled memory makes the leave-one-out estimate stable for small S, and gives
// a control at S = 1.) Until any other draw has been seen (S = 1 on the first
// step, or with no memory) a = 0. Var(h_j) is floored at 10⁻⁸·E[h_j²] (10⁻³ in
// float32), which shrinks a_j towards 0 where it is not identified: when the
// other draws' h_j are all but equal, as for a nearly deterministic discrete q.
//
// It needs the family's per-draw score (Scorer, which every family of this
// package gives). Its surrogate is -(1/S)[Σ_s f_s log q(ζ_s) - Σ_j λ_j C_j] with
// the detached C_j = Σ_s a_sj h_sj: its value is not meaningful, its gradient
// is -ĝ.
type Optimal struct {
	// Decay is the weight per step of the moments of earlier steps, in [0, 1);
	// 0 means 0.9 and a negative value keeps no memory (current draws only).
	Decay float64
}

// Name implements ControlVariate.
func (Optimal) Name() string { return "optimal" }

func (c Optimal) Surrogate(t *ScoreTerm) *graph.Node {
	b := t.Problem.B
	if err := checkDecay("optimal", c.Decay); err != nil {
		b.Fail(err)
		return nil
	}
	if t.Score == nil {
		b.Failf("bbvi: optimal control variate: the variational family gives no per-draw score (it must implement Scorer)")
		return nil
	}
	scores := t.Score()
	if b.Err() != nil {
		return nil
	}
	if len(scores) != len(t.Params) {
		b.Failf("bbvi: optimal control variate: %d scores for %d parameters", len(scores), len(t.Params))
		return nil
	}
	d := decayOrDefault(c.Decay)
	memory := c.Decay >= 0
	s := t.Draws
	floor := 1e-8
	if b.Dtype() == graph.Float32 {
		floor = 1e-3
	}
	fs := t.Signal.Shape()
	loss := b.Sum(b.Mul(t.Signal, t.LogQ))
	// inv = 1/max(n, 1) with n = count + S - 1 the (decayed) number of draws the
	// leave-one-out moments of a draw average over.
	p := t.Problem
	inv := b.Input("cv.inv", 1)
	count := p.State(1)
	invVal := []float64{1 / math.Max(float64(s-1), 1)}
	if err := graph.Set(inv, invVal); err != nil {
		b.Fail(err)
		return nil
	}
	p.StateNode(inv)
	type moments struct {
		state []*graph.Node // h, hh, fh, fhh: decayed sums of earlier steps
		taps  []*graph.Tap  // the same sums over this step's draws
		vals  [][]float64
	}
	var mom []*moments
	for i, h := range scores {
		prm := t.Params[i]
		h = b.StopGradient(h)
		if b.Err() != nil || h == nil {
			return nil
		}
		hs := h.Shape()
		if hs[0] != s || len(hs) != 1+prm.Dims() || len(fs) > len(hs) {
			b.Failf("bbvi: optimal control variate: score of %s has shape %v for parameter shape %v and signals %v", prm.Name(), hs, prm.Shape(), fs)
			return nil
		}
		fShape := make([]int, len(hs))
		for k := range fShape {
			fShape[k] = 1
			if k < len(fs) {
				if fs[k] != hs[k] {
					b.Failf("bbvi: optimal control variate: signals %v do not match score shape %v", fs, hs)
					return nil
				}
				fShape[k] = fs[k]
			}
		}
		f := b.Reshape(t.Signal, fShape...)
		fh := b.Mul(f, h)
		xs := []*graph.Node{h, b.Mul(h, h), fh, b.Mul(fh, h)}
		m := &moments{}
		loo := make([]*graph.Node, 4)
		for k, x := range xs {
			sum := b.Sum(x, 0) // param shape
			if memory {
				st := b.Input("cv.moment", prm.Shape()...)
				p.StateNode(st)
				m.state = append(m.state, st)
				m.taps = append(m.taps, b.Tap(sum))
				sum = b.Add(sum, st)
			}
			loo[k] = b.Mul(b.Sub(sum, x), inv) // (S, param shape): mean over the other draws
		}
		mh, mhh, mfh, mfhh := loo[0], loo[1], loo[2], loo[3]
		cov := b.Sub(mfhh, b.Mul(mfh, mh))
		vr := b.Sub(mhh, b.Square(mh))
		// The denominator is floored at a small fraction of E[h²]: when the other
		// draws' h_j are (nearly) all equal, as for a discrete q that is almost
		// sure, Var(h_j) is lost to rounding and a_j is not identified; the floor
		// shrinks a_j towards 0 there instead of letting it blow up.
		a := b.Div(cov, b.Shift(b.Add(b.ReLU(vr), b.Scale(mhh, floor)), 1e-30))
		cv := b.Sum(b.Mul(a, h), 0) // C = Σ_s a_s h_s, param shape
		loss = b.Sub(loss, b.Sum(b.Mul(prm, cv)))
		if memory {
			mom = append(mom, m)
		}
	}
	if b.Err() != nil {
		return nil
	}
	if memory {
		for _, m := range mom {
			for _, st := range m.state {
				m.vals = append(m.vals, p.State(len(graph.Values(st))))
			}
		}
		t.Problem.AfterStep(func() error {
			count[0] = d*count[0] + float64(s)
			invVal[0] = 1 / math.Max(count[0]+float64(s-1), 1)
			if err := graph.Set(inv, invVal); err != nil {
				return err
			}
			for _, m := range mom {
				for k, st := range m.state {
					v := m.vals[k]
					for i, x := range m.taps[k].Values() {
						v[i] = d*v[i] + x
					}
					if err := graph.Set(st, v); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	return b.Scale(loss, -1/float64(s))
}
