package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// idxBytes builds an IDX file with the given type, dimensions and data.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestReadIDXGood(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		typ  byte
		dims []int
		data []byte
	}{
		{"labels", idxBytes(IDXUint8, []uint32{5}, []byte{0, 1, 2, 9, 3}), IDXUint8, []int{5}, []byte{0, 1, 2, 9, 3}},
		{"images", idxBytes(IDXUint8, []uint32{2, 3, 4}, seq(24)), IDXUint8, []int{2, 3, 4}, seq(24)},
		{"gzip images", gz(idxBytes(IDXUint8, []uint32{2, 3, 4}, seq(24))), IDXUint8, []int{2, 3, 4}, seq(24)},
		{"int16", idxBytes(IDXInt16, []uint32{3}, seq(6)), IDXInt16, []int{3}, seq(6)},
		{"float64", idxBytes(IDXFloat64, []uint32{1, 2}, seq(16)), IDXFloat64, []int{1, 2}, seq(16)},
		{"int8 4d", idxBytes(IDXInt8, []uint32{1, 1, 1, 1}, []byte{0xff}), IDXInt8, []int{1, 1, 1, 1}, []byte{0xff}},
		{"multistream gzip", append(gz(idxBytes(IDXUint8, []uint32{4}, nil)), gz([]byte{1, 2, 3, 4})...), IDXUint8, []int{4}, []byte{1, 2, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if x.Type != tc.typ || !reflect.DeepEqual(x.Dims, tc.dims) || !bytes.Equal(x.Data, tc.data) {
				t.Errorf("got %#x %v %v, want %#x %v %v", x.Type, x.Dims, x.Data, tc.typ, tc.dims, tc.data)
			}
			if x.Len()*IDXElemSize(x.Type) != len(x.Data) {
				t.Errorf("Len()=%d inconsistent with %d data bytes", x.Len(), len(x.Data))
			}
		})
	}
}

func TestReadIDXBad(t *testing.T) {
	good := idxBytes(IDXUint8, []uint32{2, 3}, seq(6))
	gzGood := gz(good)
	tests := []struct {
		name   string
		in     []byte
		offset int64
		msg    string
	}{
		{"empty", nil, 0, "IDX: offset 0: empty input"},
		{"short header", []byte{0, 0, 8}, 3, "IDX: offset 3: header: input shorter than 4 bytes"},
		{"bad magic", append([]byte{1, 2}, good[2:]...), 0, "IDX: offset 0: bad magic number 0x01020802: first two bytes must be zero"},
		{"text file", []byte("hello, world\n"), 0, "IDX: offset 0: bad magic number 0x68656c6c: first two bytes must be zero"},
		{"unknown type", idxBytes(0x0A, []uint32{1}, []byte{0}), 2, "IDX: offset 2: unknown element type 0x0a"},
		{"zero dims", []byte{0, 0, 8, 0}, 3, "IDX: offset 3: zero dimensions"},
		{"too many dims", []byte{0, 0, 8, 200}, 3, "IDX: offset 3: 200 dimensions (at most 16 supported)"},
		{"zero dim", idxBytes(IDXUint8, []uint32{3, 0}, nil), 8, "IDX: offset 8: dimension 1 is zero"},
		{"huge dims", idxBytes(IDXUint8, []uint32{60000, 65535, 65535}, nil), 8, "IDX: offset 8: dimensions [60000 65535]... need more than 2147483648 bytes"},
		{"huge float64", idxBytes(IDXFloat64, []uint32{1 << 27, 3}, nil), 8, "IDX: offset 8: dimensions [134217728 3]... need more than 2147483648 bytes"},
		{"largest allowed size, no data", idxBytes(IDXFloat64, []uint32{1 << 28}, nil), 8, "IDX: offset 8: data: got 0 of 2147483648 bytes"},
		{"dims cut short", []byte{0, 0, 8, 2, 0, 0, 0, 1, 0}, 9, "IDX: offset 9: header: dimension sizes cut short"},
		{"truncated data", good[:len(good)-2], 16, "IDX: offset 16: data: got 4 of 6 bytes"},
		{"huge claim, little data", idxBytes(IDXUint8, []uint32{1 << 30}, []byte{1, 2, 3}), 11, "IDX: offset 11: data: got 3 of 1073741824 bytes"},
		{"trailing garbage", append(good, 0), 18, "IDX: offset 18: trailing data after the last element"},
		{"gzip truncated", gzGood[:len(gzGood)-10], 18, "IDX: offset 18: truncated compressed data"},
		{"gzip trailing byte", append(gz(good), 'x'), 18, "IDX: offset 18: truncated compressed data"},
		{"gzip trailing garbage", append(gz(good), "garbage garbage"...), 18, "IDX: offset 18: corrupt gzip data: gzip: invalid header"},
		{"gzip trailing idx", gz(append(good, 1, 2)), 18, "IDX: offset 18: trailing data after the last element"},
		{"gzip bad header", []byte{0x1f, 0x8b, 1}, 0, "IDX: offset 0: bad gzip header: unexpected EOF"},
	}
	// Corrupt the CRC of a gzip stream.
	badCRC := append([]byte(nil), gzGood...)
	badCRC[len(badCRC)-8] ^= 0xff
	tests = append(tests, struct {
		name   string
		in     []byte
		offset int64
		msg    string
	}{"gzip bad checksum", badCRC, 18, "IDX: offset 18: corrupt gzip data: gzip: invalid checksum"})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tc.in))
			if err == nil {
				t.Fatalf("ReadIDX succeeded: %+v", x)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %T %v is not a *FormatError matching ErrFormat", err, err)
			}
			if fe.Offset != tc.offset || err.Error() != tc.msg {
				t.Errorf("got  %q (offset %d)\nwant %q (offset %d)", err.Error(), fe.Offset, tc.msg, tc.offset)
			}
		})
	}
}

