//go:build !unix

package atomicfile

// processAlive cannot probe processes here: RemoveStale falls back on the
// files' age.
func processAlive(int) (alive, known bool) { return false, false }
