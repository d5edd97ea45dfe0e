package bbvi

import (
	"context"
	"errors"
	"fmt"
	"gonum.org/v1/gonum/mat"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/vigor-ml/vigor/graph"
)

// Data larger than memory. A fit by NewSVISource or FitSource reads its data
// from a RowSource, in blocks of contiguous rows, and holds only a window of
// them: the minibatches are drawn from a window of rows from blocks taken in
// a random order (reshuffled every epoch), the rows of the window shuffled,
// and the rows a window leaves over carried into the next one, so that every
// row is used exactly once per epoch, as with in-memory minibatches. The
// Laplace start is computed on a sample of about 2¹⁶ rows in whole blocks
// (see chunkedMode) and the diagnostics read the source in chunks. Memory is
// bounded by the window (about 32 MiB of rows, at least two batches), not by
// the number of rows.
//
// Sampling blocks rather than rows keeps the reads sequential (a row-by-row
// random read of a file larger than memory reads a page per value); within
// an epoch every row is used once, so the gradient averaged over an epoch is
// the full-data gradient, and the window mixes rows of many blocks taken at
// random, so a file sorted by its target gives batches as varied as
// in-memory ones.

// A RowSource holds the data arrays of a model outside memory (a file, a
// database) and reads their rows in contiguous runs. It is to Data what
// io.ReaderAt is to a byte slice.
type RowSource interface {
	// Arrays describes the data arrays in order: the Name and Cols of each,
	// as in Data, with nil Values.
	Arrays() []Array
	// N returns the number of rows, the same for every array.
	N() int
	// ReadRows reads rows [start, start+n) of every array into dst: dst[k]
	// holds n rows of array k, row-major (n·Cols values, or n for Cols 0).
	// Every dst[k] has room for the same n rows, and start+n ≤ N().
	ReadRows(dst [][]float64, start int) error
}

// BlockReader is implemented by a RowSource that reads best in aligned
// blocks of rows (a file stored in blocks): BlockRows is their size.
type BlockReader interface {
	BlockRows() int
}

// ColumnReader is a table read by columns, such as datasets.Cache: Rows
// rows; ReadColumn reads rows [start, start+len(dst)) of column col.
type ColumnReader interface {
	Rows() int
	ReadColumn(dst []float64, col, start int) error
}

// ColumnArray is a data array made of columns of a ColumnReader: Columns
// are the column indices, one per value of a row; Cols is as in Array (0: a
// vector, one column).
type ColumnArray struct {
	Name    string
	Cols    int
	Columns []int
}

// NewColumnSource returns the RowSource whose arrays are made of columns of
// r: array k's row i holds the values of arrays[k].Columns in row i of r.
// For example, a regression on a datasets.Cache c:
//
//	src, err := bbvi.NewColumnSource(c,
//	    bbvi.ColumnArray{Name: "X", Cols: 2, Columns: []int{0, 1}},
//	    bbvi.ColumnArray{Name: "y", Columns: []int{2}})
//
// The source reads one column at a time into a buffer of its own, so it is
// not safe for concurrent use.
func NewColumnSource(r ColumnReader, arrays ...ColumnArray) (RowSource, error) {
	if r == nil {
		return nil, errors.New("bbvi: NewColumnSource: nil reader")
	}
	if r.Rows() <= 0 {
		return nil, fmt.Errorf("bbvi: NewColumnSource: %d rows", r.Rows())
	}
	s := &columnSource{r: r}
	for _, a := range arrays {
		want := a.Cols
		if a.Cols == 0 {
			want = 1
		}
		if a.Cols < 0 || len(a.Columns) != want {
			return nil, fmt.Errorf("bbvi: NewColumnSource: array %q has Cols %d and %d columns", a.Name, a.Cols, len(a.Columns))
		}
		s.arrays = append(s.arrays, ColumnArray{Name: a.Name, Cols: a.Cols, Columns: append([]int(nil), a.Columns...)})
	}
	if _, err := sourceSchema(s); err != nil {
		return nil, err
	}
	return s, nil
}

type columnSource struct {
	r      ColumnReader
	arrays []ColumnArray
	col    []float64
}

// Arrays implements RowSource.
func (s *columnSource) Arrays() []Array {
	out := make([]Array, len(s.arrays))
	for i, a := range s.arrays {
		out[i] = Array{Name: a.Name, Cols: a.Cols}
	}
	return out
}

