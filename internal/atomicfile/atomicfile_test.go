package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// writeString returns a write function that writes s.
func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.txt")
	if err := Write(fresh, writeString("")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o644 {
		t.Errorf("new empty file: %v, err %v; want size 0, mode 0644", fi, err)
	}

	old := filepath.Join(dir, "old.json")
	if err := os.WriteFile(old, []byte("old content, longer than the new"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", 1<<13) // 128 KiB: more than the buffer
	if err := Write(old, writeString(big)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(old); string(b) != big {
		t.Errorf("replaced file has %d bytes, want the %d written", len(b), len(big))
	}
	if fi, _ := os.Stat(old); fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file has mode %v, want its old 0600", fi.Mode().Perm())
	}
	if got, want := names(t, dir), []string{"fresh.txt", "old.json"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q (no temporary files)", got, want)
	}
}

func TestWriteRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := Write("rel.txt", writeString("x")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile("rel.txt"); err != nil || string(b) != "x" {
		t.Errorf("rel.txt = %q, %v", b, err)
	}
}

// TestWriteFailures checks that every way of failing leaves the old file
// (content and mode) as it was and no temporary file behind.
func TestWriteFailures(t *testing.T) {
	boom := errors.New("boom")
	renameRefused := errors.New("rename refused")
	tests := []struct {
		name   string
		target string // relative to the test directory
		write  func(io.Writer) error
		setup  func(t *testing.T) // runs before Write
		want   error              // nil: any error
		panics bool
	}{
		{name: "write fails", target: "f.json", want: boom, write: func(w io.Writer) error {
			io.WriteString(w, "partial new content")
			return boom
		}},
		{name: "write panics", target: "f.json", panics: true, write: func(w io.Writer) error {
			io.WriteString(w, "partial")
			panic("oops")
		}},
		{name: "rename fails", target: "f.json", want: renameRefused, write: writeString("new"),
			setup: func(t *testing.T) {
				rename = func(string, string) error { return renameRefused }
				t.Cleanup(func() { rename = os.Rename })
			}},
		{name: "missing directory", target: filepath.Join("no", "such", "dir", "x"), want: os.ErrNotExist, write: writeString("x")},
		{name: "target is a directory", target: "sub", write: writeString("x")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			keep := filepath.Join(dir, "f.json")
			if err := os.WriteFile(keep, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t)
			}
			path := filepath.Join(dir, tc.target)
			var err error
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				err = Write(path, tc.write)
				return false
			}()
			if panicked != tc.panics {
				t.Errorf("panicked = %v, want %v", panicked, tc.panics)
			}
			if !tc.panics {
				if err == nil {
					t.Fatal("Write succeeded")
				}
				if tc.want != nil && !errors.Is(err, tc.want) {
					t.Errorf("err = %v, want one wrapping %v", err, tc.want)
				}
				if !strings.Contains(err.Error(), path) {
					t.Errorf("err = %v, does not name %s", err, path)
				}
			}
			if b, _ := os.ReadFile(keep); string(b) != "old" {
				t.Errorf("failed write changed f.json to %q", b)
			}
			if fi, _ := os.Stat(keep); fi.Mode().Perm() != 0o600 {
				t.Errorf("failed write changed the mode of f.json to %v", fi.Mode().Perm())
			}
			if got, want := names(t, dir), []string{"f.json", "sub"}; !slices.Equal(got, want) {
				t.Errorf("directory holds %q, want %q (no temporary files)", got, want)
			}
		})
	}
}
