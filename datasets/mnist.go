package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MNIST file names (uncompressed; a ".gz" version is accepted as well).
const (
	MNISTTrainImages = "train-images-idx3-ubyte"
	MNISTTrainLabels = "train-labels-idx1-ubyte"
	MNISTTestImages  = "t10k-images-idx3-ubyte"
	MNISTTestLabels  = "t10k-labels-idx1-ubyte"
)

// mnistFile is one data file, the SHA-256 of its uncompressed content and
// its uncompressed size: no more than size+1 bytes of it are ever read (0:
// unknown, no bound), so that a gzip bomb in its place is stopped there.
type mnistFile struct {
	name   string
	sha256 string
	size   int64
}

// mnistFiles lists the four MNIST files: train images, train labels, test
// images, test labels.
var mnistFiles = [4]mnistFile{
	{MNISTTrainImages, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 16 + 60000*28*28},
	{MNISTTrainLabels, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 8 + 60000},
	{MNISTTestImages, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 16 + 10000*28*28},
	{MNISTTestLabels, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 8 + 10000},
}

// ErrChecksum is wrapped by errors for files whose SHA-256 (of the
// uncompressed content) is not the expected one: a corrupt or wrong file.
var ErrChecksum = errors.New("checksum mismatch")

// ErrMismatch is wrapped by errors for an image file and a label file that do
// not fit together (different counts), or images of an unexpected size.
var ErrMismatch = errors.New("images and labels do not match")

// MNIST holds the MNIST training (60000 images) and test (10000 images) sets.
type MNIST struct {
	Train, Test ImageSet
}

// ImageSet is a set of grey-scale images with one label each.
type ImageSet struct {
	N, Rows, Cols int     // number of images and image size
	Pixels        []uint8 // N·Rows·Cols bytes, image-major then row-major; 0 = background, 255 = ink
	Labels        []uint8 // N labels (0..9 for MNIST)
}

// Dim returns the number of pixels per image, Rows·Cols.
func (s *ImageSet) Dim() int { return s.Rows * s.Cols }

// Image returns the pixels of image i (a sub-slice of Pixels, not a copy).
// It panics if i is out of range.
func (s *ImageSet) Image(i int) []uint8 {
	d := s.Dim()
	return s.Pixels[i*d : (i+1)*d]
}

// MissingError reports MNIST files that are absent from Dir, or present but
// corrupt (their checksum does not match), and, from FetchMNIST, could not
// be downloaded. It matches fs.ErrNotExist with errors.Is when a file is
// absent, and ErrChecksum when one is corrupt; Causes holds the reasons the
// fetch attempts failed, if any.
type MissingError struct {
	Dir     string   // directory searched
	Files   []string // missing file names (uncompressed names)
	Corrupt []string // present files that fail their checksum (uncompressed names)
	Causes  []error  // why fetching failed; nil from LoadMNIST
}

// Error returns a single line naming the directory, the missing and corrupt
// files and what to do.
func (e *MissingError) Error() string {
	var b strings.Builder
	switch {
	case len(e.Files) > 0 && len(e.Corrupt) > 0:
		fmt.Fprintf(&b, "datasets: MNIST files missing from %s: %s; and corrupt: %s (delete them)", e.Dir, strings.Join(e.Files, ", "), strings.Join(e.Corrupt, ", "))
	case len(e.Corrupt) > 0:
		fmt.Fprintf(&b, "datasets: MNIST files corrupt in %s (checksum mismatch): %s; delete them", e.Dir, strings.Join(e.Corrupt, ", "))
	default:
		fmt.Fprintf(&b, "datasets: MNIST files missing from %s: %s", e.Dir, strings.Join(e.Files, ", "))
	}
	b.WriteString("; put them there (raw or .gz), or let FetchMNIST download them")
	if len(e.Causes) > 0 {
		b.WriteString(" (download failed: ")
		for i, c := range e.Causes {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(strings.ReplaceAll(c.Error(), "\n", " "))
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is(err, fs.ErrNotExist) true when a file is missing and
// errors.Is(err, ErrChecksum) true when one is corrupt.
func (e *MissingError) Is(target error) bool {
	return (target == fs.ErrNotExist && len(e.Files) > 0) || (target == ErrChecksum && len(e.Corrupt) > 0)
}

// Unwrap returns the causes of the failed fetch.
func (e *MissingError) Unwrap() []error { return e.Causes }

// findFile returns the path of name or name.gz in dir, whichever exists
// first, or "" if neither does. Other stat errors are returned.
func findFile(dir, name string) (string, error) {
	for _, cand := range []string{name, name + ".gz"} {
		p := filepath.Join(dir, cand)
		fi, err := os.Stat(p)
		if err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("datasets: %w", err)
		}
	}
	return "", nil
}

// missingFiles returns the files of list absent from dir.
func missingFiles(dir string, list []mnistFile) ([]string, error) {
	var missing []string
	for _, f := range list {
		p, err := findFile(dir, f.name)
		if err != nil {
			return nil, err
		}
		if p == "" {
			missing = append(missing, f.name)
		}
	}
	return missing, nil
}

// LoadMNIST reads the four MNIST files from dir, each either raw
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte) or gzip-compressed with a ".gz" suffix; if both
// exist the raw file is used.
//
// The SHA-256 of each uncompressed file must match the published MNIST files
// (else the error wraps ErrChecksum), image and label counts must agree and
// images must be 28×28 (else ErrMismatch). Missing files give a
// *MissingError listing all of them (it matches fs.ErrNotExist).
func LoadMNIST(dir string) (*MNIST, error) {
	return loadMNIST(dir, mnistFiles, 28, 28)
}

func loadMNIST(dir string, files [4]mnistFile, rows, cols int) (*MNIST, error) {
	missing, err := missingFiles(dir, files[:])
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, &MissingError{Dir: dir, Files: missing}
	}
	m := new(MNIST)
	for k, set := range []*ImageSet{&m.Train, &m.Test} {
		img, lbl := files[2*k], files[2*k+1]
		imgPath, _ := findFile(dir, img.name)
		lblPath, _ := findFile(dir, lbl.name)
		s, err := readImageSet(imgPath, lblPath, img, lbl)
		if err != nil {
			return nil, err
		}
		if s.Rows != rows || s.Cols != cols {
			return nil, fmt.Errorf("datasets: %s: images are %d×%d, want %d×%d: %w", imgPath, s.Rows, s.Cols, rows, cols, ErrMismatch)
		}
		*set = *s
	}
	return m, nil
}

