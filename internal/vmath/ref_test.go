package vmath

import "math"

// The reference functions, verbatim (apart from names). With GOAMD64=v1
// the compiler never fuses their multiply-adds, so they define the exact
// float32 results that Exp32, Softplus32 and Sigmoid32 must reproduce.

func refExp32(x float32) float32 {
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
	kf := x*log2e + 0.5
	k := int32(kf)
	if kf < 0 && float32(k) != kf {
		k-- // floor
	}
	fk := float32(k)
	r := (x - fk*ln2hi) - fk*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	if k > 127 {
		return p * math.Float32frombits(uint32(127+127)<<23) * math.Float32frombits(uint32(k-127+127)<<23)
	}
	if k >= -126 {
		return p * math.Float32frombits(uint32(k+127)<<23)
	}
	return p * math.Float32frombits(uint32(k+64+127)<<23) * math.Float32frombits(uint32(-64+127)<<23)
}

func refSoftplus32(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax != ax {
		return x
	}
	t := refExp32(-ax)
	sv := t / (2 + t)
	s2 := sv * sv
	p := 2 * sv * (1 + s2*(1.0/3+s2*(1.0/5+s2*(1.0/7+s2*(1.0/9+s2*(1.0/11+s2*(1.0/13+s2*(1.0/15+s2*(1.0/17)))))))))
	if x > 0 {
		return x + p
	}
	return p
}

func refSigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + refExp32(-x))
	}
	e := refExp32(x)
	return e / (1 + e)
}
