package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
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
		gs, err = G.Grad(cost, wrt...)
		return err
	})
	if err != nil {
		b.Fail(fmt.Errorf("graph: Grad: %w", err))
		return nil
	}
	return gs
}

// Machine runs a compiled graph. Build it once with Compile; each Run evaluates
// every node again from the current input values. It is not safe for concurrent use.
type Machine struct {
	vm G.VM
}

// Compile compiles the builder's graph into a Machine. It returns the builder's
// error if building failed, and turns Gorgonia's compile panics into errors.
func (b *Builder) Compile() (*Machine, error) {
	if b.err != nil {
		return nil, b.err
	}
	var vm G.VM
	err := catch(func() error {
		vm = G.NewTapeMachine(b.g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("graph: compile: %w", err)
	}
	return &Machine{vm: vm}, nil
}

// Run evaluates the graph once.
func (m *Machine) Run() error {
	m.vm.Reset()
	return catch(m.vm.RunAll)
}

// Close releases the machine's resources.
func (m *Machine) Close() error { return m.vm.Close() }

// catch runs f and turns a panic inside it into an error.
func catch(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}
