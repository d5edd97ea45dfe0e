package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vigor-ml/vigor/graph"
)

// This file holds the continuous local latents: one z_i per data row, with its
// own mean-field normal q(z_i) = N(m_i, diag(s_i²)), whose parameters live in
// a table of N rows outside the graph. On each step the graph sees only the
// B rows of the batch (two Params of shape (B, dim) that the fit fills from the
// table), and only those rows of the table are updated, by a lazy Adam with
// per-row state: O(N·dim) memory, O(B·dim) work per step.

// localName prefixes the names of the local table's parameters: "q.local.mu"
// and "q.local.logsd", each (N, dim), as SVI.Params and SVI.Gradient report
// them.
const localName = "q.local"

// LocalPosterior is the fitted q of one continuous local latent: independent
// normals, one per data row and component. A Posterior holds one per local
// latent (Posterior.Local).
type LocalPosterior struct {
	Rows int       // data rows N
	Size int       // components per row (1 for a latent of Size 0)
	Mean []float64 // means, Rows×Size row-major
	SD   []float64 // standard deviations, Rows×Size row-major
}

// LocalState is the state of the per-row parameters within an SVIState: the
// table of means and log sds (N×dim each, row-major), the lazy Adam's moments
// (the first and second moment of each, in the order mu, logsd) and each row's
// update count.
type LocalState struct {
	Mu      []float64   `json:"mu"`
	LogSD   []float64   `json:"logsd"`
	Moments [][]float64 `json:"moments"`
	Steps   []int       `json:"steps"`
	// The lazy average of the averaging phase (see SVIState.AvgStart): the
	// step after which it began (-1: not begun), each row's sums of its
	// iterates and the step through which they are summed.
	AvgFrom int       `json:"avg_from"`
	SumMu   []float64 `json:"sum_mu,omitempty"`
	SumSD   []float64 `json:"sum_sd,omitempty"`
	Last    []int     `json:"last,omitempty"`
}

// localBlock is the q of the continuous local latents of a fit.
type localBlock struct {
	latents []Latent // the continuous local latents, in the model's order
	offs    []int    // offset of each within a row
	dim     int      // components per row
	n, bsz  int

	mu, logsd []float64   // the table, n×dim each
	mom       [][]float64 // Adam moments: m(mu), v(mu), m(logsd), v(logsd), n×dim each
	steps     []int       // updates of each row

	lr, b1, b2, eps float64

	muNode, sdNode *graph.Node // Params (B, dim): the batch's rows
	noise          *graph.Node // Input (S, B, dim)
	noiseF         []float64
	gMu, gSd       *graph.Node // gradients of the loss
	rows           []int       // the rows of the current batch
	bufMu, bufSd   []float64   // B×dim
	backMu, backSd []float64   // the batch's rows before an update
	backMom        [][]float64 // and their moments
	gradMu, gradSd []float64   // the batch's gradients, read on each step

	// With Settings.Amortize: the inference network and the data it reads.
	net   *graph.MLP
	input Array
	act   graph.Activation

	// The lazy average of the table over the averaging phase (see startAvg).
	avgFrom      int       // the step after which averaging began; -1 before
	sumMu, sumSd []float64 // Σ of each row's iterates through step last[i]
	last         []int
}

// localLatents returns the continuous local latents of ls.
func localLatents(ls []Latent) []Latent {
	var out []Latent
	for _, l := range ls {
		if l.Local && !l.Support.Discrete() {
			out = append(out, l)
		}
	}
	return out
}

