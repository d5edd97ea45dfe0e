package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// Sentinel errors wrapped by *TableError so callers can branch on the kind of
// problem with errors.Is. A missing or unreadable file wraps the error from
// the os package instead (so errors.Is(err, fs.ErrNotExist) works).
var (
	// ErrEmptyFile reports a file with no header row at all.
	ErrEmptyFile = errors.New("empty file")
	// ErrNoRows reports a file with a header row but no data rows.
	ErrNoRows = errors.New("no data rows")
	// ErrHeader reports an empty or duplicated column name in the header.
	ErrHeader = errors.New("bad header")
	// ErrRagged reports a row with a different number of fields than the header.
	ErrRagged = errors.New("wrong number of fields")
	// ErrNotNumber reports a cell that does not parse as a number.
	ErrNotNumber = errors.New("not a number")
	// ErrNotFinite reports a NaN or infinite cell (or one that overflows float64).
	ErrNotFinite = errors.New("not finite")
	// ErrSyntax reports malformed CSV, such as bad quoting.
	ErrSyntax = errors.New("bad CSV syntax")
	// ErrNoColumn reports a lookup of a column name the table does not have.
	ErrNoColumn = errors.New("no such column")
	// ErrNotBinary reports a value other than 0 or 1 in a column that must be binary.
	ErrNotBinary = errors.New("not binary")
	// ErrNotCount reports a value that is not a count (a whole number ≥ 0),
	// or a count above its limit (successes above the trials).
	ErrNotCount = errors.New("not a count")
	// ErrTooLarge reports input beyond a limit of CSVLimits: a line, a cell,
	// the columns or the cells of the table. A NUL byte (a binary file, or
	// /dev/zero) is an ErrSyntax instead.
	ErrTooLarge = errors.New("input too large")
	// ErrTooManyCells reports a table with more cells than CSVLimits.Cells,
	// the bound a caller derives from the memory it may use. It matches
	// ErrTooLarge too.
	ErrTooManyCells = fmt.Errorf("%w: too many cells", ErrTooLarge)
)

// Default limits of the CSV reader, for the zero fields of CSVLimits.
const (
	// DefaultCSVLineBytes bounds a record: one line, or the lines of a record
	// with a quoted multi-line cell, line ending included.
	DefaultCSVLineBytes = 16 << 20
	// DefaultCSVCellBytes bounds one cell or header name (no number needs more).
	DefaultCSVCellBytes = 4 << 10
	// DefaultCSVColumns bounds the number of columns (the parser takes about
	// 100 bytes a field while it reads a record).
	DefaultCSVColumns = 1 << 17
)

// CSVLimits bound what the CSV reader accepts, so that no input, however
// large or malformed (a one-line 200 MB file, /dev/zero), makes it use more
// memory than the limits allow: the reader stops at the first byte past a
// limit, with a *TableError wrapping ErrTooLarge that names the line (and
// column). A zero field means its default.
type CSVLimits struct {
	LineBytes int // bytes per record; 0 means DefaultCSVLineBytes
	CellBytes int // bytes per cell or header name; 0 means DefaultCSVCellBytes
	Columns   int // columns; 0 means DefaultCSVColumns
	// Cells bounds the cells of the data rows in all (rows × columns), the
	// table's memory (8 bytes a cell, plus about 32 a row); 0 means no bound.
	Cells int64
	// Text names columns read as text rather than numbers (a grouping
	// column, say): their cells, trimmed, go to Table.Text and must not be
	// empty; their values in Rows are NaN. nil means every column is numeric.
	Text []string
}

// withDefaults fills the zero fields of l.
func (l CSVLimits) withDefaults() CSVLimits {
	if l.LineBytes <= 0 {
		l.LineBytes = DefaultCSVLineBytes
	}
	if l.CellBytes <= 0 {
		l.CellBytes = DefaultCSVCellBytes
	}
	if l.Columns <= 0 {
		l.Columns = DefaultCSVColumns
	}
	return l
}

