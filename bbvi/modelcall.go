package bbvi

import (
	"fmt"
	"strings"

	"github.com/vigor-ml/vigor/graph"
)

// This file calls the model's functions for every graph of a fit: each call
// recovers a panic of the user's code into an error, remembers which function
// a build error came from, and checks the shape of what the function returned
// (one log-density per draw, (S), or per draw and row, (S, B)), so that a
// wrong shape stops the fit with an error naming the function instead of
// broadcasting into a silently wrong answer.

// funcName names a model function for error messages: the field of a
// FuncModel ("FuncModel.Likelihood"), else the method on the model's type
// ("*models.PoissonRegression.LogLikelihood").
func funcName(m Model, method string) string {
	var fm *FuncModel
	switch v := m.(type) {
	case FuncModel:
		fm = &v
	case *FuncModel:
		fm = v
	}
	if fm != nil {
		switch method {
		case "LogPrior":
			return "FuncModel.Prior"
		case "LogLikelihood":
			if fm.Likelihood == nil && fm.Points != nil {
				return "FuncModel.Points"
			}
			return "FuncModel.Likelihood"
		case "PointLogLikelihood":
			return "FuncModel.Points"
		case "Derived":
			return "FuncModel.Derive"
		}
	}
	return fmt.Sprintf("%T.%s", m, method)
}

// modelCalls records, for one graph, which model function a build error
// came from.
type modelCalls struct {
	failed string // the function during whose call the builder's first error arose
}

// call runs the model function f, called name, on b. A panic in f becomes an
// error recorded in b; an error f records in b is attributed to name (see
// wrap). It returns nil when b has an error.
func (c *modelCalls) call(b *graph.Builder, name string, f func() *graph.Node) (n *graph.Node) {
	if b.Err() != nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			b.Failf("bbvi: %s panicked: %v (is a name of z or x misspelled, so that its node is nil?)", name, r)
			n = nil
		}
		if b.Err() != nil {
			if c != nil && c.failed == "" {
				c.failed = name
			}
			n = nil
		}
	}()
	return f()
}

// vars runs a model function that returns named nodes (Derived), as call.
func (c *modelCalls) vars(b *graph.Builder, name string, f func() Vars) (v Vars) {
	if b.Err() != nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			b.Failf("bbvi: %s panicked: %v (is a name of z or x misspelled, so that its node is nil?)", name, r)
			v = nil
		}
		if b.Err() != nil {
			if c != nil && c.failed == "" {
				c.failed = name
			}
			v = nil
		}
	}()
	return f()
}

// wrap returns err, naming the model function it came from when it does not
// already.
func (c *modelCalls) wrap(err error) error {
	if err == nil || c == nil || c.failed == "" || strings.Contains(err.Error(), c.failed) {
		return err
	}
	return fmt.Errorf("in %s: %w", c.failed, err)
}

// perDraw checks that n, returned by the model function name, holds one
// log-density per draw, shape (s), and records an error in b naming the
// function and the shape otherwise. rows is the number of data rows of the
// batch (0 without per-row data), for a more precise message.
func perDraw(b *graph.Builder, name string, n *graph.Node, s, rows int) bool {
	if b.Err() != nil || n == nil {
		return false
	}
	sh := n.Shape()
	if len(sh) == 1 && sh[0] == s {
		return true
	}
	want := fmt.Sprintf("want (%d): one log-density per draw", s)
	switch {
	case len(sh) == 0 || (len(sh) == 1 && sh[0] == 1):
		b.Failf("bbvi: %s returned shape %v for %d draws: a single value would be added to every draw, %s (was it summed over the draw axis too? Sum(·, 1) sums the rows of an (S, B) term only)", name, sh, s, want)
	case len(sh) == 1 && rows > 0 && sh[0] == rows:
		b.Failf("bbvi: %s returned shape %v, one value per data row, %s (with %d rows per batch; per-row terms have shape (S, B): see graph's PerRow and Cols)", name, sh, want, rows)
	case len(sh) == 2 && sh[0] == s:
		b.Failf("bbvi: %s returned shape %v, %s (sum its other axis: Sum(·, 1))", name, sh, want)
	default:
		b.Failf("bbvi: %s returned shape %v, %s", name, sh, want)
	}
	return false
}

