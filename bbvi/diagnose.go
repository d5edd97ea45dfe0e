package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
)

// Diagnostics say whether a fitted q can be trusted. They come from fresh
// draws z_s ~ q and their importance ratios against the model's posterior,
//
//	log r_s = log p(x, z_s) - log q(z_s)   (all the data, no minibatch),
//
// whose mean is the ELBO and whose Pareto-smoothed tail index k̂ (PSIS; Yao
// et al. 2018, arXiv:1802.02538) measures how far q is from the posterior: a
// heavy tail of the ratios means that q misses regions where the posterior
// has mass.
type Diagnostics struct {
	// Draws is the number of draws from q the diagnostics use.
	Draws int `json:"draws"`
	// ELBO is the mean of the log ratios, with its Monte Carlo standard error.
	ELBO   float64 `json:"elbo"`
	ELBOSE float64 `json:"elbo_se"`
	// ParetoK is PSIS's k̂ of the ratios: below 0.5 good, 0.5–0.7 usable, above
	// 0.7 unreliable (see PSIS).
	ParetoK float64 `json:"pareto_k"`
	// ESS is the effective sample size of the smoothed importance weights,
	// between 1 and Draws: near Draws when q is close to the posterior.
	ESS float64 `json:"ess"`
	// Reliable is the verdict: the fit converged; k̂ is at most
	// min(0.7, 1 - 1/log10(Draws)), or the smoothed weights are nearly
	// uniform (ESS at least Draws/2); and q's means and sds agree with their
	// importance-weighted estimates (means within 0.2 posterior sd, sds
	// within a factor 1.25: for a mean-field q, of the best mean-field
	// Gaussian's, 1/√(Σ⁻¹)_jj).
	Reliable bool `json:"reliable"`
	// Reasons say, one sentence each, why the fit is doubtful; empty when it is
	// reliable.
	Reasons []string `json:"reasons,omitempty"`
	// Hint suggests what to try when the fit is doubtful.
	Hint string `json:"hint,omitempty"`
	// Note, when not empty, qualifies a reliable verdict: k̂ is high but the
	// weights are nearly uniform, so the mismatch lies in q's far tails.
	Note string `json:"note,omitempty"`

	psis  PSISResult
	draws [][]float64 // the draws in the constrained space, Draws × dim
}

// Verdict returns "reliable" or "doubtful: " followed by the reasons.
func (d *Diagnostics) Verdict() string {
	if d.Reliable {
		return "reliable"
	}
	s := "doubtful"
	for i, r := range d.Reasons {
		if i == 0 {
			s += ": " + r
		} else {
			s += "; " + r
		}
	}
	return s
}

// Resample returns n draws of the posterior by importance resampling of the
// diagnostic draws with their Pareto-smoothed weights (systematic resampling,
// then shuffled with rng), in the constrained space, one row per draw in the
// order of Posterior.Names. Resampling corrects q towards the posterior when
// k̂ is below 0.7; above, the weights are too uneven for the correction to be
// trusted. It returns an error when there are no draws.
func (d *Diagnostics) Resample(n int, rng *rand.Rand) ([][]float64, error) {
	if d == nil || len(d.draws) == 0 || len(d.psis.LogWeights) != len(d.draws) {
		return nil, errors.New("bbvi: Resample: the fit has no diagnostic draws")
	}
	if n < 0 {
		return nil, fmt.Errorf("bbvi: Resample: %d draws", n)
	}
	if rng == nil {
		return nil, errors.New("bbvi: Resample: nil *rand.Rand (randomness must be explicit)")
	}
	idx := d.psis.Resample(nil, n, rng)
	rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	out := make([][]float64, n)
	for i, s := range idx {
		out[i] = append([]float64(nil), d.draws[s]...)
	}
	return out, nil
}

// diagnosticDraws is the default number of draws of the diagnostics: 4000,
// for which a Pareto k̂ up to 1 - 1/log10(4000) = 0.72 is estimated reliably
// (with 1000 draws the threshold is 0.67, and k̂ of a banana-shaped
// posterior against its Gaussian fit came out at 0.64 where 4000 draws gave
// 0.78), fewer when the data are large: the draws × rows × dim evaluated are
// kept under about 2·10⁹, but never fewer than 500 draws.
func diagnosticDraws(rows, dim int) int {
	const budget = 2e9
	cost := float64(max(rows, 1)) * float64(max(dim, 1))
	return int(math.Max(500, math.Min(4000, budget/cost)))
}

