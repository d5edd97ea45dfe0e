package vmath

import "math"

// Exp32 returns e**x rounded as a float32 computation: range reduction
// x = k·ln2 + r with a two-part ln2, a degree-7 Taylor polynomial for e**r,
// and scaling by 2**k. It returns x for NaN, +Inf for x > 88.72283935546875
// and 0 for x < -103.97208; subnormal results are produced by two-step
// scaling.
func Exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693145751953125
		ln2lo = 1.42860682030941723e-06
		maxX  = 88.72283935546875
		minX  = -103.97208
	)
	switch {
	case x != x:
		return x
	case x > maxX:
		return float32(math.Inf(1))
	case x < minX:
		return 0
	}
	kf := float32(x*log2e) + 0.5
	k := int32(kf)
	if kf < 0 && float32(k) != kf {
		k-- // floor
	}
	fk := float32(k)
	r := (x - float32(fk*ln2hi)) - float32(fk*ln2lo)
	// p = 1 + r*(1 + r*(1/2 + r*(1/6 + r*(1/24 + r*(1/120 + r*(1/720 + r/5040)))))),
	// evaluated innermost first; the float32 conversions forbid FMA fusion.
	p := 1.0/720 + float32(r*(1.0/5040))
	p = 1.0/120 + float32(r*p)
	p = 1.0/24 + float32(r*p)
	p = 1.0/6 + float32(r*p)
	p = 1.0/2 + float32(r*p)
	p = 1 + float32(r*p)
	p = 1 + float32(r*p)
	if k > 127 {
		return p * math.Float32frombits(uint32(127+127)<<23) * math.Float32frombits(uint32(k-127+127)<<23)
	}
	if k >= -126 {
		return p * math.Float32frombits(uint32(k+127)<<23)
	}
	return p * math.Float32frombits(uint32(k+64+127)<<23) * math.Float32frombits(uint32(-64+127)<<23)
}

// Softplus32 returns log(1 + e**x) computed as max(x, 0) + log1p(e**-|x|),
// with log1p(t) = 2·atanh(t/(2+t)) evaluated by a degree-17 odd series. It
// returns x for NaN.
func Softplus32(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax != ax {
		return x
	}
	t := Exp32(-ax)
	sv := t / (2 + t)
	s2 := sv * sv
	// q = 1 + s2*(1/3 + s2*(1/5 + ... + s2*(1/15 + s2/17))), innermost first.
	q := 1.0/15 + float32(s2*(1.0/17))
	q = 1.0/13 + float32(s2*q)
	q = 1.0/11 + float32(s2*q)
	q = 1.0/9 + float32(s2*q)
	q = 1.0/7 + float32(s2*q)
	q = 1.0/5 + float32(s2*q)
	q = 1.0/3 + float32(s2*q)
	q = 1 + float32(s2*q)
	p := float32(2 * sv * q) // the conversion keeps x+p (and callers) from fusing
	if x > 0 {
		return x + p
	}
	return p
}

// Sigmoid32 returns 1/(1 + e**-x), computed as e**x/(1 + e**x) for x < 0.
func Sigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + Exp32(-x))
	}
	e := Exp32(x)
	return e / (1 + e)
}
