package bbvi

import (
	"errors"
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// The start of a fit. Adam's steps are of a fixed size in every coordinate, so
// from ζ = 0 with unit sds a coefficient whose posterior sits at 3000 (a
// predictor measured in thousandths) takes 10⁵ steps to reach, and along a
// narrow valley (strongly correlated predictors) the means crawl. A Laplace
// approximation at the mode of the log joint in the unconstrained space —
// the mode by L-BFGS (gonum's optimize), the precision by finite differences
// of the gradient — puts q at the right place and scale from the first step;
// for a Gaussian posterior it is the answer. Where the mode does not exist or
// misleads (a hierarchical scale running to zero, a funnel), the Laplace start
// has a poor ELBO; so the fit estimates the ELBO of both starts, the Laplace
// one and the default N(0, I), and keeps the better — a small version of
// Pathfinder's choice among candidate starts (Zhang et al. 2022,
// arXiv:2108.03782).

// maxLaplaceDim bounds the dimension for which the Hessian is computed (2·dim
// gradient evaluations); above it the start uses the mode with unit sds.
const maxLaplaceDim = 300

// maxLaplaceRows bounds the data rows of the mode's graph (one draw per row).
const maxLaplaceRows = 1 << 21

// modeGraph evaluates the log joint in the unconstrained space and its
// gradient at one point ζ, over all the data.
type modeGraph struct {
	m     *graph.Machine
	zeta  *graph.Node
	lj    *graph.Node
	grad  *graph.Node
	dim   int
	evals int
	// chunks evaluates over a RowSource in chunks of rows (nil: the Data).
	chunks *chunkedMode
}

func (f *fitter) newModeGraph() (*modeGraph, error) {
	if f.n > maxLaplaceRows {
		return nil, fmt.Errorf("%d data rows (at most %d)", f.n, maxLaplaceRows)
	}
	if f.stream != nil {
		return f.newChunkedModeGraph()
	}
	b := graph.NewBuilder(graph.Float64)
	g := &modeGraph{dim: f.dim}
	g.zeta = b.Param("zeta", nil, 1, f.dim)
	p := &Problem{B: b, Model: f.model, Latents: f.latents, Scale: 1, rows: f.n}
	z, logdet := p.Constrain(g.zeta)
	lj := p.calls.logPrior(b, f.model, z, 1, f.n, false)
	if b.Err() != nil || lj == nil {
		return nil, fmt.Errorf("log prior: %v", p.calls.wrap(b.Err()))
	}
	var din *dataInputs
	if len(f.data) > 0 {
		din = newDataInputs(b, f.data, f.n)
		if ll, _ := p.calls.logLikelihood(b, f.model, z, din.x, 1, f.n); ll != nil {
			lj = b.Add(lj, ll)
		}
	}
	if logdet != nil {
		lj = b.Add(lj, logdet)
	}
	if b.Err() != nil {
		return nil, b.Err()
	}
	if lj.Dims() != 1 || lj.Shape()[0] != 1 {
		return nil, fmt.Errorf("log joint of shape %v for one draw", lj.Shape())
	}
	g.lj = b.Sum(lj)
	gr := b.Grad(g.lj, g.zeta)
	if b.Err() != nil {
		return nil, b.Err()
	}
	g.grad = gr[0]
	m, err := b.Compile()
	if err != nil {
		return nil, err
	}
	g.m = m
	if din != nil {
		err := din.setGlobals()
		if err == nil {
			err = din.setRange(0)
		}
		if err != nil {
			m.Close()
			return nil, err
		}
	}
	return g, nil
}

// eval returns the log joint at x and writes its gradient into grad (if not
// nil); a failing run or a non-finite value gives -Inf.
func (g *modeGraph) eval(x, grad []float64) float64 {
	g.evals++
	if g.chunks != nil {
		return g.chunks.eval(x, grad)
	}
	if graph.Set(g.zeta, x) != nil || g.m.Run() != nil {
		return math.Inf(-1)
	}
	v := graph.Scalar64(g.lj)
	if grad != nil {
		copy(grad, graph.Values(g.grad))
	}
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	return v
}

// laplace returns the mode of the log joint in the unconstrained space and,
// for dim ≤ maxLaplaceDim, the precision there (nil when it is not positive
// definite or not computed).
func (f *fitter) laplace() (mode, prec []float64, err error) {
	g, err := f.newModeGraph()
	if err != nil {
		return nil, nil, err
	}
	defer g.close()
	d := f.dim
	prob := optimize.Problem{
		Func: func(x []float64) float64 { return -g.eval(x, nil) },
		Grad: func(grad, x []float64) {
			g.eval(x, grad)
			for i := range grad {
				grad[i] = -grad[i]
			}
		},
	}
	x0 := make([]float64, d)
	if f.set.InitMean != nil {
		copy(x0, f.set.InitMean)
	}
	if v := g.eval(x0, nil); math.IsInf(v, 0) {
		return nil, nil, errors.New("the log joint is not finite at the start")
	}
	// Newton's method with the finite-difference Hessian first: on a
	// log-concave posterior (the GLMs) it converges in a few steps whatever
	// the scales of the predictors, where L-BFGS, scale-sensitive, can spend
	// thousands of evaluations (predictors of scales 0.01 to 100: 1000
	// iterations without converging). Where Newton fails (a Hessian that is
	// not negative definite, away from a mode) L-BFGS takes over, and Newton
	// then polishes its answer.
	mode, prec, ok := newton(g, x0, 30)
	if !ok {
		res, err := optimize.Minimize(prob, x0, &optimize.Settings{
			MajorIterations: 1000, FuncEvaluations: 5000,
			Converger: &optimize.FunctionConverge{Relative: 1e-10, Absolute: 1e-10, Iterations: 10},
		}, &optimize.LBFGS{})
		if res == nil {
			return nil, nil, err
		}
		mode = res.X
		if !finite(mode) || math.IsInf(res.F, 0) || math.IsNaN(res.F) {
			return nil, nil, errors.New("no finite mode")
		}
		if d > maxLaplaceDim {
			return mode, nil, nil
		}
		mode, prec, _ = newton(g, mode, 10)
	}
	if prec == nil {
		return mode, nil, nil
	}
	if g.chunks != nil {
		// A streamed fit: from the sample's mode to the full data's.
		mode = g.chunks.polish(mode, prec)
	}
	return mode, prec, nil
}

// hessianPrec returns minus the symmetrized finite-difference Hessian of the
// log joint at x (the precision of a Laplace approximation there) and its
// Cholesky factor; ok is false when it is not finite or not positive
// definite.
func hessianPrec(g *modeGraph, x []float64) (prec []float64, ch *mat.Cholesky, ok bool) {
	d := len(x)
	hess := mat.NewDense(d, d, nil)
	fd.Jacobian(hess, func(y, x []float64) {
		g.eval(x, y)
	}, x, &fd.JacobianSettings{Formula: fd.Central})
	prec = make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			prec[i*d+j] = -0.5 * (hess.At(i, j) + hess.At(j, i))
		}
	}
	ch = new(mat.Cholesky)
	if !finite(prec) || !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), prec...))) {
		return prec, nil, false
	}
	return prec, ch, true
}

