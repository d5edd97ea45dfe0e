package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// klEntropy computes KL(p ‖ q) for normals another way: cross-entropy minus entropy.
func klEntropy(mu1, sd1, mu2, sd2 float64) float64 {
	entropy := 0.5 * math.Log(2*math.Pi*math.E*sd1*sd1)
	cross := 0.5*math.Log(2*math.Pi*sd2*sd2) + (sd1*sd1+(mu1-mu2)*(mu1-mu2))/(2*sd2*sd2)
	return cross - entropy
}

func TestKLNormal64(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for i := 0; i < 200; i++ {
		mu1, mu2 := 3*rng.NormFloat64(), 3*rng.NormFloat64()
		sd1, sd2 := math.Exp(rng.NormFloat64()), math.Exp(rng.NormFloat64())
		got, want := KLNormal64(mu1, sd1, mu2, sd2), klEntropy(mu1, sd1, mu2, sd2)
		if math.Abs(got-want) > 1e-12*math.Max(1, want) || got < 0 {
			t.Errorf("KLNormal64(%g, %g, %g, %g) = %.17g, want %.17g", mu1, sd1, mu2, sd2, got, want)
		}
		if kl := KLNormal64(mu1, sd1, mu1, sd1); kl != 0 {
			t.Errorf("KL(p ‖ p) = %g", kl)
		}
	}
}

// TestKLMonteCarlo checks the closed forms against E_p[log p - log q] estimated
// from samples, within five standard errors.
func TestKLMonteCarlo(t *testing.T) {
	const n = 200000
	cases := [][4]float64{
		{0, 1, 0, 1},
		{0.5, 1, 0, 1},
		{1, 0.5, -1, 2},
		{-2, 3, 0.5, 1.5},
		{0.3, 0.1, 0.2, 0.15},
	}
	for ci, c := range cases {
		rng := rand.New(rand.NewPCG(23, uint64(ci)))
		p := distuv.Normal{Mu: c[0], Sigma: c[1]}
		q := distuv.Normal{Mu: c[2], Sigma: c[3]}
		var s, s2 float64
		for i := 0; i < n; i++ {
			z := c[0] + c[1]*rng.NormFloat64()
			f := p.LogProb(z) - q.LogProb(z)
			s += f
			s2 += f * f
		}
		mean := s / n
		se := math.Sqrt(math.Max(s2/n-mean*mean, 0) / n)
		kl := KLNormal64(c[0], c[1], c[2], c[3])
		if math.Abs(mean-kl) > 5*se+1e-12 {
			t.Errorf("KL(%v): closed form %g, Monte Carlo %g ± %g", c, kl, mean, se)
		}
		if c[2] == 0 && c[3] == 1 {
			lv := 2 * math.Log(c[1])
			if got := kl; math.Abs(0.5*(c[0]*c[0]+math.Exp(lv)-1-lv)-got) > 1e-12 {
				t.Errorf("standard-normal form disagrees at %v", c)
			}
		}
	}
}

func TestKLGraph(t *testing.T) {
	const S, D = 4, 3
	for _, dt := range []Dtype{Float64, Float32} {
		t.Run(fmt.Sprint(dt), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(24, 25))
			draw := func(n int, f func() float64) []float64 {
				v := make([]float64, n)
				for i := range v {
					v[i] = roundTo(dt, f())
				}
				return v
			}
			normal := func() float64 { return 2 * rng.NormFloat64() }
			pos := func() float64 { return math.Exp(rng.NormFloat64()) }
			mu1, sd1 := draw(S*D, normal), draw(S*D, pos)
			mu2 := draw(D, normal)
			sd2 := roundTo(dt, 1.7)
			lv := draw(S, normal)

			b := NewBuilder(dt)
			m1 := b.Constant("mu1", mu1, S, D)
			kl := b.KLNormal(m1, b.Constant("sd1", sd1, S, D), b.Constant("mu2", mu2, D), b.Scalar(sd2))
			std := b.KLStdNormalLogVar(m1, b.Constant("lv", lv, S, 1))
			scal := b.KLNormal(b.Scalar(0.5), b.Scalar(1), b.Scalar(0), b.Scalar(2))
			// Keep scal in a graph with an input so that it is evaluated.
			scal = b.Add(scal, b.Sum(b.Scale(m1, 0)))
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			for _, n := range []*Node{kl, std} {
				if !sameShape(n.Shape(), []int{S, D}) {
					t.Fatalf("shape %v, want (%d, %d)", n.Shape(), S, D)
				}
			}
			runGraph(t, b)
			gk, gs := Values(kl), Values(std)
			tol := dtTol(dt)
			for i := 0; i < S; i++ {
				for j := 0; j < D; j++ {
					k := i*D + j
					want := klEntropy(mu1[k], sd1[k], mu2[j], sd2)
					if !closeRel(gk[k], want, tol) {
						t.Errorf("KLNormal[%d,%d] = %.17g, want %.17g", i, j, gk[k], want)
					}
					want = klEntropy(mu1[k], math.Exp(lv[i]/2), 0, 1)
					if !closeRel(gs[k], want, tol) {
						t.Errorf("KLStdNormalLogVar[%d,%d] = %.17g, want %.17g", i, j, gs[k], want)
					}
				}
			}
			if want := KLNormal64(0.5, 1, 0, 2); !closeRel(Scalar64(scal), want, tol) {
				t.Errorf("scalar KLNormal = %v, want %v", Scalar64(scal), want)
			}
		})
	}
}

func TestKLGradients(t *testing.T) {
	const S, D = 2, 3
	rng := rand.New(rand.NewPCG(26, 27))
	vals := func(pos bool) []float64 {
		v := make([]float64, S*D)
		for i := range v {
			v[i] = rng.NormFloat64()
			if pos {
				v[i] = math.Exp(v[i])
			}
		}
		return v
	}
	args := [][]float64{vals(false), vals(true), vals(false), vals(true)}
	w := []float64{1, -0.5, 2, 0.7, -1.3, 0.4}
	for a := range 4 {
		gradCheck(t, fmt.Sprintf("KLNormal d/darg%d", a), args[a], []int{S, D}, func(b *Builder, p *Node) *Node {
			ns := make([]*Node, 4)
			for o := range ns {
				if o == a {
					ns[o] = p
				} else {
					ns[o] = b.Constant("c", args[o], S, D)
				}
			}
			return b.Sum(b.Mul(b.KLNormal(ns[0], ns[1], ns[2], ns[3]), b.Constant("w", w, S, D)))
		})
	}
	for a := range 2 {
		gradCheck(t, fmt.Sprintf("KLStdNormalLogVar d/darg%d", a), args[a*2], []int{S, D}, func(b *Builder, p *Node) *Node {
			other := b.Constant("c", args[2-a*2], S, D)
			var kl *Node
			if a == 0 {
				kl = b.KLStdNormalLogVar(p, other)
			} else {
				kl = b.KLStdNormalLogVar(other, p)
			}
			return b.Sum(b.Mul(kl, b.Constant("w", w, S, D)))
		})
	}
}
