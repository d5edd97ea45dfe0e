package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LegacyAge is how old a temporary file of the older, pid-less form
// (".<base>.tmp-<random>", written before the names carried a process id)
// must be before RemoveStale removes it: a file being written is touched at
// least every few seconds, so an older one belongs to a dead process.
const LegacyAge = 10 * time.Minute

// now is time.Now; tests replace it.
var now = time.Now

// tempPattern is the os.CreateTemp pattern of Write's temporary file for
// base: ".<base>.tmp-<pid>-<random>", so that RemoveStale can tell the files
// of a dead process from those of a live one.
func tempPattern(base string) string {
	return "." + base + ".tmp-" + strconv.Itoa(os.Getpid()) + "-*"
}

// RemoveStale removes from dir the temporary files that Write leaves behind
// when its process is killed before it could clean up (kill -9, a power
// cut): the regular files named ".<base>.tmp-<pid>-<random>" whose process
// <pid> is not running (on Unix; elsewhere those older than LegacyAge), and
// the older form ".<base>.tmp-<random>" once older than LegacyAge. The files
// of running processes, this one included, and every other file are left
// alone. It returns the names removed and the first error met; a missing dir
// is not an error. A program that owns a folder, such as a training run,
// calls it when it starts.
func RemoveStale(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	var first error
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !isStale(dir, name) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			if first == nil && !errors.Is(err, fs.ErrNotExist) {
				first = err
			}
			continue
		}
		removed = append(removed, name)
	}
	return removed, first
}

// isStale reports whether the file name in dir is a temporary file of Write
// whose writer is gone.
func isStale(dir, name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 2 {
		return false
	}
	pid, random, twoParts := strings.Cut(name[i+len(".tmp-"):], "-")
	if !digits(pid) || (twoParts && !digits(random)) {
		return false
	}
	if twoParts {
		p, err := strconv.Atoi(pid)
		if err != nil || p <= 0 {
			return false
		}
		if p == os.Getpid() {
			return false
		}
		if alive, known := processAlive(p); known {
			return !alive
		}
	}
	fi, err := os.Lstat(filepath.Join(dir, name))
	return err == nil && now().Sub(fi.ModTime()) > LegacyAge
}

// digits reports whether s is a non-empty string of ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