// newton maximizes the log joint from x by at most iters Newton steps with
// the finite-difference Hessian (see newtonAscent), for dimensions up to
// maxLaplaceDim.
func newton(g *modeGraph, x []float64, iters int) (mode, prec []float64, ok bool) {
	if len(x) > maxLaplaceDim {
		return append([]float64(nil), x...), nil, false
	}
	precAt := func(x []float64) ([]float64, *mat.Cholesky, bool) { return hessianPrec(g, x) }
	return newtonAscent(g.eval, precAt, x, iters, 1e-8, 1e-6)
}

// newtonAscent maximizes f from x by at most iters Newton steps x += P⁻¹∇f,
// P = precAt(x) (minus the Hessian, and its Cholesky factor), each with a
// backtracking line search that halves the step down to minStep until f
// rises. eval returns f at x and writes its gradient into grad. It returns
// the point reached and the precision there, and ok when it converged: the
// Newton decrement ∇fᵀP⁻¹∇f/2 below tol at a positive definite P. A
// non-finite f or gradient, or a P that is not positive definite, ends it
// with prec nil; a step the line search cannot use ends it with ok false.
func newtonAscent(eval func(x, grad []float64) float64, precAt func(x []float64) ([]float64, *mat.Cholesky, bool),
	x []float64, iters int, tol, minStep float64) (mode, prec []float64, ok bool) {
	d := len(x)
	mode = append([]float64(nil), x...)
	grad := make([]float64, d)
	g1 := make([]float64, d)
	trial := make([]float64, d)
	step := mat.NewVecDense(d, nil)
	f0 := eval(mode, grad)
	for it := 0; ; it++ {
		if math.IsInf(f0, 0) || math.IsNaN(f0) || !finite(grad) {
			return mode, nil, false
		}
		p, ch, pd := precAt(mode)
		if !pd {
			return mode, nil, false
		}
		if err := ch.SolveVecTo(step, mat.NewVecDense(d, grad)); err != nil {
			return mode, nil, false
		}
		if mat.Dot(step, mat.NewVecDense(d, grad))/2 < tol {
			return mode, p, true
		}
		if it == iters {
			return mode, p, false
		}
		moved := false
		for t := 1.0; t > minStep; t /= 2 {
			for i := range trial {
				trial[i] = mode[i] + t*step.AtVec(i)
			}
			if f := eval(trial, g1); f > f0 {
				copy(mode, trial)
				copy(grad, g1)
				f0, moved = f, true
				break
			}
		}
		if !moved {
			return mode, p, false
		}
	}
}
