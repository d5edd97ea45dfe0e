package bbvi

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/vigor-ml/vigor/graph"
)

// Quantity declares one derived quantity of a model: a block of Size values
// computed from the latents, as Stan's transformed parameters and generated
// quantities are. Size 0 means 1; Labels name the components for reports
// (nil means Name[i], or Name when Size is 1), as for a Latent.
type Quantity struct {
	Name   string
	Size   int
	Labels []string
}

func (q Quantity) size() int { return max(q.Size, 1) }

// ComponentNames returns the report name of each component.
func (q Quantity) ComponentNames() []string {
	return Latent{Name: q.Name, Size: q.Size, Labels: q.Labels}.ComponentNames()
}

// A Deriver is a Model with derived quantities: functions of its continuous
// latents (and of its Global data arrays), such as the school effects θ_j =
// μ + τ·η_j of a non-centred eight-schools model, or the deviation τ·η_g of
// each group of a varying-intercept regression. A fit summarizes them with
// the latents (Posterior.Derived: mean, sd, quantiles and draws).
type Deriver interface {
	Model
	// DerivedQuantities declares the quantities, in a fixed order; an empty
	// list means none.
	DerivedQuantities() []Quantity
	// Derived returns every declared quantity by name, shape (S, Size) (a
	// quantity of size 1 may also be (S)), from the latent draws z, shaped
	// as in LogPrior, and x, which holds only the Global float arrays of the
	// data (their integer indexes are b.Index(name)); the per-row arrays are
	// not available.
	Derived(b *graph.Builder, z Vars, x Vars) Vars
}

// Derived holds Monte Carlo draws of a model's derived quantities under a
// fitted posterior and summarizes them. Its components are ordered as the
// quantities, each quantity's components in order (see Names).
type Derived struct {
	Quantities []Quantity
	Names      []string  // one name per component
	Draws      []float64 // N draws, row-major: N × len(Names)
	N          int       // number of draws
}

// Dim returns the number of components.
func (d *Derived) Dim() int { return len(d.Names) }

// column returns component j of the draws.
func (d *Derived) column(j int) []float64 {
	k := d.Dim()
	out := make([]float64, d.N)
	for s := range out {
		out[s] = d.Draws[s*k+j]
	}
	return out
}

// Mean returns the Monte Carlo posterior mean of each component.
func (d *Derived) Mean() []float64 {
	out := make([]float64, d.Dim())
	for j := range out {
		out[j] = mean(d.column(j))
	}
	return out
}

// SD returns the Monte Carlo posterior standard deviation of each component
// (divided by N-1).
func (d *Derived) SD() []float64 {
	out := make([]float64, d.Dim())
	for j := range out {
		_, v := meanVar(d.column(j))
		out[j] = math.Sqrt(v)
	}
	return out
}

// Quantile returns the sample q-quantile (0 < q < 1) of each component,
// interpolated linearly between order statistics (Hyndman & Fan's definition
// 7, as Posterior.Quantile for a sampled q). It panics if q is outside (0, 1).
func (d *Derived) Quantile(q float64) []float64 {
	if !(q > 0 && q < 1) {
		panic(fmt.Sprintf("bbvi: quantile %g outside (0, 1)", q))
	}
	out := make([]float64, d.Dim())
	for j := range out {
		col := d.column(j)
		sort.Float64s(col)
		h := q * float64(len(col)-1)
		lo := int(h)
		hi := min(lo+1, len(col)-1)
		out[j] = col[lo] + (h-float64(lo))*(col[hi]-col[lo])
	}
	return out
}

// Index returns the component index of a name from Names, or -1.
func (d *Derived) Index(name string) int {
	for i, n := range d.Names {
		if n == name {
			return i
		}
	}
	return -1
}

// sampleU fills dst (n×du, du = len(UMean)) with n joint draws of q in the
// unconstrained space ζ, from rng only.
func (p *Posterior) sampleU(dst []float64, n int, rng *rand.Rand) {
	du := len(p.UMean)
	eps := make([]float64, du)
	for s := 0; s < n; s++ {
		zeta := dst[s*du : (s+1)*du]
		if p.sampled() {
			p.q.Sample(zeta, rng)
		} else {
			p.gaussian(zeta, eps, rng)
		}
	}
}