// newLocalBlock adds the batch's rows of the local q to the graph: a table's
// rows, or an inference network's outputs (set.Amortize), which reads the
// batch's rows of data (x, the data's input nodes).
func newLocalBlock(b *graph.Builder, ls []Latent, n, bsz, draws int, set Settings, data Data, x Vars) (*localBlock, error) {
	lb := &localBlock{latents: ls, n: n, bsz: bsz, avgFrom: -1}
	for _, l := range ls {
		lb.offs = append(lb.offs, lb.dim)
		lb.dim += l.size()
	}
	bd := bsz * lb.dim
	lb.noise = b.Input(localName+".noise", draws, bsz, lb.dim)
	lb.noiseF = make([]float64, draws*bd)
	lb.rows = make([]int, bsz)
	for i := range lb.rows {
		lb.rows[i] = i
	}
	if set.Amortize != nil {
		if err := lb.amortize(b, set.Amortize, data, x); err != nil {
			return nil, err
		}
		return lb, nil
	}
	nd := n * lb.dim
	lb.mu = make([]float64, nd)
	lb.logsd = make([]float64, nd)
	if set.InitSD > 0 {
		for i := range lb.logsd {
			lb.logsd[i] = math.Log(set.InitSD)
		}
	}
	lb.mom = make([][]float64, 4)
	for i := range lb.mom {
		lb.mom[i] = make([]float64, nd)
	}
	lb.steps = make([]int, n)
	lb.lr, lb.b1, lb.b2, lb.eps = orDefault(set.LocalLR, DefaultLocalLR), 0.9, 0.99, 1e-8
	if a, ok := set.Optimizer.(*graph.Adam); ok {
		lb.b1, lb.b2, lb.eps = orDefault(a.Beta1, 0.9), orDefault(a.Beta2, 0.999), orDefault(a.Eps, 1e-8)
	}
	lb.muNode = b.Param(localName+".mu", nil, bsz, lb.dim)
	lb.sdNode = b.Param(localName+".logsd", nil, bsz, lb.dim)
	lb.bufMu, lb.bufSd = make([]float64, bd), make([]float64, bd)
	lb.backMu, lb.backSd = make([]float64, bd), make([]float64, bd)
	for range lb.mom {
		lb.backMom = append(lb.backMom, make([]float64, bd))
	}
	return lb, nil
}

// load writes the rows of the batch into the graph's parameters (not with
// an inference network, which reads the batch's data) and fresh standard
// normal noise into its input.
func (lb *localBlock) load(rows []int, rng *rand.Rand) error {
	copy(lb.rows, rows)
	if lb.net != nil {
		for i := range lb.noiseF {
			lb.noiseF[i] = rng.NormFloat64()
		}
		return graph.Set(lb.noise, lb.noiseF)
	}
	d := lb.dim
	for r, i := range rows {
		copy(lb.bufMu[r*d:(r+1)*d], lb.mu[i*d:(i+1)*d])
		copy(lb.bufSd[r*d:(r+1)*d], lb.logsd[i*d:(i+1)*d])
	}
	for i := range lb.noiseF {
		lb.noiseF[i] = rng.NormFloat64()
	}
	if err := graph.Set(lb.muNode, lb.bufMu); err != nil {
		return err
	}
	if err := graph.Set(lb.sdNode, lb.bufSd); err != nil {
		return err
	}
	return graph.Set(lb.noise, lb.noiseF)
}

// finiteGrads reports whether the gradients of the batch's rows are finite.
func (lb *localBlock) finiteGrads() bool { return graph.Finite(lb.gMu) && graph.Finite(lb.gSd) }

// DefaultLocalLR is the base learning rate of the per-row parameters of
// continuous local latents when Settings.LocalLR is 0.
const DefaultLocalLR = 0.05

// LocalDecay is the number of a row's own updates after which its learning
// rate has fallen by √2: row i's rate is LocalLR/√(1 + t_i/LocalDecay).
const LocalDecay = 200

