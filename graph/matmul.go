package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// matMulOp is the matrix product C = op(A)·op(B), op(X) = X or Xᵀ, of two
// row-major matrices, computed by one gemm call of a BLAS (blasImpl): the BLAS
// bound by the Machine that runs it, or the process default (UseBLAS) when it
// runs elsewhere. It replaces Gorgonia's matrix product, which calls
// Gorgonia's process-wide BLAS. The gemm arguments are those Gorgonia's
// product passed for the same inputs, so the results are the same bits.
type matMulOp struct {
	transA, transB bool
	k              *blasImpl // nil: the process default
}

// MatMul returns the matrix product x·y of two matrices, (m, k)·(k, n) giving
// (m, n), or of a matrix and a vector: (m, k)·(k) gives (m) and (k)·(k, n)
// gives (n). The product and those of its gradient are computed by the BLAS of
// the Machine that runs the graph (see Builder.SetBLAS). Other shapes are
// reported through b; for the product of two vectors use Sum(Mul(x, y)).
func (b *Builder) MatMul(x, y *Node) *Node {
	if !b.ok(x, y) {
		return nil
	}
	xs, ys := x.Shape(), y.Shape()
	if len(xs) < 1 || len(xs) > 2 || len(ys) < 1 || len(ys) > 2 || len(xs)+len(ys) < 3 {
		b.Failf("graph: MatMul of shapes %v and %v: want two matrices, or a matrix and a vector", xs, ys)
		return nil
	}
	if xs[len(xs)-1] != ys[0] {
		b.Failf("graph: MatMul of shapes %v and %v: inner lengths differ", xs, ys)
		return nil
	}
	switch {
	case len(ys) == 1:
		return b.Reshape(b.MatMul(x, b.Reshape(y, ys[0], 1)), xs[0])
	case len(xs) == 1:
		return b.Reshape(b.MatMul(b.Reshape(x, 1, xs[0]), y), ys[1])
	}
	n, err := G.ApplyOp(&matMulOp{}, x.n, y.n)
	return b.keep("MatMul", n, err)
}

// dims returns m, n and k of the product of inputs of shapes a and b.
func (op *matMulOp) dims(a, b []int) (m, n, k int, err error) {
	if len(a) != 2 || len(b) != 2 {
		return 0, 0, 0, fmt.Errorf("matmul: shapes %v and %v are not matrices", Shape(a), Shape(b))
	}
	m, k = a[0], a[1]
	if op.transA {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if op.transB {
		kb, n = n, kb
	}
	if k != kb {
		return 0, 0, 0, fmt.Errorf("matmul %v: inner lengths of %v and %v differ", op, Shape(a), Shape(b))
	}
	return m, n, k, nil
}

func (op *matMulOp) Arity() int { return 2 }
func (op *matMulOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m)
}
func (op *matMulOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	a, ok := in[0].(tensor.Shape)
	b, ok2 := in[1].(tensor.Shape)
	if !ok || !ok2 {
		return nil, fmt.Errorf("matmul: input shapes are %T and %T", in[0], in[1])
	}
	m, n, _, err := op.dims(a, b)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{m, n}, nil
}

func (op *matMulOp) Do(vals ...G.Value) (G.Value, error) {
	a, ok := vals[0].(tensor.Tensor)
	b, ok2 := vals[1].(tensor.Tensor)
	if !ok || !ok2 {
		return nil, errors.New("matmul: inputs are not tensors")
	}
	m, n, _, err := op.dims(a.Shape(), b.Shape())
	if err != nil {
		return nil, err
	}
	out := tensor.New(tensor.Of(a.Dtype()), tensor.WithShape(m, n))
	return out, op.into(out, a, b)
}

// UsePreallocDo writes into the node's own buffer.
func (op *matMulOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	a, ok2 := vals[0].(tensor.Tensor)
	b, ok3 := vals[1].(tensor.Tensor)
	if !ok || !ok2 || !ok3 || out.Dtype() != a.Dtype() {
		return op.Do(vals...)
	}
	m, n, _, err := op.dims(a.Shape(), b.Shape())
	if err != nil {
		return nil, err
	}
	if s := out.Shape(); len(s) != 2 || s[0] != m || s[1] != n {
		return op.Do(vals...)
	}
	return out, op.into(out, a, b)
}

