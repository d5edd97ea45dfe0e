package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"runtime"
	"unsafe"

	"github.com/chewxy/hm"
	"github.com/vigor-ml/vigor/internal/blas32"
	"github.com/vigor-ml/vigor/internal/blas64"
	"github.com/vigor-ml/vigor/internal/vmath"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GLMKind is the observation model of a generalized linear model likelihood
// (see Builder.GLMLogLik).
type GLMKind uint8

// The observation models of GLMLogLik. The zero GLMKind is invalid.
const (
	// GLMGaussian: y_i ~ Normal(η_i, σ²), identity link; σ is required.
	GLMGaussian GLMKind = 1 + iota
	// GLMLogistic: y_i ∈ {0, 1} ~ Bernoulli(sigmoid(η_i)), logit link.
	GLMLogistic
	// GLMPoisson: y_i ∈ {0, 1, 2, …} ~ Poisson(exp(η_i)), log link.
	GLMPoisson
)

// String returns "gaussian", "logistic", "poisson" or "GLMKind(n)".
func (k GLMKind) String() string {
	switch k {
	case GLMGaussian:
		return "gaussian"
	case GLMLogistic:
		return "logistic"
	case GLMPoisson:
		return "poisson"
	}
	return fmt.Sprintf("GLMKind(%d)", uint8(k))
}

// glmBlockRows is the number of rows of one block of the fused GLM
// likelihood. The blocks are the same whatever the number of cores, and
// their partial sums are added in block order, so the result does not
// depend on how many goroutines computed them.
const glmBlockRows = 512

// glmParMin is the work (multiply-adds of η, B·D·S) from which the blocks
// are computed by several goroutines: below it, waking a parked goroutine
// and sharing the partial sums costs more than it saves (the 400-row, 6
// coefficient problem is about 2·10⁴).
var glmParMin = 1 << 18

// GLMLogLik returns the log-likelihood of a generalized linear model for S
// draws of its coefficients at once, shape (S):
//
//	ll_s = Σ_i log p(y_i | η_si),   η_si = Σ_j X_ij·β_sj + a_s
//
// with the observation model kind: GLMGaussian, log N(y_i; η_si, σ_s²);
// GLMLogistic, y_i·η_si − log(1 + e^η_si); GLMPoisson, y_i·η_si − e^η_si −
// log y_i!.
//
// Shapes: X is (B, D), the B rows of the data with D features; y is (B) or
// (B, 1); beta is (S, D); intercept is (S) or (S, 1), or nil for none; sigma
// (GLMGaussian only, else nil) is a scalar or (S) or (S, 1), positive.
//
// It is computed by one fused operation that passes over the data once,
// block by block of rows: the linear predictor (a matrix product with
// Vigor's own kernels, internal/blas64 and blas32, whatever the Builder's
// BLAS), the log-likelihood and its derivative in η
// (float64: internal/vmath's vector kernels), and, from them, the gradient
// of ll with respect to beta, the intercept and sigma (a second product),
// which the graph's gradient then only scales. Blocks are computed on
// several cores for large B·D·S; the block decomposition and the order of
// the sums are fixed, so the result is the same bits on any number of
// cores. The values agree with the unfused expressions (MatMul, Add,
// NormalLogProb / BernoulliLogitsLogProb, Sum) up to the rounding of the
// sums.
//
// X and y are data: no gradient flows into them (they are inputs, or
// computed from inputs only). For a design matrix that depends on
// parameters, write the likelihood with the unfused expressions. Other
// shapes, a missing or unexpected sigma, or an invalid kind are reported
// through b.
func (b *Builder) GLMLogLik(kind GLMKind, X, y, beta, intercept, sigma *Node) *Node {
	if !b.ok(X, y, beta) {
		return nil
	}
	if kind < GLMGaussian || kind > GLMPoisson {
		b.Failf("graph: GLMLogLik: invalid kind %v", kind)
		return nil
	}
	xs, ys, bs := X.Shape(), y.Shape(), beta.Shape()
	if len(xs) != 2 || len(bs) != 2 || xs[1] != bs[1] {
		b.Failf("graph: GLMLogLik: X %v and beta %v: want (B, D) and (S, D)", xs, bs)
		return nil
	}
	n, d, s := xs[0], xs[1], bs[0]
	if !(sameShape(ys, []int{n}) || sameShape(ys, []int{n, 1})) {
		b.Failf("graph: GLMLogLik: y has shape %v, want (%d) or (%d, 1)", ys, n, n)
		return nil
	}
	op := &glmOp{kind: kind, n: n, d: d, s: s}
	ins := []*Node{X, y, beta}
	perDraw := func(v *Node) bool {
		vs := v.Shape()
		return sameShape(vs, []int{s}) || sameShape(vs, []int{s, 1})
	}
	if intercept != nil {
		if !b.ok(intercept) {
			return nil
		}
		if !perDraw(intercept) {
			b.Failf("graph: GLMLogLik: intercept has shape %v, want (%d) or (%d, 1)", intercept.Shape(), s, s)
			return nil
		}
		op.intercept = true
		ins = append(ins, intercept)
	}
	switch {
	case kind == GLMGaussian && sigma == nil:
		b.Failf("graph: GLMLogLik: the Gaussian likelihood needs sigma")
		return nil
	case kind != GLMGaussian && sigma != nil:
		b.Failf("graph: GLMLogLik: sigma given for the %v likelihood", kind)
		return nil
	case sigma != nil:
		if !b.ok(sigma) {
			return nil
		}
		if !sigma.IsScalar() && !perDraw(sigma) {
			b.Failf("graph: GLMLogLik: sigma has shape %v, want a scalar, (%d) or (%d, 1)", sigma.Shape(), s, s)
			return nil
		}
		op.sigma = 1
		if !sigma.IsScalar() {
			op.sigma = 2
		}
		ins = append(ins, sigma)
	}
	for _, v := range ins {
		op.dims = append(op.dims, v.Dims())
	}
	p, err := G.ApplyOp(op, gnodes(ins)...)
	packed := b.keep("GLMLogLik", p, err)
	value := b.Cols(packed, 0, 1)
	if value != nil {
		op.value = value.n
		b.glms = append(b.glms, op)
	}
	return b.Reshape(value, s)
}