// update applies one lazy Adam step to the rows of the batch: each row keeps
// its own moments and its own step count t_i, which advance only when the row
// is in a batch; the bias corrections use t_i, and the row's learning rate
// decays with it as LocalLR/√(1 + t_i/LocalDecay), so that the jitter of the
// rows' q — which the model parameters are fitted against — fades as the fit
// goes on. Rows outside the batch are not touched at all (their moments do
// not decay), as in TensorFlow's LazyAdam: the result depends only on the
// sequence of batches and gradients, so it is deterministic. It returns
// false, leaving the table as it was, if an updated value is not finite.
func (lb *localBlock) update(t int) bool {
	lb.gradMu = graph.AppendValues(lb.gradMu[:0], lb.gMu)
	lb.gradSd = graph.AppendValues(lb.gradSd[:0], lb.gSd)
	gm, gs := lb.gradMu, lb.gradSd
	d := lb.dim
	for r, i := range lb.rows {
		copy(lb.backMu[r*d:(r+1)*d], lb.mu[i*d:(i+1)*d])
		copy(lb.backSd[r*d:(r+1)*d], lb.logsd[i*d:(i+1)*d])
		for k, m := range lb.mom {
			copy(lb.backMom[k][r*d:(r+1)*d], m[i*d:(i+1)*d])
		}
	}
	if lb.avgFrom >= 0 {
		// The rows' values so far held for the iterates last[i]+1 .. t-1.
		for _, i := range lb.rows {
			lb.accumulate(i, t-1)
		}
	}
	ok := true
	for r, i := range lb.rows {
		lb.steps[i]++
		ti := float64(lb.steps[i])
		a := lb.lr / math.Sqrt(1+ti/LocalDecay) / (1 - math.Pow(lb.b1, ti))
		s2 := 1 / math.Sqrt(1-math.Pow(lb.b2, ti))
		lo, hi := i*d, (i+1)*d
		ok = adamRow(lb.mu[lo:hi], gm[r*d:(r+1)*d], lb.mom[0][lo:hi], lb.mom[1][lo:hi], lb.b1, lb.b2, a, s2, lb.eps) && ok
		ok = adamRow(lb.logsd[lo:hi], gs[r*d:(r+1)*d], lb.mom[2][lo:hi], lb.mom[3][lo:hi], lb.b1, lb.b2, a, s2, lb.eps) && ok
	}
	if !ok {
		for r, i := range lb.rows {
			copy(lb.mu[i*d:(i+1)*d], lb.backMu[r*d:(r+1)*d])
			copy(lb.logsd[i*d:(i+1)*d], lb.backSd[r*d:(r+1)*d])
			for k, m := range lb.mom {
				copy(m[i*d:(i+1)*d], lb.backMom[k][r*d:(r+1)*d])
			}
			lb.steps[i]--
		}
	}
	return ok
}

// startAvg begins the average of the table over the iterates after step at,
// the Polyak–Ruppert average the SVI takes of the global parameters. A row's
// value changes only when it is in a batch, so its sum is brought up to date
// lazily — when the row is next updated, and once for all rows at the end —
// and averaging costs O(B·dim) per step.
func (lb *localBlock) startAvg(at int) {
	if lb.net != nil {
		return // the network's weights are averaged with the global parameters
	}
	lb.avgFrom = at
	lb.sumMu = make([]float64, len(lb.mu))
	lb.sumSd = make([]float64, len(lb.mu))
	lb.last = make([]int, lb.n)
	for i := range lb.last {
		lb.last[i] = at
	}
}

// accumulate adds row i's current value for the iterates last[i]+1 .. t.
func (lb *localBlock) accumulate(i, t int) {
	k := float64(t - lb.last[i])
	if k <= 0 {
		return
	}
	d := lb.dim
	for j := i * d; j < (i+1)*d; j++ {
		lb.sumMu[j] += k * lb.mu[j]
		lb.sumSd[j] += k * lb.logsd[j]
	}
	lb.last[i] = t
}

// finishAvg replaces the table by its average over the iterates after
// avgFrom through step t (the log sds are averaged on the log scale).
func (lb *localBlock) finishAvg(t int) {
	if lb.avgFrom < 0 || t <= lb.avgFrom {
		return
	}
	for i := 0; i < lb.n; i++ {
		lb.accumulate(i, t)
	}
	k := float64(t - lb.avgFrom)
	for j := range lb.mu {
		lb.mu[j] = lb.sumMu[j] / k
		lb.logsd[j] = lb.sumSd[j] / k
	}
	lb.avgFrom = -1
}

