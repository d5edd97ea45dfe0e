package vmath

// The float64 slice functions: dst[i] = F64(x[i]) for every i, four lanes at
// a time with AVX2 where the assembly handles a block, else with the scalar
// function; the results are the same bits either way.

// run1 applies the assembly kernel asm to as many blocks of four as it
// handles and the scalar function f to the rest.
func run1(dst, x []float64, asm func(dst, x []float64) int, f func(float64) float64) {
	i := 0
	if useAsm {
		for {
			i += asm(dst[i:], x[i:])
			if len(x)-i < 4 {
				break
			}
			// The assembly stopped at a block it does not handle.
			for e := i + 4; i < e; i++ {
				dst[i] = f(x[i])
			}
		}
	}
	for ; i < len(x); i++ {
		dst[i] = f(x[i])
	}
}

// Exp64s sets dst[i] = Exp64(x[i]) for every i. It panics if len(dst) !=
// len(x). dst may be x.
func Exp64s(dst, x []float64) {
	if len(dst) != len(x) {
		panic("vmath: Exp64s: length mismatch")
	}
	run1(dst, x, exp64AVX2, Exp64)
}

// Log1p64s sets dst[i] = Log1p64(x[i]) for every i. It panics if len(dst)
// != len(x). dst may be x.
func Log1p64s(dst, x []float64) {
	if len(dst) != len(x) {
		panic("vmath: Log1p64s: length mismatch")
	}
	run1(dst, x, log1p64AVX2, Log1p64)
}

// Softplus64s sets dst[i] = Softplus64(x[i]) for every i. It panics if
// len(dst) != len(x). dst may be x.
func Softplus64s(dst, x []float64) {
	if len(dst) != len(x) {
		panic("vmath: Softplus64s: length mismatch")
	}
	run1(dst, x, softplus64AVX2, Softplus64)
}

// Sigmoid64s sets dst[i] = Sigmoid64(x[i]) for every i. It panics if
// len(dst) != len(x). dst may be x.
func Sigmoid64s(dst, x []float64) {
	if len(dst) != len(x) {
		panic("vmath: Sigmoid64s: length mismatch")
	}
	run1(dst, x, sigmoid64AVX2, Sigmoid64)
}

// Logistic1 returns the Bernoulli-logit log-likelihood of y at the logit
// eta, y·eta - Softplus64(eta) (the product rounded before the
// subtraction), and its derivative in eta, y - Sigmoid64(eta).
func Logistic1(y, eta float64) (ll, r float64) {
	return float64(y*eta) - Softplus64(eta), y - Sigmoid64(eta)
}

// Poisson1 returns the Poisson log-likelihood of y at the log-rate eta
// without its -log(y!) term, y·eta - Exp64(eta), and its derivative in eta,
// y - Exp64(eta).
func Poisson1(y, eta float64) (ll, r float64) {
	e := Exp64(eta)
	return float64(y*eta) - e, y - e
}

// run2 is run1 for the kernels with two outputs and two inputs.
func run2(ll, r, y, eta []float64, asm func(ll, r, y, eta []float64) int, f func(y, eta float64) (float64, float64)) {
	if len(ll) != len(eta) || len(r) != len(eta) || len(y) != len(eta) {
		panic("vmath: length mismatch")
	}
	i := 0
	if useAsm {
		for {
			i += asm(ll[i:], r[i:], y[i:], eta[i:])
			if len(eta)-i < 4 {
				break
			}
			for e := i + 4; i < e; i++ {
				ll[i], r[i] = f(y[i], eta[i])
			}
		}
	}
	for ; i < len(eta); i++ {
		ll[i], r[i] = f(y[i], eta[i])
	}
}

// Logistic64s sets ll[i], r[i] = Logistic1(y[i], eta[i]) for every i: the
// Bernoulli-logit log-likelihoods and their derivatives in the logits, in
// one pass (Exp64(-|eta|) is computed once for both). It panics unless all
// four slices have the same length. ll and r must not overlap each other
// or y, or eta unless they are the same slice.
func Logistic64s(ll, r, y, eta []float64) { run2(ll, r, y, eta, logistic64AVX2, Logistic1) }

// Poisson64s sets ll[i], r[i] = Poisson1(y[i], eta[i]) for every i: the
// Poisson log-likelihoods (without -log y!) and their derivatives in the
// log-rates. It panics unless all four slices have the same length. ll and
// r must not overlap each other or y, or eta unless they are the same
// slice.
func Poisson64s(ll, r, y, eta []float64) { run2(ll, r, y, eta, poisson64AVX2, Poisson1) }

// Bernoulli1 returns y·l - Softplus64(l) (the product rounded before the
// subtraction): the Bernoulli-logit log-likelihood of y at the logit l, the
// first result of Logistic1.
func Bernoulli1(y, l float64) float64 { return float64(y*l) - Softplus64(l) }

// Bernoulli64s sets dst[i] = Bernoulli1(y[i], l[i]) for every i. It panics
// unless dst, y and l have the same length. dst may be y or l.
func Bernoulli64s(dst, y, l []float64) {
	if len(dst) != len(y) || len(dst) != len(l) {
		panic("vmath: Bernoulli64s: length mismatch")
	}
	i := 0
	if useAsm {
		for {
			i += bernoulli64AVX2(dst[i:], y[i:], l[i:])
			if len(l)-i < 4 {
				break
			}
			for e := i + 4; i < e; i++ {
				dst[i] = Bernoulli1(y[i], l[i])
			}
		}
	}
	for ; i < len(l); i++ {
		dst[i] = Bernoulli1(y[i], l[i])
	}
}
