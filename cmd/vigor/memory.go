package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Vigor checks every size it is given (flags, and what a data file or a
// checkpoint implies) against a memory estimate before it allocates or
// creates anything: a run that would not fit is refused at once, with exit
// code 2 and one line saying what it would need, instead of dying later of a
// Go "fatal error: out of memory" (whose exit code, 2, would say "bad input"
// anyway, after a page of stack trace).

// memoryEnv names the environment variable that sets the memory budget.
const memoryEnv = "VIGOR_MEMORY"

// defaultMemory is the budget when neither memoryEnv nor the machine's
// memory is known.
const defaultMemory = 8 << 30

// memoryBudget returns the bytes a command may plan to use and a phrase that
// says where the number comes from: $VIGOR_MEMORY (bytes, or with a unit:
// 512MiB, 8G), else half the machine's memory (the smaller of its RAM and its
// cgroup's limit, where the system says), else 8 GiB. A bad $VIGOR_MEMORY is
// a usageError.
func memoryBudget() (uint64, string, error) {
	if v := os.Getenv(memoryEnv); v != "" {
		n, err := parseSize(v)
		if err != nil {
			return 0, "", badf("$%s=%q: %v", memoryEnv, v, err)
		}
		return n, "$" + memoryEnv, nil
	}
	if total := physicalMemory(); total > 0 {
		return total / 2, "half of this machine's " + formatBytes(total), nil
	}
	return defaultMemory, "the default when the machine's memory is unknown", nil
}

// checkMemory refuses, as a usageError, what would need more than the memory
// budget: what describes it, need is the estimate in bytes.
func checkMemory(what string, need uint64) error {
	budget, how, err := memoryBudget()
	if err != nil {
		return err
	}
	if need <= budget {
		return nil
	}
	return badf("%s would need about %s of memory, more than the %s allowed (%s; set %s to change it)",
		what, formatBytes(need), formatBytes(budget), how, memoryEnv)
}

// bytesOf converts a float64 estimate to bytes, saturating.
func bytesOf(f float64) uint64 {
	switch {
	case !(f > 0):
		return 0
	case f >= math.MaxUint64:
		return math.MaxUint64
	}
	return uint64(f)
}

// parseSize parses a size in bytes: a number, optionally with a unit K, M, G
// or T (powers of 1024), which may be followed by "iB" or "B": 512MiB, 8G,
// 1.5GB.
func parseSize(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.TrimSpace(s[len(num):])
	mult := 1.0
	switch strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(unit), "B"), "I") {
	case "":
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	case "T":
		mult = 1 << 40
	default:
		return 0, fmt.Errorf("unknown unit %q (want K, M, G or T, as in 512MiB or 8G)", unit)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0) || math.IsInf(v*mult, 0) {
		return 0, fmt.Errorf("not a positive size (bytes, or with a unit: 512MiB, 8G)")
	}
	return bytesOf(v * mult), nil
}

// formatBytes writes a size with a binary unit: "512 MiB", "11.7 GiB".
func formatBytes(n uint64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 || v >= 100 {
		return fmt.Sprintf("%.0f %s", v, units[u])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}
