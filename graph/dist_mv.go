package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds log-densities over a vector (the last axis) or a matrix
// (the last two axes) and the mixture helper. They broadcast over the leading
// axes like the elementwise densities and drop the event axes from the
// output: a draw of shape (S, K) gives a log-density of shape (S).

// DirichletLogProb returns the log-density of the Dirichlet distribution with
// concentrations α over the simplex of the last axis (Stan's dirichlet(α)):
//
//	log p(x) = log Γ(Σ_k α_k) - Σ_k log Γ(α_k) + Σ_k (α_k - 1) log x_k,   x_k > 0, Σ_k x_k = 1.
//
// x and alpha have the same last axis K ≥ 1 and leading axes that broadcast
// (x (S, K) against alpha (K); x (S, B, K) against PerDraw(alpha) of
// (S, 1, K)); the output has the broadcast leading shape (a scalar for two
// vectors). x is assumed to be on the simplex (not checked; StickBreaking
// maps onto it); alpha must be positive.
func (b *Builder) DirichletLogProb(x, alpha *Node) *Node {
	defer b.enter("DirichletLogProb", "x", x, "alpha", alpha)()
	ns := []*Node{x, alpha}
	if !b.bindAll(ns...) {
		return nil
	}
	x, alpha = ns[0], ns[1]
	xs, as := x.Shape(), alpha.Shape()
	if len(xs) == 0 || len(as) == 0 || xs[len(xs)-1] != as[len(as)-1] {
		b.Failf("graph: DirichletLogProb(x %v, alpha %v): want the same last (category) axis", xs, as)
		return nil
	}
	t := b.Mul(b.Shift(alpha, -1), b.Log(x))
	if !b.ok(t) {
		return nil
	}
	last := len(as) - 1
	norm := b.Sub(b.Lgamma(b.Sum(alpha, last)), b.Sum(b.Lgamma(alpha), last))
	return b.Add(b.Sum(t, t.Dims()-1), norm)
}

// MultiNormalCholeskyLogProb returns the log-density of the multivariate
// normal distribution N(μ, L Lᵀ) over the last axis, given the lower
// Cholesky factor L of the covariance (Stan's multi_normal_cholesky(μ, L)):
//
//	log p(x) = -½ D log 2π - Σ_i log L_ii - ½ ‖L⁻¹(x - μ)‖²,
//
// with the triangular solve done by substitution (SolveLower), never forming
// Σ or its inverse. x and loc broadcast against each other to (…, D) (loc may
// also be a scalar); scaleTril is either one factor (D, D), shared by every
// row, or one factor per draw (S, D, D), in which case x - loc must be (S, D)
// or (S, N, D). The output has the leading shape of x - loc: (…) for one
// factor, (S) or (S, N) for per-draw factors. Only the lower triangle of
// scaleTril is read; its diagonal must be positive. The gradients with
// respect to x, loc and scaleTril are exact (see SolveLower); with per-draw
// factors and N rows, the factor's gradient takes O(S·N·D²) memory.
func (b *Builder) MultiNormalCholeskyLogProb(x, loc, scaleTril *Node) *Node {
	defer b.enter("MultiNormalCholeskyLogProb", "x", x, "loc", loc, "scaleTril", scaleTril)()
	ns := []*Node{x, loc, scaleTril}
	if !b.bindAll(ns...) {
		return nil
	}
	x, loc, l := ns[0], ns[1], ns[2]
	ls := l.Shape()
	bad := func(why string) *Node {
		b.Failf("graph: MultiNormalCholeskyLogProb(x %v, loc %v, scaleTril %v): %s", x.Shape(), loc.Shape(), ls, why)
		return nil
	}
	if (len(ls) != 2 && len(ls) != 3) || ls[len(ls)-1] != ls[len(ls)-2] {
		return bad("want scaleTril (D, D) or (S, D, D)")
	}
	d := ls[len(ls)-1]
	diff := b.Sub(x, loc)
	if !b.ok(diff) {
		return nil
	}
	ds := diff.Shape()
	if len(ds) == 0 || ds[len(ds)-1] != d {
		return bad(fmt.Sprintf("want x - loc with last axis %d", d))
	}
	lead := []int(ds[:len(ds)-1])
	eye := b.Constant("mvn.eye", identity(d), d, d)
	constant := -0.5 * float64(d) * log2Pi
	if len(ls) == 2 {
		logDet := b.Sum(b.Log(b.Sum(b.Mul(l, eye), 1))) // Σ log L_ii, a scalar
		rows := Shape(lead).Size()
		e := b.SolveLower(l, b.Reshape(diff, rows, d))
		var q *Node
		if len(lead) == 0 {
			q = b.Sum(b.Square(e))
		} else {
			q = b.Reshape(b.Sum(b.Square(e), 1), lead...)
		}
		return b.Shift(b.Sub(b.Scale(q, -0.5), logDet), constant)
	}
	s := ls[0]
	if (len(lead) != 1 && len(lead) != 2) || lead[0] != s {
		return bad(fmt.Sprintf("per-draw factors need x - loc of shape (%d, D) or (%d, N, D)", s, s))
	}
	n := 1
	if len(lead) == 2 {
		n = lead[1]
	}
	logDet := b.Sum(b.Log(b.Sum(b.Mul(l, eye), 2)), 1) // (S)
	e := b.batchTriSolve(false, l, b.Reshape(diff, s, n, d))
	q := b.Sum(b.Square(e), 2) // (S, N)
	if len(lead) == 1 {
		q = b.Reshape(q, s)
	} else {
		logDet = b.Reshape(logDet, s, 1)
	}
	return b.Shift(b.Sub(b.Scale(q, -0.5), logDet), constant)
}

