package main

import (
	"math"
	"strconv"

	"github.com/vigor-ml/vigor/bbvi"
)

// jsonFloat is a float64 that JSON encodes exactly as encoding/json encodes a
// float64, except that NaN and ±Inf, which JSON cannot hold and on which
// encoding/json fails (losing the whole report), are null: a Pareto k̂ of +Inf
// (a tail that is not Pareto at all), the standard error of a single ELBO
// evaluation, a quantile past the float range.
type jsonFloat float64

// MarshalJSON implements json.Marshaler.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	// As encoding/json: the shortest representation, with an exponent only
	// for tiny and huge magnitudes, and "e-7" rather than "e-07".
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(nil, v, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b, nil
}

// jsonFloats converts v for the JSON reports; nil stays nil.
func jsonFloats(v []float64) []jsonFloat {
	if v == nil {
		return nil
	}
	out := make([]jsonFloat, len(v))
	for i, x := range v {
		out[i] = jsonFloat(x)
	}
	return out
}

// jsonELBOPoint is bbvi.ELBOPoint in the JSON reports.
type jsonELBOPoint struct {
	Step int       `json:"step"`
	ELBO jsonFloat `json:"elbo"`
	SE   jsonFloat `json:"se"`
}

// jsonTrace converts an ELBO trace for the JSON reports; nil stays nil.
func jsonTrace(t []bbvi.ELBOPoint) []jsonELBOPoint {
	if t == nil {
		return nil
	}
	out := make([]jsonELBOPoint, len(t))
	for i, p := range t {
		out[i] = jsonELBOPoint{Step: p.Step, ELBO: jsonFloat(p.ELBO), SE: jsonFloat(p.SE)}
	}
	return out
}

// jsonDiagnostics is bbvi.Diagnostics in the JSON reports, with the same
// fields (a test checks they agree).
type jsonDiagnostics struct {
	Draws    int       `json:"draws"`
	ELBO     jsonFloat `json:"elbo"`
	ELBOSE   jsonFloat `json:"elbo_se"`
	ParetoK  jsonFloat `json:"pareto_k"`
	ESS      jsonFloat `json:"ess"`
	Reliable bool      `json:"reliable"`
	Reasons  []string  `json:"reasons,omitempty"`
	Hint     string    `json:"hint,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// jsonDiag converts diagnostics for the JSON reports; nil stays nil.
func jsonDiag(d *bbvi.Diagnostics) *jsonDiagnostics {
	if d == nil {
		return nil
	}
	return &jsonDiagnostics{Draws: d.Draws, ELBO: jsonFloat(d.ELBO), ELBOSE: jsonFloat(d.ELBOSE), ParetoK: jsonFloat(d.ParetoK),
		ESS: jsonFloat(d.ESS), Reliable: d.Reliable, Reasons: d.Reasons, Hint: d.Hint, Note: d.Note}
}