// Table is a numeric table read from a CSV file with a header row.
type Table struct {
	Source  string      // file name used in error messages
	Columns []string    // header names, in file order
	Rows    [][]float64 // Rows[i][j] is row i, column j
	// Text holds the columns read as text (CSVLimits.Text) by name, one
	// trimmed cell per row; nil when there are none.
	Text map[string][]string

	// lines[i] is the physical 1-based file line of Rows[i], when known.
	lines []int
	// index maps a column name to its first index, built by Index on first
	// use, so that looking up every column of a wide table is not quadratic.
	// Index checks its answers against Columns, which may have changed.
	index map[string]int
}

// TableError is the typed error returned for every bad-input case of the
// CSV reader and of the Table accessors. It prints as one short line such as
//
//	data.csv:7:3 (column "x2"): "abc" is not a number
//
// Err, when non-nil, is one of the sentinel errors of this package (ErrRagged,
// ErrNotNumber, ...) or the underlying I/O error, and is returned by Unwrap.
type TableError struct {
	File   string // file name (Table.Source)
	Line   int    // 1-based physical line in the file; 0 when not applicable
	Column int    // 1-based column (field) number; 0 when not applicable
	Field  string // column name when known
	Msg    string // what is wrong, without the position
	Err    error  // wrapped cause (sentinel or I/O error); may be nil
}

// Error formats the error as "file:line:col (column "name"): msg", leaving out
// the parts that are not known.
func (e *TableError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " (column %q)", e.Field)
	}
	b.WriteString(": ")
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	b.WriteString(msg)
	return b.String()
}

// Unwrap returns the wrapped cause.
func (e *TableError) Unwrap() error { return e.Err }

// ReadCSV reads a numeric table from the CSV file at path, within the
// default CSVLimits. The first row is the header. All errors are *TableError
// values that name path.
func ReadCSV(path string) (*Table, error) {
	return ReadCSVLimits(path, CSVLimits{})
}

// ReadCSVLimits is ReadCSV within the limits lim.
func ReadCSVLimits(path string, lim CSVLimits) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &TableError{File: path, Msg: "cannot open: " + causeText(err), Err: err}
	}
	defer f.Close()
	return ParseCSVLimits(f, path, lim)
}

// causeText returns the innermost message of err (e.g. "no such file or
// directory" rather than "open x.csv: no such file or directory").
func causeText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ParseCSV reads a numeric table in CSV form from r; source names the input
// in error messages and becomes Table.Source.
//
// The first record is the header; header names and cells may be surrounded
// by whitespace, which is ignored. A leading UTF-8 byte order mark and CRLF
// line endings are accepted. Blank lines — empty or whitespace-only, the two
// alike — are skipped wherever they are. Every cell must be a finite number
// as understood by strconv.ParseFloat; NaN and infinities are rejected. Line
// numbers in errors are physical lines of the input, the header being line 1.
//
// The input is read within the default CSVLimits (see ParseCSVLimits), and a
// NUL byte, which no text file holds, stops it at once.
func ParseCSV(r io.Reader, source string) (*Table, error) {
	return ParseCSVLimits(r, source, CSVLimits{})
}