// drawChunk is the number of draws one run of a derived or predictive graph
// evaluates.
const drawChunk = 256

// zGraph is a graph of the constrained latents for chunk draws of ζ, with
// the data's inputs.
type zGraph struct {
	b     *graph.Builder
	zeta  *graph.Node
	z     Vars
	din   *dataInputs
	calls modelCalls
	s     int
}

// newZGraph starts a graph with an input ζ of chunk draws of the model's
// continuous latents, dim values each in the unconstrained space (q's
// dimension), constrained as in the fit, and inputs for data (its per-row
// arrays with rows rows; 0 leaves them out).
func newZGraph(m Model, data Data, chunk, rows, dim int, dt graph.Dtype) (*zGraph, error) {
	latents := m.Latents()
	if err := validateLatents(latents); err != nil {
		return nil, err
	}
	for _, l := range latents {
		if l.Support.Discrete() {
			return nil, fmt.Errorf("bbvi: latent %q is discrete: derived quantities and predictions need continuous latents only", l.Name)
		}
	}
	if err := data.validate(); err != nil {
		return nil, err
	}
	b := graph.NewBuilder(dt)
	g := &zGraph{b: b, s: chunk}
	g.zeta = b.Input("zeta", chunk, dim)
	p := &Problem{B: b, Model: m, Latents: latents}
	g.z, _ = p.Constrain(g.zeta)
	if len(data) > 0 {
		g.din = newDataInputs(b, data, rows)
	}
	return g, b.Err()
}

// run evaluates outs at n draws of q from post, made from rng chunk draws
// at a time (so that memory does not grow with n), and hands each chunk's
// values to use with the number of valid draws in it (the last chunk is
// padded with copies of its last draw).
func (g *zGraph) run(post *Posterior, n int, rng *rand.Rand, outs []*graph.Node, use func(start, valid int, vals [][]float64) error) error {
	m, err := g.b.Compile()
	if err != nil {
		return fmt.Errorf("bbvi: %w", err)
	}
	defer m.Close()
	if g.din != nil {
		err := g.din.setGlobals()
		if err == nil {
			err = g.din.setRange(0)
		}
		if err != nil {
			return err
		}
	}
	dim := g.zeta.Shape()[1]
	buf := make([]float64, g.s*dim)
	vals := make([][]float64, len(outs))
	for start := 0; start < n; start += g.s {
		valid := min(g.s, n-start)
		post.sampleU(buf, valid, rng)
		for r := valid; r < g.s; r++ {
			copy(buf[r*dim:(r+1)*dim], buf[(valid-1)*dim:valid*dim])
		}
		if err := graph.Set(g.zeta, buf); err != nil {
			return err
		}
		if err := m.Run(); err != nil {
			return fmt.Errorf("bbvi: running the graph: %w", err)
		}
		for i, o := range outs {
			vals[i] = graph.AppendValues(vals[i][:0], o)
		}
		if err := use(start, valid, vals); err != nil {
			return err
		}
	}
	return nil
}

// globalData returns the Global arrays of data.
func globalData(data Data) Data {
	var out Data
	for _, a := range data {
		if a.Global {
			out = append(out, a)
		}
	}
	return out
}