func TestReadIDXReaderError(t *testing.T) {
	in := io.MultiReader(bytes.NewReader(idxBytes(IDXUint8, []uint32{100}, seq(10))), failingReader{})
	_, err := ReadIDX(in)
	if err == nil || errors.Is(err, ErrFormat) || err.Error() != "read IDX at offset 18: disk on fire" {
		t.Errorf("err = %v, want a wrapped read error", err)
	}
}

func TestReadIDXFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.idx.gz")
	os.WriteFile(p, gz(idxBytes(IDXUint8, []uint32{2}, []byte{4, 5})), 0o644)
	x, err := ReadIDXFile(p)
	if err != nil || !bytes.Equal(x.Data, []byte{4, 5}) {
		t.Fatalf("ReadIDXFile = %v, %v", x, err)
	}
	os.WriteFile(p, []byte{0, 0, 8}, 0o644)
	if _, err := ReadIDXFile(p); !errors.Is(err, ErrFormat) || err.Error() != "datasets: "+p+": IDX: offset 3: header: input shorter than 4 bytes" {
		t.Errorf("bad file: %v", err)
	}
	if _, err := ReadIDXFile(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseIDX(f *testing.F) {
	good := idxBytes(IDXUint8, []uint32{2, 3}, seq(6))
	f.Add(good)
	f.Add(gz(good))
	f.Add(idxBytes(IDXFloat32, []uint32{2}, seq(8)))
	f.Add([]byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 8, 0})
	f.Add(append(good, 1))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not match ErrFormat", err)
			}
			return
		}
		if len(x.Dims) == 0 || x.Len()*IDXElemSize(x.Type) != len(x.Data) {
			t.Fatalf("inconsistent result: type %#x dims %v, %d bytes", x.Type, x.Dims, len(x.Data))
		}
	})
}

// zeros is an endless stream of zero bytes (like /dev/zero) that counts what
// is read from it.
type zeros struct{ read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// TestReadIDXBounded: the stream is read no further than the declared size
// (plus the byte that finds trailing data), and memory follows the data that
// arrive, not the header's claim.
func TestReadIDXBounded(t *testing.T) {
	// An endless stream behind a small header: stopped at the declared size.
	z := &zeros{}
	_, err := ReadIDX(io.MultiReader(bytes.NewReader(idxBytes(IDXUint8, []uint32{1000}, nil)), z))
	if err == nil || !strings.Contains(err.Error(), "trailing data") {
		t.Errorf("endless data: %v", err)
	}
	if z.read > 1000+1<<16 {
		t.Errorf("read %d bytes of an endless stream behind a header declaring 1000", z.read)
	}
	// A header claiming 1 GiB with three bytes behind it costs little.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := ReadIDX(bytes.NewReader(idxBytes(IDXUint8, []uint32{1 << 30}, []byte{1, 2, 3}))); err == nil {
		t.Fatal("truncated data accepted")
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 80<<20 {
		t.Errorf("a 1 GiB claim with 3 bytes of data allocated %d MiB", d>>20)
	}
	// ReadIDXLimit refuses a claim above its limit before reading data.
	_, err = ReadIDXLimit(bytes.NewReader(idxBytes(IDXUint8, []uint32{10, 10}, seq(100))), 99)
	if !errors.Is(err, ErrFormat) || err.Error() != "IDX: offset 8: dimensions [10 10]... need more than 99 bytes" {
		t.Errorf("ReadIDXLimit over the limit: %v", err)
	}
	if x, err := ReadIDXLimit(bytes.NewReader(idxBytes(IDXUint8, []uint32{10, 10}, seq(100))), 100); err != nil || len(x.Data) != 100 {
		t.Errorf("ReadIDXLimit at the limit: %v", err)
	}
	// Past the first 64 MiB the declared size is allocated once.
	n := trustAfter + 1000
	x, err := ReadIDX(bytes.NewReader(idxBytes(IDXUint8, []uint32{uint32(n)}, seq(n))))
	if err != nil || len(x.Data) != n || x.Data[n-1] != seq(n)[n-1] || x.Data[trustAfter] != seq(n)[trustAfter] {
		t.Errorf("ReadIDX of %d bytes: %v", n, err)
	}
	_, err = ReadIDX(bytes.NewReader(idxBytes(IDXUint8, []uint32{uint32(n)}, seq(n-1))))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("data: got %d of %d bytes", n-1, n)) {
		t.Errorf("ReadIDX of %d bytes, one short: %v", n, err)
	}
}