// identity returns the d×d identity matrix, row-major.
func identity(d int) []float64 {
	m := make([]float64, d*d)
	for i := 0; i < d; i++ {
		m[i*d+i] = 1
	}
	return m
}

// LKJCholeskyLogProb returns the log-density of the LKJ distribution with
// shape η over correlation matrices Ω = L Lᵀ, expressed on their Cholesky
// factor L (Lewandowski, Kurowicka and Joe 2009; Stan's
// lkj_corr_cholesky(η)), with respect to the Lebesgue measure on the K(K-1)/2
// entries below L's diagonal:
//
//	log p(L) = Σ_{i=2}^{K} (K - i + 2η - 2) log L_ii - log c_K(η),
//	log c_K(η) = Σ_{k=1}^{K-1} (K-k) [(2η - 2 + K - k) log 2 + 2 log Γ(β_k) - log Γ(2β_k)],   β_k = η + (K-1-k)/2,
//
// so that p(Ω) ∝ det(Ω)^(η-1): η = 1 is uniform over correlation matrices,
// η > 1 favours the identity. c_K(η) = ∫ det(Ω)^(η-1) dΩ is the normalizing
// constant, included (as Stan does), so it is exact also when η is a latent.
// l is one factor (K, K) or one per draw (S, K, K), K ≥ 2, a lower-triangular
// matrix with positive diagonal and rows of unit length (not checked: only
// the diagonal is read); eta is positive and broadcasts against the output,
// which is a scalar for one factor and (S) for per-draw factors.
func (b *Builder) LKJCholeskyLogProb(l, eta *Node) *Node {
	defer b.enter("LKJCholeskyLogProb", "l", l, "eta", eta)()
	ns := []*Node{l, eta}
	if !b.bindAll(ns...) {
		return nil
	}
	l, eta = ns[0], ns[1]
	ls := l.Shape()
	if (len(ls) != 2 && len(ls) != 3) || ls[len(ls)-1] != ls[len(ls)-2] || ls[len(ls)-1] < 2 {
		b.Failf("graph: LKJCholeskyLogProb(l %v, eta %v): want l (K, K) or (S, K, K) with K ≥ 2", ls, eta.Shape())
		return nil
	}
	k := ls[len(ls)-1]
	last := len(ls) - 2 // the diagonal's axis
	logDiag := b.Log(b.Sum(b.Mul(l, b.Constant("lkj.eye", identity(k), k, k)), len(ls)-1))
	// Σ_{i≥2} (K - i - 2) log L_ii + 2η Σ_{i≥2} log L_ii, with i = j+1 for index j.
	c, m := make([]float64, k), make([]float64, k)
	for j := 1; j < k; j++ {
		c[j] = float64(k - j - 3)
		m[j] = 1
	}
	fixed := b.Sum(b.Mul(logDiag, b.Constant("lkj.c", c, k)), last)
	free := b.Sum(b.Mul(logDiag, b.Constant("lkj.m", m, k)), last)
	logC := make([]*Node, 0, k-1)
	for i := 1; i < k; i++ {
		w := float64(k - i)
		beta := b.Shift(eta, float64(k-1-i)/2)
		logC = append(logC, b.AddN(
			b.Scale(b.Shift(b.Scale(eta, 2), float64(k-i-2)), w*math.Ln2),
			b.Scale(b.Lgamma(beta), 2*w),
			b.Scale(b.Lgamma(b.Scale(beta, 2)), -w),
		))
	}
	return b.Sub(b.Add(fixed, b.Mul(b.Scale(eta, 2), free)), b.AddN(logC...))
}

