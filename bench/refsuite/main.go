package main

import (
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/internal/refsuite"
)

//go:embed ref
var refFS embed.FS

// The targets.
const (
	maxMeanErr = 0.25 // |Δμ| in reference sds
	fullLo     = 0.75 // sd ratio vs NUTS, every family but mean-field
	fullHi     = 1.33
	mfLo       = 0.75 // sd ratio vs the best mean-field Gaussian
	mfHi       = 1.25
	derivDraws = 4000 // draws of q for the derived quantities
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "refsuite:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a bad flag or argument (exit code 2).
type usageError struct{ error }

func run(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("refsuite", flag.ContinueOnError)
	fl.SetOutput(stderr)
	families := fl.String("families", strings.Join(bbvi.FamilyNames(), ","), "comma-separated variational families")
	models := fl.String("models", "all", "comma-separated problem IDs or names (a..l)")
	seed := fl.Uint64("seed", 1, "seed of every fit's PCG source")
	jsonOut := fl.String("json", "", "also write every result, component by component, to this JSON file")
	writeData := fl.String("write-data", "", "write the data files that make_refs.R reads into this directory, and exit")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if fl.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fl.Arg(0))}
	}
	probs, err := refsuite.Select(*models)
	if err != nil {
		return usageError{err}
	}
	if *writeData != "" {
		return writeDataFiles(*writeData, probs, stderr)
	}
	var fams []string
	for _, f := range strings.Split(*families, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if _, err := bbvi.FamilyByName(f); err != nil {
			return usageError{err}
		}
		fams = append(fams, f)
	}
	if len(fams) == 0 {
		return usageError{errors.New("no family given")}
	}

	var rows []*Row
	printHeader(stdout)
	for _, p := range probs {
		ref, refErr := loadRef(p)
		for _, fam := range fams {
			var r *Row
			if refErr != nil {
				r = &Row{ID: p.ID, Model: p.Name, Family: fam, Dim: p.Dim(), Err: refErr.Error(), DerivedErr: Num(math.NaN())}
			} else {
				r = fitOne(p, ref, fam, *seed)
			}
			rows = append(rows, r)
			printRow(stdout, r)
		}
	}
	printSummary(stdout, rows)
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeDataFiles writes each problem's data file, NAME.json.
func writeDataFiles(dir string, probs []*refsuite.Problem, stderr io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range probs {
		path := filepath.Join(dir, p.Name+".json")
		if err := os.WriteFile(path, p.SpecJSON(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s (md5 %s)\n", path, p.SpecMD5())
	}
	return nil
}

// Moments are a reference's posterior moments in one space.
type Moments struct {
	Mean []float64   `json:"mean"`
	SD   []float64   `json:"sd"`
	Cov  [][]float64 `json:"cov"`
	MFSD []float64   `json:"mf_sd"` // 1/sqrt(diag(Σ⁻¹)): the best mean-field Gaussian's sds
}

// Reference is a ref/NAME.json file, written by make_refs.R.
type Reference struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Method  string   `json:"method"` // "nuts" or "exact"
	Names   []string `json:"names"`
	Support []string `json:"support"`
	Moments
	Unconstrained Moments   `json:"unconstrained"`
	MCSEMean      []float64 `json:"mcse_mean"`
	Derived       *struct {
		Names []string  `json:"names"`
		Mean  []float64 `json:"mean"`
		SD    []float64 `json:"sd"`
	} `json:"derived"`
	NUTS struct {
		MaxRhat     float64 `json:"max_rhat"`
		MinESSBulk  float64 `json:"min_ess_bulk"`
		Divergences int     `json:"divergences"`
	} `json:"nuts"`
	DataMD5 string `json:"data_md5"`
}

// loadRef reads the problem's embedded reference and checks that it belongs
// to the problem as the Go code defines it today.
func loadRef(p *refsuite.Problem) (*Reference, error) {
	b, err := refFS.ReadFile("ref/" + p.Name + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no reference ref/%s.json (run make_refs.R)", p.Name)
	}
	if err != nil {
		return nil, err
	}
	var r Reference
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("ref/%s.json: %w", p.Name, err)
	}
	names := p.Names()
	d := len(names)
	if strings.Join(r.Names, ",") != strings.Join(names, ",") {
		return nil, fmt.Errorf("ref/%s.json names %v, the model's are %v", p.Name, r.Names, names)
	}
	if len(r.Mean) != d || len(r.SD) != d || len(r.MFSD) != d || len(r.Unconstrained.MFSD) != d || len(r.Unconstrained.SD) != d {
		return nil, fmt.Errorf("ref/%s.json: moments do not have %d components", p.Name, d)
	}
	if md5 := p.SpecMD5(); r.DataMD5 != md5 {
		return nil, fmt.Errorf("stale reference: ref/%s.json was computed from data with md5 %s, the data are %s now (rerun -write-data and make_refs.R)", p.Name, r.DataMD5, md5)
	}
	if r.Derived != nil && len(p.Derived) != len(r.Derived.Names) {
		return nil, fmt.Errorf("ref/%s.json has %d derived quantities, the problem %d", p.Name, len(r.Derived.Names), len(p.Derived))
	}
	return &r, nil
}

