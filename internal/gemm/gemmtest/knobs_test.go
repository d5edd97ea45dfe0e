package gemmtest

import "testing"

func TestKnobsRestore(t *testing.T) {
	asm, gonum := true, true
	kc, mc, nc, par, shared := 1, 2, 3, 4, 5
	k := Knobs{Asm: &asm, Gonum: &gonum, KC: &kc, MC: &mc, NC: &nc, Par: &par, MaxShared: &shared}
	restore := k.save()
	k.setAsm(false)
	k.smallBlocks()
	*k.Par, *k.MaxShared = 0, 0
	if asm || gonum || kc != 5 || mc != 12 || nc != 32 || par != 0 || shared != 0 {
		t.Fatalf("knobs not set: %v %v %d %d %d %d %d", asm, gonum, kc, mc, nc, par, shared)
	}
	restore()
	if !asm || !gonum || kc != 1 || mc != 2 || nc != 3 || par != 4 || shared != 5 {
		t.Fatalf("knobs not restored: %v %v %d %d %d %d %d", asm, gonum, kc, mc, nc, par, shared)
	}
	Knobs{}.save()() // nil knobs are skipped
}

// TestNaive checks the reference on a product known exactly, and that its
// tolerance is the documented bound.
func TestNaive(t *testing.T) {
	a := Operand[float64]{Data: []float64{1, 2, 3, 4}, LD: 2}              // [[1 2] [3 4]]
	b := Operand[float64]{Data: []float64{5, 7, 6, 8}, LD: 2, Trans: true} // op(B) = [[5 6] [7 8]]
	c := []float64{1, 1, 1, 1}
	want, tol := Naive(2, 2, 2, 2, a, b, -1, c, 2)
	exact := []float64{2*19 - 1, 2*22 - 1, 2*43 - 1, 2*50 - 1}
	for i := range exact {
		if want[i] != exact[i] {
			t.Errorf("want[%d] = %v, exact %v", i, want[i], exact[i])
		}
	}
	// Element (0,0): |alpha|·(|1·5| + |2·7|) + |beta·c| = 2·19 + 1.
	if bound := 2 * 4 * Eps[float64]() * (2*19 + 1); tol[0] != bound+1e-30 {
		t.Errorf("tol[0] = %g, want %g", tol[0], bound+1e-30)
	}
}
