package blas64

import (
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestHasAVX2(t *testing.T) {
	want := asmKernels && cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA
	t.Logf("HasAVX2() = %v, GOARCH=%s", HasAVX2(), runtime.GOARCH)
	if HasAVX2() != want {
		t.Errorf("HasAVX2() = %v, want %v (the CPU's and OS's AVX, AVX2 and FMA support)", HasAVX2(), want)
	}
	if useAsm != HasAVX2() {
		t.Errorf("useAsm = %v, HasAVX2() = %v", useAsm, HasAVX2())
	}
}