// ParseCSVLimits is ParseCSV within the limits lim.
func ParseCSVLimits(r io.Reader, source string, lim CSVLimits) (*Table, error) {
	lim = lim.withDefaults()
	guard := &csvGuard{r: r, lim: lim, source: source, line: 1, recLine: 1}
	br := bufio.NewReader(guard)
	if bom, err := br.Peek(3); err == nil && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked here, to give better messages
	cr.ReuseRecord = true

	t := &Table{Source: source}
	var cells int64
	var text []bool // text[j]: column j is read as text
	for {
		rec, err := cr.Read()
		if guard.err != nil && err != nil {
			return nil, guard.err // a limit or a NUL byte, in the record being read
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(source, err)
		}
		line, _ := cr.FieldPos(0)
		if isBlank(rec) {
			continue
		}
		if t.Columns == nil {
			if err := t.setHeader(rec, line); err != nil {
				return nil, err
			}
			if text, err = t.textColumns(lim.Text); err != nil {
				return nil, err
			}
			continue
		}
		if len(rec) != len(t.Columns) {
			return nil, &TableError{File: source, Line: line,
				Msg: fmt.Sprintf("has %d fields, want %d (one per header column)", len(rec), len(t.Columns)),
				Err: ErrRagged}
		}
		if cells += int64(len(rec)); lim.Cells > 0 && cells > lim.Cells {
			return nil, &TableError{File: source, Line: line, Err: ErrTooManyCells,
				Msg: fmt.Sprintf("more than %d cells in all (the limit)", lim.Cells)}
		}
		row := make([]float64, len(rec))
		for j, cell := range rec {
			if text[j] {
				s := strings.TrimSpace(cell)
				if s == "" {
					return nil, &TableError{File: source, Line: line, Column: j + 1, Field: t.Columns[j], Msg: "empty cell", Err: ErrNotNumber}
				}
				t.Text[t.Columns[j]] = append(t.Text[t.Columns[j]], s)
				row[j] = math.NaN()
				continue
			}
			v, err := parseCell(cell)
			if err != nil {
				err.File, err.Line, err.Column, err.Field = source, line, j+1, t.Columns[j]
				return nil, err
			}
			row[j] = v
		}
		t.Rows = append(t.Rows, row)
		t.lines = append(t.lines, line)
	}
	if t.Columns == nil {
		return nil, &TableError{File: source, Msg: "empty file (no header row)", Err: ErrEmptyFile}
	}
	if len(t.Rows) == 0 {
		return nil, &TableError{File: source, Msg: "no data rows after the header", Err: ErrNoRows}
	}
	return t, nil
}

// setHeader validates and stores the header record.
func (t *Table) setHeader(rec []string, line int) error {
	cols := make([]string, len(rec))
	seen := make(map[string]int, len(rec))
	for j, name := range rec {
		name = strings.TrimSpace(name)
		if name == "" {
			return &TableError{File: t.Source, Line: line, Column: j + 1, Msg: "empty column name in header", Err: ErrHeader}
		}
		if k, dup := seen[name]; dup {
			return &TableError{File: t.Source, Line: line, Column: j + 1, Field: name,
				Msg: fmt.Sprintf("duplicate column name (also column %d)", k+1), Err: ErrHeader}
		}
		seen[name] = j
		cols[j] = name
	}
	t.Columns = cols
	return nil
}

// isBlank reports whether a record comes from a whitespace-only line.
func isBlank(rec []string) bool {
	return len(rec) == 1 && strings.TrimSpace(rec[0]) == ""
}

// csvGuard passes the bytes of r on to the CSV parser, stopping at the first
// NUL byte and at the first byte past a limit of lim. It follows the quoting
// (a '"' toggles it; a doubled one toggles twice) to know where a record and a
// cell end. The bytes before the offending one are passed on first, so that
// errors earlier in the input are reported first; then err is set and
// returned by every Read.
type csvGuard struct {
	r      io.Reader
	lim    CSVLimits
	source string
	err    error // sticky

	line      int  // physical line of the next byte, from 1
	recLine   int  // the line where the current record starts
	quoted    bool // inside a quoted cell
	recBytes  int  // bytes of the current record
	cellBytes int  // bytes of the current cell, but '\r'; a '\n' ending it counts
	fields    int  // fields of the current record so far, minus one
}

