package bbvi

import (
	"fmt"
	"math"

	"github.com/vigor-ml/vigor/graph"
)

// Array is one named data array. By default it has one row per data point
// (a per-row array), and the fit hands the model a minibatch of its rows.
//
// Global marks an array of any length that is not per row: group-level
// predictors, constants, the region of each county. It is handed whole to
// every step and never minibatched.
//
// Groups > 0 makes the array an integer index: every value is a whole number
// in [0, Groups), such as the group (school, county, subject) of each row. An
// index reaches the model as b.Index(Name), a *graph.Index for graph's
// Gather, rather than in x; a per-row index is minibatched with the other
// per-row arrays, so b.Gather(z["alpha"], b.Index("county")) gives each row
// of the batch its own group's parameter, (S, B). A Global index (say, the
// region of each of G counties) gathers over its own length instead.
type Array struct {
	Name   string
	Cols   int       // values per row; 0 means one value per row, seen as a vector (B), or (R) for a Global array
	Values []float64 // row-major
	// Global: the array is not per row (any number of rows, never
	// minibatched); in the graph it has shape (R) or (R, Cols), R its rows.
	Global bool
	// Groups > 0: an integer index array of group numbers 0 to Groups-1
	// (Cols must be 0), read by the model as b.Index(Name) and not in x.
	// 0 means a float array.
	Groups int
}

func (a Array) width() int {
	if a.Cols == 0 {
		return 1
	}
	return a.Cols
}

// Rows returns the number of rows of the array.
func (a Array) Rows() int { return len(a.Values) / a.width() }

// perRow reports whether the array has one row per data point (and so is
// minibatched).
func (a Array) perRow() bool { return !a.Global }

// Data is the set of arrays a model reads: the per-row arrays, which all
// have the same number of rows N and are minibatched together, and any Global
// arrays and integer indexes beside them (see Array). A nil Data means a
// model without data.
//
// In the model's functions x holds every float array by name: a per-row array
// as (B) or (B, Cols) for a batch of B rows, a Global one as (R) or (R, Cols).
// Integer indexes are read with b.Index(name).
type Data []Array

// N returns the number of rows of the per-row arrays (0 for none).
func (d Data) N() int {
	for _, a := range d {
		if a.perRow() {
			return a.Rows()
		}
	}
	return 0
}

// firstRow returns the first per-row array, or nil.
func (d Data) firstRow() *Array {
	for i := range d {
		if d[i].perRow() {
			return &d[i]
		}
	}
	return nil
}

func (d Data) validate() error {
	names := map[string]bool{}
	first := d.firstRow()
	for i, a := range d {
		if a.Name == "" {
			return fmt.Errorf("bbvi: data array %d has no name", i)
		}
		if names[a.Name] {
			return fmt.Errorf("bbvi: data array %q given twice", a.Name)
		}
		names[a.Name] = true
		if a.Cols < 0 {
			return fmt.Errorf("bbvi: data array %q: negative Cols", a.Name)
		}
		if a.Groups < 0 {
			return fmt.Errorf("bbvi: data array %q: negative Groups", a.Name)
		}
		if a.Groups > 0 && a.Cols != 0 {
			return fmt.Errorf("bbvi: index array %q: Cols %d (an index has one group number per row: leave Cols 0)", a.Name, a.Cols)
		}
		if len(a.Values) == 0 || len(a.Values)%a.width() != 0 {
			return fmt.Errorf("bbvi: data array %q: %d values is not a whole number of rows of %d", a.Name, len(a.Values), a.width())
		}
		if a.perRow() && a.Rows() != first.Rows() {
			return fmt.Errorf("bbvi: data array %q has %d rows, %q has %d (mark arrays that are not one entry per data row Global)", a.Name, a.Rows(), first.Name, first.Rows())
		}
		for j, v := range a.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("bbvi: data array %q row %d: value %g is not finite", a.Name, j/a.width(), v)
			}
			if a.Groups > 0 && (v != math.Trunc(v) || v < 0 || v >= float64(a.Groups)) {
				return fmt.Errorf("bbvi: index array %q row %d: %g is not a group number 0 to %d", a.Name, j, v, a.Groups-1)
			}
		}
	}
	return nil
}

// dataInputs are the graph inputs of a Data: a float input per float array,
// an Index per index array. The per-row arrays have rows rows (a batch or
// chunk; none at all when rows is 0), the Global ones their own length.
type dataInputs struct {
	data  Data
	rows  int
	x     Vars           // the float inputs by name, for the model
	nodes []*graph.Node  // per array: its float input, nil for an index or a skipped per-row array
	idx   []*graph.Index // per array: its index, nil for a float array
	buf   [][]float64    // per per-row float array: a batch buffer (setRows)
}

// newDataInputs adds the inputs of data to b, the per-row arrays with rows
// rows (0: leave them out, for a graph without per-row data).
func newDataInputs(b *graph.Builder, data Data, rows int) *dataInputs {
	d := &dataInputs{data: data, rows: rows, x: Vars{},
		nodes: make([]*graph.Node, len(data)), idx: make([]*graph.Index, len(data)), buf: make([][]float64, len(data))}
	for k, a := range data {
		r := a.Rows()
		if a.perRow() {
			if rows == 0 {
				continue
			}
			r = rows
		}
		if a.Groups > 0 {
			d.idx[k] = b.IndexInput(a.Name, r, a.Groups)
			continue
		}
		var in *graph.Node
		if a.Cols == 0 {
			in = b.Input(a.Name, r)
		} else {
			in = b.Input(a.Name, r, a.Cols)
		}
		d.x[a.Name] = in
		d.nodes[k] = in
	}
	return d
}

// set writes vals (whole rows of array k) into its input.
func (d *dataInputs) set(k int, vals []float64) error {
	if ix := d.idx[k]; ix != nil {
		dst := ix.Ints()
		if len(dst) != len(vals) {
			return fmt.Errorf("bbvi: index %q: %d values for %d rows", d.data[k].Name, len(vals), len(dst))
		}
		for i, v := range vals {
			dst[i] = int(v) // checked by Data.validate
		}
		return nil
	}
	if d.nodes[k] == nil {
		return nil
	}
	return graph.Set(d.nodes[k], vals)
}

// setGlobals writes the Global arrays, once.
func (d *dataInputs) setGlobals() error {
	for k, a := range d.data {
		if !a.perRow() {
			if err := d.set(k, a.Values); err != nil {
				return err
			}
		}
	}
	return nil
}

// setRange writes rows [start, start+rows) of the per-row arrays.
func (d *dataInputs) setRange(start int) error {
	if d.rows == 0 {
		return nil
	}
	for k, a := range d.data {
		if a.perRow() {
			w := a.width()
			if err := d.set(k, a.Values[start*w:(start+d.rows)*w]); err != nil {
				return err
			}
		}
	}
	return nil
}

// setRows writes the given rows (len(rows) = d.rows) of the per-row arrays.
func (d *dataInputs) setRows(rows []int) error {
	for k, a := range d.data {
		if !a.perRow() || d.rows == 0 {
			continue
		}
		w := a.width()
		if d.buf[k] == nil {
			d.buf[k] = make([]float64, d.rows*w)
		}
		dst := d.buf[k]
		for r, i := range rows {
			copy(dst[r*w:(r+1)*w], a.Values[i*w:(i+1)*w])
		}
		if err := d.set(k, dst); err != nil {
			return err
		}
	}
	return nil
}
