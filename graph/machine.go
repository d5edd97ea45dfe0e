package graph

import (
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Grad adds to the graph the gradient of the scalar cost with respect to each of
// wrt and returns the gradient nodes in the same order. Their values are
// recomputed on every run (they do not accumulate).
func (b *Builder) Grad(cost *Node, wrt ...*Node) []*Node {
	if !b.ok(append([]*Node{cost}, wrt...)...) {
		return nil
	}
	if !cost.IsScalar() {
		b.Failf("graph: Grad: cost has shape %v, want a scalar", cost.Shape())
		return nil
	}
	var gs G.Nodes
	err := catch(func() error {
		var err error
		gs, err = G.Grad(cost.n, gnodes(wrt)...)
		return err
	})
	if err != nil {
		b.Fail(fmt.Errorf("graph: Grad: %w", err))
		return nil
	}
	out := make([]*Node, len(gs))
	for i, g := range gs {
		out[i] = b.node(g)
	}
	b.grads = append(b.grads, gs...)
	return out
}

// Machine runs a compiled graph. Build it once with Compile; each Run evaluates
// every node again from the current input values. It is not safe for
// concurrent use.
//
// Machine is Vigor's own executor for Gorgonia graphs, used instead of
// Gorgonia's TapeMachine: every operation node owns its output buffer, which is
// allocated on the first run and reused in place afterwards (for every op that
// can write into a preallocated value), so a step allocates next to nothing,
// and no node's value is ever overwritten by another node's (the TapeMachine's
// register allocator shares buffers between nodes and clears them all on every
// Reset). Its matrix products use the BLAS of its Builder (see
// Builder.SetBLAS).
type Machine struct {
	steps []execStep
	// lazy holds the fused likelihood ops whose log-likelihood value no
	// gradient node reads: RunGradients skips computing it.
	lazy []*glmOp
}

// execStep evaluates one operation node.
type execStep struct {
	node *G.Node
	op   G.Op
	kids []*G.Node
	in   []G.Value
	pre  G.UsePreallocDoer // nil if the op cannot write into a given buffer
	buf  G.Value           // the node's own output buffer, once allocated
}

// Compile prepares the builder's graph for running, with the builder's BLAS
// (see SetBLAS). It returns the builder's error if building failed.
func (b *Builder) Compile() (*Machine, error) {
	if b.err != nil {
		return nil, b.err
	}
	m := &Machine{}
	done := map[*G.Node]bool{}
	var visit func(n *G.Node)
	visit = func(n *G.Node) {
		if done[n] {
			return
		}
		done[n] = true
		var kids []*G.Node
		for it := b.g.From(n.ID()); it.Next(); {
			kids = append(kids, it.Node().(*G.Node))
		}
		for _, k := range kids {
			visit(k)
		}
		if n.Op() == nil || len(kids) == 0 {
			return // an input, a parameter or a constant: its value is bound
		}
		s := execStep{node: n, op: n.Op(), kids: kids, in: make([]G.Value, len(kids))}
		if mm, ok := n.Op().(*matMulOp); ok {
			bound := *mm // the product with the builder's BLAS
			bound.k = b.blas
			s.op = &bound
		}
		if isGorgoniaAdd(s.op) && len(kids) == 2 && kids[0].IsScalar() == kids[1].IsScalar() &&
			sameShape(kids[0].Shape(), kids[1].Shape()) && kids[0].Dtype() == kids[1].Dtype() {
			// Gorgonia's Grad sums the gradients that reach a node with its own
			// Add, which allocates on every run: run Vigor's instead.
			s.op = addOp
		}
		if pd, ok := s.op.(G.UsePreallocDoer); ok {
			if _, scalarOK := s.op.(scalarPrealloc); scalarOK || !n.IsScalar() {
				s.pre = pd
			}
		}
		m.steps = append(m.steps, s)
	}
	for _, n := range b.g.AllNodes() {
		visit(n)
	}
	m.lazy = b.lazyGLMs()
	return m, nil
}

// lazyGLMs returns the fused likelihood ops whose value node (the
// log-likelihood per draw) is not an ancestor of any gradient node made by
// Grad: their gradients come from the columns the op computes beside the
// value, so an optimizer step can skip the value (see RunGradients). The
// Gaussian likelihood is never lazy: its σ gradient needs the sum of squares.
func (b *Builder) lazyGLMs() []*glmOp {
	if len(b.glms) == 0 || len(b.grads) == 0 {
		return nil
	}
	seen := map[*G.Node]bool{}
	stack := append([]*G.Node(nil), b.grads...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		for it := b.g.From(n.ID()); it.Next(); {
			stack = append(stack, it.Node().(*G.Node))
		}
	}
	var lazy []*glmOp
	for _, op := range b.glms {
		if op.kind != GLMGaussian && op.value != nil && !seen[op.value] {
			lazy = append(lazy, op)
		}
	}
	return lazy
}

// RunGradients is Run for an optimizer step that reads only the gradient
// nodes: the fused likelihood ops (GLMLogLik) whose log-likelihood value no
// gradient depends on skip computing it — for the logistic likelihood the
// softplus, most of the op's elementwise work — and output 0 in its place.
// The gradients are exactly Run's, bit for bit; the values of the nodes
// computed from such a log-likelihood (the cost, typically) are not
// meaningful after it. Where a gradient does read the value (a
// score-function estimator, importance weights), the op computes it as Run
// does.
func (m *Machine) RunGradients() error {
	for _, op := range m.lazy {
		op.skip = true
	}
	defer func() {
		for _, op := range m.lazy {
			op.skip = false
		}
	}()
	return m.Run()
}

// Run evaluates the graph once: every operation node, in dependency order,
// from the current values of the inputs and parameters.
func (m *Machine) Run() error {
	return catch(func() error {
		for i := range m.steps {
			s := &m.steps[i]
			for j, k := range s.kids {
				s.in[j] = k.Value()
				if s.in[j] == nil {
					return fmt.Errorf("graph: node %s has no value (an input that was never set?)", k.Name())
				}
			}
			var v G.Value
			var err error
			if s.pre != nil && s.buf != nil {
				v, err = s.pre.UsePreallocDo(s.buf, s.in...)
			} else {
				v, err = s.op.Do(s.in...)
			}
			if err != nil {
				return fmt.Errorf("graph: running %v: %w", s.op, err)
			}
			if s.pre != nil && s.buf == nil {
				switch v.(type) {
				case tensor.Tensor, *G.F64, *G.F32:
					s.buf = v
				}
			}
			if v != s.node.Value() {
				if err := G.UnsafeLet(s.node, v); err != nil {
					return fmt.Errorf("graph: binding the value of %v: %w", s.op, err)
				}
			}
		}
		return nil
	})
}

// isGorgoniaAdd reports whether op is Gorgonia's elementwise addition.
func isGorgoniaAdd(op G.Op) bool {
	s := op.String() // "+ false": the operator and whether it returns the same type
	return fmt.Sprintf("%T", op) == "gorgonia.elemBinOp" && (s == "+" || strings.HasPrefix(s, "+ "))
}

// scalarPrealloc is implemented by the ops whose UsePreallocDo also writes a
// scalar result into the node's own *G.F64 or *G.F32, so that a run does not
// allocate a new scalar value.
type scalarPrealloc interface{ scalarPrealloc() }

// Close releases the machine's resources. A closed Machine must not be run.
func (m *Machine) Close() error {
	m.steps = nil
	return nil
}

// catch runs f and turns a panic inside it into an error.
func catch(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}
