package datasets

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeCSV writes a table of rows×cols values with blank lines sprinkled in,
// and returns its path.
func writeCSV(t *testing.T, dir string, rows, cols int, rng *rand.Rand) string {
	t.Helper()
	var b strings.Builder
	for j := 0; j < cols; j++ {
		if j > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "c%d", j)
	}
	b.WriteString("\n")
	for i := 0; i < rows; i++ {
		if i%1000 == 7 {
			b.WriteString("  \n")
		}
		for j := 0; j < cols; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.FormatFloat(rng.NormFloat64()*float64(j+1)*1e3, 'g', -1, 64))
		}
		b.WriteString("\r\n")
	}
	path := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, cols = 2*CacheBlockRows + 17, 3
	csv := writeCSV(t, dir, rows, cols, rng)
	tab, err := ReadCSV(csv)
	if err != nil {
		t.Fatal(err)
	}
	path := CachePath(csv, "")
	info, err := BuildCache(csv, path, CSVLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != rows || len(info.Columns) != cols || info.Columns[2] != "c2" {
		t.Fatalf("info %+v", info)
	}
	c, err := OpenCache(path, csv)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Rows() != rows || c.BlockRows() != CacheBlockRows {
		t.Fatalf("rows %d, block rows %d", c.Rows(), c.BlockRows())
	}
	// Whole columns, and ranges that start and end inside blocks.
	for _, r := range [][2]int{{0, rows}, {5, 1}, {CacheBlockRows - 3, 10}, {CacheBlockRows, CacheBlockRows}, {rows - 20, 20}, {100, 2*CacheBlockRows - 90}} {
		for j := 0; j < cols; j++ {
			dst := make([]float64, r[1])
			if err := c.ReadColumn(dst, j, r[0]); err != nil {
				t.Fatal(err)
			}
			for i, v := range dst {
				if want := tab.Rows[r[0]+i][j]; v != want {
					t.Fatalf("row %d column %d: %v, want %v", r[0]+i, j, v, want)
				}
			}
		}
	}
	if j, err := c.Index("c1"); err != nil || j != 1 {
		t.Fatalf("Index c1 = %d, %v", j, err)
	}
	if _, err := c.Index("nope"); !errors.Is(err, ErrNoColumn) {
		t.Fatalf("Index nope: %v", err)
	}
	// Row 7 is on line 9: the header, blank line 8 (written before row 7).
	if line, err := RowLine(csv, 7); err != nil || line != 10 {
		t.Fatalf("RowLine(7) = %d, %v, want 10", line, err)
	}
	// In another directory.
	other := CachePath(csv, filepath.Join(dir, "sub"))
	if other != filepath.Join(dir, "sub", "data.csv.vcache") {
		t.Fatalf("CachePath = %s", other)
	}
}

func TestCacheStale(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(csv, []byte("a,b\n1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := CachePath(csv, "")
	if _, err := BuildCache(csv, path, CSVLimits{}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	// Touched, same bytes: still fresh (the SHA-256 decides).
	if err := os.Chtimes(csv, later, later); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCache(path, csv)
	if err != nil {
		t.Fatalf("touched CSV: %v", err)
	}
	c.Close()
	// Same size, different bytes.
	if err := os.WriteFile(csv, []byte("a,b\n1,2\n3,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(csv, later.Add(time.Hour), later.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCache(path, csv); !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "d.csv changed") {
		t.Fatalf("changed CSV: %v", err)
	}
	// Another size.
	if err := os.WriteFile(csv, []byte("a,b\n1,2\n3,4\n5,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCache(path, csv); !errors.Is(err, ErrStale) {
		t.Fatalf("longer CSV: %v", err)
	}
	// Without a CSV to check against, the cache opens.
	c, err = OpenCache(path, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestCacheCorrupt(t *testing.T) {
	dir := t.TempDir()
	csv := writeCSV(t, dir, CacheBlockRows+5, 2, rand.New(rand.NewPCG(3, 4)))
	path := CachePath(csv, "")
	if _, err := BuildCache(csv, path, CSVLimits{}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damage := func(f func(b []byte) []byte) {
		t.Helper()
		b := f(append([]byte(nil), good...))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A flipped bit in block 1 (the short one), column c1: found on reading it.
	damage(func(b []byte) []byte {
		off := cachePrologue + 8*(2*CacheBlockRows+5+2)
		b[off] ^= 4
		return b
	})
	c, err := OpenCache(path, csv)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float64, 5)
	if err := c.ReadColumn(dst, 0, CacheBlockRows); err != nil {
		t.Fatalf("column c0 is intact: %v", err)
	}
	err = c.ReadColumn(dst, 1, CacheBlockRows-2)
	var ce *CacheError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || ce.Block != 1 || ce.Column != "c1" {
		t.Fatalf("flipped bit: %v", err)
	}
	if !strings.Contains(err.Error(), `block 1 (rows 4097 to 8192), column "c1": checksum mismatch`) {
		t.Fatalf("message: %v", err)
	}
	c.Close()

	cases := []struct {
		name string
		f    func(b []byte) []byte
		want error
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-100] }, ErrCorrupt},
		{"extended", func(b []byte) []byte { return append(b, 0) }, ErrCorrupt},
		{"magic", func(b []byte) []byte { b[0] = 'X'; return b }, ErrCorrupt},
		{"version", func(b []byte) []byte { b[8] = 9; return b }, ErrCacheVersion},
		{"footer", func(b []byte) []byte { b[len(b)-cacheTrailer-3] ^= 1; return b }, ErrCorrupt},
		{"tiny", func(b []byte) []byte { return b[:10] }, ErrCorrupt},
		{"csv", func([]byte) []byte { return []byte("a,b\n1,2\n") }, ErrCorrupt},
	}
	for _, tc := range cases {
		damage(tc.f)
		if _, err := OpenCache(path, ""); !errors.Is(err, tc.want) || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestBuildCacheBadCSV(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		text, want string
		err        error
	}{
		{"a,b\n1,2\n3,x\n", `d.csv:3:2 (column "b"): "x" is not a number`, ErrNotNumber},
		{"a,b\n1,2\n3\n", "d.csv:3: has 1 fields, want 2", ErrRagged},
		{"a,b\n", "no data rows", ErrNoRows},
		{"", "empty file", ErrEmptyFile},
		{"a,a\n1,2\n", "duplicate column name", ErrHeader},
		{"a,b\n1,NaN\n", "not finite", ErrNotFinite},
		{"a,b\n1,\x002\n", "NUL byte", ErrSyntax},
	}
	for _, tc := range cases {
		csv := filepath.Join(dir, "d.csv")
		if err := os.WriteFile(csv, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		path := CachePath(csv, "")
		_, err := BuildCache(csv, path, CSVLimits{})
		var te *TableError
		if !errors.As(err, &te) || !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%q: a cache was left behind", tc.text)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%q: temporary files left: %v", tc.text, ents)
		}
	}
	if _, err := BuildCache(filepath.Join(dir, "missing.csv"), filepath.Join(dir, "m.vcache"), CSVLimits{}); err == nil || !strings.Contains(err.Error(), "cannot open") {
		t.Errorf("missing CSV: %v", err)
	}
}
