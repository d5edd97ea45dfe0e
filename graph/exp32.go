package graph

import "github.com/vigor-ml/vigor/internal/vmath"

// exp32, softplus32 and sigmoid32 are the float32 kernels of the Exp, Softplus
// and Sigmoid ops (and of softplus inside the fused Bernoulli log-likelihood):
// internal/vmath's, accurate to about 2 ulps with no float64 round trip
// (math32.Exp from the chewxy/math32 package, which Gorgonia uses, is off by up
// to ~150 ulps). Their slice forms (vmath.Exp, ...) run eight lanes at a time
// with AVX2 and give the same bits.
func exp32(x float32) float32 { return vmath.Exp32(x) }

func softplus32(x float32) float32 { return vmath.Softplus32(x) }

func sigmoid32(x float32) float32 { return vmath.Sigmoid32(x) }
