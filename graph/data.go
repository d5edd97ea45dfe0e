package graph

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// floats64 returns the backing slice of a dense float64 tensor and true, or
// nil and false for any other value. Unlike tensor.Dense's Data method
// (which builds the slice through reflect, two allocations a call), it does
// not allocate: the executor's ops use it on every run.
func floats64(v G.Value) ([]float64, bool) {
	d, ok := v.(*tensor.Dense)
	if !ok || d == nil || d.IsScalar() || d.Dtype() != tensor.Float64 {
		return nil, false
	}
	if d.IsView() {
		return d.Materialize().(*tensor.Dense).Float64s(), true
	}
	return d.Float64s(), true
}

// floats32 is floats64 for float32 tensors.
func floats32(v G.Value) ([]float32, bool) {
	d, ok := v.(*tensor.Dense)
	if !ok || d == nil || d.IsScalar() || d.Dtype() != tensor.Float32 {
		return nil, false
	}
	if d.IsView() {
		return d.Materialize().(*tensor.Dense).Float32s(), true
	}
	return d.Float32s(), true
}
