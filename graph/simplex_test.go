package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestStickBreakingRoundTrip(t *testing.T) {
	sb := StickBreaking{}
	for _, m := range []int{1, 2, 4, 7} {
		rng := rand.New(rand.NewPCG(21, uint64(m)))
		for rep := 0; rep < 50; rep++ {
			x := randRow(rng, m)
			w := make([]float64, sb.OutDim(m))
			sb.Forward64(w, x)
			var sum float64
			for _, v := range w {
				if !(v > 0) {
					t.Fatalf("K=%d: Forward64(%v) = %v has a non-positive value", m+1, x, w)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-14 {
				t.Errorf("K=%d: Forward64(%v) sums to %.17g", m+1, x, sum)
			}
			back := make([]float64, m)
			if err := sb.Inverse64(back, w); err != nil {
				t.Fatalf("K=%d: Inverse64(%v): %v", m+1, w, err)
			}
			for i := range x {
				if math.Abs(back[i]-x[i]) > 1e-10*math.Max(1, math.Abs(x[i])) {
					t.Errorf("K=%d: round trip of %v gave %v", m+1, x, back)
					break
				}
			}
		}
	}
	// Zero maps to the uniform point, and back.
	w := make([]float64, 5)
	sb.Forward64(w, make([]float64, 4))
	for i, v := range w {
		if math.Abs(v-0.2) > 1e-15 {
			t.Errorf("Forward64(0)[%d] = %v, want 0.2", i, v)
		}
	}
	y := make([]float64, 4)
	if err := sb.Inverse64(y, []float64{0.25, 0.25, 0.25, 0.25, 0}); err == nil {
		t.Error("Inverse64 accepted a zero weight")
	}
	if err := sb.Inverse64(y, []float64{0.3, 0.3, 0.3, 0.3, 0.3}); err == nil {
		t.Error("Inverse64 accepted weights summing to 1.5")
	}
	if err := sb.Inverse64(y, []float64{0.2, 0.2, math.NaN(), 0.2, 0.2}); err == nil {
		t.Error("Inverse64 accepted a NaN")
	}
}

// TestStickBreakingJacobian compares LogDetJacobian64 with the log|det| of a
// central-difference Jacobian of the first K-1 outputs of Forward64.
func TestStickBreakingJacobian(t *testing.T) {
	const h = 1e-6
	sb := StickBreaking{}
	for _, m := range []int{1, 2, 3, 6} {
		rng := rand.New(rand.NewPCG(22, uint64(m)))
		for rep := 0; rep < 10; rep++ {
			x := randRow(rng, m)
			jac := mat.NewDense(m, m, nil)
			yp, ym := make([]float64, m+1), make([]float64, m+1)
			for k := range x {
				old := x[k]
				x[k] = old + h
				sb.Forward64(yp, x)
				x[k] = old - h
				sb.Forward64(ym, x)
				x[k] = old
				for r := 0; r < m; r++ {
					jac.Set(r, k, (yp[r]-ym[r])/(2*h))
				}
			}
			logDet, sign := mat.LogDet(jac)
			want := sb.LogDetJacobian64(x)
			if sign == 0 || math.Abs(logDet-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("K=%d at %v: log|det J| = %v (sign %v), LogDetJacobian64 = %v", m+1, x, logDet, sign, want)
			}
		}
	}
}

// TestStickBreakingGraph checks Forward, LogForward and LogDetJacobian against
// the plain-Go forms for inputs of several ranks, in both float types.
func TestStickBreakingGraph(t *testing.T) {
	sb := StickBreaking{}
	for _, dt := range []Dtype{Float64, Float32} {
		for _, m := range []int{1, 3} {
			for _, lead := range [][]int{nil, {5}, {2, 3}} {
				t.Run(fmt.Sprintf("%v/K=%d/%v", dt, m+1, lead), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(23, uint64(m)))
					rows := 1
					for _, s := range lead {
						rows *= s
					}
					xs := make([]float64, rows*m)
					for i := range xs {
						xs[i] = roundTo(dt, 1.5*rng.NormFloat64())
					}
					b := NewBuilder(dt)
					x := b.Constant("x", xs, append(append([]int{}, lead...), m)...)
					y := sb.Forward(b, x)
					ly := sb.LogForward(b, x)
					ld := sb.LogDetJacobian(b, x)
					if b.Err() != nil {
						t.Fatal(b.Err())
					}
					want := append(append([]int{}, lead...), m+1)
					if !sameShape(y.Shape(), want) || !sameShape(ly.Shape(), want) {
						t.Fatalf("Forward shape %v, LogForward shape %v, want %v", y.Shape(), ly.Shape(), want)
					}
					if len(lead) == 0 {
						if !ld.IsScalar() {
							t.Fatalf("LogDetJacobian shape %v, want a scalar", ld.Shape())
						}
					} else if !sameShape(ld.Shape(), lead) {
						t.Fatalf("LogDetJacobian shape %v, want %v", ld.Shape(), lead)
					}
					runStable(t, b, x, y, ly, ld)
					gy, gly, gld := Values(y), Values(ly), Values(ld)
					tol := dtTol(dt)
					w := make([]float64, m+1)
					for r := 0; r < rows; r++ {
						row := xs[r*m : (r+1)*m]
						sb.Forward64(w, row)
						for i, v := range w {
							if g := gy[r*(m+1)+i]; !closeRel(g, v, tol) {
								t.Errorf("row %d: w[%d] = %.17g, want %.17g", r, i, g, v)
							}
							if g := gly[r*(m+1)+i]; !closeRel(g, math.Log(v), tol) {
								t.Errorf("row %d: log w[%d] = %.17g, want %.17g", r, i, g, math.Log(v))
							}
						}
						if v := sb.LogDetJacobian64(row); !closeRel(gld[r], v, tol) {
							t.Errorf("row %d: log det %.17g, want %.17g", r, gld[r], v)
						}
					}
				})
			}
		}
	}
}