// glmOp computes, for each draw s, the packed row
//
//	[ll_s, ∂ll_s/∂β_s1 … ∂ll_s/∂β_sD, (∂ll_s/∂a_s), (∂ll_s/∂σ_s)]
//
// of width 1 + D + [intercept] + [sigma]: the log-likelihood and its
// gradient, which SymDiff scales by the incoming gradient of column 0 (the
// only column that GLMLogLik exposes, so the others receive no gradient).
type glmOp struct {
	kind      GLMKind
	n, d, s   int
	intercept bool
	sigma     int     // 0 none, 1 scalar, 2 per draw
	dims      []int   // input ranks, for Type
	value     *G.Node // the log-likelihood column, the only one exposed
	skip      bool    // this run skips the log-likelihood (Machine.RunGradients)

	st64 *glmState[float64]
	st32 *glmState[float32]
}

// width returns the number of columns of the packed output.
func (op *glmOp) width() int {
	w := 1 + op.d
	if op.intercept {
		w++
	}
	if op.sigma != 0 {
		w++
	}
	return w
}

func (op *glmOp) Arity() int { return len(op.dims) }
func (op *glmOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(op.dims)+1)
	for _, d := range op.dims {
		if d == 0 {
			ts = append(ts, a)
		} else {
			ts = append(ts, G.TensorType{Dims: d, Of: a})
		}
	}
	ts = append(ts, G.TensorType{Dims: 2, Of: a})
	return hm.NewFnType(ts...)
}
func (op *glmOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.s, op.width()}, nil
}

func (op *glmOp) Do(vals ...G.Value) (G.Value, error) {
	x, ok := vals[0].(tensor.Tensor)
	if !ok {
		return nil, errors.New("glm: X is not a tensor")
	}
	out := tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(op.s, op.width()))
	return out, op.into(out, vals)
}

// UsePreallocDo writes into the node's own buffer.
func (op *glmOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	x, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || out.Dtype() != x.Dtype() || out.Shape().TotalSize() != op.s*op.width() {
		return op.Do(vals...)
	}
	return out, op.into(out, vals)
}