// ReadImageSet reads an image file (IDX, unsigned bytes, 3 dimensions
// N×Rows×Cols) and a label file (IDX, unsigned bytes, 1 dimension N), raw or
// gzip-compressed, without checksum verification. It suits MNIST-like data
// sets such as Fashion-MNIST. Counts that differ give an error wrapping
// ErrMismatch; malformed files give errors wrapping ErrFormat.
func ReadImageSet(imagesPath, labelsPath string) (*ImageSet, error) {
	return readImageSet(imagesPath, labelsPath, mnistFile{}, mnistFile{})
}

// readImageSet reads an image and a label file, verified against imgFile and
// lblFile when they have a checksum.
func readImageSet(imgPath, lblPath string, imgFile, lblFile mnistFile) (*ImageSet, error) {
	img, err := readVerifiedIDX(imgPath, imgFile)
	if err != nil {
		return nil, err
	}
	lbl, err := readVerifiedIDX(lblPath, lblFile)
	if err != nil {
		return nil, err
	}
	if img.Type != IDXUint8 || len(img.Dims) != 3 {
		return nil, fmt.Errorf("datasets: %s: want unsigned-byte images with 3 dimensions, have type %#02x with dimensions %v: %w",
			imgPath, img.Type, img.Dims, ErrFormat)
	}
	if lbl.Type != IDXUint8 || len(lbl.Dims) != 1 {
		return nil, fmt.Errorf("datasets: %s: want unsigned-byte labels with 1 dimension, have type %#02x with dimensions %v: %w",
			lblPath, lbl.Type, lbl.Dims, ErrFormat)
	}
	if img.Dims[0] != lbl.Dims[0] {
		return nil, fmt.Errorf("datasets: %s has %d images but %s has %d labels: %w",
			imgPath, img.Dims[0], lblPath, lbl.Dims[0], ErrMismatch)
	}
	return &ImageSet{N: img.Dims[0], Rows: img.Dims[1], Cols: img.Dims[2], Pixels: img.Data, Labels: lbl.Data}, nil
}

// readVerifiedIDX reads an IDX file (raw or gzip) and, if want has a
// checksum, checks the SHA-256 of its uncompressed content, reading no more
// than want.size+1 bytes of it when the size is known. A checksum mismatch
// takes precedence over a format error, since it explains it.
func readVerifiedIDX(path string, want mnistFile) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	src, err := maybeGunzip(f)
	if err != nil {
		if want.sha256 != "" {
			return nil, fmt.Errorf("datasets: %s: %w (corrupt or wrong file; delete it and fetch again): %w", path, err, ErrChecksum)
		}
		return nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	wantSum := want.sha256
	if wantSum == "" {
		x, err := ReadIDX(src)
		if err != nil {
			return nil, fmt.Errorf("datasets: %s: %w", path, err)
		}
		return x, nil
	}
	if want.size > 0 {
		src = io.LimitReader(src, want.size+1)
	}
	h := sha256.New()
	tee := io.TeeReader(src, h)
	x, idxErr := ReadIDX(tee)
	if idxErr != nil {
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return nil, fmt.Errorf("datasets: %s: %w (corrupt or wrong file; delete it and fetch again): %w", path, idxErr, ErrChecksum)
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSum {
		return nil, fmt.Errorf("datasets: %s: SHA-256 of the uncompressed data is %s, want %s (corrupt or wrong file; delete it and fetch again): %w",
			path, got, wantSum, ErrChecksum)
	}
	if idxErr != nil {
		return nil, fmt.Errorf("datasets: %s: %w", path, idxErr)
	}
	return x, nil
}

// verifyFile checks that the uncompressed content of the file at path (raw
// or gzip) has the SHA-256 of want, reading no more than want.size+1 bytes
// of it when the size is known.
func verifyFile(path string, want mnistFile) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	src, err := maybeGunzip(f)
	if err != nil {
		return fmt.Errorf("datasets: %s: %w: %w", path, err, ErrChecksum)
	}
	if want.size > 0 {
		src = io.LimitReader(src, want.size+1)
	}
	h := sha256.New()
	if _, err := io.Copy(h, src); err != nil {
		return fmt.Errorf("datasets: %s: %w (corrupt gzip data?): %w", path, err, ErrChecksum)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.sha256 {
		return fmt.Errorf("datasets: %s: SHA-256 is %s, want %s: %w", path, got, want.sha256, ErrChecksum)
	}
	return nil
}
