package bbvi

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// gpdDraw draws from the generalized Pareto distribution (location 0, shape k,
// scale σ) by inverting its CDF: x = σ((1-U)^(-k) - 1)/k.
func gpdDraw(rng *rand.Rand, k, sigma float64) float64 {
	return gpdQuantile(rng.Float64(), k, sigma)
}

// meanSE is the mean of xs with its Monte Carlo standard error.
func meanSE(xs []float64) (mean, se float64) {
	m, sd := stat.MeanStdDev(xs, nil)
	return m, sd / math.Sqrt(float64(len(xs)))
}

// TestPSISGPDFit checks the Zhang–Stephens fit (without the prior on k) on
// samples drawn from generalized Pareto distributions of known shape and scale:
// over R repetitions the mean estimate must be within 4 Monte Carlo standard
// errors of the truth, and the spread of k̂ must be the asymptotic (1+k)/√n of
// an efficient estimator (the MLE's), within 4 standard errors of a sample SD.
func TestPSISGPDFit(t *testing.T) {
	const n, R = 1000, 100
	for _, tc := range []struct{ k, sigma float64 }{{0.2, 1}, {0.5, 2.5}, {0.8, 0.3}} {
		rng := rand.New(rand.NewPCG(uint64(100*tc.k), 7))
		x := make([]float64, n)
		ks := make([]float64, R)
		ss := make([]float64, R)
		for rep := range R {
			for i := range x {
				x[i] = gpdDraw(rng, tc.k, tc.sigma)
			}
			slices.Sort(x)
			k, sigma, ok := gpdFit(x)
			if !ok {
				t.Fatalf("k=%v rep %d: fit failed", tc.k, rep)
			}
			ks[rep], ss[rep] = k, sigma/tc.sigma
		}
		mk, sek := meanSE(ks)
		ms, ses := meanSE(ss)
		sdk := stat.StdDev(ks, nil)
		want := (1 + tc.k) / math.Sqrt(n)
		t.Logf("k=%.1f σ=%.1f: mean k̂ = %.4f ± %.4f, mean σ̂/σ = %.4f ± %.4f, sd k̂ = %.4f (asymptotic %.4f)",
			tc.k, tc.sigma, mk, sek, ms, ses, sdk, want)
		if math.Abs(mk-tc.k) > 4*sek {
			t.Errorf("k=%v: mean k̂ = %v, more than 4 SE (%v) from the truth", tc.k, mk, sek)
		}
		if math.Abs(ms-1) > 4*ses {
			t.Errorf("k=%v: mean σ̂/σ = %v, more than 4 SE (%v) from 1", tc.k, ms, ses)
		}
		if rel := sdk/want - 1; math.Abs(rel) > 4/math.Sqrt(2*R) {
			t.Errorf("k=%v: sd of k̂ = %v, want about %v (relative error %.2f)", tc.k, sdk, want, rel)
		}
	}
}

// TestPSISExactParetoTail uses q = Exponential(1), p = Exponential(λ): the
// ratio r(z) = λ e^((1-λ)z) has P(r > t) ∝ t^(-1/(1-λ)), an exact Pareto tail,
// so the exceedances over any threshold u are generalized Pareto with
// k = 1-λ and σ = k u. PSIS's k̂ carries the prior shrinkage, so its mean over
// repetitions must be (M k + 5)/(M + 10) within 4 Monte Carlo standard errors.
func TestPSISExactParetoTail(t *testing.T) {
	const S, R = 4000, 40
	M := psisTailLen(S)
	logw := make([]float64, S)
	for _, lambda := range []float64{0.8, 0.5, 0.3, 0.1} {
		k := 1 - lambda
		rng := rand.New(rand.NewPCG(uint64(1000*lambda), 11))
		ks := make([]float64, R)
		for rep := range R {
			for i := range logw {
				z := rng.ExpFloat64()
				logw[i] = math.Log(lambda) - lambda*z + z
			}
			res, err := PSIS(logw)
			if err != nil {
				t.Fatal(err)
			}
			ks[rep] = res.K
		}
		mk, se := meanSE(ks)
		want := (float64(M)*k + 5) / float64(M+10)
		t.Logf("λ=%.1f (k = %.1f): mean k̂ = %.4f ± %.4f, want %.4f (first rep %.4f)", lambda, k, mk, se, want, ks[0])
		if math.Abs(mk-want) > 4*se {
			t.Errorf("λ=%v: mean k̂ = %v, want %v ± 4·%v", lambda, mk, want, se)
		}
	}
}

