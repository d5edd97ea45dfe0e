package bbvi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
	"github.com/vigor-ml/vigor/bbvi/models"
	"github.com/vigor-ml/vigor/internal/refprob"
)

// columns is an in-memory ColumnReader (column-major), counting its reads.
type columns struct {
	cols  [][]float64
	block int
	reads int
	fail  error
}

func (c *columns) Rows() int      { return len(c.cols[0]) }
func (c *columns) BlockRows() int { return c.block }
func (c *columns) ReadColumn(dst []float64, col, start int) error {
	if c.fail != nil {
		return c.fail
	}
	c.reads++
	copy(dst, c.cols[col][start:start+len(dst)])
	return nil
}

// linearSource returns the reference linear problem, its model, its Data and
// a RowSource of the same data (X's d columns, then y).
func linearSource(t *testing.T, seed uint64, n, d, block int) (*refprob.Linear, bbvi.Model, bbvi.Data, *columns, bbvi.RowSource) {
	t.Helper()
	ref := refprob.NewLinear(seed, n, d)
	names := make([]string, d)
	for j := range names {
		names[j] = fmt.Sprintf("x%d", j)
	}
	m := &models.LinearRegression{Features: names, Intercept: true, NoiseSD: ref.NoiseSD, PriorScale: ref.PriorScale}
	data, err := m.Data(ref.X, ref.Y)
	if err != nil {
		t.Fatal(err)
	}
	c := &columns{block: block}
	xcols := make([]int, d)
	for j := 0; j < d; j++ {
		col := make([]float64, n)
		for i := range col {
			col[i] = ref.X[i*d+j]
		}
		c.cols = append(c.cols, col)
		xcols[j] = j
	}
	c.cols = append(c.cols, append([]float64(nil), ref.Y...))
	src, err := bbvi.NewColumnSource(c, bbvi.ColumnArray{Name: "X", Cols: d, Columns: xcols}, bbvi.ColumnArray{Name: "y", Columns: []int{d}})
	if err != nil {
		t.Fatal(err)
	}
	return ref, m, data, c, src
}