// MixtureLogProb returns the log-density of a finite mixture,
//
//	log p(x) = log Σ_k w_k p_k(x) = logsumexp_k (log w_k + log p_k(x)),
//
// computed stably (LogSumExp), from the log-density of each component,
// components[k] = log p_k(x), and the log weights. The components broadcast
// against each other to a shape C; logWeights has the K components on its
// last axis and its leading axes broadcast against C: (K) for weights shared
// by everything, (S, K) for per-draw weights against components (S), or
// PerDraw(logw) of (S, 1, K) against per-row components (S, B). The output
// has shape C. The weights are assumed to sum to 1 (not checked; the log of
// StickBreaking.LogForward's output, or logits minus their LogSumExp,
// satisfy it).
func (b *Builder) MixtureLogProb(logWeights *Node, components ...*Node) *Node {
	defer b.enter("MixtureLogProb", "logWeights", logWeights, "components", components)()
	if !b.ok(append([]*Node{logWeights}, components...)...) {
		return nil
	}
	k := len(components)
	ws := logWeights.Shape()
	if k == 0 || len(ws) == 0 || ws[len(ws)-1] != k {
		b.Failf("graph: MixtureLogProb(logWeights %v, components %s): want logWeights with the %d components on its last axis",
			ws, describeArg(components), k)
		return nil
	}
	shape := Shape(nil)
	for i, c := range components {
		s, ok := broadcastShape(shape, c.Shape())
		if !ok {
			b.Fail(&broadcastError{op: fmt.Sprintf("component %d", i), x: shape, y: c.Shape()})
			return nil
		}
		shape = s
	}
	parts := make([]*Node, k)
	var zeros *Node
	for i, c := range components {
		parts[i] = b.bind(c)
		if !sameShape(c.Shape(), shape) {
			if zeros == nil {
				zeros = b.Constant("mixture.zeros", nil, shape...)
			}
			parts[i] = b.Add(parts[i], zeros)
		}
	}
	st := b.Add(b.Stack(-1, parts...), logWeights)
	if !b.ok(st) {
		return nil
	}
	return b.LogSumExp(st, st.Dims()-1)
}

// broadcastShape returns the NumPy broadcast of shapes s and t, and whether
// they broadcast.
func broadcastShape(s, t Shape) (Shape, bool) {
	r := max(len(s), len(t))
	sp, tp := padShape(s, r), padShape(t, r)
	out := make(Shape, r)
	for i := range out {
		switch {
		case sp[i] == tp[i] || tp[i] == 1:
			out[i] = sp[i]
		case sp[i] == 1:
			out[i] = tp[i]
		default:
			return nil, false
		}
	}
	return out, true
}

// ---- triangular solves with one factor per draw ----

// batchTriSolve solves with a factor per batch: L (S, D, D), R (S, N, D) → E
// (S, N, D) with E_s = R_s L_s⁻ᵀ (trans = false) or E_s = R_s L_s⁻¹ (trans =
// true); see SolveLower and SolveLowerT.
func (b *Builder) batchTriSolve(trans bool, l, r *Node) *Node {
	if !b.ok(l, r) {
		return nil
	}
	ls, rs := l.Shape(), r.Shape()
	if len(ls) != 3 || len(rs) != 3 || ls[1] != ls[2] || rs[0] != ls[0] || rs[2] != ls[1] {
		b.Failf("graph: batched triangular solve: shapes %v and %v, want (S, D, D) and (S, N, D)", ls, rs)
		return nil
	}
	n, err := G.ApplyOp(&batchTriSolveOp{trans: trans}, l.n, r.n)
	return b.keep("batchTriSolve", n, err)
}

type batchTriSolveOp struct{ trans bool }

