package atomicfile

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary a writer that is killed mid-write (see
// TestRemoveStaleAfterKill).
const helperEnv = "ATOMICFILE_KILLED_WRITER"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		_ = Write(path, func(w io.Writer) error {
			io.WriteString(w, strings.Repeat("x", 1<<17)) // past the buffer: on disk
			os.Stdout.WriteString("writing\n")
			time.Sleep(time.Minute) // killed before this ends
			return nil
		})
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// TestRemoveStaleAfterKill kills a process in the middle of a Write, as
// kill -9 does to a training run: its temporary file stays behind, and
// RemoveStale removes it, and nothing else.
func TestRemoveStaleAfterKill(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs processes and signals")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "model.ckpt")
	writeFile(t, target, "the last complete checkpoint")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+target)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "writing\n" {
		cmd.Process.Kill()
		t.Fatalf("helper said %q, %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	left := names(t, dir)
	if len(left) != 2 || !strings.HasPrefix(left[0], ".model.ckpt.tmp-"+strconv.Itoa(cmd.Process.Pid)+"-") {
		t.Fatalf("after the kill the folder holds %q, want model.ckpt and the writer's temporary file", left)
	}
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, left[:1]) {
		t.Errorf("RemoveStale removed %q, want %q", removed, left[:1])
	}
	if got := names(t, dir); !slices.Equal(got, []string{"model.ckpt"}) {
		t.Errorf("after RemoveStale the folder holds %q", got)
	}
	if b, _ := os.ReadFile(target); string(b) != "the last complete checkpoint" {
		t.Errorf("model.ckpt changed to %q", b)
	}
}

// writeFile writes content to path.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestRemoveStale(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs processes and signals")
	}
	dead := strconv.Itoa(deadPID(t))
	self := strconv.Itoa(os.Getpid())
	parent := strconv.Itoa(os.Getppid())
	old := time.Now().Add(-2 * LegacyAge)
	tests := []struct {
		name   string
		old    bool // modified long ago
		dir    bool // a directory, not a file
		remove bool
	}{
		{name: ".model.ckpt.tmp-" + dead + "-123", remove: true},
		{name: ".metrics.jsonl.tmp-" + dead + "-9", remove: true},
		{name: ".model.ckpt.tmp-" + self + "-123"},                 // this process: maybe writing
		{name: ".model.ckpt.tmp-" + self + "-124", old: true},      // even when old
		{name: ".loss.png.tmp-" + parent + "-5", old: true},        // a running process
		{name: ".model.ckpt.tmp-4242424", old: true, remove: true}, // the older form, old
		{name: ".model.ckpt.tmp-4242425"},                          // the older form, fresh
		{name: "model.ckpt"},
		{name: ".hidden"},
		{name: "x.tmp-" + dead + "-1", old: true},             // no leading dot: not Write's
		{name: ".x.tmp-abc", old: true},                       // not digits
		{name: ".x.tmp-" + dead + "-1a", old: true},           // not digits
		{name: ".tmp-" + dead + "-1", old: true},              // no base name
		{name: ".d.tmp-" + dead + "-1", dir: true, old: true}, // a directory
	}
	dir := t.TempDir()
	var want, removable []string
	for _, tc := range tests {
		p := filepath.Join(dir, tc.name)
		if tc.dir {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		} else {
			writeFile(t, p, "x")
		}
		if tc.old {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
		if tc.remove {
			removable = append(removable, tc.name)
		} else {
			want = append(want, tc.name)
		}
	}
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	slices.Sort(removable)
	slices.Sort(want)
	if !slices.Equal(removed, removable) {
		t.Errorf("removed %q, want %q", removed, removable)
	}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("left %q, want %q", got, want)
	}
	if r, err := RemoveStale(filepath.Join(dir, "missing")); err != nil || r != nil {
		t.Errorf("RemoveStale(missing dir) = %q, %v; want nothing", r, err)
	}
}

// TestWriteNamesItsProcess: the temporary file carries the writer's pid, which
// RemoveStale relies on.
func TestWriteNamesItsProcess(t *testing.T) {
	dir := t.TempDir()
	var seen []string
	err := Write(filepath.Join(dir, "f"), func(w io.Writer) error {
		seen = names(t, dir)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	prefix := ".f.tmp-" + strconv.Itoa(os.Getpid()) + "-"
	if len(seen) != 1 || !strings.HasPrefix(seen[0], prefix) || !digits(strings.TrimPrefix(seen[0], prefix)) {
		t.Errorf("while writing the folder held %q, want one %s<digits>", seen, prefix)
	}
}
