package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsTerminalNot(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	regular, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, f := range []*os.File{devNull, regular, w} {
		if isTerminal(f) {
			t.Errorf("isTerminal(%s) = true, want false", f.Name())
		}
	}
}