// TestPSISNormalTargets: with q = N(0, 1) and p = N(0, s²), s > 1, the ratio
// r(z) ∝ exp(z²(1 - 1/s²)/2) has P(r > t) ~ C t^(-1/(1-1/s²)) / √log t, a
// Pareto tail with k = 1 - 1/s² up to a slowly varying factor; with s < 1 the
// ratios are bounded (k < 0) and the effective sample size is
// S/E_q[r²] = S s√(2 - s²). A Student-t target has k = 1.
func TestPSISNormalTargets(t *testing.T) {
	const S, R = 4000, 20
	logw := make([]float64, S)
	run := func(seed uint64, logRatio func(z float64) float64) (k, ess []float64) {
		rng := rand.New(rand.NewPCG(seed, 13))
		for range R {
			for i := range logw {
				logw[i] = logRatio(rng.NormFloat64())
			}
			res, err := PSIS(logw)
			if err != nil {
				t.Fatal(err)
			}
			k = append(k, res.K)
			ess = append(ess, res.ESS)
		}
		return k, ess
	}
	normalRatio := func(s float64) func(float64) float64 {
		return func(z float64) float64 { return -math.Log(s) - z*z/(2*s*s) + z*z/2 }
	}

	// Heavier targets: k = 1 - 1/s². The slowly varying factor biases k̂ at
	// finite S; the tolerance allows for it (0.1) on top of 4 standard errors,
	// and the estimates must increase with s.
	prev := math.Inf(-1)
	for _, s2 := range []float64{1.5, 2, 4} {
		k, _ := run(uint64(10*s2), normalRatio(math.Sqrt(s2)))
		mk, se := meanSE(k)
		want := 1 - 1/s2
		t.Logf("p = N(0, %.1f): mean k̂ = %.4f ± %.4f, k = %.4f", s2, mk, se, want)
		if math.Abs(mk-want) > 0.1+4*se {
			t.Errorf("p = N(0, %v): mean k̂ = %v, want %v", s2, mk, want)
		}
		if mk <= prev {
			t.Errorf("p = N(0, %v): mean k̂ = %v does not exceed that of a narrower target (%v)", s2, mk, prev)
		}
		prev = mk
	}

	// A narrower target: bounded ratios, good k̂, ESS/S = s√(2 - s²).
	const s = 0.8
	k, ess := run(3, normalRatio(s))
	for i := range ess {
		ess[i] /= S
	}
	me, se := meanSE(ess)
	want := s * math.Sqrt(2-s*s)
	t.Logf("p = N(0, %.2f): max k̂ = %.4f, mean ESS/S = %.4f ± %.4f, want %.4f", s*s, slices.Max(k), me, se, want)
	if slices.Max(k) >= PSISGood {
		t.Errorf("p = N(0, %v): k̂ up to %v, want below %v", s*s, slices.Max(k), PSISGood)
	}
	if math.Abs(me-want) > 4*se {
		t.Errorf("p = N(0, %v): mean ESS/S = %v, want %v ± 4·%v", s*s, me, want, se)
	}

	// Student-t targets: k = 1, but P(r > t) ~ t^(-1) (2 log t)^(-(ν+2)/2), a
	// slowly varying factor that lowers k̂ at finite S: single runs scatter
	// from about 0.35 to 1, around a mean near 0.7 (measured at S = 1000 and
	// 4000 for ν = 1, 2, 3, 5). The diagnostic must fire on average: the mean
	// k̂ more than 4 standard errors above PSISGood.
	for _, nu := range []float64{1, 3} {
		lt, _ := math.Lgamma((nu + 1) / 2)
		lh, _ := math.Lgamma(nu / 2)
		logT := func(z float64) float64 {
			return lt - lh - 0.5*math.Log(nu*math.Pi) - (nu+1)/2*math.Log1p(z*z/nu) + z*z/2 + 0.5*math.Log(2*math.Pi)
		}
		k, _ = run(uint64(4+nu), logT)
		mk, sek := meanSE(k)
		t.Logf("p = t_%v: mean k̂ = %.4f ± %.4f, min %.4f, max %.4f", nu, mk, sek, slices.Min(k), slices.Max(k))
		if mk-4*sek <= PSISGood {
			t.Errorf("p = t_%v, q = N(0, 1): mean k̂ = %v ± %v, want well above %v", nu, mk, sek, PSISGood)
		}
	}
}