// logPrior returns the model's log p(z), checked to be (s); a nil log p(z)
// is an error unless allowNil (then it returns nil: no global prior).
func (c *modelCalls) logPrior(b *graph.Builder, m Model, z Vars, s, rows int, allowNil bool) *graph.Node {
	name := funcName(m, "LogPrior")
	lp := c.call(b, name, func() *graph.Node { return m.LogPrior(b, z) })
	if b.Err() != nil {
		return nil
	}
	if lp == nil && allowNil {
		return nil
	}
	if lp == nil {
		b.Failf("bbvi: %s returned nil", name)
		return nil
	}
	if !perDraw(b, name, lp, s, rows) {
		return nil
	}
	return lp
}

// logLikelihood returns the model's log-likelihood of the batch x per draw,
// (s), and, for a PointwiseModel that splits, its row terms (s, rows); ll is
// nil when the model has no likelihood.
func (c *modelCalls) logLikelihood(b *graph.Builder, m Model, z, x Vars, s, rows int) (ll, points *graph.Node) {
	if pm, ok := m.(PointwiseModel); ok {
		name := funcName(m, "PointLogLikelihood")
		points = c.call(b, name, func() *graph.Node { return pm.PointLogLikelihood(b, z, x) })
		if b.Err() != nil {
			return nil, nil
		}
		if points != nil {
			if sh := points.Shape(); len(sh) != 2 || sh[0] != s || (rows > 0 && sh[1] != rows) {
				b.Failf("bbvi: %s returned shape %v, want (%d, %d): one value per draw and data row", name, sh, s, rows)
				return nil, nil
			}
			return b.Sum(points, 1), points
		}
	}
	name := funcName(m, "LogLikelihood")
	ll = c.call(b, name, func() *graph.Node { return m.LogLikelihood(b, z, x) })
	if ll == nil || !perDraw(b, name, ll, s, rows) {
		return nil, nil
	}
	return ll, nil
}

// probeDraws returns a number of draws other than s and rows (and above 1)
// for the probe graph.
func probeDraws(s, rows int) int {
	p := s + 1
	for p == rows || p < 2 {
		p++
	}
	return p
}

// probe builds, but does not compile, the model's log-density (for a q of
// dimension dim) for a number of draws other than the fit's: when the fit's draws equal its rows per batch,
// a per-row term of shape (B) has the shape (S) of a per-draw one and would
// pass every check, so the model is built again with other draws, where it
// cannot. It returns an error naming the function and the shape.
func probe(m Model, latents []Latent, data Data, s, rows, dim int, dt graph.Dtype) error {
	sp := probeDraws(s, rows)
	b := graph.NewBuilder(dt)
	p := &Problem{B: b, Model: m, Latents: latents}
	z := Vars{}
	if dim > 0 {
		z, _ = p.Constrain(b.Input("probe-zeta", sp, dim))
	}
	allLocal := true
	for _, l := range latents {
		allLocal = allLocal && l.Local
		if l.Local && !l.Support.Discrete() {
			// A continuous local latent: (S, B), or (S, B, Size).
			if l.Size == 0 {
				z[l.Name] = b.Input("probe-"+l.Name, sp, rows)
			} else {
				z[l.Name] = b.Input("probe-"+l.Name, sp, rows, l.Size)
			}
			continue
		}
		if !l.Support.Discrete() {
			continue
		}
		n := l.size()
		if l.Local {
			n = rows
		}
		if l.Support.Kind == CategoricalSupport {
			z[l.Name] = b.Input("probe-"+l.Name, sp, n, l.Support.K)
		} else {
			z[l.Name] = b.Input("probe-"+l.Name, sp, n)
		}
	}
	var c modelCalls
	c.logPrior(b, m, z, sp, rows, allLocal)
	if len(data) > 0 {
		x := newDataInputs(b, data, rows).x
		c.logLikelihood(b, m, z, x, sp, rows)
	}
	if err := b.Err(); err != nil {
		return fmt.Errorf("bbvi: the model's log-density has the right shape only because Draws (%d) equals the rows per batch (%d): built again with %d draws, %w",
			s, rows, sp, c.wrap(err))
	}
	return nil
}
