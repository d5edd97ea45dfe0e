package datasets

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/vigor-ml/vigor/internal/atomicfile"
)

// A column cache is a binary copy of a numeric CSV file, built once and read
// in blocks of rows, so that a program can sample rows from a table larger
// than its memory. The layout (version 1, all integers little-endian):
//
//	prologue  "VIGORVC\x00", version uint32, 0 uint32              (16 bytes)
//	blocks    for each block of CacheBlockRows rows (the last may be shorter),
//	          for each column: the block's values as float64     (8 bytes each)
//	footer    JSON: columns, rows, block rows, the CSV's size, modification
//	          time and SHA-256, and one CRC-32C per block and column
//	trailer   footer offset uint64, footer length uint32, CRC-32C of the
//	          footer uint32, "VCEND\x00\x00\x00"                 (24 bytes)
//
// The file's size must be exactly what the footer describes, so that no
// read is sized by an unchecked number; every block of a column is checked
// against its CRC when it is read.

// CacheVersion is the version of the cache format written by BuildCache.
const CacheVersion = 1

// CacheBlockRows is the number of rows of a cache block: the unit of reading
// and of the checksums.
const CacheBlockRows = 4096

// CacheExt is the extension CachePath gives a cache: data.csv → data.csv.vcache.
const CacheExt = ".vcache"

