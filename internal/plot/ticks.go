package plot

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// axis is the data range shown along one axis together with its ticks.
type axis struct {
	lo, hi float64   // range shown; for a log axis both are > 0
	log    bool      // logarithmic scale
	major  []float64 // labelled tick positions, ascending, within [lo, hi]
	labels []string  // labels of major, same length
	minor  []float64 // unlabelled gridline positions (log axes only)
}

// norm maps v to [0, 1] across the axis range (outside for v outside it).
func (a *axis) norm(v float64) float64 {
	if a.log {
		l0, l1 := log10(a.lo), log10(a.hi)
		return (log10(v) - l0) / (l1 - l0)
	}
	// Halving is exact and keeps the differences finite even for a range
	// spanning ±MaxFloat64.
	return (v/2 - a.lo/2) / (a.hi/2 - a.lo/2)
}

// niceNum returns a "nice" number close to x > 0 as mantissa m ∈ {1, 2, 5}
// and exponent e, meaning m·10^e (Heckbert, "Nice numbers for graph
// labels", Graphics Gems, 1990). With round it picks the nearest nice
// number, otherwise the smallest nice number ≥ x.
func niceNum(x float64, round bool) (m int, e int) {
	e = int(math.Floor(math.Log10(x)))
	f := x / math.Pow10(e)
	// Guard against Log10 rounding putting f just outside [1, 10).
	if f >= 10 {
		e++
		f /= 10
	} else if f < 1 {
		e--
		f *= 10
	}
	switch {
	case round && f < 1.5, !round && f <= 1:
		m = 1
	case round && f < 3, !round && f <= 2:
		m = 2
	case round && f < 7, !round && f <= 5:
		m = 5
	default:
		m, e = 1, e+1
	}
	return m, e
}

// decimal returns i·10^e as the float64 nearest to that decimal value (for
// |e| ≤ 22), so that ticks such as 0.3 compare equal to the literal 0.3.
func decimal(i int64, e int) float64 {
	if e >= 0 {
		return float64(i) * math.Pow10(e)
	}
	return float64(i) / math.Pow10(-e)
}

// linearTicks returns about n (at least 2) nice tick values covering
// [vmin, vmax]: multiples of a step m·10^e with m ∈ {1, 2, 5}, starting at
// or below vmin and ending at or above vmax. It also returns the step's
// exponent e, which fixes how many decimals the labels need. A degenerate
// range (vmin == vmax) is widened around the value.
func linearTicks(vmin, vmax float64, n int) (ticks []float64, e int) {
	if n < 2 {
		n = 2
	}
	if vmax < vmin {
		vmin, vmax = vmax, vmin
	}
	if span := vmax - vmin; span <= 1e-12*math.Max(math.Abs(vmin), math.Abs(vmax)) {
		if vmin == 0 && vmax == 0 {
			vmin, vmax = -1, 1
		} else {
			mid := (vmin + vmax) / 2
			d := 0.1 * math.Abs(mid)
			vmin, vmax = mid-d, mid+d
		}
	}
	if math.IsInf(vmax-vmin, 0) {
		// Too wide for the arithmetic below; show the bare end points.
		return []float64{vmin, vmax}, int(math.Floor(math.Log10(math.Max(math.Abs(vmin), math.Abs(vmax))))) - 2
	}
	rm, re := niceNum(vmax-vmin, false)
	m, e := niceNum(float64(rm)*math.Pow10(re)/float64(n-1), true)
	step := float64(m) * math.Pow10(e)
	kmin := int64(math.Floor(vmin/step + 1e-9))
	kmax := int64(math.Ceil(vmax/step - 1e-9))
	for k := kmin; k <= kmax; k++ {
		ticks = append(ticks, decimal(k*int64(m), e))
	}
	return ticks, e
}

// formatLinear formats the ticks of a linear axis whose step has exponent
// e: fixed-point with just enough decimals, or compact scientific notation
// ("2.5e6", "1e-5") when the values are very large or very small.
func formatLinear(ticks []float64, e int) []string {
	maxAbs := 0.0
	for _, t := range ticks {
		maxAbs = math.Max(maxAbs, math.Abs(t))
	}
	sci := maxAbs >= 1e6 || (maxAbs > 0 && maxAbs < 1e-3)
	labels := make([]string, len(ticks))
	for i, t := range ticks {
		switch {
		case t == 0 && sci:
			labels[i] = "0"
		case sci:
			digits := int(math.Floor(math.Log10(maxAbs))) - e
			digits = max(0, min(digits, 8))
			labels[i] = compactExp(strconv.FormatFloat(t, 'e', digits, 64))
		default:
			labels[i] = strconv.FormatFloat(t, 'f', max(0, -e), 64)
		}
	}
	return labels
}

// compactExp rewrites strconv's "2.50e+06" as "2.5e6" and "1e-05" as
// "1e-5".
func compactExp(s string) string {
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(mant, "0")
		mant = strings.TrimSuffix(mant, ".")
	}
	sign := ""
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		if exp[0] == '-' {
			sign = "-"
		}
		exp = exp[1:]
	}
	exp = strings.TrimLeft(exp, "0")
	if exp == "" {
		return mant
	}
	return mant + "e" + sign + exp
}