// TestPSISExactFit: q = p gives equal log ratios: the weights are uniform,
// ESS = S, and the tail is an atom at the largest ratio (k̂ = -Inf, reliable).
// Rounding-level noise on top gives a small k̂ and ESS ≈ S.
func TestPSISExactFit(t *testing.T) {
	const S = 1000
	logw := make([]float64, S)
	for i := range logw {
		logw[i] = -1234.5
	}
	res, err := PSIS(logw)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(res.K, -1) || res.Note == "" || !res.Reliable() || math.Abs(res.ESS-S) > 1e-9*S {
		t.Errorf("equal log weights: K = %v, ESS = %v, reliable %v, note %q; want -Inf, %d, true and a note",
			res.K, res.ESS, res.Reliable(), res.Note, S)
	}
	for i, v := range res.LogWeights {
		if math.Abs(v+math.Log(S)) > 1e-12 {
			t.Fatalf("equal log weights: log weight %d = %v, want %v", i, v, -math.Log(S))
		}
	}

	rng := rand.New(rand.NewPCG(5, 5))
	for i := range logw {
		logw[i] = -1234.5 + 1e-10*rng.NormFloat64()
	}
	res, err = PSIS(logw)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("q = p up to noise: k̂ = %.4f, ESS = %.4f", res.K, res.ESS)
	if !(res.K < PSISGood) || !res.Reliable() || math.Abs(res.ESS-S) > 1e-6*S {
		t.Errorf("q = p up to noise: K = %v, ESS = %v; want a good k̂ and ESS ≈ %d", res.K, res.ESS, S)
	}
}