// DeriveDraws returns the derived quantities of m under the posterior post
// (fitted to m), at n joint draws of q made from rng only, with the Global
// arrays of data: a Derived of n draws. Fit and SVI.Result call it with
// PosteriorDraws draws; it is exported for more draws or another seed.
func DeriveDraws(m Deriver, data Data, post *Posterior, n int, rng *rand.Rand) (*Derived, error) {
	if m == nil || post == nil || rng == nil {
		return nil, errors.New("bbvi: DeriveDraws: nil model, posterior or *rand.Rand")
	}
	if n < 1 {
		return nil, fmt.Errorf("bbvi: DeriveDraws: %d draws", n)
	}
	chunk := min(n, drawChunk)
	g, outs, d, err := buildDerived(m, data, chunk, len(post.UMean))
	if err != nil || len(outs) == 0 {
		return d, err
	}
	d.N = n
	qs := d.Quantities
	k := d.Dim()
	d.Draws = make([]float64, n*k)
	err = g.run(post, n, rng, outs, func(start, valid int, vals [][]float64) error {
		for s := 0; s < valid; s++ {
			row := d.Draws[(start+s)*k : (start+s+1)*k]
			off := 0
			for i, q := range qs {
				w := q.size()
				copy(row[off:off+w], vals[i][s*w:(s+1)*w])
				off += w
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// buildDerived builds the graph of m's derived quantities for chunk draws,
// with the Global arrays of data, and checks what Derived returns. It returns
// the graph, the quantities' nodes in order and an empty Derived with the
// names (no graph and no nodes when m declares no quantity).
func buildDerived(m Deriver, data Data, chunk, dim int) (*zGraph, []*graph.Node, *Derived, error) {
	qs := m.DerivedQuantities()
	d := &Derived{Quantities: qs}
	seen := map[string]bool{}
	for _, l := range m.Latents() {
		seen[l.Name] = true
	}
	for _, q := range qs {
		if q.Name == "" || seen[q.Name] {
			return nil, nil, nil, fmt.Errorf("bbvi: derived quantity %q: empty, or the name of a latent or another quantity", q.Name)
		}
		if q.Size < 0 {
			return nil, nil, nil, fmt.Errorf("bbvi: derived quantity %q: negative size", q.Name)
		}
		seen[q.Name] = true
		d.Names = append(d.Names, q.ComponentNames()...)
	}
	if len(qs) == 0 {
		return nil, nil, d, nil
	}
	g, err := newZGraph(m, globalData(data), chunk, 0, dim, graph.Float64)
	if err != nil {
		return nil, nil, nil, err
	}
	b := g.b
	name := funcName(m, "Derived")
	var x Vars
	if g.din != nil {
		x = g.din.x
	}
	got := g.calls.vars(b, name, func() Vars { return m.Derived(b, g.z, x) })
	if err := b.Err(); err != nil {
		hint := ""
		if strings.Contains(err.Error(), "nil node") || strings.Contains(err.Error(), "nil pointer") {
			hint = " (derived quantities see the latents and the Global data arrays only)"
		}
		return nil, nil, nil, fmt.Errorf("bbvi: derived quantities: %w%s", g.calls.wrap(err), hint)
	}
	outs := make([]*graph.Node, len(qs))
	for i, q := range qs {
		v := got[q.Name]
		if v == nil {
			return nil, nil, nil, fmt.Errorf("bbvi: %s returned no quantity %q", name, q.Name)
		}
		sh := v.Shape()
		ok := (len(sh) == 2 && sh[0] == chunk && sh[1] == q.size()) || (q.size() == 1 && len(sh) == 1 && sh[0] == chunk)
		if !ok {
			return nil, nil, nil, fmt.Errorf("bbvi: %s: quantity %q has shape %v, want (%d, %d): one row of %d values per draw", name, q.Name, sh, chunk, q.size(), q.size())
		}
		outs[i] = v
	}
	for k := range got {
		if !seen[k] {
			return nil, nil, nil, fmt.Errorf("bbvi: %s returned %q, which DerivedQuantities does not declare", name, k)
		}
	}
	return g, outs, d, nil
}

// checkDerived builds, without running, the graph of the derived quantities
// of m, if it declares any, for a q of dimension dim, so that a mistake in
// them stops a fit before it starts.
func checkDerived(m Model, data Data, dim int) error {
	dv, ok := m.(Deriver)
	if !ok || len(dv.DerivedQuantities()) == 0 {
		return nil
	}
	_, _, _, err := buildDerived(dv, data, 3, dim)
	return err
}

// derive attaches the derived quantities of the fit's model, if it declares
// any, to post, from PosteriorDraws draws seeded by the fitted parameters.
func derive(m Model, data Data, post *Posterior) error {
	dv, ok := m.(Deriver)
	if !ok || len(dv.DerivedQuantities()) == 0 || post == nil {
		return nil
	}
	seed := ParamSeed(post.UMean, post.UVar)
	d, err := DeriveDraws(dv, data, post, PosteriorDraws, rand.New(rand.NewPCG(seed, 0xde51e5)))
	if err != nil {
		return err
	}
	post.Derived = d
	return nil
}
