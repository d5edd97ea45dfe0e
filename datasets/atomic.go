package datasets

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic creates or replaces the file at path with the bytes that
// write produces, so that readers see either the old file or the complete new
// one, never a partial file.
//
// The data go to a temporary file in the same directory (named
// ".<base>.tmp-*"), which is flushed, fsynced, closed and then renamed over
// path; the directory is fsynced afterwards on a best-effort basis. If write
// or any step fails (or write panics), the temporary file is removed and an
// existing file at path is left untouched. The new file gets the permission
// bits of the file it replaces, or 0644 for a new file.
//
// Errors are wrapped with the path; the error returned by write is wrapped
// with %w so callers can still match it.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := fs.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("datasets: write %s: not a regular file", path)
		}
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("datasets: write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("datasets: write %s: close: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir fsyncs a directory so that a rename in it is durable. Failures are
// ignored: some platforms and file systems do not support it.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Sync()
}