// TestPSISProperties checks, on a moderately heavy tail, that the weights are
// normalized, that the tail is smoothed monotonically and truncated at the
// largest raw ratio, that the body is untouched, that shifting the log ratios
// changes nothing, and that the input is not modified.
func TestPSISProperties(t *testing.T) {
	const S = 1000
	rng := rand.New(rand.NewPCG(8, 8))
	logw := make([]float64, S)
	for i := range logw {
		z := rng.ExpFloat64()
		logw[i] = 0.6 * z // k = 0.6
	}
	orig := slices.Clone(logw)
	res, err := PSIS(logw)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(orig, logw) {
		t.Fatal("PSIS modified its input")
	}
	M := res.TailLen
	if M != 95 || math.Abs(res.KThreshold-(1-1.0/3)) > 1e-15 {
		t.Errorf("TailLen = %d, KThreshold = %v; want 95 and 2/3", M, res.KThreshold)
	}
	w := res.Weights(nil)
	var sum, sq float64
	for _, v := range w {
		sum += v
		sq += v * v
	}
	if math.Abs(sum-1) > 1e-12 || math.Abs(res.ESS-1/sq) > 1e-9*res.ESS {
		t.Errorf("weights sum to %v, ESS %v vs 1/Σw² = %v", sum, res.ESS, 1/sq)
	}
	idx := make([]int, S)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmpFloat(logw[a], logw[b]) })
	// Body: raw ratios, relative to one another.
	lz := res.LogWeights[idx[0]] - logw[idx[0]]
	for _, j := range idx[:S-M] {
		if d := res.LogWeights[j] - logw[j] - lz; math.Abs(d) > 1e-12 {
			t.Fatalf("body weight %d changed by %v", j, d)
		}
	}
	// Tail: nondecreasing in the raw order, above the threshold, at most the
	// largest raw ratio.
	lmax := logw[idx[S-1]] + lz
	for i := S - M; i < S; i++ {
		v := res.LogWeights[idx[i]]
		if v > lmax+1e-12 || v < res.LogWeights[idx[S-M-1]] || (i > S-M && v < res.LogWeights[idx[i-1]]) {
			t.Fatalf("tail weight %d (rank %d) = %v out of order or range", idx[i], i, v)
		}
	}
	shifted := make([]float64, S)
	for i, v := range logw {
		shifted[i] = v - 700
	}
	res2, err := PSIS(shifted)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res2.K-res.K) > 1e-9 || math.Abs(res2.ESS-res.ESS) > 1e-9*res.ESS {
		t.Errorf("shift by -700: k̂ %v → %v, ESS %v → %v", res.K, res2.K, res.ESS, res2.ESS)
	}
	if !strings.Contains(res.Diagnosis(), "k̂ = ") {
		t.Errorf("Diagnosis() = %q", res.Diagnosis())
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestPSISEdgeCases covers the inputs PSIS rejects and the degenerate ones it
// reports with an infinite k̂.
func TestPSISEdgeCases(t *testing.T) {
	inf := math.Inf(1)
	_, err := PSIS([]float64{1, 2, 3, 4})
	if !errors.Is(err, ErrTooFewDraws) {
		t.Errorf("4 draws: error %v, want ErrTooFewDraws", err)
	}
	if _, err := PSIS(nil); !errors.Is(err, ErrTooFewDraws) {
		t.Errorf("no draws: error %v, want ErrTooFewDraws", err)
	}
	for _, bad := range []float64{math.NaN(), inf} {
		x := make([]float64, 100)
		x[37] = bad
		_, err := PSIS(x)
		if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "37") {
			t.Errorf("%v at index 37: error %v, want ErrNonFinite naming index 37", bad, err)
		}
	}
	allNeg := make([]float64, 50)
	for i := range allNeg {
		allNeg[i] = -inf
	}
	if _, err := PSIS(allNeg); !errors.Is(err, ErrNonFinite) {
		t.Errorf("all -Inf: error %v, want ErrNonFinite", err)
	}

	rng := rand.New(rand.NewPCG(9, 9))
	normal := func(S int) []float64 {
		x := make([]float64, S)
		for i := range x {
			x[i] = 0.5 * rng.NormFloat64()
		}
		return x
	}

	// 5 to 20 draws: tail shorter than 5, no fit, raw normalized weights.
	x := normal(20)
	res, err := PSIS(x)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(res.K, 1) || res.TailLen != 4 || res.Note == "" || res.Reliable() {
		t.Errorf("20 draws: K = %v, TailLen = %d, note %q; want +Inf, 4 and a note", res.K, res.TailLen, res.Note)
	}
	checkRaw(t, "20 draws", x, res)
	// 21 draws: a tail of 5 is fitted (as loo 2.5.1 does).
	if res, err := PSIS(normal(21)); err != nil || res.TailLen != 5 || math.IsInf(res.K, 0) {
		t.Errorf("21 draws: K = %v, TailLen = %d, err %v; want a finite fit of 5", res.K, res.TailLen, err)
	}

	// -Inf entries: zero weight, never in the tail.
	x = normal(1000)
	for i := 0; i < len(x); i += 7 {
		x[i] = -inf
	}
	res, err = PSIS(x)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsInf(res.K, 0) || !(res.K < PSISGood) {
		t.Errorf("with -Inf entries: K = %v, want a finite good k̂", res.K)
	}
	var sum float64
	for i, v := range res.LogWeights {
		if i%7 == 0 && !math.IsInf(v, -1) {
			t.Fatalf("draw %d of log ratio -Inf got log weight %v", i, v)
		}
		sum += math.Exp(v)
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("with -Inf entries: weights sum to %v", sum)
	}
	// Fewer positive weights than the tail: +Inf, raw weights.
	x = normal(1000)
	for i := 50; i < len(x); i++ {
		x[i] = -inf
	}
	res, err = PSIS(x)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(res.K, 1) || !strings.Contains(res.Note, "50 of 1000") {
		t.Errorf("50 positive of 1000: K = %v, note %q", res.K, res.Note)
	}
	checkRaw(t, "50 positive of 1000", x, res)

	// A single huge ratio: flagged. Smoothing pulls it down to the expected
	// largest order statistic of the fitted tail, but it keeps the largest
	// weight. When the others are negligible next to it (they underflow),
	// there is no tail to fit: +Inf, and the raw weights (ESS = 1).
	x = normal(1000)
	x[123] = 30
	res, err = PSIS(x)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one log ratio of 30: k̂ = %v, ESS = %v, its weight %v", res.K, res.ESS, math.Exp(res.LogWeights[123]))
	if res.K <= PSISOK || res.Reliable() || slices.Index(res.LogWeights, slices.Max(res.LogWeights)) != 123 {
		t.Errorf("one log ratio of 30: K = %v, reliable %v; want K > %v and draw 123 the heaviest", res.K, res.Reliable(), PSISOK)
	}
	x[123] = 1000
	res, err = PSIS(x)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(res.K, 1) || res.Note == "" || math.Abs(res.ESS-1) > 1e-12 || res.LogWeights[123] != 0 {
		t.Errorf("one log ratio of 1000: K = %v, ESS = %v, note %q; want +Inf, 1 and a note", res.K, res.ESS, res.Note)
	}
}