// glmData returns the backing slice of a tensor value, or a scalar's value
// in buf[:1].
func glmData[T float32 | float64](v G.Value, buf *[1]T) ([]T, error) {
	var z T
	switch any(z).(type) {
	case float64:
		if s, ok := floats64(v); ok {
			return *(*[]T)(unsafe.Pointer(&s)), nil // T is float64
		}
	case float32:
		if s, ok := floats32(v); ok {
			return *(*[]T)(unsafe.Pointer(&s)), nil // T is float32
		}
	}
	switch d := v.(type) {
	case tensor.Tensor:
		return nil, fmt.Errorf("glm: value of dtype %v", d.Dtype())
	case *G.F64:
		buf[0] = T(*d)
		return buf[:], nil
	case *G.F32:
		buf[0] = T(*d)
		return buf[:], nil
	}
	return nil, fmt.Errorf("glm: unsupported value %T", v)
}

func (op *glmOp) into(out tensor.Tensor, vals []G.Value) error {
	if dst, ok := floats64(out); ok {
		if op.st64 == nil {
			op.st64 = &glmState[float64]{op: op}
		}
		return op.st64.run(dst, vals)
	}
	if dst, ok := floats32(out); ok {
		if op.st32 == nil {
			op.st32 = &glmState[float32]{op: op}
		}
		return op.st32.run(dst, vals)
	}
	return fmt.Errorf("glm: unsupported dtype %v", out.Dtype())
}

func (op *glmOp) ReturnsPtr() bool     { return false }
func (op *glmOp) CallsExtern() bool    { return false }
func (op *glmOp) OverwritesInput() int { return -1 }
func (op *glmOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.glm(%v,%d,%d,%d,%v,%d)", op.kind, op.n, op.d, op.s, op.intercept, op.sigma)
}
func (op *glmOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *glmOp) String() string { return fmt.Sprintf("glm-%v", op.kind) }

// DiffWRT: X and y are data; beta, the intercept and sigma are
// differentiable.
func (op *glmOp) DiffWRT(n int) []bool {
	out := make([]bool, n)
	for i := 2; i < n; i++ {
		out[i] = true
	}
	return out
}