// ratioGraph evaluates log p(x, z) - log q(z) for a chunk of draws from a copy
// of the fitted q, with the data in chunks of rows.
type ratioGraph struct {
	m      *graph.Machine
	approx Approx
	noise  *graph.Node
	din    *dataInputs
	base   *graph.Node   // log p(z) + log|det J| - log q(ζ), (S)
	ll     *graph.Node   // log p(x_chunk | z), (S); nil without data
	z      []*graph.Node // constrained draws, one node per continuous latent
	u      *graph.Node   // q's own draws (S, dim), before any preconditioning and constraint
}

// newRatioGraph builds the graph for draws of size s and data chunks of rows
// rows (0 without data), and copies the fitted parameters into it.
func (f *fitter) newRatioGraph(s, rows int) (*ratioGraph, error) {
	b := graph.NewBuilder(f.set.Dtype)
	q, err := f.set.Family.Build(b, Block{Name: "q", Size: f.dim, InitSD: f.set.InitSD})
	if err != nil {
		return nil, err
	}
	g := &ratioGraph{approx: q}
	params := q.Params()
	if len(params) != len(f.approx.Params()) {
		return nil, errors.New("bbvi: diagnostics: the family built a different number of parameters")
	}
	for i, p := range params {
		if err := graph.Set(p, graph.Values(f.approx.Params()[i])); err != nil {
			return nil, err
		}
	}
	g.noise = b.Input("noise", q.NoiseShape(s)...)
	zeta, logq := q.Sample(b, g.noise)
	g.u = zeta
	p := &Problem{B: b, Model: f.model, Latents: f.latents, pre: f.set.pre, rows: rows}
	z, logdet := p.Constrain(zeta)
	prior := p.calls.logPrior(b, f.model, z, s, rows, false)
	if b.Err() != nil || prior == nil {
		return nil, fmt.Errorf("bbvi: diagnostics: %v", p.calls.wrap(b.Err()))
	}
	g.base = b.Sub(prior, logq)
	if logdet != nil {
		g.base = b.Add(g.base, logdet)
	}
	if len(f.data) > 0 {
		g.din = newDataInputs(b, f.data, rows)
		g.ll, _ = p.calls.logLikelihood(b, f.model, z, g.din.x, s, rows)
	}
	for _, l := range f.cont {
		g.z = append(g.z, z[l.Name])
	}
	if b.Err() != nil {
		return nil, fmt.Errorf("bbvi: diagnostics: %w", p.calls.wrap(b.Err()))
	}
	// The model's own parameters θ, at their fitted values.
	theta := modelParams(b, params)
	if len(theta) != len(f.params)-f.nq {
		return nil, errors.New("bbvi: diagnostics: the model declared a different number of parameters")
	}
	for i, p := range theta {
		if err := graph.Set(p, graph.Values(f.params[f.nq+i])); err != nil {
			return nil, err
		}
	}
	for _, n := range []*graph.Node{g.base, g.ll} {
		if n != nil && (n.Dims() != 1 || n.Shape()[0] != s) {
			return nil, fmt.Errorf("bbvi: diagnostics: a log-density has shape %v, want (%d)", n.Shape(), s)
		}
	}
	g.m, err = b.Compile()
	if err != nil {
		return nil, fmt.Errorf("bbvi: diagnostics: %w", err)
	}
	if g.din != nil {
		if err := g.din.setGlobals(); err != nil {
			g.m.Close()
			return nil, err
		}
	}
	return g, nil
}