// checkRaw checks that res holds the raw ratios, normalized.
func checkRaw(t *testing.T, name string, logw []float64, res PSISResult) {
	t.Helper()
	hi := slices.Max(logw)
	var sum float64
	for _, v := range logw {
		sum += math.Exp(v - hi)
	}
	for i, v := range logw {
		if want := v - hi - math.Log(sum); math.Abs(res.LogWeights[i]-want) > 1e-12 && !(math.IsInf(want, -1) && math.IsInf(res.LogWeights[i], -1)) {
			t.Fatalf("%s: log weight %d = %v, want the raw %v", name, i, res.LogWeights[i], want)
		}
	}
}

// TestPSISResample checks systematic resampling: each draw appears ⌊n w̄⌋ or
// ⌈n w̄⌉ times, zero weights never, the same seed gives the same indices, and
// a dst of enough capacity is reused.
func TestPSISResample(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	logw := make([]float64, 500)
	for i := range logw {
		logw[i] = 1.5 * rng.NormFloat64()
		if i%5 == 0 {
			logw[i] = math.Inf(-1)
		}
	}
	logw[0] = 0 // the first draw has a weight
	logw[499] = math.Inf(-1)
	res, err := PSIS(logw)
	if err != nil {
		t.Fatal(err)
	}
	w := res.Weights(nil)
	for _, n := range []int{1, 7, 1000, 20000} {
		for seed := range uint64(5) {
			got := res.Resample(nil, n, rand.New(rand.NewPCG(seed, 1)))
			if len(got) != n || !slices.IsSorted(got) {
				t.Fatalf("n=%d: %d indices, sorted %v", n, len(got), slices.IsSorted(got))
			}
			count := make([]int, len(w))
			for _, s := range got {
				count[s]++
			}
			for s, c := range count {
				nw := float64(n) * w[s]
				if w[s] == 0 && c > 0 || float64(c) < math.Floor(nw)-1e-9*float64(n) || float64(c) > math.Ceil(nw)+1e-9*float64(n) {
					t.Fatalf("n=%d seed %d: draw %d (n w̄ = %v) drawn %d times", n, seed, s, nw, c)
				}
			}
		}
	}
	a := res.Resample(nil, 300, rand.New(rand.NewPCG(3, 4)))
	buf := make([]int, 300)
	b := res.Resample(buf, 300, rand.New(rand.NewPCG(3, 4)))
	if !slices.Equal(a, b) || &b[0] != &buf[0] {
		t.Error("same seed gave different indices, or dst was not reused")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Resample with a nil rng did not panic")
			}
		}()
		res.Resample(nil, 3, nil)
	}()
}