// into computes the product into out, of the right shape and dtype, with one
// gemm call: C = 1·op(A)·op(B) + 0·C, row-major, with leading dimensions the
// stored row lengths.
func (op *matMulOp) into(out, a, b tensor.Tensor) error {
	if d, ok := a.(*tensor.Dense); ok && d.IsView() {
		a = d.Materialize()
	}
	if d, ok := b.(*tensor.Dense); ok && d.IsView() {
		b = d.Materialize()
	}
	m, n, k, err := op.dims(a.Shape(), b.Shape())
	if err != nil {
		return err
	}
	lda, ldb := a.Shape()[1], b.Shape()[1]
	tA, tB := blas.NoTrans, blas.NoTrans
	if op.transA {
		tA = blas.Trans
	}
	if op.transB {
		tB = blas.Trans
	}
	impl := op.k
	if impl == nil {
		impl = processBLAS()
	}
	if ad, ok := floats64(a); ok {
		bd, ok := floats64(b)
		cd, ok2 := floats64(out)
		if !ok || !ok2 {
			return errors.New("matmul: mixed dtypes")
		}
		impl.f64.Dgemm(tA, tB, m, n, k, 1, ad, lda, bd, ldb, 0, cd, n)
		return nil
	}
	if ad, ok := floats32(a); ok {
		bd, ok := floats32(b)
		cd, ok2 := floats32(out)
		if !ok || !ok2 {
			return errors.New("matmul: mixed dtypes")
		}
		impl.f32.Sgemm(tA, tB, m, n, k, 1, ad, lda, bd, ldb, 0, cd, n)
		return nil
	}
	return fmt.Errorf("matmul: unsupported dtype %v", a.Dtype())
}

func (op *matMulOp) ReturnsPtr() bool     { return false }
func (op *matMulOp) CallsExtern() bool    { return false }
func (op *matMulOp) OverwritesInput() int { return -1 }
func (op *matMulOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.matmul(%v,%v)", op.transA, op.transB)
}
func (op *matMulOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *matMulOp) String() string {
	s := "A"
	if op.transA {
		s += "ᵀ"
	}
	s += "·B"
	if op.transB {
		s += "ᵀ"
	}
	return s
}
func (op *matMulOp) DiffWRT(n int) []bool { return []bool{true, true} }

// SymDiff returns the gradients as products of the incoming gradient G with
// the inputs, transposed through the gemm flags (no transpose is formed):
//
//	C = A·B:    ∂A = G·Bᵀ,   ∂B = Aᵀ·G
//	C = A·Bᵀ:   ∂A = G·B,    ∂B = Gᵀ·A
//	C = Aᵀ·B:   ∂A = B·Gᵀ,   ∂B = A·G
//	C = Aᵀ·Bᵀ:  ∂A = Bᵀ·Gᵀ,  ∂B = Gᵀ·Aᵀ
func (op *matMulOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	a, b := in[0], in[1]
	type prod struct {
		x, y   *G.Node
		tx, ty bool
	}
	var da, db prod
	switch {
	case !op.transA && !op.transB:
		da, db = prod{grad, b, false, true}, prod{a, grad, true, false}
	case !op.transA && op.transB:
		da, db = prod{grad, b, false, false}, prod{grad, a, true, false}
	case op.transA && !op.transB:
		da, db = prod{b, grad, false, true}, prod{a, grad, false, false}
	default:
		da, db = prod{b, grad, true, true}, prod{grad, a, true, true}
	}
	ga, err := G.ApplyOp(&matMulOp{transA: da.tx, transB: da.ty}, da.x, da.y)
	if err != nil {
		return nil, err
	}
	gb, err := G.ApplyOp(&matMulOp{transA: db.tx, transB: db.ty}, db.x, db.y)
	if err != nil {
		return nil, err
	}
	return G.Nodes{ga, gb}, nil
}