// Param compares one component of a fit with its reference.
type Param struct {
	Name     string `json:"name"`
	RefMean  Num    `json:"ref_mean"`
	RefSD    Num    `json:"ref_sd"`
	Mean     Num    `json:"mean"`      // of q, constrained space
	SD       Num    `json:"sd"`        // of q, constrained space
	MeanErr  Num    `json:"mean_err"`  // |Mean - RefMean| / RefSD
	FitSD    Num    `json:"fit_sd"`    // the sd judged: SD, or USD for mean-field
	TargetSD Num    `json:"target_sd"` // RefSD, or RefUMFSD for mean-field
	SDRatio  Num    `json:"sd_ratio"`  // FitSD / TargetSD
	RefMFSD  Num    `json:"ref_mf_sd"` // best mean-field sd, constrained space
	UMean    Num    `json:"u_mean"`    // of q, unconstrained space
	USD      Num    `json:"u_sd"`
	RefUMean Num    `json:"ref_u_mean"`
	RefUSD   Num    `json:"ref_u_sd"`
	RefUMFSD Num    `json:"ref_u_mf_sd"` // best mean-field sd, unconstrained space
}

// DerivedParam compares a derived quantity, estimated from draws of q, with
// its reference.
type DerivedParam struct {
	Name    string `json:"name"`
	RefMean Num    `json:"ref_mean"`
	RefSD   Num    `json:"ref_sd"`
	Mean    Num    `json:"mean"`
	SD      Num    `json:"sd"`
	MeanErr Num    `json:"mean_err"` // |Mean - RefMean| / RefSD
	SDRatio Num    `json:"sd_ratio"` // SD / RefSD
}

