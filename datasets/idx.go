package datasets

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX element types, the third byte of an IDX magic number.
const (
	IDXUint8   byte = 0x08 // unsigned byte (MNIST images and labels)
	IDXInt8    byte = 0x09 // signed byte
	IDXInt16   byte = 0x0B // big-endian int16
	IDXInt32   byte = 0x0C // big-endian int32
	IDXFloat32 byte = 0x0D // big-endian IEEE float32
	IDXFloat64 byte = 0x0E // big-endian IEEE float64
)

// MaxIDXBytes caps the size of the data section ReadIDX accepts, as a guard
// against absurd allocations driven by a corrupt header; ReadIDXLimit takes
// a lower cap.
const MaxIDXBytes = 1 << 31

// maxIDXDims caps the number of dimensions; real files have 1 to 4.
const maxIDXDims = 16

// ErrFormat is matched (with errors.Is) by every *FormatError: the input is
// not a well-formed IDX file.
var ErrFormat = errors.New("bad IDX format")

// FormatError describes malformed IDX input. Offset is the byte offset in the
// (decompressed) stream where the problem was found.
type FormatError struct {
	Offset int64  // byte offset in the uncompressed stream
	Msg    string // what is wrong
	Err    error  // underlying cause (e.g. a gzip error); may be nil
}

// Error returns a one-line description.
func (e *FormatError) Error() string {
	s := fmt.Sprintf("IDX: offset %d: %s", e.Offset, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrFormat) true for every *FormatError.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// IDX is the content of an IDX file (the format of the MNIST files).
//
// Data holds the elements exactly as stored in the file: row-major with the
// last dimension varying fastest, multi-byte types in big-endian byte order.
// For IDXUint8, the type MNIST uses, Data[i] is element i.
type IDX struct {
	Type byte   // element type, one of IDXUint8 ... IDXFloat64
	Dims []int  // dimension sizes, all >= 1
	Data []byte // raw element bytes, len = product(Dims)·ElemSize(Type)
}

// Len returns the number of elements, the product of the dimensions.
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// IDXElemSize returns the size in bytes of one element of IDX type t, or 0
// for an unknown type.
func IDXElemSize(t byte) int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// ReadIDX reads one IDX file from r, which may be raw or gzip-compressed
// (recognised by the gzip magic bytes 0x1f 0x8b).
//
// All element types of the format are accepted (see the IDX* constants); the
// data are returned raw. Malformed input gives a *FormatError (matching
// ErrFormat) and never a panic: a magic number not starting with two zero
// bytes, an unknown type, zero dimensions or a zero-sized dimension, a data
// size above MaxIDXBytes, truncated data, trailing bytes after the data, and
// corrupt gzip streams. Errors from r itself are returned wrapped.
//
// The stream is read no further than the size the header declares (plus one
// byte, to find trailing data), so a gzip bomb is stopped there. Memory is
// not allocated on the header's word alone: the buffer grows with the data
// that arrive, up to 64 MiB, and only then is the declared size allocated, so
// a truncated stream costs about what it holds and a complete one its size
// plus at most 64 MiB.
func ReadIDX(r io.Reader) (*IDX, error) {
	return ReadIDXLimit(r, MaxIDXBytes)
}

// ReadIDXLimit is ReadIDX with a data section of at most maxBytes (at most
// MaxIDXBytes): a header that declares more is a *FormatError, before any
// data are read.
func ReadIDXLimit(r io.Reader, maxBytes int64) (*IDX, error) {
	src, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: src}
	x, err := readIDX(cr, min(max(maxBytes, 0), MaxIDXBytes))
	if err != nil {
		return nil, idxReadError(cr.n, err)
	}
	// Anything after the data is an error. Reading to EOF also makes the gzip
	// reader verify its checksum.
	var one [1]byte
	n, err := io.ReadFull(cr, one[:])
	if n > 0 {
		return nil, &FormatError{Offset: cr.n - 1, Msg: "trailing data after the last element"}
	}
	if err != io.EOF {
		return nil, idxReadError(cr.n, err)
	}
	return x, nil
}

