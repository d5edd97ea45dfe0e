package graph

import "math"

// exp32 is exp(x) in float32 arithmetic, accurate to a few ulps over the whole
// range (math32.Exp from the chewxy/math32 package, which Gorgonia uses, is off
// by up to ~150 ulps). Cody–Waite reduction x = k·ln2 + r with |r| ≤ ln2/2, a
// degree-7 Taylor polynomial for exp(r), and scaling by 2^k built from the
// exponent bits (in two steps when the result is subnormal).
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693145751953125       // ln 2 rounded to 16 significant bits: k·ln2hi is exact
		ln2lo = 1.42860682030941723e-06 // ln 2 - ln2hi
		maxX  = 88.72283935546875       // log(MaxFloat32), rounded down
		minX  = -103.97208              // below: the result rounds to 0
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
	if k > 127 { // x near maxX: 2^k itself overflows
		return p * math.Float32frombits(uint32(127+127)<<23) * math.Float32frombits(uint32(k-127+127)<<23)
	}
	if k >= -126 {
		return p * math.Float32frombits(uint32(k+127)<<23)
	}
	// Subnormal result: scale by 2^(k+64) first, then by 2^-64.
	return p * math.Float32frombits(uint32(k+64+127)<<23) * math.Float32frombits(uint32(-64+127)<<23)
}
