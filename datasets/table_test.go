package datasets

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseCSVGood(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		cols  []string
		rows  [][]float64
		lines []int
	}{
		{"plain", "a,b\n1,2\n3,4\n", []string{"a", "b"}, [][]float64{{1, 2}, {3, 4}}, []int{2, 3}},
		{"no final newline", "a,b\n1,2\n3,4", []string{"a", "b"}, [][]float64{{1, 2}, {3, 4}}, []int{2, 3}},
		{"whitespace", " a , b\t\n 1 ,\t2 \n", []string{"a", "b"}, [][]float64{{1, 2}}, []int{2}},
		{"bom", "\xEF\xBB\xBFx,y\n1,2\n", []string{"x", "y"}, [][]float64{{1, 2}}, []int{2}},
		{"crlf", "x,y\r\n1.5,-2e3\r\n0x1p-2,7\r\n", []string{"x", "y"}, [][]float64{{1.5, -2000}, {0.25, 7}}, []int{2, 3}},
		{"blank trailing lines", "x\n1\n2\n\n  \n\r\n", []string{"x"}, [][]float64{{1}, {2}}, []int{2, 3}},
		{"empty line inside", "x,y\n1,2\n\n3,4\n", []string{"x", "y"}, [][]float64{{1, 2}, {3, 4}}, []int{2, 4}},
		// Blank lines, empty or whitespace-only, are skipped alike, anywhere.
		{"whitespace line inside", "x,y\n1,2\n \t\n3,4\n", []string{"x", "y"}, [][]float64{{1, 2}, {3, 4}}, []int{2, 4}},
		{"whitespace line one column", "x\n1\n  \n2\n", []string{"x"}, [][]float64{{1}, {2}}, []int{2, 4}},
		{"blank lines before the header", "\n \r\n\nx\n1\n", []string{"x"}, [][]float64{{1}}, []int{5}},
		{"quoted newline", "\"a\nb\",c\n1,2\n", []string{"a\nb", "c"}, [][]float64{{1, 2}}, []int{3}},
		{"quoted", "\"a\",\"b, c\"\n\"1\", 2\n", []string{"a", "b, c"}, [][]float64{{1, 2}}, []int{2}},
		{"underflow is zero", "x\n1e-400\n", []string{"x"}, [][]float64{{0}}, []int{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := ParseCSV(strings.NewReader(tc.in), "in.csv")
			if err != nil {
				t.Fatalf("ParseCSV: %v", err)
			}
			if !reflect.DeepEqual(tab.Columns, tc.cols) {
				t.Errorf("Columns = %q, want %q", tab.Columns, tc.cols)
			}
			if !reflect.DeepEqual(tab.Rows, tc.rows) {
				t.Errorf("Rows = %v, want %v", tab.Rows, tc.rows)
			}
			if !reflect.DeepEqual(tab.lines, tc.lines) {
				t.Errorf("lines = %v, want %v", tab.lines, tc.lines)
			}
			if tab.Source != "in.csv" {
				t.Errorf("Source = %q", tab.Source)
			}
		})
	}
}