func (op *batchTriSolveOp) Arity() int { return 2 }
func (op *batchTriSolveOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 3, Of: a}
	return hm.NewFnType(t, t, t)
}
func (op *batchTriSolveOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[1].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("batch trisolve: right-hand side shape is %T", in[1])
	}
	return s.Clone(), nil
}

func (op *batchTriSolveOp) Do(vals ...G.Value) (G.Value, error) {
	r, ok := vals[1].(tensor.Tensor)
	if !ok {
		return nil, errors.New("batch trisolve: right-hand side is not a tensor")
	}
	out := tensor.New(tensor.Of(r.Dtype()), tensor.WithShape(r.Shape().Clone()...))
	return out, op.into(out, vals[0], vals[1])
}

// UsePreallocDo reuses the output buffer between runs.
func (op *batchTriSolveOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	r, ok2 := vals[1].(tensor.Tensor)
	if !ok || !ok2 || !out.Shape().Eq(r.Shape()) || out.Dtype() != r.Dtype() {
		return op.Do(vals...)
	}
	return out, op.into(out, vals[0], vals[1])
}

func (op *batchTriSolveOp) into(out tensor.Tensor, lv, rv G.Value) error {
	l, ok := lv.(tensor.Tensor)
	r, ok2 := rv.(tensor.Tensor)
	if !ok || !ok2 {
		return errors.New("batch trisolve: inputs are not tensors")
	}
	if d, ok := l.(*tensor.Dense); ok && d.IsView() {
		l = d.Materialize()
	}
	if d, ok := r.(*tensor.Dense); ok && d.IsView() {
		r = d.Materialize()
	}
	s, d := l.Shape()[0], l.Shape()[1]
	switch ld := l.Data().(type) {
	case []float64:
		rd, ok := r.Data().([]float64)
		if !ok {
			return errors.New("batch trisolve: mixed dtypes")
		}
		batchTriSolveKernel(op.trans, out.Data().([]float64), ld, rd, s, d)
	case []float32:
		rd, ok := r.Data().([]float32)
		if !ok {
			return errors.New("batch trisolve: mixed dtypes")
		}
		batchTriSolveKernel(op.trans, out.Data().([]float32), ld, rd, s, d)
	default:
		return fmt.Errorf("batch trisolve: unsupported dtype %v", l.Dtype())
	}
	return nil
}

func batchTriSolveKernel[T float32 | float64](trans bool, dst, l, r []T, s, d int) {
	per := len(r) / s
	for i := 0; i < s; i++ {
		triSolveKernel(trans, dst[i*per:(i+1)*per], l[i*d*d:(i+1)*d*d], r[i*per:(i+1)*per], d)
	}
}

func (op *batchTriSolveOp) ReturnsPtr() bool     { return false }
func (op *batchTriSolveOp) CallsExtern() bool    { return false }
func (op *batchTriSolveOp) OverwritesInput() int { return -1 }
func (op *batchTriSolveOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.batchtrisolve(trans=%v)", op.trans)
}
func (op *batchTriSolveOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *batchTriSolveOp) String() string {
	return fmt.Sprintf("batchTriSolve(trans=%v)", op.trans)
}
func (op *batchTriSolveOp) DiffWRT(n int) []bool { return []bool{true, true} }

// SymDiff: per batch s, as for SolveLower and SolveLowerT,
//
//	trans = false:  A_s = G_s L_s⁻¹,  ∂/∂R_s = A_s,  ∂/∂L_s = -tril(A_sᵀ E_s)
//	trans = true:   A_s = G_s L_s⁻ᵀ,  ∂/∂R_s = A_s,  ∂/∂L_s = -tril(E_sᵀ A_s)
func (op *batchTriSolveOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return symDiff(in, out, grad, func(b *Builder, in []*Node, e, g *Node) []*Node {
		l := in[0]
		es := e.Shape()
		s, n, d := es[0], es[1], es[2]
		mask := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j <= i; j++ {
				mask[i*d+j] = 1
			}
		}
		a := b.batchTriSolve(!op.trans, l, g)
		left, right := a, e
		if op.trans {
			left, right = e, a
		}
		outer := b.Mul(b.Reshape(left, s, n, d, 1), b.Reshape(right, s, n, 1, d)) // (S, N, D, D)
		gl := b.Neg(b.Sum(outer, 1))
		return []*Node{b.Mul(gl, b.Constant("batchtrisolve.tril", mask, d, d)), a}
	})
}