// adamRow is graph's Adam update on one row, with a = lr/(1-β₁ᵗ) and
// s2 = 1/√(1-β₂ᵗ); it reports whether the new values are finite.
func adamRow(p, g, m, v []float64, b1, b2, a, s2, eps float64) bool {
	ok := true
	for j, gj := range g {
		mm := b1*m[j] + (1-b1)*gj
		vv := b2*v[j] + (1-b2)*gj*gj
		m[j], v[j] = mm, vv
		p[j] -= a * mm / (math.Sqrt(vv)*s2 + eps)
		if math.IsNaN(p[j]) || math.IsInf(p[j], 0) {
			ok = false
		}
	}
	return ok
}

// grads returns the gradient of -ELBO for the whole table, n×dim each for mu
// and logsd: the batch's rows, zero elsewhere.
func (lb *localBlock) grads() (mu, logsd []float64) {
	mu, logsd = make([]float64, len(lb.mu)), make([]float64, len(lb.mu))
	gm, gs := graph.Values(lb.gMu), graph.Values(lb.gSd)
	d := lb.dim
	for r, i := range lb.rows {
		copy(mu[i*d:(i+1)*d], gm[r*d:(r+1)*d])
		copy(logsd[i*d:(i+1)*d], gs[r*d:(r+1)*d])
	}
	return mu, logsd
}

// posteriors splits the table by latent (with an inference network, the
// table of its outputs for every row).
func (lb *localBlock) posteriors() map[string]*LocalPosterior {
	out := map[string]*LocalPosterior{}
	d := lb.dim
	if lb.net != nil {
		lb.mu, lb.logsd = lb.encodeAll()
	}
	for k, l := range lb.latents {
		sz := l.size()
		lp := &LocalPosterior{Rows: lb.n, Size: sz, Mean: make([]float64, lb.n*sz), SD: make([]float64, lb.n*sz)}
		for i := 0; i < lb.n; i++ {
			for j := 0; j < sz; j++ {
				lp.Mean[i*sz+j] = lb.mu[i*d+lb.offs[k]+j]
				lp.SD[i*sz+j] = math.Exp(lb.logsd[i*d+lb.offs[k]+j])
			}
		}
		out[l.Name] = lp
	}
	return out
}

func (lb *localBlock) state() *LocalState {
	st := &LocalState{
		Mu:      append([]float64(nil), lb.mu...),
		LogSD:   append([]float64(nil), lb.logsd...),
		Steps:   append([]int(nil), lb.steps...),
		AvgFrom: lb.avgFrom,
		SumMu:   append([]float64(nil), lb.sumMu...),
		SumSD:   append([]float64(nil), lb.sumSd...),
		Last:    append([]int(nil), lb.last...),
	}
	for _, m := range lb.mom {
		st.Moments = append(st.Moments, append([]float64(nil), m...))
	}
	return st
}

func (lb *localBlock) restore(st *LocalState) error {
	if st == nil {
		return errors.New("bbvi: Restore: the state has no local parameters, the model has local latents")
	}
	nd := len(lb.mu)
	if len(st.Mu) != nd || len(st.LogSD) != nd || len(st.Steps) != lb.n || len(st.Moments) != len(lb.mom) {
		return fmt.Errorf("bbvi: Restore: the state's local parameters do not fit %d rows of %d components", lb.n, lb.dim)
	}
	for _, m := range st.Moments {
		if len(m) != nd {
			return fmt.Errorf("bbvi: Restore: the state's local moments do not fit %d rows of %d components", lb.n, lb.dim)
		}
	}
	if !finite(st.Mu) || !finite(st.LogSD) {
		return errors.New("bbvi: Restore: the state's local parameters are not finite")
	}
	for _, s := range st.Steps {
		if s < 0 {
			return errors.New("bbvi: Restore: a negative local step count")
		}
	}
	if st.AvgFrom >= 0 {
		if len(st.SumMu) != nd || len(st.SumSD) != nd || len(st.Last) != lb.n {
			return errors.New("bbvi: Restore: the state's local averages do not fit the model")
		}
		lb.avgFrom = st.AvgFrom
		lb.sumMu = append([]float64(nil), st.SumMu...)
		lb.sumSd = append([]float64(nil), st.SumSD...)
		lb.last = append([]int(nil), st.Last...)
	} else {
		lb.avgFrom, lb.sumMu, lb.sumSd, lb.last = -1, nil, nil, nil
	}
	copy(lb.mu, st.Mu)
	copy(lb.logsd, st.LogSD)
	copy(lb.steps, st.Steps)
	for i, m := range st.Moments {
		copy(lb.mom[i], m)
	}
	return nil
}