func TestParseCSVBad(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		sentinel error
		line     int
		col      int
		field    string
		msg      string // exact Error() text
	}{
		{"empty", "", ErrEmptyFile, 0, 0, "", `d.csv: empty file (no header row)`},
		{"only blank lines", "\n\n", ErrEmptyFile, 0, 0, "", `d.csv: empty file (no header row)`},
		{"header only", "a,b\n", ErrNoRows, 0, 0, "", `d.csv: no data rows after the header`},
		{"header only blank lines", "a,b\n\n \n", ErrNoRows, 0, 0, "", `d.csv: no data rows after the header`},
		{"empty header name", "a,,c\n1,2,3\n", ErrHeader, 1, 2, "", `d.csv:1:2: empty column name in header`},
		{"blank header name", "a, \n1,2\n", ErrHeader, 1, 2, "", `d.csv:1:2: empty column name in header`},
		{"duplicate header", "a,b, a\n1,2,3\n", ErrHeader, 1, 3, "a", `d.csv:1:3 (column "a"): duplicate column name (also column 1)`},
		{"short row", "a,b\n1,2\n3\n", ErrRagged, 3, 0, "", `d.csv:3: has 1 fields, want 2 (one per header column)`},
		{"long row", "a,b\n1,2,3\n", ErrRagged, 2, 0, "", `d.csv:2: has 3 fields, want 2 (one per header column)`},
		{"ragged after empty line", "a,b\n\n1,2\n\n\n3,4,5\n", ErrRagged, 6, 0, "", `d.csv:6: has 3 fields, want 2 (one per header column)`},
		{"long bad cell", "x\n" + strings.Repeat("é", 100) + "\n", ErrNotNumber, 2, 1, "x",
			`d.csv:2:1 (column "x"): "` + strings.Repeat("é", 20) + `"... (200 bytes) is not a number`},
		{"not a number", "x1,x2,x3\n1,2,3\n1,abc,3\n", ErrNotNumber, 3, 2, "x2", `d.csv:3:2 (column "x2"): "abc" is not a number`},
		{"empty cell", "x,y\n1,\n", ErrNotNumber, 2, 2, "y", `d.csv:2:2 (column "y"): empty cell`},
		{"comma decimal", "x,y\n\"1,5\",2\n", ErrNotNumber, 2, 1, "x", `d.csv:2:1 (column "x"): "1,5" is not a number`},
		{"NaN", "x,y\n1,NaN\n", ErrNotFinite, 2, 2, "y", `d.csv:2:2 (column "y"): "NaN" is not finite`},
		{"nan", "x,y\n1,nan\n", ErrNotFinite, 2, 2, "y", `d.csv:2:2 (column "y"): "nan" is not finite`},
		{"Inf", "x\nInf\n", ErrNotFinite, 2, 1, "x", `d.csv:2:1 (column "x"): "Inf" is not finite`},
		{"+Inf", "x\n+Inf\n", ErrNotFinite, 2, 1, "x", `d.csv:2:1 (column "x"): "+Inf" is not finite`},
		{"-Inf", "x\n -Inf \n", ErrNotFinite, 2, 1, "x", `d.csv:2:1 (column "x"): "-Inf" is not finite`},
		{"infinity", "x\ninfinity\n", ErrNotFinite, 2, 1, "x", `d.csv:2:1 (column "x"): "infinity" is not finite`},
		{"overflow", "x\n1e999\n", ErrNotFinite, 2, 1, "x", `d.csv:2:1 (column "x"): "1e999" is not finite (overflows float64)`},
		{"bare quote", "x,y\n1,2\n3,4\"5\n", ErrSyntax, 3, 0, "", `d.csv:3: bad CSV quoting: bare " in non-quoted-field`},
		{"unterminated quote", "x,y\n1,\"2\n3,4\n", ErrSyntax, 2, 0, "", `d.csv:2: bad CSV quoting: extraneous or missing " in quoted-field (record starting here runs to line 3)`},
		{"crlf ragged", "a,b\r\n1,2\r\n3\r\n", ErrRagged, 3, 0, "", `d.csv:3: has 1 fields, want 2 (one per header column)`},
		{"bom ragged", "\xEF\xBB\xBFa,b\n1\n", ErrRagged, 2, 0, "", `d.csv:2: has 1 fields, want 2 (one per header column)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := ParseCSV(strings.NewReader(tc.in), "d.csv")
			if err == nil {
				t.Fatalf("ParseCSV succeeded: %+v", tab)
			}
			var te *TableError
			if !errors.As(err, &te) {
				t.Fatalf("error %T %v is not a *TableError", err, err)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			if te.File != "d.csv" || te.Line != tc.line || te.Column != tc.col || te.Field != tc.field {
				t.Errorf("position = %s:%d:%d %q, want d.csv:%d:%d %q", te.File, te.Line, te.Column, te.Field, tc.line, tc.col, tc.field)
			}
			if got := err.Error(); got != tc.msg {
				t.Errorf("Error() = %s\n                want %s", got, tc.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Error() has several lines: %q", err.Error())
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseCSVReadError(t *testing.T) {
	_, err := ParseCSV(io.MultiReader(strings.NewReader("a,b\n1,2\n"), failingReader{}), "r.csv")
	var te *TableError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "disk on fire") || te.File != "r.csv" {
		t.Fatalf("err = %v", err)
	}
}

func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte("y, x1 ,x2\n1,0.5,-1\n0,1.5,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadCSV(good)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Source != good || len(tab.Rows) != 2 {
		t.Fatalf("got %+v", tab)
	}

	missing := filepath.Join(dir, "missing.csv")
	_, err = ReadCSV(missing)
	var te *TableError
	if !errors.As(err, &te) {
		t.Fatalf("missing file: %T %v", err, err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: errors.Is(err, fs.ErrNotExist) = false for %v", err)
	}
	if want := missing + ": cannot open: no such file or directory"; err.Error() != want {
		t.Errorf("missing file: %q, want %q", err.Error(), want)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1,2\n1,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadCSV(bad)
	if want := bad + `:3:2 (column "b"): "x" is not a number`; err == nil || err.Error() != want {
		t.Errorf("bad file: %v, want %s", err, want)
	}
}

func TestTableAccessors(t *testing.T) {
	tab, err := ParseCSV(strings.NewReader("y,x1,x2\n1,10,100\n0,20,200\n\n1,30,300\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	if j, err := tab.Index("x2"); err != nil || j != 2 {
		t.Errorf("Index(x2) = %d, %v", j, err)
	}
	_, err = tab.Index("z")
	if want := `t.csv (column "z"): no such column; have "y", "x1", "x2"`; err == nil || err.Error() != want {
		t.Errorf("Index(z) error = %v, want %s", err, want)
	}
	if !errors.Is(err, ErrNoColumn) {
		t.Errorf("Index(z) error does not wrap ErrNoColumn")
	}
	col, err := tab.Column("x1")
	if err != nil || !reflect.DeepEqual(col, []float64{10, 20, 30}) {
		t.Errorf("Column(x1) = %v, %v", col, err)
	}
	col[0] = -1
	if tab.Rows[0][1] != 10 {
		t.Errorf("Column returned an alias of the table")
	}
	if _, err := tab.Column("nope"); !errors.Is(err, ErrNoColumn) {
		t.Errorf("Column(nope) error = %v", err)
	}

	tests := []struct {
		names []string
		want  []float64
		cols  int
		err   error
	}{
		{[]string{"x1", "x2"}, []float64{10, 100, 20, 200, 30, 300}, 2, nil},
		{[]string{"x2", "y"}, []float64{100, 1, 200, 0, 300, 1}, 2, nil},
		{[]string{"x1", "x1"}, []float64{10, 10, 20, 20, 30, 30}, 2, nil},
		{[]string{"x1", "zz"}, nil, 0, ErrNoColumn},
		{nil, nil, 0, ErrNoColumn},
	}
	for _, tc := range tests {
		m, cols, err := tab.Matrix(tc.names)
		if !errors.Is(err, tc.err) || cols != tc.cols || !reflect.DeepEqual(m, tc.want) {
			t.Errorf("Matrix(%q) = %v, %d, %v; want %v, %d, %v", tc.names, m, cols, err, tc.want, tc.cols, tc.err)
		}
	}

	// A hand-built ragged table gives an error rather than a panic.
	hand := &Table{Source: "hand", Columns: []string{"a", "b"}, Rows: [][]float64{{1, 2}, {3}}}
	if _, err := hand.Column("b"); !errors.Is(err, ErrRagged) || err.Error() != "hand:3: has 1 fields, want 2" {
		t.Errorf("ragged hand-built table: %v", err)
	}
	if _, _, err := hand.Matrix([]string{"b"}); !errors.Is(err, ErrRagged) {
		t.Errorf("ragged hand-built table Matrix: %v", err)
	}
}

func TestCheckBinary(t *testing.T) {
	tests := []struct {
		in   string
		col  string
		want string // "" for success
	}{
		{"y,x\n1,3\n0,4\n1,5\n", "y", ""},
		{"y,x\n1,3\n0,4\n1,5\n", "x", `b.csv:2:2 (column "x"): 3 is not 0 or 1`},
		{"x,y\n3,1\n\n4,0.5\n", "y", `b.csv:4:2 (column "y"): 0.5 is not 0 or 1`},
		{"x,y\n3,1\n4,-0\n5,2\n", "y", `b.csv:4:2 (column "y"): 2 is not 0 or 1`},
		{"x,y\n3,1\n", "label", `b.csv (column "label"): no such column; have "x", "y"`},
	}
	for _, tc := range tests {
		tab, err := ParseCSV(strings.NewReader(tc.in), "b.csv")
		if err != nil {
			t.Fatal(err)
		}
		err = tab.CheckBinary(tc.col)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckBinary(%q) on %q: %v", tc.col, tc.in, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("CheckBinary(%q) on %q = %v, want %s", tc.col, tc.in, err, tc.want)
		}
		if tc.want != "" {
			var te *TableError
			if !errors.As(err, &te) {
				t.Errorf("CheckBinary error is %T, want *TableError", err)
			}
		}
	}
}

func TestSaveCSVRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	header := []string{"a", "b c", "d,e"}
	rows := [][]float64{{1, 0.1, -3e-300}, {1.0 / 3, 2e20, 0}}
	if err := SaveCSV(path, header, rows); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tab.Columns, header) || !reflect.DeepEqual(tab.Rows, rows) {
		t.Errorf("round trip: got %q %v", tab.Columns, tab.Rows)
	}
	// Bad input leaves the existing file untouched.
	before, _ := os.ReadFile(path)
	badCases := []struct {
		header []string
		rows   [][]float64
		err    error
	}{
		{[]string{"a", "b"}, [][]float64{{1, 2}, {3}}, ErrRagged},
		{[]string{"a", "a"}, [][]float64{{1, 2}}, ErrHeader},
		{nil, nil, ErrHeader},
		{[]string{"a"}, [][]float64{{nan()}}, ErrNotFinite},
	}
	for _, bc := range badCases {
		err := SaveCSV(path, bc.header, bc.rows)
		var te *TableError
		if !errors.As(err, &te) || !errors.Is(err, bc.err) {
			t.Errorf("SaveCSV(%q, %v) = %v, want %v", bc.header, bc.rows, err, bc.err)
		}
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Errorf("file changed by failed saves")
	}
	assertNoTemps(t, filepath.Dir(path))
}

func nan() float64 {
	var zero float64
	return zero / zero
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// Comment lines come first, each after "# ", and the table reads back with
// them skipped.
func TestSaveCSVComments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "draws.csv")
	if err := SaveCSVComments(path, []string{"method = variational", "pareto_k = 0.2"}, []string{"lp__", "a"}, [][]float64{{0, 1.5}, {0, -2}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "# method = variational\n# pareto_k = 0.2\nlp__,a\n0,1.5\n0,-2\n"; string(b) != want {
		t.Errorf("file %q, want %q", b, want)
	}
	err = SaveCSVComments(path, []string{"a\nb"}, []string{"a"}, nil)
	var te *TableError
	if !errors.As(err, &te) || te.Line != 1 {
		t.Errorf("newline in a comment: %v", err)
	}
	err = SaveCSVComments(path, []string{"x"}, []string{"a"}, [][]float64{{math.NaN()}})
	if !errors.As(err, &te) || te.Line != 3 {
		t.Errorf("NaN on the first row after one comment: %v", err)
	}
}

// TestParseCSVLimits: no input makes the reader use more memory than its
// limits: it stops at the first byte past one, naming the line (and column).
func TestParseCSVLimits(t *testing.T) {
	small := CSVLimits{LineBytes: 64, CellBytes: 8, Columns: 4, Cells: 6}
	tests := []struct {
		name     string
		in       string
		lim      CSVLimits
		sentinel error
		msg      string
	}{
		{"NUL byte", "x,y\n1,2\n3\x00,4\n", CSVLimits{}, ErrSyntax, `d.csv:3: NUL byte: this is not a text CSV file`},
		{"NUL first", "\x00\x00\x00", CSVLimits{}, ErrSyntax, `d.csv:1: NUL byte: this is not a text CSV file`},
		{"long line", "x,y\n1,2\n1," + strings.Repeat(" ", 70) + "2\n", CSVLimits{LineBytes: 64}, ErrTooLarge, `d.csv:3: line longer than 64 bytes (the limit)`},
		{"long header", strings.Repeat("x", 100), CSVLimits{LineBytes: 64}, ErrTooLarge, `d.csv:1: line longer than 64 bytes (the limit)`},
		{"long cell", "x,y\n1,2\n3,123456789\n", small, ErrTooLarge, `d.csv:3:2: cell longer than 8 bytes (the limit)`},
		{"long quoted multi-line record", "x\n\"" + strings.Repeat("1\n", 40) + "\"\n", CSVLimits{LineBytes: 64}, ErrTooLarge,
			`d.csv:2: record longer than 64 bytes (the limit) by line 33: a quoted cell runs on`},
		{"long header name", "a,bbbbbbbbbbbb\n1,2\n", small, ErrTooLarge, `d.csv:1:2: cell longer than 8 bytes (the limit)`},
		{"too many columns", "a,b,c,d,e\n1,2,3,4,5\n", small, ErrTooLarge, `d.csv:1: more than 4 columns (the limit)`},
		{"too many cells", "a,b\n1,2\n3,4\n5,6\n7,8\n", small, ErrTooManyCells, `d.csv:5: more than 6 cells in all (the limit)`},
		{"error before the limit first", "x\nabc\n" + strings.Repeat("9", 100), small, ErrNotNumber, `d.csv:2:1 (column "x"): "abc" is not a number`},
		{"default cell limit", "x\n" + strings.Repeat("1", DefaultCSVCellBytes+1) + "\n", CSVLimits{}, ErrTooLarge, `d.csv:2:1: cell longer than 4096 bytes (the limit)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := ParseCSVLimits(strings.NewReader(tc.in), "d.csv", tc.lim)
			if err == nil {
				t.Fatalf("ParseCSVLimits succeeded: %+v", tab)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			if got := err.Error(); got != tc.msg {
				t.Errorf("Error() = %s\n                want %s", got, tc.msg)
			}
		})
	}
	// Within the limits, exactly.
	in := "a,b,c,d\r\n12345678,2,3,4\r\n\n       \n"
	if _, err := ParseCSVLimits(strings.NewReader(in), "d.csv", CSVLimits{LineBytes: 16, CellBytes: 8, Columns: 4, Cells: 4}); err != nil {
		t.Errorf("input at the limits: %v", err)
	}
}

