package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// rename is os.Rename; tests replace it to make the last step fail.
var rename = os.Rename

// Write creates or replaces the file at path with the bytes that write
// produces.
//
// The data go through a buffer to a temporary file in the same directory
// (named ".<base>.tmp-<pid>-<random>"; see RemoveStale for the files of a
// killed process), which is flushed, fsynced, closed and renamed over
// path; the directory is then fsynced on a best-effort basis. If write or any
// step fails, or write panics, the temporary file is removed and an existing
// file at path is left untouched. The new file gets the permission bits of the
// regular file it replaces, or 0644 for a new file; a path that names
// something other than a regular file (a directory, a device) is refused.
//
// Errors name the path; the error returned by write is wrapped with %w, so
// callers can still match it with errors.Is and errors.As.
func Write(path string, write func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file", path)
		}
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done { // an error or a panic: leave nothing behind
			f.Close()
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err := rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
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
