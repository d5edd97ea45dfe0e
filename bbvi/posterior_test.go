package bbvi

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/graph"
)

// gaussFrozen is N(mu, LLᵀ) as a Frozen, to check the Monte Carlo posterior
// against the exact Gaussian one.
type gaussFrozen struct {
	mu, l []float64
}

func (g gaussFrozen) Dim() int { return len(g.mu) }

func (g gaussFrozen) Sample(dst []float64, rng *rand.Rand) float64 {
	d := len(g.mu)
	eps := make([]float64, d)
	normalNoise(eps, rng)
	lq := -float64(d) * halfLog2Pi
	for i := 0; i < d; i++ {
		dst[i] = g.mu[i]
		for k := 0; k <= i; k++ {
			dst[i] += g.l[i*d+k] * eps[k]
		}
		lq -= 0.5*eps[i]*eps[i] + math.Log(g.l[i*d+i])
	}
	return lq
}

// TestSampledPosterior checks the Monte Carlo summaries of a sampled
// posterior against the exact ones of the same Gaussian q, with a real and a
// positive latent (so the quadrature path is compared too): means within four
// Monte Carlo standard errors, SDs and quantiles likewise (their standard
// errors from the asymptotic formulas, for independent draws), and the same
// numbers from the same seed.
func TestSampledPosterior(t *testing.T) {
	latents := []Latent{{Name: "a", Size: 2}, {Name: "s", Support: Positive()}}
	mu := []float64{1, -0.5, 0.3}
	l := []float64{
		0.8, 0, 0,
		0.3, 0.5, 0,
		-0.2, 0.1, 0.4,
	}
	exact, err := newPosterior(latents, mu, l)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := NewSampledPosterior(latents, gaussFrozen{mu, l}, 42)
	if err != nil {
		t.Fatal(err)
	}
	again, err := NewSampledPosterior(latents, gaussFrozen{mu, l}, 42)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(mc.Mean(), again.Mean()) || !reflect.DeepEqual(mc.UCov, again.UCov) || !reflect.DeepEqual(mc.Quantile(0.3), again.Quantile(0.3)) {
		t.Error("the same seed gives different summaries")
	}
	if mc.Frozen() == nil || exact.Frozen() != nil {
		t.Error("Frozen: want the q for the sampled posterior, nil for the Gaussian one")
	}
	if !reflect.DeepEqual(mc.Names, exact.Names) || mc.Dim() != 3 {
		t.Errorf("names %v, want %v", mc.Names, exact.Names)
	}
	const n = PosteriorDraws
	wantMean, gotMean := exact.Mean(), mc.Mean()
	wantSD, gotSD := exact.SD(), mc.SD()
	for j := range wantMean {
		se := wantSD[j] / math.Sqrt(n)
		if math.Abs(gotMean[j]-wantMean[j]) > 4*se {
			t.Errorf("mean %d: Monte Carlo %.4f, exact %.4f (se %.4f)", j, gotMean[j], wantMean[j], se)
		}
		// The SD's standard error is σ √((κ - 1)/(4n)); κ, the kurtosis, is 3
		// for the normal components and below 6 for this log-normal one.
		if se := wantSD[j] * math.Sqrt(5.0/(4*n)); math.Abs(gotSD[j]-wantSD[j]) > 4*se {
			t.Errorf("sd %d: Monte Carlo %.4f, exact %.4f (se %.4f)", j, gotSD[j], wantSD[j], se)
		}
		if math.Abs(mc.UMean[j]-mu[j]) > 4*math.Sqrt(exact.UCov[j*3+j]/n) {
			t.Errorf("UMean %d = %.4f, want %.4f", j, mc.UMean[j], mu[j])
		}
	}
	for _, p := range []float64{0.05, 0.5, 0.9} {
		got, want := mc.Quantile(p), exact.Quantile(p)
		z := math.Sqrt2 * math.Erfinv(2*p-1)
		dens := math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi)
		for j := range got {
			// SE of the p-quantile of ζ_j, carried through the increasing map.
			sd := math.Sqrt(exact.UCov[j*3+j])
			se := sd * math.Sqrt(p*(1-p)/n) / dens
			if j == 2 {
				se *= want[j] // d exp(ζ)/dζ at the quantile
			}
			if math.Abs(got[j]-want[j]) > 4*se {
				t.Errorf("quantile %.2f of %d: Monte Carlo %.4f, exact %.4f (se %.4f)", p, j, got[j], want[j], se)
			}
		}
	}
	wantCov, gotCov := exact.Cov(), mc.Cov()
	for i := 0; i < 3; i++ {
		for j := 0; j < i; j++ {
			rw := wantCov[i*3+j] / (wantSD[i] * wantSD[j])
			rg := gotCov[i*3+j] / (gotSD[i] * gotSD[j])
			if se := (1 - rw*rw) / math.Sqrt(n); math.Abs(rg-rw) > 4*se+0.01 {
				t.Errorf("correlation %d,%d: Monte Carlo %.4f, exact %.4f", i, j, rg, rw)
			}
		}
	}
	// Sample draws from q: positive draws for s, the right mean.
	rng := rand.New(rand.NewPCG(8, 8))
	draws := mc.Sample(nil, 2000, rng)
	var m0 float64
	for s := 0; s < 2000; s++ {
		if draws[s*3+2] <= 0 {
			t.Fatalf("draw %d of a positive latent: %v", s, draws[s*3+2])
		}
		m0 += draws[s*3] / 2000
	}
	if se := wantSD[0] / math.Sqrt(2000); math.Abs(m0-wantMean[0]) > 4*se {
		t.Errorf("mean of Sample draws %.4f, want %.4f", m0, wantMean[0])
	}
	if _, err := NewSampledPosterior(latents, gaussFrozen{mu[:2], l[:4]}, 1); err == nil {
		t.Error("a q of the wrong dimension was accepted")
	}
	if _, err := NewSampledPosterior(latents, nil, 1); err == nil {
		t.Error("a nil q was accepted")
	}
}