// endless is an endless stream of one byte, like /dev/zero; it counts what
// is read from it.
type endless struct {
	b    byte
	read int
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	e.read += len(p)
	return len(p), nil
}

// TestParseCSVEndless: an endless input (/dev/zero, or one endless line) is
// refused after at most a line's worth of bytes.
func TestParseCSVEndless(t *testing.T) {
	for _, b := range []byte{0, 'x', '1'} {
		src := &endless{b: b}
		_, err := ParseCSV(src, "endless")
		if err == nil {
			t.Fatalf("byte %q: ParseCSV of an endless input succeeded", b)
		}
		if src.read > DefaultCSVLineBytes+1<<16 {
			t.Errorf("byte %q: read %d bytes before %v", b, src.read, err)
		}
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := ReadCSV("/dev/zero")
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "/dev/zero:1: NUL byte") {
			t.Errorf("ReadCSV(/dev/zero) = %v", err)
		}
	}
}

// FuzzParseCSV: whatever the input, ParseCSV returns a table or a
// *TableError, never panics, and a table it returns is well formed.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n3,4\n", "x\n1\n\n \n2\n", "\"a\nb\",c\n1,2\n", "\xEF\xBB\xBFx\r\n1e-400\r\n",
		"a,b\n1,\"2\n", "a,a\n1,2\n", "x\nNaN\n", "x\n\x00\n", "a,b\n1,2,3\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tab, err := ParseCSVLimits(bytes.NewReader(in), "f.csv", CSVLimits{LineBytes: 256, CellBytes: 32, Columns: 8, Cells: 64})
		if err != nil {
			var te *TableError
			if !errors.As(err, &te) || te.File != "f.csv" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %T %q", err, err)
			}
			return
		}
		if len(tab.Columns) == 0 || len(tab.Columns) > 8 || len(tab.Rows) == 0 || len(tab.Rows)*len(tab.Columns) > 64 {
			t.Fatalf("table of %d columns and %d rows", len(tab.Columns), len(tab.Rows))
		}
		for _, row := range tab.Rows {
			if len(row) != len(tab.Columns) {
				t.Fatalf("row %v for columns %q", row, tab.Columns)
			}
			for _, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite value in %v", row)
				}
			}
		}
	})
}

// TestIndexWide: looking up every column of a wide table is fast (no
// quadratic scan), gives the first of duplicates, and follows Columns if
// they change.
func TestIndexWide(t *testing.T) {
	const d = 50000
	tab := &Table{Source: "w.csv"}
	for j := 0; j < d; j++ {
		tab.Columns = append(tab.Columns, "x"+strconv.Itoa(j))
	}
	tab.Columns = append(tab.Columns, "x7") // a duplicate
	start := time.Now()
	for j := 0; j < d; j++ {
		if k, err := tab.Index("x" + strconv.Itoa(j)); err != nil || k != j {
			t.Fatalf("Index(x%d) = %d, %v", j, k, err)
		}
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("%d lookups took %v", d, el)
	}
	if _, err := tab.Index("nope"); !errors.Is(err, ErrNoColumn) {
		t.Errorf("Index(nope) = %v", err)
	}
	tab.Columns[3] = "renamed"
	if k, err := tab.Index("renamed"); err != nil || k != 3 {
		t.Errorf("Index after a rename = %d, %v", k, err)
	}
	if _, err := tab.Index("x3"); !errors.Is(err, ErrNoColumn) {
		t.Errorf("Index of the old name after a rename = %v", err)
	}
}
