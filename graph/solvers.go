package graph

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
)

// Optimizer updates parameters in place from their gradients, to minimize a loss.
//
// Step is called with the parameter nodes and their gradient nodes in the same
// fixed order on every call; state (moments, step count) is kept by position and
// Step returns an error if the number or sizes of the parameters change. Both
// float64 and float32 parameters are supported; internal state is kept in
// float64, so float32 moments never become denormal.
type Optimizer interface {
	// Step applies one update: params[i] -= step(grads[i]).
	Step(params, grads []*Node) error
	// Reset forgets all state, as if no Step had been taken.
	Reset()
	// String names the optimizer and its settings.
	String() string
}

// A RateScaler is an Optimizer whose learning rate can be scaled while it
// runs: bbvi halves it, and resets the optimizer, when the ELBO collapses.
// All of this package's optimizers are RateScalers.
type RateScaler interface {
	Optimizer
	// ScaleRate multiplies the learning rate by f (f > 0).
	ScaleRate(f float64)
}

// NewOptimizer returns the optimizer called name ("adam", "rmsprop", "adagrad" or
// "sgd") with learning rate lr (0 means the optimizer's default) and default
// settings otherwise.
func NewOptimizer(name string, lr float64) (Optimizer, error) {
	switch strings.ToLower(name) {
	case "adam", "":
		return &Adam{LR: lr}, nil
	case "rmsprop":
		return &RMSProp{LR: lr}, nil
	case "adagrad":
		return &AdaGrad{LR: lr}, nil
	case "sgd":
		return &SGD{LR: lr}, nil
	}
	return nil, fmt.Errorf("graph: unknown optimizer %q (want adam, rmsprop, adagrad or sgd)", name)
}

// state holds per-parameter float64 buffers kept by position.
type state struct {
	sizes   []int
	bufs    [][][]float64 // bufs[k][i]: buffer k of parameter i
	t       int
	scratch []int // the sizes seen by the current step
}

func (s *state) prepare(params, grads []*Node, nbuf int) error {
	if len(params) != len(grads) {
		return fmt.Errorf("graph: optimizer: %d params but %d grads", len(params), len(grads))
	}
	sizes := s.scratch[:0]
	for i, p := range params {
		if p.n.Value() == nil || grads[i].n.Value() == nil {
			return fmt.Errorf("graph: optimizer: parameter %d has no value or gradient (run the machine first)", i)
		}
		sizes = append(sizes, p.n.Value().Shape().TotalSize())
		if grads[i].n.Value().Shape().TotalSize() != sizes[i] {
			return fmt.Errorf("graph: optimizer: gradient %d has %d values for %d parameters", i, grads[i].n.Value().Shape().TotalSize(), sizes[i])
		}
	}
	s.scratch = sizes
	if s.sizes == nil {
		s.sizes = append([]int(nil), sizes...)
		s.bufs = make([][][]float64, nbuf)
		for k := range s.bufs {
			s.bufs[k] = make([][]float64, len(sizes))
			for i, n := range sizes {
				s.bufs[k][i] = make([]float64, n)
			}
		}
	} else {
		if len(sizes) != len(s.sizes) {
			return fmt.Errorf("graph: optimizer: %d parameters, state has %d (pass them in one fixed order)", len(sizes), len(s.sizes))
		}
		for i := range sizes {
			if sizes[i] != s.sizes[i] {
				return fmt.Errorf("graph: optimizer: parameter %d has %d values, state has %d (pass them in one fixed order)", i, sizes[i], s.sizes[i])
			}
		}
	}
	s.t++
	return nil
}

func (s *state) reset() { *s = state{} }

// update calls f(j, g) for each element j of each parameter with its gradient g
// (as float64) and writes the returned delta into the parameter: p -= delta.
func update(params, grads []*Node, f func(i, j int, g float64) float64) error {
	for i, p := range params {
		switch pd := p.n.Value().Data().(type) {
		case []float64:
			gd, ok := grads[i].n.Value().Data().([]float64)
			if !ok {
				return errors.New("graph: optimizer: gradient dtype differs from parameter")
			}
			for j, g := range gd {
				pd[j] -= f(i, j, g)
			}
		case []float32:
			gd, ok := grads[i].n.Value().Data().([]float32)
			if !ok {
				return errors.New("graph: optimizer: gradient dtype differs from parameter")
			}
			for j, g := range gd {
				pd[j] -= float32(f(i, j, float64(g)))
			}
		default:
			return fmt.Errorf("graph: optimizer: parameter %d is not a float tensor", i)
		}
	}
	return nil
}

