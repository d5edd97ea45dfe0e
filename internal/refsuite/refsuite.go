package refsuite

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/graph"
)

// Problem is one posterior of the suite: a model, its data, and what Stan
// needs to compute its reference.
type Problem struct {
	// ID is the problem's letter, "a" to "l", as the command's -models flag
	// takes it.
	ID string
	// Name is the file stem of the reference, ref/NAME.json, and of the data
	// file that Stan reads, data/NAME.json.
	Name string
	// Title says what the problem is, in a few words.
	Title string
	// Stan is the file name of the Stan program under bench/refsuite/ref. Its
	// parameters, transformed parameters or generated quantities include every
	// name of StanNames and of the derived quantities' StanName.
	Stan string
	// StanDiag, if not empty, is a second Stan program run on the same data
	// for its diagnostics only (the centred eight schools, whose reference
	// comes from the non-centred program's draws).
	StanDiag string
	// Exact reports that the reference moments are known in closed form (the
	// R script computes them); NUTS is then run for its diagnostics only.
	Exact bool
	// Seed is the seed of the Stan run.
	Seed int
	// AdaptDelta is Stan's target acceptance rate; 0 means Stan's default,
	// 0.8.
	AdaptDelta float64
	// Model is the model, written with the graph Builder.
	Model bbvi.Model
	// Data is the model's data; nil for a model without data.
	Data bbvi.Data
	// StanData is the data block of the Stan program, in order.
	StanData []StanVar
	// LogDensity returns log p(x, z) in plain float64 at the constrained
	// values z, ordered as Names: the density the graph model computes
	// (LogPrior + LogLikelihood, without any log|det J|).
	LogDensity func(z []float64) float64
	// Derived are quantities computed from the latents for reporting (the
	// second mean of an ordered pair, the centred effects of a non-centred
	// model); the reference reports them too. nil means none.
	Derived []Derived
}

// Derived is a quantity computed from the latents, reported and compared
// with the reference in its own parameterization.
type Derived struct {
	Name     string                    // Vigor-style name, 0-based: "theta[0]", "mu2"
	StanName string                    // the name in the Stan program's output, 1-based: "theta[1]"
	F        func(z []float64) float64 // its value at the constrained latents z
}

// StanVar is one entry of a Stan data block: a scalar (Dims nil), a vector
// (one dim) or a matrix (two dims, Values row-major), of ints or reals.
type StanVar struct {
	Name   string
	Int    bool
	Dims   []int
	Values []float64
}

// Names returns the component names of the problem's latents, in Vigor's
// order (bbvi.Posterior.Names).
func (p *Problem) Names() []string {
	var out []string
	for _, l := range p.Model.Latents() {
		out = append(out, l.ComponentNames()...)
	}
	return out
}

// Supports returns the support of each component, in Vigor's order.
func (p *Problem) Supports() []bbvi.Support {
	var out []bbvi.Support
	for _, l := range p.Model.Latents() {
		n := l.Size
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			out = append(out, l.Support)
		}
	}
	return out
}

// StanNames returns the Stan names of the components, in Vigor's order: the
// latent's name for a scalar, name[i+1] for the components of a vector (Stan
// counts from 1).
func (p *Problem) StanNames() []string {
	var out []string
	for _, l := range p.Model.Latents() {
		if l.Size <= 1 {
			out = append(out, l.Name)
			continue
		}
		for i := 0; i < l.Size; i++ {
			out = append(out, fmt.Sprintf("%s[%d]", l.Name, i+1))
		}
	}
	return out
}

// Dim returns the number of components.
func (p *Problem) Dim() int { return len(p.Names()) }

// DerivedValues returns the derived quantities at the constrained latents z.
func (p *Problem) DerivedValues(z []float64) []float64 {
	out := make([]float64, len(p.Derived))
	for i, d := range p.Derived {
		out[i] = d.F(z)
	}
	return out
}

