package vmath

import "math"

// The float64 reference functions. Every product that is added to or
// subtracted from something is wrapped in an explicit float64 conversion, and
// so are the results, so that the Go compiler never fuses a multiply and an
// add into an FMA instruction (the Go specification allows that fusion,
// which arm64 and GOAMD64=v3 builds do, and forbids it across an explicit
// conversion): the results are those of individually rounded IEEE-754
// operations on every machine and build. The AVX2 kernels evaluate the same
// operations in the same order.

// Constants shared by Exp64 and Log1p64 (fdlibm's).
const (
	ln2Hi64 = 6.93147180369123816490e-01 // 0x3fe62e42fee00000: k·ln2Hi is exact for |k| < 2²⁰
	ln2Lo64 = 1.90821492927058770002e-10 // 0x3dea39ef35793c76
	log2e64 = 1.44269504088896338700e+00

	expOverflow  = 7.09782712893383973096e+02 // above: +Inf
	expUnderflow = -7.45133219101941108420e+02
	expP1        = 1.66666666666666657415e-01 // 0x3FC55555; 0x55555555
	expP2        = -2.77777777770155933842e-03
	expP3        = 6.61375632143793436117e-05
	expP4        = -1.65339022054652515390e-06
	expP5        = 4.13813679705723846039e-08

	log1pSqrt2M1     = 4.142135623730950488017e-01  // √2 - 1
	log1pSqrt2HalfM1 = -2.928932188134524755992e-01 // √2/2 - 1
	log1pSmall       = 1.0 / (1 << 29)              // 2⁻²⁹
	log1pTiny        = 1.0 / (1 << 54)              // 2⁻⁵⁴
	log1pTwo53       = 1 << 53
	lp1              = 6.666666666666735130e-01 // 3FE55555 55555593
	lp2              = 3.999999999940941908e-01 // 3FD99999 9997FA04
	lp3              = 2.857142874366239149e-01 // 3FD24924 94229359
	lp4              = 2.222219843214978396e-01 // 3FCC71C5 1D8E78AF
	lp5              = 1.818357216161805012e-01 // 3FC74664 96CB03DE
	lp6              = 1.531383769920937332e-01 // 3FC39A09 D078C69F
	lp7              = 1.479819860511658591e-01 // 3FC2F112 DF3E5244
)

// Exp64 returns e**x, within 1 ulp: fdlibm's algorithm (as in Go's pure-Go
// math.Exp) — x = k·ln2 + r with k = trunc(x·log2e ± 0.5) and a two-part
// ln2, e**r from a degree-5 rational approximation, and scaling by 2**k
// (in two steps for subnormal results, rounding once). It returns x for NaN,
// +Inf for x > 709.782712893384 and 0 for x < -745.1332191019411.
func Exp64(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > expOverflow:
		return math.Inf(1)
	case x < expUnderflow:
		return 0
	}
	k := int(float64(log2e64*x) + math.Copysign(0.5, x))
	fk := float64(k)
	hi := x - float64(fk*ln2Hi64)
	lo := float64(fk * ln2Lo64)
	r := hi - lo
	t := float64(r * r)
	c := float64(t * expP5)
	c = float64(t * (expP4 + c))
	c = float64(t * (expP3 + c))
	c = float64(t * (expP2 + c))
	c = float64(t * (expP1 + c))
	c = r - c
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	switch {
	case k > 1023: // k = 1024: y < 1
		return float64(float64(y*math.Float64frombits(uint64(1023+1023)<<52)) * 2)
	case k >= -1022:
		return float64(y * math.Float64frombits(uint64(k+1023)<<52))
	}
	// A subnormal result: the first product is exact, the second rounds once.
	return float64(float64(y*math.Float64frombits(uint64(k+54+1023)<<52)) * 0x1p-54)
}

// Log1p64 returns log(1 + x), within 1 ulp: fdlibm's log1p (as in Go's
// math.Log1p), with the correction term for the rounding of 1 + x and one
// formula for every reduced argument. It returns NaN for x < -1 and NaN,
// -Inf for -1, +Inf for +Inf, and x for |x| < 2⁻⁵⁴.
func Log1p64(x float64) float64 {
	switch {
	case x != x:
		return x
	case x < -1:
		return math.NaN()
	case x == -1:
		return math.Inf(-1)
	case x > math.MaxFloat64:
		return x
	}
	absx := math.Abs(x)
	if absx < log1pSmall {
		if absx < log1pTiny {
			return x
		}
		return x - float64(float64(x*x)*0.5)
	}
	var f, c float64
	k := 0
	if absx < log1pSqrt2M1 && x > log1pSqrt2HalfM1 {
		f = x // √2/2 - 1 < x < √2 - 1: no reduction
	} else {
		var u float64
		if absx < log1pTwo53 {
			u = 1 + x
			k = int(math.Float64bits(u)>>52) - 1023
			if k > 0 {
				c = 1 - (u - x)
			} else {
				c = x - (u - 1)
			}
			c /= u
		} else {
			u = x
			k = int(math.Float64bits(u)>>52) - 1023
		}
		m := math.Float64bits(u) & (1<<52 - 1)
		if m < 0x0006a09e667f3bcd { // the mantissa of √2
			u = math.Float64frombits(m | 0x3ff0000000000000) // u in [1, √2)
		} else {
			k++
			u = math.Float64frombits(m | 0x3fe0000000000000) // u/2 in [√2/2, 1)
		}
		f = u - 1
	}
	return log1pKernel(f, c, k)
}

// log1pKernel returns k·ln2 + log(1 + f) + c for √2/2 - 1 <= f < √2 - 1:
// log(1+f) = f - hfsq + s·(hfsq + R(s²)) with s = f/(2+f).
func log1pKernel(f, c float64, k int) float64 {
	fk := float64(k)
	hfsq := float64(float64(0.5*f) * f)
	s := f / (2 + f)
	z := float64(s * s)
	r := float64(z * lp7)
	r = float64(z * (lp6 + r))
	r = float64(z * (lp5 + r))
	r = float64(z * (lp4 + r))
	r = float64(z * (lp3 + r))
	r = float64(z * (lp2 + r))
	r = float64(z * (lp1 + r))
	return float64(fk*ln2Hi64) - ((hfsq - (float64(s*(hfsq+r)) + (float64(fk*ln2Lo64) + c))) - f)
}

// Softplus64 returns log(1 + e**x) computed as max(x, 0) + Log1p64(e**-|x|)
// with Exp64. It returns x for NaN.
func Softplus64(x float64) float64 {
	ax := math.Abs(x)
	if ax != ax {
		return x
	}
	p := Log1p64(Exp64(-ax))
	if x > 0 {
		return x + p
	}
	return p
}

// Sigmoid64 returns 1/(1 + e**-x) with Exp64, computed as e**x/(1 + e**x)
// for x < 0.
func Sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + Exp64(-x))
	}
	e := Exp64(x)
	return e / (1 + e)
}