// linearAxis builds a linear axis covering [min, max] with about n ticks;
// the range shown is extended to the outermost ticks.
func linearAxis(min, max float64, n int) axis {
	ticks, e := linearTicks(min, max, n)
	return axis{
		lo:     ticks[0],
		hi:     ticks[len(ticks)-1],
		major:  ticks,
		labels: formatLinear(ticks, e),
	}
}

// log10 is math.Log10 made accurate for subnormal v as well (math.Log10
// loses most of its accuracy there).
func log10(v float64) float64 {
	if v > 0 && v < 1e-300 {
		return math.Log10(v*1e300) - 300
	}
	return math.Log10(v)
}

// log10Int returns log10(v) rounded to an integer when v is within
// floating-point noise of a power of ten, so that exact powers of ten do not
// gain an extra decade.
func log10Int(v float64, roundUp bool) int {
	l := log10(v)
	if r := math.Round(l); math.Abs(l-r) < 1e-9 {
		return int(r)
	}
	if roundUp {
		return int(math.Ceil(l))
	}
	return int(math.Floor(l))
}

// logTicks returns the decade exponents k (ticks at 10^k) for a log axis
// covering [vmin, vmax] (both > 0) with at most about n labels: every decade
// when they fit, else every step-th decade, aligned to multiples of step
// (1e-6, 1e-3, 1, 1000 rather than 1e-5, 0.01, 10). The first and last
// exponent bound the range shown. It also returns step.
func logTicks(vmin, vmax float64, n int) (exps []int, step int) {
	if vmax < vmin {
		vmin, vmax = vmax, vmin
	}
	lo, hi := log10Int(vmin, false), log10Int(vmax, true)
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	if n < 2 {
		n = 2
	}
	decades := hi - lo
	s0 := max(1, (decades+n-2)/(n-1)) // ceil(decades / (n-1))
	// Aligning can add up to step-1 decades at each end; of the few
	// smallest steps that fit, take the one showing the least extra range.
	bestSpan := 0
	for s := s0; s <= s0+2; s++ {
		a, b := floorDiv(lo, s)*s, -floorDiv(-hi, s)*s
		if step == 0 || b-a < bestSpan {
			step, bestSpan = s, b-a
		}
		if s == 1 {
			break
		}
	}
	for k := floorDiv(lo, step) * step; ; k += step {
		exps = append(exps, k)
		if k >= hi {
			break
		}
	}
	// Keep the ends within the float64 range (10^-323 is the smallest
	// non-zero power of ten, 10^308 the largest finite one).
	// A clamped end tick may crowd its neighbour, which is then dropped.
	exps[0] = max(exps[0], minPow10)
	if len(exps) > 2 && 2*(exps[1]-exps[0]) < step {
		exps = slices.Delete(exps, 1, 2)
	}
	last := len(exps) - 1
	exps[last] = min(exps[last], maxPow10)
	if len(exps) > 2 && 2*(exps[last]-exps[last-1]) < step {
		exps = slices.Delete(exps, last-1, last)
	}
	return exps, step
}

// Exponents of the smallest and largest powers of ten that are finite,
// non-zero float64 values.
const (
	minPow10 = -323
	maxPow10 = 308
)

// floorDiv is integer division rounding towards -∞.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// formatPow10 labels the tick 10^k: "1", "10", …, "10000" for 0 ≤ k ≤ 4,
// "0.1" and "0.01" for k = -1, -2, and "1e-3", "1e5" and so on otherwise.
func formatPow10(k int) string {
	switch {
	case k >= 0 && k <= 4:
		return strconv.FormatFloat(math.Pow10(k), 'f', 0, 64)
	case k == -1 || k == -2:
		return strconv.FormatFloat(math.Pow10(k), 'f', -k, 64)
	default:
		return "1e" + strconv.Itoa(k)
	}
}

// logAxis builds a logarithmic axis covering [min, max] (both > 0) with at
// most about n labelled decades. When every decade is labelled and there
// are few of them, the minor gridlines mark 2…9 × 10^k; when decades are
// skipped they mark the unlabelled decades.
func logAxis(min, max float64, n int) axis {
	exps, step := logTicks(min, max, n)
	a := axis{
		log: true,
		lo:  math.Pow10(exps[0]),
		hi:  math.Pow10(exps[len(exps)-1]),
	}
	for _, k := range exps {
		a.major = append(a.major, math.Pow10(k))
		a.labels = append(a.labels, formatPow10(k))
	}
	first, last := exps[0], exps[len(exps)-1]
	switch {
	case step == 1 && last-first <= 8:
		for k := first; k < last; k++ {
			for j := 2; j <= 9; j++ {
				a.minor = append(a.minor, decimal(int64(j), k))
			}
		}
	case step > 1:
		for k := first; k < last; k++ {
			if (k-first)%step != 0 {
				a.minor = append(a.minor, math.Pow10(k))
			}
		}
	}
	return a
}