// importanceRatios draws n draws from the fitted q and returns their log
// ratios log p(x, z) - log q(z) over all the data, the draws in the
// constrained space, and q's own draws (its unconstrained, unpreconditioned
// coordinates) when the dimension is at most maxMomentDim.
func (f *fitter) importanceRatios(n int) (logw []float64, draws, udraws [][]float64, err error) {
	const maxCells = 1 << 21 // draws × rows evaluated per run
	s := min(n, 100)
	rows, rest := 0, 0
	if f.n > 0 {
		rows = f.n
		if s*rows > maxCells {
			rows = max(1, maxCells/s)
			rest = f.n % rows
		}
	}
	g, err := f.newRatioGraph(s, rows)
	if err != nil {
		return nil, nil, nil, err
	}
	defer g.m.Close()
	var tail *ratioGraph
	if rest > 0 {
		if tail, err = f.newRatioGraph(s, rest); err != nil {
			return nil, nil, nil, err
		}
		defer tail.m.Close()
	}
	noise := make([]float64, prod(g.approx.NoiseShape(s)))
	for len(logw) < n {
		g.approx.FillNoise(noise, f.rng)
		lw := make([]float64, s)
		for start := 0; start < max(f.n, 1); start += max(rows, 1) {
			r := g
			if tail != nil && start+rows > f.n {
				r = tail
			}
			if err := graph.Set(r.noise, noise); err != nil {
				return nil, nil, nil, err
			}
			if r.din != nil {
				if err := r.din.setRange(start); err != nil {
					return nil, nil, nil, err
				}
			}
			if err := r.m.Run(); err != nil {
				return nil, nil, nil, fmt.Errorf("bbvi: diagnostics: %w", err)
			}
			if start == 0 {
				for i, v := range graph.Values(r.base) {
					lw[i] += v
				}
				for i := 0; i < s; i++ {
					draws = append(draws, nil)
				}
				if f.dim <= maxMomentDim && elementwise(f.cont) {
					vals := graph.Values(r.u)
					for i := 0; i < s; i++ {
						udraws = append(udraws, vals[i*f.dim:(i+1)*f.dim])
					}
				}
				for k, zn := range r.z {
					vals := graph.Values(zn)
					w := len(vals) / s
					for i := 0; i < s; i++ {
						draws[len(draws)-s+i] = f.cont[k].appendReport(draws[len(draws)-s+i], vals[i*w:(i+1)*w])
					}
				}
			}
			if r.ll != nil {
				for i, v := range graph.Values(r.ll) {
					lw[i] += v
				}
			}
			if f.n == 0 {
				break
			}
		}
		logw = append(logw, lw...)
	}
	if len(udraws) > n {
		udraws = udraws[:n]
	}
	return logw[:n], draws[:n], udraws, nil
}

// diagnose computes the diagnostics of the fitted q with n draws, given how
// the fit ended.
func (f *fitter) diagnose(n int, status Status, reason string) (*Diagnostics, error) {
	logw, draws, udraws, err := f.importanceRatios(n)
	if err != nil {
		return nil, err
	}
	d := &Diagnostics{Draws: n, draws: draws}
	m, v := meanVar(logw)
	d.ELBO, d.ELBOSE = m, math.Sqrt(v/float64(n))
	res, err := PSIS(logw)
	if err != nil {
		return nil, fmt.Errorf("bbvi: diagnostics: %w", err)
	}
	d.psis = res
	d.ParetoK, d.ESS = res.K, res.ESS
	if status != Converged {
		d.Reasons = append(d.Reasons, fmt.Sprintf("the fit did not converge (%s)", reason))
	}
	// k̂ judges the tail of the ratios; when the smoothed weights are
	// nearly uniform anyway (ESS at least half the draws), every region of
	// the posterior that q reaches with probability above about 1/n holds
	// so little mass that it cannot move a mean or an sd visibly, and the
	// heavy tail lies beyond q's reach (a scale whose log has an
	// exponential tail where q's is Gaussian gives k̂ ≈ 1 on an excellent
	// fit). The importance-weighted moments then judge q instead.
	moments := false
	uniform := res.ESS >= float64(n)/2
	switch {
	case !res.Reliable() && !uniform:
		d.Reasons = append(d.Reasons, res.Diagnosis())
	default:
		if !res.Reliable() {
			d.Note = fmt.Sprintf("Pareto k̂ = %.2f, but the smoothed weights are nearly uniform (ESS %.0f of %d draws): q and the posterior differ only in q's far tails", res.K, res.ESS, n)
		}
		var names []string
		for _, l := range f.cont {
			names = append(names, l.ComponentNames()...)
		}
		_, diagonal := f.approx.(Diagonal)
		mr := momentReasons(draws, udraws, res.Weights(nil), res.ESS, diagonal, names)
		d.Reasons = append(d.Reasons, mr...)
		moments = len(mr) > 0
	}
	d.Reliable = len(d.Reasons) == 0
	switch {
	case d.Reliable:
	case moments && status == Converged:
		d.Hint = "q converged away from the posterior: try a richer family (--family fullrank or flow), or --resample to correct the draws by importance weighting"
	case res.K > PSISOK && f.set.Family.Name() == "meanfield":
		d.Hint = "q misses the posterior's shape: try the full-rank family (--family fullrank), or lowrank for many latents"
	case res.K > PSISOK:
		d.Hint = "the posterior is far from Gaussian: try a flow (--family flow), or reparameterize the model (e.g. a non-centred hierarchy)"
	case status == StepLimit:
		d.Hint = "raise the step limit (Settings.MaxSteps; vigor fit --steps)"
	}
	return d, nil
}
