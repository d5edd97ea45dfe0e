package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
)

// encodePNG encodes img as PNG.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("plot: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// SaveImage encodes img as PNG and writes it to path atomically: the data
// go to a temporary file in the same directory, which is synced and then
// renamed over path, so readers see either the old file or the complete new
// one. On failure the temporary file is removed and an existing file at
// path is left untouched. A new file gets permissions 0644; a replaced one
// keeps its permissions.
func SaveImage(path string, img image.Image) error {
	data, err := encodePNG(img)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// renameFile is os.Rename; tests replace it to make the last step fail.
var renameFile = os.Rename

// writeFileAtomic writes data to path via a temporary file in the same
// directory and a rename (see SaveImage).
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := fs.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("plot: write %s: not a regular file", path)
		}
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("plot: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("plot: write %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("plot: write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("plot: write %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("plot: write %s: close: %w", path, err)
	}
	if err = renameFile(tmp, path); err != nil {
		return fmt.Errorf("plot: write %s: %w", path, err)
	}
	return nil
}