// ReadIDXFile reads an IDX file (raw or gzip) from path; errors name the path.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	x, err := ReadIDX(f)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return x, nil
}

// maybeGunzip returns a reader of the uncompressed content of r.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read IDX: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &FormatError{Msg: "bad gzip header", Err: err}
		}
		return zr, nil
	}
	return br, nil
}

// countingReader counts bytes read, for error offsets.
type countingReader struct {
	r io.Reader
	n int64
}

// Read reads from the underlying reader and counts the bytes.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// truncatedError marks a stream that ended early inside readIDX.
type truncatedError struct{ what string }

// Error describes what was cut short.
func (e *truncatedError) Error() string { return "truncated " + e.what }

// idxReadError classifies an error from reading the stream.
func idxReadError(off int64, err error) error {
	var fe *FormatError
	var te *truncatedError
	var ce flate.CorruptInputError
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.As(err, &te):
		return &FormatError{Offset: off, Msg: te.what}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FormatError{Offset: off, Msg: "truncated compressed data"}
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &ce):
		return &FormatError{Offset: off, Msg: "corrupt gzip data", Err: err}
	}
	return fmt.Errorf("read IDX at offset %d: %w", off, err)
}

func readIDX(r io.Reader, maxBytes int64) (*IDX, error) {
	var head [4]byte
	if n, err := io.ReadFull(r, head[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, &FormatError{Msg: "empty input"}
		}
		return nil, eofAs(err, "header: input shorter than 4 bytes")
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, &FormatError{Msg: fmt.Sprintf("bad magic number %#08x: first two bytes must be zero", binary.BigEndian.Uint32(head[:]))}
	}
	typ, ndims := head[2], int(head[3])
	size := IDXElemSize(typ)
	if size == 0 {
		return nil, &FormatError{Offset: 2, Msg: fmt.Sprintf("unknown element type %#02x", typ)}
	}
	if ndims == 0 {
		return nil, &FormatError{Offset: 3, Msg: "zero dimensions"}
	}
	if ndims > maxIDXDims {
		return nil, &FormatError{Offset: 3, Msg: fmt.Sprintf("%d dimensions (at most %d supported)", ndims, maxIDXDims)}
	}
	buf := make([]byte, 4*ndims)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, eofAs(err, "header: dimension sizes cut short")
	}
	dims := make([]int, ndims)
	total := int64(size)
	for i := range dims {
		d := binary.BigEndian.Uint32(buf[4*i:])
		off := int64(4 + 4*i)
		if d == 0 {
			return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("dimension %d is zero", i)}
		}
		if int64(d) > maxBytes/total {
			return nil, &FormatError{Offset: off, Msg: fmt.Sprintf("dimensions %v... need more than %d bytes", append(dims[:i:i], int(d)), maxBytes)}
		}
		total *= int64(d)
		dims[i] = int(d)
	}
	data, err := readN(r, int(total))
	if err != nil {
		return nil, err
	}
	return &IDX{Type: typ, Dims: dims, Data: data}, nil
}

// eofAs turns an EOF-type error into a truncatedError with message what.
func eofAs(err error, what string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &truncatedError{what: what}
	}
	return err
}

// trustAfter is how many bytes readN reads before it trusts the declared
// size for the allocation.
const trustAfter = 64 << 20

// readN reads exactly n bytes. It does not trust n for the allocation until
// data have shown up: its buffer starts at 1 MiB and doubles as data arrive,
// up to 64 MiB; once that is full, n is allocated at once. A truncated stream
// costs at most twice what it holds, a complete one n bytes plus at most
// 64 MiB.
func readN(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<20))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			newCap := 2 * cap(buf)
			if newCap > trustAfter {
				newCap = n
			}
			nb := make([]byte, len(buf), min(newCap, n))
			copy(nb, buf)
			buf = nb
		}
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, &truncatedError{what: fmt.Sprintf("data: got %d of %d bytes", len(buf), n)}
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}