// TestFitFlowPosterior checks that a Flow fit gives a sampled Posterior
// (frozen q, Monte Carlo moments), the same numbers from the same seed, and
// summaries that agree with draws of the frozen q.
func TestFitFlowPosterior(t *testing.T) {
	tg := bananaTarget()
	fit := func() *Posterior {
		post, err := Fit(tg.model, nil, &Settings{Family: Flow{}, MaxSteps: 300, EvalEvery: 100, EvalDraws: 40}, rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Fatal(err)
		}
		return post
	}
	a, b := fit(), fit()
	if a.Frozen() == nil || a.Family != "flow" {
		t.Fatalf("flow fit: Frozen %v, family %q", a.Frozen(), a.Family)
	}
	if !reflect.DeepEqual(a.UMean, b.UMean) || !reflect.DeepEqual(a.UCov, b.UCov) || !reflect.DeepEqual(a.Quantile(0.9), b.Quantile(0.9)) {
		t.Errorf("the same fit gives different summaries: %v %v", a.UMean, b.UMean)
	}
	// UMean is the mean of the kept draws (real-valued latents: Mean too).
	for j, v := range a.Mean() {
		if math.Abs(v-a.UMean[j]) > 1e-12 {
			t.Errorf("Mean %v, UMean %v", a.Mean(), a.UMean)
		}
	}
	// Fresh draws agree with the kept ones within Monte Carlo error.
	const n = 4000
	draws := a.Sample(nil, n, rand.New(rand.NewPCG(5, 5)))
	sd := a.SD()
	for j := 0; j < 2; j++ {
		var m float64
		for s := 0; s < n; s++ {
			m += draws[s*2+j] / n
		}
		if se := sd[j] * math.Sqrt(2.0/n); math.Abs(m-a.UMean[j]) > 4*se {
			t.Errorf("component %d: fresh draws' mean %.4f, posterior mean %.4f (se %.4f)", j, m, a.UMean[j], se)
		}
	}
}

// opaque hides everything of a flow's Approx but the Approx methods.
type opaque struct{ Approx }

type opaqueFamily struct{}

func (opaqueFamily) Name() string { return "opaque" }
func (opaqueFamily) Build(b *graph.Builder, blk Block) (Approx, error) {
	a, err := Flow{}.Build(b, blk)
	return opaque{a}, err
}

// TestFitNoPosterior checks the error for a family whose q is neither Gaussian
// nor a Freezer.
func TestFitNoPosterior(t *testing.T) {
	_, err := Fit(bananaTarget().model, nil, &Settings{Family: opaqueFamily{}, MaxSteps: 20, EvalEvery: 10, EvalDraws: 8}, rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.Contains(err.Error(), "neither Gaussian") || errors.Is(err, ErrNonFinite) {
		t.Errorf("got %v, want the no-Posterior error", err)
	}
}