// TestPSISReference compares with R's loo package (2.5.1, r_eff = 1) on the
// cases of testdata/psis_loo.R: k̂, the effective sample size and every
// normalized smoothed log weight must agree to rounding. (The tolerances are a
// few hundred ulps: loo shifts its log weights back by the largest log ratio,
// -5000 in one case where an ulp is 1e-12, before it normalizes them.)
func TestPSISReference(t *testing.T) {
	f, err := os.Open("testdata/psis_loo.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	next := func() []string {
		if !sc.Scan() {
			t.Fatalf("psis_loo.txt: unexpected end after line %d (%v)", line, sc.Err())
		}
		line++
		return strings.Fields(sc.Text())
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("psis_loo.txt line %d: %v", line, err)
		}
		return v
	}
	cases := 0
	for sc.Scan() {
		line++
		h := strings.Fields(sc.Text())
		if len(h) != 5 || h[0] != "case" {
			t.Fatalf("psis_loo.txt line %d: %q is not a case header", line, sc.Text())
		}
		S, err := strconv.Atoi(h[2])
		if err != nil {
			t.Fatal(err)
		}
		wantK, wantESS := num(h[3]), num(h[4])
		logw, wantLW := make([]float64, S), make([]float64, S)
		for i := range S {
			r := next()
			logw[i], wantLW[i] = num(r[0]), num(r[1])
		}
		res, err := PSIS(logw)
		if err != nil {
			t.Fatalf("%s: %v", h[1], err)
		}
		t.Logf("%s: k̂ = %.6f (loo %.6f), ESS = %.4f (loo %.4f)", h[1], res.K, wantK, res.ESS, wantESS)
		if math.Abs(res.K-wantK) > 1e-12*max(1, math.Abs(wantK)) || math.Abs(res.ESS-wantESS) > 1e-11*wantESS {
			t.Errorf("%s: k̂ = %v, ESS = %v; loo gives %v, %v", h[1], res.K, res.ESS, wantK, wantESS)
		}
		for i, v := range res.LogWeights {
			if math.Abs(v-wantLW[i]) > 1e-11 {
				t.Errorf("%s: log weight %d = %v, loo gives %v", h[1], i, v, wantLW[i])
				break
			}
		}
		cases++
	}
	if err := sc.Err(); err != nil || cases < 7 {
		t.Fatalf("psis_loo.txt: %d cases read, error %v", cases, err)
	}
}

// The Pareto k̂ diagnostic of an approximation q = N(0, 1) to a target
// p = N(0, 1.2²), whose ratios have a tail of shape k = 1 - 1/1.2² ≈ 0.31, and
// importance resampling of the draws of q into draws of p.
func ExamplePSIS() {
	rng := rand.New(rand.NewPCG(1, 2))
	const S = 2000
	z := make([]float64, S)
	logw := make([]float64, S)
	for s := range z {
		z[s] = rng.NormFloat64()                                    // z ~ q
		logw[s] = -math.Log(1.2) - z[s]*z[s]/(2*1.44) + z[s]*z[s]/2 // log p(z) - log q(z)
	}
	res, err := PSIS(logw)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Diagnosis())
	fmt.Printf("tail of %d ratios, ESS %.0f of %d, reliable: %v\n", res.TailLen, res.ESS, S, res.Reliable())

	idx := res.Resample(nil, 1000, rng) // draws approximately from p
	var m2 float64
	for _, s := range idx {
		m2 += z[s] * z[s] / 1000
	}
	fmt.Printf("E_p[z²] ≈ %.2f (exact 1.44)\n", m2)
	// Output:
	// Pareto k̂ = 0.45 < 0.5: good
	// tail of 135 ratios, ESS 1756 of 2000, reliable: true
	// E_p[z²] ≈ 1.45 (exact 1.44)
}