// SymDiff scales the gradient columns computed by the forward pass by the
// incoming gradient of column 0: ∂L/∂β_sj = g_s·∂ll_s/∂β_sj, and so on; a
// scalar sigma gets Σ_s g_s·∂ll_s/∂σ.
func (op *glmOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	b := builderFor(in[0])
	o, g := b.node(out), b.node(grad)
	g0 := b.Cols(g, 0, 1) // (S, 1)
	res := make(G.Nodes, len(in))
	col := 1
	take := func(w int) *Node {
		v := b.Mul(b.Cols(o, col, col+w), g0)
		col += w
		return v
	}
	if d := take(op.d); d != nil {
		res[2] = d.n
	}
	k := 3
	if op.intercept {
		if d := b.Reshape(take(1), in[k].Shape()...); d != nil {
			res[k] = d.n
		}
		k++
	}
	if op.sigma != 0 {
		d := take(1)
		if op.sigma == 1 {
			d = b.Sum(d)
		} else {
			d = b.Reshape(d, in[k].Shape()...)
		}
		if d != nil {
			res[k] = d.n
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	return res, nil
}

// glmState is the working memory of a glmOp for one float type, allocated
// on the first run and reused.
type glmState[T float32 | float64] struct {
	op *glmOp

	// The current run's inputs.
	x, y, beta, icpt, sig []T
	scalar                [1]T // a scalar sigma

	blocks int
	part   []float64 // per block: S rows of the packed width
	ws     []*glmWork[T]
	lgY    []float64 // Poisson: log y_i! for the cached y
	lgSrc  []T       // the y that lgY belongs to
	lgOK   []bool
}

// glmWork is the scratch of one worker: a block's η, log-likelihoods,
// derivatives in η, replicated y, and X-block·r product.
type glmWork[T float32 | float64] struct {
	eta, ll, r, yrep []T
	gT               []T
	acc              []float64
}

func (st *glmState[T]) run(dst []T, vals []G.Value) error {
	op := st.op
	var err error
	get := func(i int) []T {
		if err != nil {
			return nil
		}
		var s []T
		s, err = glmData(vals[i], &st.scalar)
		return s
	}
	st.x, st.y, st.beta = get(0), get(1), get(2)
	k := 3
	st.icpt, st.sig = nil, nil
	if op.intercept {
		st.icpt = get(k)
		k++
	}
	if op.sigma != 0 {
		st.sig = get(k)
	}
	if err != nil {
		return err
	}
	if len(st.x) != op.n*op.d || len(st.y) != op.n || len(st.beta) != op.s*op.d {
		return fmt.Errorf("glm: inputs of %d, %d and %d values for B = %d, D = %d, S = %d", len(st.x), len(st.y), len(st.beta), op.n, op.d, op.s)
	}
	w := op.width()
	st.blocks = (op.n + glmBlockRows - 1) / glmBlockRows
	if len(st.part) != st.blocks*op.s*w {
		st.part = make([]float64, st.blocks*op.s*w)
	}
	if op.kind == GLMPoisson && st.lgY == nil {
		st.lgY = make([]float64, op.n)
		st.lgSrc = make([]T, op.n)
		st.lgOK = make([]bool, op.n)
	}
	workers := 1
	if st.blocks > 1 && op.n*op.d*op.s >= glmParMin {
		workers = min(runtime.GOMAXPROCS(0), st.blocks)
	}
	for len(st.ws) < workers {
		rows := min(glmBlockRows, op.n)
		st.ws = append(st.ws, &glmWork[T]{
			eta: make([]T, rows*op.s), ll: make([]T, rows*op.s), r: make([]T, rows*op.s),
			yrep: make([]T, rows*op.s), gT: make([]T, op.d*op.s), acc: make([]float64, 2*op.s),
		})
	}
	runTasks(st.blocks, workers, st)
	st.finish(dst)
	return nil
}

// gemm calls the float type's matrix product (Vigor's kernels: the same bits
// on every CPU for float64).
func gemm[T float32 | float64](tA, tB blas.Transpose, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float64:
		blas64.Dgemm(tA, tB, m, n, k, 1, a, lda, any(b).([]float64), ldb, 0, any(c).([]float64), ldc)
	case []float32:
		blas32.Sgemm(tA, tB, m, n, k, 1, a, lda, any(b).([]float32), ldb, 0, any(c).([]float32), ldc)
	}
}

// runTask computes block t: its rows' η, log-likelihoods and derivatives,
// and its partial sums, into part[t].
func (st *glmState[T]) runTask(worker, t int) {
	op := st.op
	S, D, w := op.s, op.d, op.width()
	r0 := t * glmBlockRows
	rows := min(glmBlockRows, op.n-r0)
	ws := st.ws[worker]
	m := rows * S
	eta, ll, r, yrep := ws.eta[:m], ws.ll[:m], ws.r[:m], ws.yrep[:m]
	x := st.x[r0*D : (r0+rows)*D]
	y := st.y[r0 : r0+rows]

	// η = X·βᵀ (+ a), and y repeated across the draws.
	if S == 1 {
		matVec(eta, x, st.beta[:D])
	} else {
		gemm(blas.NoTrans, blas.Trans, rows, S, D, x, D, st.beta, D, eta, S)
	}
	if op.intercept {
		addRows(eta, st.icpt[:S])
	}
	// Per element: ll and r = ∂ll/∂η (Gaussian: ll = e², r = e = y - η).
	if op.skip && op.kind != GLMGaussian {
		glmResiduals(op.kind, r, y, eta, S)
	} else {
		fillRows(yrep, y, S)
		glmElementwise(op.kind, ll, r, yrep, eta)
	}

	// Column sums of ll and r, row after row.
	llSum, rSum := ws.acc[:S:S], ws.acc[S:2*S:2*S]
	clear(ws.acc)
	if !op.skip {
		colSums(llSum, ll)
	}
	colSums(rSum, r)
	if op.kind == GLMPoisson && !op.skip {
		var lg float64
		for i, v := range y {
			j := r0 + i
			if !st.lgOK[j] || st.lgSrc[j] != v {
				st.lgY[j], _ = math.Lgamma(float64(v) + 1)
				st.lgSrc[j], st.lgOK[j] = v, true
			}
			lg += st.lgY[j]
		}
		for s := range llSum {
			llSum[s] -= lg
		}
	}
	// ∂ll/∂β = rᵀ·X, computed as Xᵀ·r (D×S).
	if S == 1 {
		vecMat(ws.gT, r, x)
	} else {
		gemm(blas.Trans, blas.NoTrans, D, S, rows, x, D, r, S, ws.gT, S)
	}

	p := st.part[t*S*w : (t+1)*S*w]
	for s := 0; s < S; s++ {
		row := p[s*w : (s+1)*w]
		row[0] = llSum[s]
		for j := 0; j < D; j++ {
			row[1+j] = float64(ws.gT[j*S+s])
		}
		if op.intercept {
			row[1+D] = rSum[s]
		}
	}
}

// matVec sets y = X·b for X with len(b) columns, for one draw (S = 1, as in
// the Laplace start's mode search), where a 6×8 gemm tile would be 7/8
// padding: four rows at a time, each a chain of fused multiply-adds in
// column order (math.FMA for float64, the same bits on every CPU).
func matVec[T float32 | float64](y, x, b []T) {
	d := len(b)
	i := 0
	for ; i+4 <= len(y); i += 4 {
		x0 := x[i*d : i*d+d : i*d+d]
		x1 := x[(i+1)*d : (i+1)*d+d : (i+1)*d+d]
		x2 := x[(i+2)*d : (i+2)*d+d : (i+2)*d+d]
		x3 := x[(i+3)*d : (i+3)*d+d : (i+3)*d+d]
		var a0, a1, a2, a3 T
		for j, bj := range b[:len(x0)] {
			a0 = fma(x0[j], bj, a0)
			a1 = fma(x1[j], bj, a1)
			a2 = fma(x2[j], bj, a2)
			a3 = fma(x3[j], bj, a3)
		}
		y[i], y[i+1], y[i+2], y[i+3] = a0, a1, a2, a3
	}
	for ; i < len(y); i++ {
		var a T
		for j, v := range x[i*d : i*d+d] {
			a = fma(v, b[j], a)
		}
		y[i] = a
	}
}

// vecMat sets g = Xᵀ·r for X with len(g) columns and len(r) rows (S = 1),
// each g_j a chain of fused multiply-adds in row order.
func vecMat[T float32 | float64](g, r, x []T) {
	d := len(g)
	clear(g)
	for i, ri := range r {
		row := x[i*d : i*d+d : i*d+d]
		for j, v := range row {
			g[j] = fma(ri, v, g[j])
		}
	}
}

// fma returns a·b + c rounded once: math.FMA for float64 (an FMA instruction
// where the CPU has one, the same bits in software elsewhere); for float32,
// the float64 FMA of the exact float32 product, rounded to float32 (also
// the same on every CPU).
func fma[T float32 | float64](a, b, c T) T {
	return T(math.FMA(float64(a), float64(b), float64(c)))
}

// addRows adds a to every row of e (rows of len(a)). The common numbers of
// draws, 8 and 1, have unrolled loops.
func addRows[T float32 | float64](e, a []T) {
	switch len(a) {
	case 8:
		av := (*[8]T)(a)
		for i := 0; i+8 <= len(e); i += 8 {
			r := (*[8]T)(e[i:])
			r[0] += av[0]
			r[1] += av[1]
			r[2] += av[2]
			r[3] += av[3]
			r[4] += av[4]
			r[5] += av[5]
			r[6] += av[6]
			r[7] += av[7]
		}
	case 1:
		v := a[0]
		for i := range e {
			e[i] += v
		}
	default:
		for i := 0; i+len(a) <= len(e); i += len(a) {
			r := e[i : i+len(a) : i+len(a)]
			for s, v := range a[:len(r)] {
				r[s] += v
			}
		}
	}
}

// fillRows sets row i of dst (rows of s values) to y[i].
func fillRows[T float32 | float64](dst, y []T, s int) {
	switch s {
	case 8:
		for i, v := range y {
			*(*[8]T)(dst[8*i:]) = [8]T{v, v, v, v, v, v, v, v}
		}
	case 1:
		copy(dst, y)
	default:
		for i, v := range y {
			r := dst[i*s : i*s+s : i*s+s]
			for k := range r {
				r[k] = v
			}
		}
	}
}

// colSums adds the rows of x (rows of len(sum) values) into sum, in row
// order, in float64.
func colSums[T float32 | float64](sum []float64, x []T) {
	switch len(sum) {
	case 8:
		sv := (*[8]float64)(sum)
		s0, s1, s2, s3, s4, s5, s6, s7 := sv[0], sv[1], sv[2], sv[3], sv[4], sv[5], sv[6], sv[7]
		for i := 0; i+8 <= len(x); i += 8 {
			r := (*[8]T)(x[i:])
			s0 += float64(r[0])
			s1 += float64(r[1])
			s2 += float64(r[2])
			s3 += float64(r[3])
			s4 += float64(r[4])
			s5 += float64(r[5])
			s6 += float64(r[6])
			s7 += float64(r[7])
		}
		*sv = [8]float64{s0, s1, s2, s3, s4, s5, s6, s7}
	case 1:
		v := sum[0]
		for _, x := range x {
			v += float64(x)
		}
		sum[0] = v
	default:
		for i := 0; i+len(sum) <= len(x); i += len(sum) {
			r := x[i : i+len(sum) : i+len(sum)]
			for k, v := range r {
				sum[k] += float64(v)
			}
		}
	}
}

// glmResiduals sets r = y - μ(η) for one block of rows × S values (y has
// one value per row), μ the mean function (sigmoid or exp): the r of
// glmElementwise, bit for bit, without the log-likelihoods (see
// Machine.RunGradients).
func glmResiduals[T float32 | float64](kind GLMKind, r, y, eta []T, S int) {
	switch r := any(r).(type) {
	case []float64:
		if kind == GLMLogistic {
			vmath.Sigmoid64s(r, any(eta).([]float64))
		} else {
			vmath.Exp64s(r, any(eta).([]float64))
		}
	case []float32:
		if kind == GLMLogistic {
			vmath.Sigmoid(r, any(eta).([]float32))
		} else {
			vmath.Exp(r, any(eta).([]float32))
		}
	}
	for k, v := range y {
		row := r[k*S : (k+1)*S]
		for s := range row {
			row[s] = v - row[s]
		}
	}
}

// glmElementwise sets ll and r from y and η for one block.
func glmElementwise[T float32 | float64](kind GLMKind, ll, r, y, eta []T) {
	switch kind {
	case GLMGaussian:
		for i, v := range eta {
			e := y[i] - v
			r[i] = e
			ll[i] = T(e * e)
		}
	case GLMLogistic:
		switch ll := any(ll).(type) {
		case []float64:
			vmath.Logistic64s(ll, any(r).([]float64), any(y).([]float64), any(eta).([]float64))
		case []float32:
			r, y, eta := any(r).([]float32), any(y).([]float32), any(eta).([]float32)
			vmath.BernoulliLogits(ll, y, eta)
			vmath.Sigmoid(r, eta)
			for i, v := range r {
				r[i] = y[i] - v
			}
		}
	case GLMPoisson:
		switch ll := any(ll).(type) {
		case []float64:
			vmath.Poisson64s(ll, any(r).([]float64), any(y).([]float64), any(eta).([]float64))
		case []float32:
			r, y, eta := any(r).([]float32), any(y).([]float32), any(eta).([]float32)
			vmath.Exp(r, eta)
			for i, e := range r {
				ll[i] = float32(y[i]*eta[i]) - e
				r[i] = y[i] - e
			}
		}
	}
}

// finish adds the blocks' partial sums in block order and writes the packed
// output; for the Gaussian it turns the sums of squares and residuals into
// the log-likelihood and its gradient.
func (st *glmState[T]) finish(dst []T) {
	op := st.op
	S, D, w := op.s, op.d, op.width()
	n := float64(op.n)
	for s := 0; s < S; s++ {
		row := dst[s*w : (s+1)*w]
		for c := 0; c < w; c++ {
			var v float64
			for t := 0; t < st.blocks; t++ {
				v += st.part[(t*S+s)*w+c]
			}
			row[c] = T(v)
			if op.kind == GLMGaussian {
				// Keep the total in float64 for the formulas below, in block
				// 0's slot of (s, c), which no later sum reads.
				st.part[s*w+c] = v
			}
		}
		if op.kind != GLMGaussian {
			continue
		}
		// ll = -½·SSR/σ² - B·(log σ + ½ log 2π); ∂β = Xᵀe/σ²; ∂a = Σe/σ²;
		// ∂σ = SSR/σ³ - B/σ.
		tr := st.part[s*w : (s+1)*w]
		sig := float64(st.sig[0])
		if op.sigma == 2 {
			sig = float64(st.sig[s])
		}
		v := sig * sig
		ssr := tr[0]
		row[0] = T(float64(-0.5*(ssr/v)) - float64(n*(math.Log(sig)+0.5*log2Pi)))
		for j := 0; j < D; j++ {
			row[1+j] = T(tr[1+j] / v)
		}
		c := 1 + D
		if op.intercept {
			row[c] = T(tr[c] / v)
			c++
		}
		row[c] = T(ssr/(v*sig) - n/sig)
	}
}