// spec is the data file that the R script reads: everything it needs to run
// Stan and to order its output as Vigor does.
type spec struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Title      string          `json:"title"`
	Stan       string          `json:"stan"`
	StanDiag   string          `json:"stan_diag"`
	Exact      bool            `json:"exact"`
	Seed       int             `json:"seed"`
	AdaptDelta float64         `json:"adapt_delta"`
	Names      []string        `json:"names"`
	StanNames  []string        `json:"stan_names"`
	Support    []string        `json:"support"`
	Lower      []float64       `json:"lower"`
	Upper      []float64       `json:"upper"`
	Derived    []string        `json:"derived"`
	DerivedSt  []string        `json:"derived_stan"`
	Data       json.RawMessage `json:"data"`
}

// SpecJSON returns the problem's data file, data/NAME.json, byte for byte: the
// Stan data (under "data") and the names, supports and settings that the R
// script needs. Its MD5 is recorded in the reference, so that a reference
// computed from other data is caught (SpecMD5).
func (p *Problem) SpecJSON() []byte {
	s := spec{
		ID: p.ID, Name: p.Name, Title: p.Title, Stan: p.Stan, StanDiag: p.StanDiag, Exact: p.Exact,
		Seed: p.Seed, AdaptDelta: p.AdaptDelta,
		Names: p.Names(), StanNames: p.StanNames(),
		Derived: []string{}, DerivedSt: []string{},
		Data: stanJSON(p.StanData),
	}
	if s.AdaptDelta == 0 {
		s.AdaptDelta = 0.8
	}
	for _, sup := range p.Supports() {
		switch sup.Kind {
		case bbvi.PositiveReals:
			s.Support = append(s.Support, "positive")
		case bbvi.IntervalSupport:
			s.Support = append(s.Support, "interval")
		default:
			s.Support = append(s.Support, "real")
		}
		s.Lower = append(s.Lower, sup.Lower)
		s.Upper = append(s.Upper, sup.Upper)
	}
	for _, d := range p.Derived {
		s.Derived = append(s.Derived, d.Name)
		s.DerivedSt = append(s.DerivedSt, d.StanName)
	}
	out, err := json.Marshal(s)
	if err != nil {
		panic("refsuite: " + err.Error()) // only plain values: cannot happen
	}
	return append(out, '\n')
}

// SpecMD5 returns the hexadecimal MD5 of SpecJSON, as R's tools::md5sum
// prints it for the file.
func (p *Problem) SpecMD5() string {
	h := md5.Sum(p.SpecJSON())
	return hex.EncodeToString(h[:])
}

