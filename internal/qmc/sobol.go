package qmc

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mathext"
)

// MaxDim is the number of dimensions with Sobol' direction numbers; a
// generator of more dimensions pads the rest with Monte Carlo uniforms.
const MaxDim = 3667

// MaxPoints is the largest point set a Sobol generator draws at once: the
// points' indices have 32 bits.
const MaxPoints = 1 << 32

//go:embed joe-kuo-6.3667.txt
var joeKuoTable []byte

// direction holds the parsed direction numbers, computed once on first use.
var direction struct {
	once sync.Once
	v    [][32]uint32 // v[j][k]: direction number k (weight 2^-(k+1)) of coordinate j
	err  error
}

// directions returns the direction numbers of the first MaxDim coordinates.
func directions() ([][32]uint32, error) {
	direction.once.Do(func() { direction.v, direction.err = parseJoeKuo(joeKuoTable) })
	return direction.v, direction.err
}

// parseJoeKuo reads a table in the format of Joe and Kuo's files (a header
// line, then "d s a m_1 ... m_s" per dimension from 2) and computes the 32
// direction numbers of each coordinate, the first one being van der Corput's.
func parseJoeKuo(table []byte) ([][32]uint32, error) {
	v := make([][32]uint32, 1, MaxDim)
	for k := range v[0] {
		v[0][k] = 1 << (31 - k)
	}
	sc := bufio.NewScanner(bytes.NewReader(table))
	sc.Scan() // header
	for line := 2; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			return nil, fmt.Errorf("qmc: direction numbers line %d: %d fields", line, len(f))
		}
		n := make([]uint64, len(f))
		for i, s := range f {
			x, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("qmc: direction numbers line %d: %v", line, err)
			}
			n[i] = x
		}
		d, s, a, m := n[0], int(n[1]), uint32(n[2]), n[3:]
		if d != uint64(len(v)+1) || s < 1 || s > 31 || len(m) != s {
			return nil, fmt.Errorf("qmc: direction numbers line %d: malformed", line)
		}
		var w [32]uint32
		for k := 0; k < s; k++ {
			w[k] = uint32(m[k]) << (31 - k)
		}
		for k := s; k < 32; k++ {
			w[k] = w[k-s] ^ (w[k-s] >> s)
			for i := 1; i < s; i++ {
				if (a>>(s-1-i))&1 == 1 {
					w[k] ^= w[k-i]
				}
			}
		}
		v = append(v, w)
	}
	if len(v) != MaxDim {
		return nil, fmt.Errorf("qmc: %d dimensions of direction numbers, want %d", len(v), MaxDim)
	}
	return v, nil
}

// Sobol draws randomized point sets of a fixed dimension: Sobol' points under
// Owen's nested uniform scrambling, freshly randomized on every call. It keeps
// no state between calls besides its buffers (the randomization comes from
// the rand.Rand passed in), so it needs no checkpointing; it is not safe for
// concurrent use.
type Sobol struct {
	dim   int
	v     [][32]uint32 // the first min(dim, MaxDim) coordinates' direction numbers
	seeds []uint64
}

// NewSobol returns a generator of points in dim dimensions (dim ≥ 1).
// Coordinates past MaxDim are Monte Carlo uniforms.
func NewSobol(dim int) (*Sobol, error) {
	if dim < 1 {
		return nil, fmt.Errorf("qmc: dimension %d (want at least 1)", dim)
	}
	v, err := directions()
	if err != nil {
		return nil, err
	}
	return &Sobol{dim: dim, v: v[:min(dim, MaxDim)], seeds: make([]uint64, min(dim, MaxDim))}, nil
}

// Dim returns the dimension of the points.
func (s *Sobol) Dim() int { return s.dim }

// fill draws one scrambled point set of n points and passes each coordinate's
// uniform u ∈ (0, 1) to set(i, j, u), point by point.
func (s *Sobol) fill(n int, rng *rand.Rand, set func(i, j int, u float64)) {
	if n < 0 || uint64(n) > MaxPoints {
		panic(fmt.Sprintf("qmc: %d points (want 0 to 2^32)", n))
	}
	if rng == nil {
		panic("qmc: nil *rand.Rand")
	}
	for j := range s.seeds {
		s.seeds[j] = rng.Uint64()
	}
	for i := 0; i < n; i++ {
		for j, w := range s.v {
			set(i, j, scrambled(sobolCoord(&w, uint32(i)), s.seeds[j]))
		}
		for j := len(s.v); j < s.dim; j++ {
			set(i, j, (float64(rng.Uint64()>>11)+0.5)*0x1p-53)
		}
	}
}

// Uniforms fills dst (n points × Dim, row-major: point i is
// dst[i·Dim : (i+1)·Dim]) with a freshly scrambled set of n Sobol' points in
// (0, 1)^Dim, randomized from rng. It panics if len(dst) ≠ n·Dim or n is out
// of range (a programmer error).
func (s *Sobol) Uniforms(dst []float64, n int, rng *rand.Rand) {
	s.checkLen(len(dst), n)
	d := s.dim
	s.fill(n, rng, func(i, j int, u float64) { dst[i*d+j] = u })
}

// Normals fills dst (n × Dim, row-major) with a freshly randomized set of n
// standard normal vectors: scrambled Sobol' points mapped by the inverse
// normal CDF Φ⁻¹, coordinate by coordinate. Each vector is exactly N(0, I) on
// its own; the set is spread evenly. Use n a power of 2 for the best balance.
// It panics if len(dst) ≠ n·Dim or n is out of range (a programmer error).
func (s *Sobol) Normals(dst []float64, n int, rng *rand.Rand) {
	s.checkLen(len(dst), n)
	d := s.dim
	s.fill(n, rng, func(i, j int, u float64) { dst[i*d+j] = mathext.NormalQuantile(u) })
}

func (s *Sobol) checkLen(have, n int) {
	if n < 0 || have != n*s.dim {
		panic(fmt.Sprintf("qmc: a buffer of %d values for %d points of dimension %d", have, n, s.dim))
	}
}

// sobolCoord returns the 32 binary digits of coordinate w of Sobol' point i,
// in the natural (not Gray-code) order: the XOR of the direction numbers of
// i's set bits.
func sobolCoord(w *[32]uint32, i uint32) uint32 {
	var x uint32
	for i != 0 {
		k := bits.TrailingZeros32(i)
		x ^= w[k]
		i &= i - 1
	}
	return x
}

// golden is 2^64/φ, odd: multiplying by it is a bijection of uint64.
const golden = 0x9e3779b97f4a7c15

// mix64 is the SplitMix64 finalizer, a bijective 64-bit hash with full
// avalanche.
func mix64(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// scrambled applies Owen's nested uniform scrambling with the given seed to
// the digits x = 0.a_1 a_2 ... a_32 and returns the uniform in (0, 1): digit k
// is flipped by a hash bit of (seed, k, a_1 ... a_{k-1}), so the flip of a
// digit depends on all the digits before it, as nested scrambling requires,
// and the digits after the 32nd (all zero in x) become 21 random bits, a
// hash of (seed, x).
func scrambled(x uint32, seed uint64) float64 {
	var flips uint32
	for k := 0; k < 32; k++ {
		// The key 1<<k | prefix is distinct for every level k and prefix of
		// k digits.
		key := uint64(1)<<k | uint64(x)>>(32-k)
		flips |= uint32(mix64(seed^key*golden)>>63) << (31 - k)
	}
	y := x ^ flips
	tail := mix64(seed^(uint64(1)<<32|uint64(x))*golden) >> 43
	return (float64(uint64(y)<<21|tail) + 0.5) * 0x1p-53
}