// N implements RowSource.
func (s *columnSource) N() int { return s.r.Rows() }

// BlockRows implements BlockReader when the reader does.
func (s *columnSource) BlockRows() int {
	if br, ok := s.r.(BlockReader); ok {
		return br.BlockRows()
	}
	return 0
}

// ReadRows implements RowSource.
func (s *columnSource) ReadRows(dst [][]float64, start int) error {
	for k, a := range s.arrays {
		w := len(a.Columns)
		n := len(dst[k]) / w
		if cap(s.col) < n {
			s.col = make([]float64, n)
		}
		col := s.col[:n]
		for i, c := range a.Columns {
			if err := s.r.ReadColumn(col, c, start); err != nil {
				return err
			}
			if w == 1 {
				copy(dst[k], col)
				continue
			}
			for r, v := range col {
				dst[k][r*w+i] = v
			}
		}
	}
	return nil
}

// sourceSchema checks the arrays of src and returns them (nil Values).
func sourceSchema(src RowSource) (Data, error) {
	arrays := src.Arrays()
	if len(arrays) == 0 {
		return nil, errors.New("bbvi: the row source has no arrays")
	}
	if src.N() <= 0 {
		return nil, fmt.Errorf("bbvi: the row source has %d rows", src.N())
	}
	names := map[string]bool{}
	for i, a := range arrays {
		switch {
		case a.Name == "":
			return nil, fmt.Errorf("bbvi: row source array %d has no name", i)
		case names[a.Name]:
			return nil, fmt.Errorf("bbvi: row source array %q given twice", a.Name)
		case a.Cols < 0:
			return nil, fmt.Errorf("bbvi: row source array %q: negative Cols", a.Name)
		case a.Global:
			return nil, fmt.Errorf("bbvi: row source array %q is Global: a RowSource holds per-row arrays only", a.Name)
		case a.Groups < 0 || (a.Groups > 0 && a.Cols != 0):
			return nil, fmt.Errorf("bbvi: row source index array %q: Groups %d, Cols %d", a.Name, a.Groups, a.Cols)
		}
		names[a.Name] = true
	}
	data := make(Data, len(arrays))
	for i, a := range arrays {
		data[i] = Array{Name: a.Name, Cols: a.Cols, Groups: a.Groups}
	}
	return data, nil
}

// dataRows checks the data of a fit — the Data, or the schema of the
// source — and returns the number of rows.
func dataRows(data Data, src RowSource) (int, error) {
	if src == nil {
		if err := data.validate(); err != nil {
			return 0, err
		}
		return data.N(), nil
	}
	return src.N(), nil
}

// readChecked reads rows [start, start+n) of src into dst and checks that
// every value is finite.
func readChecked(src RowSource, data Data, dst [][]float64, start int) error {
	if err := src.ReadRows(dst, start); err != nil {
		return fmt.Errorf("bbvi: reading rows %d to %d: %w", start+1, start+len(dst[0])/data[0].width(), err)
	}
	for k, a := range data {
		for j, v := range dst[k] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("bbvi: data array %q row %d: value %g is not finite", a.Name, start+j/a.width(), v)
			}
			if a.Groups > 0 && (v != math.Trunc(v) || v < 0 || v >= float64(a.Groups)) {
				return fmt.Errorf("bbvi: index array %q row %d: %g is not a group number 0 to %d", a.Name, start+j, v, a.Groups-1)
			}
		}
	}
	return nil
}

// windowBytes is the target size of a stream's window of rows, and
// chunkRows the number of rows the Laplace start's graph holds at once for a
// fit from a RowSource. They are variables only so that tests can make them
// small; nothing changes them otherwise.
var (
	windowBytes = 32 << 20
	chunkRows   = 1 << 16
)

// laplaceRows bounds the sample of rows of a streamed fit's Laplace start:
// L-BFGS may evaluate the log joint a thousand times or more (predictors of
// very different scales), so each evaluation is kept to about 2¹⁶ rows.
const laplaceRows = 1 << 16

// defaultBlockRows is the block of a source that does not say (BlockReader).
const defaultBlockRows = 4096