// Row is the result of one fit: what the table prints, and every component.
type Row struct {
	ID         string `json:"id"`
	Model      string `json:"model"`
	Family     string `json:"family"`
	Dim        int    `json:"dim"`
	Target     string `json:"target,omitempty"` // "nuts" or "mf": the sds the ratios are against
	MeanErr    Num    `json:"max_mean_err"`
	MeanErrAt  string `json:"max_mean_err_at,omitempty"`
	RatioMin   Num    `json:"sd_ratio_min"`
	RatioMinAt string `json:"sd_ratio_min_at,omitempty"`
	RatioMax   Num    `json:"sd_ratio_max"`
	RatioMaxAt string `json:"sd_ratio_max_at,omitempty"`
	// RatioWorstAt is the component whose sd ratio is farthest from 1 (in log).
	RatioWorstAt string         `json:"sd_ratio_worst_at,omitempty"`
	DerivedErr   Num            `json:"derived_max_mean_err"` // NaN (null) when there are none
	Pass         bool           `json:"pass"`
	Status       string         `json:"status,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	Steps        int            `json:"steps"`
	Seconds      Num            `json:"seconds"`
	ELBO         Num            `json:"elbo"`
	ParetoK      *float64       `json:"pareto_k"` // nil (null) when the fit has no diagnostics
	Reliable     bool           `json:"reliable"` // the fit's own verdict (post.Diagnostics.Reliable)
	ESS          Num            `json:"ess"`      // relative effective sample size of the diagnostics' weights, ESS/draws
	Err          string         `json:"error,omitempty"`
	Params       []Param        `json:"params,omitempty"`
	Derived      []DerivedParam `json:"derived,omitempty"`
}

// Num is a float64 that JSON writes as null when it is NaN or infinite.
type Num float64

// MarshalJSON implements json.Marshaler.
func (x Num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(x))
}

// fitOne fits the problem with the family and compares it with the reference.
// A panic inside the library is turned into the row's error.
func fitOne(p *refsuite.Problem, ref *Reference, family string, seed uint64) (r *Row) {
	r = &Row{ID: p.ID, Model: p.Name, Family: family, Dim: p.Dim(), DerivedErr: Num(math.NaN())}
	defer func() {
		if v := recover(); v != nil {
			r.Err, r.Pass = fmt.Sprintf("panic: %v", v), false
		}
	}()
	fam, err := bbvi.FamilyByName(family)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	post, err := bbvi.Fit(p.Model, p.Data, &bbvi.Settings{Family: fam}, rand.New(rand.NewPCG(seed, 0x5e1f)))
	if post == nil {
		if err == nil {
			err = errors.New("no posterior and no error")
		}
		r.Err = err.Error()
		return r
	}
	if err != nil && !errors.Is(err, bbvi.ErrNonFinite) {
		r.Err = err.Error()
	}
	r.Status, r.Reason = post.Status.String(), post.Reason
	r.Steps, r.Seconds, r.ELBO = post.Steps, Num(post.Seconds), Num(post.ELBO())
	if k, ok := paretoK(post, p); ok {
		r.ParetoK = &k
		r.Reliable = post.Diagnostics.Reliable
		r.ESS = Num(post.Diagnostics.ESS / float64(max(post.Diagnostics.Draws, 1)))
	}
	_, meanField := fam.(bbvi.MeanField)
	compare(r, p, ref, post, meanField, seed)
	return r
}

// compare fills the row's accuracy columns. For mean-field, the sds compared
// are those of q in the unconstrained space against the best mean-field
// Gaussian's there; for every other family, the constrained sds against
// NUTS's.
func compare(r *Row, p *refsuite.Problem, ref *Reference, post *bbvi.Posterior, meanField bool, seed uint64) {
	mean, sd := post.Mean(), post.SD()
	d := post.Dim()
	lo, hi := fullLo, fullHi
	r.Target = "nuts"
	if meanField {
		lo, hi = mfLo, mfHi
		r.Target = "mf"
	}
	worst, rmin, rmax := 0.0, math.Inf(1), math.Inf(-1)
	r.Pass = true
	for j := 0; j < d; j++ {
		usd := math.Sqrt(post.UCov[j*d+j])
		meanErr := math.Abs(mean[j]-ref.Mean[j]) / ref.SD[j]
		fitSD, target := sd[j], ref.SD[j]
		if meanField {
			fitSD, target = usd, ref.Unconstrained.MFSD[j]
		}
		ratio := fitSD / target
		r.Params = append(r.Params, Param{
			Name: ref.Names[j], RefMean: Num(ref.Mean[j]), RefSD: Num(ref.SD[j]), Mean: Num(mean[j]), SD: Num(sd[j]),
			MeanErr: Num(meanErr), FitSD: Num(fitSD), TargetSD: Num(target), SDRatio: Num(ratio),
			UMean: Num(post.UMean[j]), RefUMean: Num(ref.Unconstrained.Mean[j]), USD: Num(usd),
			RefUSD: Num(ref.Unconstrained.SD[j]), RefUMFSD: Num(ref.Unconstrained.MFSD[j]), RefMFSD: Num(ref.MFSD[j]),
		})
		if !(meanErr <= worst) { // NaN counts as the worst
			worst, r.MeanErrAt = meanErr, ref.Names[j]
		}
		if !(ratio >= rmin) {
			rmin, r.RatioMinAt = ratio, ref.Names[j]
		}
		if !(ratio <= rmax) {
			rmax, r.RatioMaxAt = ratio, ref.Names[j]
		}
		if !(meanErr <= maxMeanErr && ratio >= lo && ratio <= hi) {
			r.Pass = false
		}
	}
	r.MeanErr, r.RatioMin, r.RatioMax = Num(worst), Num(rmin), Num(rmax)
	r.RatioWorstAt = r.RatioMaxAt
	if math.Abs(math.Log(rmin)) > math.Abs(math.Log(rmax)) || math.IsNaN(rmax) {
		r.RatioWorstAt = r.RatioMinAt
	}
	if r.Err != "" || post.Status == bbvi.NonFinite {
		r.Pass = false
	}
	if ref.Derived == nil || len(p.Derived) == 0 {
		return
	}
	// Derived quantities: moments from draws of q, compared in the
	// reference's parameterization.
	n := derivDraws
	draws := post.Sample(nil, n, rand.New(rand.NewPCG(seed, 0xde71)))
	k := len(p.Derived)
	sum, sum2 := make([]float64, k), make([]float64, k)
	for s := 0; s < n; s++ {
		for i, v := range p.DerivedValues(draws[s*d : (s+1)*d]) {
			sum[i] += v
			sum2[i] += v * v
		}
	}
	worst = 0
	for i := range p.Derived {
		m := sum[i] / float64(n)
		s := math.Sqrt(math.Max(0, sum2[i]/float64(n)-m*m) * float64(n) / float64(n-1))
		meanErr := math.Abs(m-ref.Derived.Mean[i]) / ref.Derived.SD[i]
		r.Derived = append(r.Derived, DerivedParam{
			Name: ref.Derived.Names[i], RefMean: Num(ref.Derived.Mean[i]), RefSD: Num(ref.Derived.SD[i]),
			Mean: Num(m), SD: Num(s), MeanErr: Num(meanErr), SDRatio: Num(s / ref.Derived.SD[i]),
		})
		if !(meanErr <= worst) {
			worst = meanErr
		}
	}
	r.DerivedErr = Num(worst)
}

// paretoK returns the Pareto k̂ diagnostic of the fit (PSIS, Vehtari et al.
// 2015, arXiv:1507.02646, applied to the importance ratios p(x, z)/q(z) of
// draws from q, as in Yao et al. 2018, arXiv:1802.02538), and false while the
// library does not provide it: the table then prints "-".
//
// paretoK returns the PSIS k̂ of the fit's diagnostics (post.Diagnostics),
// false when the fit has none.
func paretoK(post *bbvi.Posterior, _ *refsuite.Problem) (float64, bool) {
	if post.Diagnostics == nil {
		return 0, false
	}
	return post.Diagnostics.ParetoK, true
}

const rowFormat = "%-2s %-17s %-10s %3s  %-22s %-34s %5s  %-6s %-10s %6s %6s %3s %4s  %s\n"

func printHeader(w io.Writer) {
	fmt.Fprintf(w, rowFormat, "id", "model", "family", "d", "max|Δμ|/sd (where)", "sd ratio range (target, worst)", "drv", "result", "status", "steps", "secs", "  k̂", "ess", "reason") // k̂ is two runes wide one column
}

func printRow(w io.Writer, r *Row) {
	if r.Err != "" && r.Status == "" {
		fmt.Fprintf(w, "%-2s %-17s %-10s %3d  ERROR: %s\n", r.ID, r.Model, r.Family, r.Dim, r.Err)
		return
	}
	result := "FAIL"
	if r.Pass {
		result = "PASS"
	}
	drv := "-"
	if !math.IsNaN(float64(r.DerivedErr)) {
		drv = fmt.Sprintf("%.2f", r.DerivedErr)
	}
	k, ess := "-", "-"
	if r.ParetoK != nil {
		k = fmt.Sprintf("%.2f", *r.ParetoK)
		ess = fmt.Sprintf("%.2f", float64(r.ESS))
	}
	reason := r.Reason
	if r.Err != "" {
		reason = "error: " + r.Err
	}
	fmt.Fprintf(w, rowFormat, r.ID, r.Model, r.Family, fmt.Sprint(r.Dim),
		fmt.Sprintf("%s (%s)", num(r.MeanErr), r.MeanErrAt),
		fmt.Sprintf("%s–%s (%s, %s)", num(r.RatioMin), num(r.RatioMax), r.Target, r.RatioWorstAt),
		drv, result, r.Status, fmt.Sprint(r.Steps), fmt.Sprintf("%.1f", float64(r.Seconds)), k, ess, reason)
}

// num prints a ratio or an error compactly, however large it is.
func num(x Num) string {
	v := float64(x)
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Sprint(v)
	case a != 0 && (a < 0.01 || a >= 1e4):
		return fmt.Sprintf("%.1e", v)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// printSummary prints how many fits passed and whether the status agrees
// with the accuracy.
func printSummary(w io.Writer, rows []*Row) {
	var pass, fitted, agree, vagree int
	var convFail, notConvPass, relFail, doubtPass, errs, fams []string
	famPass, famN := map[string]int{}, map[string]int{}
	for _, r := range rows {
		if famN[r.Family] == 0 {
			fams = append(fams, r.Family)
		}
		famN[r.Family]++
		if r.Pass {
			famPass[r.Family]++
		}
		name := r.ID + "/" + r.Family
		if r.Status == "" {
			errs = append(errs, name)
			continue
		}
		fitted++
		conv := r.Status == bbvi.Converged.String()
		if r.Pass {
			pass++
		}
		switch {
		case conv && !r.Pass:
			convFail = append(convFail, name)
		case !conv && r.Pass:
			notConvPass = append(notConvPass, name)
		default:
			agree++
		}
		switch {
		case r.Reliable && !r.Pass:
			relFail = append(relFail, name)
		case !r.Reliable && r.Pass:
			doubtPass = append(doubtPass, name)
		default:
			vagree++
		}
	}
	fmt.Fprintf(w, "\npassed %d of %d fits", pass, len(rows))
	if len(errs) > 0 {
		fmt.Fprintf(w, " (%d could not be fitted or compared: %s)", len(errs), strings.Join(errs, " "))
	}
	for i, f := range fams {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(w, "%s%s %d of %d", sep, f, famPass[f], famN[f])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "status agrees with accuracy in %d of %d fits (converged and PASS, or not converged and FAIL)\n", agree, fitted)
	fmt.Fprintf(w, "converged but FAIL (%d): %s\n", len(convFail), list(convFail))
	fmt.Fprintf(w, "not converged but PASS (%d): %s\n", len(notConvPass), list(notConvPass))
	fmt.Fprintf(w, "verdict agrees with accuracy in %d of %d fits (reliable and PASS, or doubtful and FAIL)\n", vagree, fitted)
	fmt.Fprintf(w, "reliable but FAIL (%d): %s\n", len(relFail), list(relFail))
	fmt.Fprintf(w, "doubtful but PASS (%d): %s\n", len(doubtPass), list(doubtPass))
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " ")
}