// Read implements io.Reader.
func (g *csvGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i, c := range p[:n] {
		at := g.line // the line of c
		g.recBytes++
		if c != '\r' {
			g.cellBytes++
		}
		switch c {
		case 0:
			g.err = &TableError{File: g.source, Line: at, Err: ErrSyntax,
				Msg: "NUL byte: this is not a text CSV file"}
		case '"':
			g.quoted = !g.quoted
		case ',':
			if !g.quoted {
				g.fields++
				g.cellBytes = 0
			}
		case '\n':
			g.line++
			if !g.quoted {
				g.recBytes, g.cellBytes, g.fields = 0, 0, 0
				g.recLine = g.line
			}
		}
		switch {
		case g.err != nil:
		case g.recBytes > g.lim.LineBytes && at == g.recLine:
			g.err = &TableError{File: g.source, Line: at, Err: ErrTooLarge,
				Msg: fmt.Sprintf("line longer than %d bytes (the limit)", g.lim.LineBytes)}
		case g.recBytes > g.lim.LineBytes:
			g.err = &TableError{File: g.source, Line: g.recLine, Err: ErrTooLarge,
				Msg: fmt.Sprintf("record longer than %d bytes (the limit) by line %d: a quoted cell runs on", g.lim.LineBytes, at)}
		case g.cellBytes > g.lim.CellBytes:
			g.err = &TableError{File: g.source, Line: g.recLine, Column: g.fields + 1, Err: ErrTooLarge,
				Msg: fmt.Sprintf("cell longer than %d bytes (the limit)", g.lim.CellBytes)}
		case g.fields >= g.lim.Columns:
			g.err = &TableError{File: g.source, Line: g.recLine, Err: ErrTooLarge,
				Msg: fmt.Sprintf("more than %d columns (the limit)", g.lim.Columns)}
		}
		if g.err != nil {
			if i > 0 {
				return i, nil
			}
			return 0, g.err
		}
	}
	return n, err
}

// quoteCell quotes a cell for an error message, shortened to its first 40
// characters.
func quoteCell(s string) string {
	const max = 40
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("... (%d bytes)", len(s))
}

// parseCell parses one trimmed cell; the returned error lacks its position.
func parseCell(cell string) (float64, *TableError) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return 0, &TableError{Msg: "empty cell", Err: ErrNotNumber}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0) {
			return 0, &TableError{Msg: quoteCell(s) + " is not finite (overflows float64)", Err: ErrNotFinite}
		}
		// Underflow to zero (ErrRange with a finite result) is accepted.
		if !errors.Is(err, strconv.ErrRange) {
			return 0, &TableError{Msg: quoteCell(s) + " is not a number", Err: ErrNotNumber}
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, &TableError{Msg: quoteCell(s) + " is not finite", Err: ErrNotFinite}
	}
	return v, nil
}

// csvError converts an error from encoding/csv into a *TableError.
func csvError(source string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := "bad CSV quoting: " + pe.Err.Error()
		if pe.Line != pe.StartLine {
			msg += fmt.Sprintf(" (record starting here runs to line %d)", pe.Line)
		}
		return &TableError{File: source, Line: pe.StartLine, Msg: msg, Err: ErrSyntax}
	}
	return &TableError{File: source, Msg: "read error: " + err.Error(), Err: err}
}

// Index returns the 0-based index of the named column. If there is no such
// column the *TableError names the source, the missing column and the
// available columns.
func (t *Table) Index(name string) (int, error) {
	if len(t.Columns) > 16 {
		if t.index == nil {
			t.index = make(map[string]int, len(t.Columns))
			for j := len(t.Columns) - 1; j >= 0; j-- {
				t.index[t.Columns[j]] = j // the first of duplicates wins
			}
		}
		if j, ok := t.index[name]; ok && j < len(t.Columns) && t.Columns[j] == name {
			return j, nil
		}
	}
	for j, c := range t.Columns {
		if c == name {
			return j, nil
		}
	}
	return -1, &TableError{File: t.Source, Field: name,
		Msg: "no such column; have " + quoteList(t.Columns, 20), Err: ErrNoColumn}
}