// Adam is the Adam optimizer (Kingma & Ba 2015, arXiv:1412.6980) with bias
// correction. Zero fields take the defaults LR 0.01, Beta1 0.9, Beta2 0.999,
// Eps 1e-8 (Kingma & Ba's, except for the larger learning rate). bbvi's
// default optimizer, bbvi.NewOptimizer("adam", 0), is this Adam with
// Beta2 = 0.99 instead, which suits stochastic ELBO gradients better (see its
// documentation).
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	st                    state
}

func def(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

// Step implements Optimizer.
func (o *Adam) Step(params, grads []*Node) error {
	if err := o.st.prepare(params, grads, 2); err != nil {
		return err
	}
	lr, b1, b2, eps := def(o.LR, 0.01), def(o.Beta1, 0.9), def(o.Beta2, 0.999), def(o.Eps, 1e-8)
	t := float64(o.st.t)
	c1 := 1 - math.Pow(b1, t)
	c2 := 1 - math.Pow(b2, t)
	m, v := o.st.bufs[0], o.st.bufs[1]
	// Per parameter: θ -= a·m̂/(√v̂ + ε) with a = lr/c1 folded in. Typed loops
	// (no per-element closure) split across goroutines for large tensors; each
	// element is independent, so the result does not depend on the split.
	a, s2 := lr/c1, 1/math.Sqrt(c2)
	for i, p := range params {
		if pd, ok := floats64(p.n.Value()); ok {
			gd, ok := floats64(grads[i].n.Value())
			if !ok {
				return errors.New("graph: optimizer: gradient dtype differs from parameter")
			}
			if rangeWorkers(len(pd)) == 1 {
				adam64(pd, gd, m[i], v[i], b1, b2, a, s2, eps)
				continue
			}
			parallelRange(len(pd), func(lo, hi int) {
				adam64(pd[lo:hi], gd[lo:hi], m[i][lo:hi], v[i][lo:hi], b1, b2, a, s2, eps)
			})
		} else if pd, ok := floats32(p.n.Value()); ok {
			gd, ok := floats32(grads[i].n.Value())
			if !ok {
				return errors.New("graph: optimizer: gradient dtype differs from parameter")
			}
			if rangeWorkers(len(pd)) == 1 {
				adam32(pd, gd, m[i], v[i], b1, b2, a, s2, eps)
				continue
			}
			parallelRange(len(pd), func(lo, hi int) {
				adam32(pd[lo:hi], gd[lo:hi], m[i][lo:hi], v[i][lo:hi], b1, b2, a, s2, eps)
			})
		} else {
			return fmt.Errorf("graph: optimizer: parameter %d is not a float tensor", i)
		}
	}
	return nil
}

// Reset implements Optimizer.
func (o *Adam) Reset() { o.st.reset() }

// ScaleRate implements RateScaler.
func (o *Adam) ScaleRate(f float64) { o.LR = def(o.LR, 0.01) * f }

// String names the optimizer and its settings (defaults filled in).
func (o *Adam) String() string {
	return fmt.Sprintf("adam(lr=%g, beta1=%g, beta2=%g)", def(o.LR, 0.01), def(o.Beta1, 0.9), def(o.Beta2, 0.999))
}

// RMSProp divides the gradient by a running root mean square (Tieleman & Hinton
// 2012). Zero fields take the defaults LR 0.01, Decay 0.9, Eps 1e-8.
type RMSProp struct {
	LR, Decay, Eps float64
	st             state
}

// Step implements Optimizer.
func (o *RMSProp) Step(params, grads []*Node) error {
	if err := o.st.prepare(params, grads, 1); err != nil {
		return err
	}
	lr, rho, eps := def(o.LR, 0.01), def(o.Decay, 0.9), def(o.Eps, 1e-8)
	v := o.st.bufs[0]
	first := o.st.t == 1
	return update(params, grads, func(i, j int, g float64) float64 {
		if first {
			v[i][j] = g * g // start from the first squared gradient, not from zero
		} else {
			v[i][j] = rho*v[i][j] + (1-rho)*g*g
		}
		return lr * g / (math.Sqrt(v[i][j]) + eps)
	})
}

// Reset implements Optimizer.
func (o *RMSProp) Reset() { o.st.reset() }

// ScaleRate implements RateScaler.
func (o *RMSProp) ScaleRate(f float64) { o.LR = def(o.LR, 0.01) * f }

// String names the optimizer and its settings (defaults filled in).
func (o *RMSProp) String() string {
	return fmt.Sprintf("rmsprop(lr=%g, decay=%g)", def(o.LR, 0.01), def(o.Decay, 0.9))
}

// AdaGrad divides the gradient by the root of the sum of all past squared
// gradients (Duchi et al. 2011). Zero fields take the defaults LR 0.1, Eps 1e-8.
type AdaGrad struct {
	LR, Eps float64
	st      state
}

// Step implements Optimizer.
func (o *AdaGrad) Step(params, grads []*Node) error {
	if err := o.st.prepare(params, grads, 1); err != nil {
		return err
	}
	lr, eps := def(o.LR, 0.1), def(o.Eps, 1e-8)
	s := o.st.bufs[0]
	return update(params, grads, func(i, j int, g float64) float64 {
		s[i][j] += g * g
		return lr * g / (math.Sqrt(s[i][j]) + eps)
	})
}

// Reset implements Optimizer.
func (o *AdaGrad) Reset() { o.st.reset() }

// ScaleRate implements RateScaler.
func (o *AdaGrad) ScaleRate(f float64) { o.LR = def(o.LR, 0.1) * f }

// String names the optimizer and its settings (defaults filled in).
func (o *AdaGrad) String() string { return fmt.Sprintf("adagrad(lr=%g)", def(o.LR, 0.1)) }

// SGD is stochastic gradient descent with the Robbins–Monro step sizes
// rho_t = LR (t + Tau)^(-Kappa), t = 1, 2, .... With Kappa in (0.5, 1] the steps
// satisfy Σ rho_t = ∞ and Σ rho_t² < ∞. Zero fields take the defaults LR 0.01,
// Tau 1, Kappa 0.75; a negative Kappa panics on first use (programmer error).
type SGD struct {
	LR, Tau, Kappa float64
	st             state
}

// Rate returns the step size rho_t for step t (t counts from 1).
func (o *SGD) Rate(t int) float64 {
	k := def(o.Kappa, 0.75)
	if k < 0 {
		panic("graph: SGD: negative Kappa")
	}
	return def(o.LR, 0.01) * math.Pow(float64(t)+def(o.Tau, 1), -k)
}

// Step implements Optimizer.
func (o *SGD) Step(params, grads []*Node) error {
	if err := o.st.prepare(params, grads, 0); err != nil {
		return err
	}
	rho := o.Rate(o.st.t)
	return update(params, grads, func(i, j int, g float64) float64 { return rho * g })
}

// Reset implements Optimizer.
func (o *SGD) Reset() { o.st.reset() }

// ScaleRate implements RateScaler.
func (o *SGD) ScaleRate(f float64) { o.LR = def(o.LR, 0.01) * f }

// String names the optimizer and its settings (defaults filled in).
func (o *SGD) String() string {
	return fmt.Sprintf("sgd(lr=%g, tau=%g, kappa=%g)", def(o.LR, 0.01), def(o.Tau, 1), def(o.Kappa, 0.75))
}

// OptimizerState is a snapshot of an optimizer's internal state, for
// checkpoints: the step count and its per-parameter buffers (for Adam, the first
// and second moments), in the order of the parameters passed to Step.
type OptimizerState struct {
	Steps   int           `json:"steps"`
	Buffers [][][]float64 `json:"-"` // Buffers[k][i]: buffer k of parameter i
}

// A Stateful optimizer can save and restore its state, so that a resumed run
// continues exactly where it stopped. All of this package's optimizers are
// Stateful.
type Stateful interface {
	Optimizer
	// State returns a deep copy of the state (zero Steps and nil Buffers before
	// the first Step).
	State() OptimizerState
	// SetState replaces the state with a deep copy of s. The sizes are checked
	// against the parameters on the next Step.
	SetState(s OptimizerState) error
}

func (s *state) snapshot() OptimizerState {
	out := OptimizerState{Steps: s.t}
	for _, buf := range s.bufs {
		var cp [][]float64
		for _, b := range buf {
			cp = append(cp, append([]float64(nil), b...))
		}
		out.Buffers = append(out.Buffers, cp)
	}
	return out
}

func (s *state) restore(o OptimizerState, nbuf int) error {
	if o.Steps < 0 {
		return fmt.Errorf("graph: optimizer state has %d steps", o.Steps)
	}
	if nbuf == 0 || (o.Buffers == nil && o.Steps == 0) {
		if len(o.Buffers) != 0 {
			return fmt.Errorf("graph: optimizer state has %d buffers per parameter, want %d", len(o.Buffers), nbuf)
		}
		*s = state{t: o.Steps}
		return nil
	}
	if len(o.Buffers) != nbuf {
		return fmt.Errorf("graph: optimizer state has %d buffers per parameter, want %d", len(o.Buffers), nbuf)
	}
	var sizes []int
	for i, b := range o.Buffers[0] {
		sizes = append(sizes, len(b))
		for k := 1; k < nbuf; k++ {
			if len(o.Buffers[k]) != len(o.Buffers[0]) || len(o.Buffers[k][i]) != len(b) {
				return errors.New("graph: optimizer state buffers disagree in size")
			}
		}
	}
	*s = state{t: o.Steps, sizes: sizes, bufs: (&state{bufs: o.Buffers}).snapshot().Buffers}
	return nil
}

// State implements Stateful.
func (o *Adam) State() OptimizerState { return o.st.snapshot() }

// SetState implements Stateful.
func (o *Adam) SetState(s OptimizerState) error { return o.st.restore(s, 2) }

// State implements Stateful.
func (o *RMSProp) State() OptimizerState { return o.st.snapshot() }

// SetState implements Stateful.
func (o *RMSProp) SetState(s OptimizerState) error { return o.st.restore(s, 1) }

// State implements Stateful.
func (o *AdaGrad) State() OptimizerState { return o.st.snapshot() }

// SetState implements Stateful.
func (o *AdaGrad) SetState(s OptimizerState) error { return o.st.restore(s, 1) }

// State implements Stateful.
func (o *SGD) State() OptimizerState { return o.st.snapshot() }

// SetState implements Stateful.
func (o *SGD) SetState(s OptimizerState) error { return o.st.restore(s, 0) }

// adam64 and adam32 apply one Adam update in place; the moments stay float64,
// so they never become denormal in float32 training.
func adam64(p, g, m, v []float64, b1, b2, a, s2, eps float64) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for j, gj := range g {
		mm := b1*m[j] + (1-b1)*gj
		vv := b2*v[j] + (1-b2)*gj*gj
		m[j], v[j] = mm, vv
		p[j] -= a * mm / (math.Sqrt(vv)*s2 + eps)
	}
}

func adam32(p, g []float32, m, v []float64, b1, b2, a, s2, eps float64) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for j, g32 := range g {
		gj := float64(g32)
		mm := b1*m[j] + (1-b1)*gj
		vv := b2*v[j] + (1-b2)*gj*gj
		m[j], v[j] = mm, vv
		p[j] -= float32(a * mm / (math.Sqrt(vv)*s2 + eps))
	}
}

// parallelMin is the smallest range worth splitting across goroutines.
const parallelMin = 1 << 14

// parallelRange calls f on contiguous pieces of [0, n), concurrently on up to
// GOMAXPROCS goroutines when n is large, and returns when all are done.
func parallelRange(n int, f func(lo, hi int)) {
	w := rangeWorkers(n)
	if w <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