// A source no larger than the window is read into memory: the fit is the
// fit of the same Data, bit for bit.
func TestFitSourceSmallIsData(t *testing.T) {
	_, m, data, _, src := linearSource(t, 1, 300, 3, 64)
	set := func() *bbvi.Settings { return &bbvi.Settings{BatchSize: 32, MaxSteps: 1500} }
	a, err := bbvi.Fit(m, data, set(), rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bbvi.FitSource(m, src, set(), rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Mean(), b.Mean()) || !reflect.DeepEqual(a.SD(), b.SD()) || !reflect.DeepEqual(a.Trace, b.Trace) {
		t.Fatalf("FitSource differs from Fit:\n%v %v\n%v %v", a.Mean(), a.SD(), b.Mean(), b.SD())
	}
}

// Batches streamed from blocks use every row once per epoch, carry the
// right values with each row, and mix rows of many blocks.
func TestStreamBatches(t *testing.T) {
	const n, d, bsz = 1000, 2, 50
	_, _, _, _, src := linearSource(t, 2, n, d, 64)
	defer bbvi.SetStreamSizes(8*(d+1)*256, 1<<16)() // windows of 256 rows, 4 blocks
	const epochs = 10
	vals, rows, err := bbvi.StreamBatches(src, bsz, epochs*n/bsz, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	all := make([][]float64, 2)
	for k := range all {
		all[k] = make([]float64, n*max(1, []int{d, 1}[k]))
		w := []int{d, 1}[k]
		for i := 0; i < n; i++ {
			buf := [][]float64{make([]float64, d), make([]float64, 1)}
			if err := src.ReadRows(buf, i); err != nil {
				t.Fatal(err)
			}
			copy(all[k][i*w:(i+1)*w], buf[k])
		}
	}
	count := make([]int, n)
	for b := range rows {
		blocks := map[int]bool{}
		for r, i := range rows[b] {
			count[i]++
			blocks[i/64] = true
			if vals[b][1][r] != all[1][i] || vals[b][0][r*d] != all[0][i*d] || vals[b][0][r*d+1] != all[0][i*d+1] {
				t.Fatalf("batch %d row %d: values are not those of row %d", b, r, i)
			}
		}
		if len(blocks) < 3 {
			t.Errorf("batch %d draws on %d blocks only", b, len(blocks))
		}
	}
	for i, c := range count {
		if c < epochs-1 || c > epochs+1 {
			t.Fatalf("row %d used %d times in %d epochs", i, c, epochs)
		}
	}
}

// The Laplace start over chunks of a source finds the mode of the in-memory
// one, and the diagnostics' importance ratios read in chunks are those of
// the Data, bit for bit.
func TestSourceLaplaceAndRatios(t *testing.T) {
	ref, m, data, _, src := linearSource(t, 3, 2500, 3, 128)
	defer bbvi.SetStreamSizes(1<<20, 1000)() // three chunks, the last of 500 rows
	set := &bbvi.Settings{Start: "default", BatchSize: 100}
	m1, p1, w1, err := bbvi.LaplaceAndRatios(m, data, nil, set, 300, 9)
	if err != nil {
		t.Fatal(err)
	}
	m2, p2, w2, err := bbvi.LaplaceAndRatios(m, nil, src, set, 300, 9)
	if err != nil {
		t.Fatal(err)
	}
	sd := ref.MeanFieldVar()
	for i := range m1 {
		if math.Abs(m1[i]-m2[i]) > 1e-6*math.Sqrt(sd[i]) || math.Abs(m2[i]-ref.Mean[i]) > 1e-4*math.Sqrt(sd[i]) {
			t.Errorf("mode %d: in memory %v, chunked %v, exact %v", i, m1[i], m2[i], ref.Mean[i])
		}
	}
	for i := range p1 {
		if math.Abs(p1[i]-p2[i]) > 1e-5*math.Abs(ref.Precision[i])+1e-6 {
			t.Errorf("precision %d: in memory %v, chunked %v", i, p1[i], p2[i])
		}
	}
	if !reflect.DeepEqual(w1, w2) {
		t.Errorf("importance ratios differ between the Data and the source")
	}

	// A window of 512 rows: the start is the Laplace approximation of a
	// sample of 4 blocks of 128 rows, scaled by N/M ≈ 4.9 (its mode a few
	// posterior sds from the full one, √(N/M) ≈ 2.2 on average, its curvature
	// near the full one), then Newton steps with the full data's gradient,
	// one pass over the source each, bring the mode to within 0.01 sd of
	// the full one.
	restore := bbvi.SetStreamSizes(8*4*512, 1000)
	m3, p3, _, err := bbvi.LaplaceAndRatios(m, nil, src, set, 300, 9)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	k := len(m1)
	for i := range m1 {
		psd := math.Sqrt(ref.Cov[i*k+i])
		if math.Abs(m3[i]-ref.Mean[i]) > 0.01*psd {
			t.Errorf("sampled mode %d: %v, exact %v (sd %v)", i, m3[i], ref.Mean[i], psd)
		}
		if r := p3[i*k+i] / ref.Precision[i*k+i]; r < 0.7 || r > 1.4 {
			t.Errorf("sampled precision %d: %v, exact %v", i, p3[i*k+i], ref.Precision[i*k+i])
		}
	}
}

// A fit streamed from a source larger than its window is accurate: the
// exact posterior of a conjugate linear regression, within the Monte Carlo
// error of minibatch SVI, as the in-memory minibatch fit is; and it gives
// the same bits on one core as on two.
func TestFitSourceStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds")
	}
	ref, m, data, c, src := linearSource(t, 4, 6000, 3, 256)
	defer bbvi.SetStreamSizes(8*4*1024, 2048)() // windows of 1024 rows, chunks of 2048
	set := func() *bbvi.Settings { return &bbvi.Settings{BatchSize: 100} }
	mem, err := bbvi.Fit(m, data, set(), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	c.reads = 0
	got, err := bbvi.FitSource(m, src, set(), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if c.reads == 0 {
		t.Fatal("the streamed fit did not read the source")
	}
	if got.Start != "laplace" || got.Diagnostics == nil || got.Diagnostics.Draws < 500 {
		t.Fatalf("start %q, diagnostics %+v", got.Start, got.Diagnostics)
	}
	mfv := ref.MeanFieldVar()
	for name, p := range map[string]*bbvi.Posterior{"in memory": mem, "streamed": got} {
		mu, sd := p.Mean(), p.SD()
		for i := range mu {
			psd := math.Sqrt(ref.Cov[i*len(mu)+i])
			if math.Abs(mu[i]-ref.Mean[i]) > 0.25*psd {
				t.Errorf("%s: mean %d = %v, exact %v (sd %v)", name, i, mu[i], ref.Mean[i], psd)
			}
			if r := sd[i] / math.Sqrt(mfv[i]); r < 0.8 || r > 1.25 {
				t.Errorf("%s: sd %d = %v, best mean-field %v", name, i, sd[i], math.Sqrt(mfv[i]))
			}
		}
	}
	short := func() *bbvi.Posterior {
		p, err := bbvi.FitSource(m, src, &bbvi.Settings{BatchSize: 100, MaxSteps: 400}, rand.New(rand.NewPCG(3, 3)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	prev := runtime.GOMAXPROCS(1)
	one := short()
	runtime.GOMAXPROCS(2)
	two := short()
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(one.Mean(), two.Mean()) || !reflect.DeepEqual(one.SD(), two.SD()) {
		t.Errorf("one core %v, two cores %v", one.Mean(), two.Mean())
	}
}

func TestFitSourceErrors(t *testing.T) {
	_, m, _, c, src := linearSource(t, 5, 3000, 2, 128)
	defer bbvi.SetStreamSizes(8*3*512, 1000)()
	c.cols[2][2100] = math.NaN()
	_, err := bbvi.FitSource(m, src, &bbvi.Settings{BatchSize: 50, MaxSteps: 200}, rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.Contains(err.Error(), `data array "y" row 2100: value NaN is not finite`) {
		t.Errorf("NaN: %v", err)
	}
	c.cols[2][2100] = 0
	boom := errors.New("disk on fire")
	c.fail = boom
	_, err = bbvi.FitSource(m, src, &bbvi.Settings{BatchSize: 50, MaxSteps: 200}, rand.New(rand.NewPCG(1, 1)))
	if !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
	c.fail = nil
	for _, arrays := range [][]bbvi.ColumnArray{
		{{Name: "X", Cols: 2, Columns: []int{0}}},
		{{Name: "X", Columns: []int{0}}, {Name: "X", Columns: []int{1}}},
		{{Name: "", Columns: []int{0}}},
		{},
	} {
		if _, err := bbvi.NewColumnSource(c, arrays...); err == nil {
			t.Errorf("NewColumnSource(%v) accepted", arrays)
		}
	}
	if _, err := bbvi.FitSource(m, nil, nil, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("nil source accepted")
	}
}

// A streamed fit saved and restored mid-window resumes exactly: the same
// batches, the same parameters, bit for bit.
func TestFitSourceResume(t *testing.T) {
	_, m, _, _, src := linearSource(t, 6, 3000, 2, 128)
	defer bbvi.SetStreamSizes(8*3*512, 1000)() // windows of 512 rows: a refill every 10 steps
	set := func() *bbvi.Settings { return &bbvi.Settings{BatchSize: 50, MaxSteps: 2000} }
	pcg := rand.NewPCG(7, 8)
	v, err := bbvi.NewSVISource(m, src, set(), rand.New(pcg))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var st *bbvi.SVIState
	var saved []byte
	for v.Steps() < 400 {
		if err := v.Step(); err != nil {
			t.Fatal(err)
		}
		if v.Steps() == 137 {
			if st, err = v.State(); err != nil {
				t.Fatal(err)
			}
			if saved, err = pcg.MarshalBinary(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st.Stream == nil || len(st.Stream.Rows) == 0 {
		t.Fatalf("the state has no stream position: %+v", st.Stream)
	}
	// Through JSON, as a checkpoint would keep it.
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back bbvi.SVIState
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	pcg2 := rand.NewPCG(0, 0)
	if err := pcg2.UnmarshalBinary(saved); err != nil {
		t.Fatal(err)
	}
	w, err := bbvi.NewSVISource(m, src, set(), rand.New(pcg2))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Restore(&back); err != nil {
		t.Fatal(err)
	}
	for w.Steps() < 400 {
		if err := w.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(v.Params(), w.Params()) {
		t.Fatalf("resumed fit differs:\n%v\n%v", v.Params(), w.Params())
	}
	// A state that does not fit the data is refused.
	bad := back
	bad.Stream = &bbvi.StreamState{Order: []int{0}, Rows: []int{1}}
	if err := w.Restore(&bad); err == nil || !strings.Contains(err.Error(), "stream") {
		t.Errorf("bad stream state: %v", err)
	}
}