// stanJSON writes the Stan data as one JSON object, keys in order: scalars as
// numbers, vectors as arrays, matrices as arrays of rows. Ints are written
// without a decimal point.
func stanJSON(vars []StanVar) json.RawMessage {
	var buf bytes.Buffer
	num := func(v float64, isInt bool) {
		if isInt {
			buf.WriteString(strconv.FormatInt(int64(v), 10))
			return
		}
		buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	}
	buf.WriteByte('{')
	for i, v := range vars {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.Quote(v.Name))
		buf.WriteByte(':')
		switch len(v.Dims) {
		case 0:
			num(v.Values[0], v.Int)
		case 1:
			buf.WriteByte('[')
			for j, x := range v.Values {
				if j > 0 {
					buf.WriteByte(',')
				}
				num(x, v.Int)
			}
			buf.WriteByte(']')
		case 2:
			buf.WriteByte('[')
			for r := 0; r < v.Dims[0]; r++ {
				if r > 0 {
					buf.WriteByte(',')
				}
				buf.WriteByte('[')
				for c := 0; c < v.Dims[1]; c++ {
					if c > 0 {
						buf.WriteByte(',')
					}
					num(v.Values[r*v.Dims[1]+c], v.Int)
				}
				buf.WriteByte(']')
			}
			buf.WriteByte(']')
		default:
			panic("refsuite: Stan data of more than two dimensions")
		}
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// All returns the problems of the suite, in the order of their IDs. Each call
// builds them afresh (the data are drawn from fixed seeds, so every call gives
// the same numbers).
func All() []*Problem {
	return []*Problem{
		EightSchoolsNC(), EightSchoolsCP(), LinRegFlat(), Interaction(),
		Logistic(), CorrRegression(), AR1(), Mixture(), PoissonOffset(),
		HierIntercept(), Funnel(), Banana(),
	}
}

// Select returns the problems whose ID or Name is in the comma-separated list
// ids ("" or "all" means all of them), in the suite's order, and an error
// naming the first unknown entry.
func Select(ids string) ([]*Problem, error) {
	all := All()
	ids = strings.TrimSpace(ids)
	if ids == "" || ids == "all" {
		return all, nil
	}
	want := map[string]bool{}
	for _, id := range strings.Split(ids, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		found := false
		for _, p := range all {
			if p.ID == id || p.Name == id {
				want[p.ID] = true
				found = true
			}
		}
		if !found {
			var known []string
			for _, p := range all {
				known = append(known, p.ID+" ("+p.Name+")")
			}
			return nil, fmt.Errorf("refsuite: unknown model %q (want one of %s)", id, strings.Join(known, ", "))
		}
	}
	var out []*Problem
	for _, p := range all {
		if want[p.ID] {
			out = append(out, p)
		}
	}
	return out, nil
}

// GraphLogDensity evaluates the model's graph — LogPrior plus LogLikelihood
// over all the data rows, without any log|det J| — at the constrained points
// z (each ordered as the latents' components) and returns one value per
// point. It builds, compiles and runs a float64 graph once; the tests use it
// to check a model against its float64 twin.
func GraphLogDensity(m bbvi.Model, data bbvi.Data, z [][]float64) ([]float64, error) {
	s := len(z)
	if s == 0 {
		return nil, nil
	}
	b := graph.NewBuilder(graph.Float64)
	vars := bbvi.Vars{}
	type input struct {
		node *graph.Node
		vals []float64
	}
	var inputs []input
	off := 0
	for _, l := range m.Latents() {
		n := l.Size
		if n == 0 {
			n = 1
		}
		vals := make([]float64, 0, s*n)
		for _, row := range z {
			if off+n > len(row) {
				return nil, fmt.Errorf("refsuite: point of %d values for latents of more components", len(row))
			}
			vals = append(vals, row[off:off+n]...)
		}
		off += n
		in := b.Input(l.Name, s, n)
		vars[l.Name] = in
		inputs = append(inputs, input{in, vals})
	}
	lp := m.LogPrior(b, vars)
	if len(data) > 0 {
		x := bbvi.Vars{}
		for _, a := range data {
			if a.Cols == 0 {
				x[a.Name] = b.Constant(a.Name, a.Values, a.Rows())
			} else {
				x[a.Name] = b.Constant(a.Name, a.Values, a.Rows(), a.Cols)
			}
		}
		if ll := m.LogLikelihood(b, vars, x); ll != nil {
			lp = b.Add(lp, ll)
		}
	}
	mach, err := b.Compile()
	if err != nil {
		return nil, err
	}
	defer mach.Close()
	for _, in := range inputs {
		if err := graph.Set(in.node, in.vals); err != nil {
			return nil, err
		}
	}
	if err := mach.Run(); err != nil {
		return nil, err
	}
	out := graph.Values(lp)
	if len(out) != s {
		return nil, fmt.Errorf("refsuite: log-density has %d values for %d points", len(out), s)
	}
	return out, nil
}

// RandomPoint draws a point of the problem's constrained space for tests: a
// standard normal for a real component, exp of one for a positive component,
// a uniform draw inside an interval.
func (p *Problem) RandomPoint(rng *rand.Rand) []float64 {
	sups := p.Supports()
	z := make([]float64, len(sups))
	for i, s := range sups {
		switch s.Kind {
		case bbvi.PositiveReals:
			z[i] = math.Exp(rng.NormFloat64())
		case bbvi.IntervalSupport:
			z[i] = s.Lower + (s.Upper-s.Lower)*(0.05+0.9*rng.Float64())
		default:
			z[i] = rng.NormFloat64()
		}
	}
	return z
}
