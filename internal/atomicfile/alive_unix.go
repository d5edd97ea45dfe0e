//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// processAlive reports whether process pid exists (signal 0 probes it
// without sending anything); known is false when the probe cannot tell.
func processAlive(pid int) (alive, known bool) {
	err := syscall.Kill(pid, 0)
	switch {
	case err == nil, errors.Is(err, syscall.EPERM):
		return true, true
	case errors.Is(err, syscall.ESRCH):
		return false, true
	}
	return false, false
}