func TestStickBreakingGradients(t *testing.T) {
	const S = 3
	sb := StickBreaking{}
	for _, m := range []int{1, 4} {
		rng := rand.New(rand.NewPCG(24, uint64(m)))
		init := randRow(rng, S*m)
		w := randRow(rng, S*(m+1))
		gradCheck(t, fmt.Sprintf("StickBreaking K=%d", m+1), init, []int{S, m}, func(b *Builder, p *Node) *Node {
			y := b.Mul(sb.Forward(b, p), b.Constant("w", w, S, m+1))
			ly := b.Mul(sb.LogForward(b, p), b.Constant("w2", w, S, m+1))
			ld := b.Mul(sb.LogDetJacobian(b, p), b.Constant("v", []float64{1, -0.5, 2}, S))
			return b.AddN(b.Sum(y), b.Sum(ly), b.Sum(ld))
		})
	}
}

// TestStickBreakingExtreme checks that large inputs give finite log weights,
// log det and gradients, where exp would under- or overflow.
func TestStickBreakingExtreme(t *testing.T) {
	xs := []float64{-800, 0, 800, -30, 30, 1e4}
	sb := StickBreaking{}
	for _, dt := range []Dtype{Float64, Float32} {
		b := NewBuilder(dt)
		p := b.Param("x", xs, 2, 3)
		lw := sb.LogForward(b, p)
		ld := sb.LogDetJacobian(b, p)
		g := b.Grad(b.Add(b.Sum(lw), b.Sum(ld)), p)
		runGraph(t, b)
		for name, vals := range map[string][]float64{"log w": Values(lw), "log det": Values(ld), "gradient": Values(g[0])} {
			for i, v := range vals {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%v: %s[%d] = %v", dt, name, i, v)
				}
			}
		}
	}
}

func TestStickBreakingErrors(t *testing.T) {
	sb := StickBreaking{}
	b := NewBuilder(Float64)
	if n := sb.Forward(b, b.Scalar(1)); n != nil || b.Err() == nil {
		t.Errorf("Forward of a scalar: got %v, err %v", n, b.Err())
	}
	b = NewBuilder(Float64)
	if n := sb.LogDetJacobian(b, nil); n != nil || b.Err() == nil {
		t.Errorf("LogDetJacobian of nil: got %v, err %v", n, b.Err())
	}
	for name, f := range map[string]func(){
		"OutDim(0)":       func() { sb.OutDim(0) },
		"Forward64 empty": func() { sb.Forward64(make([]float64, 1), nil) },
		"Forward64 dst":   func() { sb.Forward64(make([]float64, 2), make([]float64, 2)) },
		"Inverse64 short": func() { _ = sb.Inverse64(nil, []float64{1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}