var (
	cacheMagic = [8]byte{'V', 'I', 'G', 'O', 'R', 'V', 'C', 0}
	cacheEnd   = [8]byte{'V', 'C', 'E', 'N', 'D', 0, 0, 0}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

const (
	cachePrologue = 16
	cacheTrailer  = 24
	// maxFooter bounds the footer: a few hundred bytes per column and 11 per
	// checksum (one per block and column, 2.4·10⁸ cells per MB of footer).
	maxFooter = 1 << 30
)

// Sentinel errors of the cache, wrapped by *CacheError.
var (
	// ErrStale reports a cache whose CSV file changed after it was built.
	ErrStale = errors.New("stale cache")
	// ErrCorrupt reports a cache file that is not what it claims: a bad
	// prologue, trailer or footer, a wrong size, or a block whose checksum
	// does not match.
	ErrCorrupt = errors.New("corrupt cache")
	// ErrCacheVersion reports a cache written by another version of the format.
	ErrCacheVersion = errors.New("unsupported cache version")
)

// CacheError is the error of every cache operation that fails on the file's
// content: it names the cache file and, where it applies, the block and the
// column, and wraps ErrStale, ErrCorrupt, ErrCacheVersion or an I/O error.
type CacheError struct {
	File   string // the cache file
	Block  int    // the block (from 0), or -1
	Column string // the column, or ""
	Msg    string
	Err    error
}

// Error formats the error as one line: "file: block 3, column "x": msg".
func (e *CacheError) Error() string {
	s := e.File + ": "
	if e.Block >= 0 {
		s += fmt.Sprintf("block %d (rows %d to %d)", e.Block, e.Block*CacheBlockRows+1, (e.Block+1)*CacheBlockRows)
		if e.Column != "" {
			s += fmt.Sprintf(", column %q", e.Column)
		}
		s += ": "
	}
	return s + e.Msg
}

// Unwrap returns the wrapped cause.
func (e *CacheError) Unwrap() error { return e.Err }

// CacheSource identifies the CSV file a cache was built from.
type CacheSource struct {
	Name    string `json:"name"`     // the CSV's base name
	Size    int64  `json:"size"`     // its size in bytes
	ModTime int64  `json:"mtime_ns"` // its modification time, nanoseconds since 1970
	SHA256  string `json:"sha256"`   // the hex SHA-256 of its bytes
}

// cacheFooter is the JSON footer of a cache file.
type cacheFooter struct {
	Version   int         `json:"version"`
	Columns   []string    `json:"columns"`
	Rows      int64       `json:"rows"`
	BlockRows int         `json:"block_rows"`
	Source    CacheSource `json:"source"`
	Checksums []uint32    `json:"checksums"` // block-major: block b, column j at b·len(Columns)+j
}

// CachePath returns the cache file of the CSV file csv: csv + CacheExt beside
// it, or, when dir is not empty, in dir (named after csv's base name).
func CachePath(csv, dir string) string {
	if dir == "" {
		return csv + CacheExt
	}
	return filepath.Join(dir, filepath.Base(csv)+CacheExt)
}

// BuildCache reads the CSV file csv within lim (as ReadCSVLimits does, with
// the same checks and *TableError errors naming file, line and column; lim's
// Cells bound does not apply, since the table is never held in memory) and
// writes its cache to path, atomically (a reader never sees a partial file).
// Memory use is bounded by the block size and the columns, not by the rows.
// It returns the cache's description.
func BuildCache(csv, path string, lim CSVLimits) (*CacheInfo, error) {
	if filepath.Clean(csv) == filepath.Clean(path) {
		return nil, &CacheError{File: path, Block: -1, Msg: "the cache would overwrite its CSV file"}
	}
	f, err := os.Open(csv)
	if err != nil {
		return nil, &TableError{File: csv, Msg: "cannot open: " + causeText(err), Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &TableError{File: csv, Msg: "cannot stat: " + causeText(err), Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &TableError{File: csv, Msg: "not a regular file: a cache needs a file whose size and time identify its content"}
	}
	h := sha256.New()
	lim.Cells = 0
	sc := newCSVScanner(io.TeeReader(f, h), csv, lim)
	foot := &cacheFooter{Version: CacheVersion, BlockRows: CacheBlockRows}
	err = atomicfile.Write(path, func(w io.Writer) error {
		var pro [cachePrologue]byte
		copy(pro[:], cacheMagic[:])
		binary.LittleEndian.PutUint32(pro[8:], CacheVersion)
		if _, err := w.Write(pro[:]); err != nil {
			return err
		}
		cols, err := sc.header()
		if err != nil {
			return err
		}
		foot.Columns = cols
		nc := len(cols)
		block := make([]float64, CacheBlockRows*nc) // row-major
		buf := make([]byte, 8*CacheBlockRows)
		flush := func(rows int) error {
			for j := 0; j < nc; j++ {
				b := buf[:8*rows]
				for i := 0; i < rows; i++ {
					binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(block[i*nc+j]))
				}
				foot.Checksums = append(foot.Checksums, crc32.Checksum(b, castagnoli))
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			return nil
		}
		rows := 0
		for {
			ok, err := sc.next(block[rows*nc : (rows+1)*nc])
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			foot.Rows++
			if rows++; rows == CacheBlockRows {
				if err := flush(rows); err != nil {
					return err
				}
				rows = 0
			}
		}
		if foot.Rows == 0 {
			return &TableError{File: csv, Msg: "no data rows after the header", Err: ErrNoRows}
		}
		if rows > 0 {
			if err := flush(rows); err != nil {
				return err
			}
		}
		// The hash covers every byte of the file, also past the last record.
		if _, err := io.Copy(h, f); err != nil {
			return &TableError{File: csv, Msg: "read error: " + err.Error(), Err: err}
		}
		foot.Source = CacheSource{Name: filepath.Base(csv), Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), SHA256: hex.EncodeToString(h.Sum(nil))}
		js, err := json.Marshal(foot)
		if err != nil {
			return err
		}
		var tr [cacheTrailer]byte
		binary.LittleEndian.PutUint64(tr[0:], uint64(cachePrologue+8*foot.Rows*int64(nc)))
		binary.LittleEndian.PutUint32(tr[8:], uint32(len(js)))
		binary.LittleEndian.PutUint32(tr[12:], crc32.Checksum(js, castagnoli))
		copy(tr[16:], cacheEnd[:])
		if _, err := w.Write(js); err != nil {
			return err
		}
		_, err = w.Write(tr[:])
		return err
	})
	if err != nil {
		var te *TableError
		if errors.As(err, &te) {
			return nil, te
		}
		return nil, &CacheError{File: path, Block: -1, Msg: "cannot write: " + err.Error(), Err: err}
	}
	// The CSV must not have changed while it was read.
	if fi2, err := os.Stat(csv); err != nil || fi2.Size() != fi.Size() || !fi2.ModTime().Equal(fi.ModTime()) {
		os.Remove(path)
		return nil, &CacheError{File: path, Block: -1, Msg: csv + " changed while the cache was built", Err: ErrStale}
	}
	return &CacheInfo{Path: path, Columns: foot.Columns, Rows: int(foot.Rows), Source: foot.Source}, nil
}

// CacheInfo describes a cache file.
type CacheInfo struct {
	Path    string
	Columns []string
	Rows    int
	Source  CacheSource
}

// Cache is an open column cache: its columns are read by blocks, each block
// checked against its checksum. A Cache is not safe for concurrent use.
type Cache struct {
	f       *os.File
	path    string
	foot    cacheFooter
	n       int
	index   map[string]int
	scratch []byte
}

// OpenCache opens the cache file path. When csv is not empty, it must be the
// CSV file the cache was built from, unchanged: a different size, or a
// different modification time and SHA-256, is a *CacheError wrapping
// ErrStale (a file touched but not changed is still fresh). A file that is
// not a valid cache is a *CacheError wrapping ErrCorrupt or ErrCacheVersion;
// one that does not exist wraps the os error (errors.Is(err,
// fs.ErrNotExist)).
func OpenCache(path, csv string) (*Cache, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &CacheError{File: path, Block: -1, Msg: "cannot open: " + causeText(err), Err: err}
	}
	c := &Cache{f: f, path: path}
	if err := c.readFooter(); err != nil {
		f.Close()
		return nil, err
	}
	if csv != "" {
		if err := c.checkFresh(csv); err != nil {
			f.Close()
			return nil, err
		}
	}
	c.index = make(map[string]int, len(c.foot.Columns))
	for j := len(c.foot.Columns) - 1; j >= 0; j-- {
		c.index[c.foot.Columns[j]] = j
	}
	c.scratch = make([]byte, 8*c.foot.BlockRows)
	return c, nil
}

func (c *Cache) corrupt(msg string) error {
	return &CacheError{File: c.path, Block: -1, Msg: msg + " (rebuild the cache)", Err: ErrCorrupt}
}

// readFooter reads and checks the prologue, the trailer and the footer, and
// that the file's size is what they describe.
func (c *Cache) readFooter() error {
	fi, err := c.f.Stat()
	if err != nil {
		return &CacheError{File: c.path, Block: -1, Msg: "cannot stat: " + causeText(err), Err: err}
	}
	size := fi.Size()
	if size < cachePrologue+cacheTrailer {
		return c.corrupt(fmt.Sprintf("%d bytes is too short for a cache file", size))
	}
	var pro [cachePrologue]byte
	if _, err := c.f.ReadAt(pro[:], 0); err != nil {
		return &CacheError{File: c.path, Block: -1, Msg: "read error: " + err.Error(), Err: err}
	}
	if [8]byte(pro[:8]) != cacheMagic {
		return c.corrupt("not a vigor cache file (bad magic number)")
	}
	if v := binary.LittleEndian.Uint32(pro[8:]); v != CacheVersion {
		return &CacheError{File: c.path, Block: -1, Err: ErrCacheVersion,
			Msg: fmt.Sprintf("cache format version %d, this vigor reads version %d (rebuild the cache)", v, CacheVersion)}
	}
	var tr [cacheTrailer]byte
	if _, err := c.f.ReadAt(tr[:], size-cacheTrailer); err != nil {
		return &CacheError{File: c.path, Block: -1, Msg: "read error: " + err.Error(), Err: err}
	}
	if [8]byte(tr[16:]) != cacheEnd {
		return c.corrupt("truncated or damaged (bad trailer)")
	}
	off := binary.LittleEndian.Uint64(tr[0:])
	n := int64(binary.LittleEndian.Uint32(tr[8:]))
	if off < cachePrologue || n > maxFooter || off > uint64(size) || int64(off)+n+cacheTrailer != size {
		return c.corrupt("truncated or damaged (the trailer does not match the file's size)")
	}
	js := make([]byte, n)
	if _, err := c.f.ReadAt(js, int64(off)); err != nil {
		return &CacheError{File: c.path, Block: -1, Msg: "read error: " + err.Error(), Err: err}
	}
	if crc32.Checksum(js, castagnoli) != binary.LittleEndian.Uint32(tr[12:]) {
		return c.corrupt("damaged footer (checksum mismatch)")
	}
	foot := &c.foot
	if err := json.Unmarshal(js, foot); err != nil {
		return c.corrupt("damaged footer: " + err.Error())
	}
	nc := int64(len(foot.Columns))
	switch {
	case foot.Version != CacheVersion:
		return c.corrupt(fmt.Sprintf("footer version %d", foot.Version))
	case nc == 0 || foot.Rows <= 0 || foot.BlockRows <= 0 || foot.BlockRows > 1<<24:
		return c.corrupt(fmt.Sprintf("footer with %d columns, %d rows, blocks of %d rows", nc, foot.Rows, foot.BlockRows))
	case foot.BlockRows != CacheBlockRows:
		return c.corrupt(fmt.Sprintf("blocks of %d rows, want %d", foot.BlockRows, CacheBlockRows))
	case foot.Rows > (math.MaxInt64/8-cachePrologue)/nc || cachePrologue+8*foot.Rows*nc != int64(off):
		return c.corrupt(fmt.Sprintf("%d rows of %d columns do not fill the file's %d data bytes", foot.Rows, nc, int64(off)-cachePrologue))
	}
	blocks := (foot.Rows + int64(foot.BlockRows) - 1) / int64(foot.BlockRows)
	if int64(len(foot.Checksums)) != blocks*nc {
		return c.corrupt(fmt.Sprintf("%d checksums for %d blocks of %d columns", len(foot.Checksums), blocks, nc))
	}
	seen := make(map[string]bool, nc)
	for _, name := range foot.Columns {
		if name == "" || seen[name] {
			return c.corrupt(fmt.Sprintf("empty or repeated column name %q", name))
		}
		seen[name] = true
	}
	c.n = int(foot.Rows)
	return nil
}

// checkFresh checks the cache against its CSV file.
func (c *Cache) checkFresh(csv string) error {
	fi, err := os.Stat(csv)
	if err != nil {
		return &CacheError{File: c.path, Block: -1, Msg: "cannot check it against " + csv + ": " + causeText(err), Err: err}
	}
	src := c.foot.Source
	if fi.Size() != src.Size {
		return &CacheError{File: c.path, Block: -1, Err: ErrStale,
			Msg: fmt.Sprintf("stale: %s changed since the cache was built (%d bytes, then %d)", csv, fi.Size(), src.Size)}
	}
	if fi.ModTime().UnixNano() == src.ModTime {
		return nil
	}
	sum, err := fileSHA256(csv)
	if err != nil {
		return &CacheError{File: c.path, Block: -1, Msg: "cannot check it against " + csv + ": " + causeText(err), Err: err}
	}
	if sum != src.SHA256 {
		return &CacheError{File: c.path, Block: -1, Err: ErrStale,
			Msg: fmt.Sprintf("stale: %s changed since the cache was built (modified %s, content differs)", csv, fi.ModTime().UTC().Format(time.RFC3339))}
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, bufio.NewReaderSize(f, 1<<20)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Close closes the cache file.
func (c *Cache) Close() error { return c.f.Close() }

// Path returns the cache file's name.
func (c *Cache) Path() string { return c.path }

// Columns returns the column names, in the CSV's order. The slice belongs to
// the Cache.
func (c *Cache) Columns() []string { return c.foot.Columns }

// Rows returns the number of data rows.
func (c *Cache) Rows() int { return c.n }

// BlockRows returns the number of rows of a block, the unit in which the
// cache is read best (reads aligned to blocks read nothing twice).
func (c *Cache) BlockRows() int { return c.foot.BlockRows }

// Source describes the CSV file the cache was built from.
func (c *Cache) Source() CacheSource { return c.foot.Source }

// Index returns the index of the named column, or a *TableError wrapping
// ErrNoColumn that names the cache and lists its columns.
func (c *Cache) Index(name string) (int, error) {
	if j, ok := c.index[name]; ok {
		return j, nil
	}
	return -1, &TableError{File: c.path, Field: name,
		Msg: "no such column; have " + quoteList(c.foot.Columns, 20), Err: ErrNoColumn}
}

// ReadColumn reads rows [start, start+len(dst)) of column col into dst,
// checking each block it touches against its checksum: a mismatch is a
// *CacheError wrapping ErrCorrupt that names the block and the column. It
// panics (a programmer error) when col or the rows are out of range.
func (c *Cache) ReadColumn(dst []float64, col, start int) error {
	nc := len(c.foot.Columns)
	if col < 0 || col >= nc || start < 0 || start+len(dst) > c.n {
		panic(fmt.Sprintf("datasets: Cache.ReadColumn: column %d of %d, rows %d..%d of %d", col, nc, start, start+len(dst), c.n))
	}
	br := c.foot.BlockRows
	for len(dst) > 0 {
		b := start / br
		rows := min(br, c.n-b*br) // the block's rows
		raw := c.scratch[:8*rows]
		off := int64(cachePrologue) + 8*(int64(b)*int64(br)*int64(nc)+int64(col)*int64(rows))
		if _, err := c.f.ReadAt(raw, off); err != nil {
			return &CacheError{File: c.path, Block: b, Column: c.foot.Columns[col], Msg: "read error: " + err.Error(), Err: err}
		}
		if crc32.Checksum(raw, castagnoli) != c.foot.Checksums[b*nc+col] {
			return &CacheError{File: c.path, Block: b, Column: c.foot.Columns[col], Err: ErrCorrupt,
				Msg: "checksum mismatch: the cache file is corrupt (delete it to rebuild it from the CSV)"}
		}
		from := start - b*br
		k := min(len(dst), rows-from)
		for i := 0; i < k; i++ {
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*(from+i):]))
		}
		dst, start = dst[k:], start+k
	}
	return nil
}

// RowLine returns the 1-based physical line of the CSV file csv that holds
// data row row (from 0), by reading the file up to it: for error messages
// about a value found in a cache. Blank lines are skipped as ReadCSV skips
// them.
func RowLine(csv string, row int) (int, error) {
	f, err := os.Open(csv)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := newCSVScanner(f, csv, CSVLimits{})
	cols, err := sc.header()
	if err != nil {
		return 0, err
	}
	vals := make([]float64, len(cols))
	for i := 0; ; i++ {
		ok, err := sc.next(vals)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("%s: no data row %d", csv, row)
		}
		if i == row {
			return sc.line, nil
		}
	}
}
