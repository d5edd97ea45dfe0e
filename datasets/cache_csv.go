package datasets

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
)

// csvScanner reads a numeric CSV file one record at a time, with the checks,
// limits and errors of ParseCSVLimits, for readers that must not hold the
// table in memory (BuildCache).
type csvScanner struct {
	guard  *csvGuard
	cr     *csv.Reader
	source string
	t      Table // the header only
	line   int   // the line of the last record returned
}

func newCSVScanner(r io.Reader, source string, lim CSVLimits) *csvScanner {
	lim = lim.withDefaults()
	guard := &csvGuard{r: r, lim: lim, source: source, line: 1, recLine: 1}
	br := bufio.NewReaderSize(guard, 1<<16)
	if bom, err := br.Peek(3); err == nil && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvScanner{guard: guard, cr: cr, source: source, t: Table{Source: source}}
}

// record returns the next non-blank record, or nil at the end of the input.
func (s *csvScanner) record() ([]string, error) {
	for {
		rec, err := s.cr.Read()
		if s.guard.err != nil && err != nil {
			return nil, s.guard.err
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, csvError(s.source, err)
		}
		s.line, _ = s.cr.FieldPos(0)
		if !isBlank(rec) {
			return rec, nil
		}
	}
}

// header reads and checks the header row and returns the column names.
func (s *csvScanner) header() ([]string, error) {
	rec, err := s.record()
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, &TableError{File: s.source, Msg: "empty file (no header row)", Err: ErrEmptyFile}
	}
	if err := s.t.setHeader(rec, s.line); err != nil {
		return nil, err
	}
	return s.t.Columns, nil
}

// next parses the next data row into dst (one value per column) and reports
// whether there was one.
func (s *csvScanner) next(dst []float64) (bool, error) {
	rec, err := s.record()
	if err != nil || rec == nil {
		return false, err
	}
	cols := s.t.Columns
	if len(rec) != len(cols) {
		return false, &TableError{File: s.source, Line: s.line,
			Msg: fmt.Sprintf("has %d fields, want %d (one per header column)", len(rec), len(cols)),
			Err: ErrRagged}
	}
	for j, cell := range rec {
		v, err := parseCell(cell)
		if err != nil {
			err.File, err.Line, err.Column, err.Field = s.source, s.line, j+1, cols[j]
			return false, err
		}
		dst[j] = v
	}
	return true, nil
}