// streamWindow returns the rows of a stream's window and its blocks for a
// source of n rows whose arrays are data, with batches of bsz rows: about
// windowBytes of rows, at least two batches, whole blocks.
func streamWindow(src RowSource, data Data, bsz int) (window, block int) {
	block = defaultBlockRows
	if br, ok := src.(BlockReader); ok && br.BlockRows() > 0 {
		block = br.BlockRows()
	}
	width := 0
	for _, a := range data {
		width += a.width()
	}
	window = max(windowBytes/(8*max(width, 1)), 2*bsz, block)
	window = (window + block - 1) / block * block
	return window, block
}

// stream draws minibatches from a RowSource (see the top of this file).
type stream struct {
	src    RowSource
	data   Data // the arrays' schema
	n, bsz int
	block  int
	window int
	order  []int       // the blocks, in this epoch's order
	next   int         // the next block of order to read
	vals   [][]float64 // the window's rows, per array, in the order read
	ids    []int       // the row of each of the window's slots
	perm   []int       // the window's slots, shuffled
	pos    int         // slots of perm used
	// buffers for the carried rows (fewer than a batch), the block read and
	// the batch
	carryVals [][]float64
	carryIDs  []int
	buf       [][]float64
	batchVals [][]float64
	batchRows []int
}

func newStream(src RowSource, data Data, n, bsz int) *stream {
	s := &stream{src: src, data: data, n: n, bsz: bsz}
	s.window, s.block = streamWindow(src, data, bsz)
	nb := (n + s.block - 1) / s.block
	s.order = make([]int, nb)
	for i := range s.order {
		s.order[i] = i
	}
	s.next = nb // shuffle on first use
	for _, a := range data {
		w := a.width()
		s.vals = append(s.vals, make([]float64, 0, (s.window+s.block)*w))
		s.carryVals = append(s.carryVals, make([]float64, 0, bsz*w))
		s.buf = append(s.buf, make([]float64, s.block*w))
		s.batchVals = append(s.batchVals, make([]float64, bsz*w))
	}
	s.batchRows = make([]int, bsz)
	return s
}

// refill carries the unused rows of the window to its front and adds blocks
// (starting a new epoch, with a new order of the blocks, when all have been
// read) until the window is full, then shuffles its slots.
func (s *stream) refill(rng *rand.Rand) error {
	left := s.perm[s.pos:]
	s.carryIDs = s.carryIDs[:0]
	for _, slot := range left {
		s.carryIDs = append(s.carryIDs, s.ids[slot])
	}
	s.ids = append(s.ids[:0], s.carryIDs...)
	for k, a := range s.data {
		w := a.width()
		s.carryVals[k] = s.carryVals[k][:0]
		for _, slot := range left {
			s.carryVals[k] = append(s.carryVals[k], s.vals[k][slot*w:(slot+1)*w]...)
		}
		s.vals[k] = append(s.vals[k][:0], s.carryVals[k]...)
	}
	for len(s.ids) < s.window {
		if s.next == len(s.order) {
			rng.Shuffle(len(s.order), func(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] })
			s.next = 0
		}
		b := s.order[s.next]
		s.next++
		start := b * s.block
		rows := min(s.block, s.n-start)
		dst := make([][]float64, len(s.data))
		for k, a := range s.data {
			dst[k] = s.buf[k][:rows*a.width()]
		}
		if err := readChecked(s.src, s.data, dst, start); err != nil {
			return err
		}
		for k := range s.data {
			s.vals[k] = append(s.vals[k], dst[k]...)
		}
		for i := 0; i < rows; i++ {
			s.ids = append(s.ids, start+i)
		}
	}
	s.perm = s.perm[:0]
	for i := range s.ids {
		s.perm = append(s.perm, i)
	}
	rng.Shuffle(len(s.perm), func(i, j int) { s.perm[i], s.perm[j] = s.perm[j], s.perm[i] })
	s.pos = 0
	return nil
}

// batch returns the next minibatch, one slice per array, and the rows it
// holds; the slices are the stream's, valid until the next call.
func (s *stream) batch(rng *rand.Rand) ([][]float64, []int, error) {
	if s.pos+s.bsz > len(s.perm) {
		if err := s.refill(rng); err != nil {
			return nil, nil, err
		}
	}
	slots := s.perm[s.pos : s.pos+s.bsz]
	for k, a := range s.data {
		w := a.width()
		dst, src := s.batchVals[k], s.vals[k]
		if w == 1 {
			for r, slot := range slots {
				dst[r] = src[slot]
			}
			continue
		}
		for r, slot := range slots {
			copy(dst[r*w:(r+1)*w], src[slot*w:(slot+1)*w])
		}
	}
	for r, slot := range slots {
		s.batchRows[r] = s.ids[slot]
	}
	s.pos += s.bsz
	return s.batchVals, s.batchRows, nil
}