// set replaces the table (SVI.SetParams).
func (lb *localBlock) set(name string, vals []float64) (bool, error) {
	if lb.net != nil {
		return false, nil
	}
	var dst []float64
	switch name {
	case localName + ".mu":
		dst = lb.mu
	case localName + ".logsd":
		dst = lb.logsd
	default:
		return false, nil
	}
	if len(vals) != len(dst) {
		return true, fmt.Errorf("bbvi: SetParams %q: %d values, want %d", name, len(vals), len(dst))
	}
	copy(dst, vals)
	return true, nil
}

// LocalDraws are the reparameterized draws of the continuous local latents
// for the rows of the batch, which an Estimator builds with
// Problem.SampleLocal.
type LocalDraws struct {
	// Z holds each local latent's draws by name: (S, B) for a latent of Size 0,
	// (S, B, Size) otherwise.
	Z Vars
	// LogQ is Σ_batch log q(z_i) per draw, (S), differentiable in both the draws
	// and q's parameters (the total derivative).
	LogQ *graph.Node
	// LogQPath is the same value with q's parameters held fixed: its gradient
	// flows only through the draws (sticking the landing).
	LogQPath *graph.Node
	// Entropy is Σ_batch H[q(z_i)], a scalar, in closed form.
	Entropy *graph.Node
}

// SampleLocal draws the continuous local latents of the batch's rows, once per
// graph (later calls return the same draws), and returns them; nil when the
// model has none. LogJointParts uses these draws. The per-row terms (LogQ,
// LogQPath, Entropy) are sums over the batch: scale them by Scale (N/B), as
// the likelihood is.
func (p *Problem) SampleLocal() *LocalDraws {
	if p.local == nil {
		return nil
	}
	if p.localDraws != nil {
		return p.localDraws
	}
	b := p.B
	lb := p.local
	sd := b.Exp(lb.sdNode)
	z := b.Add(b.Mul(lb.noise, sd), lb.muNode) // (S, B, dim)
	const halfLog2Pi = 0.9189385332046728
	s := lb.noise.Shape()[0]
	// log q(z) = Σ -log s - ½ε² - ½log 2π; at fixed ε its total derivative in
	// (m, log s) is that of -Σ log s.
	sumSq := b.Sum(b.Square(lb.noise), 1, 2)
	cnst := -halfLog2Pi * float64(lb.bsz*lb.dim)
	logq := b.Sub(b.Shift(b.Scale(sumSq, -0.5), cnst), b.Sum(lb.sdNode))
	// The same value as a function of the draws alone: log N(z; stop(m), stop(s)).
	u := b.Div(b.Sub(z, b.StopGradient(lb.muNode)), b.StopGradient(sd))
	path := b.Sub(b.Shift(b.Scale(b.Sum(b.Square(u), 1, 2), -0.5), cnst), b.StopGradient(b.Sum(lb.sdNode)))
	ent := b.Shift(b.Sum(lb.sdNode), (halfLog2Pi+0.5)*float64(lb.bsz*lb.dim))
	d := &LocalDraws{Z: Vars{}, LogQ: logq, LogQPath: b.Reshape(path, s), Entropy: ent}
	for k, l := range lb.latents {
		sz := l.size()
		var zk *graph.Node
		if lb.dim == sz {
			zk = z
		} else {
			zr := b.Reshape(z, s*lb.bsz, lb.dim)
			zk = b.Reshape(b.Cols(zr, lb.offs[k], lb.offs[k]+sz), s, lb.bsz, sz)
		}
		if l.Size == 0 {
			zk = b.Reshape(zk, s, lb.bsz)
		}
		d.Z[l.Name] = zk
	}
	p.localDraws = d
	return d
}
