package blas32

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestHasAVX2(t *testing.T) {
	want := asmKernels && cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA
	t.Logf("HasAVX2() = %v, GOARCH=%s, cpu.X86: AVX %v AVX2 %v FMA %v",
		HasAVX2(), runtime.GOARCH, cpu.X86.HasAVX, cpu.X86.HasAVX2, cpu.X86.HasFMA)
	if HasAVX2() != want {
		t.Errorf("HasAVX2() = %v, want %v (the CPU's and OS's AVX, AVX2 and FMA support)", HasAVX2(), want)
	}
	if useAsm != HasAVX2() {
		t.Errorf("useAsm = %v, HasAVX2() = %v", useAsm, HasAVX2())
	}
	if runtime.GOARCH != "amd64" && HasAVX2() {
		t.Error("HasAVX2 true on non-amd64")
	}
}

// TestHasAVX2Disabled runs this test binary again with AVX2 or FMA switched
// off through GODEBUG, as on a CPU or OS without them: the assembly must then
// stay unused and Sgemm must fall back to gonum's kernels on amd64.
func TestHasAVX2Disabled(t *testing.T) {
	if os.Getenv("BLAS32_REPORT_CPU") == "1" {
		fmt.Printf("HasAVX2=%v useAsm=%v useGonum=%v\n", HasAVX2(), useAsm, useGonum)
		return
	}
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no test executable:", err)
	}
	for _, off := range []string{"cpu.avx2=off", "cpu.fma=off"} {
		cmd := exec.Command(exe, "-test.run=^TestHasAVX2Disabled$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BLAS32_REPORT_CPU=1", "GODEBUG="+off)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GODEBUG=%s: %v\n%s", off, err, out)
		}
		want := fmt.Sprintf("HasAVX2=false useAsm=false useGonum=%v", runtime.GOARCH == "amd64")
		if !strings.Contains(string(out), want) {
			t.Errorf("GODEBUG=%s: subprocess printed\n%s\nwant a line %q", off, out, want)
		}
	}
}