// load writes the next minibatch into the inputs of each of dins.
func (s *stream) load(rng *rand.Rand, dins ...*dataInputs) error {
	batch, _, err := s.batch(rng)
	if err != nil {
		return err
	}
	for _, din := range dins {
		if err := din.setBatch(batch); err != nil {
			return err
		}
	}
	return nil
}

// setBatch writes the rows of the per-row arrays, given one slice per array
// of d.data (the arrays of a RowSource are all per row).
func (d *dataInputs) setBatch(vals [][]float64) error {
	if d.rows == 0 {
		return nil
	}
	for k, a := range d.data {
		if a.perRow() {
			if err := d.set(k, vals[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// rowsOf returns rows [start, end) of every data array: slices of the Data
// in memory, or, for a fit from a RowSource, read into buf (grown as needed)
// and returned.
func (f *fitter) rowsOf(buf [][]float64, start, end int) ([][]float64, error) {
	if len(buf) != len(f.data) {
		buf = make([][]float64, len(f.data))
	}
	if f.stream == nil {
		for k, a := range f.data {
			if !a.perRow() {
				buf[k] = nil // a Global array: set once, not per chunk
				continue
			}
			w := a.width()
			buf[k] = a.Values[start*w : end*w]
		}
		return buf, nil
	}
	for k, a := range f.data {
		w := a.width()
		if cap(buf[k]) < (end-start)*w {
			buf[k] = make([]float64, (end-start)*w)
		}
		buf[k] = buf[k][:(end-start)*w]
	}
	return buf, readChecked(f.stream.src, f.data, buf, start)
}

// modeChunk is one graph of a chunked mode evaluation: the log joint of one
// point ζ over a chunk of rows, with the prior and the Jacobian weighted by
// w (1 for the first chunk, 0 for the others) and the likelihood by v (N/M
// for a sample of M rows), and its gradient.
type modeChunk struct {
	m        *graph.Machine
	zeta     *graph.Node
	w, v     *graph.Node
	lj, grad *graph.Node
	din      *dataInputs
	rows     int
	buf      []float64
	chunk    [][]float64
	lik      bool // the model has a likelihood
}

// chunkedMode evaluates the log joint and its gradient for a fit from a
// RowSource, over a sample of the rows held in memory, in chunks (the tail
// chunk by a graph of its own). The sample is a systematic one of whole
// blocks, about 2¹⁶ rows (all the rows when there are no more), and its
// likelihood is scaled by N/M: the Laplace start of a streamed fit is the
// Laplace approximation of the sample's posterior with the full data's
// weight, whose curvature estimates the full one and whose mode is within
// about √(N/M) posterior sds of the full mode — a start, which the fit then
// moves to the answer, and one that costs no reading per evaluation.
type chunkedMode struct {
	main, tail *modeChunk
	full       *modeChunk // for the last chunk of a pass over all the rows (nil until needed)
	f          *fitter
	sample     Data
	m          int // rows of the sample
	scale      float64
	gsum       []float64
}

func (f *fitter) newModeChunk(rows int) (*modeChunk, error) {
	b := graph.NewBuilder(graph.Float64)
	c := &modeChunk{rows: rows}
	c.zeta = b.Param("zeta", nil, 1, f.dim)
	c.w = b.Input("w", 1)
	c.v = b.Input("v", 1)
	p := &Problem{B: b, Model: f.model, Latents: f.latents, Scale: 1, rows: rows}
	z, logdet := p.Constrain(c.zeta)
	base := p.calls.logPrior(b, f.model, z, 1, rows, false)
	if b.Err() != nil || base == nil {
		return nil, fmt.Errorf("log prior: %v", p.calls.wrap(b.Err()))
	}
	if logdet != nil {
		base = b.Add(base, logdet)
	}
	lj := b.Mul(c.w, base)
	c.din = newDataInputs(b, f.data, rows)
	if ll, _ := p.calls.logLikelihood(b, f.model, z, c.din.x, 1, rows); ll != nil {
		lj = b.Add(lj, b.Mul(c.v, ll))
		c.lik = true
	}
	if b.Err() != nil {
		return nil, p.calls.wrap(b.Err())
	}
	if lj.Dims() != 1 || lj.Shape()[0] != 1 {
		return nil, fmt.Errorf("log joint of shape %v for one draw", lj.Shape())
	}
	c.lj = b.Sum(lj)
	gr := b.Grad(c.lj, c.zeta)
	if b.Err() != nil {
		return nil, b.Err()
	}
	c.grad = gr[0]
	c.chunk = make([][]float64, len(f.data))
	m, err := b.Compile()
	if err != nil {
		return nil, err
	}
	c.m = m
	c.buf = make([]float64, 1)
	if err := c.din.setGlobals(); err != nil {
		return nil, err
	}
	return c, nil
}

// modeSample reads the sample of the Laplace start: about laplaceRows rows
// (at most a window) in whole blocks evenly spread over the source, or every
// block when there are no more (deterministic: no randomness is drawn).
func (f *fitter) modeSample() (Data, int, error) {
	s := f.stream
	nb := len(s.order)
	take := min(nb, max(1, min(s.window, laplaceRows)/s.block))
	var blocks []int
	for i := 0; i < take; i++ {
		blocks = append(blocks, i*nb/take)
	}
	rows := 0
	for _, b := range blocks {
		rows += min(s.block, f.n-b*s.block)
	}
	sample := make(Data, len(f.data))
	for k, a := range f.data {
		sample[k] = Array{Name: a.Name, Cols: a.Cols, Values: make([]float64, 0, rows*a.width())}
	}
	var buf [][]float64
	for _, b := range blocks {
		start := b * s.block
		var err error
		if buf, err = f.rowsOf(buf, start, start+min(s.block, f.n-start)); err != nil {
			return nil, 0, err
		}
		for k := range sample {
			sample[k].Values = append(sample[k].Values, buf[k]...)
		}
	}
	return sample, rows, nil
}

// newChunkedModeGraph is newModeGraph for a fit from a RowSource.
func (f *fitter) newChunkedModeGraph() (*modeGraph, error) {
	sample, rows, err := f.modeSample()
	if err != nil {
		return nil, err
	}
	chunk := min(rows, chunkRows)
	main, err := f.newModeChunk(chunk)
	if err != nil {
		return nil, err
	}
	cm := &chunkedMode{f: f, main: main, sample: sample, m: rows, scale: float64(f.n) / float64(rows), gsum: make([]float64, f.dim)}
	if rest := rows % chunk; rest > 0 {
		if cm.tail, err = f.newModeChunk(rest); err != nil {
			main.m.Close()
			return nil, err
		}
	}
	return &modeGraph{m: main.m, dim: f.dim, chunks: cm}, nil
}

// eval is modeGraph.eval over the chunks of the sample: the log joint at x,
// its gradient into grad (if not nil); a failing run or a non-finite value
// gives -Inf.
func (cm *chunkedMode) eval(x, grad []float64) float64 {
	var total float64
	clear(cm.gsum)
	for start := 0; start < cm.m; start += cm.main.rows {
		c := cm.main
		if start+c.rows > cm.m {
			c = cm.tail
		}
		c.buf[0] = 0
		if start == 0 {
			c.buf[0] = 1
		}
		if graph.Set(c.zeta, x) != nil || graph.Set(c.w, c.buf) != nil {
			return math.Inf(-1)
		}
		c.buf[0] = cm.scale
		if graph.Set(c.v, c.buf) != nil {
			return math.Inf(-1)
		}
		for k, a := range cm.sample {
			w := a.width()
			c.chunk[k] = a.Values[start*w : (start+c.rows)*w]
		}
		if c.din.setBatch(c.chunk) != nil {
			return math.Inf(-1)
		}
		if c.m.Run() != nil {
			return math.Inf(-1)
		}
		total += graph.Scalar64(c.lj)
		if grad != nil {
			for i, v := range graph.Values(c.grad) {
				cm.gsum[i] += v
			}
		}
	}
	if grad != nil {
		copy(grad, cm.gsum)
	}
	if math.IsNaN(total) {
		return math.Inf(-1)
	}
	return total
}

func (cm *chunkedMode) close() {
	cm.main.m.Close()
	if cm.tail != nil {
		cm.tail.m.Close()
	}
	if cm.full != nil {
		cm.full.m.Close()
	}
}

// fullEval is eval over all the rows of the source, read in chunks (one
// pass), without the sample's scaling: the full-data log joint at x and its
// gradient into grad.
func (cm *chunkedMode) fullEval(x, grad []float64) float64 {
	f := cm.f
	var buf [][]float64
	var total float64
	clear(cm.gsum)
	one := []float64{1}
	for start := 0; start < f.n; start += cm.main.rows {
		end := min(f.n, start+cm.main.rows)
		c := cm.main
		if end-start != c.rows {
			if cm.full == nil || cm.full.rows != end-start {
				if cm.full != nil {
					cm.full.m.Close()
				}
				var err error
				if cm.full, err = f.newModeChunk(end - start); err != nil {
					cm.full = nil
					return math.Inf(-1)
				}
			}
			c = cm.full
		}
		var err error
		if buf, err = f.rowsOf(buf, start, end); err != nil {
			return math.Inf(-1)
		}
		c.buf[0] = 0
		if start == 0 {
			c.buf[0] = 1
		}
		if graph.Set(c.zeta, x) != nil || graph.Set(c.w, c.buf) != nil || graph.Set(c.v, one) != nil ||
			c.din.setBatch(buf) != nil || c.m.Run() != nil {
			return math.Inf(-1)
		}
		total += graph.Scalar64(c.lj)
		for i, v := range graph.Values(c.grad) {
			cm.gsum[i] += v
		}
	}
	copy(grad, cm.gsum)
	if math.IsNaN(total) || !finite(grad) {
		return math.Inf(-1)
	}
	return total
}

// polish moves x, the mode of the sample's scaled log joint, towards the
// mode of the full data's by Newton steps with the sample's precision prec
// (an estimate of the full curvature) and the full gradient, one pass over
// the rows per step and per halving of a step that does not raise the full
// log joint; at most maxPolish steps, until the Newton decrement is below
// 10⁻⁶ nats. The sample's mode is about √(N/M) posterior sds from the full
// one, too far for a minibatch fit to travel reliably.
func (cm *chunkedMode) polish(x, prec []float64) []float64 {
	const maxPolish = 8
	d := len(x)
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), prec...))) {
		return x
	}
	fixed := func([]float64) ([]float64, *mat.Cholesky, bool) { return prec, &ch, true }
	mode, _, _ := newtonAscent(cm.fullEval, fixed, x, maxPolish, 1e-6, 1e-3)
	return mode
}

// NewSVISource is NewSVI for data read from a RowSource, for data larger
// than memory: with minibatches (Settings.BatchSize) it holds a window of
// rows at a time (see RowSource). When the batches cover all the rows, or
// the source is no larger than the window, it reads the whole source into
// memory and the fit is exactly the fit of NewSVI with that Data.
//
// The SVI's State of a fit that streams its rows holds the stream's
// position (SVIState.Stream): Restore reads the window's rows again, and the
// fit resumes exactly.
func NewSVISource(m Model, src RowSource, s *Settings, rng *rand.Rand) (*SVI, error) {
	if src == nil {
		return nil, errors.New("bbvi: nil RowSource")
	}
	schema, err := sourceSchema(src)
	if err != nil {
		return nil, err
	}
	var set Settings
	if s != nil {
		set = *s
	}
	set.source = nil
	n := src.N()
	window, _ := streamWindow(src, schema, set.BatchSize)
	if set.BatchSize <= 0 || set.BatchSize >= n || window >= n {
		data, err := readAll(src, schema)
		if err != nil {
			return nil, err
		}
		return NewSVI(m, data, &set, rng)
	}
	if m != nil {
		for _, l := range m.Latents() {
			if l.Local {
				return nil, fmt.Errorf("bbvi: latent %q is local: a fit that streams its rows from a RowSource supports global latents only", l.Name)
			}
		}
	}
	set.source = src
	return NewSVI(m, schema, &set, rng)
}

// readAll reads every row of src into a Data.
func readAll(src RowSource, schema Data) (Data, error) {
	n := src.N()
	data := make(Data, len(schema))
	dst := make([][]float64, len(schema))
	for k, a := range schema {
		data[k] = Array{Name: a.Name, Cols: a.Cols, Groups: a.Groups, Values: make([]float64, n*a.width())}
		dst[k] = data[k].Values
	}
	if err := readChecked(src, schema, dst, 0); err != nil {
		return nil, err
	}
	return data, nil
}

// FitSource is Fit for data read from a RowSource (see NewSVISource).
func FitSource(m Model, src RowSource, s *Settings, rng *rand.Rand) (*Posterior, error) {
	if m != nil {
		for _, l := range m.Latents() {
			if l.Support.Discrete() {
				return nil, fmt.Errorf("bbvi: latent %q is discrete: FitSource fits continuous latents only", l.Name)
			}
		}
	}
	v, err := NewSVISource(m, src, s, rng)
	if err != nil {
		return nil, err
	}
	defer v.Close()
	if err := v.Run(context.Background()); err != nil && !errors.Is(err, ErrNonFinite) {
		return nil, err
	}
	mp, err := v.Result()
	if mp == nil {
		return nil, err
	}
	return mp.Continuous, err
}

// close releases the mode graph's machines.
func (g *modeGraph) close() {
	if g.chunks != nil {
		g.chunks.close()
		return
	}
	g.m.Close()
}

// StreamState is the position of the minibatch stream of a fit from a
// RowSource, within an SVIState: this epoch's order of the blocks, the next
// block to read, and the rows of the window not yet used, in the order they
// will be used.
type StreamState struct {
	Order []int `json:"order"`
	Next  int   `json:"next"`
	Rows  []int `json:"rows"`
}

// state returns a copy of the stream's position.
func (s *stream) state() *StreamState {
	st := &StreamState{Order: append([]int(nil), s.order...), Next: s.next}
	for _, slot := range s.perm[s.pos:] {
		st.Rows = append(st.Rows, s.ids[slot])
	}
	return st
}

// restoreStream puts the fit's stream at st, reading the window's rows
// again (each block once); st must be nil exactly when the fit does not
// stream. The stream is unchanged when it returns an error.
func (f *fitter) restoreStream(st *StreamState) error {
	s := f.stream
	switch {
	case st == nil && s == nil:
		return nil
	case st == nil || s == nil:
		return errors.New("bbvi: Restore: the state is not from a fit of this data and these settings (streamed or not)")
	}
	nb := len(s.order)
	seen := make([]bool, nb)
	bad := len(st.Order) != nb || st.Next < 0 || st.Next > nb || len(st.Rows) > s.window+s.block
	for _, b := range st.Order {
		if bad || b < 0 || b >= nb || seen[b] {
			bad = true
			break
		}
		seen[b] = true
	}
	for _, r := range st.Rows {
		if bad || r < 0 || r >= f.n {
			bad = true
			break
		}
	}
	if bad {
		return errors.New("bbvi: Restore: the state's minibatch stream does not fit this data")
	}
	// Read the blocks that hold the rows, in order, each once.
	need := map[int][]int{} // block → positions in st.Rows
	var blocks []int
	for i, r := range st.Rows {
		b := r / s.block
		if need[b] == nil {
			blocks = append(blocks, b)
		}
		need[b] = append(need[b], i)
	}
	sort.Ints(blocks)
	vals := make([][]float64, len(f.data))
	for k, a := range f.data {
		vals[k] = make([]float64, len(st.Rows)*a.width(), cap(s.vals[k]))
	}
	var buf [][]float64
	for _, b := range blocks {
		start := b * s.block
		var err error
		if buf, err = f.rowsOf(buf, start, start+min(s.block, f.n-start)); err != nil {
			return fmt.Errorf("bbvi: Restore: %w", err)
		}
		for _, i := range need[b] {
			r := st.Rows[i] - start
			for k, a := range f.data {
				w := a.width()
				copy(vals[k][i*w:(i+1)*w], buf[k][r*w:(r+1)*w])
			}
		}
	}
	copy(s.order, st.Order)
	s.next = st.Next
	s.vals = vals
	s.ids = append(s.ids[:0], st.Rows...)
	s.perm = s.perm[:0]
	for i := range s.ids {
		s.perm = append(s.perm, i)
	}
	s.pos = 0
	return nil
}
