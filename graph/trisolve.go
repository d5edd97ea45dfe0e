package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// triSolveOp solves a triangular system for every row of its right-hand side:
// inputs L (d×d, lower triangular; only the lower triangle is read) and R
// (S×d); output E (S×d) with
//
//	trans = false:  L e_s = r_s,   E = R L⁻ᵀ   (forward substitution)
//	trans = true:   Lᵀ e_s = r_s,  E = R L⁻¹   (back substitution)
type triSolveOp struct{ trans bool }

// SolveLower returns the solutions of the lower-triangular systems L e_s = r_s,
// one per row r_s of R: E = R L⁻ᵀ, shape (S, d), for L of shape (d, d) and R of
// shape (S, d). Only the lower triangle of L is read; its diagonal must be
// non-zero. It is differentiable in both arguments:
//
//	∂/∂R = G L⁻¹,   ∂/∂L = -tril((G L⁻¹)ᵀ E)   (G: the incoming gradient)
//
// With L a Cholesky factor of Σ, SolveLower(L, ζ - μ) whitens draws of
// N(μ, Σ), which gives log N(ζ; μ, LLᵀ) at any ζ.
func (b *Builder) SolveLower(l, r *Node) *Node { return b.triSolve(false, l, r) }

// SolveLowerT returns the solutions of the upper-triangular systems Lᵀ e_s = r_s,
// one per row r_s of R: E = R L⁻¹, shape (S, d), for L of shape (d, d) lower
// triangular (only the lower triangle is read) and R of shape (S, d). It is
// differentiable in both arguments:
//
//	∂/∂R = G L⁻ᵀ,   ∂/∂L = -tril(Eᵀ (G L⁻ᵀ))   (G: the incoming gradient)
func (b *Builder) SolveLowerT(l, r *Node) *Node { return b.triSolve(true, l, r) }

func (b *Builder) triSolve(trans bool, l, r *Node) *Node {
	ns := []*Node{l, r}
	if !b.bindAll(ns...) {
		return nil
	}
	l, r = ns[0], ns[1]
	name := "SolveLower"
	if trans {
		name = "SolveLowerT"
	}
	ls, rs := l.Shape(), r.Shape()
	if len(ls) != 2 || ls[0] != ls[1] || len(rs) != 2 || rs[1] != ls[0] {
		b.Failf("graph: %s: shapes %v and %v, want (d, d) and (S, d)", name, ls, rs)
		return nil
	}
	n, err := G.ApplyOp(&triSolveOp{trans: trans}, l.n, r.n)
	return b.keep(name, n, err)
}

func (op *triSolveOp) Arity() int { return 2 }
func (op *triSolveOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m)
}
func (op *triSolveOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[1].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("trisolve: right-hand side shape is %T", in[1])
	}
	return s.Clone(), nil
}

func (op *triSolveOp) Do(vals ...G.Value) (G.Value, error) {
	r, ok := vals[1].(tensor.Tensor)
	if !ok {
		return nil, errors.New("trisolve: right-hand side is not a tensor")
	}
	out := tensor.New(tensor.Of(r.Dtype()), tensor.WithShape(r.Shape().Clone()...))
	return out, op.into(out, vals[0], vals[1])
}

// UsePreallocDo reuses the output buffer between runs.
func (op *triSolveOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	r, ok2 := vals[1].(tensor.Tensor)
	if !ok || !ok2 || !out.Shape().Eq(r.Shape()) || out.Dtype() != r.Dtype() {
		return op.Do(vals...)
	}
	return out, op.into(out, vals[0], vals[1])
}

func (op *triSolveOp) into(out tensor.Tensor, lv, rv G.Value) error {
	l, ok := lv.(tensor.Tensor)
	r, ok2 := rv.(tensor.Tensor)
	if !ok || !ok2 {
		return errors.New("trisolve: inputs are not tensors")
	}
	if d, ok := l.(*tensor.Dense); ok && d.IsView() {
		l = d.Materialize()
	}
	if d, ok := r.(*tensor.Dense); ok && d.IsView() {
		r = d.Materialize()
	}
	d := l.Shape()[0]
	switch ld := l.Data().(type) {
	case []float64:
		rd, ok := r.Data().([]float64)
		if !ok {
			return errors.New("trisolve: mixed dtypes")
		}
		triSolveKernel(op.trans, out.Data().([]float64), ld, rd, d)
	case []float32:
		rd, ok := r.Data().([]float32)
		if !ok {
			return errors.New("trisolve: mixed dtypes")
		}
		triSolveKernel(op.trans, out.Data().([]float32), ld, rd, d)
	default:
		return fmt.Errorf("trisolve: unsupported dtype %v", l.Dtype())
	}
	return nil
}

func triSolveKernel[T float32 | float64](trans bool, dst, l, r []T, d int) {
	for s := 0; s+d <= len(r); s += d {
		e, rhs := dst[s:s+d], r[s:s+d]
		if !trans {
			for i := 0; i < d; i++ {
				v := rhs[i]
				for j := 0; j < i; j++ {
					v -= l[i*d+j] * e[j]
				}
				e[i] = v / l[i*d+i]
			}
			continue
		}
		for i := d - 1; i >= 0; i-- {
			v := rhs[i]
			for j := i + 1; j < d; j++ {
				v -= l[j*d+i] * e[j]
			}
			e[i] = v / l[i*d+i]
		}
	}
}

func (op *triSolveOp) ReturnsPtr() bool     { return false }
func (op *triSolveOp) CallsExtern() bool    { return false }
func (op *triSolveOp) OverwritesInput() int { return -1 }
func (op *triSolveOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.trisolve(trans=%v)", op.trans)
}
func (op *triSolveOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *triSolveOp) String() string {
	if op.trans {
		return "SolveLowerT"
	}
	return "SolveLower"
}
func (op *triSolveOp) DiffWRT(n int) []bool { return []bool{true, true} }

func (op *triSolveOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return symDiff(in, out, grad, op.grads)
}

func (op *triSolveOp) grads(b *Builder, in []*Node, out, grad *Node) []*Node {
	l := in[0]
	d := l.Shape()[0]
	mask := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			mask[i*d+j] = 1
		}
	}
	tril := b.Constant("trisolve.tril", mask, d, d)
	var a, gl *Node
	if !op.trans {
		a = b.SolveLowerT(l, grad)        // G L⁻¹
		gl = b.Neg(b.MatMul(b.T(a), out)) // -(Aᵀ E)
	} else {
		a = b.SolveLower(l, grad)         // G L⁻ᵀ
		gl = b.Neg(b.MatMul(b.T(out), a)) // -(Eᵀ A)
	}
	return []*Node{b.Mul(gl, tril), a}
}
