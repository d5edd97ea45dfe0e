package vmath

// useAsm selects the AVX2 kernels. It is true on amd64 CPUs with AVX2 (see
// blas32.HasAVX2); tests clear it to exercise the portable loops.
var useAsm = hasAVX2

// Exp sets dst[i] = Exp32(x[i]) for every i. It panics if len(dst) !=
// len(x). dst may be x.
func Exp(dst, x []float32) {
	if len(dst) != len(x) {
		panic("vmath: Exp: length mismatch")
	}
	i := 0
	if useAsm {
		for {
			i += expAVX2(dst[i:], x[i:])
			if len(x)-i < 8 {
				break
			}
			// The assembly stopped at a block it does not handle.
			for e := i + 8; i < e; i++ {
				dst[i] = Exp32(x[i])
			}
		}
	}
	for ; i < len(x); i++ {
		dst[i] = Exp32(x[i])
	}
}

// Softplus sets dst[i] = Softplus32(x[i]) for every i. It panics if
// len(dst) != len(x). dst may be x.
func Softplus(dst, x []float32) {
	if len(dst) != len(x) {
		panic("vmath: Softplus: length mismatch")
	}
	i := 0
	if useAsm {
		for {
			i += softplusAVX2(dst[i:], x[i:])
			if len(x)-i < 8 {
				break
			}
			for e := i + 8; i < e; i++ {
				dst[i] = Softplus32(x[i])
			}
		}
	}
	for ; i < len(x); i++ {
		dst[i] = Softplus32(x[i])
	}
}

// Sigmoid sets dst[i] = Sigmoid32(x[i]) for every i. It panics if
// len(dst) != len(x). dst may be x.
func Sigmoid(dst, x []float32) {
	if len(dst) != len(x) {
		panic("vmath: Sigmoid: length mismatch")
	}
	i := 0
	if useAsm {
		for {
			i += sigmoidAVX2(dst[i:], x[i:])
			if len(x)-i < 8 {
				break
			}
			for e := i + 8; i < e; i++ {
				dst[i] = Sigmoid32(x[i])
			}
		}
	}
	for ; i < len(x); i++ {
		dst[i] = Sigmoid32(x[i])
	}
}

// bernoulliLogits1 returns y·l − Softplus32(l), the log-likelihood of the
// outcome y ∈ {0, 1} under a Bernoulli distribution with logit l.
func bernoulliLogits1(y, l float32) float32 {
	return float32(y*l) - Softplus32(l)
}

// bernoulliLogitsGrad1 returns g·(y − Sigmoid32(l)).
func bernoulliLogitsGrad1(y, l, g float32) float32 {
	return g * (y - Sigmoid32(l))
}

// BernoulliLogits sets dst[i] = y[i]·l[i] − Softplus32(l[i]) for every i
// (the product rounded to float32 before the subtraction): the
// log-likelihood of outcomes y under Bernoulli distributions with logits l.
// It panics unless dst, y and l have the same length. dst may be y or l.
func BernoulliLogits(dst, y, l []float32) {
	if len(dst) != len(y) || len(dst) != len(l) {
		panic("vmath: BernoulliLogits: length mismatch")
	}
	i := 0
	if useAsm {
		for {
			i += bernoulliLogitsAVX2(dst[i:], y[i:], l[i:])
			if len(l)-i < 8 {
				break
			}
			for e := i + 8; i < e; i++ {
				dst[i] = bernoulliLogits1(y[i], l[i])
			}
		}
	}
	for ; i < len(l); i++ {
		dst[i] = bernoulliLogits1(y[i], l[i])
	}
}

// BernoulliLogitsGrad sets dst[i] = g[i]·(y[i] − Sigmoid32(l[i])) for every
// i: the gradient of g·BernoulliLogits with respect to the logits l. It
// panics unless dst, y, l and g have the same length. dst may be y, l or g.
func BernoulliLogitsGrad(dst, y, l, g []float32) {
	if len(dst) != len(y) || len(dst) != len(l) || len(dst) != len(g) {
		panic("vmath: BernoulliLogitsGrad: length mismatch")
	}
	i := 0
	if useAsm {
		for {
			i += bernoulliLogitsGradAVX2(dst[i:], y[i:], l[i:], g[i:])
			if len(l)-i < 8 {
				break
			}
			for e := i + 8; i < e; i++ {
				dst[i] = bernoulliLogitsGrad1(y[i], l[i], g[i])
			}
		}
	}
	for ; i < len(l); i++ {
		dst[i] = bernoulliLogitsGrad1(y[i], l[i], g[i])
	}
}