// quoteList formats names as "a", "b", "c", abbreviating after max names.
func quoteList(names []string, max int) string {
	if len(names) == 0 {
		return "no columns"
	}
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, ", ... (%d more)", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// rowLine returns the file line of row i for error messages.
func (t *Table) rowLine(i int) int {
	if i < len(t.lines) {
		return t.lines[i]
	}
	return i + 2 // header on line 1, no blank lines
}

// checkRow reports a row too short to have column j (only possible for a
// hand-built Table).
func (t *Table) checkRow(i, j int) error {
	if j < len(t.Rows[i]) {
		return nil
	}
	return &TableError{File: t.Source, Line: t.rowLine(i),
		Msg: fmt.Sprintf("has %d fields, want %d", len(t.Rows[i]), len(t.Columns)), Err: ErrRagged}
}

// Column returns a copy of the values of the named column, one per row.
func (t *Table) Column(name string) ([]float64, error) {
	j, err := t.Index(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(t.Rows))
	for i, row := range t.Rows {
		if err := t.checkRow(i, j); err != nil {
			return nil, err
		}
		out[i] = row[j]
	}
	return out, nil
}

// Matrix returns the named columns as a row-major matrix of
// len(t.Rows)×len(names) values, together with the number of columns.
// Names may repeat. Asking for no columns is an error.
func (t *Table) Matrix(names []string) ([]float64, int, error) {
	if len(names) == 0 {
		return nil, 0, &TableError{File: t.Source, Msg: "no columns selected", Err: ErrNoColumn}
	}
	idx := make([]int, len(names))
	for k, name := range names {
		j, err := t.Index(name)
		if err != nil {
			return nil, 0, err
		}
		idx[k] = j
	}
	cols := len(names)
	out := make([]float64, len(t.Rows)*cols)
	for i, row := range t.Rows {
		for k, j := range idx {
			if err := t.checkRow(i, j); err != nil {
				return nil, 0, err
			}
			out[i*cols+k] = row[j]
		}
	}
	return out, cols, nil
}

// CheckBinary checks that every value in the named column is exactly 0 or 1,
// as logistic regression targets must be. It returns a *TableError naming the
// first offending line (and wrapping ErrNotBinary), or the error of Index.
func (t *Table) CheckBinary(name string) error {
	j, err := t.Index(name)
	if err != nil {
		return err
	}
	for i, row := range t.Rows {
		if err := t.checkRow(i, j); err != nil {
			return err
		}
		if v := row[j]; v != 0 && v != 1 {
			return &TableError{File: t.Source, Line: t.rowLine(i), Column: j + 1, Field: name,
				Msg: strconv.FormatFloat(v, 'g', -1, 64) + " is not 0 or 1", Err: ErrNotBinary}
		}
	}
	return nil
}

// SaveCSV writes a header and numeric rows to path as CSV, atomically: the
// data go to a temporary file in the same directory, which is renamed over
// path when complete, so a reader never sees a partial file. Values are
// written in the shortest form that reads back exactly. Every row must have
// len(header) values, and all values must be finite, so that ReadCSV accepts
// the result; violations are *TableError values and leave any existing file
// untouched.
func SaveCSV(path string, header []string, rows [][]float64) error {
	return SaveCSVComments(path, nil, header, rows)
}

// SaveCSVComments is SaveCSV with comment lines first: each comment is written
// on its own line after "# ", as CmdStan writes its metadata, which readers of
// CmdStan's files (and ReadCSV-like readers with a comment character of '#')
// skip. A comment must not contain a newline.
func SaveCSVComments(path string, comments, header []string, rows [][]float64) error {
	for i, c := range comments {
		if strings.ContainsAny(c, "\r\n") {
			return &TableError{File: path, Line: i + 1, Msg: "comment contains a newline", Err: ErrHeader}
		}
	}
	seen := make(map[string]bool, len(header))
	for j, h := range header {
		name := strings.TrimSpace(h)
		if name == "" || seen[name] {
			return &TableError{File: path, Line: len(comments) + 1, Column: j + 1, Field: name, Msg: "empty or duplicate column name", Err: ErrHeader}
		}
		seen[name] = true
	}
	if len(header) == 0 {
		return &TableError{File: path, Line: len(comments) + 1, Msg: "empty header", Err: ErrHeader}
	}
	for i, row := range rows {
		if len(row) != len(header) {
			return &TableError{File: path, Line: len(comments) + i + 2,
				Msg: fmt.Sprintf("row %d has %d values, want %d", i, len(row), len(header)), Err: ErrRagged}
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return &TableError{File: path, Line: len(comments) + i + 2, Column: j + 1, Field: header[j],
					Msg: strconv.FormatFloat(v, 'g', -1, 64) + " is not finite", Err: ErrNotFinite}
			}
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		for _, c := range comments {
			if _, err := io.WriteString(w, "# "+c+"\n"); err != nil {
				return err
			}
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		rec := make([]string, len(header))
		for _, row := range rows {
			for j, v := range row {
				rec[j] = strconv.FormatFloat(v, 'g', -1, 64)
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}
